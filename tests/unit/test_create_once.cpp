// create_order_once and find_orders_by_external_id over a fake transport: one test per branch of
// the decision (created, certain failure, ambiguous then found, not found then sent again,
// undecided), and the cost of the lookup in requests.

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "catch.hpp"
#include "thrown.hpp"

using nlohmann::json;
using impilo_test::thrown;
using std::chrono::milliseconds;

namespace {

/// What the fake does with one POST.
enum class Post {
  create,             ///< commits and answers 201
  commit_then_cut,    ///< commits, then the connection breaks (the ambiguous outcome)
  cut,                ///< the connection breaks before anything is committed
  fail_503,           ///< 503, nothing committed
  commit_then_503,    ///< commits, then answers 503
  commit_late_503,    ///< 503, and the order is committed when the next POST arrives
  commit_then_garble, ///< commits, then answers 201 with a body that is not an Order
  refuse_400,         ///< 400 insufficient_inventory
  no_connection,      ///< the connection is never made
};

/// An Impilo account in memory behind the `HttpTransport` seam: orders get ids 1, 2, 3, ...;
/// the listing pages honestly in `listing_order` (ascending id unless told otherwise).
class FakeImpilo : public impilo::HttpTransport {
 public:
  /// Reorders the stored orders (ascending by id) into the order the listing shows them in.
  std::function<void(std::vector<json>&)> listing_order = [](std::vector<json>&) {};
  bool listing_fails = false;
  std::deque<Post> posts;  // one entry per POST; `create` once they run out
  /// Runs before each GET is answered (to add orders while a walk is under way).
  std::function<void(std::int64_t page)> before_list;

  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (request.method == "POST") {
      if (pending_) {
        commit(*pending_);
        pending_.reset();
      }
      return post(request);
    }
    ++gets;
    if (listing_fails) return {503, {}, R"({"message":"listing unavailable"})"};
    const auto query = request.url.substr(request.url.find('?') + 1);
    std::int64_t page = 0;
    std::int64_t size = 0;
    REQUIRE(std::sscanf(query.c_str(), "page=%ld&size=%ld", &page, &size) == 2);
    pages_read.push_back(page);
    if (before_list) before_list(page);
    std::vector<json> listed = orders;
    listing_order(listed);
    const auto total = static_cast<std::int64_t>(listed.size());
    const std::int64_t begin = std::min(total, (page - 1) * size);
    const std::int64_t end = std::min(total, begin + size);
    json body = {{"content", json::array()}, {"page", page}, {"size", size}, {"total", total},
                 {"first", page == 1},       {"last", end >= total}};
    for (std::int64_t i = begin; i < end; ++i) body["content"].push_back(listed[i]);
    return {200, {}, body.dump()};
  }

  /// Adds an order carrying @p external_ids (as another client of the account would).
  json add(std::vector<std::string> external_ids = {"other"}) {
    json order = {{"externalOrderIds", std::move(external_ids)}};
    return commit(order);
  }

  std::vector<json> orders;
  std::vector<std::string> posted;  // every POST body
  std::vector<std::int64_t> pages_read;
  int gets = 0;

 private:
  json commit(json order) {
    order["id"] = static_cast<std::int64_t>(orders.size()) + 1;
    order["currentStatus"] = "availableForPickup";
    orders.push_back(order);
    return order;
  }

  impilo::HttpResponse post(const impilo::HttpRequest& request) {
    posted.push_back(request.body);
    const Post what = posts.empty() ? Post::create : posts.front();
    if (!posts.empty()) posts.pop_front();
    const json body = json::parse(request.body);
    using Kind = impilo::TransportError::Kind;
    switch (what) {
      case Post::create:
        return {201, {}, commit(body).dump()};
      case Post::commit_then_cut:
        commit(body);
        throw impilo::TransportError(Kind::connection_cut, true, "cut after sending");
      case Post::cut:
        throw impilo::TransportError(Kind::connection_cut, true, "cut after sending");
      case Post::fail_503:
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_then_503:
        commit(body);
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_late_503:
        pending_ = body;
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_then_garble:
        commit(body);
        return {201, {}, "<html>proxy says hi</html>"};
      case Post::refuse_400:
        return {400, {}, R"({"message":"insufficient_inventory"})"};
      case Post::no_connection:
        throw impilo::TransportError(Kind::connect, false, "connection refused");
    }
    return {500, {}, "{}"};
  }

  std::mutex mutex_;
  std::optional<json> pending_;
};

struct Harness {
  std::shared_ptr<FakeImpilo> server = std::make_shared<FakeImpilo>();
  std::vector<milliseconds> sleeps;
  std::vector<std::string> info;
  impilo::ClientOptions options;

  Harness() {
    options.base_url = "https://api.test.invalid";
    options.api_key = "once-test-key-3c1";
    options.transport = server;
    options.settle_delay = milliseconds(1500);
    options.sleep = [this](milliseconds d) { sleeps.push_back(d); };
    options.logger = [this](impilo::LogLevel level, std::string_view line) {
      if (level == impilo::LogLevel::info) info.emplace_back(line);
    };
  }
  [[nodiscard]] impilo::Client client() const { return impilo::Client(options); }
  [[nodiscard]] bool slept_settle_delay() const {
    return std::find(sleeps.begin(), sleeps.end(), options.settle_delay) != sleeps.end();
  }
};

/// A new patient: the name must never reach a log line.
impilo::CreateOrderRequest request(std::optional<std::vector<std::string>> external_ids = {}) {
  impilo::CreateOrderRequest r;
  impilo::Patient patient;
  patient.first_name = "Nomvula";
  patient.last_name = "Khumalo";
  impilo::Address address;
  address.line_one = "12 Jacaranda Street";
  address.city = "Pretoria";
  address.state = "GP";
  address.zip_code = "0002";
  address.country = "ZA";
  patient.address = address;
  r.patient = patient;
  r.order_items = {impilo::OrderItem::of(1000, 1)};
  r.external_order_ids = std::move(external_ids);
  return r;
}

std::string external_id_of(const std::string& posted) {
  return json::parse(posted).at("externalOrderIds").at(0).get<std::string>();
}

}  // namespace

TEST_CASE("create once: a clean create is sent once and returned", "[once]") {
  Harness h;
  const impilo::Order order = h.client().create_order_once(request({{"ehr-1", "ehr-2"}}));

  REQUIRE(order.id == 1);
  REQUIRE(h.server->posted.size() == 1);
  // Ids the caller set are sent as they are.
  REQUIRE(json::parse(h.server->posted[0]).at("externalOrderIds") == json({"ehr-1", "ehr-2"}));
  REQUIRE(h.sleeps.empty());
  REQUIRE(h.server->gets == 1);  // the newest-order probe of a small account
}

TEST_CASE("create once: a request without external ids gets a generated one", "[once]") {
  const bool absent = GENERATE(true, false);
  const std::optional<std::vector<std::string>> ids =
      absent ? std::nullopt : std::optional<std::vector<std::string>>(std::vector<std::string>{});
  Harness h;
  const impilo::CreateOrderRequest original = request(ids);
  const impilo::Order first = h.client().create_order_once(original);
  const impilo::Order second = h.client().create_order_once(original);

  REQUIRE(original.external_order_ids == ids);  // the caller's request is not changed
  const std::regex generated("impilo-cpp:[0-9a-f]{32}");
  const std::string a = external_id_of(h.server->posted.at(0));
  const std::string b = external_id_of(h.server->posted.at(1));
  REQUIRE(std::regex_match(a, generated));
  REQUIRE(std::regex_match(b, generated));
  REQUIRE(a != b);
  REQUIRE(first.external_order_ids == std::vector<std::string>{a});
  REQUIRE(second.external_order_ids == std::vector<std::string>{b});
}

TEST_CASE("create once: a certain failure is thrown as it came, without a lookup", "[once]") {
  SECTION("a refusal") {
    Harness h;
    h.server->posts = {Post::refuse_400};
    const auto e = thrown<impilo::BadRequestError>([&] { h.client().create_order_once(request()); });
    REQUIRE(e.code() == impilo::ErrorCode::insufficient_inventory);
    REQUIRE(h.server->posted.size() == 1);
  }
  SECTION("a connection never made, after create_order's own retries") {
    Harness h;
    h.options.max_retries = 1;
    h.server->posts = {Post::no_connection, Post::no_connection};
    const auto e = thrown<impilo::TransportError>([&] { h.client().create_order_once(request()); });
    REQUIRE_FALSE(e.may_have_reached_server());
  }
  SECTION("an invalid request is not sent at all") {
    Harness h;
    impilo::CreateOrderRequest bad = request();
    bad.order_items = std::nullopt;
    REQUIRE_THROWS_AS(h.client().create_order_once(bad), impilo::ValidationError);
    impilo::CreateOrderRequest empty_id = request({{""}});
    const auto e =
        thrown<impilo::ValidationError>([&] { h.client().create_order_once(empty_id); });
    REQUIRE(e.violations().at(0).field == "/externalOrderIds/0");
    REQUIRE(h.server->gets == 0);
    REQUIRE(h.server->posted.empty());
  }
  SECTION("after the last send nothing is looked up twice") {
    Harness h;
    h.server->posts = {Post::refuse_400};
    REQUIRE_THROWS(h.client().create_order_once(request()));
    REQUIRE_FALSE(h.slept_settle_delay());
  }
}

TEST_CASE("create once: an ambiguous create that landed is found, not sent again", "[once]") {
  const Post outcome = GENERATE(Post::commit_then_cut, Post::commit_then_503,
                                Post::commit_then_garble);
  CAPTURE(static_cast<int>(outcome));
  Harness h;
  h.server->add();  // someone else's order
  h.server->posts = {outcome};

  const impilo::Order order = h.client().create_order_once(request({{"ehr-9"}}));

  REQUIRE(order.id == 2);
  REQUIRE(order.external_order_ids == std::vector<std::string>{"ehr-9"});
  REQUIRE(h.server->posted.size() == 1);
  REQUIRE(h.server->orders.size() == 2);
  REQUIRE(h.slept_settle_delay());  // the settle delay came before the lookup
}

TEST_CASE("create once: an ambiguous create that did not land is sent again, same id", "[once]") {
  const Post outcome = GENERATE(Post::cut, Post::fail_503);
  Harness h;
  h.server->posts = {outcome, Post::create};

  const impilo::Order order = h.client().create_order_once(request());

  REQUIRE(order.id == 1);
  REQUIRE(h.server->orders.size() == 1);
  REQUIRE(h.server->posted.size() == 2);
  REQUIRE(h.server->posted[0] == h.server->posted[1]);  // the same request, the same external id
}

TEST_CASE("create once: when several sends landed, the lowest id wins", "[once]") {
  Harness h;
  // The first send commits only after its lookup found nothing; the second send lands too.
  h.server->posts = {Post::commit_late_503, Post::commit_then_cut};

  const impilo::Order order = h.client().create_order_once(request());

  REQUIRE(h.server->orders.size() == 2);
  REQUIRE(order.id == 1);
}

TEST_CASE("create once: undecided after the last send -> AmbiguousCreateError", "[once]") {
  Harness h;
  h.options.max_retries = 1;
  h.server->posts = {Post::fail_503, Post::fail_503};

  const auto e =
      thrown<impilo::AmbiguousCreateError>([&] { h.client().create_order_once(request()); });

  REQUIRE(h.server->posted.size() == 2);
  REQUIRE(e.external_id() == external_id_of(h.server->posted[0]));
  REQUIRE_THAT(e.what(), Catch::Contains("ServerError (HTTP 503)"));
  REQUIRE_THAT(e.what(), Catch::Contains(e.external_id()));
}

TEST_CASE("create once: a lookup that fails -> AmbiguousCreateError, never a second send",
          "[once]") {
  Harness h;
  h.options.max_retries = 0;
  h.server->posts = {Post::commit_then_cut};
  h.server->listing_fails = true;

  const auto e =
      thrown<impilo::AmbiguousCreateError>([&] { h.client().create_order_once(request()); });

  REQUIRE(h.server->posted.size() == 1);
  REQUIRE(h.server->orders.size() == 1);  // it did land: the caller must reconcile later
  REQUIRE(e.external_id() == external_id_of(h.server->posted[0]));
  REQUIRE_THAT(e.what(), Catch::Contains("TransportError (connection cut)"));
  REQUIRE_THAT(e.what(), Catch::Contains("looking for external id"));
}

TEST_CASE("create once: every step is logged at info, without patient data or the key",
          "[once]") {
  Harness h;
  h.server->posts = {Post::fail_503, Post::commit_then_cut};
  (void)h.client().create_order_once(request({{"ehr-5"}}));

  std::string all;
  for (const std::string& line : h.info) all += line + "\n";
  CAPTURE(all);
  REQUIRE_THAT(all, Catch::Contains("create once [ehr-5]: sending (1/3)"));
  REQUIRE_THAT(all, Catch::Contains("ended ambiguously: ServerError (HTTP 503)"));
  REQUIRE_THAT(all, Catch::Contains("not found: sending the same request again"));
  REQUIRE_THAT(all, Catch::Contains("found order 1"));
  for (const char* secret : {"Nomvula", "Khumalo", "Jacaranda", "once-test-key-3c1"}) {
    REQUIRE_THAT(all, !Catch::Contains(secret));
  }
}

TEST_CASE("create once: a large account's lookup reads only the newest pages", "[once]") {
  Harness h;
  for (int i = 0; i < 2000; ++i) h.server->add();  // 8 pages of 250
  h.server->posts = {Post::commit_then_cut};

  const impilo::Order order = h.client().create_order_once(request());

  REQUIRE(order.id == 2001);
  // Probe: page 1 (for total) and the newest order. Lookup: page 1, the last page (9), and
  // page 8, which reaches back past the newest order noted before sending.
  REQUIRE(h.server->pages_read == std::vector<std::int64_t>{1, 2000, 1, 9, 8});
}

TEST_CASE("find: an id-ordered listing is walked from the last page backwards", "[find]") {
  Harness h;
  for (int i = 1; i <= 1000; ++i) h.server->add({i % 400 == 7 ? "wanted" : "other"});
  const auto found = h.client().find_orders_by_external_id("wanted");

  std::vector<std::int64_t> ids;
  for (const auto& order : found) ids.push_back(*order.id);
  REQUIRE(ids == std::vector<std::int64_t>{7, 407, 807});
  REQUIRE(h.server->pages_read == std::vector<std::int64_t>{1, 4, 3, 2});  // P = 4 requests
}

TEST_CASE("find: newer_than_id stops the walk where older orders begin", "[find]") {
  Harness h;
  for (int i = 1; i <= 100000; ++i) h.server->add({i == 5 || i == 99990 ? "wanted" : "other"});
  const auto found = h.client().find_orders_by_external_id("wanted", 99900);

  REQUIRE(found.size() == 1);
  REQUIRE(found[0].id == 99990);
  REQUIRE(h.server->pages_read == std::vector<std::int64_t>{1, 400});  // not 400 pages
}

TEST_CASE("find: a listing that is not in id order is read whole, and still finds", "[find]") {
  Harness h;
  SECTION("descending") {
    h.server->listing_order = [](std::vector<json>& o) { std::reverse(o.begin(), o.end()); };
  }
  SECTION("shuffled") {
    h.server->listing_order = [](std::vector<json>& o) {
      // A fixed permutation: every 7th order, cycling.
      std::vector<json> shuffled;
      for (std::size_t start = 0; start < 7; ++start) {
        for (std::size_t i = start; i < o.size(); i += 7) shuffled.push_back(o[i]);
      }
      o = shuffled;
    };
  }
  SECTION("in id order except on one late page") {
    h.server->listing_order = [](std::vector<json>& o) { std::swap(o[520], o[530]); };
  }
  for (int i = 1; i <= 900; ++i) h.server->add({i == 3 || i == 880 ? "wanted" : "other"});

  const auto found = h.client().find_orders_by_external_id("wanted");

  REQUIRE(found.size() == 2);
  REQUIRE(found[0].id == 3);
  REQUIRE(found[1].id == 880);
}

TEST_CASE("find: orders appended during the walk are found", "[find]") {
  Harness h;
  for (int i = 1; i <= 500; ++i) h.server->add();
  h.server->before_list = [&](std::int64_t page) {
    // Between reading page 1 and the last page, 300 orders arrive; the one we want among them.
    if (page != 1 && h.server->orders.size() == 500) {
      for (int i = 1; i <= 300; ++i) h.server->add({i == 290 ? "wanted" : "other"});
    }
  };

  const auto found = h.client().find_orders_by_external_id("wanted");

  REQUIRE(found.size() == 1);
  REQUIRE(found[0].id == 790);
}

TEST_CASE("find: nothing found is an empty list; bad arguments send nothing", "[find]") {
  Harness h;
  h.server->add();
  REQUIRE(h.client().find_orders_by_external_id("absent").empty());
  REQUIRE_THROWS_AS(h.client().find_orders_by_external_id(""), impilo::UsageError);
  REQUIRE_THROWS_AS(h.client().find_orders_by_external_id("x", -1), impilo::UsageError);
  REQUIRE(h.server->gets == 1);
}

TEST_CASE("a negative settle delay is refused", "[once]") {
  Harness h;
  h.options.settle_delay = milliseconds(-1);
  REQUIRE_THROWS_AS(h.client(), impilo::UsageError);
}
