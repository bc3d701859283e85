// The nesting limit every decoder enforces on the raw bytes (src/internal/json_limits.hpp), as
// `check_json_text` applies it before any parser runs.

#include <optional>
#include <string>

#include "catch.hpp"
#include "json_limits.hpp"
#include "json_text.hpp"

using impilo::internal::check_json_text;
using impilo::internal::JsonTextProblem;
using impilo::internal::max_json_depth;

namespace {

std::string nested(std::size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

bool too_deep(const std::string& text) {
  const std::optional<JsonTextProblem> problem = check_json_text(text);
  return problem && problem->kind == JsonTextProblem::Kind::too_deep;
}

}  // namespace

TEST_CASE("the nesting limit allows exactly 256 levels", "[json_limits]") {
  CHECK(max_json_depth == 256);
  CHECK_FALSE(check_json_text(nested(256, '[', ']')));
  CHECK(too_deep(nested(257, '[', ']')));
  std::string objects;
  for (int i = 0; i < 256; ++i) objects += R"({"a":)";
  objects += "1" + std::string(256, '}');
  CHECK_FALSE(check_json_text(objects));
  CHECK(too_deep(R"({"a":)" + objects + "}"));
}

TEST_CASE("the nesting limit counts siblings once, not cumulatively", "[json_limits]") {
  std::string wide = "[";
  for (int i = 0; i < 10000; ++i) wide += nested(255, '[', ']') + ",";
  wide += "[]]";
  CHECK_FALSE(check_json_text(wide));
}

TEST_CASE("the nesting limit ignores brackets inside strings", "[json_limits]") {
  const std::string in_string = R"(["[[[[[[", "{{{{", "\"[[[[", "\\", "]]]"])";
  CHECK_FALSE(check_json_text(in_string));
  const std::string deep_in_strings = "[\"" + std::string(1000, '[') + "\"]";
  CHECK_FALSE(check_json_text(deep_in_strings));
}

TEST_CASE("the nesting limit holds on hostile text with constant stack", "[json_limits]") {
  CHECK(too_deep(std::string(10'000'000, '[')));
  const auto stray = check_json_text(std::string(1000, ']') + "[[]]");
  REQUIRE(stray);
  CHECK(stray->kind == JsonTextProblem::Kind::syntax);
  CHECK(stray->byte == 1);
}
