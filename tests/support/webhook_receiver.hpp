#pragma once

// A webhook receiver for tests: a cpp-httplib server on 127.0.0.1 (a free port) that records
// every delivery and answers with what the test scripts (a status per request, or a hang until
// the receiver is destroyed).

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace impilo_test {

/// One request the receiver got.
struct Received {
  std::string path;
  std::optional<std::string> secret;  ///< `Impilo-Webhook-Secret`, when sent
  std::string content_type;
  std::string body;
  nlohmann::json envelope;  ///< the body parsed (null when it is not JSON)
  std::chrono::steady_clock::time_point at;
};

class WebhookReceiver {
 public:
  /// The status to answer request number @p n (0-based, counted over all requests), which is
  /// @p got; a negative status makes the receiver hang until it is destroyed.
  using Script = std::function<int(std::size_t n, const Received& got)>;

  explicit WebhookReceiver(Script script = [](std::size_t, const Received&) { return 200; })
      : script_(std::move(script)) {
    server_.set_tcp_nodelay(true);
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int status = 200;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        Received got{req.path,
                     req.has_header("Impilo-Webhook-Secret")
                         ? std::optional<std::string>(req.get_header_value("Impilo-Webhook-Secret"))
                         : std::nullopt,
                     req.get_header_value("Content-Type"),
                     req.body,
                     nlohmann::json::parse(req.body, nullptr, false),
                     std::chrono::steady_clock::now()};
        if (got.envelope.is_discarded()) got.envelope = nullptr;
        status = script_(received_.size(), got);
        received_.push_back(std::move(got));
        changed_.notify_all();
        if (status < 0) {
          changed_.wait(lock, [this] { return released_; });
          status = 200;
        }
      }
      res.status = status;
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("receiver: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost: wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  ~WebhookReceiver() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
    server_.stop();
    thread_.join();
  }

  /// `http://127.0.0.1:PORT` followed by @p path.
  [[nodiscard]] std::string url(const std::string& path = "/hooks/impilo") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// Waits until at least @p count requests came (or @p limit passed) and returns them all.
  std::vector<Received> wait_for(std::size_t count,
                                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return received_.size() >= count; });
    return received_;
  }

  /// Every request so far.
  std::vector<Received> received() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  Script script_;
  httplib::Server server_;
  int port_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> received_;
  bool released_{false};
};

}  // namespace impilo_test
