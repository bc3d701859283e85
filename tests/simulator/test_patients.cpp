// The simulator's patients and kits (spec section 10), driven through `impilo::Client`; rules the
// client checks itself are sent raw, so that the simulator's own answer and code are checked.
// The end-to-end cases at the bottom prove the SDK's `ensure_patient` promise against it.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::ErrorCode;
using nlohmann::json;
using namespace sim_test;

namespace {

constexpr std::int64_t first_new_patient = 5003;  // the demo catalogue's patients are 5000-5002
const std::string patients_path = "/api/v3/patient";

/// A new patient with @p external_identifier (the SDK's `ensure_patient` key).
impilo::Patient patient_from_ehr(const std::string& external_identifier) {
  impilo::Patient patient = new_patient();
  patient.external_identifier = external_identifier;
  return patient;
}

std::vector<std::int64_t> ids_of(const std::vector<impilo::Patient>& patients) {
  std::vector<std::int64_t> ids;
  for (const impilo::Patient& patient : patients) ids.push_back(patient.id.value_or(0));
  return ids;
}

std::vector<std::int64_t> ids_of(const std::vector<impilo::Kit>& kits) {
  std::vector<std::int64_t> ids;
  for (const impilo::Kit& kit : kits) ids.push_back(kit.id.value_or(0));
  return ids;
}

/// Today + @p days (UTC) as `YYYY-MM-DD`.
std::string utc_date_in(int days) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                             std::chrono::hours(24 * days));
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

/// Checks a 400 `{"message": message}` that the SDK classifies as @p code.
void check_rejection(const RawResponse& response, ErrorCode code, const std::string& message) {
  CHECK(response.status == 400);
  CHECK(json::parse(response.body) == json{{"message", message}});
  CHECK(classify(response).code == code);
}

/// One rule of a patient: how to break a valid patient, and the answer that follows.
struct Rule {
  const char* broken;
  std::function<void(json&)> breaks;
  ErrorCode code;
  std::string message;
};

std::vector<Rule> patient_rules() {
  const std::string invalid_data = "Invalid data provided";
  return {
      {"blank firstName", [](json& p) { p["firstName"] = "  "; },
       ErrorCode::patient_first_name_required, "Must provide a non-blank string for firstName."},
      {"no firstName", [](json& p) { p.erase("firstName"); },
       ErrorCode::patient_first_name_required, "Must provide a non-blank string for firstName."},
      {"empty lastName", [](json& p) { p["lastName"] = ""; }, ErrorCode::patient_last_name_required,
       "Must provide a non-blank string for lastName."},
      {"no address", [](json& p) { p.erase("address"); }, ErrorCode::patient_address_required,
       "Must provide an Address for Patient."},
      {"no lineOne", [](json& p) { p["address"].erase("lineOne"); },
       ErrorCode::address_line_one_required, "Must provide a Line One value in the Address."},
      {"blank city", [](json& p) { p["address"]["city"] = " "; }, ErrorCode::address_city_required,
       "Must provide a City value in the Address."},
      {"no state", [](json& p) { p["address"].erase("state"); }, ErrorCode::address_state_required,
       "Must provide a State value in the Address."},
      {"no zipCode", [](json& p) { p["address"].erase("zipCode"); },
       ErrorCode::address_zip_code_required, "Must provide a Zip Code value in the Address."},
      {"no country", [](json& p) { p["address"].erase("country"); },
       ErrorCode::address_country_required, "Must provide a Country value in the Address."},
      {"30 February", [](json& p) { p["dateOfBirth"] = "1970-02-30"; }, ErrorCode::invalid_data,
       invalid_data},
      {"a date with slashes", [](json& p) { p["dateOfBirth"] = "1970/01/31"; },
       ErrorCode::invalid_data, invalid_data},
      {"a date-time", [](json& p) { p["dateOfBirth"] = "1970-01-31T00:00:00Z"; },
       ErrorCode::invalid_data, invalid_data},
      {"born tomorrow", [](json& p) { p["dateOfBirth"] = utc_date_in(1); }, ErrorCode::invalid_data,
       invalid_data},
      {"email with two @", [](json& p) { p["email"] = "a@b@example.com"; }, ErrorCode::invalid_data,
       invalid_data},
      {"email without a local part", [](json& p) { p["email"] = "@example.com"; },
       ErrorCode::invalid_data, invalid_data},
      {"email without a domain", [](json& p) { p["email"] = "someone@"; }, ErrorCode::invalid_data,
       invalid_data},
      {"email without @", [](json& p) { p["email"] = "someone"; }, ErrorCode::invalid_data,
       invalid_data},
      {"an unknown sex", [](json& p) { p["sex"] = "robot"; }, ErrorCode::invalid_data,
       invalid_data},
      {"sex in the wrong case", [](json& p) { p["sex"] = "Female"; }, ErrorCode::invalid_data,
       invalid_data},
      {"a name that is a number", [](json& p) { p["firstName"] = 5; }, ErrorCode::invalid_data,
       invalid_data},
      {"a site without id",
       [](json& p) {
         p["site"] = {{"name", "Riverside"}};
       },
       ErrorCode::site_not_found, "Unable to find the Site provided."},
      {"an unknown site",
       [](json& p) {
         p["site"] = {{"id", 99}};
       },
       ErrorCode::site_not_found, "Site 99 not found"},
      {"an inactive site",
       [](json& p) {
         p["site"] = {{"id", demo::inactive_site}};
       },
       ErrorCode::site_not_active, "Site 12 not active"},
  };
}

/// The demo patients plus one archived, unenrolled patient in South Africa at site 11, born
/// 1970-01-31, with external identifier `EHR-9` (id 5003), and a client of it.
struct FilterWorld {
  std::unique_ptr<Simulator> sim = started();
  impilo::Client client = make_client(*sim);

  FilterWorld() {
    impilo::Patient extra = patient_from_ehr("EHR-9");
    extra.address->country = "ZA";
    extra.address->zip_code = "2196";
    extra.archived = true;
    extra.enrolled = false;
    extra.site = impilo::Site::with_id(11);
    REQUIRE(client.create_patient(extra).id == first_new_patient);
  }
};

}  // namespace

// ---- Create, fetch, update -------------------------------------------------------------------

TEST_CASE("a created patient gets the next id, its site in full, and can be fetched",
          "[patients]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  const impilo::Patient created = client.create_patient(new_patient(demo::active_site));
  REQUIRE(created.id == first_new_patient);
  CHECK(created.first_name == "Lindiwe");
  CHECK(created.site->name == "Riverside Cardiology Clinic");
  CHECK(client.get_patient(first_new_patient) == created);
  CHECK(sim->patients().back() == created);

  const RawResponse raw = raw_request(*sim, "POST", patients_path, json(new_patient()).dump());
  CHECK(raw.status == 201);
  CHECK(raw.headers.find("Location")->second == "/api/v3/patient/5004");
}

TEST_CASE("an id in a create body is ignored: the patient gets the next id", "[patients]") {
  const auto sim = started();
  json body = new_patient();
  body["id"] = demo::patient;
  const RawResponse raw = raw_request(*sim, "POST", patients_path, body.dump());
  REQUIRE(raw.status == 201);
  CHECK(json::parse(raw.body)["id"] == first_new_patient);
  CHECK(sim->patients().front().first_name == "Thandi");  // patient 5000 is untouched
}

TEST_CASE("an unknown patient is 404 Patient not found, and an id that is no integer is 400",
          "[patients]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  const auto error = thrown<impilo::NotFoundError>([&] { client.get_patient(999); });
  CHECK(error.message() == "Patient not found");
  const RawResponse get = raw_request(*sim, "GET", patients_path + "/999");
  CHECK(get.status == 404);
  CHECK(json::parse(get.body) == json{{"message", "Patient not found"}});

  const RawResponse put =
      raw_request(*sim, "PUT", patients_path + "/999", json(new_patient()).dump());
  CHECK(put.status == 404);
  CHECK(json::parse(put.body) == json{{"message", "Patient not found"}});
  CHECK_THROWS_AS(make_client(*sim).update_patient(999, new_patient()), impilo::NotFoundError);
  CHECK(sim->patients().size() == 3);

  check_rejection(raw_request(*sim, "GET", patients_path + "/abc"), ErrorCode::invalid_data,
                  "Invalid data provided");
  CHECK(raw_request(*sim, "DELETE", patients_path + "/5000").status == 405);
}

TEST_CASE("an update replaces the whole patient and answers it", "[patients]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  impilo::Patient replacement = new_patient(11);
  replacement.external_identifier = "EHR-5000";
  const impilo::Patient updated = client.update_patient(demo::patient, replacement);
  CHECK(updated.id == demo::patient);
  CHECK(updated.first_name == "Lindiwe");
  CHECK(updated.site->name == "Northgate Family Practice");
  CHECK_FALSE(updated.email.has_value());  // a full replace: what is not sent is gone
  CHECK(client.get_patient(demo::patient) == updated);
  CHECK(sim->patients().size() == 3);
}

TEST_CASE("an update whose body names another patient is refused and changes nothing",
          "[patients]") {
  const auto sim = started();
  json body = new_patient();
  body["id"] = 5001;
  check_rejection(raw_request(*sim, "PUT", patients_path + "/5000", body.dump()),
                  ErrorCode::invalid_data, "Invalid data provided");
  CHECK(sim->patients().front().first_name == "Thandi");
}

// ---- Rules -----------------------------------------------------------------------------------

TEST_CASE("each patient rule answers 400 with its sentence and code, and creates nothing",
          "[patients]") {
  const auto sim = started();
  for (const Rule& rule : patient_rules()) {
    CAPTURE(rule.broken);
    json body = new_patient();
    body["email"] = "lindiwe@example.com";
    rule.breaks(body);
    check_rejection(raw_request(*sim, "POST", patients_path, body.dump()), rule.code, rule.message);
  }
  CHECK(sim->patients().size() == 3);
}

TEST_CASE("an update is held to the same rules, and a refused one leaves the patient as it was",
          "[patients]") {
  const auto sim = started();
  const impilo::Patient before = sim->patients().front();
  for (const Rule& rule : patient_rules()) {
    CAPTURE(rule.broken);
    json body = new_patient();
    rule.breaks(body);
    check_rejection(raw_request(*sim, "PUT", patients_path + "/5000", body.dump()), rule.code,
                    rule.message);
  }
  CHECK(sim->patients().front() == before);
}

TEST_CASE("a patient body that is not a JSON object is invalid_json or invalid_data",
          "[patients]") {
  const auto sim = started();
  check_rejection(raw_request(*sim, "POST", patients_path, "{\"firstName\": "),
                  ErrorCode::invalid_json, "Invalid JSON format");
  check_rejection(raw_request(*sim, "POST", patients_path, "[]"), ErrorCode::invalid_data,
                  "Invalid data provided");
  check_rejection(raw_request(*sim, "PUT", patients_path + "/5000", "not json"),
                  ErrorCode::invalid_json, "Invalid JSON format");
  CHECK(sim->patients().size() == 3);
}

TEST_CASE("a patient born today is accepted", "[patients]") {
  const auto sim = started();
  impilo::Patient patient = new_patient();
  patient.date_of_birth = utc_date_in(0);
  CHECK(make_client(*sim).create_patient(patient).date_of_birth == utc_date_in(0));
}

// ---- Patients created with orders ------------------------------------------------------------

TEST_CASE("a new patient of an order is listed and fetched under the id the order shows",
          "[patients]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  impilo::CreateOrderRequest request = item_order(demo::glucose_meter);
  request.patient = patient_from_ehr("EHR-77");

  const impilo::Order order = client.create_order(request);
  REQUIRE(order.patient->id == first_new_patient);
  CHECK(client.get_patient(first_new_patient) == *order.patient);
  CHECK(client.find_patients_by_external_identifier("EHR-77") ==
        std::vector<impilo::Patient>{*order.patient});
  CHECK(client.list_patients().total == 4);
  CHECK(client.create_order(item_order(demo::glucose_meter, 1, first_new_patient)).id == 2);
}

TEST_CASE("an order's new patient born after today or on no real day is invalid_data",
          "[patients]") {
  const auto sim = started();
  const std::string date = GENERATE(as<std::string>{}, utc_date_in(1), "1970-13-01", "1970-1-1");
  json order{{"patient", new_patient()},
             {"orderItems", json::array({{{"item", {{"id", demo::bp_monitor}}}, {"count", 1}}})}};
  order["patient"]["dateOfBirth"] = date;
  check_rejection(raw_post(*sim, order.dump()), ErrorCode::invalid_data, "Invalid data provided");
  CHECK(sim->orders().empty());
  CHECK(sim->patients().size() == 3);
}

// ---- Listing ---------------------------------------------------------------------------------

TEST_CASE("the patient listing pages with the order listing's envelope", "[patients]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  for (int i = 0; i < 2; ++i) client.create_patient(new_patient());

  impilo::ListPatientsParams params;
  params.size = 2;
  params.page = 2;
  const impilo::Page<impilo::Patient> page = client.list_patients(params);
  CHECK(ids_of(page.content) == std::vector<std::int64_t>{5002, 5003});
  CHECK(page.page == 2);
  CHECK(page.size == 2);
  CHECK(page.total == 5);
  CHECK(page.first == false);
  CHECK(page.last == false);

  std::vector<std::int64_t> every;
  for (const impilo::Patient& patient : client.patients(params)) every.push_back(*patient.id);
  CHECK(every == std::vector<std::int64_t>{5002, 5003, 5004});

  const json raw = json::parse(raw_request(*sim, "GET", patients_path).body);
  CHECK(raw["page"] == 1);
  CHECK(raw["size"] == 15);
  CHECK(raw["first"] == true);
  CHECK(raw["last"] == true);
}

TEST_CASE("each patient filter picks the patients it names", "[patients]") {
  const FilterWorld world;
  impilo::ListPatientsParams params;
  std::vector<std::int64_t> expected;

  SECTION("id, repeated") {
    params.ids = {5000, 5002};
    expected = {5000, 5002};
  }
  SECTION("siteId, repeated") {
    params.site_ids = {10, 11};
    expected = {5000, 5001, 5003};
  }
  SECTION("externalIdentifier, repeated") {
    params.external_identifiers = {"EHR-5001", "EHR-9", "EHR-nobody"};
    expected = {5001, 5003};
  }
  SECTION("email, ignoring case") {
    params.email = "THANDI.Nkosi@example.com";
    expected = {5000};
  }
  SECTION("name: part of the first name, the last name, or both") {
    params.name = GENERATE(as<std::string>{}, "thandi nk", "OSI", "Thandi");
    expected = {5000};
  }
  SECTION("archived") {
    params.archived = GENERATE(true, false);
    expected = *params.archived ? std::vector<std::int64_t>{5003}
                                : std::vector<std::int64_t>{5000, 5001, 5002};
  }
  SECTION("enrolled") {
    params.enrolled = GENERATE(true, false);
    expected = *params.enrolled ? std::vector<std::int64_t>{5000, 5001}
                                : std::vector<std::int64_t>{5002, 5003};
  }
  SECTION("dateOfBirthMin and dateOfBirthMax, inclusive") {
    params.date_of_birth_min = "1948-11-02";
    params.date_of_birth_max = "1962-07-25";
    expected = {5000, 5001, 5002};
  }
  SECTION("dateOfBirthMin alone") {
    params.date_of_birth_min = "1962-07-25";
    expected = {5002, 5003};
  }
  SECTION("dateOfBirthMax alone") {
    params.date_of_birth_max = "1948-11-02";
    expected = {5001};
  }
  SECTION("postalCode: the address's zipCode") {
    params.postal_code = "62702";
    expected = {5001};
  }
  SECTION("country: the address's country, ignoring case") {
    params.country = "za";
    expected = {5003};
  }
  SECTION("several filters: all must match") {
    params.site_ids = {10, 11};
    params.enrolled = true;
    params.name = "a";
    expected = {5000, 5001};
  }
  const impilo::Page<impilo::Patient> page = world.client.list_patients(params);
  CHECK(ids_of(page.content) == expected);
  CHECK(page.total == static_cast<std::int64_t>(expected.size()));
}

TEST_CASE("the patient listing sorts by first name, last name or id, either way", "[patients]") {
  const FilterWorld world;
  impilo::ListPatientsParams params;
  std::vector<std::int64_t> expected;

  SECTION("firstName") {
    params.sort = impilo::PatientSort::first_name;
    expected = {5001, 5003, 5002, 5000};  // James, Lindiwe, Maria, Thandi
  }
  SECTION("lastName, descending") {
    params.sort = impilo::PatientSort::last_name;
    params.sort_descending = true;
    expected = {5000, 5002, 5003, 5001};  // Nkosi, Lopez, Dube, Carter
  }
  SECTION("patientId, descending") {
    params.sort = impilo::PatientSort::patient_id;
    params.sort_descending = true;
    expected = {5003, 5002, 5001, 5000};
  }
  SECTION("no sort: by id") {
    params.sort_descending = false;
    expected = {5000, 5001, 5002, 5003};
  }
  CHECK(ids_of(world.client.list_patients(params).content) == expected);
}

TEST_CASE("a patient listing parameter with an invalid value answers 400 Invalid data provided",
          "[patients]") {
  const auto sim = started();
  const std::string query =
      GENERATE(as<std::string>{}, "page=0", "size=251", "size=x", "page=1&page=2", "sort=age",
               "sortDescending=yes", "id=abc", "id=5000&id=x", "siteId=1.5", "archived=1",
               "enrolled=TRUE", "dateOfBirthMin=1950-02-30", "dateOfBirthMax=19500101",
               "email=", "name=", "externalIdentifier=", "postalCode=", "country=");
  CAPTURE(query);
  check_rejection(raw_request(*sim, "GET", patients_path + "?" + query), ErrorCode::invalid_data,
                  "Invalid data provided");
}

// ---- Kits ------------------------------------------------------------------------------------

TEST_CASE("the kit listing shows the catalogue's kits in full, filtered by item and archived",
          "[kits]") {
  impilo::testing::SimulatorOptions options;
  options.catalog.kits[1].kit.archived = true;  // the heart failure kit
  const auto sim = started(std::move(options));
  const impilo::Client client = make_client(*sim);

  const impilo::Page<impilo::Kit> all = client.list_kits();
  CHECK(ids_of(all.content) == std::vector<std::int64_t>{2000, 2001, 2002, 2003});
  CHECK(all.total == 4);
  CHECK(all.content[0].kit_items->at(1).item->name == "Large Adult Cuff");
  CHECK(json::parse(raw_request(*sim, "GET", "/api/v3/kit").body)["content"][2].count("loaner") ==
        0);  // the loaner flag is the simulator's, not part of a Kit

  impilo::ListKitsParams params;
  params.item_id = demo::oximeter;
  CHECK(ids_of(client.list_kits(params).content) == std::vector<std::int64_t>{2001, 2002});
  params.archived = false;
  CHECK(ids_of(client.list_kits(params).content) == std::vector<std::int64_t>{2002});
  params.item_id.reset();
  params.archived = true;
  CHECK(ids_of(client.list_kits(params).content) == std::vector<std::int64_t>{2001});

  impilo::ListKitsParams paged;
  paged.size = 3;
  std::vector<std::int64_t> every;
  for (const impilo::Kit& kit : client.kits(paged)) every.push_back(*kit.id);
  CHECK(every == std::vector<std::int64_t>{2000, 2001, 2002, 2003});
}

TEST_CASE("a kit listing parameter with an invalid value answers 400 Invalid data provided",
          "[kits]") {
  const auto sim = started();
  const std::string query = GENERATE(as<std::string>{}, "itemId=x", "itemId=1000&itemId=1001",
                                     "archived=maybe", "size=0", "page=-1");
  CAPTURE(query);
  check_rejection(raw_request(*sim, "GET", "/api/v3/kit?" + query), ErrorCode::invalid_data,
                  "Invalid data provided");
  CHECK(raw_request(*sim, "POST", "/api/v3/kit", "{}").status == 405);
}

// ---- Faults ----------------------------------------------------------------------------------

TEST_CASE("fail_next with fail_only fails a patient create without failing the GETs around it",
          "[patients][faults]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  sim->fail_only("POST /api/v3/patient");
  sim->fail_next(1, 503);

  CHECK(client.list_patients().total == 3);
  const auto error = thrown<impilo::ServerError>([&] { client.create_patient(new_patient()); });
  CHECK(error.status() == 503);
  CHECK(sim->patients().size() == 3);  // a failed create creates nothing
  CHECK(client.create_patient(new_patient()).id == first_new_patient);
}

TEST_CASE("fail_next fails the patient and kit endpoints like any other request",
          "[patients][faults]") {
  const auto sim = started();
  sim->fail_next(3, 502);
  CHECK(raw_request(*sim, "GET", patients_path + "/5000").status == 502);
  CHECK(raw_request(*sim, "GET", "/api/v3/kit").status == 502);
  CHECK(raw_request(*sim, "PUT", patients_path + "/5000", json(new_patient()).dump()).status ==
        502);
  CHECK(sim->patients().front().first_name == "Thandi");
  CHECK(raw_request(*sim, "GET", patients_path + "/5000").status == 200);
}

TEST_CASE("commit-then-drop: a patient create is committed and its answer lost",
          "[patients][faults]") {
  impilo::testing::SimulatorOptions options;
  options.commit_then_drop = 1;
  const auto sim = started(std::move(options));
  const impilo::Client client = make_client(*sim);

  // A refused create is answered and does not use up the drop; an update is no create.
  CHECK(make_client(*sim).update_patient(demo::patient, new_patient()).id == demo::patient);
  impilo::Patient bad = new_patient();
  bad.site = impilo::Site::with_id(99);
  CHECK_THROWS_AS(client.create_patient(bad), impilo::BadRequestError);

  const auto error = thrown<impilo::TransportError>([&] { client.create_patient(new_patient()); });
  CHECK(error.may_have_reached_server());
  CHECK(sim->patients().size() == 4);
  CHECK(client.get_patient(first_new_patient).first_name == "Lindiwe");
  CHECK(client.create_patient(new_patient()).id == 5004);  // only the next create
}

// ---- End to end: the SDK's promises against the simulator -------------------------------------

TEST_CASE("two orders for one EHR patient through ensure_patient give one patient, two orders",
          "[patients][e2e]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  for (int i = 0; i < 2; ++i) {
    const impilo::Patient patient = client.ensure_patient(patient_from_ehr("EHR-123"));
    REQUIRE(patient.id == first_new_patient);
    impilo::CreateOrderRequest request = item_order(demo::glucose_meter);
    request.patient = impilo::Patient::with_id(*patient.id);
    client.create_order(request);
  }
  REQUIRE(sim->orders().size() == 2);
  CHECK(sim->orders()[0].patient->id == first_new_patient);
  CHECK(sim->orders()[1].patient->id == first_new_patient);
  CHECK(sim->patients().size() == 4);
  CHECK(client.find_patients_by_external_identifier("EHR-123").size() == 1);
}

TEST_CASE("ensure_patient whose create loses its answer finds the one patient it made",
          "[patients][e2e]") {
  impilo::testing::SimulatorOptions sim_options;
  sim_options.commit_then_drop = 1;
  const auto sim = started(std::move(sim_options));
  impilo::ClientOptions options = client_options(*sim);
  options.settle_delay = std::chrono::milliseconds(1);
  std::vector<std::chrono::milliseconds> waits;
  options.sleep = [&waits](std::chrono::milliseconds wait) { waits.push_back(wait); };
  const impilo::Client client(options);

  const impilo::Patient patient = client.ensure_patient(patient_from_ehr("EHR-456"));
  CHECK(patient.id == first_new_patient);
  CHECK(patient.external_identifier == "EHR-456");
  CHECK(waits == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1)});
  impilo::ListPatientsParams params;
  params.external_identifiers = {"EHR-456"};
  CHECK(client.list_patients(params).total == 1);
  CHECK(sim->patients().size() == 4);
  CHECK(client.ensure_patient(patient_from_ehr("EHR-456")) == patient);
}

TEST_CASE("two plain creates with one external identifier make two patients: it is not unique",
          "[patients][e2e]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);

  const impilo::Patient first = client.create_patient(patient_from_ehr("EHR-789"));
  const impilo::Patient second = client.create_patient(patient_from_ehr("EHR-789"));
  CHECK(first.id != second.id);
  CHECK(client.find_patients_by_external_identifier("EHR-789") ==
        std::vector<impilo::Patient>{first, second});
  CHECK(client.ensure_patient(patient_from_ehr("EHR-789")) == first);  // the lowest id
  CHECK(sim->patients().size() == 5);
}
