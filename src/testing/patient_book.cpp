// The simulator's patients and kits (spec section 10): creating, fetching, replacing and listing
// patients, and listing the catalogue's kits. The patients share the order book's state and
// mutex because an order for a new patient creates one.
//
// The rules are the simulator's own reading of the API notes, written out here as a server would
// apply them: it never calls the SDK's `impilo::validate`, so a test through the client proves
// that the two agree instead of assuming it.

#include <algorithm>
#include <cstdint>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "civil_time.hpp"
#include "internal.hpp"
#include "json_text.hpp"

namespace impilo::testing::detail {
namespace {

using nlohmann::json;

constexpr std::string_view patients_location = "/api/v3/patient/";

/// One `@` with text on both sides; absent is fine.
bool is_valid_email(const std::optional<std::string>& email) {
  if (!email) return true;
  const std::size_t at = email->find('@');
  return at != std::string::npos && at != 0 && at + 1 != email->size() &&
         email->find('@', at + 1) == std::string::npos;
}

/// The rules without a documented sentence, all answered `Invalid data provided`: `sex` one of
/// the documented values, `dateOfBirth` a real day not after today, `email` an address.
void check_patient_data(const Patient& patient) {
  if (patient.sex && !patient.sex->is_known()) reject(ErrorCode::invalid_data);
  if (!is_valid_date_of_birth(patient.date_of_birth)) reject(ErrorCode::invalid_data);
  if (!is_valid_email(patient.email)) reject(ErrorCode::invalid_data);
}

// ---- Listing filters -------------------------------------------------------------------------

/// A query parameter that is invalid: the listing answers 400 `Invalid data provided`, as for a
/// bad page or size.
struct BadQuery {};

/// The one value of a single-valued parameter; given twice it is ambiguous, so refused.
std::optional<std::string> single(const QueryValues& query, const char* name) {
  std::vector<std::string> values = query(name);
  if (values.empty()) return std::nullopt;
  if (values.size() > 1) throw BadQuery{};
  return std::move(values.front());
}

/// A text filter: present means non-empty (an empty one would match by accident or nothing).
std::optional<std::string> text_filter(const QueryValues& query, const char* name) {
  std::optional<std::string> value = single(query, name);
  if (value && value->empty()) throw BadQuery{};
  return value;
}

std::optional<bool> flag_filter(const QueryValues& query, const char* name) {
  const std::optional<std::string> value = single(query, name);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  throw BadQuery{};
}

std::vector<std::int64_t> id_filter(const QueryValues& query, const char* name) {
  std::vector<std::int64_t> ids;
  for (const std::string& value : query(name)) {
    const std::optional<std::int64_t> id = parse_integer(value);
    if (!id) throw BadQuery{};
    ids.push_back(*id);
  }
  return ids;
}

std::optional<std::int64_t> date_filter(const QueryValues& query, const char* name) {
  const std::optional<std::string> value = single(query, name);
  if (!value) return std::nullopt;
  const std::optional<std::int64_t> day = impilo::internal::parse_calendar_date(*value);
  if (!day) throw BadQuery{};
  return day;
}

PageRequest page_filter(const QueryValues& query) {
  const std::optional<PageRequest> request =
      parse_page_request(single(query, "page"), single(query, "size"));
  if (!request) throw BadQuery{};
  return *request;
}

/// A flag filter on a flag that may be absent: absent counts as false, as a new record's
/// default would.
bool flag_matches(const std::optional<bool>& wanted, const std::optional<bool>& value) {
  return !wanted || *wanted == value.value_or(false);
}

template <typename T>
bool contains(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool contains_ignoring_case(std::string_view text, std::string_view part) {
  return impilo::internal::lowercase(text).find(impilo::internal::lowercase(part)) !=
         std::string::npos;
}

bool equal_ignoring_case(const std::optional<std::string>& value, const std::string& wanted) {
  return value && impilo::internal::equals_ignoring_case(*value, wanted);
}

/// The filters of `GET /api/v3/patient`; every one given must match (a list filter: any of its
/// values).
struct PatientFilter {
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> site_ids;
  std::vector<std::string> external_identifiers;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::optional<bool> archived;
  std::optional<bool> enrolled;
  std::optional<std::int64_t> born_from;  // days since 1970-01-01, inclusive
  std::optional<std::int64_t> born_until;
  std::optional<std::string> postal_code;
  std::optional<std::string> country;

  explicit PatientFilter(const QueryValues& query)
      : ids(id_filter(query, "id")),
        site_ids(id_filter(query, "siteId")),
        external_identifiers(query("externalIdentifier")),
        email(text_filter(query, "email")),
        name(text_filter(query, "name")),
        archived(flag_filter(query, "archived")),
        enrolled(flag_filter(query, "enrolled")),
        born_from(date_filter(query, "dateOfBirthMin")),
        born_until(date_filter(query, "dateOfBirthMax")),
        postal_code(text_filter(query, "postalCode")),
        country(text_filter(query, "country")) {
    for (const std::string& identifier : external_identifiers) {
      if (identifier.empty()) throw BadQuery{};
    }
  }

  [[nodiscard]] bool matches(const Patient& p) const {
    if (!ids.empty() && !contains(ids, *p.id)) return false;
    if (!site_ids.empty() && !(p.site && p.site->id && contains(site_ids, *p.site->id))) {
      return false;
    }
    if (!external_identifiers.empty() &&
        !(p.external_identifier && contains(external_identifiers, *p.external_identifier))) {
      return false;
    }
    if (email && !equal_ignoring_case(p.email, *email)) return false;
    if (name && !matches_name(p)) return false;
    if (!flag_matches(archived, p.archived) || !flag_matches(enrolled, p.enrolled)) return false;
    if (born_from || born_until) {
      // A patient without a readable date of birth is born on no day in the range.
      const auto day =
          p.date_of_birth ? impilo::internal::parse_calendar_date(*p.date_of_birth) : std::nullopt;
      if (!day || (born_from && *day < *born_from) || (born_until && *day > *born_until)) {
        return false;
      }
    }
    if (postal_code && !(p.address && equal_ignoring_case(p.address->zip_code, *postal_code))) {
      return false;
    }
    if (country && !(p.address && equal_ignoring_case(p.address->country, *country))) {
      return false;
    }
    return true;
  }

  /// `name` is a case-insensitive part of the first name, the last name or "first last".
  [[nodiscard]] bool matches_name(const Patient& p) const {
    const std::string first = p.first_name.value_or("");
    const std::string last = p.last_name.value_or("");
    return contains_ignoring_case(first, *name) || contains_ignoring_case(last, *name) ||
           contains_ignoring_case(first + " " + last, *name);
  }
};

enum class PatientSortKey { first_name, last_name, patient_id };

PatientSortKey sort_filter(const QueryValues& query) {
  const std::optional<std::string> sort = single(query, "sort");
  if (!sort || *sort == "patientId") return PatientSortKey::patient_id;
  if (*sort == "firstName") return PatientSortKey::first_name;
  if (*sort == "lastName") return PatientSortKey::last_name;
  throw BadQuery{};
}

/// Sorts by @p key (names case-insensitively), ties by id, so that pages never overlap.
void sort_patients(std::vector<Patient>& patients, PatientSortKey key, bool descending) {
  const auto name_of = [key](const Patient& p) {
    const std::optional<std::string>& name =
        key == PatientSortKey::first_name ? p.first_name : p.last_name;
    return impilo::internal::lowercase(name.value_or(""));
  };
  const auto before = [&](const Patient& a, const Patient& b) {
    if (key == PatientSortKey::patient_id) return *a.id < *b.id;
    return std::make_tuple(name_of(a), *a.id) < std::make_tuple(name_of(b), *b.id);
  };
  std::sort(patients.begin(), patients.end(), [&](const Patient& a, const Patient& b) {
    return descending ? before(b, a) : before(a, b);
  });
}

/// The page of @p all that @p request shows, as the API's envelope.
template <typename T>
Answer page_answer(std::vector<T> all, const PageRequest& request) {
  const PageWindow window = request.window(static_cast<std::int64_t>(all.size()));
  Page<T> result;
  result.page = request.page;
  result.size = request.size;
  result.total = window.total;
  result.first = window.first;
  result.last = window.last;
  result.content.assign(std::make_move_iterator(all.begin() + window.begin),
                        std::make_move_iterator(all.begin() + window.end));
  return Answer{200, json(result).dump(), {}};
}

Answer invalid_data() {
  return message_answer(400, server_message(ErrorCode::invalid_data));
}

}  // namespace

bool is_valid_date_of_birth(const std::optional<std::string>& date_of_birth) {
  if (!date_of_birth) return true;
  const std::optional<std::int64_t> day = impilo::internal::parse_calendar_date(*date_of_birth);
  return day && *day <= impilo::internal::today_utc();
}

// ---- Rules with a documented sentence --------------------------------------------------------

Patient OrderBook::check_new_patient(const Patient& patient) const {
  if (is_blank(patient.first_name)) reject(ErrorCode::patient_first_name_required);
  if (is_blank(patient.last_name)) reject(ErrorCode::patient_last_name_required);
  if (!patient.address) reject(ErrorCode::patient_address_required);
  const Address& address = *patient.address;
  if (is_blank(address.line_one)) reject(ErrorCode::address_line_one_required);
  if (is_blank(address.city)) reject(ErrorCode::address_city_required);
  if (is_blank(address.state)) reject(ErrorCode::address_state_required);
  if (is_blank(address.country)) reject(ErrorCode::address_country_required);
  if (is_blank(address.zip_code)) reject(ErrorCode::address_zip_code_required);
  Patient created = patient;
  if (patient.site) {
    if (!patient.site->id) reject(ErrorCode::site_not_found);
    const std::int64_t site_id = *patient.site->id;
    const auto site = sites_.find(site_id);
    if (site == sites_.end()) reject("Site " + std::to_string(site_id) + " not found");
    if (site->second.active == false) reject("Site " + std::to_string(site_id) + " not active");
    created.site = site->second;
  }
  return created;
}

const Patient& OrderBook::add_patient(Patient patient) {
  patient.id = next_patient_id_++;
  Patient& stored = patients_[*patient.id];
  stored = std::move(patient);
  return stored;
}

// ---- Endpoints -------------------------------------------------------------------------------

Answer OrderBook::create_patient(std::string_view body) {
  try {
    // An `id` in the body is not the caller's to choose: the new patient gets the next one.
    const Patient patient = decode_body<Patient>(body);
    check_patient_data(patient);
    const std::lock_guard<std::mutex> lock(mutex_);
    const Patient& created = add_patient(check_new_patient(patient));
    return Answer{201,
                  json(created).dump(),
                  {{"Location", std::string(patients_location) + std::to_string(*created.id)}}};
  } catch (const Rejected& rejected) {
    return message_answer(400, rejected.message);
  }
}

Answer OrderBook::get_patient(std::string_view id_text) const {
  const auto id = parse_integer(id_text);
  if (!id) return invalid_data();
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = patients_.find(*id);
  if (found == patients_.end()) return message_answer(404, text::patient_not_found);
  return Answer{200, json(found->second).dump(), {}};
}

Answer OrderBook::update_patient(std::string_view id_text, std::string_view body) {
  const auto id = parse_integer(id_text);
  if (!id) return invalid_data();
  try {
    Patient patient = decode_body<Patient>(body);
    // The path names the patient; a body that names another one is a mistake, not a move.
    if (patient.id && *patient.id != *id) reject(ErrorCode::invalid_data);
    check_patient_data(patient);
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto found = patients_.find(*id);
    if (found == patients_.end()) return message_answer(404, text::patient_not_found);
    Patient replaced = check_new_patient(patient);
    replaced.id = *id;
    found->second = std::move(replaced);
    return Answer{200, json(found->second).dump(), {}};
  } catch (const Rejected& rejected) {
    return message_answer(400, rejected.message);
  }
}

Answer OrderBook::list_patients(const QueryValues& query) const {
  try {
    const PageRequest request = page_filter(query);
    const PatientSortKey sort = sort_filter(query);
    const bool descending = flag_filter(query, "sortDescending").value_or(false);
    const PatientFilter filter(query);
    std::vector<Patient> picked;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& entry : patients_) {
        if (filter.matches(entry.second)) picked.push_back(entry.second);
      }
    }
    sort_patients(picked, sort, descending);
    return page_answer(std::move(picked), request);
  } catch (const BadQuery&) {
    return invalid_data();
  }
}

Answer OrderBook::list_kits(const QueryValues& query) const {
  try {
    const PageRequest request = page_filter(query);
    const std::vector<std::int64_t> item_ids = id_filter(query, "itemId");
    if (item_ids.size() > 1) throw BadQuery{};  // one item per listing, as documented
    const std::optional<bool> archived = flag_filter(query, "archived");
    std::vector<Kit> picked;
    for (const auto& entry : kits_) {  // immutable after construction: no lock
      const Kit& kit = entry.second.kit;
      if (!flag_matches(archived, kit.archived)) continue;
      if (!item_ids.empty()) {
        const auto& lines = kit.kit_items;
        const bool holds =
            lines && std::any_of(lines->begin(), lines->end(), [&](const KitItem& l) {
              return l.item && l.item->id == item_ids.front();
            });
        if (!holds) continue;
      }
      picked.push_back(kit);
    }
    return page_answer(std::move(picked), request);
  } catch (const BadQuery&) {
    return invalid_data();
  }
}

}  // namespace impilo::testing::detail
