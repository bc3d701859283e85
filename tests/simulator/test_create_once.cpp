// The simulator's ambiguous outcome (commit, then drop the connection) and the client's
// create_order_once against it, over real loopback HTTP.

#include "sim_support.hpp"

using namespace sim_test;

TEST_CASE("commit-then-drop: the order is placed, the client gets no answer", "[once]") {
  impilo::testing::SimulatorOptions options;
  options.commit_then_drop = 1;
  auto sim = started(std::move(options));
  const impilo::Client client = make_client(*sim);

  const auto e = thrown<impilo::TransportError>(
      [&] { (void)client.create_order(item_order(demo::glucose_meter)); });
  REQUIRE(e.may_have_reached_server());
  REQUIRE(e.kind() == impilo::TransportError::Kind::connection_cut);
  REQUIRE(sim->orders().size() == 1);

  // Only the next N creates: the one after is answered.
  REQUIRE(client.create_order(item_order(demo::glucose_meter)).id == 2);
}

TEST_CASE("commit-then-drop: refused creates are answered and do not count", "[once]") {
  auto sim = started();
  sim->commit_then_drop(1);
  const impilo::Client client = make_client(*sim);

  REQUIRE_THROWS_AS(client.create_order(item_order(demo::thermometer)), impilo::BadRequestError);
  REQUIRE_THROWS_AS(client.create_order(item_order(demo::glucose_meter)), impilo::TransportError);
  REQUIRE(sim->orders().size() == 1);
  sim->commit_then_drop(0);
  REQUIRE(client.create_order(item_order(demo::glucose_meter)).id == 2);
  REQUIRE_THROWS_AS(sim->commit_then_drop(-1), std::invalid_argument);
  impilo::testing::SimulatorOptions bad;
  bad.commit_then_drop = -1;
  REQUIRE_THROWS_AS(Simulator(std::move(bad)), std::invalid_argument);
}

TEST_CASE("create once against commit-then-drop returns the order that landed, only one",
          "[once]") {
  auto sim = started();
  const impilo::Client client = make_client(*sim);
  for (int i = 0; i < 3; ++i) client.create_order(item_order(demo::cuff));  // others' orders
  sim->commit_then_drop(1);

  impilo::CreateOrderRequest request = item_order(demo::glucose_meter);
  const impilo::Order order = client.create_order_once(request);

  REQUIRE(sim->orders().size() == 4);
  REQUIRE(order.id == 4);
  REQUIRE(order == *sim->order(4));
  REQUIRE(order.external_order_ids.has_value());
  REQUIRE(order.external_order_ids->size() == 1);
  REQUIRE(order.external_order_ids->front().rfind("impilo-cpp:", 0) == 0);
  REQUIRE(client.find_orders_by_external_id(order.external_order_ids->front()) ==
          std::vector<impilo::Order>{order});
}

TEST_CASE("the listing honours sortDescending=true", "[once]") {
  auto sim = started();
  const impilo::Client client = make_client(*sim);
  for (int i = 0; i < 5; ++i) client.create_order(item_order(demo::cuff));

  impilo::ListOrdersParams params;
  params.size = 2;
  params.page = 2;
  params.extra_query = {{"sortDescending", "true"}};
  const auto descending = client.list_orders(params);
  REQUIRE(descending.content.size() == 2);
  REQUIRE(descending.content[0].id == 3);
  REQUIRE(descending.content[1].id == 2);
  REQUIRE(descending.total == 5);

  params.extra_query = {{"sortDescending", "false"}};
  REQUIRE(client.list_orders(params).content[0].id == 3);
  params.extra_query = {};
  REQUIRE(client.list_orders(params).content[0].id == 3);
  params.page = 1;
  REQUIRE(client.list_orders(params).content[0].id == 1);
}

TEST_CASE("one ticket placed by two clients one after the other, the first cut off: one order",
          "[once][tickets]") {
  auto sim = started();
  const impilo::Client first = make_client(*sim);
  for (int i = 0; i < 3; ++i) first.create_order(item_order(demo::cuff));  // others' orders
  impilo::CreateOrderRequest request = item_order(demo::glucose_meter);
  request.external_order_ids = std::vector<std::string>{"clinic-ticket-1"};
  const std::string saved = first.prepare_order(request).to_string();

  sim->commit_then_drop(1);
  // The first process places it; the answer is lost; it finds the order in its lookup.
  const impilo::Order placed = first.place_order(impilo::CreateTicket::parse(saved));
  // A second process (its own client and connections) places the ticket read back from storage.
  const impilo::Client second = make_client(*sim);
  const impilo::Order again = second.place_order(impilo::CreateTicket::parse(saved));

  REQUIRE(sim->orders().size() == 4);
  REQUIRE(placed.id == 4);
  REQUIRE(again == placed);
}

TEST_CASE("two clients with the same caller-set external id against commit-then-drop: one order",
          "[once]") {
  impilo::testing::SimulatorOptions options;
  options.commit_then_drop = 5;
  auto sim = started(std::move(options));
  impilo::CreateOrderRequest request = item_order(demo::glucose_meter);
  request.external_order_ids = std::vector<std::string>{"ops-2026-0001"};

  // A run whose every create is cut off after it committed, then a rerun of the same command.
  const impilo::Order first = make_client(*sim).create_order_once(request);
  const impilo::Order rerun = make_client(*sim).create_order_once(request);

  REQUIRE(sim->orders().size() == 1);
  REQUIRE(rerun == first);
}
