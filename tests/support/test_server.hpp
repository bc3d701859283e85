#pragma once

// A cpp-httplib server on 127.0.0.1 for integration tests (header-only).
//
//   impilo_test::TestServer server([](httplib::Server& s) {
//     s.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
//       res.set_content("pong", "text/plain");
//     });
//   });
//   transport->send({"GET", server.url("/ping"), {}, {}, std::chrono::seconds(2)});
//   CHECK(server.connection_count() == 1);
//
// * Listens on 127.0.0.1, port chosen by the kernel; nothing ever leaves the machine.
// * `TCP_NODELAY` (without it keep-alive requests stall ~40 ms on delayed ACKs), keep-alive up to
//   1000 requests per connection (cpp-httplib's default is 5), 16 worker threads (each open
//   keep-alive connection holds one).
// * Counts requests and connections. cpp-httplib has no accept hook, so connections are counted
//   as distinct client ports seen; on loopback a client port is not reused while its earlier
//   connection lingers in TIME_WAIT, so within one test distinct ports are distinct connections.
//   The helper owns the pre-routing handler for this: setup code must not set its own.
// * Stops (and joins its thread) in the destructor. Handlers that wait should use
//   `sleep_for()`, which returns early once the server is stopping, so no test waits for them.
//   Destroy transports before the server they talked to (declare the server first): an idle
//   keep-alive connection otherwise holds a worker until the 1 s keep-alive timeout.
// * Ignores SIGPIPE for the whole test process: cpp-httplib 0.11 writes with flags 0, and a
//   response written to a connection the client already dropped (after a client timeout) would
//   otherwise kill the test binary.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

namespace impilo_test {

/// Ignores SIGPIPE process-wide, once.
inline void ignore_sigpipe() {
  static const bool done = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

class TestServer {
 public:
  /// Route setup: `void(httplib::Server&)`, or `void(httplib::Server&, TestServer&)` for handlers
  /// that need the helper (for `sleep_for`).
  using Setup = std::function<void(httplib::Server&, TestServer&)>;

  /// A plain-HTTP server configured by @p setup (routes, options), started before returning.
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, TestServer>>>
  explicit TestServer(F&& setup)
      : TestServer(std::make_unique<httplib::Server>(), "http", std::forward<F>(setup)) {}

  /// A server of any cpp-httplib type (such as `httplib::SSLServer`, with scheme "https").
  template <typename F>
  TestServer(std::unique_ptr<httplib::Server> server, std::string scheme, F&& setup)
      : server_(std::move(server)), scheme_(std::move(scheme)) {
    if constexpr (std::is_invocable_v<F&, httplib::Server&, TestServer&>) {
      start(Setup(std::forward<F>(setup)));
    } else {
      start([&setup](httplib::Server& s, TestServer&) { setup(s); });
    }
  }

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  TestServer(TestServer&&) = delete;
  TestServer& operator=(TestServer&&) = delete;

  ~TestServer() { stop(); }

  /// Stops accepting, wakes sleeping handlers, and waits for the server thread. Idempotent.
  void stop() {
    stopping_ = true;
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] int port() const { return port_; }

  /// `http://127.0.0.1:<port>` followed by @p path_and_query.
  [[nodiscard]] std::string url(const std::string& path_and_query = "") const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path_and_query;
  }

  /// Distinct connections that carried at least one request.
  [[nodiscard]] std::size_t connection_count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return ports_.size();
  }

  /// Requests received (all routes, matched or not).
  [[nodiscard]] std::size_t request_count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  [[nodiscard]] bool stopping() const { return stopping_; }

  /// Sleeps up to @p duration in a handler; returns early when the server is stopping.
  void sleep_for(std::chrono::milliseconds duration) const {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  [[nodiscard]] httplib::Server& server() { return *server_; }

 private:
  void start(const Setup& setup) {
    ignore_sigpipe();
    if (!server_ || !server_->is_valid()) throw std::runtime_error("TestServer: invalid server");
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_max_count(1000);
    server_->set_keep_alive_timeout(1);
    server_->set_read_timeout(2, 0);
    server_->set_write_timeout(2, 0);
    server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++requests_;
      ports_.insert(req.remote_port);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    if (setup) setup(*server_, *this);

    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("TestServer: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it (bounded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_->is_running()) {
      stop();
      throw std::runtime_error("TestServer: the server did not start");
    }
  }

  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::set<int> ports_;
  std::size_t requests_ = 0;
};

}  // namespace impilo_test
