// Tickets (prepare_order, CreateTicket, place_order) over a fake account: every path of
// place_order, the text form and its refusals, and the request counts the docs promise.

#include <cstdint>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/ticket.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "catch.hpp"
#include "checksum.hpp"
#include "fake_impilo.hpp"
#include "thrown.hpp"

using impilo_test::external_id_of;
using impilo_test::Harness;
using impilo_test::Post;
using impilo_test::request;
using impilo_test::thrown;
using nlohmann::json;

TEST_CASE("prepare_order sends no order and fixes the key and the bound", "[tickets]") {
  Harness h;
  for (int i = 0; i < 3; ++i) h.server->add();
  SECTION("a caller-set external id is the key") {
    const impilo::CreateTicket ticket = h.client().prepare_order(request({{"ehr-1", "ehr-2"}}));
    REQUIRE(ticket.external_id() == "ehr-1");
    REQUIRE(ticket.request().external_order_ids == std::vector<std::string>{"ehr-1", "ehr-2"});
    REQUIRE(ticket.newer_than_id() == 3);
  }
  SECTION("without one, a generated id is added") {
    const impilo::CreateTicket ticket = h.client().prepare_order(request());
    REQUIRE(std::regex_match(ticket.external_id(), std::regex("impilo-cpp:[0-9a-f]{32}")));
    REQUIRE(ticket.request().external_order_ids == std::vector<std::string>{ticket.external_id()});
  }
  REQUIRE(h.posts() == 0);
  REQUIRE(h.server->gets == 2);  // page 1 and the order at position `total`, one each
}

TEST_CASE("prepare_order on an empty account notes no bound, and an invalid request sends nothing",
          "[tickets]") {
  Harness h;
  REQUIRE_FALSE(h.client().prepare_order(request()).newer_than_id().has_value());
  REQUIRE(h.server->gets == 1);
  impilo::CreateOrderRequest bad = request();
  bad.order_items = std::nullopt;
  REQUIRE_THROWS_AS(h.client().prepare_order(bad), impilo::ValidationError);
  REQUIRE(h.server->gets == 1);
}

TEST_CASE("a ticket survives its text form and holds no key", "[tickets]") {
  Harness h;
  h.server->add();
  const impilo::CreateTicket ticket = h.client().prepare_order(request({{"ehr-7"}}));
  const std::string text = ticket.to_string();

  REQUIRE(text.rfind("impilo-ticket-v1:", 0) == 0);
  REQUIRE(text.find(h.options.api_key) == std::string::npos);
  REQUIRE(text.find('\n') == std::string::npos);
  REQUIRE(impilo::CreateTicket::parse(text) == ticket);
  REQUIRE(impilo::CreateTicket::parse(impilo::CreateTicket::parse(text).to_string()) == ticket);
}

TEST_CASE("a damaged, truncated or foreign ticket is refused, saying what is wrong", "[tickets]") {
  Harness h;
  const std::string text = h.client().prepare_order(request({{"ehr-7"}})).to_string();
  const auto refusal = [](const std::string& bad) {
    return std::string(
        thrown<impilo::UsageError>([&] { (void)impilo::CreateTicket::parse(bad); }).what());
  };
  REQUIRE_THAT(refusal(""), Catch::Contains("empty"));
  REQUIRE_THAT(refusal("{\"externalId\":\"ehr-7\"}"), Catch::Contains("not a ticket"));
  REQUIRE_THAT(refusal("impilo-ticket-v2:0123456789abcdef:{}"),
               Catch::Contains("format version 2") && Catch::Contains("v1"));
  REQUIRE_THAT(refusal("impilo-ticket-v1:0123"), Catch::Contains("truncated"));
  for (const std::size_t keep : {text.size() - 1, text.size() / 2, std::size_t{40}}) {
    CAPTURE(keep);
    REQUIRE_THAT(refusal(text.substr(0, keep)), Catch::Contains("damaged or truncated"));
  }
  std::string flipped = text;
  flipped[flipped.find("Nomvula")] = 'X';
  const std::string message = refusal(flipped);
  REQUIRE_THAT(message, Catch::Contains("checksum does not match"));
  REQUIRE_THAT(message, !Catch::Contains("omvula"));  // never quotes the content
}

TEST_CASE("a ticket whose checksum holds but whose content is wrong is refused", "[tickets]") {
  // Built as to_string builds them, so that only the content is wrong.
  const auto with_checksum = [](const std::string& json_text) {
    return "impilo-ticket-v1:" + impilo::internal::checksum_hex(json_text) + ":" + json_text;
  };
  const json good_request = json::parse(impilo::to_json_text(request({{"ehr-7"}})));
  const auto refusal = [&](const json& body) {
    return std::string(thrown<impilo::UsageError>([&] {
                         (void)impilo::CreateTicket::parse(with_checksum(body.dump()));
                       }).what());
  };
  REQUIRE(
      impilo::CreateTicket::parse(
          with_checksum(
              json{{"externalId", "ehr-7"}, {"newerThanId", 4}, {"request", good_request}}.dump()))
          .newer_than_id() == 4);
  REQUIRE_THAT(refusal(json::array()), Catch::Contains("not a JSON object"));
  REQUIRE_THAT(refusal({{"newerThanId", 4}, {"request", good_request}}),
               Catch::Contains("no external id"));
  REQUIRE_THAT(refusal({{"externalId", "ehr-7"}, {"newerThanId", "4"}, {"request", good_request}}),
               Catch::Contains("newerThanId"));
  REQUIRE_THAT(refusal({{"externalId", "other"}, {"newerThanId", 4}, {"request", good_request}}),
               Catch::Contains("not its request's first external order id"));
  json no_items = good_request;
  no_items.erase("orderItems");
  REQUIRE_THAT(refusal({{"externalId", "ehr-7"}, {"newerThanId", nullptr}, {"request", no_items}}),
               Catch::Contains("order_content_required"));
  REQUIRE_THAT(refusal({{"externalId", "ehr-7"}, {"newerThanId", 4}, {"request", 5}}),
               Catch::Contains("no request"));
}

TEST_CASE(
    "place_order at 100,000 orders: 2 GETs and 1 POST, 3 GETs when the newer orders "
    "straddle a page",
    "[tickets][cost]") {
  Harness h;
  for (int i = 0; i < 100000; ++i) h.server->add();
  const impilo::Client client = h.client();
  const impilo::CreateTicket ticket = client.prepare_order(request({{"ehr-big"}}));
  REQUIRE(ticket.newer_than_id() == 100000);
  const int newer = GENERATE(0, 100, 249);
  CAPTURE(newer);
  for (int i = 0; i < newer; ++i) h.server->add();
  h.server->gets = 0;
  h.server->pages_read.clear();

  const impilo::Order order = client.place_order(ticket);

  REQUIRE(order.id == 100001 + newer);
  REQUIRE(h.posts() == 1);
  // Page 1 for `total`, the last page, and the one before it when the newer orders reach it.
  REQUIRE(h.server->gets <= 3);
  REQUIRE(h.server->gets == (newer == 0 ? 2 : 3));

  // Placed again (a rerun, another process): found, nothing sent, the same cost.
  h.server->gets = 0;
  REQUIRE(client.place_order(ticket).id == order.id);
  REQUIRE(h.posts() == 1);
  REQUIRE(h.server->gets <= 3);
}

TEST_CASE("place_order: every path", "[tickets]") {
  Harness h;
  h.server->add();
  const impilo::Client client = h.client();

  SECTION("not placed yet: sent once") {
    const auto ticket = client.prepare_order(request({{"p-1"}}));
    REQUIRE(client.place_order(ticket).external_order_ids == std::vector<std::string>{"p-1"});
    REQUIRE(h.posts() == 1);
  }
  SECTION("placed by an earlier call that crashed before it saw the answer: found, not sent") {
    const auto ticket = client.prepare_order(request({{"p-2"}}));
    h.options.max_retries = 0;
    h.server->posts = {Post::commit_then_cut};
    h.server->listing_fails_after_post = true;  // the first call cannot tell
    REQUIRE_THROWS_AS(client.place_order(ticket), impilo::AmbiguousCreateError);
    h.server->listing_fails_after_post = false;
    h.server->listing_fails = false;
    // A new process, a new client, the ticket read back from its text.
    const impilo::Client restarted = h.client();
    const impilo::Order order =
        restarted.place_order(impilo::CreateTicket::parse(ticket.to_string()));
    REQUIRE(order.id == 2);
    REQUIRE(h.posts() == 1);
    REQUIRE(h.server->carrying("p-2") == 1);
  }
  SECTION("ambiguous and not landed: sent again, the same body") {
    const auto ticket = client.prepare_order(request({{"p-3"}}));
    h.server->posts = {Post::cut, Post::create};
    REQUIRE(client.place_order(ticket).id == 2);
    REQUIRE(h.posts() == 2);
    REQUIRE(h.server->posted[0] == h.server->posted[1]);
  }
  SECTION("ambiguous and landed: found after the settle delay") {
    const auto ticket = client.prepare_order(request({{"p-4"}}));
    h.server->posts = {Post::commit_then_503};
    REQUIRE(client.place_order(ticket).id == 2);
    REQUIRE(h.posts() == 1);
    REQUIRE(h.slept_settle_delay());
  }
  SECTION("a certain failure is thrown as it came; placing again sends again") {
    const auto ticket = client.prepare_order(request({{"p-5"}}));
    h.server->posts = {Post::refuse_400};
    const auto e = thrown<impilo::BadRequestError>([&] { (void)client.place_order(ticket); });
    REQUIRE_FALSE(e.may_have_taken_effect());
    REQUIRE(client.place_order(ticket).id == 2);
    REQUIRE(h.posts() == 2);
    REQUIRE(h.server->carrying("p-5") == 1);
  }
  SECTION("a 2xx that is not an order is never sent again") {
    const auto ticket = client.prepare_order(request({{"p-6"}}));
    h.server->posts = {Post::garble_no_commit};
    const auto e = thrown<impilo::AmbiguousCreateError>([&] { (void)client.place_order(ticket); });
    REQUIRE(h.posts() == 1);
    REQUIRE(e.external_id() == "p-6");
    REQUIRE(e.may_have_taken_effect());
    REQUIRE_THAT(e.what(), Catch::Contains("never sent again"));
    REQUIRE(h.sleeps.size() == 3);  // the whole settle window was looked through
  }
  SECTION("a 2xx that is not an order, but whose order is listed, returns it") {
    const auto ticket = client.prepare_order(request({{"p-7"}}));
    h.server->posts = {Post::commit_then_garble};
    REQUIRE(client.place_order(ticket).id == 2);
    REQUIRE(h.posts() == 1);
  }
  SECTION("undecided after every send allowed: AmbiguousCreateError; later, found") {
    h.options.max_retries = 1;
    const impilo::Client limited = h.client();
    const auto ticket = limited.prepare_order(request({{"p-8"}}));
    h.server->posts = {Post::fail_503, Post::fail_503};
    REQUIRE_THROWS_AS(limited.place_order(ticket), impilo::AmbiguousCreateError);
    REQUIRE(h.posts() == 2);
    h.server->add({"p-8"});  // the server commits one of them long after (beyond the window)
    // Placed again later, the ticket finds it instead of sending a third time.
    REQUIRE(limited.place_order(ticket).external_order_ids == std::vector<std::string>{"p-8"});
    REQUIRE(h.posts() == 2);
    REQUIRE(h.server->carrying("p-8") == 1);
  }
  SECTION("several orders carry the id: the lowest is returned") {
    const auto ticket = client.prepare_order(request({{"p-9"}}));
    h.server->add({"p-9"});
    h.server->add({"p-9"});
    REQUIRE(client.place_order(ticket).id == 2);
    REQUIRE(h.posts() == 0);
  }
  SECTION("an order older than the ticket is not its order") {
    h.server->add({"p-10"});  // an earlier intent that reused the id
    const auto ticket = client.prepare_order(request({{"p-10"}}));
    REQUIRE(client.place_order(ticket).id == 3);
    REQUIRE(h.posts() == 1);
  }
}

TEST_CASE("a ticket's text holds no control character, DEL included", "[tickets]") {
  Harness h;
  impilo::CreateOrderRequest r = request({{"ehr-\x7f-del"}});
  r.patient->first_name = std::string("No\x7fmvula\ttab");
  const impilo::CreateTicket ticket = h.client().prepare_order(r);
  const std::string text = ticket.to_string();
  for (const char c : text) {
    REQUIRE((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
  }
  REQUIRE(impilo::CreateTicket::parse(text) == ticket);
}
