// Lookups that cannot be fooled into a resend: a fake server for each way a listing was seen to
// lie (a wrong `total`, no `last`, an order listed late, ids of 0 and below), each run through
// create_order_once and place_order after a create that committed and lost its answer. Each must
// end with one order and one POST.

#include <cstdint>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_impilo.hpp"
#include "thrown.hpp"

using impilo_test::Harness;
using impilo_test::milliseconds;
using impilo_test::Post;
using impilo_test::request;
using impilo_test::Total;

namespace {

/// Creates "wanted" once through @p how after a create that committed and was cut.
impilo::Order create_after_cut(Harness& h, bool through_ticket) {
  h.server->posts = {Post::commit_then_cut};
  const impilo::Client client = h.client();
  if (through_ticket) return client.place_order(client.prepare_order(request({{"wanted"}})));
  return client.create_order_once(request({{"wanted"}}));
}

}  // namespace

TEST_CASE("lookup: a total of 0, negative, too low or absent never ends the walk before `last`",
          "[lookups]") {
  const Total lie = GENERATE(Total::zero, Total::negative, Total::too_low, Total::absent);
  const bool through_ticket = GENERATE(false, true);
  CAPTURE(static_cast<int>(lie), through_ticket);
  Harness h;
  for (int i = 0; i < 600; ++i) h.server->add();  // the new order lands on page 3 of 3
  h.server->total = lie;

  const impilo::Order order = create_after_cut(h, through_ticket);

  REQUIRE(order.id == 601);
  REQUIRE(h.posts() == 1);
  REQUIRE(h.server->carrying("wanted") == 1);
  // The pages of the lookup that found it: page 3 was read.
  REQUIRE(std::count(h.server->pages_read.begin(), h.server->pages_read.end(), 3) >= 1);
  if (lie != Total::absent) {
    std::string all;
    for (const auto& line : h.warnings) all += line + "\n";
    REQUIRE_THAT(all, Catch::Contains("not trusted"));
  }
}

TEST_CASE("lookup: pages without `last` are read until one comes back empty", "[lookups]") {
  const bool through_ticket = GENERATE(false, true);
  Harness h;
  for (int i = 0; i < 300; ++i) h.server->add();
  h.server->send_last = false;
  h.server->total = Total::zero;

  const impilo::Order order = create_after_cut(h, through_ticket);

  REQUIRE(order.id == 301);
  REQUIRE(h.posts() == 1);
}

TEST_CASE("lookup: an order listed after the first settle lookup is still found, not sent again",
          "[lookups]") {
  const bool through_ticket = GENERATE(false, true);
  Harness h;
  h.options.settle_delay = milliseconds(200);
  h.server->listing_lag = milliseconds(1000);  // listed 1 s after its commit: 200 ms is too soon
  h.server->add();
  h.server->now = milliseconds(5000);  // the order above is listed already

  const impilo::Order order = create_after_cut(h, through_ticket);

  REQUIRE(order.id == 2);
  REQUIRE(h.posts() == 1);
  REQUIRE(h.server->carrying("wanted") == 1);
  // Waited 200 ms, then 400 ms (still not listed), then 800 ms: listed.
  const std::vector<milliseconds> settle(h.sleeps.end() - 3, h.sleeps.end());
  REQUIRE(settle ==
          std::vector<milliseconds>{milliseconds(200), milliseconds(400), milliseconds(800)});
}

TEST_CASE("lookup: an order listed later than the whole settle window is the stated limit",
          "[lookups]") {
  // The documented assumption, shown: past the window, a resend is what happens.
  Harness h;
  h.options.settle_delay = milliseconds(100);
  h.options.settle_lookups = 2;  // a 300 ms window
  h.server->listing_lag = milliseconds(1000);
  h.server->posts = {Post::commit_then_cut};

  (void)h.client().create_order_once(request({{"wanted"}}));

  REQUIRE(h.posts() == 2);
}

TEST_CASE("lookup: ids of 0 and below are matched like any other", "[lookups]") {
  const std::int64_t first_id = GENERATE(0, -5, -1000);
  const bool through_ticket = GENERATE(false, true);
  const int existing = GENERATE(0, 3, 300);
  CAPTURE(first_id, through_ticket, existing);
  Harness h;
  h.server->first_id = first_id;
  for (int i = 0; i < existing; ++i) h.server->add();

  const impilo::Order order = create_after_cut(h, through_ticket);

  REQUIRE(order.id == first_id + existing);
  REQUIRE(h.posts() == 1);
  REQUIRE(h.server->carrying("wanted") == 1);
  const auto found = h.client().find_orders_by_external_id("wanted");
  REQUIRE(found.size() == 1);
  const auto newer = h.client().find_orders_by_external_id("wanted", first_id + existing - 1);
  REQUIRE(newer.size() == 1);
}

TEST_CASE("create once: a caller-set id already placed by an earlier run is returned, not sent",
          "[lookups]") {
  Harness h;
  for (int i = 0; i < 700; ++i) h.server->add();
  h.server->add({"rerun-1"});
  for (int i = 0; i < 5; ++i) h.server->add();

  const impilo::Order order = h.client().create_order_once(request({{"rerun-1"}}));

  REQUIRE(order.id == 701);
  REQUIRE(h.posts() == 0);
}

TEST_CASE("create once: the look-before-send reads only the newest once_lookback orders",
          "[lookups]") {
  Harness h;
  h.options.once_lookback = GENERATE(250, 1000);
  for (int i = 0; i < 3000; ++i)
    h.server->add(i == 600 ? std::vector<std::string>{"old-1"} : std::vector<std::string>{"other"});
  h.server->pages_read.clear();

  // Far older than the window: not seen, so the order is sent (the bound tickets do not have).
  const impilo::Order order = h.client().create_order_once(request({{"old-1"}}));

  REQUIRE(order.id == 3001);
  REQUIRE(h.posts() == 1);
  // The probe (2 GETs), then page 1 and the newest pages back to the window.
  const auto lookback_pages = static_cast<std::int64_t>(h.server->pages_read.size()) - 2 - 1;
  REQUIRE(lookback_pages == h.options.once_lookback / 250);
}

TEST_CASE("create once: once_lookback 0 sends without looking", "[lookups]") {
  Harness h;
  h.options.once_lookback = 0;
  h.server->add({"dup"});
  (void)h.client().create_order_once(request({{"dup"}}));
  REQUIRE(h.posts() == 1);
  REQUIRE(h.server->gets == 1);  // the newest-order probe only
}

TEST_CASE("settle options out of range are refused before anything is sent", "[lookups]") {
  Harness h;
  SECTION("settle_lookups") {
    h.options.settle_lookups = GENERATE(0, -1, 17);
    REQUIRE_THROWS_WITH(h.client(), Catch::Contains("settle_lookups"));
  }
  SECTION("once_lookback") {
    h.options.once_lookback = -1;
    REQUIRE_THROWS_WITH(h.client(), Catch::Contains("once_lookback"));
  }
  SECTION("a settle_delay whose doubling overflows") {
    h.options.settle_delay = milliseconds::max() / 2;
    REQUIRE_THROWS_WITH(h.client(), Catch::Contains("settle_delay"));
  }
  REQUIRE(h.server->gets == 0);
}
