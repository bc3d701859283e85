// Which calls are repeated after a failure: each `Client` call states whether it is safe to repeat
// or may create something, and the retry policy reads that, never the verb
// (docs/adr/0005-retry-policy.md, docs/retries.md).

#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch.hpp"
#include "client_harness.hpp"

namespace {

using Kind = impilo::TransportError::Kind;
using unit_test::FakeTransport;
using unit_test::Harness;
using unit_test::milliseconds;

constexpr const char* secret = "whsec-retry-R4nd0m-9";

/// A call of `Client`, and whether the policy must treat it as safe to repeat.
struct CallCase {
  const char* name;
  bool safe_to_repeat;
  std::function<void(const impilo::Client&)> run;
};

const std::vector<CallCase>& every_call() {
  static const std::vector<CallCase> calls = {
      {"get_order", true, [](const impilo::Client& c) { (void)c.get_order(1); }},
      {"list_orders", true, [](const impilo::Client& c) { (void)c.list_orders(); }},
      {"list_webhook_logs", true, [](const impilo::Client& c) { (void)c.list_webhook_logs(); }},
      {"set_webhook_secret", true, [](const impilo::Client& c) { c.set_webhook_secret(secret); }},
      {"create_order", false,
       [](const impilo::Client& c) { (void)c.create_order(unit_test::valid_request()); }},
      {"create_webhook", false,
       [](const impilo::Client& c) {
         (void)c.create_webhook(
             {impilo::WebhookTypeValue::order_status, "https://hooks.example/impilo", {}});
       }},
  };
  return calls;
}

/// A failure repeated on every attempt, and whether each kind of call is repeated after it.
struct FailureCase {
  const char* name;
  std::function<void(FakeTransport&)> script;
  bool repeated_when_safe;
  bool repeated_when_it_may_create;
};

FakeTransport::Step answer(int status) {
  return [status](const impilo::HttpRequest&) {
    return impilo::HttpResponse{status, {}, R"({"message":"scripted"})"};
  };
}

FakeTransport::Step fail(Kind kind, bool may_have_reached_server) {
  return [kind, may_have_reached_server](const impilo::HttpRequest&) -> impilo::HttpResponse {
    throw impilo::TransportError(kind, may_have_reached_server, "scripted");
  };
}

const std::vector<FailureCase>& every_failure() {
  static const std::vector<FailureCase> failures = {
      {"HTTP 408", [](FakeTransport& t) { t.otherwise(answer(408)); }, true, false},
      {"HTTP 500", [](FakeTransport& t) { t.otherwise(answer(500)); }, true, false},
      {"HTTP 502", [](FakeTransport& t) { t.otherwise(answer(502)); }, true, false},
      {"HTTP 503", [](FakeTransport& t) { t.otherwise(answer(503)); }, true, false},
      {"HTTP 504", [](FakeTransport& t) { t.otherwise(answer(504)); }, true, false},
      {"HTTP 429", [](FakeTransport& t) { t.otherwise(answer(429)); }, true, true},
      {"HTTP 400", [](FakeTransport& t) { t.otherwise(answer(400)); }, false, false},
      {"HTTP 404", [](FakeTransport& t) { t.otherwise(answer(404)); }, false, false},
      {"connection cut after sending",
       [](FakeTransport& t) { t.otherwise(fail(Kind::connection_cut, true)); }, true, false},
      {"timeout after sending", [](FakeTransport& t) { t.otherwise(fail(Kind::timeout, true)); },
       true, false},
      {"connect failed", [](FakeTransport& t) { t.otherwise(fail(Kind::connect, false)); }, true,
       true},
      {"connect timed out", [](FakeTransport& t) { t.otherwise(fail(Kind::timeout, false)); }, true,
       true},
      {"TLS failed", [](FakeTransport& t) { t.otherwise(fail(Kind::tls, false)); }, false, false},
      {"response too large", [](FakeTransport& t) { t.otherwise(fail(Kind::too_large, true)); },
       false, false},
  };
  return failures;
}

std::size_t count_method(const std::vector<impilo::HttpRequest>& requests,
                         const std::string& method) {
  std::size_t n = 0;
  for (const auto& r : requests) n += r.method == method ? 1 : 0;
  return n;
}

/// Every log line, joined.
std::string all_logs(const Harness& h) {
  std::string text;
  for (const auto& entry : h.logs) text += entry.second + "\n";
  return text;
}

}  // namespace

TEST_CASE("every call is repeated as the idempotency it states allows, whatever its verb",
          "[client][retry]") {
  for (const CallCase& call : every_call()) {
    for (const FailureCase& failure : every_failure()) {
      INFO(call.name << " after " << failure.name);
      Harness h;
      failure.script(*h.transport);
      REQUIRE_THROWS_AS(call.run(h.client()), impilo::Error);
      const bool repeated =
          call.safe_to_repeat ? failure.repeated_when_safe : failure.repeated_when_it_may_create;
      // max_retries defaults to 2: three attempts in all.
      CHECK(h.transport->requests().size() == (repeated ? 3U : 1U));
      CHECK(h.sleeps.size() == (repeated ? 2U : 0U));
    }
  }
}

TEST_CASE("set_webhook_secret is retried like a GET after a 503", "[client][webhooks][retry]") {
  Harness h;
  h.options.log_bodies = true;
  h.options.log_level = impilo::LogLevel::debug;
  h.transport->then_status(503, R"({"message":"busy"})");
  h.transport->then_status(200, nlohmann::json{{"secret", secret}}.dump());
  CHECK_NOTHROW(h.client().set_webhook_secret(secret));

  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(count_method(requests, "POST") == 2);
  CHECK(requests[1].url == "https://api.test.invalid/api/v3/webhook-secret");
  CHECK(requests[1].body == requests[0].body);  // the same value set again
  CHECK(nlohmann::json::parse(requests[1].body) == nlohmann::json{{"secret", secret}});
  CHECK(h.sleeps.size() == 1);
  // The retry is logged like any other, and the secret stays out of every line.
  const std::string logs = all_logs(h);
  CHECK(logs.find("POST /api/v3/webhook-secret -> 503") != std::string::npos);
  CHECK(logs.find("after HTTP 503") != std::string::npos);
  CHECK(logs.find(secret) == std::string::npos);
}

TEST_CASE("set_webhook_secret is retried like a GET after a cut connection",
          "[client][webhooks][retry]") {
  Harness h;
  h.transport->then_fail(Kind::connection_cut, /*may_have_reached=*/true);
  h.transport->then_fail(Kind::timeout, /*may_have_reached=*/true);
  h.transport->then_status(200, nlohmann::json{{"secret", secret}}.dump());
  CHECK_NOTHROW(h.client().set_webhook_secret(secret));
  CHECK(h.transport->requests().size() == 3);
  CHECK(h.sleeps.size() == 2);
}

TEST_CASE("set_webhook_secret is not retried where a repeat cannot help",
          "[client][webhooks][retry]") {
  SECTION("an answer that will not change") {
    const int status = GENERATE(400, 401, 403, 404, 409, 422, 501);
    CAPTURE(status);
    Harness h;
    h.transport->otherwise(answer(status));
    REQUIRE_THROWS_AS(h.client().set_webhook_secret(secret), impilo::ApiError);
    CHECK(h.transport->requests().size() == 1);
  }
  SECTION("a TLS failure or an oversized answer") {
    const auto kind = GENERATE(Kind::tls, Kind::too_large, Kind::other);
    Harness h;
    h.transport->otherwise(fail(kind, true));
    REQUIRE_THROWS_AS(h.client().set_webhook_secret(secret), impilo::TransportError);
    CHECK(h.transport->requests().size() == 1);
  }
  SECTION("a Retry-After above max_retry_after") {
    Harness h;
    h.transport->then_status(503, "{}", {{"Retry-After", "3600"}});
    REQUIRE_THROWS_AS(h.client().set_webhook_secret(secret), impilo::ServerError);
    CHECK(h.transport->requests().size() == 1);
    CHECK(h.sleeps.empty());
  }
  SECTION("max_retries 0") {
    Harness h;
    h.options.max_retries = 0;
    h.transport->otherwise(answer(503));
    REQUIRE_THROWS_AS(h.client().set_webhook_secret(secret), impilo::ServerError);
    CHECK(h.transport->requests().size() == 1);
  }
}

TEST_CASE("set_webhook_secret gives up after max_retries, its secret redacted in the error",
          "[client][webhooks][retry]") {
  Harness h;
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{503, {}, std::string(R"({"message":"no )") + secret + R"("})"};
  });
  try {
    h.client().set_webhook_secret(secret);
    FAIL("no error");
  } catch (const impilo::ServerError& e) {
    CHECK(e.status() == 503);
    CHECK(std::string(e.what()).find(secret) == std::string::npos);
    CHECK(e.body().find(secret) == std::string::npos);
  }
  CHECK(h.transport->requests().size() == 3);
  CHECK(all_logs(h).find(secret) == std::string::npos);
}

TEST_CASE("create_webhook is never repeated after a failure that may have reached the server",
          "[client][webhooks][retry]") {
  const impilo::WebhookSubscription subscription{
      impilo::WebhookTypeValue::order_status, "https://hooks.example/impilo", {}};
  SECTION("an answer of the server") {
    const int status = GENERATE(408, 500, 502, 503, 504);
    CAPTURE(status);
    Harness h;
    h.transport->then_status(status, "{}", {{"Retry-After", "1"}});
    h.transport->then_status(201, R"({"id": 56})");
    REQUIRE_THROWS_AS(h.client().create_webhook(subscription), impilo::ApiError);
    CHECK(h.transport->requests().size() == 1);
    CHECK(h.sleeps.empty());
  }
  SECTION("a failure once the connection was made") {
    const auto kind = GENERATE(Kind::connection_cut, Kind::timeout, Kind::other);
    Harness h;
    h.transport->then_fail(kind, /*may_have_reached=*/true);
    h.transport->then_status(201, R"({"id": 56})");
    REQUIRE_THROWS_AS(h.client().create_webhook(subscription), impilo::TransportError);
    CHECK(h.transport->requests().size() == 1);
  }
}

TEST_CASE("create_webhook is repeated only where no subscription can exist",
          "[client][webhooks][retry]") {
  Harness h;
  h.transport->then_fail(Kind::connect, /*may_have_reached=*/false);
  h.transport->then_status(429, "{}", {{"Retry-After", "1"}});
  h.transport->then_status(
      201, R"({"id": 57, "type": "order.statusFull", "url": "https://hooks.example/impilo"})");
  const impilo::Webhook webhook = h.client().create_webhook(
      {impilo::WebhookTypeValue::order_status, "https://hooks.example/impilo", {}});
  CHECK(webhook.id == 57);
  CHECK(h.transport->requests().size() == 3);
  REQUIRE(h.sleeps.size() == 2);
  CHECK(h.sleeps[1] == milliseconds(1000));
}

TEST_CASE("create_order is not repeated after a cut connection, even where a repeat would succeed",
          "[client][retry]") {
  Harness h;
  h.transport->then_fail(Kind::connection_cut, /*may_have_reached=*/true);
  h.transport->then_status(201, R"({"id": 9})");
  REQUIRE_THROWS_AS(h.client().create_order(unit_test::valid_request()), impilo::TransportError);
  CHECK(h.transport->requests().size() == 1);
}
