#pragma once

// What every list command shares: `--page N`, `--size N`, `--all`, and printing one page or every
// element.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.hpp"

namespace impilo::cli {

/// The flags of a list command. Ranges (page >= 1, size 1..250) are the library's to check: one
/// rule, one place.
inline std::vector<Flag> paging_flags(std::int64_t& page, std::int64_t& size, bool& all) {
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  return {{"--page", true,
           [&page](const std::string& v) { page = parse_integer(v, "--page", min, max); }},
          {"--size", true,
           [&size](const std::string& v) { size = parse_integer(v, "--size", min, max); }},
          {"--all", false, [&all](const std::string&) { all = true; }}};
}

/// Prints the page @p list_page returns (the envelope), or with @p all every element of the range
/// @p every returns as one JSON array. The array is collected before printing, so that a failure
/// on a later page leaves stdout empty rather than holding half an array.
template <typename ListPage, typename Every>
void print_listing(Context& ctx, bool all, ListPage&& list_page, Every&& every) {
  if (!all) {
    print_json(ctx.out, nlohmann::json(list_page()));
    return;
  }
  nlohmann::json elements = nlohmann::json::array();
  for (const auto& element : every()) elements.push_back(element);
  print_json(ctx.out, elements);
}

}  // namespace impilo::cli
