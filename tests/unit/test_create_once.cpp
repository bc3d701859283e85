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
#include "fake_impilo.hpp"
#include "thrown.hpp"

using impilo_test::thrown;
using nlohmann::json;
using std::chrono::milliseconds;

using impilo_test::external_id_of;
using impilo_test::Harness;
using impilo_test::Post;
using impilo_test::request;

TEST_CASE("create once: a clean create is sent once and returned", "[once]") {
  Harness h;
  const impilo::Order order = h.client().create_order_once(request({{"ehr-1", "ehr-2"}}));

  REQUIRE(order.id == 1);
  REQUIRE(h.server->posted.size() == 1);
  // Ids the caller set are sent as they are.
  REQUIRE(json::parse(h.server->posted[0]).at("externalOrderIds") == json({"ehr-1", "ehr-2"}));
  REQUIRE(h.sleeps.empty());
  // The newest-order probe of a small account, and the look-before-send for the caller's id.
  REQUIRE(h.server->gets == 2);
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
    const auto e =
        thrown<impilo::BadRequestError>([&] { h.client().create_order_once(request()); });
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
    const auto e = thrown<impilo::ValidationError>([&] { h.client().create_order_once(empty_id); });
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
  const Post outcome =
      GENERATE(Post::commit_then_cut, Post::commit_then_503, Post::commit_then_garble);
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

TEST_CASE("create once: every step is logged at info, without patient data or the key", "[once]") {
  Harness h;
  h.server->posts = {Post::fail_503, Post::commit_then_cut};
  (void)h.client().create_order_once(request({{"ehr-5"}}));

  std::string all;
  for (const std::string& line : h.info) all += line + "\n";
  CAPTURE(all);
  REQUIRE_THAT(all, Catch::Contains("create once [ehr-5]: sending (1/3)"));
  REQUIRE_THAT(all, Catch::Contains("ended ambiguously: ServerError (HTTP 503)"));
  REQUIRE_THAT(all,
               Catch::Contains("not found in the settle window: sending the same request again"));
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

TEST_CASE("find: nothing found is an empty list, and an empty id sends nothing", "[find]") {
  Harness h;
  h.server->add();
  REQUIRE(h.client().find_orders_by_external_id("absent").empty());
  REQUIRE_THROWS_AS(h.client().find_orders_by_external_id(""), impilo::UsageError);
  REQUIRE(h.server->gets == 1);
}

TEST_CASE("a negative settle delay is refused", "[once]") {
  Harness h;
  h.options.settle_delay = milliseconds(-1);
  REQUIRE_THROWS_AS(h.client(), impilo::UsageError);
}
