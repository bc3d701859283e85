// Unit tests for impilo::validate: the client-side rules of a create-order request.

#include <cstdint>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

namespace Catch {
template <>
struct StringMaker<impilo::Violation> {
  static std::string convert(const impilo::Violation& v) {
    std::ostringstream out;
    out << "{" << v.field << ", " << impilo::to_string(v.code) << ", \"" << v.message << "\"}";
    return out.str();
  }
};
}  // namespace Catch

namespace {

using impilo::Address;
using impilo::CreateOrderRequest;
using impilo::ErrorCode;
using impilo::OrderItem;
using impilo::OrderKit;
using impilo::Patient;
using impilo::ReturnDevice;
using impilo::ReturnItem;
using impilo::ReturnPackedKit;
using impilo::ShippingOption;
using impilo::ShippingOptionValue;
using impilo::Site;
using impilo::validate;
using impilo::Violation;
using Violations = std::vector<Violation>;

// The server's sentences (docs/error-handling.md), spelled out so that a wrong sentence fails here.
constexpr const char* patient_or_site = "patient or site required";
constexpr const char* content_required =
    "Order must contain at least one of: orderItems, orderKits, returnItems, returnDevices, or "
    "returnPackedKits";
constexpr const char* shipping_required =
    "shippingOption is required when emailLabel is false and return items are included";
constexpr const char* device_twice =
    "Device cannot be included both as a return device and in a packed kit";
constexpr const char* both_given = "Exactly one of patient and site must be given, not both";

/// The create request of the API guide's "Create Patient Order Example" (seed 004).
CreateOrderRequest seed_example() {
  CreateOrderRequest r;
  r.external_order_ids =
      std::vector<std::string>{"xyz_123_0", "xyz_123_1", "xyz_123_2", "xyz_123_3"};
  Patient patient = Patient::with_id(1234);
  patient.sex = impilo::SexValue::unknown;
  r.patient = patient;
  r.order_items = std::vector<OrderItem>{OrderItem::of(1000, 10), OrderItem::of(1001, 10),
                                         OrderItem::of(1002, 10), OrderItem::of(1003, 10)};
  r.order_kits = std::vector<OrderKit>{OrderKit::of(1000, 10), OrderKit::of(1001, 10),
                                       OrderKit::of(1002, 10), OrderKit::of(1003, 10)};
  r.shipping_option = ShippingOptionValue::standard;
  return r;
}

/// The smallest valid order: one item for an existing patient.
CreateOrderRequest patient_order() {
  CreateOrderRequest r;
  r.patient = Patient::with_id(1234);
  r.order_items = std::vector<OrderItem>{OrderItem::of(1000, 1)};
  return r;
}

Address full_address() {
  Address a;
  a.line_one = "1 Main Street";
  a.city = "Springfield";
  a.state = "IL";
  a.zip_code = "62701";
  a.country = "US";
  return a;
}

Patient new_patient() {
  Patient p;
  p.first_name = "Jane";
  p.last_name = "Doe";
  p.address = full_address();
  return p;
}

/// An existing patient returning a device, with nothing shipped out.
CreateOrderRequest return_order() {
  CreateOrderRequest r;
  r.patient = Patient::with_id(1234);
  r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(500)};
  return r;
}

ReturnPackedKit packed_kit(std::int64_t kit_id, const std::vector<std::int64_t>& device_ids) {
  ReturnPackedKit kit;
  kit.kit = impilo::Kit::with_id(kit_id);
  kit.devices = std::vector<ReturnDevice>{};
  for (std::int64_t id : device_ids) {
    kit.devices->push_back(ReturnDevice::of(id));
  }
  return kit;
}

Violation invalid(const std::string& field, const std::string& message) {
  return Violation{field, ErrorCode::invalid_data, message};
}

}  // namespace

// ---- Valid requests ----

TEST_CASE("the API guide's example request is valid", "[validation]") {
  CHECK(validate(seed_example()).empty());
}

TEST_CASE("a site order with a site id is valid", "[validation]") {
  CreateOrderRequest r;
  r.site = Site::with_id(77);
  r.order_kits = std::vector<OrderKit>{OrderKit::of(1000, 2)};
  CHECK(validate(r).empty());
}

TEST_CASE("a new patient with a full address is valid", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.patient = new_patient();

  SECTION("without a site") {
    CHECK(validate(r).empty());
  }
  SECTION("with a site given by id") {
    r.patient->site = Site::with_id(77);
    CHECK(validate(r).empty());
  }
}

TEST_CASE("a return-only order with emailLabel true needs no shipping option", "[validation]") {
  CreateOrderRequest r = return_order();
  r.return_items = std::vector<ReturnItem>{ReturnItem::of(1000, 1)};
  r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(3000, {501, 502})};
  r.email_label = true;
  CHECK(validate(r).empty());
}

TEST_CASE("a return order with a shipping option and emailLabel false is valid", "[validation]") {
  CreateOrderRequest r = return_order();
  r.order_items = std::vector<OrderItem>{OrderItem::of(1000, 1)};
  r.email_label = false;
  r.shipping_option = ShippingOptionValue::overnight;
  CHECK(validate(r).empty());
}

TEST_CASE("values newer than the SDK pass when marked deliberate, and are sent as given",
          "[validation]") {
  CreateOrderRequest r = return_order();
  r.shipping_option = ShippingOption::deliberate("sameDay");
  r.unknown_fields = impilo::UnknownFields::from_json_text(R"({"priority":"high"})");
  Patient p = new_patient();
  p.sex = impilo::Sex::deliberate("nonBinary");
  r.patient = p;
  CHECK(validate(r).empty());
  CHECK(r.shipping_option->is_deliberate());
  CHECK(r.shipping_option->str() == "sameDay");
  CHECK(*r.shipping_option == ShippingOption::from_string("sameDay"));  // the mark is not a value
}

TEST_CASE("an enum value the SDK does not know is reported before sending", "[validation]") {
  CreateOrderRequest r = patient_order();
  const std::string known = "shippingOption must be one of: standard, overnight";
  const std::string how =
      "; to send a value newer than this SDK on purpose, mark it with "
      "OpenEnum::deliberate()";

  SECTION("a shippingOption in the wrong case, with a hint") {
    r.shipping_option = ShippingOption::from_string("Standard");
    CHECK(validate(r) ==
          Violations{invalid("/shippingOption", known +
                                                    " (values are case-sensitive: did you mean "
                                                    "standard?)" +
                                                    how)});
  }
  SECTION("a shippingOption that is no known value") {
    r.shipping_option = ShippingOption::from_string("express");
    CHECK(validate(r) == Violations{invalid("/shippingOption", known + how)});
  }
  SECTION("a patient's sex, without quoting the value") {
    Patient p = Patient::with_id(1234);
    p.sex = impilo::Sex::from_string("F");
    r.patient = p;
    const Violations v = validate(r);
    REQUIRE(v.size() == 1);
    CHECK(v[0].field == "/patient/sex");
    CHECK(v[0].code == ErrorCode::invalid_data);
    CHECK(v[0].message.rfind("sex must be one of: other, female, male, unknown", 0) == 0);
  }
  SECTION("known values pass") {
    r.shipping_option = ShippingOptionValue::overnight;
    CHECK(validate(r).empty());
  }
}

// ---- Patient or site ----

TEST_CASE("an order needs a patient or a site", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.patient.reset();
  CHECK(validate(r) ==
        Violations{{"/patient", ErrorCode::patient_or_site_required, patient_or_site}});
}

TEST_CASE("an order may not have both a patient and a site", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.site = Site::with_id(77);
  CHECK(validate(r) == Violations{{"/site", ErrorCode::patient_or_site_required, both_given}});
}

TEST_CASE("a site order needs the site's id", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.patient.reset();
  Site site;
  site.name = "North Clinic";  // a site's name or address never finds it
  site.address = full_address();
  r.site = site;
  CHECK(validate(r) ==
        Violations{{"/site/id", ErrorCode::patient_or_site_required, patient_or_site}});
}

// ---- Content ----

TEST_CASE("an order needs content", "[validation]") {
  CreateOrderRequest r = patient_order();
  const Violations expected{{"/orderItems", ErrorCode::order_content_required, content_required}};

  SECTION("no content list at all") {
    r.order_items.reset();
    CHECK(validate(r) == expected);
  }
  SECTION("empty lists count as absent") {
    r.order_items = std::vector<OrderItem>{};
    r.order_kits = std::vector<OrderKit>{};
    r.return_items = std::vector<ReturnItem>{};
    r.return_devices = std::vector<ReturnDevice>{};
    r.return_packed_kits = std::vector<ReturnPackedKit>{};
    CHECK(validate(r) == expected);
  }
}

TEST_CASE("any one non-empty content list is enough", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.order_items = std::vector<OrderItem>{};
  r.email_label = true;
  SECTION("orderKits") {
    r.order_kits = std::vector<OrderKit>{OrderKit::of(1, 1)};
  }
  SECTION("returnItems") {
    r.return_items = std::vector<ReturnItem>{ReturnItem::of(1, 1)};
  }
  SECTION("returnDevices") {
    r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(1)};
  }
  SECTION("returnPackedKits") {
    r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(3000, {1})};
  }
  CHECK(validate(r).empty());
}

// ---- Shipping option for returns ----

TEST_CASE("returns need a shipping option unless the label is e-mailed", "[validation]") {
  CreateOrderRequest r = patient_order();
  const Violations expected{
      {"/shippingOption", ErrorCode::shipping_option_required, shipping_required}};

  SECTION("returnItems, emailLabel absent") {
    r.return_items = std::vector<ReturnItem>{ReturnItem::of(1000, 1)};
    CHECK(validate(r) == expected);
  }
  SECTION("returnDevices, emailLabel explicitly false") {
    r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(500)};
    r.email_label = false;
    CHECK(validate(r) == expected);
  }
  SECTION("returnPackedKits only") {
    r.order_items.reset();
    r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(3000, {501})};
    CHECK(validate(r) == expected);
  }
  SECTION("emailLabel true") {
    r.return_items = std::vector<ReturnItem>{ReturnItem::of(1000, 1)};
    r.email_label = true;
    CHECK(validate(r).empty());
  }
  SECTION("a shipping option given") {
    r.return_items = std::vector<ReturnItem>{ReturnItem::of(1000, 1)};
    r.shipping_option = ShippingOptionValue::standard;
    CHECK(validate(r).empty());
  }
  SECTION("empty return lists are no returns") {
    r.return_items = std::vector<ReturnItem>{};
    r.return_devices = std::vector<ReturnDevice>{};
    r.return_packed_kits = std::vector<ReturnPackedKit>{};
    CHECK(validate(r).empty());
  }
}

// ---- A device returned twice ----

TEST_CASE("a device may not be both a return device and in a returned packed kit", "[validation]") {
  CreateOrderRequest r = return_order();
  r.email_label = true;

  SECTION("one offending device") {
    r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(500), ReturnDevice::of(501)};
    r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(3000, {501, 502})};
    CHECK(validate(r) == Violations{{"/returnDevices/1/id",
                                     ErrorCode::device_in_return_and_packed_kit, device_twice}});
  }
  SECTION("each offending entry is reported with its index") {
    r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(7), ReturnDevice::of(8),
                                                 ReturnDevice::of(9), ReturnDevice::of(7)};
    r.return_packed_kits =
        std::vector<ReturnPackedKit>{packed_kit(3000, {1, 2}), packed_kit(3001, {7, 9})};
    CHECK(validate(r) ==
          Violations{
              {"/returnDevices/0/id", ErrorCode::device_in_return_and_packed_kit, device_twice},
              {"/returnDevices/2/id", ErrorCode::device_in_return_and_packed_kit, device_twice},
              {"/returnDevices/3/id", ErrorCode::device_in_return_and_packed_kit, device_twice}});
  }
  SECTION("distinct devices are fine") {
    r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(500)};
    r.return_packed_kits =
        std::vector<ReturnPackedKit>{packed_kit(3000, {501}), packed_kit(3001, {})};
    CHECK(validate(r).empty());
  }
}

// ---- A new patient ----

TEST_CASE("a new patient needs non-blank names", "[validation]") {
  CreateOrderRequest r = patient_order();
  Patient p = new_patient();
  const Violation first{"/patient/firstName", ErrorCode::patient_first_name_required,
                        "Must provide a non-blank string for firstName."};
  const Violation last{"/patient/lastName", ErrorCode::patient_last_name_required,
                       "Must provide a non-blank string for lastName."};

  SECTION("absent first name") {
    p.first_name.reset();
    r.patient = p;
    CHECK(validate(r) == Violations{first});
  }
  SECTION("empty last name") {
    p.last_name = "";
    r.patient = p;
    CHECK(validate(r) == Violations{last});
  }
  SECTION("whitespace-only names are blank") {
    p.first_name = "   ";
    p.last_name = " \t\r\n";
    r.patient = p;
    CHECK(validate(r) == Violations{first, last});
  }
  SECTION("names with surrounding spaces are not blank") {
    p.first_name = " Jane ";
    r.patient = p;
    CHECK(validate(r).empty());
  }
}

TEST_CASE("a new patient needs an address", "[validation]") {
  CreateOrderRequest r = patient_order();
  Patient p = new_patient();
  p.address.reset();
  r.patient = p;
  CHECK(validate(r) == Violations{{"/patient/address", ErrorCode::patient_address_required,
                                   "Must provide an Address for Patient."}});
}

TEST_CASE("a new patient's address needs every required line", "[validation]") {
  CreateOrderRequest r = patient_order();
  Patient p = new_patient();

  SECTION("an empty address reports each missing value, in order") {
    p.address = Address{};
    p.address->line_two = "Suite 4";  // optional lines do not stand in for required ones
    r.patient = p;
    CHECK(validate(r) ==
          Violations{{"/patient/address/lineOne", ErrorCode::address_line_one_required,
                      "Must provide a Line One value in the Address."},
                     {"/patient/address/city", ErrorCode::address_city_required,
                      "Must provide a City value in the Address."},
                     {"/patient/address/state", ErrorCode::address_state_required,
                      "Must provide a State value in the Address."},
                     {"/patient/address/country", ErrorCode::address_country_required,
                      "Must provide a Country value in the Address."},
                     {"/patient/address/zipCode", ErrorCode::address_zip_code_required,
                      "Must provide a Zip Code value in the Address."}});
  }
  SECTION("a blank city") {
    p.address->city = "  ";
    r.patient = p;
    CHECK(validate(r) == Violations{{"/patient/address/city", ErrorCode::address_city_required,
                                     "Must provide a City value in the Address."}});
  }
  SECTION("a missing zip code") {
    p.address->zip_code.reset();
    r.patient = p;
    CHECK(validate(r) ==
          Violations{{"/patient/address/zipCode", ErrorCode::address_zip_code_required,
                      "Must provide a Zip Code value in the Address."}});
  }
}

TEST_CASE("a new patient's site must be given by id", "[validation]") {
  CreateOrderRequest r = patient_order();
  Patient p = new_patient();
  Site site;
  site.name = "North Clinic";
  p.site = site;
  r.patient = p;
  CHECK(validate(r) == Violations{{"/patient/site/id", ErrorCode::site_not_found,
                                   "Unable to find the Site provided."}});
}

TEST_CASE("an existing patient needs only its id", "[validation]") {
  CreateOrderRequest r = patient_order();
  Patient p = Patient::with_id(1234);
  p.first_name = " ";
  p.address = Address{};  // empty, yet fine: the patient already exists
  p.site = Site{};
  r.patient = p;
  CHECK(validate(r).empty());
}

// ---- Lines of items, kits and returns ----

TEST_CASE("order item lines need an item id and a count of at least 1", "[validation]") {
  CreateOrderRequest r = patient_order();
  OrderItem no_item;
  no_item.count = 1;
  OrderItem no_id = OrderItem::of(1000, 1);
  no_id.item->id.reset();
  OrderItem no_count = OrderItem::of(1000, 1);
  no_count.count.reset();
  r.order_items = std::vector<OrderItem>{
      OrderItem::of(1000, 1), no_item, no_id, no_count, OrderItem::of(1000, 0),
      OrderItem::of(1000, -5)};
  CHECK(validate(r) ==
        Violations{invalid("/orderItems/1/item", "item is required"),
                   invalid("/orderItems/2/item/id", "item id is required"),
                   invalid("/orderItems/3/count", "count is required"),
                   invalid("/orderItems/4/count", "count must be at least 1, got 0"),
                   invalid("/orderItems/5/count", "count must be at least 1, got -5")});
}

TEST_CASE("order kit lines need a kit id and a count of at least 1", "[validation]") {
  CreateOrderRequest r = patient_order();
  OrderKit no_kit;  // neither kit nor count
  OrderKit no_id = OrderKit::of(1000, 0);
  no_id.kit->id.reset();
  r.order_kits = std::vector<OrderKit>{no_kit, no_id};
  CHECK(validate(r) ==
        Violations{invalid("/orderKits/0/kit", "kit is required"),
                   invalid("/orderKits/0/count", "count is required"),
                   invalid("/orderKits/1/kit/id", "kit id is required"),
                   invalid("/orderKits/1/count", "count must be at least 1, got 0")});
}

TEST_CASE("return item lines need an item id and a count of at least 1", "[validation]") {
  CreateOrderRequest r = patient_order();
  r.email_label = true;
  ReturnItem no_item;
  no_item.count = 2;
  ReturnItem no_id = ReturnItem::of(1000, -1);
  no_id.item->id.reset();
  r.return_items = std::vector<ReturnItem>{no_item, ReturnItem::of(1000, 1), no_id};
  CHECK(validate(r) ==
        Violations{invalid("/returnItems/0/item", "item is required"),
                   invalid("/returnItems/2/item/id", "item id is required"),
                   invalid("/returnItems/2/count", "count must be at least 1, got -1")});
}

TEST_CASE("return devices need an id", "[validation]") {
  CreateOrderRequest r = return_order();
  r.email_label = true;
  r.return_devices = std::vector<ReturnDevice>{ReturnDevice::of(500), ReturnDevice{}};
  CHECK(validate(r) == Violations{invalid("/returnDevices/1/id", "device id is required")});
}

TEST_CASE("returned packed kits need a kit id and device ids", "[validation]") {
  CreateOrderRequest r = return_order();
  r.email_label = true;
  ReturnPackedKit no_kit;
  no_kit.devices = std::vector<ReturnDevice>{ReturnDevice::of(600)};
  ReturnPackedKit kit_without_id = packed_kit(3000, {601});
  kit_without_id.kit->id.reset();
  ReturnPackedKit device_without_id = packed_kit(3001, {602});
  device_without_id.devices->push_back(ReturnDevice{});
  r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(2999, {599}), no_kit,
                                                      kit_without_id, device_without_id};
  CHECK(validate(r) ==
        Violations{invalid("/returnPackedKits/1/kit", "kit is required"),
                   invalid("/returnPackedKits/2/kit/id", "kit id is required"),
                   invalid("/returnPackedKits/3/devices/1/id", "device id is required")});
}

// ---- Members the SDK does not model ----

TEST_CASE("unknown_members lists every unmodelled member with the closest known name",
          "[validation]") {
  auto request = [](const char* json) { return impilo::from_json_text<CreateOrderRequest>(json); };

  SECTION("a misspelled top-level member") {
    const auto found =
        impilo::unknown_members(request(R"({"patient": {"id": 1}, "shipingOption": "standard"})"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].pointer == "/shipingOption");
    CHECK(found[0].suggestion == "shippingOption");
    CHECK(found[0].message ==
          "/shipingOption is not a member the SDK knows and is sent as it is; did you mean "
          "shippingOption?");
  }
  SECTION("at any depth, each suggested from its own object's members") {
    const auto found = impilo::unknown_members(request(R"({
      "patient": {"firstname": "Jane", "address": {"zipcode": "62701", "City": "X"}},
      "orderItems": [{"item": {"id": 1}, "count": 1}, {"item": {"id": 2}, "cuont": 1}],
      "returnPackedKits": [{"kit": {"id": 3}, "devices": [{"id": 4, "serial": "x"}]}]
    })"));
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& f : found) got.emplace_back(f.pointer, f.suggestion);
    CHECK(got == std::vector<std::pair<std::string, std::string>>{
                     {"/patient/firstname", "firstName"},
                     {"/patient/address/City", "city"},
                     {"/patient/address/zipcode", "zipCode"},
                     {"/orderItems/1/cuont", "count"},
                     {"/returnPackedKits/0/devices/0/serial", ""}});
  }
  SECTION("no suggestion for an unrelated name; pointers are escaped") {
    const auto found =
        impilo::unknown_members(request(R"({"site": {"id": 1}, "priority": "high", "a/b~c": 1})"));
    REQUIRE(found.size() == 2);
    CHECK(found[0].pointer == "/a~1b~0c");
    CHECK(found[1].pointer == "/priority");
    CHECK(found[1].suggestion.empty());
    CHECK(found[1].message == "/priority is not a member the SDK knows and is sent as it is");
  }
  SECTION("members inside an unknown member are not listed again") {
    const auto found =
        impilo::unknown_members(request(R"({"site": {"id": 1}, "extra": {"nested": 1}})"));
    REQUIRE(found.size() == 1);
    CHECK(found[0].pointer == "/extra");
  }
  SECTION("a request the SDK models entirely has none") {
    CHECK(impilo::unknown_members(seed_example()).empty());
  }
}

// ---- Everything at once ----

TEST_CASE("every violation is reported at once, in document order", "[validation]") {
  CreateOrderRequest r;
  Patient p;  // a new patient with a blank name, an incomplete address and a site without id
  p.first_name = "Jane";
  p.last_name = " ";
  p.address = full_address();
  p.address->country.reset();
  p.site = Site{};
  r.patient = p;
  r.site = Site::with_id(77);
  r.order_items = std::vector<OrderItem>{OrderItem::of(1000, 0)};
  r.order_kits = std::vector<OrderKit>{OrderKit{}};
  r.email_label = false;
  r.return_items = std::vector<ReturnItem>{ReturnItem::of(1000, 1)};
  r.return_devices = std::vector<ReturnDevice>{ReturnDevice{}, ReturnDevice::of(501)};
  r.return_packed_kits = std::vector<ReturnPackedKit>{packed_kit(3000, {501})};

  CHECK(validate(r) ==
        Violations{
            {"/patient/lastName", ErrorCode::patient_last_name_required,
             "Must provide a non-blank string for lastName."},
            {"/patient/address/country", ErrorCode::address_country_required,
             "Must provide a Country value in the Address."},
            {"/patient/site/id", ErrorCode::site_not_found, "Unable to find the Site provided."},
            {"/site", ErrorCode::patient_or_site_required, both_given},
            invalid("/orderItems/0/count", "count must be at least 1, got 0"),
            invalid("/orderKits/0/kit", "kit is required"),
            invalid("/orderKits/0/count", "count is required"),
            {"/shippingOption", ErrorCode::shipping_option_required, shipping_required},
            invalid("/returnDevices/0/id", "device id is required"),
            {"/returnDevices/1/id", ErrorCode::device_in_return_and_packed_kit, device_twice}});
}

TEST_CASE("an empty request reports the missing recipient and content", "[validation]") {
  CHECK(validate(CreateOrderRequest{}) ==
        Violations{{"/patient", ErrorCode::patient_or_site_required, patient_or_site},
                   {"/orderItems", ErrorCode::order_content_required, content_required}});
}
