// libFuzzer target: what reaches a webhook endpoint, and the webhook models a server returns.
//
// Byte 0 picks what is fuzzed, the rest is the body:
// - 0..2 (mod 4): `WebhookReceiver::handle` with the right secret (0), a wrong one (1) or with a
//   receiver that checks none (2). Properties: only the documented statuses; a wrong secret is 401
//   whatever the body; otherwise the answer agrees with `parse_webhook_delivery`; a repeat
//   of a delivery is 200 without the delivery, and after `forget(id)` it is handed out again; no
//   `reason` quotes the secret; `WebhookDelivery::order()` refuses only with an `impilo::Error`.
// - 3 (mod 4): `Page<WebhookLog>`, `Webhook` and `WebhookSubscription` decoding; whatever decodes
//   encodes and decodes back to an equal value.

#include <impilo/impilo.hpp>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"

namespace {

constexpr std::string_view secret = "whsec-fuzz-0123456789";

bool same(const impilo::WebhookDelivery& a, const impilo::WebhookDelivery& b) {
  return a.id == b.id && a.type == b.type && a.payload == b.payload &&
         a.unknown_fields == b.unknown_fields;
}

void check_receiver(int mode, std::string_view body) {
  auto receiver = mode == 2 ? impilo::WebhookReceiver::without_secret(4)
                            : impilo::WebhookReceiver(std::string(secret), 4);
  const std::string_view header = mode == 1 ? std::string_view("whsec-fuzz-0123456788") : secret;
  const impilo::WebhookHandling first = receiver.handle(header, body);
  impilo_fuzz::require(first.status == 200 || first.status == 400 || first.status == 401,
                       "handle answers 200, 400 or 401");
  impilo_fuzz::require(first.reason.find(secret) == std::string::npos, "the secret in a reason");
  impilo_fuzz::require((first.status == 200) == first.reason.empty(),
                       "a reason exactly when refused");
  if (mode == 1) {
    impilo_fuzz::require(first.status == 401 && !first.delivery, "a wrong secret is 401");
    return;
  }

  std::optional<impilo::WebhookDelivery> parsed;
  try {
    parsed = impilo::parse_webhook_delivery(body);
  } catch (const impilo::DecodeError&) {
  }
  if (!parsed) {
    impilo_fuzz::require(first.status == 400 && !first.delivery,
                         "what parse_webhook_delivery refuses is 400");
    return;
  }
  impilo_fuzz::require(first.status == 200 && first.delivery && same(*first.delivery, *parsed),
                       "what parse_webhook_delivery accepts is handed out as parsed");

  const impilo::WebhookHandling repeat = receiver.handle(header, body);
  impilo_fuzz::require(repeat.status == 200 && !repeat.delivery, "a repeat is not handed out");
  receiver.forget(parsed->id);
  const impilo::WebhookHandling again = receiver.handle(header, body);
  impilo_fuzz::require(again.status == 200 && again.delivery, "a forgotten id is handed out");

  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto order = parsed->order();
    impilo_fuzz::require(
        order.has_value() == (parsed->type == impilo::WebhookTypeValue::order_status_full),
        "order() decodes exactly the order.statusFull payloads");
  });
}

template <typename T>
void check_round_trip(std::string_view text, const char* what) {
  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto value = impilo::from_json_text<T>(text);
    impilo_fuzz::require(impilo::from_json_text<T>(impilo::to_json_text(value)) == value, what);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] & 3;
  const std::string_view body = impilo_fuzz::text(data + 1, size - 1);
  if (mode < 3) {
    check_receiver(mode, body);
    return 0;
  }
  check_round_trip<impilo::Page<impilo::WebhookLog>>(body, "a Page<WebhookLog> round-trips");
  check_round_trip<impilo::Webhook>(body, "a Webhook round-trips");
  check_round_trip<impilo::WebhookSubscription>(body, "a WebhookSubscription round-trips");
  return 0;
}
