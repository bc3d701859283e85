// `impilo patients ...` and `impilo kits list` against their contract (spec section 10 and
// section 4: output and exit codes as for orders): the binary runs as a child process against the
// simulator (in this process) or a cpp-httplib fake, both on 127.0.0.1 port 0.

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/testing/simulator.hpp>
#include <impilo/validation.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "cli_support.hpp"

using namespace cli_test;  // NOLINT(google-build-using-namespace): the shared test vocabulary

namespace {

/// The demo catalogue's simulator, letting in the test key (so that `run_impilo` checks that the
/// key in use never shows). Started on 127.0.0.1, port 0.
class Sim {
 public:
  explicit Sim(impilo::testing::SimulatorOptions options = {}) : sim_(with_test_key(options)) {
    sim_.start();
  }
  [[nodiscard]] impilo::testing::Simulator& operator*() { return sim_; }
  [[nodiscard]] impilo::testing::Simulator* operator->() { return &sim_; }
  [[nodiscard]] Env env() const {
    return {{"IMPILO_BASE_URL", sim_.url()}, {"IMPILO_API_KEY", key}};
  }
  /// A client of this process on the simulator, for setting up more than a command should.
  [[nodiscard]] impilo::Client client() const {
    impilo::ClientOptions options;
    options.base_url = sim_.url();
    options.api_key = key;
    return impilo::Client(options);
  }

 private:
  static impilo::testing::SimulatorOptions with_test_key(impilo::testing::SimulatorOptions o) {
    o.catalog.api_keys = {key};
    return o;
  }
  impilo::testing::Simulator sim_;
};

/// A patient that passes `validate(const Patient&)`, as the JSON a user would write.
json new_patient(const std::string& external_identifier, const std::string& first_name = "Zanele") {
  return {{"externalIdentifier", external_identifier},
          {"firstName", first_name},
          {"lastName", "Dlamini"},
          {"dateOfBirth", "1961-07-04"},
          {"email", "zanele@example.com"},
          {"address",
           {{"lineOne", "7 Jacaranda Street"},
            {"city", "Springfield"},
            {"state", "IL"},
            {"zipCode", "62704"},
            {"country", "US"}}}};
}

/// A file holding @p content, removed when destroyed.
class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") +
              "/impilo-cli-patient-" + std::to_string(::getpid()) + ".json") {
    std::ofstream(path_, std::ios::binary) << content;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::remove(path_.c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const json empty_page = {{"content", json::array()},
                         {"page", 1},
                         {"size", 15},
                         {"total", 0},
                         {"first", true},
                         {"last", true}};

/// Every value of the query parameter @p name the server saw, in order.
std::vector<std::string> params_of(const Seen& seen, const std::string& name) {
  std::vector<std::string> values;
  const auto [begin, end] = seen.params.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

/// The ids of the JSON array @p patients, each once; fails on a repeat.
std::set<std::int64_t> unique_ids(const json& elements) {
  std::set<std::int64_t> ids;
  for (const json& element : elements) {
    INFO("id " << element.at("id"));
    CHECK(ids.insert(element.at("id").get<std::int64_t>()).second);
  }
  return ids;
}

}  // namespace

// ---- 0: success ------------------------------------------------------------------------------

TEST_CASE("patients create posts the file and prints the created patient", "[cli][patients]") {
  Sim sim;
  const json patient = new_patient("EHR-create");

  SECTION("from a file") {
    const TempFile file(patient.dump());
    const json printed =
        expect_success(run_impilo({"patients", "create", "--file", file.path()}, sim.env()));
    CHECK(printed.at("firstName") == "Zanele");
    CHECK(printed.at("externalIdentifier") == "EHR-create");
    CHECK(printed == json(sim.client().get_patient(printed.at("id").get<std::int64_t>())));
  }
  SECTION("from stdin") {
    const json printed = expect_success(
        run_impilo({"patients", "create", "--file", "-"}, sim.env(), patient.dump()));
    CHECK(printed.at("id").is_number_integer());
    CHECK(sim->patients().back() == printed.get<impilo::Patient>());
  }
}

TEST_CASE("patients create warns about a member the SDK does not know, and sends it as it is",
          "[cli][patients]") {
  Sim sim;
  json patient = new_patient("EHR-misspelt");
  patient["phonenumber"] = "555-0100";
  const TempFile file(patient.dump());
  const auto r = run_impilo({"patients", "create", "--file", file.path()}, sim.env());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("/phonenumber is not a member the SDK knows") != std::string::npos);
  CHECK(r.err.find("did you mean phoneNumber?") != std::string::npos);
  CHECK(r.err.find("555-0100") == std::string::npos);  // the pointer only, never the value
  CHECK(json::parse(r.out).at("firstName") == "Zanele");
}

TEST_CASE("patients get prints the patient, everything the server sent included",
          "[cli][patients]") {
  json patient = new_patient("EHR-9");
  patient["id"] = 77;
  patient["futurePatientField"] = {{"nested", true}};
  FakeApi api(reply(200, patient));
  CHECK(expect_success(run_impilo({"patients", "get", "77"}, env_for(api))) == patient);
  REQUIRE(api.seen().size() == 1);
  CHECK(api.seen().front().method == "GET");
  CHECK(api.seen().front().path == "/api/v3/patient/77");
}

TEST_CASE("patients update replaces the patient and prints it as updated", "[cli][patients]") {
  Sim sim;
  const impilo::Patient created =
      sim.client().create_patient(new_patient("EHR-update").get<impilo::Patient>());
  const std::string id = std::to_string(*created.id);
  json changed = new_patient("EHR-update");
  changed["lastName"] = "Mokoena";

  const json printed = expect_success(
      run_impilo({"patients", "update", id, "--file", "-"}, sim.env(), changed.dump()));
  CHECK(printed.at("id") == *created.id);
  CHECK(printed.at("lastName") == "Mokoena");
  CHECK(expect_success(run_impilo({"patients", "get", id}, sim.env())) == printed);
}

TEST_CASE("patients list prints the page envelope", "[cli][patients]") {
  Sim sim;
  const json page = expect_success(run_impilo({"patients", "list", "--size", "2"}, sim.env()));
  CHECK(page.at("page") == 1);
  CHECK(page.at("size") == 2);
  CHECK(page.at("total") == sim->patients().size());
  CHECK(page.at("content").size() == 2);
  CHECK(page.at("last") == false);
}

TEST_CASE("patients list sends each filter flag as its query parameter", "[cli][patients]") {
  FakeApi api(reply(200, empty_page));
  const json page = expect_success(run_impilo({"patients",
                                               "list",
                                               "--page",
                                               "3",
                                               "--size",
                                               "50",
                                               "--external-identifier",
                                               "EHR-1",
                                               "--external-identifier",
                                               "EHR-2",
                                               "--site-id",
                                               "10",
                                               "--site-id",
                                               "11",
                                               "--email",
                                               "a@example.com",
                                               "--name",
                                               "Nkosi",
                                               "--archived",
                                               "false",
                                               "--enrolled",
                                               "true",
                                               "--sort",
                                               "lastName",
                                               "--descending"},
                                              env_for(api)));
  CHECK(page == empty_page);
  REQUIRE(api.seen().size() == 1);
  const std::vector<Seen> all_seen = api.seen();  // a copy: seen() returns by value
  const Seen& seen = all_seen.front();
  CHECK(seen.path == "/api/v3/patient");
  CHECK(seen.param("page") == "3");
  CHECK(seen.param("size") == "50");
  CHECK(params_of(seen, "externalIdentifier") == std::vector<std::string>{"EHR-1", "EHR-2"});
  CHECK(params_of(seen, "siteId") == std::vector<std::string>{"10", "11"});
  CHECK(seen.param("email") == "a@example.com");
  CHECK(seen.param("name") == "Nkosi");
  CHECK(seen.param("archived") == "false");
  CHECK(seen.param("enrolled") == "true");
  CHECK(seen.param("sort") == "lastName");
  CHECK(seen.param("sortDescending") == "true");

  SECTION("every sort key by its wire name") {
    for (const std::string sort : {"firstName", "lastName", "patientId"}) {
      expect_success(run_impilo({"patients", "list", "--sort", sort}, env_for(api)));
      CHECK(api.seen().back().param("sort") == sort);
    }
  }
}

TEST_CASE("patients list --all over 600 patients yields each once", "[cli][patients]") {
  Sim sim;
  const impilo::Client client = sim.client();
  for (int i = 0; i < 600; ++i) {
    client.create_patient(new_patient("EHR-bulk-" + std::to_string(i), "Bulk" + std::to_string(i))
                              .get<impilo::Patient>());
  }
  std::set<std::int64_t> expected;
  for (const impilo::Patient& patient : sim->patients()) expected.insert(*patient.id);
  REQUIRE(expected.size() == 603);  // the demo catalogue's three and ours

  SECTION("pages of the default size") {
    const auto r = run_impilo({"patients", "list", "--all"}, sim.env());
    const json all = expect_success(r);
    REQUIRE(all.is_array());
    CHECK(all.size() == expected.size());
    CHECK(unique_ids(all) == expected);
    CHECK(r.out == all.dump(2) + "\n");  // the layout orders list --all prints
  }
  SECTION("pages of 250, the largest") {
    const json all =
        expect_success(run_impilo({"patients", "list", "--all", "--size", "250"}, sim.env()));
    REQUIRE(all.is_array());
    CHECK(all.size() == expected.size());
    CHECK(unique_ids(all) == expected);
  }
}

TEST_CASE("patients find prints a JSON array of the patients with that identifier",
          "[cli][patients]") {
  Sim sim;
  const json found = expect_success(
      run_impilo({"patients", "find", "--external-identifier", "EHR-5000"}, sim.env()));
  REQUIRE(found.is_array());
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("id") == 5000);

  const json none = expect_success(
      run_impilo({"patients", "find", "--external-identifier", "nobody"}, sim.env()));
  CHECK(none == json::array());
}

TEST_CASE("patients ensure twice with one externalIdentifier prints one patient's id",
          "[cli][patients]") {
  Sim sim;
  const std::string file = new_patient("EHR-ensure").dump();
  const std::size_t before = sim->patients().size();

  const json first =
      expect_success(run_impilo({"patients", "ensure", "--file", "-"}, sim.env(), file));
  const json second =
      expect_success(run_impilo({"patients", "ensure", "--file", "-"}, sim.env(), file));
  CHECK(first.at("id") == second.at("id"));
  CHECK(sim->patients().size() == before + 1);
  CHECK(sim.client().find_patients_by_external_identifier("EHR-ensure").size() == 1);
}

TEST_CASE("patients ensure looks a create whose answer was lost up, and never sends it twice",
          "[cli][patients]") {
  impilo::testing::SimulatorOptions options;
  options.commit_then_drop = 1;
  Sim sim(std::move(options));
  const std::size_t before = sim->patients().size();

  const json printed =
      expect_success(run_impilo({"patients", "ensure", "--file", "-", "--settle-delay", "1"},
                                sim.env(), new_patient("EHR-dropped").dump()));
  CHECK(printed.at("externalIdentifier") == "EHR-dropped");
  REQUIRE(sim->patients().size() == before + 1);
  CHECK(printed.get<impilo::Patient>() == sim->patients().back());
}

TEST_CASE("patients ensure exits 11 (ambiguous) with the identifier when no lookup shows it",
          "[cli][patients]") {
  std::mutex mutex;
  int posts = 0;
  FakeApi api([&](const Seen& seen, httplib::Response& res, const impilo_test::TestServer&) {
    res.set_content(empty_page.dump(), "application/json");
    if (seen.method == "POST") {
      const std::lock_guard<std::mutex> lock(mutex);
      ++posts;
      res.status = 502;
      res.set_content(R"({"message":"Bad Gateway"})", "application/json");
    }
  });
  const auto r =
      run_impilo({"--max-retries", "0", "patients", "ensure", "--file", "-", "--settle-delay", "1"},
                 env_for(api), new_patient("EHR-lost").dump());
  const json error = stderr_object(r);
  CHECK(r.exit_code == 11);
  CHECK(r.out.empty());
  CHECK(error.at("error") == "ambiguous");
  CHECK(error.at("external_id") == "EHR-lost");
  CHECK(!contains(r.err, "Zanele"));
  const std::lock_guard<std::mutex> lock(mutex);
  CHECK(posts == 1);
}

TEST_CASE("kits list prints the page envelope of the catalogue's kits", "[cli][kits]") {
  Sim sim;
  const json page = expect_success(run_impilo({"kits", "list"}, sim.env()));
  CHECK(page.at("page") == 1);
  CHECK(page.at("total") == 4);
  CHECK(unique_ids(page.at("content")) == std::set<std::int64_t>{2000, 2001, 2002, 2003});

  SECTION("--all: every kit in one array, pages of one") {
    const auto r = run_impilo({"kits", "list", "--all", "--size", "1"}, sim.env());
    const json all = expect_success(r);
    CHECK(unique_ids(all) == std::set<std::int64_t>{2000, 2001, 2002, 2003});
    CHECK(r.out == all.dump(2) + "\n");
  }
  SECTION("--item-id: only kits holding that item") {
    const json holding = expect_success(
        run_impilo({"kits", "list", "--item-id", "1000", "--archived", "false"}, sim.env()));
    REQUIRE(!holding.at("content").empty());
    for (const json& kit : holding.at("content")) {
      bool holds = false;
      for (const json& line : kit.at("kitItems")) holds = holds || line.at("item").at("id") == 1000;
      CHECK(holds);
    }
  }
}

TEST_CASE("kits list sends its filters as query parameters", "[cli][kits]") {
  FakeApi api(reply(200, empty_page));
  expect_success(run_impilo(
      {"kits", "list", "--item-id", "1000", "--archived", "true", "--page", "2", "--size", "5"},
      env_for(api)));
  REQUIRE(api.seen().size() == 1);
  const std::vector<Seen> all_seen = api.seen();  // a copy: seen() returns by value
  const Seen& seen = all_seen.front();
  CHECK(seen.path == "/api/v3/kit");
  CHECK(seen.param("itemId") == "1000");
  CHECK(seen.param("archived") == "true");
  CHECK(seen.param("page") == "2");
  CHECK(seen.param("size") == "5");
}

// ---- help ------------------------------------------------------------------------------------

TEST_CASE("help: impilo --help lists the patients and kits commands", "[cli][patients]") {
  const auto r = run_impilo({"--help"});
  CHECK(r.exit_code == 0);
  for (const std::string line :
       {"patients create --file PATH|-", "patients ensure --file PATH|-", "patients find",
        "patients get ID", "patients list [--page N] [--size N] [--all] [--external-identifier X]",
        "patients update ID --file PATH|-", "kits list [--item-id N] [--archived true|false]"}) {
    CHECK(contains(r.out, line));
  }
}

TEST_CASE("help: every patients and kits subcommand's --help prints its own help",
          "[cli][patients]") {
  check_help({
      {{"patients", "create", "--help"},
       {"patients create --file PATH|-", "--file PATH|-   the patient as JSON", "exits 3"},
       {"patients get ID", "orders create"}},
      {{"patients", "get", "-h"}, {"patients get ID", "exit 7"}, {"patients create", "--page N"}},
      {{"patients", "update", "--help"},
       {"patients update ID --file PATH|-", "start from patients get"},
       {"patients list"}},
      {{"patients", "list", "--help"},
       {"patients list [--page N]", "--site-id N ", "--sort KEY", "--descending",
        "--archived true|false"},
       {"patients get ID", "--file"}},
      {{"patients", "find", "--help"},
       {"patients find --external-identifier X", "JSON array"},
       {"patients list"}},
      {{"patients", "ensure", "--help"},
       {"patients ensure --file PATH|-", "exit 11", "--settle-delay MS"},
       {"patients get ID"}},
      {{"patients", "--help"},
       {"patients create", "patients ensure", "patients find", "patients get", "patients list",
        "patients update", "impilo patients SUBCOMMAND --help"},
       {"orders get ID", "kits list"}},
      {{"kits", "list", "--help"},
       {"kits list [--item-id N]", "--item-id N ", "--all "},
       {"patients list", "orders list"}},
      {{"kits", "--help"}, {"kits list"}, {"patients list"}},
  });
}

// ---- 2: usage --------------------------------------------------------------------------------

TEST_CASE("patients and kits: bad flags and arguments exit 2 naming the problem, and send nothing",
          "[cli][patients]") {
  FakeApi api(reply(200, empty_page));
  check_usage_errors({
      {{"patients"}, "patients needs a subcommand: create, ensure, find, get, list or update"},
      {{"patients", "frob"}, "unknown patients subcommand 'frob'"},
      {{"patients", "create"}, "patients create needs --file PATH"},
      {{"patients", "create", "--file", "/nonexistent/patient.json"}, "/nonexistent/patient.json"},
      {{"patients", "create", "--file", "-", "--bogus"}, "unknown flag '--bogus'"},
      {{"patients", "ensure"}, "patients ensure needs --file PATH"},
      {{"patients", "ensure", "--file", "-", "--settle-delay", "-1"}, "--settle-delay"},
      {{"patients", "update", "--file", "-"}, "patients update needs exactly one patient ID"},
      {{"patients", "update", "5000"}, "patients update needs --file PATH"},
      {{"patients", "update", "abc", "--file", "-"},
       "patient ID must be a positive whole number, got 'abc'"},
      {{"patients", "get"}, "patients get needs exactly one patient ID"},
      {{"patients", "get", "1", "2"}, "patients get needs exactly one patient ID"},
      {{"patients", "get", "0"}, "got '0'"},
      {{"patients", "get", "99999999999999999999"}, "patient ID"},
      {{"patients", "find"}, "patients find needs --external-identifier X"},
      {{"patients", "find", "--external-identifier", ""}, "non-empty"},
      {{"patients", "find", "--external-id", "x"}, "unknown flag '--external-id'"},
      {{"patients", "list", "--archived", "yes"}, "--archived must be true or false, got 'yes'"},
      {{"patients", "list", "--enrolled"}, "--enrolled needs a value"},
      {{"patients", "list", "--sort", "age"}, "--sort must be firstName, lastName or patientId"},
      {{"patients", "list", "--descending=yes"}, "--descending takes no value"},
      {{"patients", "list", "--site-id", "x"}, "--site-id must be a whole number"},
      {{"patients", "list", "--site-id", "0"}, "got 0"},
      {{"patients", "list", "--external-identifier", ""}, "external_identifiers"},
      {{"patients", "list", "--size", "251"}, "size must be from 1 to 250"},
      {{"patients", "list", "--all", "--page", "0"}, "page must be at least 1"},
      {{"patients", "list", "extra"}, "patients list: unexpected argument 'extra'"},
      {{"kits"}, "kits needs a subcommand: list"},
      {{"kits", "frob"}, "unknown kits subcommand 'frob'"},
      {{"kits", "list", "--item-id", "x"}, "--item-id must be a whole number"},
      {{"kits", "list", "--item-id", "0"}, "got 0"},
      {{"kits", "list", "--archived", "1"}, "--archived must be true or false, got '1'"},
      {{"kits", "list", "--size", "0"}, "size must be from 1 to 250"},
      {{"kits", "list", "--all", "extra"}, "kits list: unexpected argument 'extra'"},
  }, env_for(api));
  CHECK(api.request_count() == 0);
}

// ---- 3: validation ---------------------------------------------------------------------------

TEST_CASE("a patient file that breaks rules exits 3 and sends nothing", "[cli][patients]") {
  FakeApi api(reply(201, new_patient("EHR-x")));
  // Each command that sends a patient, given the file on stdin.
  const std::vector<std::vector<std::string>> commands{
      {"patients", "create", "--file", "-"},
      {"patients", "ensure", "--file", "-"},
      {"patients", "update", "5000", "--file", "-"},
  };
  for (const auto& command : commands) {
    INFO("impilo " << command[1]);
    SECTION("violations, all of them, without the patient's data: " + command[1]) {
      json input = new_patient("EHR-x");
      input["lastName"] = " ";
      input["address"].erase("city");
      input["dateOfBirth"] = "1961-02-30";
      const auto expected = impilo::validate(input.get<impilo::Patient>());
      REQUIRE(expected.size() == 3);
      const auto r = run_impilo(command, env_for(api), input.dump());
      expect_failure(r, 3,
                     {{"error", "validation"},
                      {"status", nullptr},
                      {"code", impilo::to_string(expected.front().code)},
                      {"message", nullptr},
                      {"violations", violations_json(expected)}});
      CHECK(!contains(r.err, "Zanele"));
      CHECK(!contains(r.err, "Jacaranda"));
    }
    SECTION("malformed JSON: invalid_json, without quoting the input: " + command[1]) {
      const auto r = run_impilo(command, env_for(api), R"({"firstName": "Zanele", )");
      const json j = expect_failure(
          r, 3,
          {{"error", "validation"},
           {"status", nullptr},
           {"code", "invalid_json"},
           {"message", nullptr},
           {"violations",
            {{{"field", ""}, {"code", "invalid_json"}, {"message", "Invalid JSON format"}}}}});
      CHECK(contains(message_of(j), "--file input is not valid JSON"));
      CHECK(!contains(r.err, "Zanele"));
    }
    SECTION("the wrong shape: invalid_data at the offending pointer: " + command[1]) {
      json input = new_patient("EHR-x");
      input["address"]["zipCode"] = 62704;
      const json j = expect_failure(run_impilo(command, env_for(api), input.dump()), 3,
                                    {{"error", "validation"},
                                     {"status", nullptr},
                                     {"code", "invalid_data"},
                                     {"message", nullptr},
                                     {"violations",
                                      {{{"field", "/address/zipCode"},
                                        {"code", "invalid_data"},
                                        {"message", "expected string, got integer"}}}}});
      CHECK(contains(message_of(j), "--file input is not a patient"));
    }
    SECTION("not an object at all: " + command[1]) {
      expect_failure(run_impilo(command, env_for(api), "[1, 2]"), 3,
                     {{"error", "validation"},
                      {"status", nullptr},
                      {"code", "invalid_data"},
                      {"message", nullptr},
                      {"violations",
                       {{{"field", ""},
                         {"code", "invalid_data"},
                         {"message", "expected object, got array"}}}}});
    }
  }
  CHECK(api.request_count() == 0);
}

// ---- 7: not found ----------------------------------------------------------------------------

TEST_CASE("patients get and update of an unknown id exit 7 (not_found)", "[cli][patients]") {
  Sim sim;
  const json get = expect_failure(
      run_impilo({"patients", "get", "999999"}, sim.env()), 7,
      {{"error", "not_found"}, {"status", 404}, {"code", "not_found"}, {"message", nullptr}});
  CHECK(contains(message_of(get), "/api/v3/patient/999999"));
  expect_failure(
      run_impilo({"patients", "update", "999999", "--file", "-"}, sim.env(),
                 new_patient("EHR-none").dump()),
      7, {{"error", "not_found"}, {"status", 404}, {"code", "not_found"}, {"message", nullptr}});
}
