// The simulator's webhooks: subscriptions, secret, delivery log and the delivery worker.

#include "webhook_hub.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <utility>

#include "ascii.hpp"
#include "civil_time.hpp"
#include "json_text.hpp"
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

/// @p body parsed, or a discarded value when it is not one strict JSON text (checked before any
/// recursive code sees it: src/internal/json_text.hpp).
json parse_body(std::string_view body) {
  if (impilo::internal::check_json_text(body)) return json(json::value_t::discarded);
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

/// The first delivery id of a run: random, so that two simulators started one after the other
/// (a test suite's, a rerun's) never reuse an id and a receiver that remembers ids never drops a
/// new delivery as a repeat. Below 2^53 with room for 2^32 deliveries: ids stay exact in a double
/// (JavaScript receivers); two runs' ranges of n deliveries meet with probability about
/// 2n / 2^53.
std::int64_t random_first_delivery_id() {
  std::random_device device;
  const std::uint64_t high = device();
  const std::uint64_t low = device();
  constexpr std::uint64_t range = (std::uint64_t{1} << 53U) - (std::uint64_t{1} << 32U);
  return static_cast<std::int64_t>(((high << 32U) | low) % range) + 1;
}

/// `curl_global_init`, once per process (function-local static, thread-safe); never torn down,
/// like the SDK's transport does.
void ensure_curl_global_init() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)result;  // a failure shows as failed attempts
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
    : retry_scale_(retry_scale), first_delivery_id_(random_first_delivery_id()) {
  ensure_curl_global_init();
}

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
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
  }
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
    if (multi_ != nullptr) curl_multi_wakeup(multi_);  // ends its wait now
  }
  worker_.join();
}

namespace {

/// How much of a receiver's answer body was read, and whether it went past the cap.
struct AnswerRead {
  std::size_t bytes{0};
  bool capped{false};
};

/// The write callback: counts the answer body, and reads no more than the cap (a receiver that
/// answers an endless body ends its attempt, it does not grow the simulator).
std::size_t read_capped(char* /*data*/, std::size_t size, std::size_t count, void* user) {
  auto* read = static_cast<AnswerRead*>(user);
  const std::size_t bytes = size * count;
  if (bytes > WebhookHub::answer_body_cap - read->bytes) {
    read->capped = true;
    return 0;  // not all taken: libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  read->bytes += bytes;
  return bytes;
}

}  // namespace

/// One attempt under way: its easy handle and what it owns for libcurl.
struct WebhookHub::Transfer {
  Pending pending;
  std::string target;  // `host:port`: one attempt at a time per receiver
  std::string body;    // what CURLOPT_POSTFIELDS points at
  curl_slist* headers{nullptr};
  CURL* easy{nullptr};
  AnswerRead answer;

  Transfer(Pending p, std::string t, std::string b)
      : pending(p), target(std::move(t)), body(std::move(b)) {}
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
};

namespace {

/// Appends @p line to @p list, or throws std::bad_alloc.
curl_slist* append_header(curl_slist* list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list, line.c_str());
  if (grown == nullptr) {
    curl_slist_free_all(list);
    throw std::bad_alloc();
  }
  return grown;
}

}  // namespace

void WebhookHub::finish(const Pending& attempt, const Outcome& outcome) {
  Delivery& delivery = deliveries_[attempt.index];
  delivery.last_status = outcome.status;
  if (attempt.attempt > 0) {
    delivery.retry_attempts = attempt.attempt;
    delivery.last_retry_ms = now_ms();
  }
  const bool delivered = outcome.status && *outcome.status >= 200 && *outcome.status < 300;
  if (!delivered && !outcome.refused && attempt.attempt < static_cast<int>(retry_waits.size())) {
    const auto wait =
        std::chrono::duration<double>(retry_waits[static_cast<std::size_t>(attempt.attempt)]) *
        retry_scale_;
    queue_.push(
        Pending{steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(wait),
                next_sequence_++, attempt.index, attempt.attempt + 1});
  }
}

void WebhookHub::run() {
  // libcurl sends with MSG_NOSIGNAL (and CURLOPT_NOSIGNAL is set): a receiver that closes early
  // must never raise SIGPIPE, whose default action would end the user's process. Blocked here as
  // well, it would stay pending on this thread and the write fail with EPIPE instead.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

  CURLM* const multi = curl_multi_init();
  std::map<CURL*, std::unique_ptr<Transfer>> active;
  std::set<std::string> busy_targets;  // the `host:port` of each attempt under way

  // Where delivery @p url goes: `host:port` and the URL to send to, or nothing when it is not one
  // the simulator delivers to: loopback and plain HTTP only, so the simulator never sends an order
  // beyond the machine. The refusal shows in the log as an attempt without a response status,
  // never retried.
  struct Destination {
    std::string target;
    std::string url;
  };
  const auto destination = [](const std::string& url) -> std::optional<Destination> {
    const auto parsed = parse_url(url);
    const auto host = parsed ? loopback_host(parsed->host_in_url()) : std::nullopt;
    if (!parsed || parsed->scheme != "http" || !host) return std::nullopt;
    std::string target = host->in_url + ":" + std::to_string(parsed->port);
    std::string full = "http://" + target + parsed->path;
    if (parsed->query) full += "?" + *parsed->query;
    return Destination{std::move(target), std::move(full)};
  };
  // A new attempt of @p next to @p to; its handle is null when libcurl could not make one.
  const auto prepare = [this](const Pending& next, Destination to) -> std::unique_ptr<Transfer> {
    auto transfer =
        std::make_unique<Transfer>(next, std::move(to.target), deliveries_[next.index].body);
    transfer->easy = curl_easy_init();
    if (transfer->easy == nullptr) return transfer;
    transfer->headers = append_header(nullptr, "Content-Type: application/json");
    transfer->headers = append_header(transfer->headers, "Accept: application/json");
    transfer->headers = append_header(transfer->headers, "Expect:");
    // The secret as it is now, like a re-delivery would send it.
    if (!secret_.empty()) {
      transfer->headers = append_header(transfer->headers, "Impilo-Webhook-Secret: " + secret_);
    }
    CURL* const easy = transfer->easy;
    curl_easy_setopt(easy, CURLOPT_URL, to.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // never the environment's proxy
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::chrono::milliseconds(attempt_timeout).count()));
    // The whole attempt: connecting, sending, and the whole answer.
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::chrono::milliseconds(attempt_timeout).count()));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "impilo-simulator");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(transfer->body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, read_capped);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->answer);
    return transfer;
  };

  // What each finished transfer got, as (its handle, the outcome).
  std::vector<std::pair<CURL*, Outcome>> done;
  std::unique_lock<std::mutex> lock(mutex_);
  multi_ = multi;
  while (!stopping_ && multi != nullptr) {
    // Start what is due, oldest first; a receiver's next delivery waits for its attempt under way
    // (so that each receiver gets its deliveries one at a time, in order).
    const auto now = steady_clock::now();
    std::optional<steady_clock::time_point> next_due;
    std::vector<Pending> waiting;
    while (!queue_.empty() && active.size() < max_attempts_in_flight) {
      const Pending next = queue_.top();
      if (next.due > now) {
        next_due = next.due;
        break;
      }
      queue_.pop();
      std::optional<Destination> to = destination(deliveries_[next.index].url);
      if (!to) {
        finish(next, Outcome{std::nullopt, true});
        continue;
      }
      if (busy_targets.count(to->target) != 0) {
        waiting.push_back(next);
        continue;
      }
      std::unique_ptr<Transfer> transfer = prepare(next, std::move(*to));
      if (transfer->easy == nullptr || curl_multi_add_handle(multi, transfer->easy) != CURLM_OK) {
        finish(next, Outcome{});
        continue;
      }
      busy_targets.insert(transfer->target);
      CURL* const easy = transfer->easy;
      active.emplace(easy, std::move(transfer));
    }
    for (const Pending& pending : waiting) queue_.push(pending);

    // Wait for the sockets, libcurl's timers, the next due retry or a wake-up (queue(), stop()),
    // without the lock: the API keeps answering meanwhile.
    int wait_ms = 60'000;
    if (next_due) {
      const auto until = std::chrono::ceil<std::chrono::milliseconds>(*next_due - now).count();
      wait_ms = static_cast<int>(std::clamp<std::int64_t>(until, 0, wait_ms));
    }
    lock.unlock();
    int running = 0;
    // Every finished transfer's outcome, moved to `done`.
    const auto collect = [&] {
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        CURL* const easy = message->easy_handle;
        const CURLcode result = message->data.result;
        Outcome outcome;
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        const auto found = active.find(easy);
        const bool capped = found != active.end() && found->second->answer.capped;
        // An answer counts by its status when it came whole, or when its body went past the cap
        // (the receiver did answer; the rest is not read). A timeout, a refused or broken
        // connection is a failed attempt.
        if (status > 0 && (result == CURLE_OK || (result == CURLE_WRITE_ERROR && capped))) {
          outcome.status = static_cast<int>(status);
        }
        done.emplace_back(easy, outcome);
      }
    };
    curl_multi_perform(multi, &running);
    collect();
    // Wait only when nothing finished: a transfer that ended in this perform leaves no socket to
    // wake the poll, and its receiver's next delivery would wait for the next wake-up.
    if (done.empty()) {
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
      curl_multi_perform(multi, &running);
      collect();
    }
    lock.lock();
    for (const auto& [easy, outcome] : done) {
      const auto found = active.find(easy);
      if (found == active.end()) continue;
      curl_multi_remove_handle(multi, easy);
      finish(found->second->pending, outcome);
      busy_targets.erase(found->second->target);
      active.erase(found);
    }
    done.clear();
  }
  // Stopping: an attempt under way is cut off and counts as failed (its retry stays queued for
  // the next start()).
  for (auto& [easy, transfer] : active) {
    curl_multi_remove_handle(multi, easy);
    finish(transfer->pending, Outcome{});
  }
  multi_ = nullptr;
  lock.unlock();
  active.clear();
  if (multi != nullptr) curl_multi_cleanup(multi);
}

}  // namespace impilo::testing::detail
