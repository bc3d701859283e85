#pragma once

// The HTTP layer of the simulator and of `impilo webhooks listen`: cpp-httplib's request parsing
// with our own connection handling and limits. Defined in impilo::testing (src/testing/
// http_server.cpp): only a target that links impilo::testing (and cpp-httplib) may include this
// header. It lives in src/internal because both the simulator and the CLI use it, and
// `impilo_internal` is the one way into src/ from outside the library (CONTRIBUTING.md, Layers).
// Not installed.

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <impilo/testing/export.hpp>
#include <memory>
#include <string>
#include <thread>

namespace impilo::testing::detail {

/// What one `HttpServer` accepts.
struct HttpLimits {
  /// Largest request body, counted after chunked and content decoding (a gzip or brotli body is
  /// capped as it inflates): 413 above it. At most 16 MiB.
  std::size_t max_body_bytes{std::size_t{16} * 1024 * 1024};
  /// Connections served at once, each on its own thread. A connection beyond them closes the one
  /// that has been idle longest (connected, or between keep-alive requests, with no byte of a
  /// request received) to make room; only when none is idle is it answered 503 at once.
  std::size_t max_connections{128};
};

/// Serves one handler for every method and path on one address, within `HttpLimits`; a request
/// head must arrive within 5 s of its first byte (408 after it).
///
/// cpp-httplib 0.11 keeps a worker busy with an idle keep-alive connection until its keep-alive
/// timeout and joins the workers on stop(), so a client holding a pooled connection would delay
/// stop() by seconds. This server runs each connection on its own thread with a keep-alive loop
/// that `stop()` interrupts by shutting the connection's socket down.
class IMPILO_TESTING_EXPORT HttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  /// Every request of every method goes to @p handler (after its body has been read, within
  /// @p limits).
  explicit HttpServer(const Handler& handler, const HttpLimits& limits = {});
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

  /// Called by a handler: @p then runs on the connection's thread once the response has been
  /// written (or writing it failed), before the connection serves anything else. Replaces an
  /// earlier call's; does nothing when called outside a handler.
  static void after_response(std::function<void()> then);

 private:
  class Server;
  std::unique_ptr<Server> server_;
  std::thread accept_thread_;
};

}  // namespace impilo::testing::detail
