#pragma once

// What every list command shares: `--page N`, `--size N`, `--all`, and printing one page or every
// element.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
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
/// @p every returns as one JSON array. The array is streamed: each element is printed as its page
/// arrives, so memory stays at one page however many there are, in the layout `print_json` gives
/// the whole array. A failure on a later page leaves an unterminated array on stdout, and the
/// error on stderr and in the exit code.
template <typename ListPage, typename Every>
void print_listing(Context& ctx, bool all, ListPage&& list_page, Every&& every) {
  if (!all) {
    print_json(ctx.out, nlohmann::json(list_page()));
    return;
  }
  const auto check_written = [&ctx] {
    if (!ctx.out) throw std::runtime_error("writing the result to stdout failed");
  };
  std::string_view separator = "[\n";
  for (const auto& element : every()) {
    const std::string text =
        nlohmann::json(element).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string indented = "  ";
    for (const char c : text) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    ctx.out << separator << indented << std::flush;
    check_written();
    separator = ",\n";
  }
  ctx.out << (separator == "[\n" ? "[]\n" : "\n]\n") << std::flush;
  check_written();
}

}  // namespace impilo::cli
