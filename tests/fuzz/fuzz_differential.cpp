// libFuzzer target: the SDK's decoders against nlohmann's DOM decode, on the same bytes.
//
// The SDK decodes text with `internal::check_json_text` first and then simdjson On-Demand
// (`from_json_text`, the fast path) or nlohmann (`parse_webhook_delivery`); the oracle here is
// nlohmann's own parser, made strict where it is lenient (it ends the input at a NUL byte and skips
// a byte order mark, both of which the SDK refuses), followed by the public DOM converters. For
// `Order`, `Page<Order>`, `Page<Patient>`, `Page<Kit>`, `Page<WebhookLog>` and the webhook
// envelope (with its order), properties:
// - `check_json_text` accepts exactly the texts the oracle's parser accepts;
// - the SDK and the oracle succeed or fail together, with `DecodeError` at the same pointer;
// - when both succeed, the values are equal and encode to the same bytes.
// Seeds (tests/fuzz/corpus/fuzz_differential): the test data, and the documents simdjson 3.0.1
// misread before the text check existed (a missing comma inside an object, a NUL after a value).

#include <cstdint>
#include <impilo/impilo.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "json_text.hpp"

namespace {

using nlohmann::json;

/// The oracle's document: nlohmann's parse, or nothing when it refuses the text.
std::optional<json> oracle_parse(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;  // nlohmann stops there
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return std::nullopt;          // and skips this
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error&) {
    return std::nullopt;
  }
}

/// Whether nlohmann's parse holds a number no double holds (`1e400`), which both sides refuse.
bool number_out_of_range(std::string_view text) {
  try {
    (void)json::parse(text.begin(), text.end());
    return false;
  } catch (const json::out_of_range&) {
    return true;
  } catch (const json::parse_error&) {
    return false;
  }
}

template <typename T>
struct Outcome {
  std::optional<T> value;
  std::string pointer;  // of the DecodeError, when there is no value
};

template <typename T>
Outcome<T> via_oracle(const std::optional<json>& document) {
  if (!document) return {std::nullopt, ""};
  try {
    return {document->get<T>(), ""};
  } catch (const impilo::DecodeError& e) {
    return {std::nullopt, e.pointer()};
  }
}

template <typename T>
Outcome<T> via_sdk(std::string_view text) {
  try {
    return {impilo::from_json_text<T>(text), ""};
  } catch (const impilo::DecodeError& e) {
    return {std::nullopt, e.pointer()};
  }
}

template <typename T>
void require_agreement(std::string_view text, const std::optional<json>& document,
                       const char* what) {
  const Outcome<T> sdk = via_sdk<T>(text);
  const Outcome<T> oracle = via_oracle<T>(document);
  impilo_fuzz::require(sdk.value.has_value() == oracle.value.has_value(), what);
  if (!sdk.value) {
    impilo_fuzz::require(sdk.pointer == oracle.pointer, "a refusal names the same pointer");
    return;
  }
  impilo_fuzz::require(*sdk.value == *oracle.value, what);
  impilo_fuzz::require(impilo::to_json_text(*sdk.value) == impilo::to_json_text(*oracle.value),
                       "equal values encode to the same bytes");
}

/// The envelope by the oracle: an object with an integer id in the 64-bit signed range, a string
/// type and a payload that is not null.
struct OracleEnvelope {
  std::int64_t id{0};
  std::string type;
  json payload;
};

std::optional<OracleEnvelope> oracle_envelope(const std::optional<json>& document) {
  if (!document || !document->is_object()) return std::nullopt;
  const auto id = document->find("id");
  const auto type = document->find("type");
  const auto payload = document->find("payload");
  if (id == document->end() || type == document->end() || payload == document->end()) {
    return std::nullopt;
  }
  OracleEnvelope envelope;
  if (id->is_number_unsigned()) {
    if (id->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    envelope.id = static_cast<std::int64_t>(id->get<std::uint64_t>());
  } else if (id->is_number_integer()) {
    envelope.id = id->get<std::int64_t>();
  } else {
    return std::nullopt;
  }
  if (!type->is_string() || payload->is_null()) return std::nullopt;
  envelope.type = type->get<std::string>();
  envelope.payload = *payload;
  return envelope;
}

void require_envelope_agreement(std::string_view text, const std::optional<json>& document) {
  std::optional<impilo::WebhookDelivery> sdk;
  try {
    sdk = impilo::parse_webhook_delivery(text);
  } catch (const impilo::DecodeError&) {
  }
  const std::optional<OracleEnvelope> oracle = oracle_envelope(document);
  impilo_fuzz::require(sdk.has_value() == oracle.has_value(),
                       "parse_webhook_delivery accepts exactly the oracle's envelopes");
  if (!sdk) return;
  impilo_fuzz::require(sdk->id == oracle->id, "the envelope's id");
  impilo_fuzz::require(sdk->type.str() == oracle->type, "the envelope's type");
  const std::optional<json> payload = oracle_parse(sdk->payload);
  impilo_fuzz::require(payload && *payload == oracle->payload,
                       "the payload's text is the oracle's payload");
  if (sdk->type != impilo::WebhookTypeValue::order_status_full) return;
  std::optional<impilo::Order> order;
  std::string pointer;
  try {
    order = sdk->order();
  } catch (const impilo::DecodeError& e) {
    pointer = e.pointer();
  }
  const Outcome<impilo::Order> expected = via_oracle<impilo::Order>(oracle->payload);
  impilo_fuzz::require(order.has_value() == expected.value.has_value(),
                       "order() decodes exactly what the oracle decodes");
  if (order) {
    impilo_fuzz::require(*order == *expected.value, "order() equals the oracle's order");
  } else {
    impilo_fuzz::require(pointer == "/payload" + expected.pointer, "order() names the pointer");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = impilo_fuzz::text(data, size);
  // Past the nesting limit the SDK refuses before any parser runs; nlohmann is not asked.
  const auto problem = impilo::internal::check_json_text(text);
  if (problem && problem->kind == impilo::internal::JsonTextProblem::Kind::too_deep) return 0;
  // nlohmann stops at a number no double holds (`1e400`) and throws, so whether the rest of the
  // text is well-formed is unknown to the oracle: then every SDK decoder must refuse, nothing more.
  if (number_out_of_range(text)) {
    impilo_fuzz::require(!via_sdk<impilo::Order>(text).value, "a number out of range is refused");
    impilo_fuzz::require(!via_sdk<impilo::Page<impilo::Order>>(text).value,
                         "a number out of range is refused in a page");
    impilo_fuzz::require(!via_sdk<impilo::Page<impilo::Patient>>(text).value,
                         "a number out of range is refused in a patient page");
    impilo_fuzz::require(!via_sdk<impilo::Page<impilo::Kit>>(text).value,
                         "a number out of range is refused in a kit page");
    impilo_fuzz::require(!via_sdk<impilo::Page<impilo::WebhookLog>>(text).value,
                         "a number out of range is refused in a log page");
    bool envelope_refused = false;
    try {
      (void)impilo::parse_webhook_delivery(text);
    } catch (const impilo::DecodeError&) {
      envelope_refused = true;
    }
    impilo_fuzz::require(envelope_refused, "a number out of range is refused in an envelope");
    return 0;
  }
  const std::optional<json> document = oracle_parse(text);
  impilo_fuzz::require(!problem == document.has_value(),
                       "check_json_text accepts exactly what the oracle's parser accepts");
  require_agreement<impilo::Order>(text, document, "Order: the SDK and the oracle agree");
  require_agreement<impilo::Page<impilo::Order>>(text, document,
                                                 "Page<Order>: the SDK and the oracle agree");
  require_agreement<impilo::Page<impilo::Patient>>(text, document,
                                                   "Page<Patient>: the SDK and the oracle agree");
  require_agreement<impilo::Page<impilo::Kit>>(text, document,
                                               "Page<Kit>: the SDK and the oracle agree");
  require_agreement<impilo::Page<impilo::WebhookLog>>(
      text, document, "Page<WebhookLog>: the SDK and the oracle agree");
  require_envelope_agreement(text, document);
  return 0;
}
