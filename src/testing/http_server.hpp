#pragma once

// The simulator's HTTP layer: cpp-httplib's request parsing with our own connection handling, so
// that stop() is quick even while clients hold idle keep-alive connections. Not installed.

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace impilo::testing::detail {

/// Serves one handler for every method and path on one loopback address.
///
/// cpp-httplib 0.11 keeps a worker busy with an idle keep-alive connection until its keep-alive
/// timeout and joins the workers on stop(), so a client holding a pooled connection would delay
/// stop() by seconds. This server runs each connection on its own thread with a keep-alive loop
/// that `stop()` interrupts by shutting the connection's socket down.
class HttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  /// Every request of every method goes to @p handler (after cpp-httplib has read its body).
  explicit HttpServer(const Handler& handler);
  /// Stops (as `stop()`).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds @p host: @p port (0: a free port) and returns the port, or -1 when the address
  /// cannot be bound (in use, or not an address of this machine).
  int bind(const std::string& host, int port);

  /// Accepts connections on a background thread; returns once the accept loop runs.
  /// @pre `bind()` succeeded.
  void serve();

  /// Refuses new connections and shuts every open one down (their threads then end); the
  /// listening socket stays open until `stop()`.
  void close_connections() noexcept;

  /// Closes every connection and the listening socket, and joins every thread. Idempotent.
  void stop() noexcept;

  /// Called by a handler: once it returns, its connection is closed without a byte of the
  /// response being written (the client sees the connection cut after sending its request).
  /// Does nothing when called outside a handler.
  static void close_without_response() noexcept;

 private:
  class Server;
  std::unique_ptr<Server> server_;
  std::thread accept_thread_;
};

}  // namespace impilo::testing::detail
