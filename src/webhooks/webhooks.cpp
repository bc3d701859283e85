// Receiving webhooks: the envelope parser, the secret check and the de-duplicating receiver.

#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/webhooks.hpp>
#include <limits>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>

#include "ascii.hpp"
#include "constant_time.hpp"
#include "json_text.hpp"

namespace impilo {

namespace {

using nlohmann::json;

// ---- Locating the payload's exact text (in a document the JSON parser has accepted) ----------

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && is_space(text[i])) ++i;
  return i;
}

/// @p i is at an opening quote; returns the index just past the closing one.
std::size_t skip_string(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

/// @p i is at the first byte of a value; returns the index just past it.
std::size_t skip_value(std::string_view text, std::size_t i) {
  if (i >= text.size()) return i;
  if (text[i] == '"') return skip_string(text, i);
  if (text[i] == '{' || text[i] == '[') {
    int depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return i;
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !is_space(text[i])) {
    ++i;
  }
  return i;
}

/// The exact text of the top-level member @p name of the JSON object @p text (the last one, as the
/// parser keeps the last of duplicate names). @pre @p text is a valid JSON object.
std::string_view member_text(std::string_view text, std::string_view name) {
  std::string_view found;
  std::size_t i = skip_space(text, 0) + 1;  // past '{'
  for (;;) {
    i = skip_space(text, i);
    if (i >= text.size() || text[i] == '}') break;
    const std::size_t key_start = i;
    i = skip_string(text, i);
    // Keys may be escaped ("pay\u006coad"): let the parser decode the quoted key.
    const bool matches =
        internal::parse_json_text(text.substr(key_start, i - key_start))
            .get_ref<const std::string&>() == name;
    i = skip_space(text, i) + 1;  // past ':'
    i = skip_space(text, i);
    const std::size_t value_start = i;
    i = skip_value(text, i);
    if (matches) found = text.substr(value_start, i - value_start);
    i = skip_space(text, i);
    if (i < text.size() && text[i] == ',') ++i;
  }
  return found;
}

std::int64_t envelope_id(const json& id) {
  if (id.is_number_unsigned()) {
    const auto value = id.get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw DecodeError("/id", "integer out of the 64-bit signed range");
    }
    return static_cast<std::int64_t>(value);
  }
  if (!id.is_number_integer()) throw DecodeError("/id", "expected integer");
  return id.get<std::int64_t>();
}

using internal::has_control_character;

}  // namespace

// ---- Envelope ------------------------------------------------------------------------------

WebhookDelivery parse_webhook_delivery(std::string_view body) {
  // Exactly one JSON value (internal::check_json_text): a NUL, trailing bytes or a byte order
  // mark make the body something else. Errors never quote it: a payload holds patient data.
  const json j = internal::parse_json_text(body);
  if (!j.is_object()) throw DecodeError("", "a webhook delivery must be a JSON object");
  WebhookDelivery delivery;
  json unknown;
  bool has_id = false;
  bool has_type = false;
  bool has_payload = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "id") {
      delivery.id = envelope_id(it.value());
      has_id = true;
    } else if (it.key() == "type") {
      if (!it.value().is_string()) throw DecodeError("/type", "expected string");
      delivery.type = WebhookType::from_string(it.value().get<std::string>());
      has_type = true;
    } else if (it.key() == "payload") {
      has_payload = !it.value().is_null();
    } else {
      unknown[it.key()] = it.value();
    }
  }
  if (!has_id) throw DecodeError("/id", "missing: a webhook delivery needs an integer id");
  if (!has_type) throw DecodeError("/type", "missing: a webhook delivery needs a string type");
  if (!has_payload) throw DecodeError("/payload", "missing: a webhook delivery needs a payload");
  delivery.payload = std::string(member_text(body, "payload"));
  if (!unknown.is_null()) delivery.unknown_fields = UnknownFields::from_json_text(unknown.dump());
  return delivery;
}

std::optional<Order> WebhookDelivery::order() const {
  if (type != WebhookTypeValue::order_status_full) return std::nullopt;
  try {
    return from_json_text<Order>(payload);
  } catch (const DecodeError& e) {
    throw DecodeError("/payload" + e.pointer(), e.detail());
  }
}

// ---- Secret ----------------------------------------------------------------------------------

bool verify_webhook_secret(std::string_view header_value, std::string_view secret) noexcept {
  return internal::constant_time_equal(header_value, secret);
}

// ---- Receiver --------------------------------------------------------------------------------

/// The secret and the remembered ids: most recently seen at the front of `order`, with `where`
/// finding an id's place in it, so a lookup, a refresh and an eviction are all O(1).
struct WebhookReceiver::State {
  std::string secret;
  bool check_secret{true};
  std::size_t capacity{0};
  mutable std::mutex mutex;
  std::list<std::int64_t> order;
  std::unordered_map<std::int64_t, std::list<std::int64_t>::iterator> where;

  /// True when @p id was not remembered; remembers it (again) as the most recent either way.
  bool remember(std::int64_t id) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (const auto it = where.find(id); it != where.end()) {
      order.splice(order.begin(), order, it->second);
      return false;
    }
    order.push_front(id);
    where.emplace(id, order.begin());
    if (order.size() > capacity) {
      where.erase(order.back());
      order.pop_back();
    }
    return true;
  }
};

WebhookReceiver::WebhookReceiver(std::string secret, bool check_secret, std::size_t capacity)
    : state_(std::make_unique<State>()) {
  if (capacity == 0) throw UsageError("WebhookReceiver capacity must be at least 1");
  if (check_secret) {
    if (secret.empty()) {
      throw UsageError(
          "WebhookReceiver secret is empty: pass the secret set with Impilo, or use "
          "WebhookReceiver::without_secret() to accept unauthenticated deliveries");
    }
    if (has_control_character(secret)) {
      throw UsageError("WebhookReceiver secret holds a control character; no header can carry it");
    }
  }
  state_->secret = std::move(secret);
  state_->check_secret = check_secret;
  state_->capacity = capacity;
}

WebhookReceiver::WebhookReceiver(std::string secret, std::size_t capacity)
    : WebhookReceiver(std::move(secret), true, capacity) {}

WebhookReceiver WebhookReceiver::without_secret(std::size_t capacity) {
  return WebhookReceiver(std::string(), false, capacity);
}

WebhookReceiver::~WebhookReceiver() = default;
WebhookReceiver::WebhookReceiver(WebhookReceiver&&) noexcept = default;
WebhookReceiver& WebhookReceiver::operator=(WebhookReceiver&&) noexcept = default;

WebhookHandling WebhookReceiver::handle(std::string_view secret_header, std::string_view body) {
  WebhookHandling result;
  if (state_->check_secret && !verify_webhook_secret(secret_header, state_->secret)) {
    result.status = 401;
    result.reason = secret_header.empty() ? "no Impilo-Webhook-Secret header"
                                          : "wrong Impilo-Webhook-Secret header";
    return result;
  }
  WebhookDelivery delivery;
  try {
    delivery = parse_webhook_delivery(body);
  } catch (const DecodeError& e) {
    result.status = 400;
    result.reason = std::string("not a webhook delivery: ") + e.what();
    return result;
  }
  if (state_->remember(delivery.id)) result.delivery = std::move(delivery);
  return result;
}

void WebhookReceiver::forget(std::int64_t id) {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  if (const auto it = state_->where.find(id); it != state_->where.end()) {
    state_->order.erase(it->second);
    state_->where.erase(it);
  }
}

std::size_t WebhookReceiver::remembered() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->order.size();
}

std::size_t WebhookReceiver::capacity() const noexcept {
  return state_->capacity;
}

}  // namespace impilo
