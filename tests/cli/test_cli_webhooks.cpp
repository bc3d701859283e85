// `impilo webhooks create|set-secret|logs|listen` against docs/webhooks.md: the binary runs as a
// child process, against a stand-in API on 127.0.0.1, or (listen) receiving what the test POSTs.

#include <httplib.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "cli_support.hpp"

using namespace cli_test;  // NOLINT(google-build-using-namespace): the shared test vocabulary

namespace {

constexpr const char* webhook_secret = "whsec-cli-8d1e44";

/// A file holding @p text, removed when the test ends.
class TextFile {
 public:
  explicit TextFile(const std::string& text) {
    std::ofstream(file_.path(), std::ios::binary) << text;
  }
  [[nodiscard]] const std::string& path() const { return file_.path(); }

 private:
  impilo_cli_test::detail::TempFile file_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// `impilo webhooks listen` running in the background, and a client posting to it.
class Listener {
 public:
  explicit Listener(impilo_cli_test::RunOptions options = {})
      : program_(IMPILO_CLI_PATH, {"webhooks", "listen", "--port", "0"}, options) {
    const std::string out = program_.wait_for_lines(1);
    const std::string prefix = "listening on http://127.0.0.1:";
    INFO("stdout: " << out << "\nstderr: " << program_.err());
    REQUIRE(out.rfind(prefix, 0) == 0);
    port_ = std::stoi(out.substr(prefix.size()));
    REQUIRE(port_ > 0);
  }

  /// POSTs @p body with @p secret (no header when empty); returns the status (-1: no answer).
  int post(const std::string& body, const std::string& secret, const std::string& path = "/") {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    httplib::Headers headers;
    if (!secret.empty()) headers.emplace("Impilo-Webhook-Secret", secret);
    const auto res = client.Post(path.c_str(), headers, body, "application/json");
    return res ? res->status : -1;
  }

  impilo_cli_test::BackgroundProgram& program() { return program_; }

 private:
  impilo_cli_test::BackgroundProgram program_;
  int port_{0};
};

std::string delivery(std::int64_t id, const std::string& type = "order.status") {
  return "{\n  \"id\": " + std::to_string(id) + ",\n  \"type\": \"" + type +
         "\",\n  \"payload\": {\"orderId\": 12, \"eventType\": \"shipped\", \"ratio\": 1.50}\n}";
}

std::string compact_delivery(std::int64_t id, const std::string& type = "order.status") {
  return R"({"id":)" + std::to_string(id) + R"(,"type":")" + type +
         R"(","payload":{"orderId":12,"eventType":"shipped","ratio":1.50}})";
}

}  // namespace

TEST_CASE("webhooks create posts the subscription and prints the Webhook", "[cli][webhooks]") {
  const json webhook = {{"id", 8}, {"type", "order.statusFull"}, {"url", "https://h.example/wh"}};
  FakeApi api(reply(201, webhook));
  const auto r = run_impilo(
      {"webhooks", "create", "--type", "order.statusFull", "--url", "https://h.example/wh"},
      env_for(api));
  CHECK(expect_success(r) == webhook);
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/api/v3/webhook");
  CHECK(json::parse(seen[0].body) ==
        json{{"type", "order.statusFull"}, {"url", "https://h.example/wh"}});
}

TEST_CASE("webhooks create refuses a bad URL or type before sending (exit 3)", "[cli][webhooks]") {
  FakeApi api(reply(201, json::object()));
  const auto r =
      run_impilo({"webhooks", "create", "--type", "order.status", "--url", "http://h.example/wh"},
                 env_for(api));
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  const json error = stderr_object(r);
  CHECK(error["error"] == "validation");
  CHECK(error["code"] == "invalid_data");
  REQUIRE(error["violations"].size() == 1);
  CHECK(error["violations"][0]["field"] == "/url");
  CHECK(api.request_count() == 0);
}

TEST_CASE("webhooks set-secret reads the secret from the environment or a file, never a flag",
          "[cli][webhooks]") {
  FakeApi api(reply(200, json{{"secret", webhook_secret}}));
  Env env = env_for(api);

  SECTION("from IMPILO_WEBHOOK_SECRET") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", webhook_secret);
    const auto r = run_impilo({"webhooks", "set-secret"}, env);
    CHECK(expect_success(r) == json{{"secretSet", true}});
    CHECK(r.out.find(webhook_secret) == std::string::npos);
  }
  SECTION("from --secret-file, one trailing newline dropped; the file wins over the variable") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", "not-this-one");
    const TextFile file(std::string(webhook_secret) + "\n");
    const auto r = run_impilo({"webhooks", "set-secret", "--secret-file", file.path()}, env);
    CHECK(expect_success(r) == json{{"secretSet", true}});
  }
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/api/v3/webhook-secret");
  CHECK(json::parse(seen[0].body) == json{{"secret", webhook_secret}});
}

TEST_CASE("webhooks set-secret: a refused secret is never echoed", "[cli][webhooks]") {
  FakeApi api(reply(500, json{{"message", std::string("cannot store ") + webhook_secret}}));
  Env env = env_for(api);

  SECTION("a flag value is refused without being read") {
    const auto r = run_impilo({"webhooks", "set-secret", "--secret", webhook_secret}, env);
    const json error = expect_failure(r, 2, usage_error());
    CHECK(contains(message_of(error), "IMPILO_WEBHOOK_SECRET"));
    CHECK(r.err.find(webhook_secret) == std::string::npos);
    CHECK(api.request_count() == 0);
  }
  SECTION("no secret anywhere is a usage error") {
    const auto r = run_impilo({"webhooks", "set-secret"}, env);
    CHECK(contains(message_of(expect_failure(r, 2, usage_error())), "--secret-file"));
    CHECK(api.request_count() == 0);
  }
  SECTION("a server echoing the secret in an error cannot leak it") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", webhook_secret);
    const auto r = run_impilo({"--verbose", "webhooks", "set-secret"}, env);
    expect_failure(r, 8,
                   {{"error", "server"},
                    {"status", 500},
                    {"code", "unknown"},
                    {"message", "cannot store [redacted]"}});
    CHECK(r.err.find(webhook_secret) == std::string::npos);
  }
}

TEST_CASE("webhooks logs prints the page envelope, or every entry with --all", "[cli][webhooks]") {
  const auto page = [](int number, bool last) {
    return json{{"content", {{{"id", number * 10}, {"payload", "{\"id\": 1}"}, {"extra", 1}}}},
                {"page", number},
                {"size", 1},
                {"last", last}};
  };
  FakeApi api([&](const Seen& seen, httplib::Response& res, const impilo_test::TestServer&) {
    const int number = std::stoi(seen.param("page"));
    res.set_content(page(number, number == 3).dump(), "application/json");
  });

  SECTION("one page") {
    const auto r = run_impilo({"webhooks", "logs", "--page", "2", "--size", "1"}, env_for(api));
    CHECK(expect_success(r) == page(2, false));
    const auto seen = api.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/api/v3/webhook/logs");
    CHECK(seen[0].param("size") == "1");
  }
  SECTION("--all") {
    const auto r = run_impilo({"webhooks", "logs", "--size", "1", "--all"}, env_for(api));
    const json all = expect_success(r);
    REQUIRE(all.is_array());
    CHECK(all == json{page(1, false)["content"][0], page(2, false)["content"][0],
                      page(3, true)["content"][0]});
  }
  SECTION("a bad size is refused by the library, nothing sent") {
    const auto r = run_impilo({"webhooks", "logs", "--size", "0"}, env_for(api));
    CHECK(contains(message_of(expect_failure(r, 2, usage_error())), "size"));
    CHECK(api.request_count() == 0);
  }
}

TEST_CASE("webhooks usage errors exit 2 and send nothing", "[cli][webhooks]") {
  FakeApi api(reply(200, json::object()));
  const std::vector<std::vector<std::string>> cases{
      {"webhooks"},
      {"webhooks", "subscribe"},
      {"webhooks", "create", "--url", "https://h.example/"},
      {"webhooks", "create", "--type", "order.status"},
      {"webhooks", "logs", "--page", "x"},
      {"webhooks", "listen", "--port", "70000"},
      {"webhooks", "listen", "--host", "192.0.2.1"},
      {"webhooks", "listen", "stray"},
  };
  for (const auto& args : cases) {
    INFO(args.back());
    expect_failure(run_impilo(args, env_for(api)), 2, usage_error());
  }
  CHECK(api.request_count() == 0);
}

TEST_CASE("webhooks listen prints each new delivery once, compact, and refuses a wrong secret",
          "[cli][webhooks]") {
  impilo_cli_test::RunOptions options;
  options.env = {{"IMPILO_WEBHOOK_SECRET", webhook_secret}};  // and no API key: none is needed
  Listener listener(options);

  CHECK(listener.post(delivery(1), webhook_secret, "/hooks/impilo") == 200);
  CHECK(listener.post(delivery(1), webhook_secret) == 200);  // a re-delivery: acknowledged
  CHECK(listener.post(delivery(2, "order.statusFull"), "wrong-secret") == 401);
  CHECK(listener.post(delivery(3), "") == 401);
  CHECK(listener.post("[1, 2]", webhook_secret) == 400);
  CHECK(listener.post(delivery(2, "order.statusFull"), webhook_secret) == 200);
  listener.program().wait_for_lines(3);

  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == compact_delivery(1));
  CHECK(lines[2] == compact_delivery(2, "order.statusFull"));
  const std::vector<std::string> errors = lines_of(r.err);
  REQUIRE(errors.size() == 3);
  CHECK(contains(errors[0], "401"));
  CHECK(contains(errors[1], "401"));
  CHECK(contains(errors[2], "400"));
  CHECK(r.err.find(webhook_secret) == std::string::npos);
  CHECK(r.err.find("wrong-secret") == std::string::npos);
}

TEST_CASE("webhooks listen without a secret accepts every delivery and stops on SIGINT",
          "[cli][webhooks]") {
  Listener listener;
  CHECK(listener.post(delivery(5), "") == 200);
  CHECK(listener.post(delivery(5), "anything") == 200);
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGINT);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == compact_delivery(5));
  CHECK(r.err.empty());
}
