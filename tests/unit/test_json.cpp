#include <fstream>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "catch.hpp"

using nlohmann::json;

namespace {

json load(const std::string& name) {
  std::ifstream in(std::string(IMPILO_TEST_DATA_DIR) + "/" + name);
  REQUIRE(in.good());
  return json::parse(in);
}

/// Adds an unknown member to every object in @p j, at every depth, with a nested value that must
/// survive verbatim.
void inject_unknowns(json& j, int depth = 0) {
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) inject_unknowns(value, depth + 1);
    j["futureField" + std::to_string(depth)] = {{"nested", {1, "two", nullptr, 3.5}},
                                                {"flag", true}};
  } else if (j.is_array()) {
    for (auto& element : j) inject_unknowns(element, depth + 1);
  }
}

std::string decode_error_of(const json& j) {
  try {
    (void)j.get<impilo::Order>();
  } catch (const impilo::DecodeError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the seeds' full Order decodes into typed fields", "[json]") {
  const auto order = load("order.json").get<impilo::Order>();

  REQUIRE(order.id == 0);
  REQUIRE(order.external_order_ids == std::vector<std::string>{"string"});
  REQUIRE(order.patient->first_name == "John");
  REQUIRE(order.patient->date_of_birth == "1980-01-01");
  REQUIRE(order.patient->sex == impilo::SexValue::other);
  REQUIRE(order.patient->address->zip_code == "string");
  REQUIRE(order.patient->site->active == true);
  REQUIRE(order.current_status == impilo::OrderStatusValue::available_for_pickup);
  REQUIRE(order.order_items->at(0).item->manufacturer->id == 1);
  REQUIRE(order.order_kits->at(0).kit->kit_items->at(0).item->orderable == true);
  REQUIRE(order.order_notes->at(0).created_by->email == "string");
  REQUIRE(order.tracking_numbers->at(0).carrier == "string");
  REQUIRE(order.devices->at(0).current_patient->last_name == "Doe");
  REQUIRE(order.devices->at(0).device_identifiers->at(0).type == "string");
  REQUIRE(order.packed_kits->at(0).devices->at(0).disabled_readings == true);
  REQUIRE(order.shipping_option == impilo::ShippingOptionValue::standard);
  REQUIRE(order.unknown_fields.empty());

  // A device status the SDK does not know ("string" in the sample) is kept, not rejected.
  const auto& status = *order.devices->at(0).current_status;
  REQUIRE_FALSE(status.is_known());
  REQUIRE(status.str() == "string");
}

TEST_CASE("the seeds' three documents survive decode and re-encode unchanged", "[json]") {
  SECTION("full Order") {
    const json original = load("order.json");
    REQUIRE(json(original.get<impilo::Order>()) == original);
  }
  SECTION("create request") {
    const json original = load("create_order_request.json");
    REQUIRE(json(original.get<impilo::CreateOrderRequest>()) == original);
  }
  SECTION("list page") {
    const json original = load("order_page.json");
    const auto page = original.get<impilo::Page<impilo::Order>>();
    REQUIRE(page.content.size() == 1);
    REQUIRE(page.last == true);
    REQUIRE(json(page) == original);
  }
}

TEST_CASE("unknown members at every level survive a round trip", "[json]") {
  const auto file =
      GENERATE(as<std::string>{}, "order.json", "create_order_request.json", "order_page.json");
  json injected = load(file);
  inject_unknowns(injected);
  CAPTURE(file);

  json again;
  if (file == "create_order_request.json") {
    again = injected.get<impilo::CreateOrderRequest>();
  } else if (file == "order.json") {
    again = injected.get<impilo::Order>();
  } else {
    again = injected.get<impilo::Page<impilo::Order>>();
  }
  REQUIRE(again == injected);
}

TEST_CASE("unknown members are visible and take part in equality", "[json]") {
  json with = load("order.json");
  with["patient"]["address"]["geo"] = {{"lat", 1.5}, {"lon", -2.25}};
  const auto a = with.get<impilo::Order>();
  const auto b = load("order.json").get<impilo::Order>();

  REQUIRE(a.patient->address->unknown_fields.json_text() == R"({"geo":{"lat":1.5,"lon":-2.25}})");
  REQUIRE(a != b);
  REQUIRE(a == with.get<impilo::Order>());
}

TEST_CASE("enum values the SDK does not know are kept as sent", "[json]") {
  json j = load("order.json");
  j["currentStatus"] = "inTransit";
  j["shippingOption"] = "sameDay";
  j["patient"]["sex"] = "intersex";

  const auto order = j.get<impilo::Order>();
  REQUIRE(order.current_status->str() == "inTransit");
  REQUIRE_FALSE(order.current_status->known().has_value());
  REQUIRE(order.current_status != impilo::OrderStatusValue::available_for_pickup);
  REQUIRE(order.shipping_option->str() == "sameDay");
  REQUIRE(order.patient->sex->str() == "intersex");
  REQUIRE(json(order) == j);
}

TEST_CASE("open enums convert between known values and wire strings", "[json]") {
  impilo::ShippingOption option = impilo::ShippingOptionValue::overnight;
  REQUIRE(option.str() == "overnight");
  REQUIRE(option.known() == impilo::ShippingOptionValue::overnight);
  REQUIRE(impilo::DeviceStatus(impilo::DeviceStatusValue::with_patient).str() == "withPatient");
  REQUIRE(impilo::OrderStatus::from_string("availableForPickup") ==
          impilo::OrderStatusValue::available_for_pickup);
  REQUIRE(impilo::Sex::from_string("Male").known() == std::nullopt);  // case matters on the wire
}

TEST_CASE("null means absent, and absent is never encoded", "[json]") {
  const json j = {{"id", 7},
                  {"patient", nullptr},
                  {"orderItems", nullptr},
                  {"emailLabel", nullptr},
                  {"currentStatus", nullptr}};
  const auto order = j.get<impilo::Order>();
  REQUIRE(order.id == 7);
  REQUIRE_FALSE(order.patient.has_value());
  REQUIRE_FALSE(order.order_items.has_value());
  REQUIRE_FALSE(order.email_label.has_value());
  REQUIRE_FALSE(order.current_status.has_value());
  REQUIRE(json(order) == json{{"id", 7}});
  REQUIRE(impilo::to_json_text(impilo::Order{}) == "{}");
}

TEST_CASE("an empty list stays apart from an absent one", "[json]") {
  const json j = {{"orderNotes", json::array()}};
  const auto order = j.get<impilo::Order>();
  REQUIRE(order.order_notes.has_value());
  REQUIRE(order.order_notes->empty());
  REQUIRE(json(order) == j);
}

TEST_CASE("a request built in C++ encodes exactly as the seeds' example", "[json]") {
  impilo::CreateOrderRequest request;
  request.external_order_ids = {"xyz_123_0", "xyz_123_1", "xyz_123_2", "xyz_123_3"};
  request.patient = impilo::Patient::with_id(1234);
  request.patient->sex = impilo::SexValue::unknown;
  request.order_items.emplace();
  request.order_kits.emplace();
  for (std::int64_t id = 1000; id <= 1003; ++id) {
    request.order_items->push_back(impilo::OrderItem::of(id, 10));
    request.order_kits->push_back(impilo::OrderKit::of(id, 10));
  }
  request.shipping_option = impilo::ShippingOptionValue::standard;

  REQUIRE(json(request) == load("create_order_request.json"));
  REQUIRE(load("create_order_request.json").get<impilo::CreateOrderRequest>() == request);
}

TEST_CASE("a request can carry a field the SDK does not know yet", "[json]") {
  impilo::CreateOrderRequest request;
  request.site = impilo::Site::with_id(5);
  request.order_items = {impilo::OrderItem::of(1, 1)};
  request.unknown_fields =
      impilo::UnknownFields::from_json_text(R"({"priority":"high","site":{"id":999}})");

  const json sent = request;
  REQUIRE(sent["priority"] == "high");
  REQUIRE(sent["site"] == json{{"id", 5}});  // the typed field wins over a same-named extra
}

TEST_CASE("UnknownFields accepts only a JSON object", "[json]") {
  REQUIRE(impilo::UnknownFields::from_json_text("{}").empty());
  REQUIRE(impilo::UnknownFields::from_json_text(R"({ "b": 1, "a": [true] })").json_text() ==
          R"({"a":[true],"b":1})");
  REQUIRE_THROWS_AS(impilo::UnknownFields::from_json_text("[1,2]"), impilo::DecodeError);
  REQUIRE_THROWS_AS(impilo::UnknownFields::from_json_text("{oops"), impilo::DecodeError);
}

TEST_CASE("a member of the wrong type names its JSON pointer", "[json]") {
  SECTION("the issue's example") {
    json j = {{"orderItems", json::array()}};
    for (int i = 0; i < 3; ++i)
      j["orderItems"].push_back({{"item", {{"id", i + 1}}}, {"count", 1}});
    j["orderItems"][2]["count"] = "3";
    REQUIRE(decode_error_of(j) == "/orderItems/2/count: expected integer, got string");
  }
  SECTION("deep inside a packed kit's device") {
    json j = load("order.json");
    j["packedKits"][0]["devices"][0]["currentPatient"]["site"]["address"]["zipCode"] = 12345;
    REQUIRE(decode_error_of(j) ==
            "/packedKits/0/devices/0/currentPatient/site/address/zipCode: expected string, got "
            "integer");
  }
  SECTION("an id with a fraction") {
    REQUIRE(decode_error_of({{"id", 1.5}}) == "/id: expected integer, got number with a fraction");
  }
  SECTION("an id beyond int64") {
    REQUIRE(decode_error_of({{"id", 18446744073709551615ULL}}) ==
            "/id: integer out of the 64-bit signed range");
  }
  SECTION("a boolean given as a string") {
    REQUIRE(decode_error_of({{"emailLabel", "false"}}) ==
            "/emailLabel: expected boolean, got string");
  }
  SECTION("a list given as an object") {
    REQUIRE(decode_error_of({{"orderEvents", json::object()}}) ==
            "/orderEvents: expected array, got object");
  }
  SECTION("an enum given as a number") {
    REQUIRE(decode_error_of({{"currentStatus", 3}}) ==
            "/currentStatus: expected string, got integer");
  }
  SECTION("the document itself is not an object") {
    REQUIRE(decode_error_of(json::array()) == "(root): expected object, got array");
  }
}

TEST_CASE("DecodeError exposes the pointer on its own", "[json]") {
  try {
    (void)json{{"devices", {{{"deviceEvents", {{{"type", false}}}}}}}}.get<impilo::Order>();
    FAIL("no DecodeError");
  } catch (const impilo::DecodeError& e) {
    REQUIRE(e.pointer() == "/devices/0/deviceEvents/0/type");
    REQUIRE(e.detail() == "expected string, got boolean");
  }
}

TEST_CASE("text helpers parse and print without nlohmann in user code", "[json]") {
  const std::string text = load("order.json").dump();
  const auto order = impilo::from_json_text<impilo::Order>(text);
  REQUIRE(json::parse(impilo::to_json_text(order)) == json::parse(text));

  SECTION("malformed text is a DecodeError that does not quote the text") {
    const std::string secret = R"({"patient": {"lastName": "Doe-Confidential" )";
    try {
      (void)impilo::from_json_text<impilo::Order>(secret);
      FAIL("no DecodeError");
    } catch (const impilo::DecodeError& e) {
      REQUIRE(e.pointer().empty());
      REQUIRE(std::string(e.what()).find("not valid JSON") != std::string::npos);
      REQUIRE(std::string(e.what()).find("Confidential") == std::string::npos);
    }
  }
}

TEST_CASE("a page without content decodes as an empty page", "[json]") {
  const auto page = impilo::from_json_text<impilo::Page<impilo::Order>>(
      R"({"page":1,"size":15,"total":0,"first":true,"last":true})");
  REQUIRE(page.content.empty());
  REQUIRE(page.total == 0);
}

TEST_CASE("models print as compact JSON with operator<<", "[json]") {
  const json document = load("order.json");
  const auto order = document.get<impilo::Order>();
  std::ostringstream printed;
  printed << order;
  CHECK(printed.str() == impilo::to_json_text(order));
  CHECK(json::parse(printed.str()) == document);
  CHECK(printed.str().find('\n') == std::string::npos);

  std::ostringstream line;
  line << impilo::OrderItem::of(7, 2) << ' ' << impilo::Patient::with_id(5);
  CHECK(line.str() == R"({"count":2,"item":{"id":7}} {"id":5})");

  impilo::Page<impilo::Order> page;
  page.page = 1;
  std::ostringstream page_text;
  page_text << page;
  CHECK(page_text.str() == R"({"content":[],"page":1})");
}
