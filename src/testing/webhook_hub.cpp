// The simulator's webhooks: subscriptions, secret, delivery log and the delivery worker.

#include "webhook_hub.hpp"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <nlohmann/json.hpp>
#include <utility>

#include "ascii.hpp"
#include "civil_time.hpp"
#include "json_limits.hpp"
#include "url.hpp"

namespace impilo::testing::detail {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

/// Impilo re-delivers a failed delivery 15, 30 and then 60 minutes after the previous attempt.
constexpr std::array<std::chrono::minutes, 3> retry_waits{
    std::chrono::minutes(15), std::chrono::minutes(30), std::chrono::minutes(60)};
/// A receiver that has not answered within this long has failed the attempt.
constexpr std::chrono::seconds attempt_timeout(5);

constexpr std::string_view status_full_type = "order.statusFull";
constexpr std::string_view status_type = "order.status";

/// @p body parsed, or a discarded value when it is not JSON or nests too deeply (checked before
/// any recursive code sees it).
json parse_body(std::string_view body) {
  if (!impilo::internal::check_json_depth(body)) return json(json::value_t::discarded);
  return json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
}

Answer invalid_data() {
  return message_answer(400, server_message(ErrorCode::invalid_data));
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

json timestamp_json(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return utc_timestamp(system_clock::time_point(milliseconds(*ms)));
}

/// A subscribed URL as the SDK reads it (src/internal/url.hpp: libcurl's URL API, refusing
/// backslashes, user names, percent-encoded hosts...), or nothing.
std::optional<impilo::internal::Url> parse_url(std::string_view url) {
  return impilo::internal::parse_url(url).url;
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]` (UTC when no zone is given) as milliseconds
/// since 1970, or nothing.
std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  const auto number = [&text](std::size_t at, std::size_t digits) -> std::optional<int> {
    if (text.size() < at + digits) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto is = [&text](std::size_t at, char c) { return text.size() > at && text[at] == c; };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  const auto hour = number(11, 2);
  const auto minute = number(14, 2);
  const auto second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !is(4, '-') || !is(7, '-') ||
      !(is(10, 'T') || is(10, 't')) || !is(13, ':') || !is(16, ':') || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (is(at, '.')) {
    ++at;
    const std::size_t digits_begin = at;
    std::int64_t scale = 100;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == digits_begin) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (is(at, 'Z') || is(at, 'z')) {
    ++at;
  } else if (is(at, '+') || is(at, '-')) {
    const auto zone_hours = number(at + 1, 2);
    const auto zone_minutes = number(at + 4, 2);
    if (!zone_hours || !zone_minutes || !is(at + 3, ':')) return std::nullopt;
    offset_minutes = (*zone_hours * 60 + *zone_minutes) * (text[at] == '-' ? -1 : 1);
    at += 6;
  }
  if (at != text.size()) return std::nullopt;
  const std::int64_t days = impilo::internal::days_from_civil(*year, static_cast<unsigned>(*month),
                                                              static_cast<unsigned>(*day));
  const std::int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second;
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

}  // namespace

WebhookHub::WebhookHub(double retry_scale)
    : retry_scale_(retry_scale), first_delivery_id_(now_ms()) {}

WebhookHub::~WebhookHub() {
  stop();
}

// ---- Endpoints -------------------------------------------------------------------------------

Answer WebhookHub::subscribe(std::string_view body) {
  const json j = parse_body(body);
  if (j.is_discarded()) return message_answer(400, server_message(ErrorCode::invalid_json));
  if (!j.is_object()) return invalid_data();
  const auto type = j.find("type");
  const auto url = j.find("url");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>().empty() ||
      url == j.end() || !url->is_string() || !parse_url(url->get_ref<const std::string&>())) {
    return invalid_data();
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto id = static_cast<std::int64_t>(subscriptions_.size()) + 1;
  subscriptions_.push_back(Subscription{id, type->get<std::string>(), url->get<std::string>()});
  const Subscription& added = subscriptions_.back();
  return Answer{201, json{{"id", added.id}, {"type", added.type}, {"url", added.url}}.dump(), {}};
}

Answer WebhookHub::set_secret(std::string_view body) {
  const json j = parse_body(body);
  if (j.is_discarded()) return message_answer(400, server_message(ErrorCode::invalid_json));
  if (!j.is_object()) return invalid_data();
  const auto secret = j.find("secret");
  // The secret travels in a header: no line breaks or other control characters.
  if (secret == j.end() || !secret->is_string() ||
      impilo::internal::has_control_character(secret->get_ref<const std::string&>())) {
    return invalid_data();
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  secret_ = secret->get<std::string>();
  return Answer{200, json{{"secret", secret_}}.dump(), {}};
}

Answer WebhookHub::logs(const Query& query) const {
  const auto page = parse_page_request(query("page"), query("size"));
  if (!page) return invalid_data();
  // Each filter: absent, or a value that parses (else 400).
  bool bad = false;
  const auto filter = [&](const char* name, auto parse) -> std::optional<std::int64_t> {
    const auto text = query(name);
    if (!text) return std::nullopt;
    const std::optional<std::int64_t> value = parse(*text);
    bad = bad || !value;
    return value;
  };
  const auto integer = [&](const char* name) { return filter(name, parse_integer); };
  const auto timestamp = [&](const char* name) { return filter(name, parse_timestamp); };
  const std::optional<std::string> type = query("webhookType");
  const auto attempts_min = integer("retryAttemptsMin");
  const auto attempts_max = integer("retryAttemptsMax");
  const auto status = integer("lastResponseStatus");
  const auto retry_start = timestamp("startLastRetryTimestamp");
  const auto retry_end = timestamp("endLastRetryTimestamp");
  const auto created_start = timestamp("startTimestamp");
  const auto created_end = timestamp("endTimestamp");
  if (bad) return invalid_data();

  const auto matches = [&](const Delivery& d) {
    if (type && d.type != *type) return false;
    if (attempts_min && d.retry_attempts < *attempts_min) return false;
    if (attempts_max && d.retry_attempts > *attempts_max) return false;
    if (status && (!d.last_status || *d.last_status != *status)) return false;
    if ((retry_start || retry_end) && !d.last_retry_ms) return false;
    if (retry_start && *d.last_retry_ms < *retry_start) return false;
    if (retry_end && *d.last_retry_ms >= *retry_end) return false;
    if (created_start && d.created_ms < *created_start) return false;
    if (created_end && d.created_ms >= *created_end) return false;
    return true;
  };

  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<const Delivery*> found;
  for (const Delivery& d : deliveries_) {
    if (matches(d)) found.push_back(&d);
  }
  const PageWindow window = page->window(static_cast<std::int64_t>(found.size()));
  json content = json::array();
  for (std::int64_t i = window.begin; i < window.end; ++i) {
    const Delivery& d = *found[static_cast<std::size_t>(i)];
    content.push_back(json{{"id", d.id},
                           {"webhookId", d.webhook_id},
                           {"webhookType", d.type},
                           {"webhookUrl", d.url},
                           {"payload", d.body},
                           {"createTimestamp", timestamp_json(d.created_ms)},
                           {"lastResponseStatus", d.last_status ? json(*d.last_status) : json()},
                           {"retryAttempts", d.retry_attempts},
                           {"lastRetryTimestamp", timestamp_json(d.last_retry_ms)}});
  }
  const json envelope{
      {"content", std::move(content)}, {"page", page->page},    {"size", page->size},
      {"total", window.total},         {"first", window.first}, {"last", window.last}};
  return Answer{200, envelope.dump(), {}};
}

// ---- Deliveries ------------------------------------------------------------------------------

void WebhookHub::publish(const Order& order) {
  const std::string status = order.current_status ? order.current_status->str() : std::string();
  queue(std::string(status_full_type), order_json(order));
  queue(std::string(status_type),
        json{{"orderId", order.id ? json(*order.id) : json()}, {"eventType", status}}.dump());
}

void WebhookHub::queue(const std::string& type, const std::string& payload) {
  const std::int64_t created = now_ms();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const Subscription& subscription : subscriptions_) {
      if (subscription.type != type) continue;
      const std::size_t index = deliveries_.size();
      const std::int64_t id = first_delivery_id_ + static_cast<std::int64_t>(index);
      // The payload is already JSON text: splice it in rather than parse it again.
      std::string body = R"({"id":)" + std::to_string(id) + R"(,"type":)" + json(type).dump() +
                         R"(,"payload":)" + payload + "}";
      deliveries_.push_back(Delivery{id, subscription.id, type, subscription.url, std::move(body),
                                     created, std::nullopt, 0, std::nullopt});
      queue_.push(Pending{steady_clock::now(), next_sequence_++, index, 0});
    }
  }
  wake_.notify_all();
}

void WebhookHub::start() {
  if (worker_.joinable()) return;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  worker_ = std::thread([this] { run(); });
}

void WebhookHub::stop() noexcept {
  if (!worker_.joinable()) return;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (in_flight_ != nullptr) in_flight_->stop();  // shuts its socket down: the read ends now
  }
  wake_.notify_all();
  worker_.join();
}

void WebhookHub::run() {
  // cpp-httplib writes without MSG_NOSIGNAL: a receiver that closes early must not raise SIGPIPE,
  // whose default action would end the user's process. Blocked here, it stays pending on this
  // thread and the write fails with EPIPE instead.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Pending next = queue_.top();
    if (next.due > steady_clock::now()) {
      wake_.wait_until(lock, next.due);
      continue;
    }
    queue_.pop();
    const std::string url = deliveries_[next.index].url;
    const std::string body = deliveries_[next.index].body;
    const std::string secret = secret_;  // the secret as it is now, like a re-delivery would
    lock.unlock();
    const Outcome outcome = attempt(url, body, secret);
    lock.lock();

    Delivery& delivery = deliveries_[next.index];
    delivery.last_status = outcome.status;
    if (next.attempt > 0) {
      delivery.retry_attempts = next.attempt;
      delivery.last_retry_ms = now_ms();
    }
    const bool delivered = outcome.status && *outcome.status >= 200 && *outcome.status < 300;
    if (!delivered && !outcome.refused && next.attempt < static_cast<int>(retry_waits.size())) {
      const auto wait =
          std::chrono::duration<double>(retry_waits[static_cast<std::size_t>(next.attempt)]) *
          retry_scale_;
      queue_.push(
          Pending{steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(wait),
                  next_sequence_++, next.index, next.attempt + 1});
    }
  }
}

WebhookHub::Outcome WebhookHub::attempt(const std::string& url, const std::string& body,
                                        const std::string& secret) {
  const auto target = parse_url(url);
  // Loopback and plain HTTP only: the simulator never sends an order beyond the machine. The
  // refusal shows in the log as an attempt without a response status, never retried.
  const auto host = target ? loopback_host(target->host_in_url()) : std::nullopt;
  if (!target || target->scheme != "http" || !host) return Outcome{std::nullopt, true};
  const std::string path = target->path + (target->query ? "?" + *target->query : "");

  httplib::Client client("http://" + host->in_url + ":" + std::to_string(target->port));
  client.set_connection_timeout(attempt_timeout);
  client.set_read_timeout(attempt_timeout);
  client.set_write_timeout(attempt_timeout);
  client.set_keep_alive(false);
  httplib::Headers headers{{"Accept", "application/json"}};
  if (!secret.empty()) headers.emplace("Impilo-Webhook-Secret", secret);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return Outcome{};
    in_flight_ = &client;
  }
  const httplib::Result result =
      client.Post(path.c_str(), headers, body, "application/json");
  const std::lock_guard<std::mutex> lock(mutex_);
  in_flight_ = nullptr;
  if (!result) return Outcome{};
  return Outcome{result->status, false};
}

}  // namespace impilo::testing::detail
