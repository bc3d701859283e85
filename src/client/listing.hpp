#pragma once

// Paged listings: one page fetch for every `GET` that answers with a page envelope (orders,
// webhook delivery logs, and the listings to come), and the ranges over them. A range's fetch
// shares the client's state and owns everything else it uses, so that a prefetch worker that
// outlives the range, or the `Client`, never touches freed memory
// (docs/adr/0007-paging-prefetch.md).

#include <cstdint>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline.hpp"

namespace impilo::detail {

constexpr std::string_view orders_path = "/api/v3/order";
constexpr std::int64_t max_page_size = 250;

/// Parameters sent as they are after the modelled ones (`extra_query` of the params types).
using ExtraQuery = std::vector<std::pair<std::string, std::string>>;

/// The query of one page of a listing, without the `?`: `page=N&size=M`, then the listing's
/// own parameters.
using PageQuery = std::function<std::string(std::int64_t page, std::int64_t size)>;

/// `page=N&size=M`.
std::string paging_query(std::int64_t page, std::int64_t size);

/// Appends `&key=value` for each of @p extra, both URL-encoded.
void append_query(std::string& query, const ExtraQuery& extra);

/// Checks what every list call shares: a 1-based @p page, a @p size within 1..250, and
/// @p extra_query naming none of the parameters the call models (@p modelled, fields of
/// @p params_type).
/// @throws impilo::UsageError naming the first problem.
void check_paging(std::int64_t page, std::int64_t size, const ExtraQuery& extra_query,
                  std::initializer_list<std::string_view> modelled, std::string_view params_type);

/// `list_orders`' checks.
void check_list_orders_params(const ListOrdersParams& params);

/// The query of an orders page: paging, then `extra_query`.
PageQuery orders_query(ExtraQuery extra_query);

/// `GET path?query`, decoded as a page of `T`: the one page fetch of every listing. @p session is
/// the client's shared state (`Client::Impl`, deduced: the type is private to `Client`).
template <typename T, typename Session>
Page<T> fetch_page(const Session& session, std::string_view path, const std::string& query) {
  return from_json_text<Page<T>>(session.pipeline
                                     .send({"GET", std::string(path) + "?" + query, std::nullopt,
                                            Idempotency::safe_to_repeat})
                                     .body);
}

/// The fetch of a range over @p path: it shares @p session and owns copies of the rest, so a
/// prefetch worker can outlive the range and the `Client` (nothing is captured by reference).
template <typename T, typename Session>
typename PageRange<T>::Fetch page_fetch(std::shared_ptr<const Session> session, std::string path,
                                        PageQuery query) {
  return [session = std::move(session), path = std::move(path), query = std::move(query)](
             std::int64_t page, std::int64_t size) {
    return fetch_page<T>(*session, path, query(page, size));
  };
}

/// A range over @p path from @p first_page on, prefetching as `ClientOptions::prefetch_pages`
/// says.
template <typename T, typename Session>
PageRange<T> page_range(const std::shared_ptr<const Session>& session, std::string path,
                        PageQuery query, std::int64_t first_page, std::int64_t size) {
  return PageRange<T>(page_fetch<T>(session, std::move(path), std::move(query)), first_page, size,
                      session->options.prefetch_pages);
}

/// What `read_to_last_page` saw: the elements received, and the `total` its first page claimed.
struct ReadToLast {
  std::int64_t received{0};
  std::optional<std::int64_t> first_total;
};

/// Hands every element of the listing @p fetch reads to @p visit, from @p page to the server's
/// last page, for lookups that must not end early (a miss there sends a second create): only
/// `last: true` or an empty page ends the walk, never `total` or a short page. Pages come through
/// a `PageRange` (prefetching with @p prefetch), so a server that repeats a page ends it with the
/// range's `DecodeError`. Throws what @p fetch throws.
template <typename T, typename Visit>
ReadToLast read_to_last_page(typename PageRange<T>::Fetch fetch, std::int64_t page,
                             std::int64_t size, bool prefetch, Visit&& visit) {
  // Shared with the range's prefetch worker, which may outlive this call's frame.
  auto seen = std::make_shared<ReadToLast>();
  auto strict = [fetch = std::move(fetch), seen, first = page](std::int64_t number,
                                                                std::int64_t page_size) {
    Page<T> result = fetch(number, page_size);
    seen->received += static_cast<std::int64_t>(result.content.size());
    if (number == first) seen->first_total = result.total;
    result.total.reset();
    result.last = result.last.value_or(false) && !result.content.empty();
    return result;
  };
  for (const T& element : PageRange<T>(std::move(strict), page, size, prefetch)) visit(element);
  return *seen;
}

}  // namespace impilo::detail
