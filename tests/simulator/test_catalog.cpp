// The catalogue: its JSON form, its checks, the demo catalogue and its file.

#include <algorithm>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::testing::Catalog;
using impilo::testing::SimulatorOptions;
using namespace sim_test;

namespace {

std::string decode_error_pointer(const std::string& text) {
  try {
    Catalog::from_json_text(text);
  } catch (const impilo::DecodeError& e) {
    return e.pointer();
  }
  FAIL("expected a DecodeError");
  return {};
}

std::string inconsistency(const std::string& text) {
  try {
    Catalog::from_json_text(text);
  } catch (const impilo::DecodeError& e) {
    FAIL("expected std::runtime_error, got DecodeError: " << e.what());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("expected a std::runtime_error");
  return {};
}

}  // namespace

TEST_CASE("the demo catalogue has what the tests and demos need", "[simulator]") {
  const Catalog demo_catalog = Catalog::demo();
  CHECK(demo_catalog.api_keys == std::vector<std::string>{"sim-key-1"});
  CHECK(demo_catalog.patients.size() == 3);
  CHECK(std::count_if(demo_catalog.sites.begin(), demo_catalog.sites.end(),
                      [](const impilo::Site& s) { return s.active == false; }) == 1);
  CHECK(std::count_if(demo_catalog.items.begin(), demo_catalog.items.end(),
                      [](const impilo::Item& i) { return i.orderable == false; }) == 1);
  CHECK(std::count_if(demo_catalog.kits.begin(), demo_catalog.kits.end(),
                      [](const impilo::testing::CatalogKit& k) { return k.loaner; }) == 1);
  CHECK(demo_catalog.inventory.at(demo::oximeter) == 3);
  CHECK(demo_catalog.inventory.count(demo::glucose_meter) == 0);
  CHECK(demo_catalog.devices.size() == 4);
}

TEST_CASE("data/demo-catalog.json is the demo catalogue", "[simulator]") {
  const Catalog from_file = Catalog::from_file(IMPILO_DATA_DIR "/demo-catalog.json");
  CHECK(from_file.to_json_text() == Catalog::demo().to_json_text());
}

TEST_CASE("a catalogue survives to_json_text and from_json_text", "[simulator]") {
  const Catalog demo_catalog = Catalog::demo();
  const Catalog again = Catalog::from_json_text(demo_catalog.to_json_text());
  CHECK(again.to_json_text() == demo_catalog.to_json_text());
  CHECK(again.kits.at(2).loaner);
  CHECK(again.kits.at(2).kit.unknown_fields.empty());
}

TEST_CASE("a catalogue that is not the expected JSON is a DecodeError naming where",
          "[simulator]") {
  CHECK(decode_error_pointer("{\"apiKeys\": [") == "");
  CHECK(decode_error_pointer("[]") == "");
  CHECK(decode_error_pointer(R"({"apiKeys": "k"})") == "/apiKeys");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k", 3]})") == "/apiKeys/1");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "items": [{"id": "x"}]})") == "/items/0/id");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "patients": [{"id": 1}, {"address": 5}]})") ==
        "/patients/1/address");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "kits": [{"id": 1, "loaner": "yes"}]})") ==
        "/kits/0/loaner");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "items": [{"id": 1}],
                                 "inventory": {"1": "many"}})") == "/inventory/1");
}

TEST_CASE("a hostile catalogue (too deep, 1e400) is a DecodeError", "[simulator]") {
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "items": [{"id": 1e400}]})") == "");
  CHECK(decode_error_pointer(R"({"apiKeys": ["k"], "x": )" + std::string(100000, '[') +
                             std::string(100000, ']') + "}") == "");
}

TEST_CASE("an inconsistent catalogue is a runtime_error naming the problem", "[simulator]") {
  using Catch::Matchers::Contains;
  CHECK_THAT(inconsistency("{}"), Contains("/apiKeys"));
  CHECK_THAT(inconsistency(R"({"apiKeys": [""]})"), Contains("/apiKeys/0"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "kit": []})"), Contains("/kit: unknown member"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "items": [{"name": "x"}]})"),
             Contains("/items/0/id: required"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "items": [{"id": 1}, {"id": 1}]})"),
             Contains("/items/1/id: 1 appears twice"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "kits": [{"id": 5,
                               "kitItems": [{"item": {"id": 77}, "count": 1}]}]})"),
             Contains("/kits/0/kitItems/0/item/id: 77 is not in /items"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "items": [{"id": 1}], "kits": [{"id": 5,
                               "kitItems": [{"item": {"id": 1}, "count": 0}]}]})"),
             Contains("/kits/0/kitItems/0/count"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "patients": [{"id": 1, "site": {"id": 3}}]})"),
             Contains("/patients/0/site/id: 3 is not in /sites"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "devices": [{"id": 1, "item": {"id": 3}}]})"),
             Contains("/devices/0/item/id"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "inventory": {"9": 1}})"),
             Contains("/inventory/9: item 9 is not in /items"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "items": [{"id": 9}], "inventory": {"9": -1}})"),
             Contains("must not be negative"));
  CHECK_THAT(inconsistency(R"({"apiKeys": ["k"], "inventory": {"nine": 1}})"),
             Contains("/inventory/nine"));
}

TEST_CASE("a catalogue file that cannot be read is a runtime_error naming the path",
          "[simulator]") {
  CHECK_THROWS_WITH(Catalog::from_file("/nonexistent/catalog.json"),
                    Catch::Matchers::Contains("/nonexistent/catalog.json"));
}

TEST_CASE("the simulator serves a custom catalogue", "[simulator]") {
  SimulatorOptions options;
  options.catalog = Catalog::from_json_text(R"({
    "apiKeys": ["key-a", "key-b"],
    "sites": [{"id": 1, "name": "Clinic"}],
    "items": [{"id": 7, "name": "Monitor"}, {"id": 8, "name": "Strip"}],
    "kits": [{"id": 70, "name": "Bundle", "kitItems": [{"item": {"id": 7}}, {"item": {"id": 8}, "count": 50}]}],
    "inventory": {"7": 2, "8": 100}
  })");
  const auto sim = started(options);

  CHECK_THROWS_AS(make_client(*sim).list_orders(), impilo::AuthenticationError);
  const impilo::Client client = make_client(*sim, "key-b");
  impilo::CreateOrderRequest request;
  request.site = impilo::Site::with_id(1);  // no "active": a site is active unless it says false
  request.order_kits = {impilo::OrderKit::of(70, 2)};
  const impilo::Order order = client.create_order(request);
  CHECK(order.order_kits->at(0).kit->kit_items->at(0).item->name == "Monitor");
  CHECK(sim->inventory(7) == 0);
  CHECK(sim->inventory(8) == 0);
  const auto error = thrown<impilo::BadRequestError>([&] { client.create_order(request); });
  CHECK(error.code() == impilo::ErrorCode::insufficient_inventory);
}

TEST_CASE("the simulator refuses an inconsistent catalogue built in code", "[simulator]") {
  SimulatorOptions options;
  options.catalog = Catalog::demo();
  options.catalog.inventory[31337] = 4;
  CHECK_THROWS_WITH(impilo::testing::Simulator(options),
                    Catch::Matchers::Contains("/inventory/31337"));
}
