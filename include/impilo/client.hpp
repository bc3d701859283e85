#pragma once

/// @file
/// The Impilo order API client.
///
/// ```cpp
/// impilo::Client client(impilo::ClientOptions::from_env());
/// impilo::CreateOrderRequest request;
/// request.patient = impilo::Patient::with_id(1234);
/// request.order_items = {impilo::OrderItem::of(1000, 1)};
/// impilo::Order order = client.create_order(request);
/// for (const impilo::Order& o : client.orders()) { ... }
/// ```
///
/// A `Client` is safe to share between threads: every method may be called concurrently. It holds
/// no per-call state; connections are pooled inside the transport.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <impilo/errors.hpp>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <impilo/transport.hpp>
#include <impilo/webhooks.hpp>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace impilo {

namespace detail {
/// True for a model with an `id` member of type `std::optional<std::int64_t>` (an `Order`).
template <typename T, typename = void>
struct HasOptionalId : std::false_type {};
/// The specialisation that looks at the `id` member.
template <typename T>
struct HasOptionalId<T, std::void_t<decltype(std::declval<const T&>().id)>>
    : std::is_same<std::decay_t<decltype(std::declval<const T&>().id)>,
                   std::optional<std::int64_t>> {};
}  // namespace detail

/// Severity of a log line.
enum class LogLevel {
  debug,    ///< Request and response bodies (patient data!): only when `log_bodies` is on.
  info,     ///< One line per attempt: method, path, status, elapsed time, attempt number.
  warning,  ///< A retry is coming, and why.
  error,    ///< A call failed for good.
};

/// The lower-case name of @p level (`"info"`).
IMPILO_EXPORT std::string_view to_string(LogLevel level) noexcept;

/// Receives log lines. Called from the thread making the call; must not throw. Lines never hold
/// the API key, and hold patient data only when `ClientOptions::log_bodies` is on.
using Logger = std::function<void(LogLevel level, std::string_view message)>;

/// Everything a `Client` is configured with. A plain aggregate: set what you need, keep the rest.
struct IMPILO_EXPORT ClientOptions {
  /// The API's root. `https` is required, except for loopback hosts (`localhost`, `127.0.0.0/8`,
  /// `[::1]`), where `http` is allowed for local simulators.
  std::string base_url{"https://app.impiloplatform.com"};
  /// The `Impilo-API-Key`. Required; never logged, never put in an exception message.
  std::string api_key;
  /// Bound on establishing a connection (for the built-in transport).
  std::chrono::milliseconds connect_timeout{10000};
  /// Bound on one attempt, from sending to the last byte of the response (cut to what is left of
  /// `overall_timeout` when that is shorter).
  std::chrono::milliseconds attempt_timeout{30000};
  /// Bound on a whole call, retries and backoff included. Zero means no overall bound.
  std::chrono::milliseconds overall_timeout{120000};
  /// How many times a failed call may be repeated (0: never). Only failures that are safe to
  /// repeat are retried; a create that may have reached the server never is.
  int max_retries{2};
  /// Backoff before the first retry; each further retry doubles it, up to `max_backoff`. The
  /// actual wait is drawn uniformly from [0, backoff] ("full jitter").
  std::chrono::milliseconds initial_backoff{250};
  /// Upper bound of one backoff wait.
  std::chrono::milliseconds max_backoff{8000};
  /// Upper bound on a server's `Retry-After`. A longer one is not waited for: the error is thrown.
  std::chrono::milliseconds max_retry_after{60000};
  /// Appended to `User-Agent: impilo-cpp/<version>` (e.g. `"clinic-backend/2.3"`).
  std::string user_agent_suffix;
  /// TLS, proxy, size-cap and connection-pool settings for the built-in libcurl transport.
  CurlTransportOptions transport_options;
  /// Transport to use instead of the built-in libcurl one (a test fake, your own HTTP stack).
  std::shared_ptr<HttpTransport> transport;
  /// Where log lines go; none when empty.
  Logger logger;
  /// Lowest level passed to `logger`.
  LogLevel log_level{LogLevel::info};
  /// Also log request and response bodies at `debug`. They hold patients' names and addresses:
  /// turn on only where such logs are allowed.
  bool log_bodies{false};
  /// How the client waits between attempts. Replace in tests to run retries without real waits.
  std::function<void(std::chrono::milliseconds)> sleep;

  /// Options from the environment: `IMPILO_BASE_URL` (when set and non-empty) and `IMPILO_API_KEY`.
  /// Everything else keeps its default.
  static ClientOptions from_env();
};

/// Parameters of `GET /api/v3/order`.
struct ListOrdersParams {
  /// 1-based page number; must be at least 1.
  std::int64_t page{1};
  /// Page size; from 1 to 250.
  std::int64_t size{15};
  /// Further query parameters sent as they are (URL-encoded), for server filters the SDK does
  /// not model (`{"sortDescending", "true"}`). `page` and `size` here are refused.
  std::vector<std::pair<std::string, std::string>> extra_query;
};

/// Every element of a paged listing from a starting page on, fetched one page at a time as the
/// loop advances (`Client::orders()` returns a `PageRange<Order>`).
///
/// An input range: iterate it once. It shares the client's configuration and connections, so it
/// stays usable even after the `Client` it came from is destroyed. Each step past the end of a
/// fetched page makes one list call, which may throw any error that list call throws. Stops
/// after the page the server marks `last` (or, when the server sends no `last`, after a page
/// shorter than the size asked for), after an empty page, or once it has yielded the server's
/// `total`.
///
/// A server that ignores `page` would make the walk endless: a non-empty page holding the same
/// elements as the page before it (compared by `id` where the elements have one, else whole) ends
/// the range with an `impilo::DecodeError` at `/content` saying the server repeated a page.
template <typename T>
class PageRange {
 public:
  /// Fetches one page: `fetch(page, size)`.
  using Fetch = std::function<Page<T>(std::int64_t page, std::int64_t size)>;

  /// Input iterator over the elements; `*it` stays valid until the iterator advances.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< Single pass.
    using value_type = T;                               ///< The element type.
    using difference_type = std::ptrdiff_t;             ///< Required by the iterator concept.
    using pointer = const T*;                           ///< Pointer to an element.
    using reference = const T&;                         ///< Reference to an element.

    /// The end iterator.
    iterator() = default;
    /// The current element. Undefined on the end iterator.
    reference operator*() const { return range_->buffer_[range_->index_]; }
    /// Pointer to the current element. Undefined on the end iterator.
    pointer operator->() const { return &**this; }
    /// Advances, fetching the next page when this one is used up.
    iterator& operator++() {
      if (range_ != nullptr && !range_->advance()) range_ = nullptr;
      return *this;
    }
    /// Advances (post-increment of an input iterator: the old value is not kept).
    void operator++(int) { ++*this; }
    /// Equal when both are at the end, or both are the same position of the same range.
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.range_ == b.range_;
    }
    /// Negation of `==`.
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return !(a == b); }

   private:
    friend class PageRange;
    explicit iterator(PageRange* range) : range_(range) {}
    PageRange* range_{nullptr};
  };

  /// A range over the pages @p fetch returns, starting at @p first_page, @p size per page. Used by
  /// `Client`; also handy for a test fake. Checks nothing: the caller has validated the numbers.
  PageRange(Fetch fetch, std::int64_t first_page, std::int64_t size)
      : fetch_(std::move(fetch)), page_(first_page), size_(size) {}

  /// Fetches the first page (once) and returns an iterator to its first element.
  iterator begin() {
    if (!started_) {
      started_ = true;
      index_ = 0;
      if (!fetch_next_page()) return end();
    }
    return index_ < buffer_.size() ? iterator(this) : end();
  }
  /// The end of the range.
  iterator end() noexcept { return {}; }

  /// Pages fetched so far.
  [[nodiscard]] std::int64_t pages_fetched() const noexcept { return pages_fetched_; }

 private:
  // Moves to the next element, fetching as needed; false at the end.
  bool advance() {
    ++index_;
    if (index_ < buffer_.size()) return true;
    return fetch_next_page();
  }

  // False when there is nothing more.
  bool fetch_next_page() {
    while (!exhausted_) {
      Page<T> page = fetch_(page_, size_);
      ++pages_fetched_;
      const auto received = static_cast<std::int64_t>(page.content.size());
      seen_ += received;
      // The last page: the server's `last` flag decides when it sends one (a server may cap the
      // page size below what was asked); without it, a short page ends the walk. An empty page,
      // or having seen every element the server counts, always does.
      const bool short_page = received < size_;
      exhausted_ =
          page.last.value_or(short_page) || received == 0 || (page.total && seen_ >= *page.total);
      ++page_;
      if (received > 0 && same_elements(page.content, buffer_)) {
        exhausted_ = true;
        buffer_.clear();
        throw DecodeError("/content", "the server repeated the previous page's elements for page " +
                                          std::to_string(page_ - 1) +
                                          ": it seems to ignore `page`; stopped to avoid a loop");
      }
      buffer_ = std::move(page.content);
      index_ = 0;
      if (!buffer_.empty()) return true;
    }
    buffer_.clear();
    return false;
  }

  // Whether two elements are the same object: by `id` when both have one, else as wholes.
  static bool same_element(const T& a, const T& b) {
    if constexpr (detail::HasOptionalId<T>::value) {
      if (a.id && b.id) return *a.id == *b.id;
    }
    return a == b;
  }

  // Whether a fresh page holds what the previous one (still in `buffer_`) held.
  static bool same_elements(const std::vector<T>& fresh, const std::vector<T>& previous) {
    if (fresh.size() != previous.size()) return false;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (!same_element(fresh[i], previous[i])) return false;
    }
    return true;
  }

  Fetch fetch_;  // shares the client's state, so the range outlives a temporary Client safely
  std::int64_t page_;
  std::int64_t size_;
  std::vector<T> buffer_;
  std::size_t index_{0};
  std::int64_t pages_fetched_{0};
  std::int64_t seen_{0};  // elements received so far, checked against the server's total
  bool started_{false};
  bool exhausted_{false};
};

/// Every order from a starting page on: what `Client::orders()` returns.
using OrderRange = PageRange<Order>;

/// Every webhook delivery log entry from a starting page on: what `Client::webhook_logs()` returns.
using WebhookLogRange = PageRange<WebhookLog>;

/// Client of the Impilo order API.
///
/// Safe to share between threads. Each call validates its input, sends with retries as described
/// on `ClientOptions::max_retries`, and maps failures to the exceptions of `<impilo/errors.hpp>`.
class IMPILO_EXPORT Client {
 public:
  /// Checks @p options and prepares the transport; sends nothing.
  /// @throws impilo::UsageError for an empty API key, an API key or `user_agent_suffix` holding a
  ///         control character (NUL, TAB, CR, LF, DEL, ...; the message names the option, never
  ///         the key), a malformed base URL (a port outside 1..65535, anything after a bracketed
  ///         IPv6 host but a port), or `http://` to a host that is not loopback.
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client&&) noexcept;             ///< Moves; the moved-from client may only be destroyed.
  Client& operator=(Client&&) noexcept;  ///< Moves; the moved-from client may only be destroyed.
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Validates @p request, then `POST /api/v3/order`.
  ///
  /// Sent again only when it certainly cannot have created an order (no connection was made, or
  /// the server answered 429). A request that may have reached the server is never repeated: its
  /// failure is thrown as it came, and `TransportError::may_have_reached_server()` says so; a 2xx
  /// answer that is not an order (empty, not JSON) throws a `DecodeError` whose
  /// `may_have_reached_server()` is true.
  /// @throws impilo::ValidationError (nothing sent; a string that is not UTF-8 is one, code
  /// `invalid_data`), any `ApiError`, `TransportError`, `DecodeError`.
  Order create_order(const CreateOrderRequest& request) const;

  /// `GET /api/v3/order/{id}`.
  /// @throws impilo::UsageError for an id below 1 (nothing sent); `NotFoundError` for an unknown
  ///         order; any other `ApiError`, `TransportError`, `DecodeError`.
  Order get_order(std::int64_t id) const;

  /// `GET /api/v3/order?page=N&size=M`: one page.
  /// @throws impilo::UsageError for a page below 1, a size outside 1..250, or `extra_query` naming
  ///         `page` or `size` (nothing sent); any `ApiError`, `TransportError`, `DecodeError`.
  Page<Order> list_orders(const ListOrdersParams& params = {}) const;

  /// Every order from `params.page` on, fetched page by page as the loop goes.
  /// @throws impilo::UsageError at once for parameters `list_orders` would refuse.
  OrderRange orders(const ListOrdersParams& params = {}) const;

  /// `POST /api/v3/webhook`: subscribes `subscription.url` to deliveries of `subscription.type`.
  ///
  /// Like a create, never repeated once it may have reached the server (a repeat could subscribe
  /// the URL twice).
  /// @throws impilo::ValidationError (nothing sent) naming `/type` or `/url`: an empty type, a
  ///         type or URL holding whitespace or a control character, a URL that is not
  ///         `https://host...` (`http://` is accepted only for a loopback host, for local
  ///         simulators); any `ApiError`, `TransportError`, `DecodeError`.
  Webhook create_webhook(const WebhookSubscription& subscription) const;

  /// `POST /api/v3/webhook-secret`: sets the secret Impilo sends in `Impilo-Webhook-Secret` with
  /// every delivery.
  ///
  /// From this call on, this client (and every range it hands out) redacts @p secret like the API
  /// key: in log lines, exception messages and error bodies, even when a server echoes it back.
  /// @throws impilo::ValidationError (nothing sent) naming `/secret` for an empty secret or one
  ///         holding a control character (no header could carry it); any `ApiError`,
  ///         `TransportError`.
  void set_webhook_secret(std::string_view secret) const;

  /// `GET /api/v3/webhook/logs`: one page of the delivery log, with the filters of @p params.
  /// @throws impilo::UsageError (nothing sent) for a page below 1, a size outside 1..250, a
  ///         negative retry count, a minimum above the maximum, a status outside 100..599, an
  ///         empty or control-character timestamp, or `extra_query` naming a modelled parameter;
  ///         any `ApiError`, `TransportError`, `DecodeError`.
  Page<WebhookLog> list_webhook_logs(const ListWebhookLogsParams& params = {}) const;

  /// Every delivery log entry from `params.page` on, fetched page by page as the loop goes.
  /// @throws impilo::UsageError at once for parameters `list_webhook_logs` would refuse.
  WebhookLogRange webhook_logs(const ListWebhookLogsParams& params = {}) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // shared with the ranges this client hands out
};

}  // namespace impilo
