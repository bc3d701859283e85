// Patients and kits through a scripted transport: the requests each call builds, what it decodes,
// the parameters it refuses before sending, and every path of ensure_patient.

#include <cstdint>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "client_harness.hpp"
#include "patient_fixture.hpp"
#include "thrown.hpp"

using impilo_test::thrown;
using nlohmann::json;
using unit_test::Harness;

namespace {

constexpr const char* root = "https://api.test.invalid";

impilo::Patient new_patient(std::optional<std::string> ehr_id = "ehr-p-1") {
  impilo::Patient p = unit_test::complete_patient();
  p.external_identifier = std::move(ehr_id);
  return p;
}

json patient_json(std::int64_t id, const std::string& ehr_id = "ehr-p-1") {
  return {{"id", id}, {"externalIdentifier", ehr_id}, {"firstName", "Thandi"},
          {"lastName", "Nkosi"}, {"vip", true}};
}

std::string page_of(const std::vector<json>& content, std::int64_t page, std::optional<bool> last,
                    std::optional<std::int64_t> total = std::nullopt) {
  json j = {{"content", content}, {"page", page}, {"size", 250}};
  if (last) j["last"] = *last;
  if (total) j["total"] = *total;
  return j.dump();
}

}  // namespace

TEST_CASE("create_patient posts the patient and returns it, unknown members kept", "[patients]") {
  Harness h;
  h.transport->then_status(201, patient_json(41).dump());
  const impilo::Patient created = h.client().create_patient(new_patient());

  REQUIRE(created.id == 41);
  REQUIRE(created.unknown_fields.json_text() == R"({"vip":true})");
  const auto sent = h.transport->requests();
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].method == "POST");
  REQUIRE(sent[0].url == std::string(root) + "/api/v3/patient");
  REQUIRE(json::parse(sent[0].body) == json::parse(impilo::to_json_text(new_patient())));
  REQUIRE(impilo::find_header(sent[0].headers, "Content-Type") == "application/json");
}

TEST_CASE("create_patient refuses a patient with an id or broken rules, sending nothing",
          "[patients]") {
  Harness h;
  impilo::Patient p = new_patient();
  p.id = 7;
  p.date_of_birth = "01/04/1950";
  const auto e = thrown<impilo::ValidationError>([&] { h.client().create_patient(p); });
  REQUIRE(e.violations().size() == 2);
  REQUIRE(e.violations()[0].field == "/id");
  REQUIRE(e.violations()[1].field == "/dateOfBirth");
  REQUIRE(h.transport->requests().empty());
}

TEST_CASE("a create_patient that may have reached the server is never repeated", "[patients]") {
  Harness h;
  SECTION("a cut connection") {
    h.transport->then_fail(impilo::TransportError::Kind::connection_cut, true);
    REQUIRE_THROWS_AS(h.client().create_patient(new_patient()), impilo::TransportError);
  }
  SECTION("a 503") {
    h.transport->then_status(503, R"({"message":"busy"})");
    REQUIRE_THROWS_AS(h.client().create_patient(new_patient()), impilo::ServerError);
  }
  SECTION("a 2xx that is not a patient is a DecodeError that may have reached the server") {
    h.transport->then_status(201, "<html>ok</html>");
    const auto e = thrown<impilo::DecodeError>([&] { h.client().create_patient(new_patient()); });
    REQUIRE(e.may_have_reached_server());
  }
  REQUIRE(h.transport->requests().size() == 1);
}

TEST_CASE("get_patient and update_patient address the patient's path", "[patients]") {
  Harness h;
  h.transport->then_status(200, patient_json(5).dump());
  h.transport->then_status(503, "{}");
  h.transport->then_status(200, patient_json(5).dump());
  const auto client = h.client();

  REQUIRE(client.get_patient(5).id == 5);
  impilo::Patient changed = new_patient();
  changed.id = 5;
  changed.email = "t@example.org";
  REQUIRE(client.update_patient(5, changed).id == 5);

  const auto sent = h.transport->requests();
  REQUIRE(sent.size() == 3);  // the PUT replaces a whole value: retried after the 503
  REQUIRE(sent[0].method == "GET");
  REQUIRE(sent[0].url == std::string(root) + "/api/v3/patient/5");
  REQUIRE(sent[1].method == "PUT");
  REQUIRE(sent[1].url == std::string(root) + "/api/v3/patient/5");
  REQUIRE(json::parse(sent[2].body)["email"] == "t@example.org");
}

TEST_CASE("get_patient and update_patient refuse an id below 1 or a body for another patient",
          "[patients]") {
  Harness h;
  const auto client = h.client();
  REQUIRE_THROWS_AS(client.get_patient(0), impilo::UsageError);
  REQUIRE_THROWS_AS(client.update_patient(-1, new_patient()), impilo::UsageError);
  impilo::Patient other = new_patient();
  other.id = 6;
  const auto e = thrown<impilo::ValidationError>([&] { client.update_patient(5, other); });
  REQUIRE(e.violations().at(0).field == "/id");
  REQUIRE(h.transport->requests().empty());
}

TEST_CASE("list_patients sends every filter, repeating the list filters", "[patients]") {
  Harness h;
  h.transport->then_status(200, page_of({patient_json(1)}, 2, true, 1));
  impilo::ListPatientsParams params;
  params.page = 2;
  params.size = 50;
  params.sort = impilo::PatientSort::last_name;
  params.sort_descending = true;
  params.ids = {3, 4};
  params.site_ids = {9};
  params.external_identifiers = {"ehr 1", "ehr&2"};
  params.email = "a@b.c";
  params.name = "Nkosi";
  params.archived = false;
  params.enrolled = true;
  params.date_of_birth_min = "1940-01-01";
  params.date_of_birth_max = "1960-12-31";
  params.postal_code = "4001";
  params.country = "ZA";
  params.extra_query = {{"q", "x"}};
  const impilo::Page<impilo::Patient> page = h.client().list_patients(params);

  REQUIRE(page.content.size() == 1);
  REQUIRE(page.content[0].external_identifier == "ehr-p-1");
  REQUIRE(h.transport->requests().at(0).url ==
          std::string(root) +
              "/api/v3/patient?page=2&size=50&sort=lastName&sortDescending=true&id=3&id=4"
              "&siteId=9&externalIdentifier=ehr%201&externalIdentifier=ehr%262&email=a%40b.c"
              "&name=Nkosi&archived=false&enrolled=true&dateOfBirthMin=1940-01-01"
              "&dateOfBirthMax=1960-12-31&postalCode=4001&country=ZA&q=x");
}

TEST_CASE("list_patients refuses parameters it cannot send, before sending", "[patients]") {
  Harness h;
  const auto client = h.client();
  const auto refused = [&](auto change) {
    impilo::ListPatientsParams params;
    change(params);
    // A copy: the exception, and the text `what()` points into, end with this statement.
    return std::string(thrown<impilo::UsageError>([&] { client.list_patients(params); }).what());
  };
  using P = impilo::ListPatientsParams;
  REQUIRE(std::string(refused([](P& p) { p.size = 251; })).find("size") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.ids = {0}; })).find("ids") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.site_ids = {-2}; })).find("site_ids") !=
          std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.external_identifiers = {""}; }))
              .find("external_identifiers") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.date_of_birth_min = "1950-02-30"; }))
              .find("date_of_birth_min") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) {
            p.date_of_birth_min = "1960-01-01";
            p.date_of_birth_max = "1950-01-01";
          })).find("after") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.email = "a\nb"; })).find("email") != std::string::npos);
  REQUIRE(std::string(refused([](P& p) { p.extra_query = {{"externalIdentifier", "x"}}; }))
              .find("ListPatientsParams") != std::string::npos);
  REQUIRE_THROWS_AS(client.patients([] {
                      P p;
                      p.page = 0;
                      return p;
                    }()),
                    impilo::UsageError);
  REQUIRE(h.transport->requests().empty());
}

TEST_CASE("patients() walks every page, as orders() does", "[patients]") {
  Harness h;
  h.options.prefetch_pages = false;
  h.transport->then_status(200, page_of({patient_json(1), patient_json(2)}, 1, false, 3));
  h.transport->then_status(200, page_of({patient_json(3)}, 2, true, 3));
  impilo::ListPatientsParams params;
  params.size = 2;
  std::vector<std::int64_t> ids;
  for (const impilo::Patient& p : h.client().patients(params)) ids.push_back(*p.id);
  REQUIRE(ids == std::vector<std::int64_t>{1, 2, 3});
  REQUIRE(h.transport->requests().at(1).url == std::string(root) + "/api/v3/patient?page=2&size=2");
}

TEST_CASE("find_patients_by_external_identifier keeps exact matches only, lowest id first",
          "[patients]") {
  Harness h;
  // A server that filters loosely: a prefix match and a case variant come back too.
  h.transport->then_status(200, page_of({patient_json(9, "ehr-p-1"), patient_json(3, "ehr-p-10"),
                                         patient_json(4, "EHR-P-1"), patient_json(2, "ehr-p-1")},
                                        1, true, 4));
  const auto found = h.client().find_patients_by_external_identifier("ehr-p-1");
  REQUIRE(found.size() == 2);
  REQUIRE(found[0].id == 2);
  REQUIRE(found[1].id == 9);
  REQUIRE(h.transport->requests().at(0).url ==
          std::string(root) + "/api/v3/patient?page=1&size=250&externalIdentifier=ehr-p-1");
  REQUIRE_THROWS_AS(h.client().find_patients_by_external_identifier(""), impilo::UsageError);
}

TEST_CASE("find_patients_by_external_identifier reads to the last page whatever total says",
          "[patients]") {
  Harness h;
  // `total` is 0 and page 1 is not the last: the patient is on page 3 of 3.
  h.transport->then_status(200, page_of({patient_json(1, "other")}, 1, false, 0));
  h.transport->then_status(200, page_of({patient_json(2, "other")}, 2, std::nullopt, 0));
  h.transport->then_status(200, page_of({patient_json(3)}, 3, true, 0));
  const auto found = h.client().find_patients_by_external_identifier("ehr-p-1");
  REQUIRE(found.size() == 1);
  REQUIRE(found[0].id == 3);
  REQUIRE(h.transport->requests().size() == 3);
  bool warned = false;
  for (const auto& [level, line] : h.logs) {
    const bool about_total = line.find("total") != std::string::npos;
    warned = warned || (level == impilo::LogLevel::warning && about_total);
  }
  REQUIRE(warned);
}

TEST_CASE("find_patients_by_external_identifier stops at a server that repeats a page",
          "[patients]") {
  Harness h;
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{200, {}, page_of({patient_json(1, "other")}, 1, false)};
  });
  const auto e = thrown<impilo::DecodeError>(
      [&] { h.client().find_patients_by_external_identifier("ehr-p-1"); });
  REQUIRE(e.pointer() == "/content");
  REQUIRE(h.transport->requests().size() == 2);
}

TEST_CASE("ensure_patient returns the patient already carrying the identifier, sending nothing",
          "[patients]") {
  Harness h;
  h.transport->then_status(200, page_of({patient_json(12), patient_json(8)}, 1, true, 2));
  const impilo::Patient p = h.client().ensure_patient(new_patient());
  REQUIRE(p.id == 8);  // the lowest of the two sharing the identifier
  REQUIRE(h.transport->requests().size() == 1);
  for (const auto& [level, line] : h.logs) {
    REQUIRE(line.find("ehr-p-1") == std::string::npos);  // an EHR id identifies a person
    REQUIRE(line.find("Doe") == std::string::npos);
  }
}

TEST_CASE("ensure_patient creates the patient once when none carries the identifier",
          "[patients]") {
  Harness h;
  h.transport->then_status(200, page_of({}, 1, true, 0));
  h.transport->then_status(201, patient_json(30).dump());
  REQUIRE(h.client().ensure_patient(new_patient()).id == 30);
  const auto sent = h.transport->requests();
  REQUIRE(sent.size() == 2);
  REQUIRE(sent[1].method == "POST");
}

TEST_CASE("ensure_patient reconciles an ambiguous create by looking again, never resending",
          "[patients]") {
  Harness h;
  h.options.settle_delay = std::chrono::milliseconds(100);
  h.options.settle_lookups = 3;
  h.transport->then_status(200, page_of({}, 1, true, 0));
  SECTION("the create landed: the second lookup finds it") {
    h.transport->then_fail(impilo::TransportError::Kind::connection_cut, true);
    h.transport->then_status(200, page_of({}, 1, true, 0));
    h.transport->then_status(200, page_of({patient_json(31)}, 1, true, 1));
    REQUIRE(h.client().ensure_patient(new_patient()).id == 31);
    REQUIRE(h.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100),
                                                               std::chrono::milliseconds(200)});
  }
  SECTION("an undecodable 2xx: the patient exists, so it is looked up, not created again") {
    h.transport->then_status(200, "not json");
    h.transport->then_status(200, page_of({patient_json(32)}, 1, true, 1));
    REQUIRE(h.client().ensure_patient(new_patient()).id == 32);
  }
  SECTION("never seen: AmbiguousCreateError carrying the identifier, kept out of what()") {
    h.transport->then_status(502, "{}");
    h.transport->otherwise([](const impilo::HttpRequest&) {
      return impilo::HttpResponse{200, {}, page_of({}, 1, true, 0)};
    });
    const auto e =
        thrown<impilo::AmbiguousCreateError>([&] { h.client().ensure_patient(new_patient()); });
    REQUIRE(e.external_id() == "ehr-p-1");
    REQUIRE(std::string(e.what()).find("ehr-p-1") == std::string::npos);
    REQUIRE(e.may_have_taken_effect());
    REQUIRE(h.sleeps.size() == 3);
  }
  SECTION("a lookup that fails after an ambiguous create: AmbiguousCreateError") {
    h.transport->then_fail(impilo::TransportError::Kind::timeout, true);
    h.transport->otherwise([](const impilo::HttpRequest&) {
      return impilo::HttpResponse{401, {}, R"({"message":"no"})"};
    });
    REQUIRE_THROWS_AS(h.client().ensure_patient(new_patient()), impilo::AmbiguousCreateError);
  }
  int posts = 0;
  for (const auto& request : h.transport->requests()) posts += request.method == "POST";
  REQUIRE(posts == 1);
}

TEST_CASE("ensure_patient passes on a certain failure of the create as it is", "[patients]") {
  Harness h;
  h.transport->then_status(200, page_of({}, 1, true, 0));
  h.transport->then_status(400, R"({"message":"Site 4 not found"})");
  const auto e =
      thrown<impilo::BadRequestError>([&] { h.client().ensure_patient(new_patient()); });
  REQUIRE(e.code() == impilo::ErrorCode::site_not_found);
  REQUIRE(h.transport->requests().size() == 2);
}

TEST_CASE("ensure_patient needs an external identifier and a valid patient without id",
          "[patients]") {
  Harness h;
  const auto client = h.client();
  const auto blank = thrown<impilo::ValidationError>(
      [&] { client.ensure_patient(new_patient(std::string(" "))); });
  REQUIRE(blank.violations().at(0).field == "/externalIdentifier");
  const auto absent =
      thrown<impilo::ValidationError>([&] { client.ensure_patient(new_patient(std::nullopt)); });
  REQUIRE(absent.violations().at(0).field == "/externalIdentifier");
  impilo::Patient with_id = new_patient();
  with_id.id = 3;
  with_id.last_name = "";
  const auto both = thrown<impilo::ValidationError>([&] { client.ensure_patient(with_id); });
  REQUIRE(both.violations().size() == 2);
  REQUIRE(both.violations()[0].field == "/id");
  REQUIRE(both.violations()[1].field == "/lastName");
  REQUIRE(h.transport->requests().empty());
}

TEST_CASE("list_kits and kits() send their filters and decode the catalogue", "[patients]") {
  Harness h;
  h.options.prefetch_pages = false;
  const json kit = {{"id", 2000},
                    {"name", "BP kit"},
                    {"archived", false},
                    {"kitItems", {{{"item", {{"id", 1000}}}, {"count", 1}}}},
                    {"loaner", true}};
  h.transport->then_status(200, page_of({kit}, 1, true, 1));
  h.transport->then_status(200, page_of({kit}, 1, true, 1));
  impilo::ListKitsParams params;
  params.item_id = 1000;
  params.archived = false;
  const auto page = h.client().list_kits(params);
  REQUIRE(page.content.at(0).kit_items->at(0).item->id == 1000);
  REQUIRE(page.content.at(0).unknown_fields.json_text() == R"({"loaner":true})");
  std::vector<std::int64_t> ids;
  for (const impilo::Kit& k : h.client().kits()) ids.push_back(*k.id);
  REQUIRE(ids == std::vector<std::int64_t>{2000});
  const auto sent = h.transport->requests();
  REQUIRE(sent[0].url == std::string(root) + "/api/v3/kit?page=1&size=15&itemId=1000&archived=false");
  REQUIRE(sent[1].url == std::string(root) + "/api/v3/kit?page=1&size=15");

  params.item_id = 0;
  REQUIRE_THROWS_AS(h.client().list_kits(params), impilo::UsageError);
  params.item_id.reset();
  params.extra_query = {{"itemId", "1"}};
  REQUIRE_THROWS_AS(h.client().kits(params), impilo::UsageError);
  REQUIRE(h.transport->requests().size() == 2);
}

TEST_CASE("a page of patients or kits that is not one is a DecodeError naming the member",
          "[patients]") {
  Harness h;
  h.transport->then_status(200, R"({"content":[{"id":"seven"}],"page":1})");
  h.transport->then_status(200, R"({"content":[{"id":1,"kitItems":{}}],"page":1})");
  const auto patients = thrown<impilo::DecodeError>([&] { h.client().list_patients(); });
  REQUIRE(patients.pointer() == "/content/0/id");
  const auto kits = thrown<impilo::DecodeError>([&] { h.client().list_kits(); });
  REQUIRE(kits.pointer() == "/content/0/kitItems");
}
