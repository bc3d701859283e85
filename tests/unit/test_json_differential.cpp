// `from_json_text` decodes with simdjson On-Demand; the public converters decode nlohmann's DOM.
// Users see both, so for every document they must agree: the same model (unknown members and
// their bytes included) or the same DecodeError message and pointer.

#include <filesystem>
#include <fstream>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json_text.hpp"

namespace {

using impilo::CreateOrderRequest;
using impilo::DecodeError;
using impilo::Order;
using impilo::Page;

template <typename T>
struct Outcome {
  std::optional<T> model;
  std::string error;
};

/// What `from_json_text` did before simdjson: nlohmann's parse, its errors mapped as the SDK maps
/// them, then the public ADL converter. nlohmann is made as strict as the SDK where it is lenient:
/// it ends the input at a NUL byte and skips a byte order mark (internal::check_json_text), and
/// its DOM parse stops at a number out of range before a later syntax error.
template <typename T>
Outcome<T> decode_via_dom(const std::string& text) {
  try {
    nlohmann::json j;
    if (text.find('\0') != std::string::npos || text.rfind("\xEF\xBB\xBF", 0) == 0) {
      throw DecodeError("", "not valid JSON (nlohmann is lenient here)");
    }
    // A DOM parse stops at the first number out of range; the SDK reads on and reports a later
    // syntax error first. `accept` reads the whole text, so a syntax error anywhere wins here too.
    if (!nlohmann::json::accept(text)) {
      throw DecodeError("", "not valid JSON (syntax error)");
    }
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw DecodeError("", "not valid JSON (syntax error at byte " + std::to_string(e.byte) + ")");
    } catch (const nlohmann::json::out_of_range&) {
      throw DecodeError("", "not valid JSON (a number is out of range)");
    }
    return {j.get<T>(), ""};
  } catch (const DecodeError& e) {
    return {std::nullopt, e.what()};
  }
}

template <typename T>
Outcome<T> decode_via_text(const std::string& text) {
  try {
    return {impilo::from_json_text<T>(text), ""};
  } catch (const DecodeError& e) {
    return {std::nullopt, e.what()};
  }
}

template <typename T>
void require_same_outcome(const std::string& text) {
  const auto problem = impilo::internal::check_json_text(text);
  if (problem && problem->kind == impilo::internal::JsonTextProblem::Kind::too_deep) {
    return;  // refused before either parser runs
  }
  const Outcome<T> dom = decode_via_dom<T>(text);
  const Outcome<T> fast = decode_via_text<T>(text);
  INFO("document: " << text);
  // A syntax error's byte is the SDK's text check's, which may count a byte apart from nlohmann
  // (a bad surrogate pair); every other message is the same.
  const std::string syntax = "not valid JSON";
  if (dom.error.rfind("(root): " + syntax, 0) == 0 && dom.error.find("out of range") == std::string::npos) {
    REQUIRE(fast.error.rfind("(root): " + syntax, 0) == 0);
  } else {
    REQUIRE(fast.error == dom.error);
  }
  REQUIRE(fast.model.has_value() == dom.model.has_value());
  if (dom.model) {
    REQUIRE(*fast.model == *dom.model);
    REQUIRE(impilo::to_json_text(*fast.model) == impilo::to_json_text(*dom.model));
  }
}

/// Every model `from_json_text` decodes: the order, patient and kit models and the webhook ones.
void require_same_outcomes(const std::string& text) {
  require_same_outcome<Order>(text);
  require_same_outcome<Page<Order>>(text);
  require_same_outcome<Page<impilo::Patient>>(text);
  require_same_outcome<Page<impilo::Kit>>(text);
  require_same_outcome<CreateOrderRequest>(text);
  require_same_outcome<impilo::Webhook>(text);
  require_same_outcome<impilo::WebhookSubscription>(text);
  require_same_outcome<impilo::WebhookLog>(text);
  require_same_outcome<Page<impilo::WebhookLog>>(text);
}

std::vector<std::filesystem::path> json_files() {
  const std::filesystem::path data(IMPILO_TEST_DATA_DIR);
  std::vector<std::filesystem::path> files;
  for (const auto& root : {data, data.parent_path() / "fuzz" / "corpus"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        files.push_back(entry.path());
      }
    }
  }
  return files;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("from_json_text and the DOM converters agree on every test and corpus document",
          "[json][differential]") {
  const auto files = json_files();
  REQUIRE(files.size() >= 10);
  for (const auto& path : files) {
    INFO("file: " << path.string());
    require_same_outcomes(read_file(path));
  }
}

TEST_CASE("from_json_text and the DOM converters agree on every truncation and on damaged bytes",
          "[json][differential]") {
  const std::string order = read_file(std::filesystem::path(IMPILO_TEST_DATA_DIR) / "order.json");
  for (std::size_t size = 0; size < order.size(); ++size) {
    require_same_outcome<Order>(order.substr(0, size));
  }
  for (std::size_t at = 0; at < order.size(); ++at) {
    for (const char replacement : {'"', '}', ']', ',', '1', '\\'}) {
      std::string damaged = order;
      damaged[at] = replacement;
      require_same_outcome<Order>(damaged);
    }
  }
}

TEST_CASE("from_json_text and the DOM converters agree on the edge cases of JSON",
          "[json][differential]") {
  const char* const documents[] = {
      // duplicate keys: the last wins, for known and unknown members
      R"({"id":1,"id":"x"})",
      R"({"id":"x","id":2})",
      R"({"orderNumber":"a","orderNumber":"b"})",
      R"({"zeta":1,"alpha":[1,2],"zeta":{"b":1,"a":2}})",
      // null means absent; content null or absent means empty
      R"({"orderNumber":null,"patient":null})",
      R"({"content":null})",
      R"({})",
      // escaped keys name the same member
      R"({"\u006frderNumber":"x"})",
      // numbers
      R"({"id":-0})",
      R"({"id":1.0})",
      R"({"id":1e2})",
      R"({"id":9223372036854775807})",
      R"({"id":9223372036854775808})",
      R"({"id":-9223372036854775809})",
      R"({"id":18446744073709551616})",
      R"({"id":1e400})",
      R"({"unknown":1e400})",
      R"({"unknown":[1.50,-0.0,1E+2,12345678901234567890123]})",
      R"({"id":01})",
      R"({"id":"1"})",
      // strings and escapes
      R"({"orderNumber":"a\u00e9\ud83d\ude00\n\"\/"})",
      R"({"orderNumber":"\ud800"})",
      R"({"orderNumber":"\udc00"})",
      R"({"orderNumber":"\x"})",
      "{\"orderNumber\":\"a\tb\"}",
      "{\"orderNumber\":\"\xff\"}",
      "{\"unknown\":\"\xc3\x28\"}",
      "{\"orderNumber\":\"caf\xc3\xa9\"}",
      // structure and trailing bytes
      R"({"id":1} x)",
      R"({"id":1}{})",
      R"({"id":1}   )",
      "\xef\xbb\xbf{\"id\":1}",
      R"({"unknown":[1,2}],"id":1})",
      R"({"unknown":{"a":1]})",
      R"({"unknown":tru})",
      R"({"unknown":nul,"id":1})",
      R"({"id":1,})",
      R"({"id" 1})",
      R"([])",
      R"("text")",
      R"(null)",
      "",
      // wrong types, nested
      R"({"patient":{"firstName":7}})",
      R"({"content":[{"id":1},{"id":"x"}]})",
      R"({"content":[{"id":1},null]})",
      R"({"content":{}})",
      R"({"items":[{"quantity":true}]})",
      // webhook models: a required member, unknown members, log pages
      R"({"type":"order.status","url":"https://h.example/wh"})",
      R"({"type":null,"url":"https://h.example/wh"})",
      R"({"type":7,"url":"https://h.example/wh"})",
      R"({"url":"https://h.example/wh"})",
      R"({"type":"reading.futureKind","url":"u","secret":{"a":[1,2]}})",
      R"({"id":3,"type":"order.statusFull","url":"https://h.example/wh","active":true})",
      R"({"content":[{"id":1,"webhookId":3,"webhookType":"order.status","payload":"{\"id\":1}",)"
      R"("lastResponseStatus":null,"retryAttempts":2,"lastRetryTimestamp":null}],"page":1})",
      R"({"content":[{"retryAttempts":"2"}]})",
      R"({"content":[{"payload":{"id":1}}]})",
  };
  for (const char* document : documents) require_same_outcomes(document);
}

TEST_CASE("a NUL, a missing comma or a byte order mark is refused on the fast path as on the DOM",
          "[json][differential]") {
  using namespace std::string_literals;
  const std::string documents[] = {
      // simdjson 3.0.1's object iterator drops a missing-comma error
      R"({"id":1,"x":"a":5,"currentStatus":"shipped"}})",
      R"({"total":1,"x":"n":1,"content":[{"id":9}]}})",
      R"({"content":[{"id":1,"x":"a":5}],"total":1})",
      // nlohmann ends the input at a NUL
      "{\"id\":1}\0garbage"s,
      "{\"x\":1\0garbage,\"id\":5}"s,
      "{\"id\":1}\0"s,
      "{\"orderNumber\":\"a\0b\"}"s,
      "\xEF\xBB\xBF{\"id\":1}",
  };
  for (const std::string& document : documents) {
    require_same_outcomes(document);
    INFO("document: " << document);
    REQUIRE_THROWS_AS(impilo::from_json_text<Order>(document), DecodeError);
    REQUIRE_THROWS_AS(impilo::from_json_text<Page<Order>>(document), DecodeError);
  }
  REQUIRE_THROWS_WITH(impilo::from_json_text<Order>("{\"id\":1}\0garbage"s),
                      "(root): not valid JSON (syntax error at byte 9)");
  REQUIRE_THROWS_WITH(impilo::from_json_text<Order>("\xEF\xBB\xBF{\"id\":1}"),
                      "(root): not valid JSON (it starts with a byte order mark)");
}
