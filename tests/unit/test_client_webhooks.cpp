// The webhook calls of `Client` against a scripted transport: what is sent, what is refused before
// sending, and that a webhook secret never leaks once set.

#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch.hpp"
#include "client_harness.hpp"

using nlohmann::json;

namespace {

using unit_test::key;
constexpr const char* webhook_secret = "whsec-Zq81-vault-only";

struct Harness : unit_test::Harness {

  /// Every log line, joined.
  [[nodiscard]] std::string all_logs() const {
    std::string text;
    for (const auto& [level, line] : logs) text += line + "\n";
    return text;
  }
};

std::string header(const impilo::HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

/// The fields the ValidationError @p f throws name, in order; fails when it throws nothing.
template <typename F>
std::vector<std::string> refused_fields(F&& f) {
  try {
    f();
  } catch (const impilo::ValidationError& e) {
    std::vector<std::string> fields;
    for (const auto& v : e.violations()) {
      CHECK(v.code == impilo::ErrorCode::invalid_data);
      fields.push_back(v.field);
    }
    return fields;
  }
  FAIL("not refused");
  return {};
}

std::string logs_page(std::int64_t first_id, std::int64_t count, std::int64_t page, bool last) {
  json j = {{"content", json::array()}, {"page", page}, {"size", 2}, {"last", last}};
  for (std::int64_t i = 0; i < count; ++i) {
    j["content"].push_back({{"id", first_id + i}, {"payload", "{}"}});
  }
  return j.dump();
}

}  // namespace

TEST_CASE("create_webhook posts the subscription and returns the Webhook", "[client][webhooks]") {
  Harness h;
  const auto status = GENERATE(200, 201);  // the docs say both; accept any 2xx
  h.transport->then_status(
      status, R"({"id": 55, "type": "order.statusFull", "url": "https://hooks.example/impilo"})");
  const impilo::Webhook w = h.client().create_webhook(
      {impilo::WebhookTypeValue::order_status_full, "https://hooks.example/impilo", {}});
  CHECK(w.id == 55);
  CHECK(w.type == impilo::WebhookTypeValue::order_status_full);
  CHECK(w.url == "https://hooks.example/impilo");

  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].url == "https://api.test.invalid/api/v3/webhook");
  CHECK(header(requests[0], "Impilo-API-Key") == key);
  CHECK(header(requests[0], "Content-Type") == "application/json");
  CHECK(json::parse(requests[0].body) ==
        json{{"type", "order.statusFull"}, {"url", "https://hooks.example/impilo"}});
}

TEST_CASE("create_webhook refuses a bad subscription before sending, naming the field",
          "[client][webhooks]") {
  Harness h;
  const impilo::Client client = h.client();
  const auto refused = [&](std::string type, std::string url) {
    return refused_fields([&] {
      (void)client.create_webhook({impilo::WebhookType::from_string(type), url, {}});
    });
  };
  using Fields = std::vector<std::string>;
  CHECK(refused("", "https://h.example/x") == Fields{"/type"});
  CHECK(refused("order status", "https://h.example/x") == Fields{"/type"});
  CHECK(refused("order.status", "") == Fields{"/url"});
  CHECK(refused("order.status", "http://hooks.example/x") == Fields{"/url"});
  CHECK(refused("order.status", "ftp://hooks.example/x") == Fields{"/url"});
  CHECK(refused("order.status", "hooks.example/x") == Fields{"/url"});
  CHECK(refused("order.status", "https:///x") == Fields{"/url"});
  CHECK(refused("order.status", "https://h.example/a b") == Fields{"/url"});
  CHECK(refused("order.status", "https://h.example/\r\nX-Injected: 1") == Fields{"/url"});
  CHECK(refused("order.status", "https://h\xc3\xa9.example/") == Fields{"/url"});
  CHECK(refused("", "http://hooks.example/x") == Fields{"/type", "/url"});
  CHECK(h.transport->requests().empty());

  // http is accepted for loopback receivers (a local simulator delivering to `webhooks listen`).
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{201, {}, R"({"id": 1})"};
  });
  for (const char* url : {"http://127.0.0.1:8080/wh", "http://localhost/wh", "http://[::1]:9/",
                          "HTTPS://Hooks.Example:8443/impilo?tenant=4"}) {
    INFO(url);
    CHECK_NOTHROW(client.create_webhook({impilo::WebhookTypeValue::order_status, url, {}}));
  }
}

TEST_CASE("create_webhook reads the url with libcurl's parser and decides loopback on its host",
          "[client][webhooks]") {
  Harness h;
  const impilo::Client client = h.client();
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{201, {}, R"({"id": 1})"};
  });
  const auto message = [&](const std::string& url) -> std::string {
    try {
      (void)client.create_webhook({impilo::WebhookTypeValue::order_status, url, {}});
    } catch (const impilo::ValidationError& e) {
      REQUIRE(e.violations().size() == 1);
      CHECK(e.violations()[0].field == "/url");
      CHECK(e.violations()[0].code == impilo::ErrorCode::invalid_data);
      return e.violations()[0].message;
    }
    return {};
  };
  // Hosts a reader could take for 127.0.0.1 while another (a browser, a proxy) sees evil.example:
  // a backslash, any user name, a percent-encoded authority.
  for (const char* url :
       {"http://evil.example\\@127.0.0.1/h", "http://127.0.0.1\\@evil.example/",
        "https://evil.example\\@127.0.0.1/h", "http://user@127.0.0.1/h", "http://@127.0.0.1/h",
        "http://user:pw@127.0.0.1/h", "https://user@hooks.example/h", "http://127.0.0.1%2f@evil/",
        "http://127.0.0.1%2f@evil.example/", "http://%31%32%37.0.0.1/h", "http://[::1%25lo]/h",
        "http://127.0.0.1/a\\b", "http:/127.0.0.1/h", "http:///127.0.0.1/h", "http://127.0.0.1:/h",
        "http://127.0.0.1:0/h", "http://127.0.0.1:65536/h", "gopher://127.0.0.1/h",
        "http://127.0.0.1\t/h"}) {
    CAPTURE(url);
    const std::string what = message(url);
    CHECK_THAT(what, Catch::StartsWith("url "));
  }
  CHECK_THAT(message("http://evil.example\\@127.0.0.1/h"), Catch::Contains("backslash"));
  CHECK_THAT(message("http://user@127.0.0.1/h"), Catch::Contains("user name or password"));
  CHECK(h.transport->requests().empty());

  // Accepted: loopback as libcurl reads it (IPv6, uppercase scheme, a host it normalises), and
  // https anywhere.
  for (const char* url :
       {"http://[::1]/h", "http://[::1]:8080/h?x=1", "HTTP://127.0.0.1/h", "Http://LOCALHOST:9/",
        "http://127.1:8080/h", "http://[0:0:0:0:0:0:0:1]/h", "https://hooks.example/impilo",
        "HTTPS://Hooks.Example:8443/impilo?tenant=4#frag", "https://[2001:db8::1]/h"}) {
    CAPTURE(url);
    CHECK(message(url).empty());
  }
  CHECK(h.transport->requests().size() == 9);
}

TEST_CASE("create_webhook is not repeated once it may have reached the server",
          "[client][webhooks]") {
  Harness h;
  h.transport->then_status(503, R"({"message": "busy"})");
  CHECK_THROWS_AS(
      h.client().create_webhook({impilo::WebhookTypeValue::order_status, "https://h.example/", {}}),
      impilo::ServerError);
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("set_webhook_secret posts the secret and never lets it out again", "[client][webhooks]") {
  Harness h;
  h.options.log_bodies = true;
  h.options.log_level = impilo::LogLevel::debug;
  const impilo::Client client = h.client();
  const std::string echo = json{{"secret", webhook_secret}}.dump();
  h.transport->then_status(200, echo);
  client.set_webhook_secret(webhook_secret);

  auto requests = h.transport->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].url == "https://api.test.invalid/api/v3/webhook-secret");
  CHECK(json::parse(requests[0].body) == json{{"secret", webhook_secret}});

  // A server (or proxy) that echoes the secret in an error: not in the exception, its message or
  // body, nor in any log line, for this call and every later one.
  h.transport->then_status(500, "upstream said: " + echo);
  h.transport->then_status(500, "upstream said: " + echo);
  h.transport->then_status(500, "upstream said: " + echo);
  h.transport->then_status(400,
                           R"({"message": "bad secret )" + std::string(webhook_secret) + R"("})");
  try {
    client.set_webhook_secret(webhook_secret);
    FAIL("no error");
  } catch (const impilo::ServerError& e) {
    CHECK(std::string(e.what()).find(webhook_secret) == std::string::npos);
    CHECK(e.body().find(webhook_secret) == std::string::npos);
    CHECK(e.message().find(webhook_secret) == std::string::npos);
    CHECK(e.body().find("[redacted]") != std::string::npos);
  }
  try {
    (void)client.list_webhook_logs();
    FAIL("no error");
  } catch (const impilo::BadRequestError& e) {
    CHECK(std::string(e.what()).find(webhook_secret) == std::string::npos);
    CHECK(e.message().find(webhook_secret) == std::string::npos);
  }
  CHECK_FALSE(h.logs.empty());
  CHECK(h.all_logs().find(webhook_secret) == std::string::npos);
  CHECK(h.all_logs().find("[redacted]") != std::string::npos);
}

TEST_CASE("set_webhook_secret refuses an unusable secret without quoting it",
          "[client][webhooks]") {
  Harness h;
  const impilo::Client client = h.client();
  for (const std::string& bad :
       {std::string(), std::string("QZX\nQZX-1234"), std::string("QZX\0QZX", 7),
        std::string("QZX\x7fQZX"), std::string("QZX-utf8-\xff\xfe")}) {
    try {
      client.set_webhook_secret(bad);
      FAIL("accepted");
    } catch (const impilo::ValidationError& e) {
      REQUIRE(e.violations().size() == 1);
      CHECK(e.violations()[0].field == "/secret");
      CHECK(std::string(e.what()).find("QZX") == std::string::npos);
    }
  }
  CHECK(h.transport->requests().empty());
}

TEST_CASE("list_webhook_logs sends paging and every filter, and decodes the page",
          "[client][webhooks]") {
  Harness h;
  h.transport->then_status(200, logs_page(1, 2, 3, false));
  impilo::ListWebhookLogsParams params;
  params.page = 3;
  params.size = 2;
  params.webhook_type = impilo::WebhookTypeValue::order_status_full;
  params.retry_attempts_min = 1;
  params.retry_attempts_max = 3;
  params.last_response_status = 500;
  params.start_last_retry_timestamp = "2023-08-22T14:15:30.345Z";
  params.end_last_retry_timestamp = "2023-08-23T00:00:00Z";
  params.start_timestamp = "2023-08-01T00:00:00+02:00";
  params.end_timestamp = "2023-09-01T00:00:00Z";
  params.extra_query = {{"sortDescending", "true"}};
  const impilo::Page<impilo::WebhookLog> page = h.client().list_webhook_logs(params);
  REQUIRE(page.content.size() == 2);
  CHECK(page.content[1].id == 2);
  CHECK(page.content[0].payload == "{}");

  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].url ==
        "https://api.test.invalid/api/v3/webhook/logs?page=3&size=2&webhookType=order.statusFull"
        "&retryAttemptsMin=1&retryAttemptsMax=3&lastResponseStatus=500"
        "&startLastRetryTimestamp=2023-08-22T14%3A15%3A30.345Z"
        "&endLastRetryTimestamp=2023-08-23T00%3A00%3A00Z"
        "&startTimestamp=2023-08-01T00%3A00%3A00%2B02%3A00&endTimestamp=2023-09-01T00%3A00%3A00Z"
        "&sortDescending=true");

  h.transport->then_status(200, "{}");
  CHECK(h.client().list_webhook_logs().content.empty());
  CHECK(h.transport->requests().back().url ==
        "https://api.test.invalid/api/v3/webhook/logs?page=1&size=15");
}

TEST_CASE("list_webhook_logs refuses bad parameters before sending", "[client][webhooks]") {
  Harness h;
  const impilo::Client client = h.client();
  const auto refused = [&](auto edit, const std::string& names) {
    impilo::ListWebhookLogsParams p;
    edit(p);
    try {
      (void)client.list_webhook_logs(p);
      FAIL("accepted");
    } catch (const impilo::UsageError& e) {
      CHECK_THAT(e.what(), Catch::Contains(names));
    }
    CHECK_THROWS_AS(client.webhook_logs(p), impilo::UsageError);
  };
  using P = impilo::ListWebhookLogsParams;
  refused([](P& p) { p.page = 0; }, "page");
  refused([](P& p) { p.size = 251; }, "size");
  refused([](P& p) { p.retry_attempts_min = -1; }, "retry_attempts_min");
  refused([](P& p) { p.retry_attempts_max = -1; }, "retry_attempts_max");
  refused(
      [](P& p) {
        p.retry_attempts_min = 3;
        p.retry_attempts_max = 2;
      },
      "retry_attempts_min");
  refused([](P& p) { p.last_response_status = 42; }, "last_response_status");
  refused([](P& p) { p.start_timestamp = ""; }, "start_timestamp");
  refused([](P& p) { p.end_timestamp = "2023-01-01 00:00"; }, "end_timestamp");
  refused([](P& p) { p.start_last_retry_timestamp = "x\n"; }, "start_last_retry_timestamp");
  refused([](P& p) { p.end_last_retry_timestamp = ""; }, "end_last_retry_timestamp");
  refused([](P& p) { p.webhook_type = impilo::WebhookType::from_string(""); }, "webhook_type");
  refused([](P& p) { p.extra_query = {{"webhookType", "x"}}; }, "webhookType");
  CHECK(h.transport->requests().empty());
}

TEST_CASE("webhook_logs walks every page lazily", "[client][webhooks]") {
  Harness h;
  h.transport->then_status(200, logs_page(1, 2, 1, false));
  h.transport->then_status(200, logs_page(3, 1, 2, true));
  impilo::ListWebhookLogsParams params;
  params.size = 2;
  params.retry_attempts_min = 1;
  auto range = h.client().webhook_logs(params);
  CHECK(h.transport->requests().empty());
  std::vector<std::int64_t> ids;
  for (const impilo::WebhookLog& log : range) ids.push_back(*log.id);
  CHECK(ids == std::vector<std::int64_t>{1, 2, 3});
  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].url ==
        "https://api.test.invalid/api/v3/webhook/logs?page=2&size=2&retryAttemptsMin=1");
}
