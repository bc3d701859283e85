#include "external_id_search.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "listing.hpp"

namespace impilo::detail {
namespace {

/// Lookups read the largest pages the API serves: fewer requests for the same orders.
constexpr std::int64_t lookup_page_size = max_page_size;

bool carries(const Order& order, std::string_view external_id) {
  if (!order.external_order_ids) return false;
  const auto& ids = *order.external_order_ids;
  return std::find(ids.begin(), ids.end(), external_id) != ids.end();
}

/// The lowest and highest id of a page.
struct IdSpan {
  std::int64_t low{0};
  std::int64_t high{0};
};

/// The span of @p orders when every one has an id and the ids strictly ascend; none otherwise.
std::optional<IdSpan> ascending_span(const std::vector<Order>& orders) {
  if (orders.empty()) return std::nullopt;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    if (!orders[i].id || (i > 0 && *orders[i].id <= *orders[i - 1].id)) return std::nullopt;
  }
  return IdSpan{*orders.front().id, *orders.back().id};
}

/// The last page of a lookup: only the server's `last: true`, or an empty page. A short page
/// without `last` and a `total` already reached end nothing: one more GET is cheaper than a
/// second box.
bool ends_lookup(const Page<Order>& page) {
  return page.last.value_or(false) || page.content.empty();
}

/// The walk (find_by_external_id's strategy, documented at `Client::find_orders_by_external_id`).
class ExternalIdSearch {
 public:
  using Fetch = PageRange<Order>::Fetch;

  ExternalIdSearch(const Fetch& fetch, bool prefetch, const SearchNotes& notes,
                   std::string_view external_id, const SearchBound& bound)
      : fetch_(fetch),
        prefetch_(prefetch),
        notes_(notes),
        external_id_(external_id),
        bound_(bound) {}

  std::vector<Order> run() {
    const Page<Order> first = fetch(1);
    collect(first.content);
    if (ends_lookup(first)) {
      check_total(first.total, static_cast<std::int64_t>(first.content.size()));
      return matches();
    }
    const std::optional<IdSpan> span = ascending_span(first.content);
    const bool full_first_page = first.content.size() == static_cast<std::size_t>(size_);
    if (first.total && span && full_first_page && walk_backwards(*span, *first.total)) {
      return matches();
    }
    step("listing is not in id order: reading every page");
    scan_from(2, static_cast<std::int64_t>(first.content.size()), first.total);
    return matches();
  }

 private:
  /// The id-ordered walk: the page `total` points at as the last, on forward until the server's
  /// last page, then backwards until the bound. False as soon as a page shows the order does not
  /// hold; the caller then scans.
  bool walk_backwards(const IdSpan& first_span, std::int64_t total) {
    spans_[1] = first_span;
    // `total` only picks where to jump. A `total` of 0, negative or too low lands on an early
    // page and the walk reads forward from there; one too high lands past the end: scan.
    const std::int64_t last_page = total > 0 ? total / size_ + (total % size_ != 0) : 0;
    if (last_page < 2) {
      warn_total(total, "fits page 1, yet page 1 is full and not the last");
      return false;
    }
    step("listing is in id order: reading from page " + std::to_string(last_page) + " backwards");
    std::int64_t counted = 0;  // orders on the pages from `last_page` on
    for (std::int64_t page = last_page;; ++page) {
      const Page<Order> result = fetch(page);
      if (result.content.empty()) {
        if (page == last_page) {  // past the end: `total` is too high, or the listing shrank
          warn_total(total, "points past the last page");
          return false;
        }
        break;
      }
      if (!accept(page, result.content)) return false;
      if (page == last_page + 1) warn_total(total, "is lower than the pages hold");
      counted += static_cast<std::int64_t>(result.content.size());
      if (ends_lookup(result)) break;
    }
    if (reached_bound(last_page, counted)) return true;
    for (std::int64_t earlier = last_page - 1; earlier >= 2; --earlier) {
      const Page<Order> result = fetch(earlier);
      // A page before the last is full; a shorter one means the positions moved under us.
      if (result.content.size() != static_cast<std::size_t>(size_)) return false;
      if (!accept(earlier, result.content)) return false;
      counted += size_;
      if (reached_bound(earlier, counted)) return true;  // older pages hold only older orders
    }
    return true;
  }

  /// Whether the pages read back to @p page hold every order the bound asks for.
  [[nodiscard]] bool reached_bound(std::int64_t page, std::int64_t counted) const {
    if (bound_.newer_than && spans_.at(page).low <= *bound_.newer_than) return true;
    return bound_.newest && counted >= *bound_.newest;
  }

  /// Every page from @p page on, until the server's last page: the order of the listing is
  /// unknown, so no bound applies. `total` is stripped from each page so that the range cannot
  /// end on it, and `last` is made explicit so that a short page does not end it either.
  void scan_from(std::int64_t page, std::int64_t already, std::optional<std::int64_t> total) {
    const ReadToLast read = read_to_last_page<Order>(
        fetch_, page, size_, prefetch_, [this](const Order& order) { collect_one(order); });
    check_total(total, already + read.received);
  }

  /// Records page @p page when its ids ascend and fit between its neighbours already read (an
  /// order deleted meanwhile shifts an id onto two pages read: caught here).
  bool accept(std::int64_t page, const std::vector<Order>& content) {
    const std::optional<IdSpan> span = ascending_span(content);
    if (!span) return false;
    const auto after = spans_.upper_bound(page);
    if (after != spans_.end() && span->high >= after->second.low) return false;
    const auto before = std::prev(spans_.lower_bound(page));  // page 1 is always there
    if (span->low <= before->second.high) return false;
    spans_[page] = *span;
    collect(content);
    return true;
  }

  /// Logs a `total` that disagrees with the @p received orders of a whole listing.
  void check_total(std::optional<std::int64_t> total, std::int64_t received) {
    if (total && *total != received) {
      warn_total(*total, "disagrees with the " + std::to_string(received) + " orders listed");
    }
  }

  void warn_total(std::int64_t total, const std::string& why) {
    if (notes_.warning) {
      notes_.warning("the server's total of " + std::to_string(total) + " " + why +
                     ": not trusted, reading on until a page says last");
    }
  }

  void step(std::string line) const {
    if (notes_.step) notes_.step(std::move(line));
  }

  Page<Order> fetch(std::int64_t page) { return fetch_(page, size_); }

  void collect(const std::vector<Order>& orders) {
    for (const Order& order : orders) collect_one(order);
  }

  void collect_one(const Order& order) {
    if (!carries(order, external_id_)) return;
    if (order.id) {
      if (!bound_.newer_than || *order.id > *bound_.newer_than) by_id_.emplace(*order.id, order);
    } else if (!bound_.newer_than) {
      without_id_.push_back(order);  // cannot be compared with a bound: only unbounded finds
    }
  }

  [[nodiscard]] std::vector<Order> matches() const {
    std::vector<Order> found;
    found.reserve(by_id_.size() + without_id_.size());
    for (const auto& entry : by_id_) found.push_back(entry.second);
    found.insert(found.end(), without_id_.begin(), without_id_.end());
    return found;
  }

  const Fetch& fetch_;  // shares the client's state: the scan's prefetch worker copies it
  bool prefetch_;
  const SearchNotes& notes_;
  std::string_view external_id_;
  SearchBound bound_;
  std::int64_t size_{lookup_page_size};
  std::map<std::int64_t, IdSpan> spans_;  // pages read in the id-ordered walk
  std::map<std::int64_t, Order> by_id_;   // matches, deduplicated and sorted by id
  std::vector<Order> without_id_;         // matches the server sent without an id
};

}  // namespace

std::vector<Order> find_by_external_id(const PageRange<Order>::Fetch& fetch, bool prefetch,
                                       const SearchNotes& notes, std::string_view external_id,
                                       const SearchBound& bound) {
  return ExternalIdSearch(fetch, prefetch, notes, external_id, bound).run();
}

}  // namespace impilo::detail
