#pragma once

// What the CLI test files share: a stand-in Impilo API on 127.0.0.1 (`FakeApi`), a way to run
// the binary that checks the key never shows (`run_impilo`), and the assertions on its stdout,
// stderr JSON object and exit code.

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <impilo/version.hpp>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "test_server.hpp"

namespace cli_test {

using nlohmann::json;
using std::chrono::milliseconds;

inline constexpr const char* key = "cli-test-key-7f3a9";

inline json load(const std::string& name) {
  std::ifstream in(std::string(IMPILO_TEST_DATA_DIR) + "/" + name);
  return json::parse(in);
}

/// An order as a server might send it: the documented fields plus ones this SDK does not know.
inline json server_order(std::int64_t id) {
  json order = load("order.json");
  order["id"] = id;
  order["currentStatus"] = "someFutureStatus";
  order["brandNewField"] = {{"nested", {1, 2.5, "three"}}, {"flag", true}};
  order["patient"]["futurePatientField"] = "kept";
  return order;
}

/// One request as the server saw it.
struct Seen {
  std::string method;
  std::string path;
  std::string body;
  httplib::Headers headers;
  httplib::Params params;

  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string param(const std::string& name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

/// A stand-in Impilo API: every GET and POST goes to `respond`, and is recorded.
class FakeApi {
 public:
  /// Answers one request; `server.sleep_for()` waits without holding up the server's shutdown.
  using Respond =
      std::function<void(const Seen&, httplib::Response&, const impilo_test::TestServer& server)>;

  explicit FakeApi(Respond respond)
      : respond_(std::move(respond)), server_([this](httplib::Server& s) {
          const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
            Seen seen{req.method, req.path, req.body, req.headers, req.params};
            {
              const std::lock_guard<std::mutex> lock(mutex_);
              seen_.push_back(seen);
            }
            respond_(seen, res, server_);
          };
          s.Get(".*", handle);
          s.Post(".*", handle);
        }) {}

  [[nodiscard]] std::string url() const { return server_.url(); }
  [[nodiscard]] std::vector<Seen> seen() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }
  [[nodiscard]] std::size_t request_count() const { return server_.request_count(); }
  [[nodiscard]] const impilo_test::TestServer& server() const { return server_; }

 private:
  Respond respond_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  impilo_test::TestServer server_;  // last: stopped (destroyed) before the members it uses
};

inline FakeApi::Respond reply(int status, const json& body, httplib::Headers headers = {}) {
  return [status, text = body.dump(), headers](const Seen&, httplib::Response& res,
                                               const impilo_test::TestServer&) {
    res.status = status;
    for (const auto& [name, value] : headers) res.set_header(name, value);
    res.set_content(text, "application/json");
  };
}

/// A 127.0.0.1 port that refuses connections: bound (so nobody else takes it) but not listening.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  ~ClosedPort() { ::close(fd_); }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_{-1};
  int port_{0};
};

using Env = std::vector<std::pair<std::string, std::string>>;

/// Runs `impilo` and checks what holds for every run: the key never shows, and stdout is either
/// empty or exactly one JSON document (or the help/version text).
inline impilo_cli_test::RunResult run_impilo(const std::vector<std::string>& args,
                                             const Env& env = {},
                                             std::optional<std::string> stdin_text = std::nullopt) {
  impilo_cli_test::RunOptions options;
  options.env = env;
  options.stdin_text = std::move(stdin_text);
  auto result = impilo_cli_test::run_program(IMPILO_CLI_PATH, args, options);
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.out.find(key) == std::string::npos);
  CHECK(result.err.find(key) == std::string::npos);
  return result;
}

/// `IMPILO_BASE_URL` and `IMPILO_API_KEY` for @p api.
inline Env env_for(const FakeApi& api) {
  return {{"IMPILO_BASE_URL", api.url()}, {"IMPILO_API_KEY", key}};
}

/// The JSON object on the last line of stderr (which must end with it).
inline json stderr_object(const impilo_cli_test::RunResult& r) {
  INFO("stderr: " << r.err);
  REQUIRE(!r.err.empty());
  REQUIRE(r.err.back() == '\n');
  const std::string body = r.err.substr(0, r.err.size() - 1);
  const std::string last =
      body.substr(body.rfind('\n') == std::string::npos ? 0 : body.rfind('\n') + 1);
  REQUIRE(json::accept(last));
  const json j = json::parse(last);
  REQUIRE(j.is_object());
  return j;
}

/// Asserts a failure: exit code, stdout empty, and the stderr object equal to @p expected in every
/// member; a `message` of `nullptr` in @p expected only requires a non-empty string, whose text
/// the caller checks further.
inline json expect_failure(const impilo_cli_test::RunResult& r, int exit_code, json expected) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == exit_code);
  CHECK(r.out.empty());
  json actual = stderr_object(r);
  if (expected["message"].is_null()) {
    REQUIRE(actual.contains("message"));
    REQUIRE(actual["message"].is_string());
    CHECK(!actual["message"].get<std::string>().empty());
    expected["message"] = actual["message"];
  }
  CHECK(actual == expected);
  return actual;
}

inline json usage_error(const std::string& message = {}) {
  return {{"error", "usage"},
          {"status", nullptr},
          {"code", nullptr},
          {"message", message.empty() ? json(nullptr) : json(message)}};
}

inline std::string message_of(const json& j) {
  return j.at("message").get<std::string>();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// One `--help` run: what it prints (its usage line, its own flags) and what it must not (other
/// commands' lines).
struct HelpCase {
  std::vector<std::string> args;
  std::vector<std::string> has;
  std::vector<std::string> has_not;
};

/// Runs each case's `impilo ARGS`: exit 0, nothing on stderr, the general usage first (with the
/// global flags), every `has` and no `has_not`.
inline void check_help(const std::vector<HelpCase>& cases) {
  for (const HelpCase& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("impilo " << joined);
    const auto r = run_impilo(c.args);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.rfind("Usage: impilo [global flags] COMMAND", 0) == 0);
    CHECK(contains(r.out, "global flags (--base-url, --api-key"));
    for (const std::string& part : c.has) CHECK(contains(r.out, part));
    for (const std::string& part : c.has_not) CHECK_FALSE(contains(r.out, part));
  }
}

/// One usage error: the arguments, and a part of the message naming the problem.
struct UsageCase {
  std::vector<std::string> args;
  std::string message_part;
};

/// Runs each case's `impilo ARGS` with @p env and empty stdin: exit 2 with a usage error whose
/// message holds the case's part.
inline void check_usage_errors(const std::vector<UsageCase>& cases, const Env& env) {
  for (const UsageCase& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("impilo " << joined);
    const json j = expect_failure(run_impilo(c.args, env, ""), 2, usage_error());
    INFO("message: " << message_of(j));
    CHECK(contains(message_of(j), c.message_part));
  }
}

/// A success: exit 0, stdout one JSON document (returned), stderr empty.
inline json expect_success(const impilo_cli_test::RunResult& r) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  REQUIRE(json::accept(r.out));
  return json::parse(r.out);
}

inline json violations_json(const std::vector<impilo::Violation>& violations) {
  json a = json::array();
  for (const auto& v : violations) {
    a.push_back({{"field", v.field}, {"code", impilo::to_string(v.code)}, {"message", v.message}});
  }
  return a;
}

}  // namespace cli_test
