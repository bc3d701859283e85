// Creating an order exactly once (docs/retries.md, docs/adr/0008-create-once.md): the lookup by
// external id and the decision that reconciles an ambiguous create instead of repeating it blindly.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/validation.hpp>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client_impl.hpp"
#include "listing.hpp"

namespace impilo {
namespace {

/// Lookups read the largest pages the API serves: fewer requests for the same orders.
constexpr std::int64_t lookup_page_size = max_page_size;

/// `impilo-cpp:` and 32 random lower-case hex digits (128 bits: no two calls ever share one).
std::string generated_external_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "impilo-cpp:";
  const auto append = [&id](std::uint64_t bits, int digits) {
    for (int i = 0; i < digits; ++i, bits >>= 4U) id += hex[bits & 0xFU];
  };
  try {
    std::random_device device;
    for (int i = 0; i < 4; ++i) append(device(), 8);
  } catch (const std::exception&) {
    // No entropy source (a sandbox without /dev/urandom): a generator seeded by the clock and a
    // per-process counter still gives ids that differ between calls.
    static std::atomic<std::uint64_t> counter{0};
    std::mt19937_64 engine(
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL));
    append(engine(), 16);
    append(engine(), 16);
  }
  return id;
}

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

/// The walk of `Client::find_orders_by_external_id` (its docstring gives the strategy and the
/// cost). Holds only the fetch function, so it needs nothing private to `Client`.
class ExternalIdSearch {
 public:
  using Fetch = PageRange<Order>::Fetch;
  using Note = std::function<void(std::string)>;

  /// With @p prefetch, the fallback scan's range fetches ahead (`ClientOptions::prefetch_pages`).
  ExternalIdSearch(Fetch fetch, bool prefetch, Note note, std::string_view external_id,
                   std::int64_t newer_than)
      : fetch_(std::move(fetch)),
        prefetch_(prefetch),
        note_(std::move(note)),
        external_id_(external_id),
        newer_than_(newer_than) {}

  std::vector<Order> run() {
    const Page<Order> first = fetch(1);
    collect(first.content);
    if (ends_listing(first)) return matches();
    const std::optional<IdSpan> span = ascending_span(first.content);
    const bool full_first_page = first.content.size() == static_cast<std::size_t>(size_);
    if (first.total && span && full_first_page && walk_backwards(*span, *first.total)) {
      return matches();
    }
    note_("listing is not in id order: reading every page");
    for (const Order& order : PageRange<Order>(fetch_, 2, size_, prefetch_)) collect_one(order);
    return matches();
  }

 private:
  /// The id-ordered walk: the last page (and any page appended since `total` was read), then
  /// backwards. False as soon as a page shows the order does not hold; the caller then scans.
  bool walk_backwards(const IdSpan& first_span, std::int64_t total) {
    spans_[1] = first_span;
    const std::int64_t last_page = (total + size_ - 1) / size_;
    if (last_page < 2) return false;  // a full page 1 that is not the last, yet `total` fits it
    note_("listing is in id order: reading from page " + std::to_string(last_page) + " backwards");
    for (std::int64_t page = last_page;; ++page) {
      const Page<Order> result = fetch(page);
      if (result.content.empty()) {
        if (page == last_page) return false;  // the listing shrank: positions moved
        break;                                // past the end
      }
      if (!accept(page, result.content)) return false;
      if (ends_listing(result)) break;
    }
    if (spans_[last_page].low <= newer_than_) return true;
    for (std::int64_t page = last_page - 1; page >= 2; --page) {
      const Page<Order> result = fetch(page);
      // A page before the last is full; a shorter one means the positions moved under us.
      if (result.content.size() != static_cast<std::size_t>(size_)) return false;
      if (!accept(page, result.content)) return false;
      if (spans_[page].low <= newer_than_) return true;  // older pages hold only older orders
    }
    return true;
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

  /// The last page of a listing, by the same rule `PageRange` follows.
  [[nodiscard]] bool ends_listing(const Page<Order>& page) const {
    const auto received = static_cast<std::int64_t>(page.content.size());
    return page.last.value_or(received < size_) || received == 0;
  }

  Page<Order> fetch(std::int64_t page) { return fetch_(page, size_); }

  void collect(const std::vector<Order>& orders) {
    for (const Order& order : orders) collect_one(order);
  }

  void collect_one(const Order& order) {
    if (!carries(order, external_id_)) return;
    if (order.id) {
      if (*order.id > newer_than_) by_id_.emplace(*order.id, order);
    } else if (newer_than_ == 0) {
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

  Fetch fetch_;  // shares the client's state: the scan's prefetch worker may outlive the call
  bool prefetch_;
  Note note_;
  std::string_view external_id_;
  std::int64_t newer_than_;
  std::int64_t size_{lookup_page_size};
  std::map<std::int64_t, IdSpan> spans_;  // pages read in the id-ordered walk
  std::map<std::int64_t, Order> by_id_;   // matches, deduplicated and sorted by id
  std::vector<Order> without_id_;         // matches the server sent without an id
};

/// What made a create's outcome ambiguous, for log lines and `AmbiguousCreateError`; empty when
/// the exception in flight settles the outcome (it is then rethrown as it is).
std::string ambiguity_of_current_exception() {
  try {
    throw;
  } catch (const TransportError& e) {
    if (e.may_have_reached_server()) return "TransportError (" + describe(e) + ")";
  } catch (const ServerError& e) {
    // 5xx, and a proxy's 408: the server may have committed before failing to answer.
    if (e.status() >= 500 || e.status() == 408) {
      return "ServerError (HTTP " + std::to_string(e.status()) + ")";
    }
  } catch (const DecodeError& e) {
    // A 2xx answer that could not be read as an order: the order most likely exists.
    if (e.may_have_reached_server()) {
      return std::string("DecodeError (an undecodable 2xx answer at ") +
             (e.pointer().empty() ? "(root)" : e.pointer()) + ")";
    }
  }
  return {};
}

}  // namespace

std::vector<Order> Client::find_orders_by_external_id(std::string_view external_id,
                                                      std::int64_t newer_than_id) const {
  if (external_id.empty()) throw UsageError("find_orders_by_external_id: external_id is empty");
  if (newer_than_id < 0) {
    throw UsageError("find_orders_by_external_id: newer_than_id must not be negative, got " +
                     std::to_string(newer_than_id));
  }
  // Everything the search holds shares the client's state: nothing refers to this `Client`.
  ExternalIdSearch search(
      detail::page_fetch<Order>(impl_, std::string(orders_path), detail::orders_query({})),
      impl_->options.prefetch_pages,
      [impl = impl_](std::string line) {
        impl->log(LogLevel::info, [&] { return "find by external id: " + line; });
      },
      external_id, newer_than_id);
  return search.run();
}

Order Client::create_order_once(const CreateOrderRequest& request) const {
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  CreateOrderRequest once = request;
  if (!once.external_order_ids || once.external_order_ids->empty()) {
    once.external_order_ids = std::vector<std::string>{generated_external_id()};
  }
  const std::string external_id = once.external_order_ids->front();
  if (external_id.empty()) {
    throw ValidationError({Violation{"/externalOrderIds/0", ErrorCode::invalid_data,
                                     "the first external order id is empty; create_order_once "
                                     "looks the order up by it"}});
  }
  const Impl& impl = *impl_;
  const auto step = [&](const std::string& line) {
    impl.log(LogLevel::info, [&] { return "create once [" + external_id + "]: " + line; });
  };

  // The newest order before the first send bounds every lookup: an order this call places can
  // only be newer. Small accounts need no bound (a lookup reads one or two pages anyway).
  std::int64_t newer_than = 0;
  try {
    ListOrdersParams probe;
    probe.size = 1;
    const Page<Order> head = list_orders(probe);
    if (head.total && *head.total > lookup_page_size) {
      probe.page = *head.total;
      const Page<Order> newest = list_orders(probe);
      if (newest.content.size() == 1 && newest.content.front().id) {
        newer_than = *newest.content.front().id;
      }
    }
    step("newest order before sending: " +
         (newer_than > 0 ? std::to_string(newer_than) : std::string("none needed")));
  } catch (const Error& e) {
    step(std::string("could not note the newest order (") + e.what() +
         "); a lookup will read every page");
  }

  const int sends = impl.options.max_retries + 1;
  for (int send = 1;; ++send) {
    const std::string attempt = std::to_string(send) + "/" + std::to_string(sends);
    std::string ambiguity;
    try {
      step("sending (" + attempt + ")");
      Order order = create_order(once);
      step("created order " + (order.id ? std::to_string(*order.id) : std::string("(no id)")));
      return order;
    } catch (const Error&) {
      ambiguity = ambiguity_of_current_exception();
      if (ambiguity.empty()) throw;  // the outcome is certain: nothing was placed
    }
    step("send " + attempt + " ended ambiguously: " + ambiguity + "; looking the order up in " +
         std::to_string(impl.options.settle_delay.count()) + " ms");
    impl.options.sleep(impl.options.settle_delay);

    std::vector<Order> found;
    try {
      found = find_orders_by_external_id(external_id, newer_than);
    } catch (const Error& e) {
      step(std::string("the lookup failed: ") + e.what());
      throw AmbiguousCreateError(
          external_id, "create_order_once: the create ended with " + ambiguity +
                           " and looking for external id " + external_id + " failed (" + e.what() +
                           "); the order may exist: reconcile with "
                           "find_orders_by_external_id before creating it again");
    }
    if (!found.empty()) {
      const Order& placed = found.front();  // the lowest id when several sends landed
      step("found order " + (placed.id ? std::to_string(*placed.id) : std::string("(no id)")) +
           (found.size() > 1 ? " (the lowest of " + std::to_string(found.size()) + ")" : ""));
      return placed;
    }
    if (send >= sends) {
      step("not found, and no send is left: giving up undecided");
      throw AmbiguousCreateError(
          external_id, "create_order_once: the last of " + std::to_string(sends) +
                           " sends ended with " + ambiguity + " and no order carries external id " +
                           external_id +
                           " yet; it may still appear: reconcile with find_orders_by_external_id "
                           "before creating it again");
    }
    step("not found: sending the same request again");
  }
}

}  // namespace impilo
