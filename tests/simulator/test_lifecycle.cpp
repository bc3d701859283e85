// The simulator's order lifecycle: the catalogue's status flow, advancing an order over HTTP and
// in-process, and --advance-every.

#include <chrono>
#include <cstdint>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::testing::Catalog;
using impilo::testing::SimulatorOptions;
using nlohmann::json;
using namespace sim_test;

namespace {

std::string advance_path(std::int64_t id) {
  return "/_simulator/orders/" + std::to_string(id) + "/advance";
}

bool is_utc_timestamp(const std::string& text) {
  static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return std::regex_match(text, pattern);
}

}  // namespace

TEST_CASE("the demo catalogue's flow is availableForPickup, shipped, delivered", "[simulator]") {
  CHECK(Catalog::demo().status_flow ==
        std::vector<std::string>{"availableForPickup", "shipped", "delivered"});
  const auto sim = started();
  const impilo::Order order = make_client(*sim).create_order(item_order(demo::bp_monitor));
  CHECK(order.current_status == impilo::OrderStatusValue::available_for_pickup);
  REQUIRE(order.order_events);
  CHECK(order.order_events->size() == 1);  // "created" only: creating is not a status change
  CHECK(order.tracking_numbers->empty());
}

TEST_CASE("statusFlow in a catalogue file sets the flow, and is checked", "[simulator]") {
  json text = json::parse(Catalog::demo().to_json_text());
  text["statusFlow"] = {"received", "packed", "inTransit", "delivered"};
  const Catalog catalog = Catalog::from_json_text(text.dump());
  CHECK(catalog.status_flow ==
        std::vector<std::string>{"received", "packed", "inTransit", "delivered"});
  CHECK(json::parse(catalog.to_json_text())["statusFlow"] == text["statusFlow"]);

  text.erase("statusFlow");  // absent: the default flow
  CHECK(Catalog::from_json_text(text.dump()).status_flow == Catalog::demo().status_flow);

  const auto problem = [&](const json& flow) {
    json broken = text;
    broken["statusFlow"] = flow;
    try {
      (void)Catalog::from_json_text(broken.dump());
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(problem(json::array()), Catch::Contains("/statusFlow: list at least one status"));
  CHECK_THAT(problem({"a", ""}), Catch::Contains("/statusFlow/1: a status must be non-empty"));
  CHECK_THAT(problem({"a", "b", "a"}), Catch::Contains("/statusFlow/2: 'a' appears twice"));
  CHECK_THAT(problem({"a", 3}), Catch::Contains("/statusFlow/1"));  // a DecodeError
  CHECK_THAT(problem("shipped"), Catch::Contains("/statusFlow"));

  SimulatorOptions options;
  options.catalog.status_flow.clear();
  CHECK_THROWS_AS(impilo::testing::Simulator(options), std::invalid_argument);
}

TEST_CASE("advance moves an order along the flow and ends with 409", "[simulator]") {
  const auto sim = started();
  impilo::Client client = make_client(*sim);
  const impilo::Order created = client.create_order(item_order(demo::bp_monitor));
  const std::int64_t id = *created.id;

  const RawResponse shipped = raw_request(*sim, "POST", advance_path(id));
  REQUIRE(shipped.status == 200);
  const auto order = impilo::from_json_text<impilo::Order>(shipped.body);
  CHECK(order.id == id);
  CHECK(order.current_status->str() == "shipped");
  REQUIRE(order.order_events->size() == 2);
  CHECK(order.order_events->back().name == "shipped");
  CHECK(is_utc_timestamp(*order.order_events->back().event_timestamp));
  REQUIRE(order.tracking_numbers->size() == 1);
  CHECK(order.tracking_numbers->front().carrier == "SIM");
  CHECK(order.tracking_numbers->front().value == "SIM0000000001");
  // The stored order moved too, and everything else about it stayed.
  const impilo::Order fetched = client.get_order(id);
  CHECK(fetched == order);
  CHECK(fetched.patient == created.patient);
  CHECK(fetched.order_items == created.order_items);

  const RawResponse delivered = raw_request(*sim, "POST", advance_path(id));
  REQUIRE(delivered.status == 200);
  const auto last = impilo::from_json_text<impilo::Order>(delivered.body);
  CHECK(last.current_status->str() == "delivered");
  CHECK(last.order_events->size() == 3);
  CHECK(last.order_events->back().name == "delivered");
  CHECK(last.tracking_numbers->size() == 1);  // only the second status adds one

  const RawResponse ended = raw_request(*sim, "POST", advance_path(id));
  CHECK(ended.status == 409);
  CHECK_THAT(json::parse(ended.body).at("message").get<std::string>(),
             Catch::Contains("delivered"));
  CHECK(client.get_order(id) == last);  // a refused advance changes nothing
}

TEST_CASE("advance answers 404, 400, 401 and 405 like the rest of the API", "[simulator]") {
  const auto sim = started();
  make_client(*sim).create_order(item_order(demo::bp_monitor));

  const RawResponse unknown = raw_request(*sim, "POST", advance_path(2));
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body) == json{{"message", "Order not found"}});
  CHECK(raw_request(*sim, "POST", advance_path(0)).status == 404);
  CHECK(raw_request(*sim, "POST", "/_simulator/orders/abc/advance").status == 400);
  CHECK(raw_request(*sim, "POST", advance_path(1), {}, std::nullopt).status == 401);
  CHECK(raw_request(*sim, "POST", advance_path(1), {}, std::string("wrong-key")).status == 401);
  const RawResponse get = raw_request(*sim, "GET", advance_path(1));
  CHECK(get.status == 405);
  CHECK(get.headers.find("Allow")->second == "POST");
  CHECK(sim->order(1)->current_status == impilo::OrderStatusValue::available_for_pickup);
}

TEST_CASE("Simulator::advance does the same in-process", "[simulator]") {
  SimulatorOptions options;
  options.catalog.status_flow = {"awaitingApproval", "approved", "packed", "shipped"};
  impilo::testing::Simulator sim(options);
  sim.start();
  make_client(sim).create_order(item_order(demo::bp_monitor));
  make_client(sim).create_order(item_order(demo::scale));
  sim.stop();  // advance works on a stopped simulator all the same

  CHECK_THROWS_AS(sim.advance(3), std::invalid_argument);
  CHECK_THROWS_AS(sim.advance(-1), std::invalid_argument);
  const impilo::Order approved = sim.advance(2);
  CHECK(approved.current_status->str() == "approved");
  CHECK(approved.tracking_numbers->front().value == "SIM0000000002");
  CHECK(sim.advance(2).current_status->str() == "packed");
  const impilo::Order shipped = sim.advance(2);
  CHECK(shipped.current_status->str() == "shipped");
  CHECK(shipped.tracking_numbers->size() == 1);  // only the second status adds one
  CHECK_THROWS_AS(sim.advance(2), std::out_of_range);
  CHECK(sim.order(1)->current_status->str() == "awaitingApproval");  // the other one stayed
  CHECK(sim.order(2)->order_events->size() == 4);
}

TEST_CASE("a one-status flow has nothing to advance to", "[simulator]") {
  SimulatorOptions options;
  options.catalog.status_flow = {"done"};
  const auto sim = started(options);
  make_client(*sim).create_order(item_order(demo::bp_monitor));
  CHECK(raw_request(*sim, "POST", advance_path(1)).status == 409);
  CHECK_THROWS_AS(sim->advance(1), std::out_of_range);
}

TEST_CASE("advance_every moves every order on a timer until the end of the flow", "[simulator]") {
  SimulatorOptions options;
  options.advance_every = std::chrono::milliseconds(20);
  const auto sim = started(options);
  impilo::Client client = make_client(*sim);
  client.create_order(item_order(demo::bp_monitor));
  client.create_order(item_order(demo::scale));
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < limit &&
         (sim->order(1)->current_status->str() != "delivered" ||
          sim->order(2)->current_status->str() != "delivered")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const std::int64_t id : {1, 2}) {
    const impilo::Order order = client.get_order(id);
    CHECK(order.current_status->str() == "delivered");
    REQUIRE(order.order_events->size() == 3);  // created, shipped, delivered: no more
    CHECK(order.order_events->at(1).name == "shipped");
    CHECK(order.tracking_numbers->size() == 1);
  }
  sim->stop();  // and the timer stops with it
  CHECK_FALSE(sim->running());
}

TEST_CASE("lifecycle options are checked", "[simulator]") {
  SimulatorOptions options;
  options.advance_every = std::chrono::milliseconds(-1);
  CHECK_THROWS_AS(impilo::testing::Simulator(options), std::invalid_argument);
  for (const double scale : {-0.5, 1000.5, std::numeric_limits<double>::quiet_NaN()}) {
    SimulatorOptions bad;
    bad.webhook_retry_scale = scale;
    CHECK_THROWS_AS(impilo::testing::Simulator(bad), std::invalid_argument);
  }
  SimulatorOptions zero;
  zero.webhook_retry_scale = 0;
  CHECK_NOTHROW(impilo::testing::Simulator(zero));
}
