#pragma once

/// @file
/// The Impilo order API client.
///
/// ```cpp
/// impilo::Client client(impilo::ClientOptions::from_env());  // IMPILO_API_KEY, IMPILO_BASE_URL
/// impilo::CreateOrderRequest request;
/// request.patient = impilo::Patient::with_id(5000);
/// request.order_items = {impilo::OrderItem::of(1000, 1)};
/// impilo::Order order = client.create_order(request);  // throws an impilo::Error on failure
/// for (const impilo::Order& o : client.orders()) std::cout << *o.id << "\n";
/// ```
///
/// A `Client` is safe to share between threads: every method may be called concurrently. It holds
/// no per-call state; connections are pooled inside the transport.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/errors.hpp>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <impilo/ticket.hpp>
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

/// How many prefetch threads (`ClientOptions::prefetch_pages`) the whole process holds at most,
/// whatever the number of clients and ranges. A thread counts from its start until it has ended,
/// also after its range is gone while the fetch it had in flight finishes. A range that would
/// need one more fetches every page on the caller's thread instead, as with prefetching off
/// (docs/adr/0007-paging-prefetch.md).
inline constexpr std::size_t max_prefetch_threads = 32;

namespace detail {

/// One page fetch that a `PageRange` hands to its background worker. The worker, in the compiled
/// library (docs/adr/0007-paging-prefetch.md), calls `run` on its own thread; the range reads the
/// result only once `Prefetcher::wait` has returned.
class IMPILO_EXPORT PrefetchJob {
 public:
  PrefetchJob() = default;
  PrefetchJob(const PrefetchJob&) = delete;
  PrefetchJob& operator=(const PrefetchJob&) = delete;
  PrefetchJob(PrefetchJob&&) = delete;
  PrefetchJob& operator=(PrefetchJob&&) = delete;
  virtual ~PrefetchJob();
  /// Fetches page @p page and keeps the page or its error for the range; must not throw.
  virtual void run(std::int64_t page) noexcept = 0;
};

/// The library's side of a worker: its thread, the hand-over flags and the callback gate.
struct PrefetchState;

/// A range's handle on its background worker: a thread of the library that runs the range's
/// `PrefetchJob` for each page asked for, one at a time. Destroying (or assigning over) the handle
/// cancels the worker without waiting for a fetch in flight; from then on the worker calls no
/// `ClientOptions::logger` or `sleep` of a `Client` (it waits only for such a call in progress).
/// Empty when default-constructed, moved from, or refused by `start`.
class IMPILO_EXPORT Prefetcher {
 public:
  /// An empty handle: no worker.
  Prefetcher() noexcept = default;
  /// Starts a worker for @p job; empty when the process already holds `max_prefetch_threads`
  /// prefetch threads or no thread can be started (the caller then fetches on its own thread).
  static Prefetcher start(std::shared_ptr<PrefetchJob> job);
  /// Takes over @p other's worker; @p other becomes empty.
  Prefetcher(Prefetcher&& other) noexcept;
  /// Cancels this handle's worker, then takes over @p other's.
  Prefetcher& operator=(Prefetcher&& other) noexcept;
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  /// Cancels the worker (see the class).
  ~Prefetcher();
  /// Whether there is a worker.
  explicit operator bool() const noexcept { return state_ != nullptr; }
  /// Asks the worker to run the job for page @p page. Undefined on an empty handle, or while an
  /// earlier page has not been waited for.
  void ask(std::int64_t page);
  /// Waits until the page asked for has run. Undefined on an empty handle or without `ask`.
  void wait();

 private:
  explicit Prefetcher(std::shared_ptr<PrefetchState> state) noexcept;
  void cancel() noexcept;
  std::shared_ptr<PrefetchState> state_;
};

/// A `PageRange`'s job: its own copy of the fetch, and a slot for the page or the error.
template <typename T>
class PageJob final : public PrefetchJob {
 public:
  /// The job of fetching pages of @p size through @p fetch.
  PageJob(std::function<Page<T>(std::int64_t, std::int64_t)> fetch, std::int64_t size)
      : fetch_(std::move(fetch)), size_(size) {}
  /// Runs the fetch and keeps what it gave.
  void run(std::int64_t page) noexcept override {
    try {
      page_.emplace(fetch_(page, size_));
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  /// The page fetched last; throws its error instead when it failed.
  Page<T> take() {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    Page<T> page = std::move(*page_);
    page_.reset();
    return page;
  }

 private:
  std::function<Page<T>(std::int64_t, std::int64_t)> fetch_;
  std::int64_t size_;
  std::optional<Page<T>> page_;
  std::exception_ptr error_;
};

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

/// Receives log lines. Called from the thread making the call (for a page fetched ahead by a
/// range, from that range's background thread, see `ClientOptions::prefetch_pages`); must be
/// safe to call from several threads at once and must not throw. Once a range has been destroyed,
/// its background thread never calls the logger again (the range's destructor waits for a call in
/// progress on that thread to return, so the logger must not wait for that range to go). Lines
/// never hold the API key, and hold patient data only when `ClientOptions::log_bodies` is on.
using Logger = std::function<void(LogLevel level, std::string_view message)>;

/// Everything a `Client` is configured with. A plain aggregate: set what you need, keep the rest.
struct IMPILO_EXPORT ClientOptions {
  /// The API's root: scheme, host and optional port only (`https://app.impiloplatform.com`,
  /// `http://127.0.0.1:8080`); the SDK adds `/api/v3/...` to every request. A URL with a path
  /// (`https://host/api/v3`) is refused with `UsageError`, as it would double the path. `https`
  /// is required, except for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`, as libcurl
  /// reads the host), where `http` is allowed for local simulators. No user name or password,
  /// backslash or percent-encoded host.
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
  /// How long `create_order_once` and `place_order` wait after an ambiguous outcome before their
  /// first lookup of the order; each further lookup waits twice as long as the one before.
  /// Must not be negative.
  std::chrono::milliseconds settle_delay{2000};
  /// How many lookups an ambiguous create gets before it may be sent again (or, after a 2xx,
  /// before `AmbiguousCreateError`): with the defaults, after 2 s, 4 s and 8 s. The settle window,
  /// `settle_delay` * (2^settle_lookups - 1) (14 s by default), is the SDK's one assumption about
  /// the server: an order it accepted is listed within that window. From 1 to 16.
  int settle_lookups{3};
  /// How many of the newest orders `create_order_once` reads, before its first send, for an order
  /// already carrying a caller-set external id (found: returned, nothing sent). 0 turns the
  /// look-before-send off; must not be negative. A bounded guard against reruns: exact across
  /// processes and restarts are tickets (`prepare_order`, `place_order`).
  std::int64_t once_lookback{1000};
  /// How the client waits between attempts (and for `settle_delay`). Replace in tests to run
  /// retries without real waits. Called from the thread making the call, or from a range's
  /// background fetch; like `logger`, never from a range's background thread once the range has
  /// been destroyed (its destructor waits for a wait in progress there, so keep a replacement
  /// short; the default wait is cut short instead), and that fetch then makes no further attempt.
  std::function<void(std::chrono::milliseconds)> sleep;
  /// While a loop over a range (`orders()`, `webhook_logs()`, and the scan of
  /// `find_orders_by_external_id`) works through one page, fetch the next page on a background
  /// thread, so that the wait for the server and the caller's work overlap. At most one page is
  /// fetched ahead (a range holds at most two pages), and an error of that fetch is thrown where
  /// it would have been without prefetching: by the iterator step that moves onto that page.
  /// Bounds: one thread per range, and at most `impilo::max_prefetch_threads` (32) in the whole
  /// process; a range that would need one more fetches on the caller's thread, as if this were
  /// off. Costs: a loop that stops early has made one list call more than it used. Destroying a
  /// range (a `break`) does not wait for a fetch in flight: the transfer ends on its own on that
  /// thread (bounded by the timeouts), sharing only the client's state, and from then on calls
  /// neither `logger` nor `sleep` and makes no further attempt (docs/adr/0007-paging-prefetch.md).
  /// Turn off for strictly lazy paging: one list call per page reached, every one on the
  /// caller's thread, for every range and every internal scan.
  bool prefetch_pages{true};

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
/// fetched page takes the next page, which may throw any error that list call throws. With
/// prefetching on (the default), the next page is fetched on a background thread while the loop
/// works on the current one, at most one page ahead; its error, if any, is thrown by that same
/// step, so errors come out exactly where they would without prefetching. Stops
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
  /// With @p prefetch, @p fetch is called on a background thread of the library (never twice at
  /// once; on the caller's thread instead when the process already holds
  /// `max_prefetch_threads`), and a copy of it may outlive the range until a fetch in flight
  /// returns: it must own (or share) everything it uses, as the client's fetch does.
  PageRange(Fetch fetch, std::int64_t first_page, std::int64_t size, bool prefetch = true)
      : fetch_(std::move(fetch)), page_(first_page), size_(size), prefetch_(prefetch) {}

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

  /// Pages the loop has reached so far (a page fetched ahead counts once the loop moves onto it).
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
      Page<T> page = take_page();
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
      if (!exhausted_ && prefetch_) start_prefetch();
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

  // Page `page_`: the one fetched ahead when there is one (rethrowing its error here, at the step
  // that needs the page), else fetched now. With prefetching, even the first page comes from the
  // worker, so that only that thread ever holds a page's parse.
  Page<T> take_page() {
    if (!ahead_ && prefetch_) start_prefetch();
    if (!ahead_) return fetch_(page_, size_);
    ahead_ = false;
    prefetcher_.wait();
    return job_->take();
  }

  // Asks the worker (started on first use) for page `page_`. When the library refuses a worker
  // (`max_prefetch_threads`), the range fetches every page on the caller's thread.
  void start_prefetch() {
    if (!prefetcher_) {
      if (refused_) return;
      job_ = std::make_shared<detail::PageJob<T>>(fetch_, size_);
      prefetcher_ = detail::Prefetcher::start(job_);
      if (!prefetcher_) {
        refused_ = true;
        job_.reset();
        return;
      }
    }
    prefetcher_.ask(page_);
    ahead_ = true;
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
  bool prefetch_{true};
  bool ahead_{false};    // page `page_` has been asked of the worker
  bool refused_{false};  // no worker was to be had: every page on the caller's thread
  std::shared_ptr<detail::PageJob<T>> job_;  // shared with the worker
  detail::Prefetcher prefetcher_;            // declared last: cancelled before the rest goes
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

  /// Every order whose `externalOrderIds` holds @p external_id, by ascending id (an order without
  /// an id comes last), found by listing: the API has no search.
  ///
  /// Correct whatever order the server lists in, and whatever `total` it claims. Pages of 250 are
  /// read; page 1 tells `total` (T orders, P = ceil(T / 250) pages). When the ids show the listing
  /// is in ascending id order, the walk jumps to the last page and goes backwards, checking at
  /// every page that the order holds (ascending within the page, below the page after it, above
  /// page 1); the moment it does not, it falls back to reading every page from page 2 on. Either
  /// way it reads on until a page says `last: true` or comes back empty: `total` only picks where
  /// to jump, never ends the walk (one that disagrees with the pages is logged at `warning`).
  /// Requests, each retried as any GET:
  /// - P + 1 when nothing bounds the search (1 when T <= 250 and the server sends `last`);
  /// - with @p newer_than_id and an id-ordered listing: 1 + the pages holding ids above it + 1
  ///   (the page that reaches back to it), whatever T is; 2 or 3 when few orders are newer;
  /// - at most 2P when the order breaks late in the walk (pages read before the fallback).
  /// Orders appended while it walks are found (the walk reads on past a stale last page).
  ///
  /// @param external_id the id to look for, as the caller or `create_order_once` set it.
  /// @param newer_than_id only orders with a larger id are looked for (empty: every order; any
  ///        id, 0 and negative ones included, is compared like any other). With an id-ordered
  ///        listing the walk stops at the first page that reaches back to it; that relies on ids
  ///        growing with creation, as they do in the API and the simulator.
  /// @throws impilo::UsageError for an empty @p external_id (nothing sent); any error
  ///         `list_orders` throws, and `DecodeError` for a server that repeats a page.
  std::vector<Order> find_orders_by_external_id(
      std::string_view external_id, std::optional<std::int64_t> newer_than_id = std::nullopt) const;

  /// Creates @p request at most once per external id within a bounded window, reconciling
  /// ambiguous outcomes through that id. For exactly once across reruns, crashes and processes,
  /// use tickets (`prepare_order`, `place_order`).
  ///
  /// The API has no idempotency key, so the first of `request.external_order_ids` serves as one;
  /// when there is none (absent or empty), `impilo-cpp:` followed by 32 random lower-case hex
  /// digits is added (ids the caller set are never changed). Steps, each logged at `info` without
  /// patient data:
  /// 1. note the newest order (1 small GET, 2 when the account has more than one order), so that
  ///    lookups read only newer pages;
  /// 2. with a caller-set id, look among the newest `ClientOptions::once_lookback` orders (1000 by
  ///    default; in an id-ordered listing, those and page 1) for one already carrying it: found,
  ///    return it and send nothing. An order older than that may not be seen: that is the bound
  ///    a ticket does not have;
  /// 3. send, as `create_order` does. A 2xx is never sent again: an order it carries is returned;
  ///    an undecodable one is looked up over the settle window (`ClientOptions::settle_lookups`)
  ///    and returned when found, else `AmbiguousCreateError`;
  /// 4. after an outcome that may or may not have placed the order (a `TransportError` that may
  ///    have reached the server, a 5xx or 408 `ServerError`), look the id up over the settle
  ///    window (after 2 s, 4 s and 8 s by default): found, return the one with the lowest id; not
  ///    found in any lookup, send the same request again, up to `max_retries` more times.
  ///
  /// Exact as long as an order the server accepted is listed within the settle window.
  /// @throws impilo::AmbiguousCreateError when it cannot tell: a lookup failed, a 2xx order was
  ///         not found, or the last send allowed was ambiguous and its order was not found (it
  ///         may still appear). `external_id()` is the key to reconcile with.
  /// @throws impilo::ValidationError (nothing sent); any other error `create_order` throws when
  ///         the outcome is certain (a 400, a 401, a connection never made, ...).
  Order create_order_once(const CreateOrderRequest& request) const;

  /// Prepares @p request for `place_order`: validates it, fixes its external id (the first one
  /// the caller set, else a generated `impilo-cpp:` id as in `create_order_once`) and notes the
  /// newest order id (1 small GET, 2 when the account has more than one order). Sends no order.
  ///
  /// Save `ticket.to_string()` where your own record of the intent goes, in the same transaction
  /// (the outbox pattern, docs/retries.md), then place it.
  /// @throws impilo::ValidationError (nothing sent); any error `list_orders` throws (nothing
  ///         placed: prepare again).
  CreateTicket prepare_order(const CreateOrderRequest& request) const;

  /// Places @p ticket's order at most once, however many times it is called: after any failure,
  /// crash or restart, from any process or machine on the same account.
  ///
  /// Looks for orders newer than `ticket.newer_than_id()` carrying `ticket.external_id()`: found,
  /// it returns the one with the lowest id and sends nothing; not found, it sends and reconciles as
  /// steps 3 and 4 of `create_order_once` do. Cost, whatever the size of the account, when few
  /// orders are newer than the ticket and the listing is in id order (as the API's is): at most 3
  /// GETs and 1 POST; the settle lookups only follow an ambiguous outcome.
  ///
  /// Two calls with the same ticket at the same moment are not safe: serialize them (a row lock,
  /// a claim). A call that follows a crashed one should come at least the settle window after the
  /// crashed send (`ClientOptions::settle_lookups`): an order accepted then may not be listed yet.
  /// @throws impilo::AmbiguousCreateError as `create_order_once` does (place again later: the
  ///         next call finds the order or sends it);
  /// @throws impilo::ValidationError when the ticket's request breaks a rule of this version of
  ///         the SDK (nothing sent); any other error `create_order` throws when the outcome is
  ///         certain (nothing placed), and any error `list_orders` throws (nothing sent).
  Order place_order(const CreateTicket& ticket) const;

  /// `POST /api/v3/webhook`: subscribes `subscription.url` to deliveries of `subscription.type`.
  ///
  /// Like a create, never repeated once it may have reached the server (a repeat could subscribe
  /// the URL twice).
  /// @throws impilo::ValidationError (nothing sent) naming `/type` or `/url`: an empty type, a
  ///         type or URL holding whitespace or a control character, a URL that is not
  ///         `https://host...` as libcurl reads it (`http://` is accepted only for a loopback
  ///         host, for local simulators), or that holds a user name or password, a backslash or
  ///         a percent-encoded host; any `ApiError`, `TransportError`, `DecodeError`.
  Webhook create_webhook(const WebhookSubscription& subscription) const;

  /// `POST /api/v3/webhook-secret`: sets the secret Impilo sends in `Impilo-Webhook-Secret` with
  /// every delivery.
  ///
  /// From this call on, this client (and every range it hands out) redacts @p secret like the API
  /// key: in log lines, exception messages and error bodies, even when a server echoes it back.
  ///
  /// Setting a value is safe to repeat, so the call is retried like a GET (a 503, a timeout or a
  /// cut connection, up to `ClientOptions::max_retries`), unlike the creates; see docs/retries.md.
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
  class Once;  // the steps create_order_once and place_order share (client_once.cpp)
  std::shared_ptr<const Impl> impl_;  // shared with the ranges this client hands out
};

}  // namespace impilo
