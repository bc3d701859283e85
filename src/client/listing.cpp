#include "listing.hpp"

#include <impilo/errors.hpp>
#include <string>

#include "url.hpp"

namespace impilo::detail {

std::string paging_query(std::int64_t page, std::int64_t size) {
  return "page=" + std::to_string(page) + "&size=" + std::to_string(size);
}

void append_query(std::string& query, const ExtraQuery& extra) {
  for (const auto& [key, value] : extra) {
    query += "&" + internal::url_encode(key) + "=" + internal::url_encode(value);
  }
}

void check_paging(std::int64_t page, std::int64_t size, const ExtraQuery& extra_query,
                  std::initializer_list<std::string_view> modelled, std::string_view params_type) {
  if (page < 1) {
    throw UsageError("page must be at least 1 (pages are 1-based), got " + std::to_string(page));
  }
  if (size < 1 || size > max_page_size) {
    throw UsageError("size must be from 1 to 250, got " + std::to_string(size));
  }
  for (const auto& [key, value] : extra_query) {
    for (const std::string_view name : modelled) {
      if (key == name) {
        throw UsageError("extra_query must not set '" + key + "': use " + std::string(params_type) +
                         " instead");
      }
    }
    if (key.empty()) throw UsageError("extra_query holds a parameter with an empty name");
  }
}

void check_list_orders_params(const ListOrdersParams& params) {
  check_paging(params.page, params.size, params.extra_query, {"page", "size"}, "ListOrdersParams");
}

PageQuery orders_query(ExtraQuery extra_query) {
  return [extra = std::move(extra_query)](std::int64_t page, std::int64_t size) {
    std::string query = paging_query(page, size);
    append_query(query, extra);
    return query;
  };
}

}  // namespace impilo::detail
