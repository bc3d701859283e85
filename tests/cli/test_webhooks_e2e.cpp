// End to end: `impilo mock` moves orders along their flow and delivers the webhooks of each change
// to a receiver on 127.0.0.1 (a test's own, or `impilo webhooks listen`), with the secret,
// re-delivering after a failed attempt.

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "webhook_receiver.hpp"

using impilo_cli_test::BackgroundProgram;
using impilo_test::Received;
using impilo_test::WebhookReceiver;
using nlohmann::json;

namespace {

const std::string impilo_bin = IMPILO_CLI_PATH;
const std::string key = "sim-key-1";
const std::string order_json =
    R"({"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})";

/// `impilo mock --port 0` with @p flags, started and listening.
struct Mock {
  explicit Mock(std::vector<std::string> flags) : program(impilo_bin, with_port(std::move(flags))) {
    url = program.listening_url();
    REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  }

  static std::vector<std::string> with_port(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"mock", "--port", "0"});
    return flags;
  }

  /// One request to the mock with the API key; the answer's status and parsed body.
  std::pair<int, json> call(const std::string& method, const std::string& path,
                            const json& body = nullptr) const {
    httplib::Client client(url);
    client.set_read_timeout(std::chrono::seconds(5));
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers.emplace("Impilo-API-Key", key);
    if (!body.is_null()) {
      req.headers.emplace("Content-Type", "application/json");
      req.body = body.dump();
    }
    const auto result = client.send(req);
    REQUIRE(result);
    return {result->status, json::parse(result->body, nullptr, false)};
  }

  /// `impilo ARGS...` against this mock, with @p more_env added to its environment.
  impilo_cli_test::RunResult impilo(
      const std::vector<std::string>& args, const std::optional<std::string>& stdin_text = {},
      const std::vector<std::pair<std::string, std::string>>& more_env = {}) const {
    impilo_cli_test::RunOptions options;
    options.env = {{"IMPILO_BASE_URL", url}, {"IMPILO_API_KEY", key}};
    options.env.insert(options.env.end(), more_env.begin(), more_env.end());
    options.stdin_text = stdin_text;
    return impilo_cli_test::run_program(impilo_bin, args, options);
  }

  /// The webhook log page for @p query once its `total` is @p total (the mock notes an attempt's
  /// answer after it comes), waiting up to 10 s; the last page read otherwise.
  json logs_until(const std::string& query, std::int64_t total) const {
    json logs;
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      logs = call("GET", "/api/v3/webhook/logs" + query).second;
      if (logs["total"] == total || std::chrono::steady_clock::now() >= limit) return logs;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  BackgroundProgram program;
  std::string url;
};

/// A receiver like `impilo webhooks listen`: 401 for a wrong or missing secret, 200 otherwise,
/// and each delivery id "printed" (kept) once.
struct CheckingReceiver {
  explicit CheckingReceiver(std::string secret)
      : receiver([secret](std::size_t, const Received& got) {
          return got.secret == secret ? 200 : 401;
        }),
        expected_secret(std::move(secret)) {}

  /// The deliveries accepted, each id once, in the order they came.
  std::vector<json> printed() {
    std::vector<json> out;
    std::map<std::int64_t, bool> seen;
    for (const Received& got : receiver.received()) {
      if (got.secret != expected_secret || !got.envelope.is_object()) continue;
      if (seen[got.envelope["id"].get<std::int64_t>()]) continue;
      seen[got.envelope["id"].get<std::int64_t>()] = true;
      out.push_back(got.envelope);
    }
    return out;
  }

  WebhookReceiver receiver;
  std::string expected_secret;
};

/// The JSON lines of `impilo webhooks listen`'s stdout, after its `listening on` line.
std::vector<json> json_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string line;
  std::getline(in, line);  // listening on ...
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("impilo mock --advance-every moves orders on until delivered", "[cli][webhooks]") {
  Mock mock({"--advance-every", "0.1"});
  const auto created = mock.impilo({"orders", "create", "--file", "-"}, order_json);
  REQUIRE(created.exit_code == 0);
  CHECK(json::parse(created.out)["currentStatus"] == "availableForPickup");
  json order;
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    order = mock.call("GET", "/api/v3/order/1").second;
  } while (order["currentStatus"] != "delivered" && std::chrono::steady_clock::now() < limit);
  CHECK(order["currentStatus"] == "delivered");
  CHECK(order["orderEvents"].size() == 3);
  CHECK(order["trackingNumbers"] ==
        json::array({{{"carrier", "SIM"}, {"value", "SIM0000000001"}}}));
  CHECK(mock.program.stop() == 0);
}

TEST_CASE("impilo mock delivers each status change once to a receiver with the right secret",
          "[cli][webhooks]") {
  CheckingReceiver listener("right-secret");
  Mock mock({"--webhook-retry-scale", "0.0005"});  // retries after 0.45 s, 0.9 s, 1.8 s
  for (const char* type : {"order.statusFull", "order.status"}) {
    const auto [status, body] =
        mock.call("POST", "/api/v3/webhook", {{"type", type}, {"url", listener.receiver.url()}});
    REQUIRE(status == 201);
    CHECK(body["type"] == type);
  }
  // A wrong secret first: the receiver answers 401 and takes nothing.
  REQUIRE(mock.call("POST", "/api/v3/webhook-secret", {{"secret", "wrong-secret"}}).first == 200);
  REQUIRE(mock.impilo({"orders", "create", "--file", "-"}, order_json).exit_code == 0);
  const auto [advanced, order] = mock.call("POST", "/_simulator/orders/1/advance");
  REQUIRE(advanced == 200);

  const std::vector<Received> refused = listener.receiver.wait_for(2);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].secret == "wrong-secret");
  CHECK(listener.printed().empty());

  // The right secret before the retries: each delivery comes again, same id, and is taken once.
  REQUIRE(mock.call("POST", "/api/v3/webhook-secret", {{"secret", "right-secret"}}).first == 200);
  const std::vector<Received> all = listener.receiver.wait_for(4);
  REQUIRE(all.size() == 4);
  const std::vector<json> printed = listener.printed();
  REQUIRE(printed.size() == 2);
  CHECK(printed[0]["id"] == refused[0].envelope["id"]);
  CHECK(printed[1]["id"] == refused[1].envelope["id"]);
  CHECK(printed[0]["type"] == "order.statusFull");
  CHECK(printed[0]["payload"]["currentStatus"] == "shipped");
  CHECK(printed[0]["payload"]["trackingNumbers"][0]["value"] == "SIM0000000001");
  CHECK(printed[0]["payload"] == order);
  CHECK(printed[1] == json{{"id", refused[1].envelope["id"]},
                           {"type", "order.status"},
                           {"payload", {{"orderId", 1}, {"eventType", "shipped"}}}});

  // The mock's log tells the same story (once it has noted the last answer).
  json logs;
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    logs =
        mock.call("GET", "/api/v3/webhook/logs?retryAttemptsMin=1&lastResponseStatus=200").second;
  } while (logs["total"] != 2 && std::chrono::steady_clock::now() < limit);
  REQUIRE(logs["total"] == 2);
  for (const json& entry : logs["content"]) {
    CHECK(entry["retryAttempts"] == 1);
    CHECK(entry["lastResponseStatus"] == 200);
  }
  CHECK(mock.program.stop() == 0);
}

TEST_CASE("impilo mock delivers each status change once to impilo webhooks listen",
          "[cli][webhooks]") {
  const std::vector<std::pair<std::string, std::string>> listen_env{
      {"IMPILO_WEBHOOK_SECRET", "right-secret"}};
  BackgroundProgram listen(impilo_bin, {"webhooks", "listen", "--port", "0"}, listen_env);
  const std::string receiver = listen.listening_url();
  REQUIRE(receiver.rfind("http://127.0.0.1:", 0) == 0);
  Mock mock({"--webhook-retry-scale", "0.0005"});  // retries after 0.45 s, 0.9 s, 1.8 s
  for (const char* type : {"order.statusFull", "order.status"}) {
    const auto created = mock.impilo({"webhooks", "create", "--type", type, "--url", receiver});
    REQUIRE(created.exit_code == 0);
    CHECK(json::parse(created.out)["type"] == type);
  }
  // A wrong secret first: listen answers 401, says so on stderr, and prints nothing.
  REQUIRE(mock.impilo({"webhooks", "set-secret"}, {}, {{"IMPILO_WEBHOOK_SECRET", "wrong-secret"}})
              .exit_code == 0);
  REQUIRE(mock.impilo({"orders", "create", "--file", "-"}, order_json).exit_code == 0);
  const auto [advanced, order] = mock.call("POST", "/_simulator/orders/1/advance");
  REQUIRE(advanced == 200);
  const json refused = mock.logs_until("?lastResponseStatus=401", 2);
  REQUIRE(refused["total"] == 2);
  CHECK(listen.out() == "listening on " + receiver + "\n");
  CHECK(contains(listen.err(), "401"));
  CHECK_FALSE(contains(listen.err(), "wrong-secret"));

  // The right secret before the last retry: each delivery comes again with the same id, and
  // listen prints it once.
  REQUIRE(mock.impilo({"webhooks", "set-secret"}, {}, {{"IMPILO_WEBHOOK_SECRET", "right-secret"}})
              .exit_code == 0);
  const json retried = mock.logs_until("?retryAttemptsMin=1&lastResponseStatus=200", 2);
  REQUIRE(retried["total"] == 2);
  const std::vector<json> printed = json_lines(listen.out());
  REQUIRE(printed.size() == 2);
  CHECK(printed[0]["id"] == refused["content"][0]["id"]);
  CHECK(printed[1]["id"] == refused["content"][1]["id"]);
  CHECK(printed[0]["type"] == "order.statusFull");
  CHECK(printed[0]["payload"] == order);
  CHECK(printed[0]["payload"]["currentStatus"] == "shipped");
  CHECK(printed[0]["payload"]["trackingNumbers"][0]["value"] == "SIM0000000001");
  CHECK(printed[1] == json{{"id", refused["content"][1]["id"]},
                           {"type", "order.status"},
                           {"payload", {{"orderId", 1}, {"eventType", "shipped"}}}});
  CHECK(mock.program.stop() == 0);
  const impilo_cli_test::RunResult stopped = listen.stop_and_collect();
  CHECK(stopped.exit_code == 0);
  CHECK_FALSE(contains(stopped.err, "right-secret"));
}
