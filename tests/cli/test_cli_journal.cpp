// The journal of `impilo orders create --once`, `orders pending` and `orders resume`
// (tools/impilo/orders_once.cpp, journal.cpp): the binary runs as a child process against the
// simulator (in this process) or a fake order API on 127.0.0.1 (journal_support.hpp), each test in
// a temp dir of its own with `--journal` there. Orders are counted on the server side.

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <impilo/json.hpp>
#include <impilo/testing/simulator.hpp>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "journal_support.hpp"

using namespace journal_test;

TEST_CASE("journal: the same --once command with --external-id twice places one order",
          "[cli][journal]") {
  impilo::testing::Simulator sim;
  sim.start();
  const TempDir dir;
  const std::string journal = dir.file("state/journal.sqlite");
  // The flag's id goes first, and its copy further on goes.
  const std::string file = request_file(dir, {"ehr-2", "ehr-1"});
  const std::vector<std::string> args{"orders",    "create", "--file",        file,   "--once",
                                      "--journal", journal,  "--external-id", "ehr-1"};
  const auto env = env_for(sim.url(), sim_key, dir);

  const auto first = run(args, env);
  check_no_key(first, sim_key);
  const json placed = expect_json(first);
  CHECK(first.err.empty());
  REQUIRE(sim.orders().size() == 1);
  CHECK(placed == json(sim.orders().front()));
  CHECK(placed.at("externalOrderIds") == json({"ehr-1", "ehr-2"}));
  const std::size_t requests = sim.requests_served();

  const auto second = run(args, env);
  check_no_key(second, sim_key);
  CHECK(expect_json(second) == placed);
  CHECK(second.err.empty());
  CHECK(sim.orders().size() == 1);
  CHECK(sim.requests_served() == requests);  // the journal answered: no request at all

  // Counted through the API as well.
  const auto listed = run({"orders", "list"}, env);
  CHECK(expect_json(listed).at("total") == 1);

  const auto rows = journal_rows(journal);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].external_id == "ehr-1");
  CHECK(rows[0].state == "placed");
  CHECK(rows[0].order_id == placed.at("id").get<std::int64_t>());
  CHECK(mode_of(journal) == 0600U);
  CHECK(expect_json(run({"orders", "pending", "--journal", journal}, env)) == json::array());
}

TEST_CASE("journal: the default path is under XDG_STATE_HOME, else HOME, mode 0600",
          "[cli][journal]") {
  impilo::testing::Simulator sim;
  sim.start();
  const TempDir dir;
  const std::string file = request_file(dir);
  expect_json(
      run({"orders", "create", "--file", file, "--once"}, env_for(sim.url(), sim_key, dir)));
  CHECK(mode_of(dir.file("xdg/impilo/journal.sqlite")) == 0600U);
  CHECK(mode_of(dir.file("xdg/impilo")) == 0700U);

  // An empty XDG_STATE_HOME is ignored, as the XDG rules say.
  expect_json(
      run({"orders", "create", "--file", file, "--once"}, env_for(sim.url(), sim_key, dir, "")));
  CHECK(mode_of(dir.file("home/.local/state/impilo/journal.sqlite")) == 0600U);
  CHECK(journal_rows(dir.file("home/.local/state/impilo/journal.sqlite")).size() == 1);
  CHECK(sim.orders().size() == 2);  // no external id: a generated one each run, two orders
}

TEST_CASE("journal: killed after its POST left, the create is resumed into exactly one order",
          "[cli][journal]") {
  FakeOrderApi api;
  api.answer(FakeOrderApi::Answer::held);
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const auto env = env_for(api.url(), fake_key, dir);

  // Recorded with the send: its attempt's bound, 3 s, and a settle window of 500 ms * (1 + 2 +
  // 4) = 3.5 s. The kill comes well within the 3 s.
  impilo_cli_test::BackgroundProgram create(
      IMPILO_CLI_PATH,
      {"--timeout", "3", "orders", "create", "--file", request_file(dir), "--once", "--journal",
       journal, "--external-id", "ehr-kill-1", "--settle-delay", "500"},
      env);
  REQUIRE(eventually([&] { return api.posts() == 1; }));
  const auto posted_at = std::chrono::steady_clock::now();
  // The server has committed the order and holds its answer: the CLI waits for it.
  REQUIRE(api.orders() == 1);
  REQUIRE(journal_rows(journal).at(0).state == "sending");  // committed before the POST left
  CHECK(create.stop(SIGKILL) == -SIGKILL);
  api.answer(FakeOrderApi::Answer::created);

  const json pending = expect_json(run({"orders", "pending", "--journal", journal}, env));
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].at("external_id") == "ehr-kill-1");
  CHECK(pending[0].at("state") == "sending");
  CHECK(pending[0].at("order_id").is_null());
  CHECK(std::regex_match(pending[0].at("created_at").get<std::string>(), iso_utc));

  // The claim of the dead process is taken over. Its send may still be answered and listed
  // late, so resume waits out the 6.5 s recorded with it (longer than its own window, 7 ms)
  // before looking.
  const auto resumed = run({"orders", "resume", "--journal", journal, "--settle-delay", "1"}, env);
  check_no_key(resumed, fake_key);
  CHECK(std::chrono::steady_clock::now() - posted_at >= milliseconds(6300));
  CHECK(expect_json(resumed) == json::parse(R"([{"external_id": "ehr-kill-1", "order_id": 1}])"));
  CHECK(api.posts() == 1);
  CHECK(api.orders() == 1);
  CHECK(expect_json(run({"orders", "pending", "--journal", journal}, env)) == json::array());

  // A rerun prints the order from the journal.
  const auto rerun = run({"orders", "create", "--file", request_file(dir), "--once", "--journal",
                          journal, "--external-id", "ehr-kill-1"},
                         env);
  CHECK(expect_json(rerun).at("id") == 1);
  CHECK(api.posts() == 1);
}

TEST_CASE("journal: 8 processes placing 8 external ids at once on one journal give 8 orders",
          "[cli][journal]") {
  impilo::testing::Simulator sim;
  sim.start();
  sim.set_latency(milliseconds(100));  // every process is in flight with the others
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const std::string file = request_file(dir);
  const auto env = env_for(sim.url(), sim_key, dir);

  std::vector<impilo_cli_test::RunResult> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = run({"orders", "create", "--file", file, "--once", "--journal", journal,
                        "--external-id", "ehr-c-" + std::to_string(i)},
                       env);
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO("process " << i);
    const json order = expect_json(results[i]);
    CHECK(order.at("externalOrderIds").at(0) == "ehr-c-" + std::to_string(i));
    ids.insert(order.at("id").get<std::int64_t>());
  }
  CHECK(ids.size() == 8);
  CHECK(sim.orders().size() == 8);
  const auto rows = journal_rows(journal);
  REQUIRE(rows.size() == 8);
  for (const Row& row : rows) {
    CHECK(row.state == "placed");
    CHECK(ids.count(row.order_id.value_or(0)) == 1);
  }
}

TEST_CASE("journal: 2 processes with the same external id at once place one order, both print it",
          "[cli][journal]") {
  impilo::testing::Simulator sim;
  sim.start();
  sim.set_latency(milliseconds(300));  // the second one finds the first one's claim
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const std::string file = request_file(dir);
  const auto env = env_for(sim.url(), sim_key, dir);

  std::vector<impilo_cli_test::RunResult> results(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = run({"orders", "create", "--file", file, "--once", "--journal", journal,
                        "--external-id", "ehr-same"},
                       env);
    });
  }
  for (std::thread& thread : threads) thread.join();

  const json first = expect_json(results[0]);
  const json second = expect_json(results[1]);
  CHECK(first == second);
  REQUIRE(sim.orders().size() == 1);
  CHECK(first == json(sim.orders().front()));
  const auto rows = journal_rows(journal);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "placed");
}

TEST_CASE("journal: a journal that cannot be used is a usage error and nothing is sent",
          "[cli][journal]") {
  impilo::testing::Simulator sim;
  sim.start();
  const TempDir dir;
  const std::string file = request_file(dir);
  const auto env = env_for(sim.url(), sim_key, dir);
  const auto create = [&](const std::string& journal) {
    return run({"orders", "create", "--file", file, "--once", "--journal", journal, "--external-id",
                "ehr-e-1"},
               env);
  };

  SECTION("a text file") {
    const std::string journal = dir.file("notes.txt");
    std::ofstream(journal) << "not a journal\n";
    const json error = expect_failure(create(journal), 2, "usage");
    CHECK(error.at("message") ==
          journal + " is not an impilo journal (not an SQLite database); nothing was sent");
    std::ifstream in(journal);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "not a journal\n");
    CHECK(sim.requests_served() == 0);
  }

  SECTION("an SQLite database of something else") {
    const std::string journal = dir.file("other.sqlite");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(journal.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE entries (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const json error = expect_failure(create(journal), 2, "usage");
    CHECK_THAT(error.at("message").get<std::string>(),
               Catch::Contains("is not an impilo journal (an SQLite database of something else)"));
    const json pending =
        expect_failure(run({"orders", "pending", "--journal", journal}, env), 2, "usage");
    CHECK_THAT(pending.at("message").get<std::string>(), Catch::Contains("not an impilo journal"));
    CHECK(sim.requests_served() == 0);
  }

  SECTION("a read-only folder") {
    if (::geteuid() == 0) {
      WARN("skipped: running as root, which writes to read-only folders anyway");
      return;
    }
    // One journal that exists, in a folder made read-only afterwards (SQLite's WAL files cannot
    // be made), and one that cannot be created there.
    const std::string existing = dir.file("ro/journal.sqlite");
    expect_json(run({"orders", "create", "--file", file, "--once", "--journal", existing,
                     "--external-id", "ehr-e-0"},
                    env));
    const std::size_t requests = sim.requests_served();
    REQUIRE(::chmod(dir.file("ro").c_str(), 0500) == 0);
    const json error = expect_failure(create(dir.file("ro/new.sqlite")), 2, "usage");
    CHECK_THAT(error.at("message").get<std::string>(),
               Catch::Contains("cannot create the journal " + dir.file("ro/new.sqlite")));
    CHECK_THAT(error.at("message").get<std::string>(), Catch::Contains("nothing was sent"));
    const json again = expect_failure(create(existing), 2, "usage");
    CHECK_THAT(again.at("message").get<std::string>(), Catch::Contains(existing));
    CHECK(sim.requests_served() == requests);
    CHECK(sim.orders().size() == 1);
  }

  SECTION("a journal locked past the busy timeout") {
    const std::string journal = dir.file("journal.sqlite");
    expect_json(run({"orders", "create", "--file", file, "--once", "--journal", journal,
                     "--external-id", "ehr-e-0"},
                    env));
    const std::size_t requests = sim.requests_served();
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(journal.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    const auto r = create(journal);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    const json error = expect_failure(r, 2, "usage");
    CHECK(error.at("message") == "the journal " + journal +
                                     " is locked by another process (waited 5000 ms); nothing "
                                     "was sent");
    CHECK(r.elapsed >= milliseconds(4900));
    CHECK(sim.requests_served() == requests);
    CHECK(sim.orders().size() == 1);
  }
}

TEST_CASE("journal: an ambiguous create is listed by orders pending and placed by orders resume",
          "[cli][journal]") {
  FakeOrderApi api;
  api.answer(FakeOrderApi::Answer::bad_gateway);  // committed, then 502
  api.hide_listing(true);                         // and not listed within the settle window
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const auto env = env_for(api.url(), fake_key, dir);

  const auto r =
      run({"--max-retries", "0", "orders", "create", "--file", request_file(dir), "--once",
           "--journal", journal, "--external-id", "ehr-amb-1", "--settle-delay", "1"},
          env);
  check_no_key(r, fake_key);
  const json error = expect_failure(r, 11, "ambiguous");
  CHECK(error.at("external_id") == "ehr-amb-1");
  CHECK(api.posts() == 1);

  const json pending = expect_json(run({"orders", "pending", "--journal", journal}, env));
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].at("external_id") == "ehr-amb-1");
  CHECK(pending[0].at("state") == "ambiguous");
  CHECK(pending[0].at("order_id").is_null());
  CHECK(std::regex_match(pending[0].at("created_at").get<std::string>(), iso_utc));

  api.hide_listing(false);  // listed at last
  api.answer(FakeOrderApi::Answer::created);
  const auto resumed = run({"orders", "resume", "--journal", journal, "--settle-delay", "1"}, env);
  CHECK(expect_json(resumed) == json::parse(R"([{"external_id": "ehr-amb-1", "order_id": 1}])"));
  CHECK(api.posts() == 1);
  CHECK(expect_json(run({"orders", "pending", "--journal", journal}, env)) == json::array());
}

TEST_CASE("journal: orders resume exits 11 while an entry stays undecided", "[cli][journal]") {
  FakeOrderApi api;
  api.answer(FakeOrderApi::Answer::bad_gateway);
  api.hide_listing(true);
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const auto env = env_for(api.url(), fake_key, dir);
  expect_failure(
      run({"--max-retries", "0", "orders", "create", "--file", request_file(dir), "--once",
           "--journal", journal, "--external-id", "ehr-und-1", "--settle-delay", "1"},
          env),
      11, "ambiguous");

  // Still not listed, and every send is ambiguous: resume sends once more (the lookup over the
  // window found nothing), then cannot tell.
  const auto r = run(
      {"--max-retries", "0", "orders", "resume", "--journal", journal, "--settle-delay", "1"}, env);
  CHECK(r.exit_code == 11);
  CHECK(json::parse(r.out) == json::parse(R"([{"external_id": "ehr-und-1", "order_id": null}])"));
  const json error = last_stderr_object(r.err);
  CHECK(error.at("error") == "ambiguous");
  CHECK(error.at("external_id") == "ehr-und-1");
  CHECK(expect_json(run({"orders", "pending", "--journal", journal}, env)).size() == 1);
}

TEST_CASE("journal: a 2xx HTML answer is sent once and exits 11", "[cli][journal]") {
  FakeOrderApi api;
  api.answer(FakeOrderApi::Answer::html);
  const TempDir dir;
  const std::string journal = dir.file("journal.sqlite");
  const auto env = env_for(api.url(), fake_key, dir);

  const auto r = run({"orders", "create", "--file", request_file(dir), "--once", "--journal",
                      journal, "--external-id", "ehr-html-1", "--settle-delay", "1"},
                     env);
  check_no_key(r, fake_key);
  const json error = expect_failure(r, 11, "ambiguous");
  CHECK(error.at("external_id") == "ehr-html-1");
  CHECK(api.posts() == 1);  // accepted: never sent again
  const auto rows = journal_rows(journal);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "ambiguous");
}

TEST_CASE("journal: flags and the help of pending and resume", "[cli][journal]") {
  const TempDir dir;
  const Env env{{"IMPILO_API_KEY", fake_key}, {"HOME", dir.file("home")}};
  const auto file = request_file(dir);

  const json without_once = expect_failure(
      run({"orders", "create", "--file", file, "--journal", dir.file("j")}, env), 2, "usage");
  CHECK(without_once.at("message") == "--journal works only with --once");
  expect_failure(run({"orders", "create", "--file", file, "--settle-delay", "5"}, env), 2, "usage");
  expect_failure(run({"orders", "create", "--file", file, "--once", "--settle-delay", "-1"}, env),
                 2, "usage");
  // Reading a journal that does not exist creates nothing.
  CHECK(expect_json(run({"orders", "pending", "--journal", dir.file("none/j.sqlite")}, env)) ==
        json::array());
  CHECK_FALSE(std::filesystem::exists(dir.file("none")));

  const auto create_help = run({"orders", "create", "--help"}, env);
  CHECK_THAT(create_help.out, Catch::Contains("--journal PATH"));
  CHECK_THAT(create_help.out, Catch::Contains("Exact across reruns only with an external id"));
  const auto pending_help = run({"orders", "pending", "--help"}, env);
  CHECK(pending_help.exit_code == 0);
  CHECK_THAT(pending_help.out, Catch::Contains("orders pending [--journal PATH]"));
  CHECK_THAT(pending_help.out, !Catch::Contains("orders resume [--journal"));
  const auto resume_help = run({"orders", "resume", "-h"}, env);
  CHECK(resume_help.exit_code == 0);
  CHECK_THAT(resume_help.out,
             Catch::Contains("orders resume [--journal PATH] [--settle-delay MS]"));
  CHECK_THAT(resume_help.out, !Catch::Contains("orders pending [--journal"));
}
