// The JSON nesting scanner every decoder runs first (src/internal/json_limits.hpp).

#include <string>

#include "catch.hpp"
#include "json_limits.hpp"

using impilo::internal::check_json_depth;
using impilo::internal::max_json_depth;

namespace {

std::string nested(std::size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

}  // namespace

TEST_CASE("check_json_depth allows exactly the limit", "[json_limits]") {
  CHECK(max_json_depth == 256);
  CHECK(check_json_depth(nested(256, '[', ']')));
  CHECK_FALSE(check_json_depth(nested(257, '[', ']')));
  CHECK(check_json_depth(R"({"a":{"b":[1,{"c":[]}]}})", 5));
  CHECK_FALSE(check_json_depth(R"({"a":{"b":[1,{"c":[]}]}})", 4));
  CHECK(check_json_depth(""));
  CHECK(check_json_depth("123", 0));
  CHECK_FALSE(check_json_depth("[]", 0));
}

TEST_CASE("check_json_depth counts siblings once, not cumulatively", "[json_limits]") {
  std::string wide = "[";
  for (int i = 0; i < 10000; ++i) wide += "[[]],";
  wide += "[]]";
  CHECK(check_json_depth(wide, 3));
  CHECK_FALSE(check_json_depth(wide, 2));
}

TEST_CASE("check_json_depth ignores brackets inside strings", "[json_limits]") {
  const std::string in_string = R"(["[[[[[[", "{{{{", "\"[[[[", "\\", "]]]"])";
  CHECK(check_json_depth(in_string, 1));
  // An escaped backslash ends before the quote: the quote closes the string.
  CHECK_FALSE(check_json_depth(R"(["\\", [[]]])", 2));
  CHECK(check_json_depth(R"(["\\", [[]]])", 3));
}

TEST_CASE("check_json_depth survives hostile text", "[json_limits]") {
  CHECK_FALSE(check_json_depth(std::string(10'000'000, '[')));  // constant stack
  CHECK(check_json_depth(std::string(1000, ']') + "[[]]", 2));  // stray closers
  CHECK(check_json_depth("\"" + std::string(100000, '['), 1));  // unterminated string
  CHECK(check_json_depth(std::string("[\0[", 3), 2));           // NUL is just a byte
}
