#pragma once

/// @file
/// `Page<T>`, one page of a list call.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply. `==` and `!=` are defined here for any
/// `T`; the pages the SDK decodes are those of `<impilo/model_list.hpp>`.

#include <cstdint>
#include <impilo/model_basics.hpp>
#include <optional>
#include <vector>

namespace impilo {

/// One page of a list call: `{"content": [...], "page": 1, "size": 15, "total": 37, "first": true,
/// "last": false}`. `page` is 1-based; `total` counts matching objects, not pages.
template <typename T>
struct Page {
  std::vector<T> content;             ///< `content`: the objects on this page (empty when absent).
  std::optional<std::int64_t> page;   ///< `page`: 1-based page number, as the server sent it.
  std::optional<std::int64_t> size;   ///< `size`: the page size asked for.
  std::optional<std::int64_t> total;  ///< `total`: how many objects match, over all pages.
  std::optional<bool> first;          ///< `first`: this is the first page.
  std::optional<bool> last;           ///< `last`: this is the last page.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// Field-by-field equality, unknown fields included.
  friend bool operator==(const Page& a, const Page& b) {
    return a.content == b.content && a.page == b.page && a.size == b.size && a.total == b.total &&
           a.first == b.first && a.last == b.last && a.unknown_fields == b.unknown_fields;
  }
  /// Negation of `==`.
  friend bool operator!=(const Page& a, const Page& b) { return !(a == b); }
};

}  // namespace impilo
