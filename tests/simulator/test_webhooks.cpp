// The simulator's webhooks: subscriptions, secret and log endpoints, deliveries with their
// envelope and secret, retries after the scaled waits, and that no API call or stop() waits for
// a receiver.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"
#include "webhook_receiver.hpp"

using impilo::testing::SimulatorOptions;
using nlohmann::json;
using namespace sim_test;
using impilo_test::Received;
using impilo_test::WebhookReceiver;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* status_full = "order.statusFull";
constexpr const char* status_only = "order.status";

/// `POST /api/v3/webhook` subscribing @p url to @p type; the answer parsed.
json subscribe(const Simulator& sim, const std::string& type, const std::string& url) {
  const RawResponse answer =
      raw_request(sim, "POST", "/api/v3/webhook", json{{"type", type}, {"url", url}}.dump());
  REQUIRE(answer.status == 201);
  return json::parse(answer.body);
}

void set_secret(const Simulator& sim, const std::string& secret) {
  const RawResponse answer =
      raw_request(sim, "POST", "/api/v3/webhook-secret", json{{"secret", secret}}.dump());
  REQUIRE(answer.status == 200);
  CHECK(json::parse(answer.body) == json{{"secret", secret}});
}

/// `GET /api/v3/webhook/logs` with @p query; the page envelope.
json logs(const Simulator& sim, const std::string& query = {}) {
  const RawResponse answer = raw_request(sim, "GET", "/api/v3/webhook/logs" + query);
  REQUIRE(answer.status == 200);
  return json::parse(answer.body);
}

/// A simulator on the demo catalogue with one order (id 1) placed.
std::unique_ptr<Simulator> with_order(SimulatorOptions options = {}) {
  auto sim = started(std::move(options));
  make_client(*sim).create_order(item_order(demo::bp_monitor));
  return sim;
}

/// Waits until the log shows @p count entries with a response status (every attempt done).
json settled_logs(const Simulator& sim, std::size_t count, const std::string& query = {}) {
  const auto limit = Clock::now() + std::chrono::seconds(10);
  json page;
  for (;;) {
    page = logs(sim, query);
    std::size_t answered = 0;
    for (const json& entry : page["content"]) {
      if (!entry["lastResponseStatus"].is_null()) ++answered;
    }
    if (answered >= count || Clock::now() > limit) return page;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

milliseconds between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a);
}

}  // namespace

// ---- Endpoints -------------------------------------------------------------------------------

TEST_CASE("POST /api/v3/webhook subscribes and checks type and url", "[simulator][webhooks]") {
  const auto sim = started();
  CHECK(subscribe(*sim, status_full, "http://127.0.0.1:9/hook") ==
        json{{"id", 1}, {"type", status_full}, {"url", "http://127.0.0.1:9/hook"}});
  CHECK(subscribe(*sim, "device.lowBattery", "https://example.com/hooks")["id"] == 2);

  const auto refused = [&](const std::string& body) {
    return classify(raw_request(*sim, "POST", "/api/v3/webhook", body));
  };
  CHECK(refused("{").code == impilo::ErrorCode::invalid_json);
  CHECK(refused(std::string(100000, '[')).code == impilo::ErrorCode::invalid_json);
  CHECK(raw_request(*sim, "POST", "/api/v3/webhook-secret", std::string(100000, '{')).status ==
        400);
  for (const char* body :
       {R"([])", R"({"url": "http://127.0.0.1/h"})", R"({"type": "", "url": "http://127.0.0.1/h"})",
        R"({"type": 7, "url": "http://127.0.0.1/h"})", R"({"type": "order.status"})",
        R"({"type": "order.status", "url": "ftp://127.0.0.1/h"})",
        R"({"type": "order.status", "url": "127.0.0.1:8080/h"})",
        R"({"type": "order.status", "url": "http:///h"})",
        R"({"type": "order.status", "url": "http://127.0.0.1:99999/h"})",
        R"({"type": "order.status", "url": "http://user@127.0.0.1/h"})"}) {
    CAPTURE(body);
    const Classified answer = refused(body);
    CHECK(answer.status == 400);
    CHECK(answer.code == impilo::ErrorCode::invalid_data);
  }
  CHECK(raw_request(*sim, "POST", "/api/v3/webhook", "{}", std::nullopt).status == 401);
  CHECK(raw_request(*sim, "GET", "/api/v3/webhook").status == 405);
}

TEST_CASE("POST /api/v3/webhook-secret sets the secret and checks it", "[simulator][webhooks]") {
  const auto sim = started();
  set_secret(*sim, "s3cret-value");
  for (const char* body : {R"({})", R"({"secret": 42})", R"({"secret": "a\nb"})", R"("x")"}) {
    CAPTURE(body);
    CHECK(raw_request(*sim, "POST", "/api/v3/webhook-secret", body).status == 400);
  }
  CHECK(raw_request(*sim, "POST", "/api/v3/webhook-secret", R"({"secret":"x"})", std::nullopt)
            .status == 401);
}

TEST_CASE("GET /api/v3/webhook/logs is a page envelope and checks its query",
          "[simulator][webhooks]") {
  const auto sim = started();
  CHECK(logs(*sim) == json{{"content", json::array()},
                           {"page", 1},
                           {"size", 15},
                           {"total", 0},
                           {"first", true},
                           {"last", true}});
  for (const char* query :
       {"?page=0", "?size=251", "?retryAttemptsMin=x", "?lastResponseStatus=2.5",
        "?startTimestamp=yesterday", "?endTimestamp=2023-08-22", "?endLastRetryTimestamp=1"}) {
    CAPTURE(query);
    CHECK(raw_request(*sim, "GET", std::string("/api/v3/webhook/logs") + query).status == 400);
  }
  CHECK(logs(*sim,
             "?startTimestamp=2023-08-22T14:15:30.345Z&endTimestamp=2023-08-22T16:15:30%2B02:00")
            .at("total") == 0);
}

// ---- Deliveries ------------------------------------------------------------------------------

TEST_CASE("a status change delivers order.statusFull and order.status with the secret",
          "[simulator][webhooks]") {
  WebhookReceiver receiver;
  const auto sim = started();
  subscribe(*sim, status_full, receiver.url("/full"));
  subscribe(*sim, status_only, receiver.url("/short"));
  set_secret(*sim, "s3cret-value");
  // Creating an order is not a status change: the first deliveries are the advance's.
  make_client(*sim).create_order(item_order(demo::bp_monitor));
  const impilo::Order shipped = sim->advance(1);

  const std::vector<Received> got = receiver.wait_for(2);
  REQUIRE(got.size() == 2);
  const Received& full = got[0];
  const Received& brief = got[1];
  CHECK(full.path == "/full");
  CHECK(full.secret == "s3cret-value");
  CHECK(full.content_type == "application/json");
  REQUIRE(full.envelope.is_object());
  CHECK(full.envelope.size() == 3);
  CHECK(full.envelope.at("id").is_number_integer());
  CHECK(full.envelope.at("type") == status_full);
  const auto payload_order = full.envelope.at("payload").get<impilo::Order>();
  CHECK(payload_order == shipped);
  CHECK(payload_order.current_status->str() == "shipped");

  CHECK(brief.path == "/short");
  CHECK(brief.secret == "s3cret-value");
  CHECK(brief.envelope.at("type") == status_only);
  CHECK(brief.envelope.at("payload") == json{{"orderId", 1}, {"eventType", "shipped"}});
  CHECK(brief.envelope.at("id") != full.envelope.at("id"));

  // The log: one entry per delivery, with what was delivered.
  const json page = settled_logs(*sim, 2);
  REQUIRE(page.at("total") == 2);
  const json& entry = page["content"][0];
  CHECK(entry.at("id") == full.envelope.at("id"));
  CHECK(entry.at("webhookId") == 1);
  CHECK(entry.at("webhookType") == status_full);
  CHECK(entry.at("webhookUrl") == receiver.url("/full"));
  CHECK(entry.at("payload") == full.body);
  CHECK(entry.at("createTimestamp").is_string());
  CHECK(entry.at("lastResponseStatus") == 200);
  CHECK(entry.at("retryAttempts") == 0);
  CHECK(entry.at("lastRetryTimestamp").is_null());
  const json only_status = logs(*sim, "?webhookType=order.status");
  REQUIRE(only_status.at("total") == 1);
  CHECK(only_status["content"][0].at("webhookId") == 2);
  CHECK(logs(*sim, "?size=1&page=2")["content"][0].at("webhookType") == status_only);

  // The next change delivers again, with new ids, and no secret once it is cleared.
  set_secret(*sim, "");
  CHECK(raw_request(*sim, "POST", "/_simulator/orders/1/advance").status == 200);
  const std::vector<Received> later = receiver.wait_for(4);
  REQUIRE(later.size() == 4);
  CHECK(later[2].envelope["payload"]["currentStatus"] == "delivered");
  CHECK(later[3].envelope["payload"]["eventType"] == "delivered");
  CHECK_FALSE(later[3].secret.has_value());
  std::set<std::int64_t> ids;
  for (const Received& r : later) ids.insert(r.envelope["id"].get<std::int64_t>());
  CHECK(ids.size() == 4);
}

TEST_CASE("a delivery nobody subscribed to goes nowhere, and each subscription gets its own",
          "[simulator][webhooks]") {
  WebhookReceiver first;
  WebhookReceiver second;
  const auto sim = with_order();
  subscribe(*sim, status_only, first.url());
  subscribe(*sim, status_only, second.url());
  subscribe(*sim, "patient.created", first.url("/patients"));
  sim->advance(1);
  REQUIRE(first.wait_for(1).size() == 1);
  REQUIRE(second.wait_for(1).size() == 1);
  CHECK(first.received()[0].envelope["id"] != second.received()[0].envelope["id"]);
  CHECK(settled_logs(*sim, 2).at("total") == 2);
  CHECK(first.received().size() == 1);  // nothing for patient.created
}

TEST_CASE("a failed delivery is sent again with the same id after the scaled wait",
          "[simulator][webhooks]") {
  // The first attempt fails (500), the second gets through.
  WebhookReceiver receiver([](std::size_t n, const Received&) { return n == 0 ? 500 : 200; });
  SimulatorOptions options;
  options.webhook_retry_scale = 0.0002;  // 15 minutes -> 180 ms
  const auto sim = with_order(options);
  subscribe(*sim, status_only, receiver.url());
  sim->advance(1);

  const std::vector<Received> got = receiver.wait_for(2);
  REQUIRE(got.size() == 2);
  CHECK(got[1].envelope == got[0].envelope);  // same id, same payload
  CHECK(got[1].body == got[0].body);
  CHECK(between(got[0].at, got[1].at) >= milliseconds(180));

  const json page = settled_logs(*sim, 1, "?retryAttemptsMin=1");
  REQUIRE(page.at("total") == 1);
  const json& entry = page["content"][0];
  CHECK(entry.at("id") == got[0].envelope.at("id"));
  CHECK(entry.at("retryAttempts") == 1);
  CHECK(entry.at("lastResponseStatus") == 200);
  CHECK(entry.at("lastRetryTimestamp").is_string());
  CHECK(logs(*sim, "?startLastRetryTimestamp=2000-01-01T00:00:00Z").at("total") == 1);
  CHECK(logs(*sim, "?endLastRetryTimestamp=2000-01-01T00:00:00Z").at("total") == 0);
  CHECK(logs(*sim, "?retryAttemptsMax=0").at("total") == 0);
  std::this_thread::sleep_for(milliseconds(400));
  CHECK(receiver.received().size() == 2);  // delivered: no more attempts
}

TEST_CASE("a delivery is tried four times, each wait counted from the previous attempt",
          "[simulator][webhooks]") {
  WebhookReceiver receiver([](std::size_t, const Received&) { return 503; });
  SimulatorOptions options;
  options.webhook_retry_scale = 0.0001;  // 90, 180, 360 ms
  const auto sim = with_order(options);
  subscribe(*sim, status_only, receiver.url());
  sim->advance(1);

  const std::vector<Received> got = receiver.wait_for(4);
  REQUIRE(got.size() == 4);
  for (const Received& r : got) CHECK(r.body == got[0].body);
  CHECK(between(got[0].at, got[1].at) >= milliseconds(90));
  CHECK(between(got[1].at, got[2].at) >= milliseconds(180));
  CHECK(between(got[2].at, got[3].at) >= milliseconds(360));
  std::this_thread::sleep_for(milliseconds(800));  // longer than any further wait would be
  CHECK(receiver.received().size() == 4);

  const json entry = logs(*sim, "?lastResponseStatus=503")["content"][0];
  CHECK(entry.at("retryAttempts") == 3);
  CHECK(entry.at("lastResponseStatus") == 503);
}

TEST_CASE("a refused connection is a failed attempt too", "[simulator][webhooks]") {
  SimulatorOptions options;
  options.webhook_retry_scale = 0.0001;
  const auto sim = with_order(options);
  std::string url;
  {
    WebhookReceiver gone;  // a port that was just free: nobody listens there any more
    url = gone.url();
  }
  subscribe(*sim, status_only, url);
  sim->advance(1);
  const auto limit = Clock::now() + std::chrono::seconds(10);
  json entry;
  do {
    std::this_thread::sleep_for(milliseconds(20));
    entry = logs(*sim)["content"][0];
  } while (entry.at("retryAttempts") != 3 && Clock::now() < limit);
  CHECK(entry.at("retryAttempts") == 3);
  CHECK(entry.at("lastResponseStatus").is_null());
}

TEST_CASE("deliveries go to loopback http URLs only", "[simulator][webhooks]") {
  WebhookReceiver receiver;
  SimulatorOptions options;
  options.webhook_retry_scale = 0;  // a retry would come at once
  const auto sim = with_order(options);
  subscribe(*sim, status_only, "http://192.0.2.10/hook");  // TEST-NET-1: never contacted
  subscribe(*sim, status_only, "https://127.0.0.1:9/hook");
  subscribe(*sim, status_only, receiver.url());
  sim->advance(1);
  sim->advance(1);
  // Deliveries go out in order: once the receiver has both, the refused ones were handled.
  REQUIRE(receiver.wait_for(2).size() == 2);
  std::this_thread::sleep_for(milliseconds(50));
  const json page = logs(*sim);
  REQUIRE(page.at("total") == 6);
  for (const json& entry : page["content"]) {
    CAPTURE(entry);
    CHECK(entry.at("retryAttempts") == 0);  // a refusal is never retried
    if (entry.at("webhookId") == 3) {
      CHECK(entry.at("lastResponseStatus") == 200);
    } else {
      CHECK(entry.at("lastResponseStatus").is_null());
    }
  }
}

TEST_CASE("a hanging receiver slows no API call", "[simulator][webhooks]") {
  WebhookReceiver receiver([](std::size_t, const Received&) { return -1; });  // never answers
  const auto sim = started();
  impilo::Client client = make_client(*sim);
  subscribe(*sim, status_full, receiver.url());
  client.create_order(item_order(demo::bp_monitor));
  REQUIRE(raw_request(*sim, "POST", "/_simulator/orders/1/advance").status == 200);
  REQUIRE(receiver.wait_for(1).size() == 1);  // the delivery now hangs for up to 5 s

  const auto start = Clock::now();
  client.create_order(item_order(demo::bp_monitor));
  CHECK(raw_request(*sim, "POST", "/_simulator/orders/2/advance").status == 200);
  CHECK(raw_request(*sim, "POST", "/_simulator/orders/1/advance").status == 200);
  CHECK(client.get_order(1).current_status->str() == "delivered");
  CHECK(logs(*sim).at("total") == 3);
  // The hang lasts 5 s; the calls above did not wait for it.
  CHECK(between(start, Clock::now()) < milliseconds(2500));
}

TEST_CASE("stop() is prompt with retries pending and with an attempt in flight",
          "[simulator][webhooks]") {
  SECTION("a retry 15 minutes away") {
    WebhookReceiver receiver([](std::size_t, const Received&) { return 500; });
    const auto sim = with_order();  // retry scale 1: real minutes
    subscribe(*sim, status_only, receiver.url());
    sim->advance(1);
    REQUIRE(receiver.wait_for(1).size() == 1);
    settled_logs(*sim, 1);
    const auto start = Clock::now();
    sim->stop();
    CHECK(between(start, Clock::now()) < milliseconds(1000));
  }
  SECTION("a receiver that never answers") {
    WebhookReceiver receiver([](std::size_t, const Received&) { return -1; });
    const auto sim = with_order();
    subscribe(*sim, status_only, receiver.url());
    sim->advance(1);
    REQUIRE(receiver.wait_for(1).size() == 1);
    const auto start = Clock::now();
    sim->stop();
    CHECK(between(start, Clock::now()) < milliseconds(1000));
  }
}

TEST_CASE("deliveries queued while stopped go out after start()", "[simulator][webhooks]") {
  WebhookReceiver receiver;
  const auto sim = with_order();
  subscribe(*sim, status_only, receiver.url());
  sim->stop();
  sim->advance(1);
  std::this_thread::sleep_for(milliseconds(100));
  CHECK(receiver.received().empty());
  sim->start();
  const std::vector<Received> got = receiver.wait_for(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].envelope["payload"]["eventType"] == "shipped");
}
