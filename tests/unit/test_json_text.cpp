// What a JSON text is, for every decoder (src/internal/json_text.hpp): RFC 8259, exactly one
// value, no byte order mark, nested at most 256 deep; and nlohmann's parser agrees wherever it is
// not lenient (a NUL ends its input, a byte order mark is skipped).

#include <filesystem>
#include <fstream>
#include <impilo/errors.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "json_text.hpp"

using impilo::internal::check_json_text;
using impilo::internal::JsonTextProblem;
using namespace std::string_literals;

namespace {

/// True when nlohmann's strict parse accepts @p text (a number past every double counts as
/// accepted: the text is well-formed).
bool nlohmann_accepts(const std::string& text) {
  try {
    const auto parsed = nlohmann::json::parse(text);
    (void)parsed;
    return true;
  } catch (const nlohmann::json::out_of_range&) {
    return true;
  } catch (const nlohmann::json::parse_error&) {
    return false;
  }
}

std::string order_json() {
  std::ifstream in(std::filesystem::path(IMPILO_TEST_DATA_DIR) / "order.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("check_json_text accepts every kind of JSON value", "[json_text]") {
  const std::string valid[] = {
      "0", "-0", "1.5e+3", "-12.25E-2", "1E2", "true", "false", "null", R"("")",
      R"("a\"\\\/\b\f\n\r\t")", R"("\u0000\u00e9\uD83D\uDE00\uffff")", "\"caf\xC3\xA9\"",
      "\"\xF0\x9F\x98\x80 \xE2\x82\xAC \xF4\x8F\xBF\xBF\"", "\"del \x7F is printable\"", "[]", "{}",
      " \t\r\n{ \"a\" : [ 1 , { \"b\" : null } ] } \r\n", R"({"a":{},"b":[],"c":[[]]})",
      R"({"id":1,"id":2})", std::string(256, '[') + std::string(256, ']')};
  for (const std::string& text : valid) {
    INFO("text: " << text);
    CHECK_FALSE(check_json_text(text));
    CHECK(nlohmann_accepts(text));
  }
}

TEST_CASE("check_json_text refuses trailing bytes, a NUL included, naming the byte",
          "[json_text]") {
  const auto byte_of = [](const std::string& text) {
    const auto problem = check_json_text(text);
    REQUIRE(problem);
    CHECK(problem->kind == JsonTextProblem::Kind::syntax);
    return problem->byte;
  };
  CHECK(byte_of("{\"id\":1}\0garbage"s) == 9);
  CHECK(byte_of("{\"x\":1\0garbage,\"id\":5}"s) == 7);
  CHECK(byte_of("{\"id\":1}\0"s) == 9);
  CHECK(byte_of("\0{}"s) == 1);
  CHECK(byte_of(R"({"id":1} x)") == 10);
  CHECK(byte_of(R"({} {})") == 4);
  CHECK(byte_of(R"({"id":1,"x":"a":5,"currentStatus":"shipped"}})") == 16);
  CHECK(byte_of(R"({"total":1,"x":"n":1,"content":[{"id":9}]}})") == 19);
  CHECK(byte_of("") == 1);
  CHECK(byte_of("  ") == 3);
  CHECK(byte_of("[1,2") == 5);
  // nlohmann stops at a number past every double; the text is still checked to its end.
  CHECK(byte_of(R"({"x":11e4000.5P)") == 13);
}

TEST_CASE("check_json_text refuses what RFC 8259 does not allow", "[json_text]") {
  const std::string invalid[] = {
      "01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "tru", "nul", "True",
      "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{1:2}", "{'a':1}", "{\"a\" 1}",
      "[1 2]", "]", "[", "{", "\"", "\"abc", R"("\x")", R"("\u12")", R"("\u12G4")",
      R"("\uD800")", R"("\uD800x")", R"("\uD800\u0041")", R"("\uDC00")", R"("\uDBFF\uDBFF")",
      "\"a\tb\"", "\"a\nb\"", "\"a\x01\"", "\"\xFF\"", "\"\xC0\xAF\"", "\"\xC3\x28\"",
      "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xF8\x88\x80\x80\x80\"",
      "\"\xE2\x82\"", "\"\x80\"", "\xC3\xA9", "{\"a\":1}\x7F", "\v{}", "\f{}"};
  for (const std::string& text : invalid) {
    INFO("text: " << text);
    const auto problem = check_json_text(text);
    REQUIRE(problem);
    CHECK(problem->kind == JsonTextProblem::Kind::syntax);
    CHECK(problem->byte >= 1);
    CHECK(problem->byte <= text.size() + 1);
    CHECK_FALSE(nlohmann_accepts(text));
  }
}

TEST_CASE("check_json_text refuses a byte order mark and nesting past 256", "[json_text]") {
  const auto bom = check_json_text("\xEF\xBB\xBF{\"id\":1}");
  REQUIRE(bom);
  CHECK(bom->kind == JsonTextProblem::Kind::byte_order_mark);
  CHECK(impilo::internal::json_text_problem_detail(*bom) ==
        "not valid JSON (it starts with a byte order mark)");

  const auto deep = check_json_text(std::string(257, '[') + std::string(257, ']'));
  REQUIRE(deep);
  CHECK(deep->kind == JsonTextProblem::Kind::too_deep);
  CHECK(deep->byte == 257);
  // A million levels cost one pass and no stack.
  const auto very_deep = check_json_text(std::string(1000000, '{'));
  REQUIRE(very_deep);
  CHECK(very_deep->kind == JsonTextProblem::Kind::syntax);  // `{{`: a key was expected
  CHECK(check_json_text(std::string(1000000, '['))->kind == JsonTextProblem::Kind::too_deep);
}

TEST_CASE("check_json_text and nlohmann agree on every truncation and damaged byte of an order",
          "[json_text]") {
  const std::string order = order_json();
  REQUIRE(order.size() > 500);
  for (std::size_t size = 0; size <= order.size(); ++size) {
    const std::string text = order.substr(0, size);
    INFO("size: " << size);
    CHECK(!check_json_text(text) == nlohmann_accepts(text));
  }
  for (std::size_t at = 0; at < order.size(); ++at) {
    for (const char replacement : {'"', '}', ']', ',', ':', '1', '\\', ' ', 'e', '-', '\x80'}) {
      std::string damaged = order;
      damaged[at] = replacement;
      INFO("byte " << at << " replaced by " << static_cast<int>(replacement));
      CHECK(!check_json_text(damaged) == nlohmann_accepts(damaged));
    }
    std::string with_nul = order;
    with_nul.insert(at, 1, '\0');
    CHECK(check_json_text(with_nul));
  }
}

TEST_CASE("parse_json_text throws only DecodeError, never quoting the text", "[json_text]") {
  using impilo::internal::parse_json_text;
  CHECK(parse_json_text(R"({"a":[1,"x"]})") == nlohmann::json{{"a", {1, "x"}}});
  REQUIRE_THROWS_AS(parse_json_text("{\"secret-name\":1}\0tail"s), impilo::DecodeError);
  REQUIRE_THROWS_WITH(parse_json_text(R"({"name":"Thandi"} x)"),
                      "(root): not valid JSON (syntax error at byte 19)");
  REQUIRE_THROWS_WITH(parse_json_text(R"({"n":1e400})"),
                      "(root): not valid JSON (a number is out of range)");
  REQUIRE_THROWS_WITH(parse_json_text(std::string(300, '[')),
                      "(root): nested deeper than 256 levels of arrays and objects");
}
