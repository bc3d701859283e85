#pragma once

/// @file
/// Webhooks: how Impilo tells an integrator that an order (or a device, a patient, ...) moved.
///
/// Receiving (no I/O here: plug it into any HTTP server):
/// ```cpp
/// impilo::WebhookReceiver receiver("whsec-example");  // the shared secret, from your vault
/// const std::string header = "whsec-example";  // in your POST handler: Impilo-Webhook-Secret
/// const std::string body = R"({"id": 7, "type": "order.status", "payload": {"orderId": 1}})";
/// const impilo::WebhookHandling result = receiver.handle(header, body);  // answer result.status
/// if (result.delivery) { /* new, authentic, well-formed: process *result.delivery */ }
/// ```
///
/// Subscribing, setting the shared secret and reading the delivery log are `Client` calls
/// (`create_webhook`, `set_webhook_secret`, `list_webhook_logs`, `webhook_logs`).
///
/// Impilo sends each delivery as `{"id": <int64>, "type": "<webhook type>", "payload": {...}}`
/// with the shared secret, verbatim, in the `Impilo-Webhook-Secret` header (no signature, no
/// timestamp), and re-delivers a failed one after 15, 30 and 60 minutes with the same `id`.

#include <cstddef>
#include <cstdint>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <impilo/webhook_models.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo {

/// One delivery as Impilo POSTs it: `{"id": ..., "type": ..., "payload": ...}`.
struct IMPILO_EXPORT WebhookDelivery {
  std::int64_t id{0};  ///< `id`: unique per delivery; a re-delivery repeats it.
  WebhookType type;    ///< `type`: which webhook this is.
  /// `payload`, exactly the bytes received (whitespace included), so nothing is lost; its shape
  /// depends on `type` and is mostly unpublished.
  std::string payload;
  /// Envelope members other than `id`, `type` and `payload`, kept verbatim.
  UnknownFields unknown_fields;

  /// The payload as an `Order` when `type` is `order.statusFull`; `std::nullopt` for any other
  /// type.
  /// @throws impilo::DecodeError when the type is `order.statusFull` but the payload is not an
  ///         Order (names the JSON pointer inside the payload; never quotes it).
  [[nodiscard]] std::optional<Order> order() const;
};

/// Parses a webhook request body.
///
/// A body is an envelope when it is a JSON object with an integer `id` (64-bit signed), a string
/// `type` and a non-null `payload`. The payload is kept as the exact text received.
/// @throws impilo::DecodeError for anything else: not JSON, invalid UTF-8, nesting deeper than the
///         SDK's decoding limit, or a missing or mistyped member (named by its JSON pointer). The
///         message never quotes the body.
IMPILO_EXPORT WebhookDelivery parse_webhook_delivery(std::string_view body);

/// True when @p header_value (the request's `Impilo-Webhook-Secret`) equals @p secret.
///
/// Constant time in the length of @p secret: every byte of the secret is read and compared
/// whatever the header holds, with no early exit, so the time taken tells an attacker nothing
/// about how much of a guess was right. False when either is empty (a missing header never
/// matches, and an empty secret would accept anything).
IMPILO_EXPORT bool verify_webhook_secret(std::string_view header_value,
                                         std::string_view secret) noexcept;

/// What `WebhookReceiver::handle` decided about one request.
struct WebhookHandling {
  /// The HTTP status to answer: 200 (a new delivery, or a repeat of one already handed out),
  /// 401 (wrong or missing secret), 400 (the body is not an envelope).
  int status{200};
  /// The delivery to process: present only for a new, authentic, well-formed delivery.
  std::optional<WebhookDelivery> delivery;
  /// Why a request was refused (empty for 200), for your log. Never quotes the body or a secret.
  std::string reason;
};

/// Checks, parses and de-duplicates webhook requests; does no I/O, so it plugs into any HTTP
/// server (see `examples/webhook_receiver.cpp` for cpp-httplib).
///
/// Order of checks: the secret first (401; the body of an unauthenticated request is not even
/// parsed), then the envelope (400), then the delivery id: an id seen before is a re-delivery,
/// answered 200 so that Impilo stops retrying, and not handed out again.
///
/// Memory is bounded: the receiver remembers the most recently seen `capacity` ids (least recently
/// seen forgotten first; a repeat counts as seen again). A re-delivery comes at most 105 minutes
/// after the first attempt, so size it above the number of deliveries you get in two hours.
/// Thread-safe: `handle` may be called from many server threads at once.
class IMPILO_EXPORT WebhookReceiver {
 public:
  /// Ids remembered by default.
  static constexpr std::size_t default_capacity = 100000;

  /// A receiver that accepts only requests whose `Impilo-Webhook-Secret` equals @p secret.
  /// @throws impilo::UsageError for an empty secret (use `without_secret` to accept anything, by
  ///         name), a secret holding a control character (no header can carry it), or a
  ///         @p capacity of 0.
  explicit WebhookReceiver(std::string secret, std::size_t capacity = default_capacity);

  /// A receiver that checks no secret: for a local simulator, or when no secret is set with
  /// Impilo. Anyone who can reach your endpoint can then post deliveries.
  /// @throws impilo::UsageError for a @p capacity of 0.
  static WebhookReceiver without_secret(std::size_t capacity = default_capacity);

  ~WebhookReceiver();
  WebhookReceiver(
      WebhookReceiver&&) noexcept;  ///< Moves; the moved-from one may only be destroyed.
  WebhookReceiver& operator=(WebhookReceiver&&) noexcept;  ///< Moves, as the move constructor.
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  /// Decides one request: @p secret_header is the `Impilo-Webhook-Secret` header's value (empty
  /// when the request has none), @p body the request body. Never throws for any input except
  /// `std::bad_alloc`.
  WebhookHandling handle(std::string_view secret_header, std::string_view body);

  /// Forgets @p id, so that a re-delivery of it is handed out again: call it when processing a
  /// delivery failed and you would rather have Impilo's retry than lose the event.
  void forget(std::int64_t id);

  /// How many ids are remembered now (at most `capacity()`).
  [[nodiscard]] std::size_t remembered() const;

  /// The most ids remembered at once.
  [[nodiscard]] std::size_t capacity() const noexcept;

 private:
  struct State;
  WebhookReceiver(std::string secret, bool check_secret, std::size_t capacity);
  std::unique_ptr<State> state_;
};

/// Parameters of `GET /api/v3/webhook/logs`: paging and every documented filter. An absent filter
/// is not sent.
struct ListWebhookLogsParams {
  /// 1-based page number; must be at least 1.
  std::int64_t page{1};
  /// Page size; from 1 to 250.
  std::int64_t size{15};
  std::optional<WebhookType> webhook_type;           ///< `webhookType`: only this type.
  std::optional<std::int64_t> retry_attempts_min;    ///< `retryAttemptsMin` (at least 0).
  std::optional<std::int64_t> retry_attempts_max;    ///< `retryAttemptsMax` (at least the min).
  std::optional<std::int64_t> last_response_status;  ///< `lastResponseStatus` (100 to 599).
  /// `startLastRetryTimestamp`: last retry at or after this ISO 8601 date-time.
  std::optional<std::string> start_last_retry_timestamp;
  /// `endLastRetryTimestamp`: last retry before this ISO 8601 date-time.
  std::optional<std::string> end_last_retry_timestamp;
  /// `startTimestamp`: created at or after this ISO 8601 date-time.
  std::optional<std::string> start_timestamp;
  /// `endTimestamp`: created before this ISO 8601 date-time (exclusive).
  std::optional<std::string> end_timestamp;
  /// Further query parameters sent as they are (URL-encoded), for filters the SDK does not model.
  /// A name the struct models (`page`, `webhookType`, ...) is refused.
  std::vector<std::pair<std::string, std::string>> extra_query;
};

}  // namespace impilo
