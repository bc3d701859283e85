#pragma once

// What the journal tests (test_cli_journal.cpp) share: a temp dir per test, the request file, the
// child's environment, the checks on its output, the journal read with SQLite directly, and
// `FakeOrderApi`, a stand-in order API on 127.0.0.1 that keeps the orders it is sent.

#include <httplib.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <impilo/testing/simulator.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "test_server.hpp"

namespace journal_test {

using nlohmann::json;
using std::chrono::milliseconds;
using Env = std::vector<std::pair<std::string, std::string>>;

inline const std::string sim_key(impilo::testing::demo_api_key);
inline const std::string fake_key = "journal-test-key-5c1e";

/// A folder of its own for one test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/impilo-journal-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    // A test may have made a folder read-only.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ignored)) {
      if (entry.is_directory(ignored)) ::chmod(entry.path().c_str(), 0700);
    }
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A request for a demo-catalogue patient and item (the simulator accepts it), in @p dir.
inline std::string request_file(const TempDir& dir, const json& external_ids = nullptr) {
  json request = {{"patient", {{"id", 5000}}},
                  {"orderItems", {{{"item", {{"id", 1003}}}, {"count", 1}}}}};
  if (!external_ids.is_null()) request["externalOrderIds"] = external_ids;
  const std::string path = dir.file("order.json");
  std::ofstream(path) << request.dump();
  return path;
}

inline Env env_for(const std::string& url, const std::string& key, const TempDir& dir,
                   const std::string& xdg_state_home = "xdg") {
  // The default journal's folders too: one used by mistake lands in the temp dir.
  return {{"IMPILO_BASE_URL", url},
          {"IMPILO_API_KEY", key},
          {"HOME", dir.file("home")},
          {"XDG_STATE_HOME", xdg_state_home.empty() ? "" : dir.file(xdg_state_home)}};
}

inline impilo_cli_test::RunResult run(const std::vector<std::string>& args, const Env& env) {
  impilo_cli_test::RunOptions options;
  options.env = env;
  options.time_limit = std::chrono::seconds(60);
  return impilo_cli_test::run_program(IMPILO_CLI_PATH, args, options);
}

/// The checks every run gets: the key never shows.
inline void check_no_key(const impilo_cli_test::RunResult& r, const std::string& key) {
  CHECK(r.out.find(key) == std::string::npos);
  CHECK(r.err.find(key) == std::string::npos);
}

/// The JSON object on the last line of stderr.
inline json last_stderr_object(const std::string& err) {
  REQUIRE(!err.empty());
  const std::string body = err.substr(0, err.size() - 1);
  const auto newline = body.rfind('\n');
  const std::string last = newline == std::string::npos ? body : body.substr(newline + 1);
  REQUIRE(json::accept(last));
  return json::parse(last);
}

/// A failure: exit code, nothing on stdout, the stderr object's kind; the object.
inline json expect_failure(const impilo_cli_test::RunResult& r, int exit_code,
                           const std::string& kind) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == exit_code);
  CHECK(r.out.empty());
  json error = last_stderr_object(r.err);
  CHECK(error.at("error") == kind);
  return error;
}

inline json expect_json(const impilo_cli_test::RunResult& r) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(json::accept(r.out));
  return json::parse(r.out);
}

/// One row of the journal, read with SQLite directly.
struct Row {
  std::string external_id;
  std::string state;
  std::optional<std::int64_t> order_id;
};

inline std::vector<Row> journal_rows(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT external_id, state, order_id FROM entries ORDER BY "
                             "external_id",
                             -1, &select, nullptr) == SQLITE_OK);
  std::vector<Row> rows;
  while (sqlite3_step(select) == SQLITE_ROW) {
    Row row;
    row.external_id = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
    row.state = reinterpret_cast<const char*>(sqlite3_column_text(select, 1));
    if (sqlite3_column_type(select, 2) != SQLITE_NULL)
      row.order_id = sqlite3_column_int64(select, 2);
    rows.push_back(row);
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  return rows;
}

inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777U;
}

/// A stand-in order API that keeps the orders it is sent: POST commits an order carrying the
/// request's externalOrderIds, then answers as told; GET lists them by ascending id (or hides
/// them all, as a server that lists late); GET /order/ID returns one.
class FakeOrderApi {
 public:
  enum class Answer {
    created,      ///< 201 with the order
    held,         ///< commit, then hold the answer until the server stops
    bad_gateway,  ///< commit, then 502
    html,         ///< commit nothing, answer 201 with an HTML page
  };

  FakeOrderApi()
      : server_([this](httplib::Server& s, impilo_test::TestServer& self) {
          s.Post("/api/v3/order", [this, &self](const httplib::Request& req,
                                                httplib::Response& res) { post(req, res, self); });
          s.Get("/api/v3/order",
                [this](const httplib::Request& req, httplib::Response& res) { list(req, res); });
          s.Get(R"(/api/v3/order/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  const std::lock_guard<std::mutex> lock(mutex_);
                  const auto id = std::stoul(req.matches[1]);
                  if (id == 0 || id > orders_.size()) {
                    res.status = 404;
                    res.set_content(R"({"message":"Not found"})", "application/json");
                    return;
                  }
                  res.set_content(orders_[id - 1].dump(), "application/json");
                });
        }) {}

  [[nodiscard]] std::string url() const { return server_.url(); }
  void answer(Answer answer) {
    const std::lock_guard<std::mutex> lock(mutex_);
    answer_ = answer;
  }
  void hide_listing(bool hide) {
    const std::lock_guard<std::mutex> lock(mutex_);
    hidden_ = hide;
  }
  [[nodiscard]] std::size_t posts() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return posts_;
  }
  [[nodiscard]] std::size_t orders() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return orders_.size();
  }

 private:
  void post(const httplib::Request& req, httplib::Response& res,
            const impilo_test::TestServer& self) {
    json order;
    Answer answer = Answer::created;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++posts_;
      answer = answer_;
      if (answer != Answer::html) {
        const json body = json::parse(req.body);
        order = {{"id", orders_.size() + 1},
                 {"externalOrderIds", body.at("externalOrderIds")},
                 {"currentStatus", "created"},
                 {"patient", body.at("patient")},
                 {"orderItems", body.at("orderItems")}};
        orders_.push_back(order);
      }
    }
    switch (answer) {
      case Answer::html:
        res.status = 201;
        res.set_content("<html><body>Created</body></html>", "text/html");
        return;
      case Answer::bad_gateway:
        res.status = 502;
        res.set_content(R"({"message":"Bad Gateway"})", "application/json");
        return;
      case Answer::held:
        self.sleep_for(std::chrono::seconds(60));  // returns early when the server stops
        [[fallthrough]];
      case Answer::created:
        res.status = 201;
        res.set_content(order.dump(), "application/json");
        return;
    }
  }

  void list(const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t page = req.has_param("page") ? std::stoul(req.get_param_value("page")) : 1;
    const std::size_t size = req.has_param("size") ? std::stoul(req.get_param_value("size")) : 15;
    const std::size_t total = hidden_ ? 0 : orders_.size();
    const std::size_t begin = std::min(total, (page - 1) * size);
    const std::size_t end = std::min(total, begin + size);
    json body = {{"content", json::array()}, {"page", page},       {"size", size},
                 {"total", total},           {"first", page == 1}, {"last", end >= total}};
    for (std::size_t i = begin; i < end; ++i) body["content"].push_back(orders_[i]);
    res.set_content(body.dump(), "application/json");
  }

  mutable std::mutex mutex_;
  std::vector<json> orders_;
  std::size_t posts_{0};
  Answer answer_{Answer::created};
  bool hidden_{false};
  impilo_test::TestServer server_;  // last: stopped before the members its handlers use
};

/// Waits up to 10 s for @p done.
template <typename Done>
inline bool eventually(Done done) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > limit) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

inline const std::regex iso_utc(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

}  // namespace journal_test
