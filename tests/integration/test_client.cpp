// The client over real libcurl against a local cpp-httplib server: what users see on the wire.

#include <atomic>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <mutex>
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "test_server.hpp"

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* key = "integration-key-1";

impilo::ClientOptions options_for(const impilo_test::TestServer& server) {
  impilo::ClientOptions options;
  options.base_url = server.url();
  options.api_key = key;
  options.initial_backoff = milliseconds(1);
  options.max_backoff = milliseconds(5);
  return options;
}

impilo::CreateOrderRequest request() {
  impilo::CreateOrderRequest r;
  r.patient = impilo::Patient::with_id(1234);
  r.order_items = {impilo::OrderItem::of(1000, 1)};
  r.shipping_option = impilo::ShippingOptionValue::standard;
  return r;
}

/// A port on 127.0.0.1 with nothing listening (bound by a server that is then stopped).
int closed_port() {
  int port = 0;
  {
    impilo_test::TestServer server([](httplib::Server&) {});
    port = server.port();
  }
  return port;
}

}  // namespace

TEST_CASE("create, get and list over HTTP with the documented headers", "[client-http]") {
  std::mutex mutex;
  httplib::Headers seen;
  std::string posted;
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Post("/api/v3/order", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        seen = req.headers;
        posted = req.body;
      }
      json order = json::parse(req.body);
      order["id"] = 501;
      order["currentStatus"] = "pending";
      order["futureField"] = {{"kept", true}};
      res.status = 201;
      res.set_content(order.dump(), "application/json");
    });
    s.Get(R"(/api/v3/order/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(json{{"id", std::stoll(req.matches[1])}}.dump(), "application/json");
    });
    s.Get("/api/v3/order", [](const httplib::Request& req, httplib::Response& res) {
      REQUIRE(req.get_param_value("page") == "2");
      REQUIRE(req.get_param_value("size") == "5");
      res.set_content(
          R"({"content":[{"id":6}],"page":2,"size":5,"total":6,"first":false,"last":true})",
          "application/json");
    });
  });
  impilo::Client client(options_for(server));

  const auto created = client.create_order(request());
  REQUIRE(created.id == 501);
  REQUIRE(created.current_status->str() == "pending");
  REQUIRE(created.unknown_fields.json_text() == R"({"futureField":{"kept":true}})");
  {
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(json::parse(posted) == json(request()));
    REQUIRE(seen.find("Impilo-API-Key")->second == key);
    REQUIRE(seen.find("Accept")->second == "application/json");
    REQUIRE(seen.find("Content-Type")->second == "application/json");
    REQUIRE(seen.find("User-Agent")->second.rfind("impilo-cpp/", 0) == 0);
  }

  REQUIRE(client.get_order(77).id == 77);
  impilo::ListOrdersParams params;
  params.page = 2;
  params.size = 5;
  const auto page = client.list_orders(params);
  REQUIRE(page.content.at(0).id == 6);
  REQUIRE(page.last == true);
}

TEST_CASE("an orders() loop reuses one keep-alive connection", "[client-http]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get("/api/v3/order", [](const httplib::Request& req, httplib::Response& res) {
      const auto page = std::stoll(req.get_param_value("page"));
      const auto size = std::stoll(req.get_param_value("size"));
      const std::int64_t total = 95;
      json body = {{"content", json::array()}, {"page", page}, {"size", size}, {"total", total}};
      for (auto id = (page - 1) * size + 1; id <= std::min<std::int64_t>(total, page * size);
           ++id) {
        body["content"].push_back({{"id", id}});
      }
      body["first"] = page == 1;
      body["last"] = page * size >= total;
      res.set_content(body.dump(), "application/json");
    });
  });
  std::int64_t count = 0;
  {
    impilo::Client client(options_for(server));
    impilo::ListOrdersParams params;
    params.size = 10;
    for (const auto& order : client.orders(params)) REQUIRE(order.id == ++count);
  }
  REQUIRE(count == 95);
  REQUIRE(server.request_count() == 10);
  REQUIRE(server.connection_count() == 1);
}

TEST_CASE("a GET that times out is retried, then fails as a timeout", "[client-http]") {
  impilo_test::TestServer server([](httplib::Server& s, impilo_test::TestServer& self) {
    s.Get(R"(/api/v3/order/(\d+))", [&self](const httplib::Request&, httplib::Response& res) {
      self.sleep_for(milliseconds(2000));
      res.set_content("{}", "application/json");
    });
  });
  auto options = options_for(server);
  options.attempt_timeout = milliseconds(150);
  options.max_retries = 1;
  impilo::Client client(options);
  try {
    (void)client.get_order(1);
    FAIL("no TransportError");
  } catch (const impilo::TransportError& e) {
    REQUIRE(e.kind() == impilo::TransportError::Kind::timeout);
    REQUIRE(e.may_have_reached_server());
    REQUIRE(std::string(e.what()).find(key) == std::string::npos);
  }
  REQUIRE(server.request_count() == 2);
}

TEST_CASE("a POST that times out is sent once and says it may have arrived", "[client-http]") {
  impilo_test::TestServer server([](httplib::Server& s, impilo_test::TestServer& self) {
    s.Post("/api/v3/order", [&self](const httplib::Request&, httplib::Response& res) {
      self.sleep_for(milliseconds(2000));
      res.status = 201;
      res.set_content(R"({"id":1})", "application/json");
    });
  });
  auto options = options_for(server);
  options.attempt_timeout = milliseconds(150);
  impilo::Client client(options);
  try {
    (void)client.create_order(request());
    FAIL("no TransportError");
  } catch (const impilo::TransportError& e) {
    REQUIRE(e.kind() == impilo::TransportError::Kind::timeout);
    REQUIRE(e.may_have_reached_server());
  }
  REQUIRE(server.request_count() == 1);
}

TEST_CASE("a POST answered 5xx is sent once", "[client-http]") {
  const int status = GENERATE(500, 502, 503, 504);
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Post("/api/v3/order", [&](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_header("Retry-After", "0");
      res.set_content(R"({"message":"upstream trouble"})", "application/json");
    });
  });
  impilo::Client client(options_for(server));
  try {
    (void)client.create_order(request());
    FAIL("no ServerError");
  } catch (const impilo::ServerError& e) {
    REQUIRE(e.status() == status);
    REQUIRE(e.message() == "upstream trouble");
  }
  REQUIRE(server.request_count() == 1);
}

TEST_CASE("429 and 503 sequences are ridden out", "[client-http]") {
  std::atomic<int> calls{0};
  impilo_test::TestServer server([&](httplib::Server& s) {
    const auto handler = [&](const httplib::Request& req, httplib::Response& res) {
      const int n = ++calls;
      if (n == 1) {
        res.status = 429;
        res.set_header("Retry-After", "0");
        res.set_content(R"({"error":"Too Many Requests"})", "application/json");
      } else if (n == 2 && req.method == "GET") {
        res.status = 503;
        res.set_content("<html><body>Service Unavailable</body></html>", "text/html");
      } else {
        res.status = req.method == "POST" ? 201 : 200;
        res.set_content(R"({"id":9})", "application/json");
      }
    };
    s.Get(R"(/api/v3/order/(\d+))", handler);
    s.Post("/api/v3/order", handler);
  });
  impilo::Client client(options_for(server));

  REQUIRE(client.get_order(9).id == 9);
  REQUIRE(calls == 3);
  calls = 0;
  REQUIRE(client.create_order(request()).id == 9);  // 429 then 201: safe to repeat
  REQUIRE(calls == 2);
}

TEST_CASE("a refused connection is retried, even for a create, and reported", "[client-http]") {
  impilo::ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(closed_port());
  options.api_key = key;
  options.initial_backoff = milliseconds(1);
  std::vector<std::string> lines;
  options.logger = [&](impilo::LogLevel, std::string_view line) { lines.emplace_back(line); };
  impilo::Client client(options);
  try {
    (void)client.create_order(request());
    FAIL("no TransportError");
  } catch (const impilo::TransportError& e) {
    REQUIRE(e.kind() == impilo::TransportError::Kind::connect);
    REQUIRE_FALSE(e.may_have_reached_server());
  }
  const auto attempts = std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("POST /api/v3/order -> connect failed") != std::string::npos;
  });
  REQUIRE(attempts == 3);
}

// ---- Hostile servers (issue 8) ---------------------------------------------------------------

TEST_CASE("hostile answers over HTTP end in impilo errors, never a crash or a leak",
          "[client-http]") {
  const std::string secret = "int/key-77x";
  std::atomic<int> gets{0};
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Get("/api/v3/order/1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"id": 1, "x": )" + std::string(200000, '[') + std::string(200000, ']') + "}",
          "application/json");
    });
    s.Get("/api/v3/order/2", [](const httplib::Request&, httplib::Response& res) {
      res.status = 401;
      res.set_content(R"({"message": "bad key \u0069nt\/key-77x"})", "application/json");
    });
    s.Get("/api/v3/order", [&gets](const httplib::Request&, httplib::Response& res) {
      ++gets;  // ignores page, never says last
      res.set_content(R"({"content": [{"id": 1}, {"id": 2}], "size": 2})", "application/json");
    });
    s.Post("/api/v3/order", [](const httplib::Request&, httplib::Response& res) {
      res.status = 201;  // no body
    });
  });
  impilo::ClientOptions options = options_for(server);
  options.api_key = secret;
  const impilo::Client client(options);

  CHECK_THROWS_AS(client.get_order(1), impilo::DecodeError);
  try {
    client.get_order(2);
    FAIL("no AuthenticationError");
  } catch (const impilo::AuthenticationError& e) {
    CHECK(e.message() == "bad key [redacted]");
    CHECK(std::string(e.what()).find("key-77x") == std::string::npos);
    CHECK(e.body().find("key-77x") == std::string::npos);
  }
  CHECK_THROWS_AS(
      [&] {
        for (const auto& order : client.orders({1, 2, {}})) (void)order;
      }(),
      impilo::DecodeError);
  CHECK(gets == 2);
  try {
    client.create_order(request());
    FAIL("no DecodeError");
  } catch (const impilo::DecodeError& e) {
    CHECK(e.may_have_reached_server());
  }
}
