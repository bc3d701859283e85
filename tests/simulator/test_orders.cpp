// Created orders: their shape, the inventory they take, new patients, fetching and paging.

#include <cstdint>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::ErrorCode;
using nlohmann::json;
using namespace sim_test;

namespace {

const impilo::Item& catalogue_item(std::int64_t id) {
  static const impilo::testing::Catalog catalog = impilo::testing::Catalog::demo();
  for (const impilo::Item& item : catalog.items) {
    if (item.id == id) return item;
  }
  throw std::logic_error("no such demo item");
}

}  // namespace

TEST_CASE("a created order shows the catalogue's objects and keeps every request field",
          "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  impilo::CreateOrderRequest request = item_order(demo::bp_monitor, 2);
  request.external_order_ids = std::vector<std::string>{"ehr-77", "crm-12"};
  request.order_kits = {impilo::OrderKit::of(demo::hypertension_kit, 1)};
  impilo::OrderNote note;
  note.note = "Ring the bell twice";
  request.order_notes = {note};
  request.shipping_option = impilo::ShippingOptionValue::overnight;
  request.email_label = false;
  request.return_items = {impilo::ReturnItem::of(demo::scale, 1)};
  request.return_devices = {impilo::ReturnDevice::of(demo::device_b)};
  impilo::ReturnPackedKit packed;
  packed.kit = impilo::Kit::with_id(demo::heart_failure_kit);
  packed.devices = {impilo::ReturnDevice::of(demo::device_a), impilo::ReturnDevice::of(4444)};
  request.return_packed_kits = {packed};

  const impilo::Order order = client.create_order(request);

  CHECK(order.id == 1);
  CHECK(order.current_status == impilo::OrderStatusValue::available_for_pickup);
  CHECK(order.external_order_ids == request.external_order_ids);
  // The full patient, with its full site.
  REQUIRE(order.patient);
  CHECK(order.patient->first_name == "Thandi");
  CHECK(order.patient->address->city == "Springfield");
  CHECK(order.patient->site->name == "Riverside Cardiology Clinic");
  CHECK_FALSE(order.site);
  // Full items and kits (with full kit items), counts as sent.
  REQUIRE(order.order_items->size() == 1);
  CHECK(order.order_items->at(0).item == catalogue_item(demo::bp_monitor));
  CHECK(order.order_items->at(0).count == 2);
  const impilo::Kit& kit = *order.order_kits->at(0).kit;
  CHECK(kit.name == "Hypertension Kit");
  REQUIRE(kit.kit_items->size() == 2);
  CHECK(kit.kit_items->at(1).item == catalogue_item(demo::cuff));
  CHECK(kit.unknown_fields.empty());  // the loaner flag is the catalogue's, not the kit's
  // One creation event with an ISO 8601 UTC timestamp.
  REQUIRE(order.order_events->size() == 1);
  CHECK(order.order_events->at(0).name == "created");
  CHECK(std::regex_match(*order.order_events->at(0).event_timestamp,
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  // Notes kept, stamped with the creation time.
  REQUIRE(order.order_notes->size() == 1);
  CHECK(order.order_notes->at(0).note == "Ring the bell twice");
  CHECK(order.order_notes->at(0).created_at == order.order_events->at(0).event_timestamp);
  // Nothing shipped yet.
  CHECK(order.tracking_numbers->empty());
  CHECK(order.devices->empty());
  CHECK(order.packed_kits->empty());
  CHECK(order.shipping_option == impilo::ShippingOptionValue::overnight);
  CHECK(order.email_label == false);
  // Returns kept; catalogue entries in full, unknown ones as sent.
  CHECK(order.return_items->at(0).item == catalogue_item(demo::scale));
  CHECK(order.return_items->at(0).count == 1);
  const impilo::ReturnDevice& returned = order.return_devices->at(0);
  CHECK(returned.id == demo::device_b);
  CHECK(json::parse(returned.unknown_fields.json_text())["currentStatus"] == "withPatient");
  const impilo::ReturnPackedKit& returned_kit = order.return_packed_kits->at(0);
  CHECK(returned_kit.kit->name == "Heart Failure Kit");
  REQUIRE(returned_kit.devices->size() == 2);
  CHECK_FALSE(returned_kit.devices->at(0).unknown_fields.empty());
  CHECK(returned_kit.devices->at(1) == impilo::ReturnDevice::of(4444));

  // Fetched, listed and kept by the simulator exactly as created.
  CHECK(client.get_order(1) == order);
  CHECK(client.list_orders().content == std::vector<impilo::Order>{order});
  CHECK(sim->order(1) == order);
}

TEST_CASE("a site order shows the full site and no patient", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request;
  request.site = impilo::Site::with_id(demo::active_site);
  request.order_items = {impilo::OrderItem::of(demo::glucose_meter, 5)};
  const impilo::Order order = make_client(*sim).create_order(request);
  CHECK(order.site->name == "Riverside Cardiology Clinic");
  CHECK(order.site->active == true);
  CHECK_FALSE(order.patient);
  CHECK_FALSE(order.email_label.value());
}

TEST_CASE("the created answer is 201 with a Location", "[simulator]") {
  const auto sim = started();
  const RawResponse response = raw_post(*sim, R"({"patient":{"id":5000},
      "orderItems":[{"item":{"id":1000},"count":1}],"somethingNew":{"kept":"no"}})");
  CHECK(response.status == 201);
  CHECK(response.headers.find("Location")->second == "/api/v3/order/1");
  CHECK(response.headers.find("Content-Type")->second == "application/json");
  const auto order = json::parse(response.body).get<impilo::Order>();
  CHECK(order.id == 1);
}

TEST_CASE("answers are never compressed, even when the client accepts br and gzip",
          "[simulator]") {
  // cpp-httplib would brotli-compress every JSON answer at its slowest setting; the simulator
  // must not pay that on each call.
  const auto sim = started();
  (void)make_client(*sim).create_order(item_order(demo::bp_monitor, 1));
  impilo::CurlTransportOptions local;
  local.no_proxy = "*";
  const auto transport = impilo::make_curl_transport(local);
  for (const char* target : {"/api/v3/order/1", "/api/v3/order?page=1&size=5", "/api/v3/nope"}) {
    impilo::HttpRequest request;
    request.method = "GET";
    request.url = sim->url() + target;
    request.headers = {{"Impilo-API-Key", key},
                       {"Accept", "application/json"},
                       {"Accept-Encoding", "br, gzip, deflate"}};
    const impilo::HttpResponse response = transport->send(request);
    INFO(target);
    CHECK_FALSE(impilo::find_header(response.headers, "Content-Encoding"));
    CHECK(json::parse(response.body).is_object());
  }
}

TEST_CASE("a successful order takes inventory, items directly and kits through their items",
          "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  impilo::CreateOrderRequest request = item_order(demo::bp_monitor, 3);
  request.order_items->push_back(impilo::OrderItem::of(demo::glucose_meter, 1000));
  request.order_kits = {impilo::OrderKit::of(demo::heart_failure_kit, 2),
                        impilo::OrderKit::of(demo::cuff_pack, 4)};
  client.create_order(request);
  CHECK(sim->inventory(demo::bp_monitor) == 100 - 3 - 2);
  CHECK(sim->inventory(demo::scale) == 50 - 2);
  CHECK(sim->inventory(demo::oximeter) == 3 - 2);
  CHECK(sim->inventory(demo::cuff) == 200 - 4 * 2);
  CHECK(sim->inventory(demo::glucose_meter) == std::nullopt);  // unlimited

  // The last oximeter can go; the next cannot.
  client.create_order(item_order(demo::oximeter, 1));
  CHECK(sim->inventory(demo::oximeter) == 0);
  const auto error =
      thrown<impilo::BadRequestError>([&] { client.create_order(item_order(demo::oximeter)); });
  CHECK(error.code() == ErrorCode::insufficient_inventory);
  CHECK(sim->orders().size() == 2);
}

TEST_CASE("a refused order takes nothing, even when it fails after some lines passed",
          "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  const auto code_of = [&](const impilo::CreateOrderRequest& request) {
    return thrown<impilo::BadRequestError>([&] { client.create_order(request); }).code();
  };

  // 10 monitors would fit; the oximeters do not.
  impilo::CreateOrderRequest request = item_order(demo::bp_monitor, 10);
  request.order_items->push_back(impilo::OrderItem::of(demo::oximeter, 5));
  CHECK(code_of(request) == ErrorCode::insufficient_inventory);

  // A kit line that fits, then a loaner rule that fails.
  request = kit_order(demo::hypertension_kit, 2);
  request.order_kits->push_back(impilo::OrderKit::of(demo::loaner_kit, 2));
  CHECK(code_of(request) == ErrorCode::qty_over_one_loaner_kit);

  // Items that fit, sent to a patient that does not exist.
  CHECK(code_of(item_order(demo::bp_monitor, 1, 424242)) == ErrorCode::patient_does_not_exist);

  CHECK(sim->inventory(demo::bp_monitor) == 100);
  CHECK(sim->inventory(demo::cuff) == 200);
  CHECK(sim->inventory(demo::oximeter) == 3);
  CHECK(sim->inventory(demo::hub) == 20);
  CHECK(sim->orders().empty());
  CHECK(client.list_orders().total == 0);
}

TEST_CASE("a new patient is created with the order and can be named by id later", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  impilo::CreateOrderRequest first = item_order(demo::bp_monitor);
  first.patient = new_patient(demo::active_site);
  const impilo::Order created = client.create_order(first);

  REQUIRE(created.patient);
  REQUIRE(created.patient->id);
  const std::int64_t patient_id = *created.patient->id;
  CHECK(patient_id == 5003);  // after the demo patients 5000-5002
  CHECK(created.patient->first_name == "Lindiwe");
  CHECK(created.patient->site->name == "Riverside Cardiology Clinic");  // the full site
  CHECK(sim->patients().size() == 4);
  CHECK(sim->patients().back() == *created.patient);

  const impilo::Order second = client.create_order(item_order(demo::scale, 1, patient_id));
  CHECK(second.patient == created.patient);

  // A second new patient gets the next id.
  first.patient->first_name = "Sipho";
  CHECK(client.create_order(first).patient->id == patient_id + 1);
}

TEST_CASE("orders are paged 1-based, 15 by default, in creation order", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  for (int i = 0; i < 37; ++i) {
    impilo::CreateOrderRequest request = item_order(demo::glucose_meter, i + 1);
    request.external_order_ids = std::vector<std::string>{"ext-" + std::to_string(i)};
    client.create_order(request);
  }

  std::vector<std::int64_t> ids;
  auto range = client.orders();
  for (const impilo::Order& order : range) ids.push_back(*order.id);
  REQUIRE(ids.size() == 37);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == static_cast<std::int64_t>(i) + 1);
  CHECK(range.pages_fetched() == 3);

  const impilo::Page<impilo::Order> first = client.list_orders();
  CHECK(first.page == 1);
  CHECK(first.size == 15);
  CHECK(first.total == 37);
  CHECK(first.first == true);
  CHECK(first.last == false);
  CHECK(first.content.size() == 15);

  impilo::ListOrdersParams params;
  params.page = 3;
  const impilo::Page<impilo::Order> third = client.list_orders(params);
  CHECK(third.content.size() == 7);
  CHECK(third.content.front().id == 31);
  CHECK(third.first == false);
  CHECK(third.last == true);

  params.page = 4;
  const impilo::Page<impilo::Order> beyond = client.list_orders(params);
  CHECK(beyond.content.empty());
  CHECK(beyond.last == true);
  CHECK(beyond.total == 37);

  params.page = 1;
  params.size = 250;
  CHECK(client.list_orders(params).content.size() == 37);
  params.size = 10;
  params.page = 2;
  std::vector<std::int64_t> from_page_two;
  for (const impilo::Order& order : client.orders(params)) from_page_two.push_back(*order.id);
  CHECK(from_page_two.size() == 27);
  CHECK(from_page_two.front() == 11);
}

TEST_CASE("an empty simulator lists one empty, first and last page", "[simulator]") {
  const auto sim = started();
  const auto page = make_client(*sim).list_orders();
  CHECK(page.content.empty());
  CHECK(page.total == 0);
  CHECK(page.first == true);
  CHECK(page.last == true);
  const json raw = json::parse(raw_request(*sim, "GET", "/api/v3/order").body);
  CHECK(raw == json{{"content", json::array()},
                    {"page", 1},
                    {"size", 15},
                    {"total", 0},
                    {"first", true},
                    {"last", true}});
}

TEST_CASE("an order starts at the first status of the catalogue's flow", "[simulator]") {
  impilo::testing::SimulatorOptions options;
  options.catalog.status_flow = {"awaitingApproval", "shipped"};
  const auto sim = started(options);
  const impilo::Order order = make_client(*sim).create_order(item_order(demo::bp_monitor));
  CHECK(order.current_status->str() == "awaitingApproval");
  CHECK_FALSE(order.current_status->is_known());
}
