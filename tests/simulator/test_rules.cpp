// One test per documented rule of creating an order. Rules the client checks itself are sent raw
// (bypassing `impilo::validate`), so the simulator's own answer and text are checked; the others
// go through `impilo::Client`, so the typed exception and code are checked end to end.

#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::ErrorCode;
using nlohmann::json;
using namespace sim_test;

namespace {

/// `{"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1000}, "count": 1}]}`: valid.
json valid_order() {
  return json{{"patient", {{"id", demo::patient}}},
              {"orderItems", json::array({{{"item", {{"id", demo::bp_monitor}}}, {"count", 1}}})}};
}

/// A valid order for a complete new patient.
json new_patient_order() {
  json order = valid_order();
  order["patient"] = new_patient();
  return order;
}

/// POSTs @p body raw and checks a 400 `{"message": message}` that the SDK classifies as @p code.
void check_raw_rejection(const Simulator& sim, const std::string& body, ErrorCode code,
                         const std::string& message) {
  const RawResponse response = raw_post(sim, body);
  CHECK(response.status == 400);
  CHECK(json::parse(response.body) == json{{"message", message}});
  const Classified classified = classify(response);
  CHECK(classified.code == code);
  CHECK(classified.message == message);
  CHECK(sim.orders().empty());
}

/// Sends @p request through the client and checks the BadRequestError it throws.
void check_client_rejection(const Simulator& sim, const impilo::CreateOrderRequest& request,
                            ErrorCode code, const std::string& message) {
  const impilo::Client client = make_client(sim);
  const auto error = thrown<impilo::BadRequestError>([&] { client.create_order(request); });
  CHECK(error.status() == 400);
  CHECK(error.code() == code);
  CHECK(error.message() == message);
  CHECK(sim.orders().empty());
}

}  // namespace

// ---- Phase 1: format -------------------------------------------------------------------------

TEST_CASE("a body that is not JSON is invalid_json", "[simulator]") {
  const auto sim = started();
  const std::string body =
      GENERATE(as<std::string>{}, R"({"patient": {"id": 5000}, "orderItems": [)", "", "not json",
               "{'single': 'quotes'}");
  check_raw_rejection(*sim, body, ErrorCode::invalid_json, "Invalid JSON format");
}

TEST_CASE("a valid order followed by a NUL, more bytes, or after a byte order mark is invalid_json",
          "[simulator]") {
  const auto sim = started();
  const std::string order = valid_order().dump();
  const std::string body = GENERATE_COPY(as<std::string>{}, order + std::string(1, '\0'),
                                         order + std::string(1, '\0') + R"({"x":1})",
                                         order + " {}", "\xEF\xBB\xBF" + order,
                                         R"({"patient": {"id": 5000}, "x": "a": 1})");
  check_raw_rejection(*sim, body, ErrorCode::invalid_json, "Invalid JSON format");
  CHECK(raw_post(*sim, order).status == 201);
}

TEST_CASE("a body nested too deep is invalid_json, and the simulator keeps serving",
          "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  const std::string deep = order.dump().insert(
      1, R"("x": )" + std::string(100000, '[') + std::string(100000, ']') + ",");
  check_raw_rejection(*sim, deep, ErrorCode::invalid_json, "Invalid JSON format");
  check_raw_rejection(*sim, R"({"patient": {"id": 5000}, "x": 1e400})", ErrorCode::invalid_json,
                      "Invalid JSON format");
  CHECK(raw_post(*sim, order.dump()).status == 201);
}

TEST_CASE("a member of the wrong type is invalid_data", "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  SECTION("count as a string") {
    order["orderItems"][0]["count"] = "2";
  }
  SECTION("patient id as a string") {
    order["patient"]["id"] = "5000";
  }
  SECTION("orderItems as an object") {
    order["orderItems"] = json{{"item", {{"id", 1000}}}};
  }
  SECTION("emailLabel as a number") {
    order["emailLabel"] = 1;
  }
  check_raw_rejection(*sim, order.dump(), ErrorCode::invalid_data, "Invalid data provided");
}

TEST_CASE("a body that is JSON but not an object is invalid_data", "[simulator]") {
  const auto sim = started();
  const std::string body = GENERATE(as<std::string>{}, "[]", "42", "\"order\"", "null");
  check_raw_rejection(*sim, body, ErrorCode::invalid_data, "Invalid data provided");
}

TEST_CASE("a missing id or a count below 1 is invalid_data", "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  SECTION("count 0") {
    order["orderItems"][0]["count"] = 0;
  }
  SECTION("negative count") {
    order["orderItems"][0]["count"] = -3;
  }
  SECTION("no count") {
    order["orderItems"][0].erase("count");
  }
  SECTION("item without id") {
    order["orderItems"][0]["item"] = json::object();
  }
  SECTION("line without item") {
    order["orderItems"][0].erase("item");
  }
  SECTION("kit without id") {
    order["orderKits"] = json::array({{{"kit", json::object()}, {"count", 1}}});
  }
  SECTION("returned device without id") {
    order["returnDevices"] = json::array({json::object()});
    order["shippingOption"] = "standard";
  }
  SECTION("unknown shippingOption") {
    order["shippingOption"] = "express";
  }
  check_raw_rejection(*sim, order.dump(), ErrorCode::invalid_data, "Invalid data provided");
}

// ---- Phase 2: structure ----------------------------------------------------------------------

TEST_CASE("not exactly one of patient and site is patient_or_site_required", "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  SECTION("neither") {
    order.erase("patient");
  }
  SECTION("both") {
    order["site"] = {{"id", demo::active_site}};
  }
  SECTION("a site without id") {
    order.erase("patient");
    order["site"] = {{"name", "Riverside Cardiology Clinic"}};
  }
  check_raw_rejection(*sim, order.dump(), ErrorCode::patient_or_site_required,
                      "patient or site required");
}

TEST_CASE("an order without content is order_content_required", "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  order.erase("orderItems");
  SECTION("no lists") {}
  SECTION("only empty lists") {
    for (const char* list :
         {"orderItems", "orderKits", "returnItems", "returnDevices", "returnPackedKits"}) {
      order[list] = json::array();
    }
  }
  check_raw_rejection(
      *sim, order.dump(), ErrorCode::order_content_required,
      "Order must contain at least one of: orderItems, orderKits, returnItems, returnDevices, or "
      "returnPackedKits");
}

TEST_CASE("returns without shippingOption are shipping_option_required", "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  order["returnDevices"] = json::array({{{"id", demo::device_a}}});
  SECTION("emailLabel absent") {}
  SECTION("emailLabel false") {
    order["emailLabel"] = false;
  }
  check_raw_rejection(
      *sim, order.dump(), ErrorCode::shipping_option_required,
      "shippingOption is required when emailLabel is false and return items are included");
}

TEST_CASE("returns with emailLabel true need no shippingOption", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request = item_order(demo::bp_monitor);
  request.return_devices = {impilo::ReturnDevice::of(demo::device_a)};
  request.email_label = true;
  const impilo::Order order = make_client(*sim).create_order(request);
  CHECK(order.email_label == true);
  CHECK_FALSE(order.shipping_option);
}

TEST_CASE("a device both returned and in a packed kit is device_in_return_and_packed_kit",
          "[simulator]") {
  const auto sim = started();
  json order = valid_order();
  order["shippingOption"] = "standard";
  order["returnDevices"] = json::array({{{"id", demo::device_a}}});
  order["returnPackedKits"] = json::array(
      {{{"kit", {{"id", demo::hypertension_kit}}},
        {"devices", json::array({{{"id", demo::device_b}}, {{"id", demo::device_a}}})}}});
  check_raw_rejection(*sim, order.dump(), ErrorCode::device_in_return_and_packed_kit,
                      "Device cannot be included both as a return device and in a packed kit");
}

// ---- Phase 3: patient or site ----------------------------------------------------------------

TEST_CASE("an unknown patient id is patient_does_not_exist", "[simulator]") {
  const auto sim = started();
  check_client_rejection(*sim, item_order(demo::bp_monitor, 1, 777777),
                         ErrorCode::patient_does_not_exist, "patient_does_not_exist");
}

TEST_CASE("a site order for an unknown or inactive site is invalid_order", "[simulator]") {
  const auto sim = started();
  const std::int64_t site_id = GENERATE(std::int64_t{99}, demo::inactive_site);
  impilo::CreateOrderRequest request;
  request.site = impilo::Site::with_id(site_id);
  request.order_items = {impilo::OrderItem::of(demo::bp_monitor, 1)};
  check_client_rejection(*sim, request, ErrorCode::invalid_order, "invalid_order");
}

TEST_CASE("a new patient without firstName is patient_first_name_required", "[simulator]") {
  const auto sim = started();
  json order = new_patient_order();
  SECTION("absent") {
    order["patient"].erase("firstName");
  }
  SECTION("blank") {
    order["patient"]["firstName"] = " \t ";
  }
  check_raw_rejection(*sim, order.dump(), ErrorCode::patient_first_name_required,
                      "Must provide a non-blank string for firstName.");
}

TEST_CASE("a new patient without lastName is patient_last_name_required", "[simulator]") {
  const auto sim = started();
  json order = new_patient_order();
  SECTION("absent") {
    order["patient"].erase("lastName");
  }
  SECTION("empty") {
    order["patient"]["lastName"] = "";
  }
  check_raw_rejection(*sim, order.dump(), ErrorCode::patient_last_name_required,
                      "Must provide a non-blank string for lastName.");
}

TEST_CASE("a new patient without address is patient_address_required", "[simulator]") {
  const auto sim = started();
  json order = new_patient_order();
  order["patient"].erase("address");
  check_raw_rejection(*sim, order.dump(), ErrorCode::patient_address_required,
                      "Must provide an Address for Patient.");
}

TEST_CASE("a new patient's address needs each required field", "[simulator]") {
  struct Case {
    const char* member;
    ErrorCode code;
    const char* message;
  };
  const Case c = GENERATE(
      Case{"lineOne", ErrorCode::address_line_one_required,
           "Must provide a Line One value in the Address."},
      Case{"city", ErrorCode::address_city_required, "Must provide a City value in the Address."},
      Case{"state", ErrorCode::address_state_required,
           "Must provide a State value in the Address."},
      Case{"country", ErrorCode::address_country_required,
           "Must provide a Country value in the Address."},
      Case{"zipCode", ErrorCode::address_zip_code_required,
           "Must provide a Zip Code value in the Address."});
  const bool blank = GENERATE(false, true);
  CAPTURE(c.member, blank);
  const auto sim = started();
  json order = new_patient_order();
  if (blank) {
    order["patient"]["address"][c.member] = "   ";
  } else {
    order["patient"]["address"].erase(c.member);
  }
  check_raw_rejection(*sim, order.dump(), c.code, c.message);
}

TEST_CASE("a new patient's site without id is site_not_found", "[simulator]") {
  const auto sim = started();
  json order = new_patient_order();
  order["patient"]["site"] = {{"name", "Riverside Cardiology Clinic"}};
  check_raw_rejection(*sim, order.dump(), ErrorCode::site_not_found,
                      "Unable to find the Site provided.");
}

TEST_CASE("a new patient's unknown site is site_not_found", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request = item_order(demo::bp_monitor);
  request.patient = new_patient(4321);
  check_client_rejection(*sim, request, ErrorCode::site_not_found, "Site 4321 not found");
  CHECK(sim->patients().size() == 3);  // nobody was created
}

TEST_CASE("a new patient's inactive site is site_not_active", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request = item_order(demo::bp_monitor);
  request.patient = new_patient(demo::inactive_site);
  check_client_rejection(*sim, request, ErrorCode::site_not_active, "Site 12 not active");
}

// ---- Phase 4: items --------------------------------------------------------------------------

TEST_CASE("a non-orderable item is item_not_orderable", "[simulator]") {
  const auto sim = started();
  check_client_rejection(
      *sim, item_order(demo::thermometer), ErrorCode::item_not_orderable,
      "Order contains Items that are marked as non-orderable. Order cannot be placed.");
  CHECK(sim->inventory(demo::thermometer) == 10);
}

TEST_CASE("an item or kit not in the catalogue is item_not_orderable", "[simulator]") {
  const auto sim = started();
  const impilo::CreateOrderRequest request = GENERATE(item_order(4242), kit_order(4242));
  check_client_rejection(*sim, request, ErrorCode::item_not_orderable, "item_not_orderable");
}

// ---- Phase 5: loaner kits --------------------------------------------------------------------

TEST_CASE("two loaner kit lines are max_one_loaner_kit", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request = kit_order(demo::loaner_kit);
  request.order_kits->push_back(impilo::OrderKit::of(demo::loaner_kit, 1));
  check_client_rejection(*sim, request, ErrorCode::max_one_loaner_kit, "max_one_loaner_kit");
}

TEST_CASE("a loaner kit with a count above 1 is qty_over_one_loaner_kit", "[simulator]") {
  const auto sim = started();
  check_client_rejection(*sim, kit_order(demo::loaner_kit, 2), ErrorCode::qty_over_one_loaner_kit,
                         "qty_over_one_loaner_kit");
}

TEST_CASE("a loaner kit with returns is no_returns_with_loaner_kit", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request = kit_order(demo::loaner_kit);
  request.shipping_option = impilo::ShippingOptionValue::standard;
  SECTION("returned device") {
    request.return_devices = {impilo::ReturnDevice::of(demo::device_a)};
  }
  SECTION("returned item") {
    request.return_items = {impilo::ReturnItem::of(demo::scale, 1)};
  }
  check_client_rejection(*sim, request, ErrorCode::no_returns_with_loaner_kit,
                         "no_returns_with_loaner_kit");
}

TEST_CASE("a loaner kit to a site is no_loaner_kit_to_site", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request;
  request.site = impilo::Site::with_id(demo::active_site);
  request.order_kits = {impilo::OrderKit::of(demo::loaner_kit, 1)};
  check_client_rejection(*sim, request, ErrorCode::no_loaner_kit_to_site, "no_loaner_kit_to_site");
}

TEST_CASE("one loaner kit to a patient without returns is accepted", "[simulator]") {
  const auto sim = started();
  const impilo::Order order = make_client(*sim).create_order(kit_order(demo::loaner_kit));
  CHECK(order.order_kits->at(0).kit->id == demo::loaner_kit);
  CHECK(sim->inventory(demo::oximeter) == 2);
  CHECK(sim->inventory(demo::hub) == 19);
}

// ---- Phase 6: inventory ----------------------------------------------------------------------

TEST_CASE("more units than on hand is insufficient_inventory", "[simulator]") {
  const auto sim = started();
  impilo::CreateOrderRequest request;
  SECTION("an item line") {
    request = item_order(demo::oximeter, 4);
  }
  SECTION("a kit line, through its kit items") {
    request = kit_order(demo::heart_failure_kit, 4);
  }
  SECTION("item and kit lines summed") {
    request = item_order(demo::oximeter, 2);
    request.order_kits = {impilo::OrderKit::of(demo::heart_failure_kit, 2)};
  }
  SECTION("a kit whose item count is above 1") {
    sim->set_inventory(demo::cuff, 5);
    request = kit_order(demo::cuff_pack, 3);  // 3 x 2 cuffs
  }
  check_client_rejection(*sim, request, ErrorCode::insufficient_inventory,
                         "insufficient_inventory");
}

// ---- Order of the phases ---------------------------------------------------------------------

TEST_CASE("the first broken rule in phase order answers", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  // Unknown patient (phase 3), non-orderable item (4), two loaner kits (5), too many oximeters (6).
  impilo::CreateOrderRequest request = item_order(demo::thermometer, 1, 777777);
  request.order_items->push_back(impilo::OrderItem::of(demo::oximeter, 50));
  request.order_kits = {impilo::OrderKit::of(demo::loaner_kit, 1),
                        impilo::OrderKit::of(demo::loaner_kit, 1)};
  const auto code_of = [&] {
    return thrown<impilo::BadRequestError>([&] { client.create_order(request); }).code();
  };
  CHECK(code_of() == ErrorCode::patient_does_not_exist);
  request.patient = impilo::Patient::with_id(demo::patient);
  CHECK(code_of() == ErrorCode::item_not_orderable);
  request.order_items->erase(request.order_items->begin());
  CHECK(code_of() == ErrorCode::max_one_loaner_kit);
  request.order_kits->pop_back();
  CHECK(code_of() == ErrorCode::insufficient_inventory);

  // Format (1) before structure (2): no patient and a count of 0.
  json order = valid_order();
  order.erase("patient");
  order["orderItems"][0]["count"] = 0;
  CHECK(classify(raw_post(*sim, order.dump())).code == ErrorCode::invalid_data);
  // Structure (2) before the patient (3): an unknown patient and no content.
  order = json{{"patient", {{"id", 777777}}}};
  CHECK(classify(raw_post(*sim, order.dump())).code == ErrorCode::order_content_required);
  CHECK(sim->orders().empty());
}

// ---- Authentication, unknown orders, paging parameters ----------------------------------------

TEST_CASE("a wrong or missing API key is unauthorized", "[simulator]") {
  const auto sim = started();
  SECTION("wrong key, through the client") {
    const impilo::Client client = make_client(*sim, "not-a-key");
    const auto error = thrown<impilo::AuthenticationError>([&] { client.list_orders(); });
    CHECK(error.status() == 401);
    CHECK(error.code() == ErrorCode::unauthorized);
    CHECK_FALSE(std::string(error.what()).find("not-a-key") != std::string::npos);
  }
  SECTION("no key, raw") {
    const RawResponse response = raw_post(*sim, valid_order().dump(), std::nullopt);
    CHECK(response.status == 401);
    CHECK(json::parse(response.body) == json{{"message", "Unauthorized"}});
    CHECK(sim->orders().empty());
  }
  SECTION("an unknown path needs the key too") {
    CHECK(raw_request(*sim, "GET", "/api/v3/nothing", {}, std::nullopt).status == 401);
  }
}

TEST_CASE("an unknown order id is not_found", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  const auto error = thrown<impilo::NotFoundError>([&] { client.get_order(999999); });
  CHECK(error.status() == 404);
  CHECK(error.message() == "Order not found");
  CHECK(raw_request(*sim, "GET", "/api/v3/order/0").status == 404);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/-4").status == 404);
}

TEST_CASE("a non-numeric order id is invalid_data", "[simulator]") {
  const auto sim = started();
  const std::string id = GENERATE(as<std::string>{}, "abc", "12x", "1.5", "99999999999999999999");
  const Classified answer = classify(raw_request(*sim, "GET", "/api/v3/order/" + id));
  CHECK(answer.status == 400);
  CHECK(answer.code == ErrorCode::invalid_data);
}

TEST_CASE("paging parameters out of range are invalid_data", "[simulator]") {
  const auto sim = started();
  const std::string query = GENERATE(as<std::string>{}, "page=0", "page=-1", "size=0", "size=251",
                                     "size=abc", "page=", "page=1.5");
  CAPTURE(query);
  const Classified answer = classify(raw_request(*sim, "GET", "/api/v3/order?" + query));
  CHECK(answer.status == 400);
  CHECK(answer.code == ErrorCode::invalid_data);
  CHECK(answer.message == "Invalid data provided");
}

TEST_CASE("unknown paths are 404 and other methods 405", "[simulator]") {
  const auto sim = started();
  CHECK(raw_request(*sim, "GET", "/api/v3/orders").status == 404);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1/events").status == 404);
  const RawResponse put = raw_request(*sim, "DELETE", "/api/v3/order/1");
  CHECK(put.status == 405);
  CHECK(put.headers.find("Allow")->second == "GET");
  CHECK(raw_request(*sim, "PUT", "/api/v3/order").status == 405);
}
