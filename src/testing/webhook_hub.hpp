#pragma once

// The simulator's webhooks: subscriptions, the shared secret, the delivery log, and the worker
// that delivers (and re-delivers) off the request threads. Not installed.

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <impilo/models.hpp>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "internal.hpp"

namespace impilo::testing::detail {

/// Webhook subscriptions, secret and log, and one delivery thread.
///
/// `publish` only queues: the API call that changed an order never waits for a receiver. The
/// thread runs up to `max_attempts_in_flight` attempts at once over one libcurl multi handle,
/// oldest due first, at most one at a time per receiver (`host:port`: each gets its deliveries
/// one at a time, in order, and a slow one holds one slot, never the others'). An attempt is
/// bounded as a whole: 5 s from the connection to the end of the answer, of which at most
/// `answer_body_cap` bytes are read. A failed one (non-2xx, no connection, no whole answer within
/// 5 s) is re-queued after 15, 30 and 60 minutes times the retry scale, each wait counted from the
/// end of the previous attempt. Thread-safe.
class WebhookHub {
 public:
  /// The raw value of one query parameter, or nothing when it is absent.
  using Query = std::function<std::optional<std::string>(const char* name)>;

  /// @p retry_scale multiplies the documented retry waits (0 retries at once).
  explicit WebhookHub(double retry_scale);
  /// Stops the worker (as `stop()`).
  ~WebhookHub();
  WebhookHub(const WebhookHub&) = delete;
  WebhookHub& operator=(const WebhookHub&) = delete;

  /// Attempts under way at once, at most (one per receiver `host:port`).
  static constexpr std::size_t max_attempts_in_flight = 64;
  /// Bytes of a receiver's answer body read, at most: the rest is not read (the attempt ends
  /// there and counts with the answer's status).
  static constexpr std::size_t answer_body_cap = 64 * 1024;

  /// `POST /api/v3/webhook` `{type, url}`: 201 `{id, type, url}`, or 400.
  Answer subscribe(std::string_view body);
  /// `POST /api/v3/webhook-secret` `{secret}`: 200 `{secret}`, or 400.
  Answer set_secret(std::string_view body);
  /// `GET /api/v3/webhook/logs` with its paging and filters: 200 with a page envelope, or 400.
  [[nodiscard]] Answer logs(const Query& query) const;

  /// Queues `order.statusFull` and `order.status` for @p order, which has just moved to its
  /// current status, to every subscription of those types.
  void publish(const Order& order);

  /// Starts the worker (deliveries queued meanwhile go out then). Does nothing when running.
  void start();
  /// Ends the worker promptly: an attempt in flight is cut off (and counts as failed), pending
  /// retries stay queued for the next `start()`. Idempotent.
  void stop() noexcept;

 private:
  struct Subscription {
    std::int64_t id;
    std::string type;
    std::string url;
  };
  /// One delivery and what happened to it: the log entry.
  struct Delivery {
    std::int64_t id;
    std::int64_t webhook_id;
    std::string type;
    std::string url;
    std::string body;  // the envelope, as delivered
    std::int64_t created_ms;
    std::optional<int> last_status;
    int retry_attempts{0};
    std::optional<std::int64_t> last_retry_ms;
  };
  /// A queued attempt: delivery `index` (into `deliveries_`), attempt number 0 to 3.
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::uint64_t sequence;  // first queued, first sent among equal due times
    std::size_t index;
    int attempt;
    bool operator>(const Pending& other) const {
      return due != other.due ? due > other.due : sequence > other.sequence;
    }
  };

  /// What one attempt got: the HTTP status, or none when no answer came; `refused` when the
  /// URL is not one the simulator delivers to (then it is not retried).
  struct Outcome {
    std::optional<int> status;
    bool refused{false};
  };
  /// One attempt under way (defined in webhook_hub.cpp).
  struct Transfer;

  void queue(const std::string& type, const std::string& payload);
  void run();
  /// Records what attempt @p attempt got in the log and queues its retry when it failed.
  /// Called with `mutex_` held.
  void finish(const Pending& attempt, const Outcome& outcome);

  const double retry_scale_;

  mutable std::mutex mutex_;  // guards everything below
  std::vector<Subscription> subscriptions_;
  std::string secret_;
  std::vector<Delivery> deliveries_;
  std::int64_t first_delivery_id_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::uint64_t next_sequence_{0};
  bool stopping_{false};
  CURLM* multi_{nullptr};  // the running thread's, for queue() and stop() to wake it
  std::thread worker_;
};

}  // namespace impilo::testing::detail
