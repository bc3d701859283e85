#pragma once

// What every list command shares: `--page N`, `--size N`, `--all`, the flags of its filters, and
// printing one page or every element.

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"

namespace impilo::cli {

/// `NAME N` setting @p target. Any whole number is taken: ranges (page >= 1, size 1..250, ids
/// >= 1) are the library's to check: one rule, one place. @p name is kept, as `Flag::name` is: a
/// string literal.
inline Flag integer_flag(std::string_view name, std::int64_t& target) {
  return {name, true, [name, &target](const std::string& v) {
            target = parse_integer(v, name, std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max());
          }};
}

/// `NAME N` setting an optional filter, as `integer_flag`.
inline Flag integer_flag(std::string_view name, std::optional<std::int64_t>& target) {
  return {name, true, [name, &target](const std::string& v) {
            std::int64_t value = 0;
            integer_flag(name, value).apply(v);
            target = value;
          }};
}

/// `NAME N`, repeatable: each value is appended to @p targets.
inline Flag integer_list_flag(std::string_view name, std::vector<std::int64_t>& targets) {
  return {name, true, [name, &targets](const std::string& v) {
            std::int64_t value = 0;
            integer_flag(name, value).apply(v);
            targets.push_back(value);
          }};
}

/// `NAME true|false` setting an optional filter.
inline Flag boolean_flag(std::string_view name, std::optional<bool>& target) {
  return {name, true, [name, &target](const std::string& v) { target = parse_bool(v, name); }};
}

/// The flags of a list command.
inline std::vector<Flag> paging_flags(std::int64_t& page, std::int64_t& size, bool& all) {
  return {integer_flag("--page", page),
          integer_flag("--size", size),
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
