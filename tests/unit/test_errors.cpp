// Error codes, server-message classification, error bodies and the exception classes.

#include <cstddef>
#include <impilo/errors.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"

namespace Catch {
template <>
struct StringMaker<impilo::ErrorCode> {
  static std::string convert(impilo::ErrorCode code) {
    return std::string(impilo::to_string(code));
  }
};
}  // namespace Catch

namespace {

using impilo::ErrorCode;

// ---- What throw_api_error threw ----------------------------------------------------------------

std::string class_name(const impilo::ApiError& e) {
  if (dynamic_cast<const impilo::BadRequestError*>(&e) != nullptr) return "BadRequestError";
  if (dynamic_cast<const impilo::AuthenticationError*>(&e) != nullptr) return "AuthenticationError";
  if (dynamic_cast<const impilo::PermissionDeniedError*>(&e) != nullptr) {
    return "PermissionDeniedError";
  }
  if (dynamic_cast<const impilo::NotFoundError*>(&e) != nullptr) return "NotFoundError";
  if (dynamic_cast<const impilo::RateLimitError*>(&e) != nullptr) return "RateLimitError";
  if (dynamic_cast<const impilo::ServerError*>(&e) != nullptr) return "ServerError";
  return "ApiError";
}

struct Thrown {
  std::string type;
  int status = 0;
  ErrorCode code = ErrorCode::unknown;
  std::string message;
  std::string body;
  std::string what;
};

/// Calls throw_api_error and records what it threw. Anything but an ApiError escapes, and Catch
/// reports it as a failure.
Thrown thrown_by(int status, const std::string& body) {
  try {
    impilo::throw_api_error(status, body);
  } catch (const impilo::ApiError& e) {
    return {class_name(e), e.status(), e.code(), e.message(), e.body(), e.what()};
  }
}

std::string expected_class(int status) {
  switch (status) {
    case 400:
      return "BadRequestError";
    case 401:
      return "AuthenticationError";
    case 403:
      return "PermissionDeniedError";
    case 404:
      return "NotFoundError";
    case 429:
      return "RateLimitError";
    default:
      return "ServerError";
  }
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- The documented server texts (docs/error-handling.md), written out independently of the SDK
// ------

struct Documented {
  int status;
  std::string text;
  ErrorCode code;
};

const std::vector<Documented> documented_texts{
    {400,
     "Order must contain at least one of: orderItems, orderKits, returnItems, returnDevices, or "
     "returnPackedKits",
     ErrorCode::order_content_required},
    {400, "shippingOption is required when emailLabel is false and return items are included",
     ErrorCode::shipping_option_required},
    {400, "patient or site required", ErrorCode::patient_or_site_required},
    {400, "insufficient_inventory", ErrorCode::insufficient_inventory},
    {400, "item_not_orderable", ErrorCode::item_not_orderable},
    {400, "Order contains Items that are marked as non-orderable. Order cannot be placed.",
     ErrorCode::item_not_orderable},
    {400, "max_one_loaner_kit", ErrorCode::max_one_loaner_kit},
    {400, "qty_over_one_loaner_kit", ErrorCode::qty_over_one_loaner_kit},
    {400, "no_returns_with_loaner_kit", ErrorCode::no_returns_with_loaner_kit},
    {400, "no_loaner_kit_to_site", ErrorCode::no_loaner_kit_to_site},
    {400, "Device cannot be included both as a return device and in a packed kit",
     ErrorCode::device_in_return_and_packed_kit},
    {400, "patient_does_not_exist", ErrorCode::patient_does_not_exist},
    {400, "invalid_order", ErrorCode::invalid_order},
    {400, "Patient required", ErrorCode::patient_required},
    {400, "Must provide a non-blank string for firstName.", ErrorCode::patient_first_name_required},
    {400, "Must provide a non-blank string for lastName.", ErrorCode::patient_last_name_required},
    {400, "Must provide an Address for Patient.", ErrorCode::patient_address_required},
    {400, "Site 42 not found", ErrorCode::site_not_found},
    {400, "Site -3 not found", ErrorCode::site_not_found},
    {400, "Unable to find the Site provided.", ErrorCode::site_not_found},
    {400, "Site 7 not active", ErrorCode::site_not_active},
    {400, "Must provide a Line One value in the Address.", ErrorCode::address_line_one_required},
    {400, "Must provide a City value in the Address.", ErrorCode::address_city_required},
    {400, "Must provide a State value in the Address.", ErrorCode::address_state_required},
    {400, "Must provide a Country value in the Address.", ErrorCode::address_country_required},
    {400, "Must provide a Zip Code value in the Address.", ErrorCode::address_zip_code_required},
    {400, "Invalid JSON format", ErrorCode::invalid_json},
    {400, "Invalid data provided", ErrorCode::invalid_data},
    {403, "Access Denied", ErrorCode::access_denied},
    {403, "The requested feature has been disabled.", ErrorCode::feature_disabled},
    {403, "The requested resource is forbidden.", ErrorCode::forbidden},
};

// ---- The body shapes a server or proxy may send ----------------------------------------------

using Json = nlohmann::json;

struct Shape {
  const char* name;
  std::string (*body)(const std::string& text);
  std::string (*message)(const std::string& text);  ///< What ApiError::message() must be.
};

std::string same(const std::string& text) {
  return text;
}

const std::vector<Shape> body_shapes{
    {"{\"message\"}",
     [](const std::string& t) {
       return Json{{"message", t}}.dump();
     },
     same},
    {"{\"error\"}",
     [](const std::string& t) {
       return Json{{"error", t}}.dump();
     },
     same},
    {"Spring error and message",
     [](const std::string& t) {
       return Json{{"timestamp", "2024-05-01T10:00:00.000+00:00"},
                   {"status", 400},
                   {"error", "Bad Request"},
                   {"message", t},
                   {"path", "/api/v3/order"}}
           .dump(2);
     },
     same},
    {"{\"error\": {\"message\"}}",
     [](const std::string& t) {
       return Json{{"error", {{"message", t}}}}.dump();
     },
     same},
    {"errors: strings",
     [](const std::string& t) {
       return Json{{"errors", {"Request rejected", t}}}.dump();
     },
     [](const std::string& t) { return "Request rejected; " + t; }},
    {"errors: objects",
     [](const std::string& t) {
       return Json{{"errors", {{{"message", t}}, {{"message", "see the API documentation"}}}}}
           .dump();
     },
     [](const std::string& t) { return t + "; see the API documentation"; }},
    {"bare JSON string", [](const std::string& t) { return Json(t).dump(); }, same},
    {"plain text", [](const std::string& t) { return "  " + t + "\r\n"; }, same},
    {"HTML",
     [](const std::string& t) {
       return "<html><head><title>Error</title></head><body><p>" + t + "</p></body></html>";
     },
     [](const std::string& t) {
       return "<html><head><title>Error</title></head><body><p>" + t + "</p></body></html>";
     }},
};

}  // namespace

TEST_CASE("every documented server text maps to its code in every body shape", "[errors]") {
  const Documented doc = GENERATE(from_range(documented_texts));
  const Shape shape = GENERATE(from_range(body_shapes));
  const std::string body = shape.body(doc.text);
  INFO("shape: " << shape.name << "\nbody: " << body);

  const Thrown e = thrown_by(doc.status, body);
  CHECK(e.type == expected_class(doc.status));
  CHECK(e.status == doc.status);
  CHECK(e.code == doc.code);
  CHECK(e.message == shape.message(doc.text));
  CHECK(e.body == body);
  CHECK(impilo::extract_error_message(body) == shape.message(doc.text));
}

TEST_CASE("error_code_from_message classifies the bare documented texts", "[errors]") {
  for (const Documented& doc : documented_texts) {
    INFO(doc.text);
    CHECK(impilo::error_code_from_message(doc.text) == doc.code);
  }
}

TEST_CASE("a 401 is unauthorized whatever its body says", "[errors]") {
  const std::string body =
      GENERATE(as<std::string>{}, "", R"({"message":"insufficient_inventory"})", "Access Denied",
               R"({"error":"Unauthorized"})",
               "<html><body>401 Authorization Required</body></html>", "API key expired");
  INFO("body: " << body);
  const Thrown e = thrown_by(401, body);
  CHECK(e.type == "AuthenticationError");
  CHECK(e.status == 401);
  CHECK(e.code == ErrorCode::unauthorized);
  CHECK(e.body == body);
  CHECK(e.message == impilo::extract_error_message(body));
}

TEST_CASE("the server's message is still extracted from a 401 body", "[errors]") {
  const Thrown e = thrown_by(401, R"({"message":"API key expired"})");
  CHECK(e.message == "API key expired");
  CHECK(e.what == "HTTP 401 unauthorized: API key expired");
}

TEST_CASE("each status gets its exception class", "[errors]") {
  struct Case {
    int status;
    const char* type;
  };
  const Case c = GENERATE(values<Case>({{400, "BadRequestError"},
                                        {401, "AuthenticationError"},
                                        {403, "PermissionDeniedError"},
                                        {404, "NotFoundError"},
                                        {429, "RateLimitError"},
                                        {500, "ServerError"},
                                        {502, "ServerError"},
                                        {503, "ServerError"},
                                        {504, "ServerError"},
                                        {408, "ServerError"},
                                        {409, "ServerError"},
                                        {422, "ServerError"},
                                        {200, "ServerError"}}));
  INFO("status " << c.status);
  const Thrown e = thrown_by(c.status, R"({"message":"Something odd happened"})");
  CHECK(e.type == c.type);
  CHECK(e.status == c.status);
  CHECK(e.message == "Something odd happened");
  const ErrorCode by_status = c.status == 401   ? ErrorCode::unauthorized
                              : c.status == 404 ? ErrorCode::not_found
                                                : ErrorCode::unknown;
  CHECK(e.code == by_status);
}

TEST_CASE("every thrown ApiError is an impilo::Error and a std::runtime_error", "[errors]") {
  const int status = GENERATE(400, 401, 403, 404, 429, 500);
  CHECK_THROWS_AS(impilo::throw_api_error(status, "x"), impilo::ApiError);
  CHECK_THROWS_AS(impilo::throw_api_error(status, "x"), impilo::Error);
  CHECK_THROWS_AS(impilo::throw_api_error(status, "x"), std::runtime_error);
}

TEST_CASE("403 texts other than the documented ones are forbidden-class but unknown", "[errors]") {
  const Thrown e = thrown_by(403, "<html><body><h1>403 Forbidden</h1></body></html>");
  CHECK(e.type == "PermissionDeniedError");
  CHECK(e.code == ErrorCode::unknown);
  CHECK(e.message == "<html><body><h1>403 Forbidden</h1></body></html>");
}

TEST_CASE("404, 429 and 5xx answers keep their text", "[errors]") {
  SECTION("404") {
    const Thrown e = thrown_by(404, R"({"error":"Order 12 not found"})");
    CHECK(e.type == "NotFoundError");
    CHECK(e.code == ErrorCode::not_found);
    CHECK(e.message == "Order 12 not found");
  }
  SECTION("429") {
    const Thrown e = thrown_by(429, "Too Many Requests");
    CHECK(e.type == "RateLimitError");
    CHECK(e.message == "Too Many Requests");
    CHECK(e.what == "HTTP 429 unknown: Too Many Requests");
  }
  SECTION("500 Spring error") {
    const std::string body =
        R"({"timestamp":"2024-05-01T10:00:00Z","status":500,"error":"Internal Server Error","path":"/api/v3/order"})";
    const Thrown e = thrown_by(500, body);
    CHECK(e.type == "ServerError");
    CHECK(e.code == ErrorCode::unknown);
    CHECK(e.message == "Internal Server Error");
    CHECK(e.body == body);
  }
}

TEST_CASE("a code word inside a longer sentence still maps", "[errors]") {
  struct Case {
    const char* text;
    ErrorCode code;
  };
  const Case c = GENERATE(values<Case>({
      {"Order rejected: insufficient_inventory at all sites", ErrorCode::insufficient_inventory},
      {"error=qty_over_one_loaner_kit.", ErrorCode::qty_over_one_loaner_kit},
      {"(no_loaner_kit_to_site)", ErrorCode::no_loaner_kit_to_site},
      {"[patient_does_not_exist] patient 9", ErrorCode::patient_does_not_exist},
      {"validation: invalid_order", ErrorCode::invalid_order},
      {"item_not_orderable: item 5", ErrorCode::item_not_orderable},
      {"insufficient_inventory-3", ErrorCode::insufficient_inventory},
      // A glued occurrence does not hide a free one later in the text.
      {"x_insufficient_inventory, then insufficient_inventory", ErrorCode::insufficient_inventory},
      // Two code words: the first in the text wins.
      {"max_one_loaner_kit and no_returns_with_loaner_kit", ErrorCode::max_one_loaner_kit},
      {"no_returns_with_loaner_kit and max_one_loaner_kit", ErrorCode::no_returns_with_loaner_kit},
      // A code word wins over a documented sentence.
      {"Patient required (invalid_order)", ErrorCode::invalid_order},
  }));
  INFO(c.text);
  CHECK(impilo::error_code_from_message(c.text) == c.code);
  const Thrown e = thrown_by(400, Json{{"message", c.text}}.dump());
  CHECK(e.code == c.code);
  CHECK(e.message == c.text);
}

TEST_CASE("a code word glued to other word characters does not map", "[errors]") {
  const std::string text =
      GENERATE(as<std::string>{}, "insufficient_inventory_v2", "xinsufficient_inventory",
               "insufficient_inventory2", "my_invalid_order", "invalid_orders",
               "_max_one_loaner_kit", "INSUFFICIENT_INVENTORY", "insufficient inventory");
  INFO(text);
  CHECK(impilo::error_code_from_message(text) == ErrorCode::unknown);
  const Thrown e = thrown_by(400, text);
  CHECK(e.code == ErrorCode::unknown);
  CHECK(e.message == text);
}

TEST_CASE("documented sentences match inside longer texts and ignoring case", "[errors]") {
  struct Case {
    const char* text;
    ErrorCode code;
  };
  const Case c = GENERATE(values<Case>({
      {"Validation failed: Must provide a City value in the Address. (patient.address)",
       ErrorCode::address_city_required},
      {"INVALID JSON FORMAT", ErrorCode::invalid_json},
      {"access denied", ErrorCode::access_denied},
      {"Error: Site 12345678901234567890 not found", ErrorCode::site_not_found},
      {"site 5 NOT ACTIVE", ErrorCode::site_not_active},
      {"Patient has no address: Site 0 not found.", ErrorCode::site_not_found},
  }));
  INFO(c.text);
  CHECK(impilo::error_code_from_message(c.text) == c.code);
}

TEST_CASE("near misses of the site sentences stay unknown", "[errors]") {
  const std::string text =
      GENERATE(as<std::string>{}, "Site  not found", "Site abc not found", "Site 4 was not found",
               "Website 4 not found", "Site 4not active", "Site - not found", "Site 4 is active");
  INFO(text);
  CHECK(impilo::error_code_from_message(text) == ErrorCode::unknown);
}

TEST_CASE("an unknown text is kept whole with code unknown", "[errors]") {
  const std::string text = "Something went wrong: \xE2\x98\x83 \"quoted\" {braces} \\ back";
  SECTION("in a JSON message") {
    const Thrown e = thrown_by(400, Json{{"message", text}}.dump());
    CHECK(e.code == ErrorCode::unknown);
    CHECK(e.message == text);
  }
  SECTION("as plain text") {
    const Thrown e = thrown_by(400, text);
    CHECK(e.code == ErrorCode::unknown);
    CHECK(e.message == text);
    CHECK(e.body == text);
  }
  SECTION("multi-line plain text keeps its lines in message()") {
    const Thrown e = thrown_by(400, "line one\nline two\n");
    CHECK(e.message == "line one\nline two");
    CHECK(e.what == "HTTP 400 unknown: line one line two");
  }
}

TEST_CASE("an HTML page from a proxy is kept whole", "[errors]") {
  SECTION("nothing documented in it") {
    const std::string body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    const Thrown e = thrown_by(502, body);
    CHECK(e.type == "ServerError");
    CHECK(e.code == ErrorCode::unknown);
    CHECK(e.message == body);
    CHECK(e.body == body);
  }
  SECTION("a code word inside it still maps") {
    const std::string body = "<html><body><pre>insufficient_inventory</pre></body></html>";
    const Thrown e = thrown_by(400, body);
    CHECK(e.code == ErrorCode::insufficient_inventory);
    CHECK(e.message == body);
  }
}

TEST_CASE("an empty body gives an empty message and a meaningful what()", "[errors]") {
  const std::string body = GENERATE(as<std::string>{}, "", " \r\n");
  const Thrown e = thrown_by(503, body);
  CHECK(e.type == "ServerError");
  CHECK(e.code == ErrorCode::unknown);
  CHECK(e.message.empty());
  CHECK(e.body == body);
  CHECK(e.what == "HTTP 503 unknown: (empty body)");
  CHECK(impilo::extract_error_message(body).empty());
}

TEST_CASE("a malformed JSON body is taken as text", "[errors]") {
  SECTION("with a code word in it") {
    const std::string body = R"({"message": "insufficient_inventory")";
    const Thrown e = thrown_by(400, body);
    CHECK(e.type == "BadRequestError");
    CHECK(e.code == ErrorCode::insufficient_inventory);
    CHECK(e.message == body);
  }
  SECTION("without one") {
    const std::string body = GENERATE(as<std::string>{}, "{", "[1, 2", R"("unterminated)",
                                      R"({"message": 'single quotes'})", "{\"a\":\xFF}");
    INFO(body);
    const Thrown e = thrown_by(400, body);
    CHECK(e.type == "BadRequestError");
    CHECK(e.code == ErrorCode::unknown);
    CHECK(e.message == body);
  }
}

TEST_CASE("errors arrays give every message and the first code that maps", "[errors]") {
  SECTION("strings") {
    const Thrown e = thrown_by(400, R"({"errors":["Must provide a City value in the Address.",
                                                   "Must provide a State value in the Address."]})");
    CHECK(e.code == ErrorCode::address_city_required);
    CHECK(e.message ==
          "Must provide a City value in the Address.; Must provide a State value in the Address.");
  }
  SECTION("objects") {
    const Thrown e = thrown_by(
        400,
        R"({"errors":[{"field":"count","message":"must be positive"},{"message":"invalid_order"}]})");
    CHECK(e.code == ErrorCode::invalid_order);
    CHECK(e.message == "must be positive; invalid_order");
  }
  SECTION("elements without text are skipped") {
    const Thrown e = thrown_by(
        400, R"({"errors":[42, null, {"field":"x"}, "", "insufficient_inventory", ["nested"]]})");
    CHECK(e.code == ErrorCode::insufficient_inventory);
    CHECK(e.message == "insufficient_inventory");
  }
  SECTION("a bare JSON array of strings") {
    const Thrown e = thrown_by(400, R"(["Patient required", "Invalid data provided"])");
    CHECK(e.code == ErrorCode::patient_required);
    CHECK(e.message == "Patient required; Invalid data provided");
  }
}

TEST_CASE("message wins over error, and a blank one does not", "[errors]") {
  SECTION("Spring error with a blank message shows the error") {
    const Thrown e = thrown_by(400, R"({"status":400,"error":"Bad Request","message":""})");
    CHECK(e.message == "Bad Request");
    CHECK(e.code == ErrorCode::unknown);
  }
  SECTION("a code in error still classifies when message says nothing documented") {
    const Thrown e =
        thrown_by(400, R"({"message":"Bad request","error":"insufficient_inventory"})");
    CHECK(e.message == "Bad request");
    CHECK(e.code == ErrorCode::insufficient_inventory);
  }
  SECTION("message and errors: message is shown, errors still classify") {
    const Thrown e = thrown_by(
        400, R"({"message":"Validation failed","errors":[{"message":"Patient required"}]})");
    CHECK(e.message == "Validation failed");
    CHECK(e.code == ErrorCode::patient_required);
  }
}

TEST_CASE("a JSON body of no known shape is kept as text", "[errors]") {
  SECTION("an object without message, error or errors") {
    const std::string body = R"({"detail": "nope", "status": 400})";
    const Thrown e = thrown_by(400, "\n" + body + "\n");
    CHECK(e.message == body);
    CHECK(e.code == ErrorCode::unknown);
  }
  SECTION("a code word in it still maps") {
    const Thrown e = thrown_by(400, R"({"detail":"insufficient_inventory"})");
    CHECK(e.message == R"({"detail":"insufficient_inventory"})");
    CHECK(e.code == ErrorCode::insufficient_inventory);
  }
  SECTION("a message that is not a string") {
    const Thrown e = thrown_by(400, R"({"message": 42})");
    CHECK(e.message == R"({"message": 42})");
    CHECK(e.code == ErrorCode::unknown);
  }
  SECTION("a number") {
    CHECK(thrown_by(500, "42").message == "42");
  }
}

TEST_CASE("what() of an ApiError stays short for a huge body", "[errors]") {
  SECTION("an HTML page of a megabyte") {
    std::string body = "<html><body>\n";
    while (body.size() < 1'000'000) {
      body += "<p>upstream failure, please retry later</p>\n";
    }
    body += "</body></html>";
    const Thrown e = thrown_by(502, body);
    CHECK(e.what.size() <= 350);
    CHECK(e.what.rfind("HTTP 502 unknown: <html><body> <p>upstream failure", 0) == 0);
    CHECK(e.what.substr(e.what.size() - 3) == "...");
    CHECK_FALSE(contains(e.what, "\n"));
    CHECK(e.message == body);
    CHECK(e.body == body);
  }
  SECTION("a long JSON message") {
    const std::string text = "insufficient_inventory " + std::string(5000, 'x');
    const Thrown e = thrown_by(400, Json{{"message", text}}.dump());
    CHECK(e.code == ErrorCode::insufficient_inventory);
    CHECK(e.what.size() <= 350);
    CHECK(e.message == text);
  }
  SECTION("the cut never splits a UTF-8 character") {
    // One ASCII byte first, so that the byte limit falls inside a two-byte character.
    std::string text = "a";
    for (int i = 0; i < 400; ++i) {
      text += "\xC3\xA9";  // U+00E9
    }
    const impilo::ApiError e(400, ErrorCode::unknown, text, "");
    const std::string what = e.what();
    const std::string prefix = "HTTP 400 unknown: ";
    REQUIRE(what.rfind(prefix, 0) == 0);
    REQUIRE(what.substr(what.size() - 3) == "...");
    const std::string shown = what.substr(prefix.size(), what.size() - prefix.size() - 3);
    REQUIRE(shown.size() > 100);
    CHECK(shown == text.substr(0, shown.size()));
    CHECK(shown.size() % 2 == 1);  // "a" and whole characters only
  }
  SECTION("a message just under the limit is shown whole") {
    const std::string text(290, 'a');
    const impilo::ApiError e(400, ErrorCode::unknown, text, text);
    CHECK(std::string(e.what()) == "HTTP 400 unknown: " + text);
  }
}

TEST_CASE("a 404 is not_found and says which request was not found", "[errors]") {
  try {
    impilo::throw_api_error(404, R"({"message":"Order not found"})", "GET /api/v3/order/99");
    FAIL("nothing thrown");
  } catch (const impilo::NotFoundError& e) {
    CHECK(e.code() == ErrorCode::not_found);
    CHECK(e.request() == "GET /api/v3/order/99");
    CHECK(std::string(e.what()) == "HTTP 404 not_found from GET /api/v3/order/99: Order not found");
  }
  SECTION("a more specific text keeps its code") {
    CHECK(thrown_by(404, R"({"message":"Site 4 not found"})").code == ErrorCode::site_not_found);
  }
  SECTION("an empty 404") {
    const Thrown e = thrown_by(404, "");
    CHECK(e.code == ErrorCode::not_found);
    CHECK(e.what == "HTTP 404 not_found: (empty body)");
  }
  CHECK(impilo::server_message(ErrorCode::not_found).empty());
  CHECK(impilo::error_code_from_message("not_found") == ErrorCode::unknown);  // status decides
}

TEST_CASE("what() does not repeat a message that is only the code", "[errors]") {
  CHECK(thrown_by(400, R"({"message":"insufficient_inventory"})").what ==
        "HTTP 400 insufficient_inventory");
  CHECK(thrown_by(400, " max_one_loaner_kit\n").what == "HTTP 400 max_one_loaner_kit");
  const impilo::BadRequestError e(400, ErrorCode::insufficient_inventory, "insufficient_inventory",
                                  "", "POST /api/v3/order");
  CHECK(std::string(e.what()) == "HTTP 400 insufficient_inventory from POST /api/v3/order");
  // A longer text holding the code word is shown whole.
  CHECK(thrown_by(400, R"({"message":"insufficient_inventory for item 7"})").what ==
        "HTTP 400 insufficient_inventory: insufficient_inventory for item 7");
}

TEST_CASE("every TransportError kind has its snake_case name", "[errors]") {
  using Kind = impilo::TransportError::Kind;
  CHECK(impilo::to_string(Kind::connect) == "connect");
  CHECK(impilo::to_string(Kind::tls) == "tls");
  CHECK(impilo::to_string(Kind::timeout) == "timeout");
  CHECK(impilo::to_string(Kind::connection_cut) == "connection_cut");
  CHECK(impilo::to_string(Kind::too_large) == "too_large");
  CHECK(impilo::to_string(Kind::other) == "other");
  CHECK(impilo::to_string(static_cast<Kind>(999)) == "other");
}

TEST_CASE("ApiError built directly", "[errors]") {
  const impilo::BadRequestError e(400, ErrorCode::insufficient_inventory, "Order rejected",
                                  R"({"message":"Order rejected"})");
  CHECK(std::string(e.what()) == "HTTP 400 insufficient_inventory: Order rejected");
  CHECK(e.status() == 400);
  CHECK(e.code() == ErrorCode::insufficient_inventory);
  CHECK(e.message() == "Order rejected");
  CHECK(e.body() == R"({"message":"Order rejected"})");
  CHECK(e.request().empty());

  const impilo::ServerError without_message(502, ErrorCode::unknown, "", "Bad Gateway");
  CHECK(std::string(without_message.what()) == "HTTP 502 unknown: Bad Gateway");
}

TEST_CASE("every error code has its snake_case name, and names round-trip", "[errors]") {
  struct Case {
    ErrorCode code;
    const char* name;
  };
  const std::vector<Case> all{
      {ErrorCode::order_content_required, "order_content_required"},
      {ErrorCode::shipping_option_required, "shipping_option_required"},
      {ErrorCode::patient_or_site_required, "patient_or_site_required"},
      {ErrorCode::insufficient_inventory, "insufficient_inventory"},
      {ErrorCode::item_not_orderable, "item_not_orderable"},
      {ErrorCode::max_one_loaner_kit, "max_one_loaner_kit"},
      {ErrorCode::qty_over_one_loaner_kit, "qty_over_one_loaner_kit"},
      {ErrorCode::no_returns_with_loaner_kit, "no_returns_with_loaner_kit"},
      {ErrorCode::no_loaner_kit_to_site, "no_loaner_kit_to_site"},
      {ErrorCode::device_in_return_and_packed_kit, "device_in_return_and_packed_kit"},
      {ErrorCode::patient_does_not_exist, "patient_does_not_exist"},
      {ErrorCode::invalid_order, "invalid_order"},
      {ErrorCode::patient_required, "patient_required"},
      {ErrorCode::patient_first_name_required, "patient_first_name_required"},
      {ErrorCode::patient_last_name_required, "patient_last_name_required"},
      {ErrorCode::patient_address_required, "patient_address_required"},
      {ErrorCode::site_not_found, "site_not_found"},
      {ErrorCode::site_not_active, "site_not_active"},
      {ErrorCode::address_line_one_required, "address_line_one_required"},
      {ErrorCode::address_city_required, "address_city_required"},
      {ErrorCode::address_state_required, "address_state_required"},
      {ErrorCode::address_country_required, "address_country_required"},
      {ErrorCode::address_zip_code_required, "address_zip_code_required"},
      {ErrorCode::invalid_json, "invalid_json"},
      {ErrorCode::invalid_data, "invalid_data"},
      {ErrorCode::unauthorized, "unauthorized"},
      {ErrorCode::access_denied, "access_denied"},
      {ErrorCode::feature_disabled, "feature_disabled"},
      {ErrorCode::forbidden, "forbidden"},
      {ErrorCode::not_found, "not_found"},
      {ErrorCode::unknown, "unknown"},
  };
  REQUIRE(all.size() == static_cast<std::size_t>(ErrorCode::unknown) + 1);
  for (const Case& c : all) {
    INFO(c.name);
    CHECK(impilo::to_string(c.code) == c.name);
    CHECK(impilo::error_code_from_string(c.name) == c.code);
    CHECK(impilo::error_code_from_string(impilo::to_string(c.code)) == c.code);
  }
  CHECK(impilo::error_code_from_string("") == std::nullopt);
  CHECK(impilo::error_code_from_string("Insufficient_Inventory") == std::nullopt);
  CHECK(impilo::error_code_from_string("insufficient_inventory ") == std::nullopt);
  CHECK(impilo::error_code_from_string("not_a_code") == std::nullopt);
  CHECK(impilo::to_string(static_cast<ErrorCode>(999)) == "unknown");
}

TEST_CASE("server_message gives the documented sentence, which maps back", "[errors]") {
  struct Case {
    ErrorCode code;
    const char* sentence;
  };
  const std::vector<Case> all{
      {ErrorCode::order_content_required,
       "Order must contain at least one of: orderItems, orderKits, returnItems, returnDevices, or "
       "returnPackedKits"},
      {ErrorCode::shipping_option_required,
       "shippingOption is required when emailLabel is false and return items are included"},
      {ErrorCode::patient_or_site_required, "patient or site required"},
      {ErrorCode::insufficient_inventory, "insufficient_inventory"},
      {ErrorCode::item_not_orderable,
       "Order contains Items that are marked as non-orderable. Order cannot be placed."},
      {ErrorCode::max_one_loaner_kit, "max_one_loaner_kit"},
      {ErrorCode::qty_over_one_loaner_kit, "qty_over_one_loaner_kit"},
      {ErrorCode::no_returns_with_loaner_kit, "no_returns_with_loaner_kit"},
      {ErrorCode::no_loaner_kit_to_site, "no_loaner_kit_to_site"},
      {ErrorCode::device_in_return_and_packed_kit,
       "Device cannot be included both as a return device and in a packed kit"},
      {ErrorCode::patient_does_not_exist, "patient_does_not_exist"},
      {ErrorCode::invalid_order, "invalid_order"},
      {ErrorCode::patient_required, "Patient required"},
      {ErrorCode::patient_first_name_required, "Must provide a non-blank string for firstName."},
      {ErrorCode::patient_last_name_required, "Must provide a non-blank string for lastName."},
      {ErrorCode::patient_address_required, "Must provide an Address for Patient."},
      {ErrorCode::site_not_found, "Unable to find the Site provided."},
      {ErrorCode::site_not_active, ""},
      {ErrorCode::address_line_one_required, "Must provide a Line One value in the Address."},
      {ErrorCode::address_city_required, "Must provide a City value in the Address."},
      {ErrorCode::address_state_required, "Must provide a State value in the Address."},
      {ErrorCode::address_country_required, "Must provide a Country value in the Address."},
      {ErrorCode::address_zip_code_required, "Must provide a Zip Code value in the Address."},
      {ErrorCode::invalid_json, "Invalid JSON format"},
      {ErrorCode::invalid_data, "Invalid data provided"},
      {ErrorCode::unauthorized, ""},
      {ErrorCode::access_denied, "Access Denied"},
      {ErrorCode::feature_disabled, "The requested feature has been disabled."},
      {ErrorCode::forbidden, "The requested resource is forbidden."},
      {ErrorCode::not_found, ""},
      {ErrorCode::unknown, ""},
  };
  REQUIRE(all.size() == static_cast<std::size_t>(ErrorCode::unknown) + 1);
  for (const Case& c : all) {
    INFO(impilo::to_string(c.code));
    CHECK(impilo::server_message(c.code) == c.sentence);
    if (!impilo::server_message(c.code).empty()) {
      // No sentence is shadowed by another: each one classifies as its own code.
      CHECK(impilo::error_code_from_message(impilo::server_message(c.code)) == c.code);
    }
  }
  CHECK(impilo::server_message(static_cast<ErrorCode>(999)).empty());
}

TEST_CASE("ValidationError lists every violation in what()", "[errors]") {
  const std::vector<impilo::Violation> violations{
      {"/patient/address/city", ErrorCode::address_city_required,
       "Must provide a City value in the Address."},
      {"/orderItems/0/count", ErrorCode::invalid_data, "count must be at least 1"},
      {"", ErrorCode::order_content_required, ""},
  };
  const impilo::ValidationError e(violations);
  CHECK(std::string(e.what()) ==
        "request is invalid: /patient/address/city: address_city_required: Must provide a City "
        "value in the Address.; /orderItems/0/count: invalid_data: count must be at least 1; "
        "(root): order_content_required");
  CHECK(e.violations() == violations);
  CHECK_THROWS_AS(throw e, impilo::Error);
}

TEST_CASE("DecodeError names the JSON pointer", "[errors]") {
  const impilo::DecodeError at_member("/orderItems/2/count", "expected an integer, got a string");
  CHECK(std::string(at_member.what()) == "/orderItems/2/count: expected an integer, got a string");
  CHECK(at_member.pointer() == "/orderItems/2/count");

  const impilo::DecodeError at_root("", "not JSON");
  CHECK(std::string(at_root.what()) == "(root): not JSON");
  CHECK(at_root.pointer().empty());
  CHECK_THROWS_AS(throw at_root, impilo::Error);
}
