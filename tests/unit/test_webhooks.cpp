// Receiving webhooks: the envelope parser, the constant-time secret check, the de-duplicating
// receiver, and the JSON form of the webhook models.

#include <atomic>
#include <cstddef>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "constant_time.hpp"

using nlohmann::json;

namespace {

constexpr const char* secret = "whsec-3f9a1c0b7e";

std::string envelope(std::int64_t id, const std::string& type = "order.status",
                     const std::string& payload = R"({"orderId": 7, "eventType": "shipped"})") {
  return R"({"id": )" + std::to_string(id) + R"(, "type": ")" + type + R"(", "payload": )" +
         payload + "}";
}

/// A webhook endpoint as docs/webhooks.md ("When processing fails") and
/// examples/webhook_receiver.cpp write it: the status answered for one request. Any failure of
/// @p process, whatever it throws, forgets the id and answers 500, so that Impilo's retry of the
/// delivery is handed out again instead of being dropped as a repeat.
template <typename Process>
int answer(impilo::WebhookReceiver& receiver, std::string_view header, std::string_view body,
           Process&& process) {
  const impilo::WebhookHandling result = receiver.handle(header, body);
  if (!result.delivery) return result.status;
  try {
    process(*result.delivery);
    return 200;
  } catch (const std::exception&) {
    receiver.forget(result.delivery->id);
    return 500;
  } catch (...) {
    receiver.forget(result.delivery->id);
    return 500;
  }
}

/// The DecodeError @p body raises (fails the test when it parses).
impilo::DecodeError parse_error(const std::string& body) {
  try {
    (void)impilo::parse_webhook_delivery(body);
  } catch (const impilo::DecodeError& e) {
    return e;
  }
  FAIL("parsed: " << body);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("WebhookType knows every documented type and keeps any other as sent", "[webhooks]") {
  const std::vector<std::string> documented{"order.status",
                                            "order.statusFull",
                                            "return.statusFull",
                                            "packedKit.event",
                                            "patient.created",
                                            "patient.updated",
                                            "device.associationCreated",
                                            "device.associationRemoved",
                                            "device.lowBattery",
                                            "device.weakSignal",
                                            "device.healthcheck",
                                            "procurement.status",
                                            "procurement.statusFull",
                                            "transferRequest.statusFull",
                                            "supportTicket.event",
                                            "reading.bloodGlucose",
                                            "reading.bloodOxygen",
                                            "reading.bloodPressure",
                                            "reading.ecg",
                                            "reading.temperature",
                                            "reading.weight",
                                            "reading.peakFlow",
                                            "reading.sleepMatActivity",
                                            "reading.sleepMatDuration"};
  for (const std::string& name : documented) {
    INFO(name);
    CHECK(impilo::WebhookType::from_string(name).is_known());
  }
  CHECK(impilo::WebhookType(impilo::WebhookTypeValue::order_status_full).str() ==
        "order.statusFull");
  const auto future = impilo::WebhookType::from_string("order.cancelled");
  CHECK_FALSE(future.is_known());
  CHECK(future.str() == "order.cancelled");
}

TEST_CASE("parse_webhook_delivery keeps the payload byte for byte", "[webhooks]") {
  const std::string payload =
      "{\n  \"orderId\" : 12345678901234567890123,\n  \"ratio\": 1.50, \"note\": \"caf\\u00e9 "
      "[x]\"\n}";
  const std::string body =
      "{ \"id\": 42, \"type\": \"order.status\", \"extra\": {\"a\": [1, 2]},"
      " \"payload\" :  " +
      payload + " }";
  const impilo::WebhookDelivery d = impilo::parse_webhook_delivery(body);
  CHECK(d.id == 42);
  CHECK(d.type == impilo::WebhookTypeValue::order_status);
  CHECK(d.payload == payload);
  CHECK(d.unknown_fields.json_text() == R"({"extra":{"a":[1,2]}})");

  SECTION("a scalar or string payload too") {
    CHECK(impilo::parse_webhook_delivery(envelope(1, "x", "17")).payload == "17");
    CHECK(impilo::parse_webhook_delivery(envelope(1, "x", R"("a,b}")")).payload == R"("a,b}")");
    CHECK(impilo::parse_webhook_delivery(envelope(1, "x", "[]")).payload == "[]");
  }
  SECTION("an escaped member name is still the payload; the last duplicate wins") {
    const auto e = impilo::parse_webhook_delivery(
        R"({"id":1,"type":"t","payload":{"a":1},"pay\u006coad":{"b":"}"}})");
    CHECK(e.payload == R"({"b":"}"})");
  }
  SECTION("ids span the 64-bit signed range") {
    CHECK(impilo::parse_webhook_delivery(envelope(9223372036854775807)).id == 9223372036854775807);
    CHECK(impilo::parse_webhook_delivery(envelope(-3)).id == -3);
  }
}

TEST_CASE("parse_webhook_delivery refuses anything but an envelope, naming the member",
          "[webhooks]") {
  struct Case {
    std::string body;
    std::string pointer;
  };
  const std::vector<Case> cases{
      {"", ""},
      {"not json", ""},
      {R"([1, 2])", ""},
      {R"("text")", ""},
      {R"({"type": "order.status", "payload": {}})", "/id"},
      {R"({"id": "7", "type": "order.status", "payload": {}})", "/id"},
      {R"({"id": 7.5, "type": "order.status", "payload": {}})", "/id"},
      {R"({"id": 9223372036854775808, "type": "order.status", "payload": {}})", "/id"},
      {R"({"id": 7, "payload": {}})", "/type"},
      {R"({"id": 7, "type": 3, "payload": {}})", "/type"},
      {R"({"id": 7, "type": "order.status"})", "/payload"},
      {R"({"id": 7, "type": "order.status", "payload": null})", "/payload"},
      {R"({"event": "order.status", "data": {}})", "/id"},  // the older, undocumented envelope
      {"{\"id\": 7, \"type\": \"order.status\", \"payload\": \"\xff\xfe\"}", ""},
      {envelope(7, "order.status", "{\"a\": 1}") + " trailing", ""},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    CHECK(parse_error(c.body).pointer() == c.pointer);
  }
}

TEST_CASE("parse_webhook_delivery bounds nesting and never quotes the body", "[webhooks]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto e = parse_error(envelope(1, "x", deep));
  CHECK(std::string(e.what()).find("nested deeper") != std::string::npos);
  // Brackets inside strings do not count toward the depth.
  CHECK_NOTHROW(
      impilo::parse_webhook_delivery(envelope(1, "x", '"' + std::string(500, '[') + '"')));
  // A payload nested to the limit still parses.
  CHECK_NOTHROW(impilo::parse_webhook_delivery(
      envelope(1, "x", std::string(255, '[') + std::string(255, ']'))));
  CHECK_THROWS_AS(impilo::parse_webhook_delivery(
                      envelope(1, "x", std::string(256, '[') + std::string(256, ']'))),
                  impilo::DecodeError);

  const auto quoted = parse_error(R"({"id": "Jane Doe, 12 Elm St", "type": "t", "payload": {}})");
  CHECK(std::string(quoted.what()).find("Jane") == std::string::npos);
  const auto broken = parse_error(R"({"id": 1, "type": "Jane Doe)");
  CHECK(std::string(broken.what()).find("Jane") == std::string::npos);
}

TEST_CASE("a byte order mark, a NUL or trailing bytes make a body a DecodeError, answered 400",
          "[webhooks]") {
  using namespace std::string_literals;
  const std::string forged = R"({"id":999,"type":"order.status","payload":{}})";
  const std::string bodies[] = {
      "\xEF\xBB\xBF" + envelope(5),       // a byte order mark before a valid envelope
      envelope(5) + "\0"s + forged,         // a forged delivery after a NUL
      envelope(5) + "\0"s,                  // a NUL alone
      envelope(5) + "\n" + forged,          // a second document
      envelope(5) + "\x1b[2J",              // terminal escapes after the envelope
      R"({"id":5,"type":"order.status","x":"a":1,"payload":{}})",  // a missing comma
  };
  impilo::WebhookReceiver receiver(secret);
  for (const std::string& body : bodies) {
    INFO("body bytes: " << body.size());
    CHECK(parse_error(body).pointer().empty());
    CHECK_THROWS_WITH(impilo::parse_webhook_delivery(body),
                      Catch::Matchers::StartsWith("(root): not valid JSON ("));
    const impilo::WebhookHandling handled = receiver.handle(secret, body);
    CHECK(handled.status == 400);
    CHECK_FALSE(handled.delivery);
  }
  // Nothing was remembered: the genuine delivery is handed out.
  CHECK(receiver.handle(secret, envelope(5)).delivery);
  CHECK(receiver.handle(secret, forged).delivery);
}

TEST_CASE("WebhookDelivery::order gives the Order of an order.statusFull delivery", "[webhooks]") {
  const auto full = impilo::parse_webhook_delivery(
      envelope(5, "order.statusFull",
               R"({"id": 991, "currentStatus": "shipped", "trackingNumbers": [{"carrier": "SIM",
          "value": "1Z999"}], "futureField": true})"));
  const std::optional<impilo::Order> order = full.order();
  REQUIRE(order);
  CHECK(order->id == 991);
  CHECK(order->current_status->str() == "shipped");
  CHECK(order->tracking_numbers->at(0).value == "1Z999");
  CHECK(order->unknown_fields.json_text() == R"({"futureField":true})");

  CHECK_FALSE(impilo::parse_webhook_delivery(envelope(6, "order.status")).order());

  const auto wrong =
      impilo::parse_webhook_delivery(envelope(7, "order.statusFull", R"({"id": "Jane Doe"})"));
  try {
    (void)wrong.order();
    FAIL("decoded");
  } catch (const impilo::DecodeError& e) {
    CHECK(e.pointer() == "/payload/id");
    CHECK(std::string(e.what()).find("Jane") == std::string::npos);
  }

  impilo::WebhookDelivery hand_made;
  hand_made.type = impilo::WebhookTypeValue::order_status_full;
  hand_made.payload = std::string(5000, '[') + std::string(5000, ']');
  CHECK_THROWS_AS(hand_made.order(), impilo::DecodeError);
}

TEST_CASE("verify_webhook_secret accepts only the exact secret", "[webhooks]") {
  const std::string s = secret;
  CHECK(impilo::verify_webhook_secret(s, s));
  std::string first = s;
  first.front() ^= 1;
  std::string last = s;
  last.back() ^= 1;
  CHECK_FALSE(impilo::verify_webhook_secret(first, s));
  CHECK_FALSE(impilo::verify_webhook_secret(last, s));
  CHECK_FALSE(impilo::verify_webhook_secret(s.substr(0, s.size() - 1), s));
  CHECK_FALSE(impilo::verify_webhook_secret(s + "x", s));
  CHECK_FALSE(impilo::verify_webhook_secret(s + s, s));  // cyclic reading must not match this
  CHECK_FALSE(impilo::verify_webhook_secret("", s));
  CHECK_FALSE(impilo::verify_webhook_secret(s, ""));
  CHECK_FALSE(impilo::verify_webhook_secret("", ""));
  CHECK_FALSE(
      impilo::verify_webhook_secret(std::string("whsec\0x", 7), std::string("whsec\0y", 7)));
}

TEST_CASE("the secret comparison reads every byte whatever the guess", "[webhooks]") {
  // The library's comparison, instantiated with a reader that counts: every byte of the secret is
  // read exactly once and one byte of the guess with it, whether the guess is right, wrong at its
  // first byte, wrong at its last, or of another length. No early exit can hide from this.
  const std::string s = secret;
  std::string wrong_first = s;
  wrong_first.front() ^= 0x55;
  std::string wrong_last = s;
  wrong_last.back() ^= 0x55;
  const std::vector<std::string> guesses{s,   wrong_first, wrong_last,
                                         "x", s + s,       std::string(3, '\0')};
  for (const std::string& guess : guesses) {
    INFO("guess size " << guess.size());
    std::vector<int> secret_reads(s.size(), 0);
    std::size_t guess_reads = 0;
    const auto counting = [&](std::string_view text, std::size_t i) {
      if (text.data() == s.data()) {
        ++secret_reads.at(i);
      } else {
        ++guess_reads;
      }
      return static_cast<unsigned char>(text[i]);
    };
    const bool equal = impilo::internal::constant_time_equal(guess, s, counting);
    CHECK(equal == (guess == s));
    CHECK(secret_reads == std::vector<int>(s.size(), 1));
    CHECK(guess_reads == s.size());
  }
}

TEST_CASE("WebhookReceiver answers 401, 400 or 200 and hands each delivery out once",
          "[webhooks]") {
  impilo::WebhookReceiver receiver(secret);

  SECTION("a missing or wrong secret is 401, and the body is not even parsed") {
    for (const char* header : {"", "wrong", "whsec-3f9a1c0b7", "whsec-3f9a1c0b7e "}) {
      const auto r = receiver.handle(header, "not json at all");
      CHECK(r.status == 401);
      CHECK_FALSE(r.delivery);
      CHECK(r.reason.find(secret) == std::string::npos);
      CHECK_FALSE(r.reason.empty());
    }
    CHECK(receiver.remembered() == 0);
  }
  SECTION("a body that is not an envelope is 400 with the reason") {
    const auto r = receiver.handle(secret, R"({"id": "x", "type": "t", "payload": 1})");
    CHECK(r.status == 400);
    CHECK_FALSE(r.delivery);
    CHECK(r.reason.find("/id") != std::string::npos);
  }
  SECTION("a new delivery is 200 with the delivery; a repeat is 200 without") {
    const auto first = receiver.handle(secret, envelope(11));
    CHECK(first.status == 200);
    REQUIRE(first.delivery);
    CHECK(first.delivery->id == 11);
    CHECK(first.reason.empty());
    const auto again = receiver.handle(secret, envelope(11));
    CHECK(again.status == 200);
    CHECK_FALSE(again.delivery);
    CHECK(receiver.handle(secret, envelope(12)).delivery);
    CHECK(receiver.remembered() == 2);
  }
  SECTION("forget lets a re-delivery through again") {
    CHECK(receiver.handle(secret, envelope(21)).delivery);
    receiver.forget(21);
    receiver.forget(999);  // unknown: nothing happens
    CHECK(receiver.handle(secret, envelope(21)).delivery);
  }
}

TEST_CASE("a delivery whose processing throws is answered 500 and its retry processed once",
          "[webhooks]") {
  impilo::WebhookReceiver receiver(secret);
  int calls = 0;      // every call of the processing
  int processed = 0;  // the calls that got through
  const auto fails_first = [&](auto thrown) {
    return [&calls, &processed, thrown](const impilo::WebhookDelivery& delivery) {
      CHECK(delivery.id == 31);
      if (++calls == 1) throw thrown;
      ++processed;
    };
  };

  SECTION("a std::runtime_error") {
    const auto process = fails_first(std::runtime_error("database unavailable"));
    CHECK(answer(receiver, secret, envelope(31), process) == 500);
    CHECK(receiver.remembered() == 0);  // forgotten: the retry is a new delivery
    CHECK(answer(receiver, secret, envelope(31), process) == 200);  // Impilo's retry
    CHECK(answer(receiver, secret, envelope(31), process) == 200);  // a repeat after success
  }
  SECTION("something that is no std::exception") {
    const auto process = fails_first(42);
    CHECK(answer(receiver, secret, envelope(31), process) == 500);
    CHECK(answer(receiver, secret, envelope(31), process) == 200);
    CHECK(answer(receiver, secret, envelope(31), process) == 200);
  }
  CHECK(calls == 2);
  CHECK(processed == 1);
  CHECK(receiver.remembered() == 1);
}

TEST_CASE("without forget, the retry of a delivery whose processing failed is dropped",
          "[webhooks]") {
  // Why the handler must forget: the id is remembered as soon as the delivery is handed out.
  impilo::WebhookReceiver receiver(secret);
  CHECK(receiver.handle(secret, envelope(41)).delivery);  // processing fails, 500, no forget
  const auto retry = receiver.handle(secret, envelope(41));
  CHECK(retry.status == 200);   // Impilo stops retrying...
  CHECK_FALSE(retry.delivery);  // ...and the event is never processed
}

TEST_CASE("WebhookReceiver remembers a bounded number of ids, least recently seen out first",
          "[webhooks]") {
  impilo::WebhookReceiver receiver(secret, 3);
  CHECK(receiver.capacity() == 3);
  for (int id = 1; id <= 3; ++id) CHECK(receiver.handle(secret, envelope(id)).delivery);
  CHECK_FALSE(receiver.handle(secret, envelope(1)).delivery);  // a repeat: 1 is recent again
  CHECK(receiver.handle(secret, envelope(4)).delivery);        // evicts 2, the least recent
  CHECK(receiver.remembered() == 3);
  CHECK_FALSE(receiver.handle(secret, envelope(1)).delivery);
  CHECK_FALSE(receiver.handle(secret, envelope(3)).delivery);
  CHECK_FALSE(receiver.handle(secret, envelope(4)).delivery);
  CHECK(receiver.handle(secret, envelope(2)).delivery);  // forgotten, so handed out again

  for (int id = 100; id < 1100; ++id) (void)receiver.handle(secret, envelope(id));
  CHECK(receiver.remembered() == 3);
}

TEST_CASE("WebhookReceiver hands each id out once across threads", "[webhooks]") {
  impilo::WebhookReceiver receiver(secret, 10000);
  std::atomic<int> delivered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int id = 0; id < 500; ++id) {
        if (receiver.handle(secret, envelope(id)).delivery) ++delivered;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(delivered == 500);
}

TEST_CASE("WebhookReceiver refuses an unusable configuration, and without_secret is explicit",
          "[webhooks]") {
  CHECK_THROWS_AS(impilo::WebhookReceiver(""), impilo::UsageError);
  CHECK_THROWS_AS(impilo::WebhookReceiver("line\nbreak"), impilo::UsageError);
  CHECK_THROWS_AS(impilo::WebhookReceiver(secret, 0), impilo::UsageError);
  CHECK_THROWS_AS(impilo::WebhookReceiver::without_secret(0), impilo::UsageError);

  impilo::WebhookReceiver open = impilo::WebhookReceiver::without_secret();
  CHECK(open.handle("", envelope(1)).status == 200);
  CHECK(open.handle("anything", envelope(2)).delivery);
  CHECK(open.handle("", "[]").status == 400);

  impilo::WebhookReceiver moved = std::move(open);
  CHECK_FALSE(moved.handle("", envelope(1)).delivery);
}

TEST_CASE("webhook models round-trip through JSON, unknown members kept", "[webhooks][json]") {
  const json webhook = {
      {"id", 3}, {"type", "order.statusFull"}, {"url", "https://h.example/wh"}, {"active", true}};
  const auto w = webhook.get<impilo::Webhook>();
  CHECK(w.id == 3);
  CHECK(w.type == impilo::WebhookTypeValue::order_status_full);
  CHECK(json(w) == webhook);
  CHECK(impilo::from_json_text<impilo::Webhook>(webhook.dump()) == w);

  const impilo::WebhookSubscription sub{
      impilo::WebhookTypeValue::order_status, "https://h.example/wh", {}};
  CHECK(impilo::to_json_text(sub) == R"({"type":"order.status","url":"https://h.example/wh"})");
  CHECK(json::parse(impilo::to_json_text(sub)).get<impilo::WebhookSubscription>() == sub);
  CHECK_THROWS_AS((json{{"type", nullptr}, {"url", "u"}}.get<impilo::WebhookSubscription>()),
                  impilo::DecodeError);

  const json log = {{"id", 1},
                    {"webhookId", 3},
                    {"webhookType", "device.lowBattery"},
                    {"webhookUrl", "https://h.example/wh"},
                    {"payload", R"({"batteryPercentage": 5.0, "device": {"id": 8}})"},
                    {"createTimestamp", "2023-08-22T14:15:30.345Z"},
                    {"lastResponseStatus", 500},
                    {"retryAttempts", 2},
                    {"lastRetryTimestamp", "2023-08-22T14:45:30.345Z"},
                    {"futureMember", {1, 2}}};
  const json page = {{"content", {log}}, {"page", 1},     {"size", 15},
                     {"total", 1},       {"first", true}, {"last", true}};
  const auto p = impilo::from_json_text<impilo::Page<impilo::WebhookLog>>(page.dump());
  REQUIRE(p.content.size() == 1);
  CHECK(*p.content[0].payload == R"({"batteryPercentage": 5.0, "device": {"id": 8}})");
  CHECK(p.content[0].retry_attempts == 2);
  CHECK(p.content[0].webhook_type == impilo::WebhookTypeValue::device_low_battery);
  CHECK(json::parse(impilo::to_json_text(p)) == page);

  CHECK_THROWS_AS(impilo::from_json_text<impilo::WebhookLog>(R"({"retryAttempts": "2"})"),
                  impilo::DecodeError);
}
