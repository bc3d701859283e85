// `impilo orders create --once` and `impilo orders find` (docs/retries.md, "Creating an order
// exactly once"): the binary runs as a child process against the simulator (in this process) or a
// cpp-httplib fake on 127.0.0.1. The journal itself: test_cli_journal.cpp.

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <impilo/json.hpp>
#include <impilo/testing/simulator.hpp>
#include <initializer_list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "test_server.hpp"

using nlohmann::json;

namespace {

const std::string request_path = std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json";

impilo_cli_test::RunResult run_impilo(const std::vector<std::string>& args,
                                      const std::string& base_url, const std::string& api_key) {
  impilo_cli_test::RunOptions options;
  options.env = {{"IMPILO_BASE_URL", base_url}, {"IMPILO_API_KEY", api_key}};
  auto result = impilo_cli_test::run_program(IMPILO_CLI_PATH, args, options);
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.err.find(api_key) == std::string::npos);
  return result;
}

/// The JSON object on the last line of stderr.
json last_stderr_object(const std::string& err) {
  REQUIRE(!err.empty());
  const std::string body = err.substr(0, err.size() - 1);
  const auto newline = body.rfind('\n');
  return json::parse(newline == std::string::npos ? body : body.substr(newline + 1));
}

std::string temp_base() {
  return std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/impilo-once-" +
         std::to_string(::getpid());
}

/// A file holding the test request for a demo-catalogue patient and item, without external ids.
class RequestFile {
 public:
  RequestFile() : path_(temp_base() + ".json") {
    std::ofstream(path_) << R"({"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1003},
                              "count": 1}]})";
  }
  RequestFile(const RequestFile&) = delete;
  RequestFile& operator=(const RequestFile&) = delete;
  ~RequestFile() { std::remove(path_.c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A journal path of the test's own for `--once` (never the user's default one), removed with
/// SQLite's side files.
class JournalFile {
 public:
  JournalFile() : path_(temp_base() + "-journal.sqlite") { remove(); }
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;
  ~JournalFile() { remove(); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  std::string path_;
};

}  // namespace

TEST_CASE("orders create --once against commit-then-drop prints the order that landed",
          "[cli][once]") {
  impilo::testing::SimulatorOptions options;
  options.commit_then_drop = 1;
  impilo::testing::Simulator sim(std::move(options));
  sim.start();
  const std::string sim_key(impilo::testing::demo_api_key);
  const RequestFile file;
  const JournalFile journal;

  const auto r =
      run_impilo({"orders", "create", "--file", file.path(), "--once", "--journal", journal.path()},
                 sim.url(), sim_key);

  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const json printed = json::parse(r.out);
  REQUIRE(sim.orders().size() == 1);  // the account holds exactly one
  REQUIRE(printed == json(sim.orders().front()));
  const std::string external_id = printed.at("externalOrderIds").at(0);
  REQUIRE(std::regex_match(external_id, std::regex("impilo-cpp:[0-9a-f]{32}")));

  // And find shows it.
  const auto found =
      run_impilo({"orders", "find", "--external-id", external_id}, sim.url(), sim_key);
  REQUIRE(found.exit_code == 0);
  REQUIRE(json::parse(found.out) == json::array({printed}));
}

TEST_CASE("orders create --once exits 11 with the external id when the lookup fails too",
          "[cli][once]") {
  std::mutex mutex;
  std::vector<std::string> posted;
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Post("/api/v3/order", [&](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard<std::mutex> lock(mutex);
      posted.push_back(req.body);
      res.status = 502;
      res.set_content(R"({"message":"Bad Gateway"})", "application/json");
    });
    // An empty account until the create, then a listing that fails: the lookups after it.
    s.Get("/api/v3/order", [&](const httplib::Request&, httplib::Response& res) {
      const std::lock_guard<std::mutex> lock(mutex);
      if (posted.empty()) {
        res.set_content(R"({"content":[],"page":1,"size":1,"total":0,"first":true,"last":true})",
                        "application/json");
        return;
      }
      res.status = 503;
      res.set_content(R"({"message":"listing unavailable"})", "application/json");
    });
  });
  const std::string key = "once-cli-key-19ab";
  const JournalFile journal;

  const auto r = run_impilo({"--max-retries", "0", "orders", "create", "--file", request_path,
                             "--once", "--journal", journal.path(), "--settle-delay", "1"},
                            server.url(), key);

  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 11);
  REQUIRE(r.out.empty());
  const json error = last_stderr_object(r.err);
  REQUIRE(error.at("error") == "ambiguous");
  REQUIRE(error.at("status").is_null());
  REQUIRE(error.at("code").is_null());
  REQUIRE_THAT(error.at("message").get<std::string>(), Catch::Contains("ServerError (HTTP 502)"));
  const std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(posted.size() == 1);  // never sent twice
  const json sent = json::parse(posted.front());
  // The request file's own external ids are kept, and the first is the one to reconcile with.
  REQUIRE(error.at("external_id") == "xyz_123_0");
  REQUIRE(sent.at("externalOrderIds") ==
          json({"xyz_123_0", "xyz_123_1", "xyz_123_2", "xyz_123_3"}));
}

TEST_CASE("orders find finds orders in a listing that is not in id order", "[cli][once]") {
  // 600 orders listed newest first (descending ids), pages of whatever size is asked for.
  std::vector<json> listing;
  for (int id = 600; id >= 1; --id) {
    listing.push_back({{"id", id},
                       {"externalOrderIds", {id == 42 || id == 555 ? "ehr-7" : "ehr-other"}},
                       {"futureField", "kept"}});
  }
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Get("/api/v3/order", [&](const httplib::Request& req, httplib::Response& res) {
      const auto page = std::stol(req.get_param_value("page"));
      const auto size = std::stol(req.get_param_value("size"));
      const auto total = static_cast<long>(listing.size());
      const long begin = std::min(total, (page - 1) * size);
      const long end = std::min(total, begin + size);
      json body = {{"content", json::array()}, {"page", page},       {"size", size},
                   {"total", total},           {"first", page == 1}, {"last", end >= total}};
      for (long i = begin; i < end; ++i) body["content"].push_back(listing[i]);
      res.set_content(body.dump(), "application/json");
    });
  });
  const std::string key = "once-cli-key-19ab";

  const auto r = run_impilo({"orders", "find", "--external-id", "ehr-7"}, server.url(), key);
  REQUIRE(r.exit_code == 0);
  const json found = json::parse(r.out);
  REQUIRE(found.size() == 2);
  REQUIRE(found[0].at("id") == 42);  // by ascending id
  REQUIRE(found[1].at("id") == 555);
  REQUIRE(found[1].at("futureField") == "kept");

  const auto none = run_impilo({"orders", "find", "--external-id", "nobody"}, server.url(), key);
  REQUIRE(none.exit_code == 0);
  REQUIRE(json::parse(none.out) == json::array());

  const auto missing = run_impilo({"orders", "find"}, server.url(), key);
  REQUIRE(missing.exit_code == 2);
  REQUIRE(last_stderr_object(missing.err).at("error") == "usage");
}

TEST_CASE("the help text documents --once, find, pending, resume and exit code 11", "[cli][once]") {
  const auto r = run_impilo({"--help"}, "http://127.0.0.1:1", "unused-key-000");
  REQUIRE(r.exit_code == 0);
  REQUIRE_THAT(r.out, Catch::Contains("orders create --file PATH|- [--external-id ID]"));
  REQUIRE_THAT(r.out, Catch::Contains("[--once [--journal PATH] [--settle-delay MS]]"));
  REQUIRE_THAT(r.out, Catch::Contains("orders pending [--journal PATH]"));
  REQUIRE_THAT(r.out, Catch::Contains("orders resume [--journal PATH]"));
  REQUIRE_THAT(r.out, Catch::Contains("orders find --external-id ID"));
  REQUIRE_THAT(r.out, Catch::Contains("11 ambiguous"));
  REQUIRE_THAT(r.out, Catch::Contains("--commit-then-drop N"));
}
