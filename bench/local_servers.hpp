#pragma once

// The loopback servers the performance benchmarks talk to: cpp-httplib on 127.0.0.1 (port 0),
// TCP_NODELAY, keep-alive without a request limit, 16 worker threads. Every JSON answer is marked
// `application/json; charset=utf-8`: cpp-httplib 0.11 brotli-compresses a plain `application/json`
// answer whenever the client accepts it, which would time the compressor instead of the client.

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace impilo_bench {

inline constexpr const char* json_type = "application/json; charset=utf-8";

class LocalServer {
 public:
  using Setup = std::function<void(httplib::Server&)>;

  /// A plain-HTTP server with the routes @p setup adds.
  explicit LocalServer(const Setup& setup)
      : LocalServer(std::make_unique<httplib::Server>(), "http", setup) {}

  /// @p server (an `httplib::SSLServer` for https) with the routes @p setup adds.
  LocalServer(std::unique_ptr<httplib::Server> server, std::string scheme, const Setup& setup)
      : server_(std::move(server)), scheme_(std::move(scheme)) {
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_max_count(1000000);
    server_->new_task_queue = [] { return new httplib::ThreadPool(16); };
    setup(*server_);
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("benchmark server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  LocalServer(LocalServer&&) = delete;
  LocalServer& operator=(LocalServer&&) = delete;

  ~LocalServer() {
    server_->stop();
    thread_.join();
  }

  [[nodiscard]] std::string url() const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  int port_{0};
  std::thread thread_;
};

}  // namespace impilo_bench
