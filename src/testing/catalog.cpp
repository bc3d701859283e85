// The simulator's catalogue: its JSON form, its consistency rules, and the demo catalogue.

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/testing/simulator.hpp>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "internal.hpp"
#include "json_text.hpp"

namespace impilo::testing {
namespace {

using nlohmann::json;

constexpr std::string_view top_level_members[] = {"apiKeys", "patients",  "sites",   "items",
                                                  "kits",    "inventory", "devices", "statusFlow"};

std::string type_name(const json& j) {
  if (j.is_number_integer()) return "integer";
  if (j.is_number_float()) return "number with a fraction";
  return j.type_name();
}

[[noreturn]] void wrong_type(const std::string& pointer, const char* expected, const json& got) {
  throw DecodeError(pointer, std::string("expected ") + expected + ", got " + type_name(got));
}

[[noreturn]] void inconsistent(const std::string& problem) {
  throw std::runtime_error("catalogue: " + problem);
}

/// Decodes @p j as model @p T, rebasing a `DecodeError`'s pointer onto @p at.
template <typename T>
T decode_at(const json& j, const std::string& at) {
  try {
    return j.get<T>();
  } catch (const DecodeError& e) {
    throw DecodeError(at + e.pointer(), e.detail());
  }
}

/// The list member @p name of @p top decoded element by element (empty when absent or null).
template <typename T>
std::vector<T> decode_list(const json& top, const char* name) {
  std::vector<T> out;
  const auto member = top.find(name);
  if (member == top.end() || member->is_null()) return out;
  const std::string at = std::string("/") + name;
  if (!member->is_array()) wrong_type(at, "array", *member);
  for (std::size_t i = 0; i < member->size(); ++i) {
    out.push_back(decode_at<T>((*member)[i], at + "/" + std::to_string(i)));
  }
  return out;
}

std::vector<CatalogKit> decode_kits(const json& top) {
  std::vector<CatalogKit> out;
  const auto member = top.find("kits");
  if (member == top.end() || member->is_null()) return out;
  if (!member->is_array()) wrong_type("/kits", "array", *member);
  for (std::size_t i = 0; i < member->size(); ++i) {
    const std::string at = "/kits/" + std::to_string(i);
    json element = (*member)[i];
    if (!element.is_object()) wrong_type(at, "object", element);
    CatalogKit kit;
    if (const auto loaner = element.find("loaner"); loaner != element.end()) {
      if (loaner->is_boolean()) {
        kit.loaner = loaner->get<bool>();
      } else if (!loaner->is_null()) {
        wrong_type(at + "/loaner", "boolean", *loaner);
      }
      element.erase("loaner");  // the flag is the simulator's, not part of the Kit object
    }
    kit.kit = decode_at<Kit>(element, at);
    out.push_back(std::move(kit));
  }
  return out;
}

/// The list of strings @p name of @p top, or nothing when it is absent or null.
std::optional<std::vector<std::string>> decode_strings(const json& top, const char* name) {
  const auto member = top.find(name);
  if (member == top.end() || member->is_null()) return std::nullopt;
  const std::string at = std::string("/") + name;
  if (!member->is_array()) wrong_type(at, "array", *member);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < member->size(); ++i) {
    const json& text = (*member)[i];
    if (!text.is_string()) wrong_type(at + "/" + std::to_string(i), "string", text);
    out.push_back(text.get<std::string>());
  }
  return out;
}

std::map<std::int64_t, std::int64_t> decode_inventory(const json& top) {
  std::map<std::int64_t, std::int64_t> inventory;
  const auto member = top.find("inventory");
  if (member == top.end() || member->is_null()) return inventory;
  if (!member->is_object()) wrong_type("/inventory", "object", *member);
  for (const auto& [key, units] : member->items()) {
    const std::string at = "/inventory/" + key;
    std::int64_t item_id = 0;
    const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), item_id);
    if (error != std::errc() || end != key.data() + key.size() || key.empty()) {
      inconsistent(at + ": the key must be an item id (a decimal integer)");
    }
    if (!units.is_number_integer()) wrong_type(at, "integer", units);
    if (units.is_number_unsigned() &&
        units.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw DecodeError(at, "integer out of the 64-bit signed range");
    }
    inventory[item_id] = units.get<std::int64_t>();
  }
  return inventory;
}

// ---- Consistency -----------------------------------------------------------------------------

/// Collects the ids of one list, reporting a missing or repeated one.
template <typename T>
std::optional<std::string> collect_ids(const std::vector<T>& list, const char* name,
                                       std::set<std::int64_t>& ids) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = std::string("/") + name + "/" + std::to_string(i) + "/id";
    if (!list[i].id) return at + ": required";
    if (!ids.insert(*list[i].id).second) {
      return at + ": " + std::to_string(*list[i].id) + " appears twice in /" + name;
    }
  }
  return std::nullopt;
}

/// A reference at @p at to an entry of list @p name: it needs an id that @p ids holds.
std::optional<std::string> check_reference(const std::optional<std::int64_t>& id,
                                           const std::set<std::int64_t>& ids, const std::string& at,
                                           const char* name) {
  if (!id) return at + ": required";
  if (ids.count(*id) == 0) return at + ": " + std::to_string(*id) + " is not in /" + name;
  return std::nullopt;
}

bool has_line_break(const std::string& text) {
  return text.find_first_of("\r\n") != std::string::npos;
}

}  // namespace

namespace detail {

std::optional<std::string> find_catalog_problem(const Catalog& catalog) {
  if (catalog.api_keys.empty()) return std::string("/apiKeys: list at least one API key");
  for (std::size_t i = 0; i < catalog.api_keys.size(); ++i) {
    const std::string& key = catalog.api_keys[i];
    if (key.empty() || has_line_break(key)) {
      return "/apiKeys/" + std::to_string(i) + ": a key must be non-empty and hold no CR or LF";
    }
  }

  std::set<std::int64_t> patient_ids;
  std::set<std::int64_t> site_ids;
  std::set<std::int64_t> item_ids;
  std::set<std::int64_t> kit_ids;
  std::set<std::int64_t> device_ids;
  if (auto p = collect_ids(catalog.patients, "patients", patient_ids)) return p;
  if (auto p = collect_ids(catalog.sites, "sites", site_ids)) return p;
  if (auto p = collect_ids(catalog.items, "items", item_ids)) return p;
  if (auto p = collect_ids(catalog.devices, "devices", device_ids)) return p;
  for (std::size_t i = 0; i < catalog.kits.size(); ++i) {
    const Kit& kit = catalog.kits[i].kit;
    const std::string at = "/kits/" + std::to_string(i);
    if (!kit.id) return at + "/id: required";
    if (!kit_ids.insert(*kit.id).second) {
      return at + "/id: " + std::to_string(*kit.id) + " appears twice in /kits";
    }
    if (!kit.kit_items) continue;
    for (std::size_t k = 0; k < kit.kit_items->size(); ++k) {
      const KitItem& line = (*kit.kit_items)[k];
      const std::string line_at = at + "/kitItems/" + std::to_string(k);
      if (!line.item) return line_at + "/item: required";
      if (auto p = check_reference(line.item->id, item_ids, line_at + "/item/id", "items")) {
        return p;
      }
      if (line.count && *line.count < 1) {
        return line_at + "/count: must be at least 1, got " + std::to_string(*line.count);
      }
    }
  }

  for (std::size_t i = 0; i < catalog.patients.size(); ++i) {
    const Patient& patient = catalog.patients[i];
    if (!patient.site) continue;
    const std::string at = "/patients/" + std::to_string(i) + "/site/id";
    if (auto p = check_reference(patient.site->id, site_ids, at, "sites")) return p;
  }
  for (std::size_t i = 0; i < catalog.devices.size(); ++i) {
    const Device& device = catalog.devices[i];
    const std::string at = "/devices/" + std::to_string(i);
    if (device.item) {
      if (auto p = check_reference(device.item->id, item_ids, at + "/item/id", "items")) return p;
    }
    if (device.site) {
      if (auto p = check_reference(device.site->id, site_ids, at + "/site/id", "sites")) return p;
    }
    if (device.current_patient) {
      if (auto p = check_reference(device.current_patient->id, patient_ids,
                                   at + "/currentPatient/id", "patients")) {
        return p;
      }
    }
  }
  for (const auto& [item_id, units] : catalog.inventory) {
    const std::string at = "/inventory/" + std::to_string(item_id);
    if (item_ids.count(item_id) == 0)
      return at + ": item " + std::to_string(item_id) + " is not in /items";
    if (units < 0) return at + ": units must not be negative, got " + std::to_string(units);
  }
  if (catalog.status_flow.empty()) return std::string("/statusFlow: list at least one status");
  std::set<std::string> statuses;
  for (std::size_t i = 0; i < catalog.status_flow.size(); ++i) {
    const std::string& status = catalog.status_flow[i];
    const std::string at = "/statusFlow/" + std::to_string(i);
    if (status.empty()) return at + ": a status must be non-empty";
    if (!statuses.insert(status).second) return at + ": '" + status + "' appears twice";
  }
  return std::nullopt;
}

}  // namespace detail

Catalog Catalog::from_json_text(std::string_view json_text) {
  const json top = impilo::internal::parse_json_text(json_text);
  if (!top.is_object()) wrong_type("", "object", top);
  for (const auto& member : top.items()) {
    bool known = false;
    for (std::string_view name : top_level_members) known = known || member.key() == name;
    if (!known) {
      inconsistent("/" + member.key() +
                   ": unknown member (expected apiKeys, patients, sites, items, kits, inventory, "
                   "devices, statusFlow)");
    }
  }

  Catalog catalog;
  catalog.api_keys = decode_strings(top, "apiKeys").value_or(std::vector<std::string>{});
  catalog.patients = decode_list<Patient>(top, "patients");
  catalog.sites = decode_list<Site>(top, "sites");
  catalog.items = decode_list<Item>(top, "items");
  catalog.kits = decode_kits(top);
  catalog.inventory = decode_inventory(top);
  catalog.devices = decode_list<Device>(top, "devices");
  if (auto flow = decode_strings(top, "statusFlow")) catalog.status_flow = *std::move(flow);
  if (auto problem = detail::find_catalog_problem(catalog)) inconsistent(*problem);
  return catalog;
}

Catalog Catalog::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw std::runtime_error("cannot read catalogue file '" + path +
                             "': " + std::generic_category().message(error));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read catalogue file '" + path + "'");
  return from_json_text(content.str());
}

std::string Catalog::to_json_text() const {
  json top = json::object();
  top["apiKeys"] = api_keys;
  json patient_list = json::array();
  for (const Patient& p : patients) patient_list.push_back(p);
  top["patients"] = std::move(patient_list);
  json site_list = json::array();
  for (const Site& s : sites) site_list.push_back(s);
  top["sites"] = std::move(site_list);
  json item_list = json::array();
  for (const Item& i : items) item_list.push_back(i);
  top["items"] = std::move(item_list);
  json kit_list = json::array();
  for (const CatalogKit& k : kits) {
    json kit = k.kit;
    if (k.loaner) kit["loaner"] = true;
    kit_list.push_back(std::move(kit));
  }
  top["kits"] = std::move(kit_list);
  json stock = json::object();
  for (const auto& [item_id, units] : inventory) stock[std::to_string(item_id)] = units;
  top["inventory"] = std::move(stock);
  json device_list = json::array();
  for (const Device& d : devices) device_list.push_back(d);
  top["devices"] = std::move(device_list);
  top["statusFlow"] = status_flow;
  return top.dump(2);
}

Catalog Catalog::demo() {
  // Also shipped as data/demo-catalog.json (a test keeps the two equal).
  static constexpr std::string_view text = R"json({
  "apiKeys": ["sim-key-1"],
  "sites": [
    {"id": 10, "name": "Riverside Cardiology Clinic", "active": true, "phoneNumber": "+1-555-0100",
     "address": {"lineOne": "100 River Road", "city": "Springfield", "state": "IL",
                 "zipCode": "62701", "country": "US"}},
    {"id": 11, "name": "Northgate Family Practice", "active": true, "phoneNumber": "+1-555-0110",
     "address": {"lineOne": "42 Northgate Avenue", "lineTwo": "Suite 3", "city": "Springfield",
                 "state": "IL", "zipCode": "62702", "country": "US"}},
    {"id": 12, "name": "Old Town Clinic", "active": false, "phoneNumber": "+1-555-0120",
     "address": {"lineOne": "7 Market Street", "city": "Springfield", "state": "IL",
                 "zipCode": "62703", "country": "US", "note": "Closed for renovation"}}
  ],
  "patients": [
    {"id": 5000, "externalIdentifier": "EHR-5000", "firstName": "Thandi", "lastName": "Nkosi",
     "dateOfBirth": "1954-03-12", "email": "thandi.nkosi@example.com", "phoneNumber": "+1-555-0150",
     "archived": false, "enrolled": true, "sex": "female", "site": {"id": 10},
     "address": {"lineOne": "12 Oak Lane", "city": "Springfield", "state": "IL",
                 "zipCode": "62704", "country": "US"}},
    {"id": 5001, "externalIdentifier": "EHR-5001", "firstName": "James", "lastName": "Carter",
     "dateOfBirth": "1948-11-02", "email": "james.carter@example.com", "phoneNumber": "+1-555-0151",
     "archived": false, "enrolled": true, "sex": "male", "site": {"id": 11},
     "address": {"lineOne": "3 Elm Street", "lineTwo": "Apt 2B", "city": "Springfield",
                 "state": "IL", "zipCode": "62702", "country": "US"}},
    {"id": 5002, "externalIdentifier": "EHR-5002", "firstName": "Maria", "lastName": "Lopez",
     "dateOfBirth": "1962-07-25", "email": "maria.lopez@example.com", "phoneNumber": "+1-555-0152",
     "archived": false, "enrolled": false, "sex": "other",
     "address": {"lineOne": "88 Cedar Court", "city": "Chatham", "state": "IL",
                 "zipCode": "62629", "country": "US", "note": "Leave parcels with the neighbour"}}
  ],
  "items": [
    {"id": 1000, "manufacturer": {"id": 1, "name": "Cardiometrix"},
     "name": "Cellular Blood Pressure Monitor", "model": "BP-200", "sku": "CMX-BP200",
     "orderable": true},
    {"id": 1001, "manufacturer": {"id": 2, "name": "Scalewell"}, "name": "Cellular Weight Scale",
     "model": "WS-10", "sku": "SCW-WS10", "orderable": true},
    {"id": 1002, "manufacturer": {"id": 3, "name": "Pulsenet"}, "name": "Pulse Oximeter",
     "model": "PO-3", "sku": "PLN-PO3", "orderable": true},
    {"id": 1003, "manufacturer": {"id": 4, "name": "Glucowise"}, "name": "Glucose Meter",
     "model": "GM-1", "sku": "GLW-GM1", "orderable": true},
    {"id": 1004, "manufacturer": {"id": 1, "name": "Cardiometrix"}, "name": "Large Adult Cuff",
     "model": "CUFF-L", "sku": "CMX-CUFFL", "orderable": true},
    {"id": 1005, "manufacturer": {"id": 6, "name": "Thermacare"},
     "name": "Digital Thermometer (discontinued)", "model": "DT-1", "sku": "THC-DT1",
     "orderable": false},
    {"id": 1006, "manufacturer": {"id": 5, "name": "Linkbridge"}, "name": "Cellular Hub",
     "model": "HUB-4G", "sku": "LKB-HUB4G", "orderable": true}
  ],
  "kits": [
    {"id": 2000, "name": "Hypertension Kit", "archived": false,
     "kitItems": [{"item": {"id": 1000}, "count": 1}, {"item": {"id": 1004}, "count": 1}]},
    {"id": 2001, "name": "Heart Failure Kit", "archived": false,
     "kitItems": [{"item": {"id": 1000}, "count": 1}, {"item": {"id": 1001}, "count": 1},
                  {"item": {"id": 1002}, "count": 1}]},
    {"id": 2002, "name": "Loaner Pulse Oximetry Kit", "archived": false, "loaner": true,
     "kitItems": [{"item": {"id": 1002}, "count": 1}, {"item": {"id": 1006}, "count": 1}]},
    {"id": 2003, "name": "Cuff Refill Pack", "archived": false,
     "kitItems": [{"item": {"id": 1004}, "count": 2}]}
  ],
  "inventory": {"1000": 100, "1001": 50, "1002": 3, "1004": 200, "1005": 10, "1006": 20},
  "statusFlow": ["availableForPickup", "shipped", "delivered"],
  "devices": [
    {"id": 9000, "item": {"id": 1000}, "currentStatus": "withPatient", "used": true,
     "currentPatient": {"id": 5000}, "externalIdentifier": "dev-9000",
     "deviceIdentifiers": [{"type": "serialNumber", "value": "CMX-0000123"}]},
    {"id": 9001, "item": {"id": 1001}, "currentStatus": "withPatient", "used": true,
     "currentPatient": {"id": 5001}, "externalIdentifier": "dev-9001",
     "deviceIdentifiers": [{"type": "serialNumber", "value": "SCW-0000456"}]},
    {"id": 9002, "item": {"id": 1002}, "currentStatus": "availableAtSite", "used": false,
     "site": {"id": 10}, "externalIdentifier": "dev-9002",
     "deviceIdentifiers": [{"type": "serialNumber", "value": "PLN-0000789"}]},
    {"id": 9003, "item": {"id": 1006}, "currentStatus": "available", "used": false,
     "externalIdentifier": "dev-9003",
     "deviceIdentifiers": [{"type": "serialNumber", "value": "LKB-0000321"},
                           {"type": "imei", "value": "356938035643809"}]}
  ]
})json";
  static const Catalog parsed = from_json_text(text);  // parsed once, copied per call
  return parsed;
}

}  // namespace impilo::testing
