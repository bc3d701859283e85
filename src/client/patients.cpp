// Patients and kits (docs/patients.md, docs/adr/0012-ensure-patient.md): the calls, the listing
// filters, and `ensure_patient`, which goes from an EHR id to one Impilo patient without ever
// creating two through it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/validation.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civil_time.hpp"
#include "client_impl.hpp"
#include "listing.hpp"
#include "url.hpp"

namespace impilo {
namespace {

// The patients path is in the public API reference; the listing's and the kits' paths were not
// captured there and are assumed by analogy with orders (docs/patients.md).
constexpr std::string_view patients_path = "/api/v3/patient";
constexpr std::string_view kits_path = "/api/v3/kit";

void check_positive(const std::vector<std::int64_t>& ids, std::string_view name) {
  for (const std::int64_t id : ids) {
    if (id < 1) throw UsageError(std::string(name) + " must hold ids of at least 1, got " +
                                 std::to_string(id));
  }
}

/// A date filter: exactly `YYYY-MM-DD`, a real date. Not quoted: it may be a date of birth.
std::optional<std::int64_t> checked_date(const std::optional<std::string>& date,
                                         std::string_view name) {
  if (!date) return std::nullopt;
  const std::optional<std::int64_t> day = internal::parse_calendar_date(*date);
  if (!day) throw UsageError(std::string(name) + " must be a calendar date written YYYY-MM-DD");
  return day;
}

/// A text filter: present means non-empty and free of control characters (an empty filter
/// would be sent as `name=` and read by a server as who knows what).
void check_text(const std::optional<std::string>& value, std::string_view name) {
  if (!value) return;
  if (value->empty()) throw UsageError(std::string(name) + " must not be empty when set");
  if (has_control_character(*value)) {
    throw UsageError(std::string(name) + " must not hold control characters");
  }
}

void check_patients_params(const ListPatientsParams& params) {
  detail::check_paging(params.page, params.size, params.extra_query,
                       {"page", "size", "sort", "sortDescending", "id", "siteId",
                        "externalIdentifier", "email", "name", "archived", "enrolled",
                        "dateOfBirthMin", "dateOfBirthMax", "postalCode", "country"},
                       "ListPatientsParams");
  check_positive(params.ids, "ids");
  check_positive(params.site_ids, "site_ids");
  for (const std::string& identifier : params.external_identifiers) {
    if (identifier.empty()) throw UsageError("external_identifiers holds an empty identifier");
    check_text(identifier, "an identifier of external_identifiers");
  }
  check_text(params.email, "email");
  check_text(params.name, "name");
  check_text(params.postal_code, "postal_code");
  check_text(params.country, "country");
  const auto min = checked_date(params.date_of_birth_min, "date_of_birth_min");
  const auto max = checked_date(params.date_of_birth_max, "date_of_birth_max");
  if (min && max && *min > *max) {
    throw UsageError("date_of_birth_min must not be after date_of_birth_max");
  }
}

void check_kits_params(const ListKitsParams& params) {
  detail::check_paging(params.page, params.size, params.extra_query,
                       {"page", "size", "itemId", "archived"}, "ListKitsParams");
  if (params.item_id && *params.item_id < 1) {
    throw UsageError("item_id must be at least 1, got " + std::to_string(*params.item_id));
  }
}

/// Appends `&name=value` (the value URL-encoded) to a query.
class QueryBuilder {
 public:
  explicit QueryBuilder(std::string query) : query_(std::move(query)) {}
  void text(std::string_view name, const std::string& value) {
    query_ += "&" + std::string(name) + "=" + internal::url_encode(value);
  }
  void text(std::string_view name, const std::optional<std::string>& value) {
    if (value) text(name, *value);
  }
  void flag(std::string_view name, const std::optional<bool>& value) {
    if (value) text(name, std::string(*value ? "true" : "false"));
  }
  void number(std::string_view name, const std::optional<std::int64_t>& value) {
    if (value) text(name, std::to_string(*value));
  }
  [[nodiscard]] std::string take() && { return std::move(query_); }

 private:
  std::string query_;
};

detail::PageQuery patients_query(const ListPatientsParams& params) {
  return [params](std::int64_t page, std::int64_t size) {
    QueryBuilder query(detail::paging_query(page, size));
    if (params.sort) query.text("sort", std::string(to_string(*params.sort)));
    query.flag("sortDescending", params.sort_descending);
    for (const std::int64_t id : params.ids) query.number("id", id);
    for (const std::int64_t id : params.site_ids) query.number("siteId", id);
    for (const std::string& identifier : params.external_identifiers) {
      query.text("externalIdentifier", identifier);
    }
    query.text("email", params.email);
    query.text("name", params.name);
    query.flag("archived", params.archived);
    query.flag("enrolled", params.enrolled);
    query.text("dateOfBirthMin", params.date_of_birth_min);
    query.text("dateOfBirthMax", params.date_of_birth_max);
    query.text("postalCode", params.postal_code);
    query.text("country", params.country);
    std::string text = std::move(query).take();
    detail::append_query(text, params.extra_query);
    return text;
  };
}

detail::PageQuery kits_query(const ListKitsParams& params) {
  return [params](std::int64_t page, std::int64_t size) {
    QueryBuilder query(detail::paging_query(page, size));
    query.number("itemId", params.item_id);
    query.flag("archived", params.archived);
    std::string text = std::move(query).take();
    detail::append_query(text, params.extra_query);
    return text;
  };
}

/// @p patient validated for a call that sends it; @p id_rule adds that call's rule about `id`.
void require_valid(const Patient& patient, std::vector<Violation> id_violations) {
  std::vector<Violation> violations = validate(patient);
  violations.insert(violations.begin(), id_violations.begin(), id_violations.end());
  if (!violations.empty()) throw ValidationError(std::move(violations));
}

std::vector<Violation> no_id_for_create(const Patient& patient, std::string_view call) {
  if (!patient.id) return {};
  return {Violation{"/id", ErrorCode::invalid_data,
                    std::string(call) + " makes a new patient: leave id empty (got " +
                        std::to_string(*patient.id) + "); to change patient " +
                        std::to_string(*patient.id) + ", use update_patient"}};
}

/// Lowest id first; a patient without an id last.
void sort_by_id(std::vector<Patient>& patients) {
  std::stable_sort(patients.begin(), patients.end(), [](const Patient& a, const Patient& b) {
    if (!a.id || !b.id) return a.id.has_value() && !b.id.has_value();
    return *a.id < *b.id;
  });
}

std::string describe_id(const Patient& patient) {
  return patient.id ? std::to_string(*patient.id) : std::string("(no id)");
}

}  // namespace

std::string_view to_string(PatientSort sort) noexcept {
  switch (sort) {
    case PatientSort::first_name:
      return "firstName";
    case PatientSort::last_name:
      return "lastName";
    case PatientSort::patient_id:
      return "patientId";
  }
  return "patientId";
}

Patient Client::create_patient(const Patient& patient) const {
  require_valid(patient, no_id_for_create(patient, "create_patient"));
  // A second patient may be created: never repeated once it may have reached the server.
  const HttpResponse response = impl_->pipeline.send(
      {"POST", std::string(patients_path), to_json_text(patient), Idempotency::may_create});
  return detail::decode_created<Patient>(response.body);
}

Patient Client::get_patient(std::int64_t id) const {
  if (id < 1) throw UsageError("patient id must be positive, got " + std::to_string(id));
  const HttpResponse response =
      impl_->pipeline.send({"GET", std::string(patients_path) + "/" + std::to_string(id),
                            std::nullopt, Idempotency::safe_to_repeat});
  return from_json_text<Patient>(response.body);
}

Patient Client::update_patient(std::int64_t id, const Patient& patient) const {
  if (id < 1) throw UsageError("patient id must be positive, got " + std::to_string(id));
  std::vector<Violation> id_violations;
  if (patient.id && *patient.id != id) {
    id_violations.push_back(Violation{"/id", ErrorCode::invalid_data,
                                      "id is " + std::to_string(*patient.id) +
                                          " but the update is for patient " + std::to_string(id)});
  }
  require_valid(patient, std::move(id_violations));
  // A full replacement: sent twice, it leaves the patient as sent once (docs/retries.md).
  const HttpResponse response =
      impl_->pipeline.send({"PUT", std::string(patients_path) + "/" + std::to_string(id),
                            to_json_text(patient), Idempotency::safe_to_repeat});
  return from_json_text<Patient>(response.body);
}

Page<Patient> Client::list_patients(const ListPatientsParams& params) const {
  check_patients_params(params);
  return detail::fetch_page<Patient>(*impl_, patients_path,
                                     patients_query(params)(params.page, params.size));
}

PatientRange Client::patients(const ListPatientsParams& params) const {
  check_patients_params(params);
  return detail::page_range<Patient>(impl_, std::string(patients_path), patients_query(params),
                                     params.page, params.size);
}

std::vector<Patient> Client::find_patients_by_external_identifier(
    std::string_view external_identifier) const {
  if (external_identifier.empty()) {
    throw UsageError("find_patients_by_external_identifier: the identifier is empty");
  }
  ListPatientsParams params;
  params.size = max_page_size;
  params.external_identifiers = {std::string(external_identifier)};
  check_patients_params(params);
  std::vector<Patient> found;
  const detail::ReadToLast read = detail::read_to_last_page<Patient>(
      detail::page_fetch<Patient>(impl_, std::string(patients_path), patients_query(params)), 1,
      params.size, impl_->options.prefetch_pages, [&](const Patient& patient) {
        // Only exact matches: a server filter that matches loosely (or is ignored) must not
        // hand back someone else.
        if (patient.external_identifier && *patient.external_identifier == external_identifier) {
          found.push_back(patient);
        }
      });
  if (read.first_total && *read.first_total != read.received) {
    impl_->log(LogLevel::warning, [&] {
      return "find patients by external identifier: the server's total (" +
             std::to_string(*read.first_total) + ") disagrees with the " +
             std::to_string(read.received) + " patients its pages held; the pages were read to "
             "the last";
    });
  }
  sort_by_id(found);
  return found;
}

Patient Client::ensure_patient(const Patient& patient) const {
  std::vector<Violation> key_violations = no_id_for_create(patient, "ensure_patient");
  if (!patient.external_identifier || internal::trim(*patient.external_identifier).empty()) {
    key_violations.push_back(
        Violation{"/externalIdentifier", ErrorCode::invalid_data,
                  "externalIdentifier is required: it is the key ensure_patient looks up (your "
                  "EHR's id for the patient)"});
  }
  require_valid(patient, std::move(key_violations));
  const std::string& identifier = *patient.external_identifier;
  // Log lines name Impilo's patient ids only: the EHR id identifies a person.
  const auto step = [this](const std::string& line) {
    impl_->log(LogLevel::info, [&] { return "ensure patient: " + line; });
  };
  const auto pick = [&step](std::vector<Patient> found, std::string_view when) {
    step(std::string(when) + " patient " + describe_id(found.front()) +
         (found.size() > 1 ? " (the lowest id of " + std::to_string(found.size()) +
                                 " sharing the identifier)"
                           : ""));
    return std::move(found.front());
  };

  if (std::vector<Patient> found = find_patients_by_external_identifier(identifier);
      !found.empty()) {
    return pick(std::move(found), "found");
  }
  step("no patient carries the identifier: creating one");
  std::string ambiguity;
  try {
    Patient created = create_patient(patient);
    step("created patient " + describe_id(created));
    return created;
  } catch (const DecodeError& e) {
    if (!e.may_have_reached_server()) throw;
    ambiguity = "an undecodable 2xx answer";
  } catch (const Error&) {
    ambiguity = detail::ambiguity_of_current_exception();
    if (ambiguity.empty()) throw;  // certain: nothing was created
  }

  // The create may have happened: look again over the settle window, never send again.
  const ClientOptions& options = impl_->options;
  std::vector<Patient> found;
  const auto before_wait = [&](int round, std::chrono::milliseconds wait) {
    step("the create ended with " + ambiguity + "; looking the patient up in " +
         std::to_string(wait.count()) + " ms (" + std::to_string(round) + "/" +
         std::to_string(options.settle_lookups) + ")");
  };
  const bool seen = detail::over_settle_window(options, before_wait, [&] {
    try {
      found = find_patients_by_external_identifier(identifier);
    } catch (const Error& e) {
      throw AmbiguousCreateError(identifier, "ensure_patient: the create ended with " + ambiguity +
                                                 " and the lookup failed (" + e.what() +
                                                 "); the patient may exist: ensure again later, "
                                                 "never create it (the identifier is in "
                                                 "external_id())");
    }
    return !found.empty();
  });
  if (seen) return pick(std::move(found), "the create landed as");
  throw AmbiguousCreateError(identifier, "ensure_patient: the create ended with " + ambiguity +
                                             " and no patient carries the identifier after the "
                                             "settle window; it may still appear: ensure again "
                                             "later, never create it (the identifier is in "
                                             "external_id())");
}

Page<Kit> Client::list_kits(const ListKitsParams& params) const {
  check_kits_params(params);
  return detail::fetch_page<Kit>(*impl_, kits_path, kits_query(params)(params.page, params.size));
}

KitRange Client::kits(const ListKitsParams& params) const {
  check_kits_params(params);
  return detail::page_range<Kit>(impl_, std::string(kits_path), kits_query(params), params.page,
                                 params.size);
}

}  // namespace impilo
