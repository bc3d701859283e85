// The simulator's state and the API's rules for creating, fetching and listing orders.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "internal.hpp"
#include "json_text.hpp"

namespace impilo::testing::detail {
namespace {

using nlohmann::json;

constexpr std::int64_t default_page_size = 15;
constexpr std::int64_t max_page_size = 250;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

/// A model as compact JSON text through impilo's encoders: what `impilo::to_json_text` gives, but
/// through the `to_json` ADL hooks, which a shared libimpilo exports (its explicit instantiations
/// of `to_json_text` are not exported in 0.1).
template <typename T>
std::string encode(const T& value) {
  return json(value).dump();
}

/// Refuses with the bare code word (`item_not_orderable`), which the API also sends on its own.
[[noreturn]] void reject_with_word(ErrorCode code) {
  reject(to_string(code));
}

/// Present and non-empty (an empty list counts as absent, as in `impilo::validate`).
template <typename T>
bool has_entries(const std::optional<std::vector<T>>& list) {
  return list && !list->empty();
}

bool has_returns(const CreateOrderRequest& request) {
  return has_entries(request.return_items) || has_entries(request.return_devices) ||
         has_entries(request.return_packed_kits);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {  // both >= 0
  return a > int64_max - b ? int64_max : a + b;
}

std::int64_t saturating_multiply(std::int64_t a, std::int64_t b) {  // both >= 0
  if (a == 0 || b == 0) return 0;
  return a > int64_max / b ? int64_max : a * b;
}

/// Every line names its catalogue entry by id and asks for at least one.
template <typename Line, typename Ref>
void check_lines(const std::optional<std::vector<Line>>& lines,
                 const std::optional<Ref> Line::*ref) {
  if (!lines) return;
  for (const Line& line : *lines) {
    const std::optional<Ref>& entry = line.*ref;
    if (!entry || !entry->id || !line.count || *line.count < 1) reject(ErrorCode::invalid_data);
  }
}

/// Ids, counts and the documented enumerations.
void check_data(const CreateOrderRequest& request) {
  check_lines(request.order_items, &OrderItem::item);
  check_lines(request.order_kits, &OrderKit::kit);
  check_lines(request.return_items, &ReturnItem::item);
  if (request.return_devices) {
    for (const ReturnDevice& device : *request.return_devices) {
      if (!device.id) reject(ErrorCode::invalid_data);
    }
  }
  if (request.return_packed_kits) {
    for (const ReturnPackedKit& kit : *request.return_packed_kits) {
      if (!kit.devices) continue;
      for (const ReturnDevice& device : *kit.devices) {
        if (!device.id) reject(ErrorCode::invalid_data);
      }
    }
  }
  if (request.shipping_option && !request.shipping_option->is_known())
    reject(ErrorCode::invalid_data);
  if (request.patient && request.patient->sex && !request.patient->sex->is_known()) {
    reject(ErrorCode::invalid_data);
  }
  // A patient named by id is not changed by the order; a new one must be born on a real day.
  if (request.patient && !request.patient->id &&
      !is_valid_date_of_birth(request.patient->date_of_birth)) {
    reject(ErrorCode::invalid_data);
  }
}

// ---- Phase 2: structure ----------------------------------------------------------------------

void check_structure(const CreateOrderRequest& request) {
  if (request.patient.has_value() == request.site.has_value())
    reject(ErrorCode::patient_or_site_required);
  if (request.site && !request.site->id) reject(ErrorCode::patient_or_site_required);
  if (!has_entries(request.order_items) && !has_entries(request.order_kits) &&
      !has_returns(request)) {
    reject(ErrorCode::order_content_required);
  }
  if (has_returns(request) && !request.email_label.value_or(false) && !request.shipping_option) {
    reject(ErrorCode::shipping_option_required);
  }
  if (has_entries(request.return_devices) && has_entries(request.return_packed_kits)) {
    std::set<std::int64_t> packed;
    for (const ReturnPackedKit& kit : *request.return_packed_kits) {
      if (!kit.devices) continue;
      for (const ReturnDevice& device : *kit.devices) packed.insert(*device.id);
    }
    for (const ReturnDevice& device : *request.return_devices) {
      if (packed.count(*device.id) != 0) reject(ErrorCode::device_in_return_and_packed_kit);
    }
  }
}

}  // namespace

// ---- Phase 1: format -------------------------------------------------------------------------

template <typename Model>
Model decode_body(std::string_view body) {
  // Before parsing: exactly one JSON value (a NUL or trailing bytes make it something else), and
  // not so deeply nested that recursive code would overflow the stack.
  if (impilo::internal::check_json_text(body)) reject(ErrorCode::invalid_json);
  const json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) reject(ErrorCode::invalid_json);
  if (!j.is_object()) reject(ErrorCode::invalid_data);
  try {
    return j.get<Model>();
  } catch (const DecodeError&) {
    reject(ErrorCode::invalid_data);
  } catch (const json::exception&) {
    reject(ErrorCode::invalid_data);
  }
}

template CreateOrderRequest decode_body<CreateOrderRequest>(std::string_view body);
template Patient decode_body<Patient>(std::string_view body);

Answer message_answer(int status, std::string_view message) {
  return Answer{status, json{{"message", message}}.dump(), {}};
}

void reject(std::string_view message) {
  throw Rejected{std::string(message)};
}

void reject(ErrorCode code) {
  reject(server_message(code));
}

bool is_blank(const std::optional<std::string>& value) {
  return !value || impilo::internal::trim(*value).empty();
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::optional<PageRequest> parse_page_request(const std::optional<std::string>& page_text,
                                              const std::optional<std::string>& size_text) {
  const std::optional<std::int64_t> page = page_text ? parse_integer(*page_text) : 1;
  const std::optional<std::int64_t> size =
      size_text ? parse_integer(*size_text) : default_page_size;
  if (!page || !size || *page < 1 || *size < 1 || *size > max_page_size) return std::nullopt;
  return PageRequest{*page, *size};
}

PageWindow PageRequest::window(std::int64_t total) const {
  const std::int64_t pages = (total + size - 1) / size;
  PageWindow window{total, total, total, page == 1, page >= pages};
  if (page <= pages) {
    window.begin = (page - 1) * size;
    window.end = std::min(total, window.begin + size);
  }
  return window;
}

std::string order_json(const Order& order) {
  return encode(order);
}

std::string utc_timestamp(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto seconds_part = time_point_cast<seconds>(now);
  const auto millis = duration_cast<milliseconds>(now - seconds_part).count();
  const std::time_t t = system_clock::to_time_t(seconds_part);
  std::tm parts{};
#ifdef _WIN32
  gmtime_s(&parts, &t);
#else
  gmtime_r(&t, &parts);
#endif
  char date[32];
  const std::size_t length = std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &parts);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return std::string(date, length) + fraction;
}

// ---- Construction and accessors --------------------------------------------------------------

OrderBook::OrderBook(const Catalog& catalog) : status_flow_(catalog.status_flow) {
  if (auto problem = find_catalog_problem(catalog)) {
    throw std::invalid_argument("inconsistent catalogue: " + *problem);
  }
  api_keys_.insert(catalog.api_keys.begin(), catalog.api_keys.end());
  for (const Item& item : catalog.items) items_[*item.id] = item;
  for (const Site& site : catalog.sites) sites_[*site.id] = site;
  std::int64_t highest_patient_id = 0;
  for (Patient patient : catalog.patients) {
    if (patient.site) patient.site = sites_.at(*patient.site->id);
    highest_patient_id = std::max(highest_patient_id, *patient.id);
    patients_[*patient.id] = std::move(patient);
  }
  next_patient_id_ = highest_patient_id + 1;
  for (const CatalogKit& entry : catalog.kits) {
    KitEntry kit{entry.kit, entry.loaner};
    if (kit.kit.kit_items) {
      for (KitItem& line : *kit.kit.kit_items) line.item = items_.at(*line.item->id);
    }
    kits_[*kit.kit.id] = std::move(kit);
  }
  for (Device device : catalog.devices) {
    if (device.item) device.item = items_.at(*device.item->id);
    if (device.site) device.site = sites_.at(*device.site->id);
    if (device.current_patient) device.current_patient = patients_.at(*device.current_patient->id);
    devices_[*device.id] = std::move(device);
  }
  inventory_ = catalog.inventory;
}

bool OrderBook::accepts_key(std::string_view key) const {
  return api_keys_.count(key) != 0;
}

std::vector<Order> OrderBook::orders() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return orders_;
}

std::optional<Order> OrderBook::order(std::int64_t id) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (id < 1 || static_cast<std::uint64_t>(id) > orders_.size()) return std::nullopt;
  return orders_[static_cast<std::size_t>(id - 1)];
}

std::vector<Patient> OrderBook::patients() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Patient> out;
  out.reserve(patients_.size());
  for (const auto& entry : patients_) out.push_back(entry.second);
  return out;
}

std::optional<std::int64_t> OrderBook::inventory(std::int64_t item_id) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = inventory_.find(item_id);
  if (found == inventory_.end()) return std::nullopt;
  return found->second;
}

void OrderBook::set_inventory(std::int64_t item_id, std::optional<std::int64_t> units) {
  if (items_.count(item_id) == 0) {
    throw std::invalid_argument("set_inventory: item " + std::to_string(item_id) +
                                " is not in the catalogue");
  }
  if (units && *units < 0) {
    throw std::invalid_argument("set_inventory: units must not be negative, got " +
                                std::to_string(*units));
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  if (units) {
    inventory_[item_id] = *units;
  } else {
    inventory_.erase(item_id);
  }
}

// ---- Phases 3 to 6 (called with mutex_ held) -------------------------------------------------

OrderBook::Recipient OrderBook::check_recipient(const CreateOrderRequest& request) const {
  Recipient recipient;
  if (request.site) {
    const auto site = sites_.find(*request.site->id);
    if (site == sites_.end() || site->second.active == false) reject(ErrorCode::invalid_order);
    recipient.site = site->second;
    return recipient;
  }
  const Patient& patient = *request.patient;
  if (patient.id) {
    const auto known = patients_.find(*patient.id);
    if (known == patients_.end()) reject(ErrorCode::patient_does_not_exist);
    recipient.patient = known->second;
    return recipient;
  }
  recipient.patient = check_new_patient(patient);
  recipient.new_patient = true;
  return recipient;
}

void OrderBook::check_items(const CreateOrderRequest& request) const {
  if (request.order_items) {
    for (const OrderItem& line : *request.order_items) {
      const auto item = items_.find(*line.item->id);
      if (item == items_.end()) reject_with_word(ErrorCode::item_not_orderable);
      if (item->second.orderable == false) reject(ErrorCode::item_not_orderable);
    }
  }
  if (request.order_kits) {
    for (const OrderKit& line : *request.order_kits) {
      if (kits_.count(*line.kit->id) == 0) reject_with_word(ErrorCode::item_not_orderable);
    }
  }
}

void OrderBook::check_loaner_kits(const CreateOrderRequest& request) const {
  if (!request.order_kits) return;
  std::vector<const OrderKit*> loaner_lines;
  for (const OrderKit& line : *request.order_kits) {
    if (kits_.at(*line.kit->id).loaner) loaner_lines.push_back(&line);
  }
  if (loaner_lines.empty()) return;
  if (loaner_lines.size() > 1) reject(ErrorCode::max_one_loaner_kit);
  if (*loaner_lines.front()->count > 1) reject(ErrorCode::qty_over_one_loaner_kit);
  if (has_returns(request)) reject(ErrorCode::no_returns_with_loaner_kit);
  if (request.site) reject(ErrorCode::no_loaner_kit_to_site);
}

std::map<std::int64_t, std::int64_t> OrderBook::demand_of(const CreateOrderRequest& request) const {
  std::map<std::int64_t, std::int64_t> demand;
  if (request.order_items) {
    for (const OrderItem& line : *request.order_items) {
      std::int64_t& units = demand[*line.item->id];
      units = saturating_add(units, *line.count);
    }
  }
  if (request.order_kits) {
    for (const OrderKit& line : *request.order_kits) {
      const Kit& kit = kits_.at(*line.kit->id).kit;
      if (!kit.kit_items) continue;
      for (const KitItem& content : *kit.kit_items) {
        // A kit item without a count counts once.
        std::int64_t& units = demand[*content.item->id];
        units = saturating_add(units, saturating_multiply(*line.count, content.count.value_or(1)));
      }
    }
  }
  return demand;
}

void OrderBook::check_inventory(const std::map<std::int64_t, std::int64_t>& demand) const {
  for (const auto& [item_id, units] : demand) {
    const auto stock = inventory_.find(item_id);
    if (stock != inventory_.end() && units > stock->second)
      reject(ErrorCode::insufficient_inventory);
  }
}

void OrderBook::take_inventory(const std::map<std::int64_t, std::int64_t>& demand) {
  for (const auto& [item_id, units] : demand) {
    const auto stock = inventory_.find(item_id);
    if (stock != inventory_.end()) stock->second -= units;  // check_inventory: units <= stock
  }
}

Order OrderBook::build_order(const CreateOrderRequest& request, const Recipient& recipient,
                             std::int64_t id, const std::string& now) const {
  Order order;
  order.id = id;
  order.external_order_ids = request.external_order_ids;
  order.patient = recipient.patient;
  order.site = recipient.site;
  order.current_status = OrderStatus::from_string(status_flow_.front());
  if (request.order_items) {
    order.order_items.emplace();
    for (OrderItem line : *request.order_items) {
      line.item = items_.at(*line.item->id);
      order.order_items->push_back(std::move(line));
    }
  }
  if (request.order_kits) {
    order.order_kits.emplace();
    for (OrderKit line : *request.order_kits) {
      line.kit = kits_.at(*line.kit->id).kit;
      order.order_kits->push_back(std::move(line));
    }
  }
  OrderEvent created;
  created.name = "created";
  created.event_timestamp = now;
  order.order_events = std::vector<OrderEvent>{created};
  if (request.order_notes) {
    order.order_notes = request.order_notes;
    for (OrderNote& note : *order.order_notes) {
      if (!note.created_at) note.created_at = now;
    }
  }
  order.tracking_numbers.emplace();
  order.devices.emplace();
  order.packed_kits.emplace();
  order.shipping_option = request.shipping_option;
  order.email_label = request.email_label.value_or(false);

  // Returns: a catalogue item, kit or device is shown in full; anything else as sent.
  const auto full_device = [this](const ReturnDevice& sent) {
    const auto known = devices_.find(*sent.id);
    if (known == devices_.end()) return sent;
    json full = known->second;
    const json given = sent;
    for (const auto& member : given.items()) {
      if (!full.contains(member.key())) full[member.key()] = member.value();
    }
    return full.get<ReturnDevice>();
  };
  if (request.return_items) {
    order.return_items.emplace();
    for (ReturnItem line : *request.return_items) {
      if (const auto item = items_.find(*line.item->id); item != items_.end())
        line.item = item->second;
      order.return_items->push_back(std::move(line));
    }
  }
  if (request.return_devices) {
    order.return_devices.emplace();
    for (const ReturnDevice& device : *request.return_devices) {
      order.return_devices->push_back(full_device(device));
    }
  }
  if (request.return_packed_kits) {
    order.return_packed_kits.emplace();
    for (ReturnPackedKit packed : *request.return_packed_kits) {
      if (packed.kit && packed.kit->id) {
        if (const auto kit = kits_.find(*packed.kit->id); kit != kits_.end()) {
          packed.kit = kit->second.kit;
        }
      }
      if (packed.devices) {
        for (ReturnDevice& device : *packed.devices) device = full_device(device);
      }
      order.return_packed_kits->push_back(std::move(packed));
    }
  }
  return order;
}

// ---- Endpoints -------------------------------------------------------------------------------

Answer OrderBook::create(std::string_view body) {
  try {
    const CreateOrderRequest request = decode_body<CreateOrderRequest>(body);
    check_data(request);
    check_structure(request);
    const std::string now = utc_timestamp();

    const std::lock_guard<std::mutex> lock(mutex_);
    Recipient recipient = check_recipient(request);
    check_items(request);
    check_loaner_kits(request);
    const auto demand = demand_of(request);
    check_inventory(demand);

    // Every rule passed: from here on nothing can refuse the order.
    take_inventory(demand);
    // The new patient is a patient like any other: listed, fetched and ordered for by its id.
    if (recipient.new_patient) recipient.patient = add_patient(*std::move(recipient.patient));
    const auto id = static_cast<std::int64_t>(orders_.size()) + 1;
    orders_.push_back(build_order(request, recipient, id, now));
    flow_positions_.push_back(0);
    return Answer{
        201, encode(orders_.back()), {{"Location", "/api/v3/order/" + std::to_string(id)}}};
  } catch (const Rejected& rejected) {
    return message_answer(400, rejected.message);
  }
}

Answer OrderBook::get(std::string_view id_text) const {
  const auto id = parse_integer(id_text);
  if (!id) return message_answer(400, server_message(ErrorCode::invalid_data));
  const std::lock_guard<std::mutex> lock(mutex_);
  if (*id < 1 || static_cast<std::uint64_t>(*id) > orders_.size()) {
    return message_answer(404, text::order_not_found);
  }
  return Answer{200, encode(orders_[static_cast<std::size_t>(*id - 1)]), {}};
}

Answer OrderBook::list(const std::optional<std::string>& page_text,
                       const std::optional<std::string>& size_text, bool descending) const {
  const auto request = parse_page_request(page_text, size_text);
  if (!request) return message_answer(400, server_message(ErrorCode::invalid_data));
  const std::lock_guard<std::mutex> lock(mutex_);
  const PageWindow window = request->window(static_cast<std::int64_t>(orders_.size()));
  Page<Order> result;
  result.page = request->page;
  result.size = request->size;
  result.total = window.total;
  result.first = window.first;
  result.last = window.last;
  if (descending) {
    result.content.assign(orders_.rbegin() + window.begin, orders_.rbegin() + window.end);
  } else {
    result.content.assign(orders_.begin() + window.begin, orders_.begin() + window.end);
  }
  return Answer{200, encode(result), {}};
}

}  // namespace impilo::testing::detail
