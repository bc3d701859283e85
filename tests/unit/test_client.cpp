#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <impilo/version.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "client_harness.hpp"

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

using unit_test::FakeTransport;
using unit_test::Harness;
using unit_test::key;
using unit_test::valid_request;

std::string order_json(std::int64_t id) {
  return json{{"id", id}, {"currentStatus", "new"}}.dump();
}

std::string page_json(std::int64_t first_id, std::int64_t count, std::int64_t page,
                      std::int64_t size, std::optional<std::int64_t> total,
                      std::optional<bool> last) {
  json j = {{"content", json::array()}, {"page", page}, {"size", size}};
  for (std::int64_t i = 0; i < count; ++i) j["content"].push_back({{"id", first_id + i}});
  if (total) j["total"] = *total;
  if (last) j["last"] = *last;
  j["first"] = page == 1;
  return j.dump();
}

/// A server of @p total orders that pages honestly (1-based, `last` set).
FakeTransport::Step paging_server(std::int64_t total, bool send_last = true) {
  return [=](const impilo::HttpRequest& request) {
    const auto query = request.url.substr(request.url.find('?') + 1);
    std::int64_t page = 0;
    std::int64_t size = 0;
    // Not REQUIRE: with prefetching this runs on the range's background thread, and Catch2's
    // assertions are for the test's own thread.
    if (std::sscanf(query.c_str(), "page=%ld&size=%ld", &page, &size) != 2) {
      throw std::logic_error("paging_server: unexpected query " + query);
    }
    const std::int64_t first = (page - 1) * size;
    const std::int64_t count = std::clamp<std::int64_t>(total - first, 0, size);
    std::optional<bool> last;
    if (send_last) last = first + count >= total;
    return impilo::HttpResponse{200, {}, page_json(first + 1, count, page, size, total, last)};
  };
}

}  // namespace

TEST_CASE("create_order posts the encoded request with the required headers", "[client]") {
  Harness h;
  h.options.user_agent_suffix = "clinic-backend/2.3";
  h.transport->then_status(201, order_json(42));

  const auto order = h.client().create_order(valid_request());

  REQUIRE(order.id == 42);
  REQUIRE(order.current_status->str() == "new");
  const auto sent = h.transport->requests();
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].method == "POST");
  REQUIRE(sent[0].url == "https://api.test.invalid/api/v3/order");
  REQUIRE(json::parse(sent[0].body) == json(valid_request()));
  REQUIRE(impilo::find_header(sent[0].headers, "impilo-api-key") == key);
  REQUIRE(impilo::find_header(sent[0].headers, "Accept") == "application/json");
  REQUIRE(impilo::find_header(sent[0].headers, "Content-Type") == "application/json");
  REQUIRE(impilo::find_header(sent[0].headers, "User-Agent") ==
          std::string("impilo-cpp/") + impilo::version() + " clinic-backend/2.3");
}

TEST_CASE("an invalid create is refused before anything is sent", "[client]") {
  Harness h;
  impilo::CreateOrderRequest request = valid_request();
  request.site = impilo::Site::with_id(3);  // both patient and site
  request.order_items->at(0).count = 0;

  try {
    (void)h.client().create_order(request);
    FAIL("no ValidationError");
  } catch (const impilo::ValidationError& e) {
    REQUIRE(e.violations().size() == 2);
    REQUIRE(e.violations()[0].field == "/site");
    REQUIRE(e.violations()[1].field == "/orderItems/0/count");
  }
  REQUIRE(h.transport->requests().empty());
}

TEST_CASE("get_order and list_orders address the documented paths", "[client]") {
  Harness h;
  h.options.base_url = "https://api.test.invalid/";
  h.transport->then_status(200, order_json(9));
  h.transport->then_status(200, page_json(1, 2, 3, 2, 10, false));
  auto client = h.client();

  REQUIRE(client.get_order(9).id == 9);
  impilo::ListOrdersParams params;
  params.page = 3;
  params.size = 2;
  params.extra_query = {{"sortDescending", "true"}, {"q", "a b&c/é"}};
  const auto page = client.list_orders(params);

  REQUIRE(page.content.size() == 2);
  REQUIRE(page.total == 10);
  const auto sent = h.transport->requests();
  REQUIRE(sent[0].method == "GET");
  REQUIRE(sent[0].url == "https://api.test.invalid/api/v3/order/9");
  REQUIRE(sent[0].body.empty());
  REQUIRE_FALSE(impilo::find_header(sent[0].headers, "Content-Type"));
  REQUIRE(sent[1].url ==
          "https://api.test.invalid/api/v3/order?page=3&size=2&sortDescending=true"
          "&q=a%20b%26c%2F%C3%A9");
}

TEST_CASE("GET is retried on every transient status, then fails with it", "[client]") {
  const int status = GENERATE(408, 429, 500, 502, 503, 504);
  CAPTURE(status);
  Harness h;
  h.transport->otherwise([status](const impilo::HttpRequest&) {
    return impilo::HttpResponse{status, {}, R"({"message":"try later"})"};
  });

  try {
    (void)h.client().get_order(1);
    FAIL("no error");
  } catch (const impilo::ApiError& e) {
    REQUIRE(e.status() == status);
    REQUIRE(e.message() == "try later");
    if (status == 429) REQUIRE(dynamic_cast<const impilo::RateLimitError*>(&e) != nullptr);
    if (status >= 500) REQUIRE(dynamic_cast<const impilo::ServerError*>(&e) != nullptr);
  }
  REQUIRE(h.transport->requests().size() == 3);  // max_retries defaults to 2
  REQUIRE(h.sleeps.size() == 2);
}

TEST_CASE("GET is not retried on a status that will not change", "[client]") {
  const int status = GENERATE(400, 401, 403, 404, 409, 422, 501);
  CAPTURE(status);
  Harness h;
  h.transport->otherwise([status](const impilo::HttpRequest&) {
    return impilo::HttpResponse{status, {}, "nope"};
  });
  REQUIRE_THROWS_AS(h.client().get_order(1), impilo::ApiError);
  REQUIRE(h.transport->requests().size() == 1);
}

TEST_CASE("GET recovers when a retry succeeds", "[client]") {
  Harness h;
  h.transport->then_status(503);
  h.transport->then_fail(impilo::TransportError::Kind::connection_cut, true);
  h.transport->then_status(200, order_json(5));
  REQUIRE(h.client().get_order(5).id == 5);
  REQUIRE(h.transport->requests().size() == 3);
}

TEST_CASE("GET transport failures: which are retried", "[client]") {
  using Kind = impilo::TransportError::Kind;
  const auto [kind, retried] = GENERATE(table<Kind, bool>({{Kind::connect, true},
                                                           {Kind::timeout, true},
                                                           {Kind::connection_cut, true},
                                                           {Kind::tls, false},
                                                           {Kind::too_large, false},
                                                           {Kind::other, false}}));
  Harness h;
  h.transport->otherwise([kind = kind](const impilo::HttpRequest&) -> impilo::HttpResponse {
    throw impilo::TransportError(kind, true, "scripted");
  });
  REQUIRE_THROWS_AS(h.client().get_order(1), impilo::TransportError);
  REQUIRE(h.transport->requests().size() == (retried ? 3U : 1U));
}

TEST_CASE("a create that may have reached the server is never repeated", "[client]") {
  SECTION("5xx and 408 answers") {
    const int status = GENERATE(500, 502, 503, 504, 408);
    CAPTURE(status);
    Harness h;
    h.transport->otherwise([status](const impilo::HttpRequest&) {
      return impilo::HttpResponse{status, {{"Retry-After", "1"}}, "{}"};
    });
    REQUIRE_THROWS_AS(h.client().create_order(valid_request()), impilo::ApiError);
    REQUIRE(h.transport->requests().size() == 1);
    REQUIRE(h.sleeps.empty());
  }
  SECTION("failures after the connection was made") {
    using Kind = impilo::TransportError::Kind;
    const auto kind = GENERATE(Kind::timeout, Kind::connection_cut, Kind::other, Kind::too_large);
    Harness h;
    h.transport->otherwise([kind](const impilo::HttpRequest&) -> impilo::HttpResponse {
      throw impilo::TransportError(kind, true, "scripted");
    });
    try {
      (void)h.client().create_order(valid_request());
      FAIL("no TransportError");
    } catch (const impilo::TransportError& e) {
      REQUIRE(e.kind() == kind);
      REQUIRE(e.may_have_reached_server());
    }
    REQUIRE(h.transport->requests().size() == 1);
  }
}

TEST_CASE("a create is repeated only where no order can exist", "[client]") {
  SECTION("connection never established") {
    Harness h;
    h.transport->then_fail(impilo::TransportError::Kind::connect, false);
    h.transport->then_fail(impilo::TransportError::Kind::timeout, false);  // connect timeout
    h.transport->then_status(201, order_json(77));
    REQUIRE(h.client().create_order(valid_request()).id == 77);
    REQUIRE(h.transport->requests().size() == 3);
  }
  SECTION("429") {
    Harness h;
    h.transport->then_status(429, "slow down", {{"Retry-After", "2"}});
    h.transport->then_status(201, order_json(78));
    REQUIRE(h.client().create_order(valid_request()).id == 78);
    REQUIRE(h.sleeps == std::vector<milliseconds>{milliseconds(2000)});
  }
  SECTION("a TLS failure is not transient") {
    Harness h;
    h.transport->otherwise([](const impilo::HttpRequest&) -> impilo::HttpResponse {
      throw impilo::TransportError(impilo::TransportError::Kind::tls, false, "bad cert");
    });
    REQUIRE_THROWS_AS(h.client().create_order(valid_request()), impilo::TransportError);
    REQUIRE(h.transport->requests().size() == 1);
  }
}

TEST_CASE("max_retries bounds the attempts", "[client]") {
  const int retries = GENERATE(0, 1, 4);
  Harness h;
  h.options.max_retries = retries;
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{503, {}, ""};
  });
  REQUIRE_THROWS_AS(h.client().get_order(1), impilo::ServerError);
  REQUIRE(h.transport->requests().size() == static_cast<std::size_t>(retries + 1));
}

TEST_CASE("backoff is jittered and grows exponentially up to its cap", "[client]") {
  Harness h;
  h.options.max_retries = 7;
  h.options.initial_backoff = milliseconds(100);
  h.options.max_backoff = milliseconds(450);
  h.options.overall_timeout = milliseconds(0);
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{502, {}, ""};
  });
  auto client = h.client();
  std::vector<milliseconds> all;
  for (int run = 0; run < 20; ++run) {
    h.sleeps.clear();
    REQUIRE_THROWS(client.get_order(1));
    REQUIRE(h.sleeps.size() == 7);
    for (std::size_t i = 0; i < h.sleeps.size(); ++i) {
      const auto ceiling = std::min<long>(100L << i, 450);
      REQUIRE(h.sleeps[i].count() >= 0);
      REQUIRE(h.sleeps[i].count() <= ceiling);
    }
    all.insert(all.end(), h.sleeps.begin(), h.sleeps.end());
  }
  // Jitter: 140 waits are not all the same value.
  REQUIRE(std::adjacent_find(all.begin(), all.end(), std::not_equal_to<>()) != all.end());
}

TEST_CASE("Retry-After is honoured in both forms and capped", "[client]") {
  SECTION("delay in seconds") {
    Harness h;
    h.transport->then_status(503, "", {{"retry-after", " 3 "}});
    h.transport->then_status(200, order_json(1));
    REQUIRE(h.client().get_order(1).id == 1);
    REQUIRE(h.sleeps == std::vector<milliseconds>{milliseconds(3000)});
  }
  SECTION("HTTP date") {
    const std::time_t when = std::time(nullptr) + 5;
    char text[64];
    std::tm tm{};
    gmtime_r(&when, &tm);
    REQUIRE(std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
    Harness h;
    h.transport->then_status(429, "", {{"Retry-After", text}});
    h.transport->then_status(200, order_json(1));
    REQUIRE(h.client().get_order(1).id == 1);
    REQUIRE(h.sleeps.size() == 1);
    REQUIRE(h.sleeps[0] >= milliseconds(3000));
    REQUIRE(h.sleeps[0] <= milliseconds(5000));
  }
  SECTION("a date in the past means now") {
    Harness h;
    h.transport->then_status(503, "", {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}});
    h.transport->then_status(200, order_json(1));
    REQUIRE(h.client().get_order(1).id == 1);
    REQUIRE(h.sleeps == std::vector<milliseconds>{milliseconds(0)});
  }
  SECTION("longer than max_retry_after: not waited for") {
    Harness h;
    h.options.max_retry_after = milliseconds(10000);
    h.transport->otherwise([](const impilo::HttpRequest&) {
      return impilo::HttpResponse{429, {{"Retry-After", "3600"}}, "rate limited"};
    });
    REQUIRE_THROWS_AS(h.client().get_order(1), impilo::RateLimitError);
    REQUIRE(h.transport->requests().size() == 1);
    REQUIRE(h.sleeps.empty());
  }
  SECTION("garbage falls back to backoff") {
    Harness h;
    h.options.initial_backoff = milliseconds(10);
    h.transport->then_status(503, "", {{"Retry-After", "soon"}});
    h.transport->then_status(200, order_json(1));
    REQUIRE(h.client().get_order(1).id == 1);
    REQUIRE(h.sleeps.size() == 1);
    REQUIRE(h.sleeps[0] <= milliseconds(10));
  }
}

TEST_CASE("the overall timeout stops retries and bounds each attempt", "[client]") {
  Harness h;
  h.options.overall_timeout = milliseconds(1000);
  h.options.attempt_timeout = milliseconds(30000);
  h.options.initial_backoff = milliseconds(5000);
  h.options.max_backoff = milliseconds(5000);
  h.transport->otherwise([](const impilo::HttpRequest&) {
    return impilo::HttpResponse{503, {}, ""};
  });
  // Every wait would be drawn from [0, 5000] ms; a retry happens only if it fits in the deadline.
  REQUIRE_THROWS_AS(h.client().get_order(1), impilo::ServerError);
  for (const auto& request : h.transport->requests()) {
    REQUIRE(request.timeout <= milliseconds(1000));
  }
  for (const auto& wait : h.sleeps) REQUIRE(wait < milliseconds(1000));
}

TEST_CASE("orders() walks every page lazily", "[client]") {
  struct Case {
    std::int64_t total;
    std::int64_t size;
    bool send_last;
    std::size_t expected_requests;
  };
  const auto c = GENERATE(Case{37, 15, true, 3},   // short last page
                          Case{30, 15, true, 2},   // exact multiple, server says last
                          Case{30, 15, false, 2},  // no `last` flag: total stops it
                          Case{0, 15, true, 1},    // empty account
                          Case{5, 250, true, 1});  // everything on one page
  CAPTURE(c.total, c.size, c.send_last);
  Harness h;
  h.transport->otherwise(paging_server(c.total, c.send_last));
  impilo::ListOrdersParams params;
  params.size = c.size;

  std::vector<std::int64_t> ids;
  for (const impilo::Order& order : h.client().orders(params)) ids.push_back(*order.id);

  REQUIRE(ids.size() == static_cast<std::size_t>(c.total));
  for (std::size_t i = 0; i < ids.size(); ++i) REQUIRE(ids[i] == static_cast<std::int64_t>(i + 1));
  REQUIRE(h.transport->requests().size() == c.expected_requests);
}

TEST_CASE("orders() fetches a page only when the loop reaches it", "[client]") {
  Harness h;
  h.options.prefetch_pages = false;
  h.transport->otherwise(paging_server(100));
  auto client = h.client();
  impilo::ListOrdersParams params;
  params.size = 10;
  params.page = 2;
  auto range = client.orders(params);
  REQUIRE(h.transport->requests().empty());

  auto it = range.begin();
  REQUIRE(it->id == 11);  // page 2 of 10-order pages
  for (int i = 0; i < 9; ++i) ++it;
  REQUIRE(it->id == 20);
  REQUIRE(range.pages_fetched() == 1);
  ++it;
  REQUIRE(it->id == 21);
  REQUIRE(range.pages_fetched() == 2);
}

TEST_CASE("orders() fetches the next page while the loop works on the current one", "[client]") {
  Harness h;  // prefetch_pages is on by default
  h.transport->otherwise(paging_server(100));
  impilo::ListOrdersParams params;
  params.size = 10;
  params.page = 2;
  const auto requests_made = [&] { return h.transport->requests().size(); };

  std::vector<std::int64_t> ids;
  {
    auto range = h.client().orders(params);
    auto it = range.begin();
    REQUIRE(it->id == 11);
    // Page 3 is on its way before the loop has moved past the first order of page 2.
    for (int waited = 0; requests_made() < 2 && waited < 10000; waited += 5) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    REQUIRE(requests_made() == 2);
    CHECK(h.transport->requests()[1].url.find("page=3&size=10") != std::string::npos);
    CHECK(range.pages_fetched() == 1);
    for (; it != range.end(); ++it) {
      ids.push_back(*it->id);
      REQUIRE(requests_made() <= static_cast<std::size_t>(range.pages_fetched()) + 1);
    }
    CHECK(range.pages_fetched() == 9);
  }
  REQUIRE(ids.size() == 90);
  CHECK(ids.front() == 11);
  CHECK(ids.back() == 100);
  CHECK(requests_made() == 9);  // nothing fetched past the last page
}

TEST_CASE("orders() stops on a page shorter than asked even without last or total", "[client]") {
  Harness h;
  h.transport->then_status(200, page_json(1, 3, 1, 3, std::nullopt, std::nullopt));
  h.transport->then_status(200, page_json(4, 2, 2, 3, std::nullopt, std::nullopt));
  std::size_t seen = 0;
  impilo::ListOrdersParams params;
  params.size = 3;
  for (const auto& order : h.client().orders(params)) {
    REQUIRE(order.id == static_cast<std::int64_t>(++seen));
  }
  REQUIRE(seen == 5);
  REQUIRE(h.transport->requests().size() == 2);
}

TEST_CASE("bad arguments and unsafe options are refused before sending", "[client]") {
  Harness h;
  auto client = h.client();
  impilo::ListOrdersParams params;

  REQUIRE_THROWS_AS(client.get_order(0), impilo::UsageError);
  REQUIRE_THROWS_AS(client.get_order(-7), impilo::UsageError);
  params.page = 0;
  REQUIRE_THROWS_AS(client.list_orders(params), impilo::UsageError);
  REQUIRE_THROWS_AS(client.orders(params), impilo::UsageError);
  params.page = 1;
  params.size = 0;
  REQUIRE_THROWS_AS(client.list_orders(params), impilo::UsageError);
  params.size = 251;
  REQUIRE_THROWS_WITH(client.list_orders(params), Catch::Contains("1 to 250"));
  params.size = 250;
  params.extra_query = {{"page", "2"}};
  REQUIRE_THROWS_AS(client.list_orders(params), impilo::UsageError);
  REQUIRE(h.transport->requests().empty());

  const auto refused = [&](auto mutate) {
    Harness other;
    mutate(other.options);
    try {
      (void)other.client();
    } catch (const impilo::UsageError& e) {
      REQUIRE(std::string(e.what()).find(key) == std::string::npos);
      return true;
    }
    return false;
  };
  REQUIRE(refused([](auto& o) { o.base_url = "http://api.example.com"; }));
  REQUIRE(refused([](auto& o) { o.base_url = "http://10.0.0.1:8080"; }));
  REQUIRE(refused([](auto& o) { o.base_url = "ftp://127.0.0.1"; }));
  REQUIRE(refused([](auto& o) { o.base_url = "https://user:pw@api.example.com"; }));
  REQUIRE(refused([](auto& o) { o.base_url = "api.example.com"; }));
  REQUIRE(refused([](auto& o) { o.api_key.clear(); }));
  REQUIRE(refused([](auto& o) { o.api_key = std::string(key) + "\r\nX-Evil: 1"; }));
  REQUIRE(refused([](auto& o) { o.api_key = std::string(key) + "\n"; }));
  REQUIRE(refused([](auto& o) { o.user_agent_suffix = "a\r\nb"; }));
  REQUIRE(refused([](auto& o) { o.max_retries = -1; }));

  REQUIRE_FALSE(refused([](auto& o) { o.base_url = "http://127.0.0.1:8080"; }));
  REQUIRE_FALSE(refused([](auto& o) { o.base_url = "http://127.3.4.5"; }));
  REQUIRE_FALSE(refused([](auto& o) { o.base_url = "http://localhost:1234/"; }));
  REQUIRE_FALSE(refused([](auto& o) { o.base_url = "http://[::1]:9000"; }));
  REQUIRE_FALSE(refused([](auto& o) { o.base_url = "https://app.impiloplatform.com"; }));
}

TEST_CASE("a base URL with a path is refused, saying what to pass instead", "[client]") {
  for (const char* url : {"http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/v3/",
                          "https://app.impiloplatform.com/v3", "http://127.0.0.1:8080/a//"}) {
    INFO(url);
    Harness h;
    h.options.base_url = url;
    try {
      (void)h.client();
      FAIL("accepted");
    } catch (const impilo::UsageError& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Catch::Contains("base_url must be the host only") &&
                           Catch::Contains("the SDK adds /api/v3"));
      const std::string host = std::string(url).substr(0, std::string(url).find('/', 8));
      CHECK_THAT(what, Catch::Contains("pass '" + host + "' instead of '" + url + "'"));
    }
  }
  // A trailing "/" alone is no path.
  Harness h;
  h.options.base_url = "http://127.0.0.1:8080/";
  h.transport->then_status(200, order_json(1));
  (void)h.client().get_order(1);
  REQUIRE(h.transport->requests().at(0).url == "http://127.0.0.1:8080/api/v3/order/1");
}

TEST_CASE("an HTTP error names the request that was answered, its full path", "[client]") {
  Harness h;
  h.transport->then_status(404, R"({"message":"Order not found"})");
  try {
    (void)h.client().get_order(99);
    FAIL("no error");
  } catch (const impilo::NotFoundError& e) {
    CHECK(e.code() == impilo::ErrorCode::not_found);
    CHECK(e.request() == "GET /api/v3/order/99");
    CHECK(std::string(e.what()) == "HTTP 404 not_found from GET /api/v3/order/99: Order not found");
  }
  REQUIRE(h.transport->requests().at(0).url == "https://api.test.invalid/api/v3/order/99");
}

TEST_CASE("a create answered 503 fails at once with the server's words, key redacted", "[client]") {
  Harness h;
  h.options.max_retries = 1;
  h.transport->then_status(503, std::string(R"({"message":"echo )") + key + "\"}");
  h.transport->then_status(201, order_json(3));
  REQUIRE_THROWS_WITH(
      h.client().create_order(valid_request()),
      Catch::Contains("HTTP 503") && Catch::Contains("echo [redacted]") && !Catch::Contains(key));
  REQUIRE(h.transport->requests().size() == 1);
}

TEST_CASE("log lines describe each attempt without the key or patient data", "[client]") {
  Harness h;
  h.transport->then_status(503, "{}");
  h.transport->then_status(200, R"({"id":1,"patient":{"lastName":"Okonkwo"}})");
  (void)h.client().get_order(1);

  std::vector<std::string> info;
  for (const auto& [level, line] : h.logs) {
    REQUIRE(line.find(key) == std::string::npos);
    REQUIRE(line.find("Okonkwo") == std::string::npos);
    if (level == impilo::LogLevel::info) info.push_back(line);
  }
  REQUIRE(info.size() == 2);
  REQUIRE_THAT(info[0], Catch::Contains("GET /api/v3/order/1 -> 503") && Catch::Contains(" ms") &&
                            Catch::Contains("attempt 1/3"));
  REQUIRE_THAT(info[1], Catch::Contains("-> 200") && Catch::Contains("attempt 2/3"));

  SECTION("bodies appear at debug when the user turns them on") {
    Harness d;
    d.options.log_bodies = true;
    d.options.log_level = impilo::LogLevel::debug;
    d.transport->then_status(200, R"({"id":1,"patient":{"lastName":"Okonkwo"}})");
    (void)d.client().get_order(1);
    const bool body_logged = std::any_of(d.logs.begin(), d.logs.end(), [](const auto& entry) {
      return entry.first == impilo::LogLevel::debug &&
             entry.second.find("Okonkwo") != std::string::npos;
    });
    REQUIRE(body_logged);
  }
}

TEST_CASE("a server echoing the key cannot leak it through an exception", "[client]") {
  Harness h;
  h.transport->then_status(401, std::string(R"({"message":"invalid key )") + key + "\"}");
  try {
    (void)h.client().get_order(1);
    FAIL("no AuthenticationError");
  } catch (const impilo::AuthenticationError& e) {
    REQUIRE(e.code() == impilo::ErrorCode::unauthorized);
    REQUIRE(std::string(e.what()).find(key) == std::string::npos);
    REQUIRE(e.message().find(key) == std::string::npos);
    REQUIRE(e.body().find(key) == std::string::npos);
    REQUIRE_THAT(e.message(), Catch::Contains("[redacted]"));
  }
}

TEST_CASE("a 2xx body that is not an Order is a DecodeError", "[client]") {
  Harness h;
  h.transport->then_status(200, "<html>maintenance</html>");
  h.transport->then_status(200, R"({"id":"seven"})");
  auto client = h.client();
  REQUIRE_THROWS_AS(client.get_order(1), impilo::DecodeError);
  try {
    (void)client.get_order(1);
    FAIL("no DecodeError");
  } catch (const impilo::DecodeError& e) {
    REQUIRE(e.pointer() == "/id");
  }
}

TEST_CASE("server errors map to typed exceptions with their codes", "[client]") {
  Harness h;
  h.transport->then_status(400, R"({"message":"insufficient_inventory"})");
  try {
    (void)h.client().create_order(valid_request());
    FAIL("no BadRequestError");
  } catch (const impilo::BadRequestError& e) {
    REQUIRE(e.status() == 400);
    REQUIRE(e.code() == impilo::ErrorCode::insufficient_inventory);
  }
}

TEST_CASE("ClientOptions::from_env reads the documented variables", "[client]") {
  ::setenv("IMPILO_BASE_URL", "http://127.0.0.1:4010", 1);
  ::setenv("IMPILO_API_KEY", "env-key", 1);
  auto options = impilo::ClientOptions::from_env();
  REQUIRE(options.base_url == "http://127.0.0.1:4010");
  REQUIRE(options.api_key == "env-key");

  ::setenv("IMPILO_BASE_URL", "", 1);
  ::unsetenv("IMPILO_API_KEY");
  options = impilo::ClientOptions::from_env();
  REQUIRE(options.base_url == "https://app.impiloplatform.com");
  REQUIRE(options.api_key.empty());
  ::unsetenv("IMPILO_BASE_URL");
}

TEST_CASE("one Client serves many threads at once", "[client]") {
  Harness h;
  h.options.logger = nullptr;
  h.transport->otherwise([](const impilo::HttpRequest& request) {
    const auto id = request.url.substr(request.url.rfind('/') + 1);
    return impilo::HttpResponse{200, {}, R"({"id":)" + id + "}"};
  });
  const auto client = h.client();
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= 50; ++i) {
        const std::int64_t id = t * 1000 + i;
        if (client.get_order(id).id == id) ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(correct == 400);
}

TEST_CASE("orders() follows the server's last flag when it caps the page size", "[client]") {
  Harness h;
  // Asked for 100 per page, the server sends at most 2 and says more follow.
  h.transport->then_status(200, page_json(1, 2, 1, 2, 5, false));
  h.transport->then_status(200, page_json(3, 2, 2, 2, 5, false));
  h.transport->then_status(200, page_json(5, 1, 3, 2, 5, true));
  impilo::ListOrdersParams params;
  params.size = 100;
  std::vector<std::int64_t> ids;
  for (const auto& order : h.client().orders(params)) ids.push_back(*order.id);
  REQUIRE(ids == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  REQUIRE(h.transport->requests().size() == 3);
}
