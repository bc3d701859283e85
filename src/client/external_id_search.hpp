#pragma once

// The lookup of orders by external id (docs/adr/0008-create-once.md): the one walk behind
// `find_orders_by_external_id`, `create_order_once` and `place_order`. It must never be fooled
// into "not found" by a lying page: it reads on until a page says `last: true` or comes back
// empty, whatever `total` says.

#include <cstdint>
#include <functional>
#include <impilo/client.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace impilo::detail {

/// How far back a lookup reads.
struct SearchBound {
  /// Only orders with a larger id (empty: every id). Compared like any other integer, so ids of 0
  /// or below are matched too.
  std::optional<std::int64_t> newer_than;
  /// Only the newest this many orders, counted from the end of an id-ordered listing (empty: no
  /// count bound). A listing that is not in id order is read whole instead.
  std::optional<std::int64_t> newest;
};

/// What a lookup tells its caller along the way (a log line), and warnings about the server.
struct SearchNotes {
  std::function<void(std::string)> step;
  std::function<void(std::string)> warning;
};

/// Every order carrying @p external_id within @p bound, by ascending id (orders without an id
/// last). @p fetch reads one page of the orders listing; with @p prefetch, the fallback scan
/// fetches ahead (`ClientOptions::prefetch_pages`). Throws what @p fetch throws, and
/// `DecodeError` for a server that repeats a page.
std::vector<Order> find_by_external_id(const PageRange<Order>::Fetch& fetch, bool prefetch,
                                       const SearchNotes& notes, std::string_view external_id,
                                       const SearchBound& bound);

}  // namespace impilo::detail
