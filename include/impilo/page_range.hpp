#pragma once

/// @file
/// `PageRange<T>`: every element of a paged listing, fetched page by page as a loop goes, with
/// at most one page fetched ahead on a background thread (docs/adr/0007-paging-prefetch.md).
///
/// Included by `<impilo/client.hpp>`, whose list calls hand these ranges out.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <iterator>
#include <memory>
#include <optional>
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
}  // namespace impilo
