#pragma once

// The state every `Client` call shares: options, parsed base URL, transport and the retry loop.
// Private: included by the client's translation units only (client.cpp, client_once.cpp and the
// files that add calls to `Client`), so that each family of calls can live in its own file.

#include <algorithm>
#include <chrono>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <impilo/version.hpp>
#include <initializer_list>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "redact.hpp"
#include "retry.hpp"
#include "transport_kind.hpp"
#include "url.hpp"

namespace impilo {

namespace detail {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view orders_path = "/api/v3/order";
constexpr std::int64_t max_page_size = 250;

using internal::has_control_character;

inline std::string describe(const TransportError& e) {
  return std::string(internal::transport_kind_text(e.kind()).summary);
}

/// Checks what every list call shares: a 1-based @p page, a @p size within 1..250, and
/// @p extra_query naming none of the parameters the call models (@p modelled, fields of
/// @p params_type).
inline void check_paging(std::int64_t page, std::int64_t size,
                         const std::vector<std::pair<std::string, std::string>>& extra_query,
                         std::initializer_list<std::string_view> modelled,
                         std::string_view params_type) {
  if (page < 1) {
    throw UsageError("page must be at least 1 (pages are 1-based), got " + std::to_string(page));
  }
  if (size < 1 || size > max_page_size) {
    throw UsageError("size must be from 1 to 250, got " + std::to_string(size));
  }
  for (const auto& [key, value] : extra_query) {
    for (const std::string_view name : modelled) {
      if (key == name) {
        throw UsageError("extra_query must not set '" + key + "': use " + std::string(params_type) +
                         " instead");
      }
    }
    if (key.empty()) throw UsageError("extra_query holds a parameter with an empty name");
  }
}

}  // namespace detail

using detail::Clock;
using detail::describe;
using detail::has_control_character;
using detail::max_page_size;
using detail::milliseconds;
using detail::orders_path;
using internal::redact;
using internal::redact_body;

/// What a `Client` holds, shared with the ranges it hands out.
struct Client::Impl {
  ClientOptions options;
  internal::BaseUrl base;
  std::shared_ptr<HttpTransport> transport;
  HttpHeaders common_headers;

  explicit Impl(ClientOptions opts) : options(std::move(opts)) {
    if (options.api_key.empty()) {
      throw UsageError("api_key is empty: set ClientOptions::api_key or IMPILO_API_KEY");
    }
    // The messages never quote the value: for the key, that would be the leak itself.
    if (has_control_character(options.api_key)) {
      throw UsageError(
          "api_key holds a control character (such as NUL, TAB, CR, LF or DEL); refusing to send "
          "it as a header");
    }
    if (has_control_character(options.user_agent_suffix)) {
      throw UsageError(
          "user_agent_suffix holds a control character (such as NUL, TAB, CR, LF or DEL)");
    }
    if (options.max_retries < 0) throw UsageError("max_retries must not be negative");
    if (options.attempt_timeout.count() <= 0) throw UsageError("attempt_timeout must be positive");
    if (options.connect_timeout.count() <= 0) throw UsageError("connect_timeout must be positive");
    if (options.settle_delay.count() < 0) throw UsageError("settle_delay must not be negative");
    if (options.overall_timeout.count() < 0) {
      throw UsageError("overall_timeout must not be negative (0 means no overall bound)");
    }
    base = internal::parse_base_url(options.base_url);
    transport =
        options.transport ? options.transport : make_curl_transport(options.transport_options);
    if (!options.sleep) options.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };

    std::string agent = std::string("impilo-cpp/") + version();
    if (!options.user_agent_suffix.empty()) agent += " " + options.user_agent_suffix;
    common_headers = {{"Impilo-API-Key", options.api_key},
                      {"Accept", "application/json"},
                      {"User-Agent", std::move(agent)}};
  }

  /// Adds @p secret to what `redact_secrets` hides from now on (a webhook secret, before it is
  /// sent: the request body may be logged).
  void add_secret(std::string_view secret) const {
    const std::lock_guard<std::mutex> lock(secrets_mutex_);
    for (const std::string& known : secrets_) {
      if (known == secret) return;
    }
    secrets_.emplace_back(secret);
  }

  /// @p text without the API key or any secret given to `add_secret`.
  std::string redact_secrets(std::string text) const {
    return redact_each(std::move(text), &internal::redact_all);
  }

  /// `redact_secrets` for a body, which may also hold them JSON-escaped (see `redact_body`).
  std::string redact_body_secrets(std::string body) const {
    return redact_each(std::move(body), &internal::redact_body_all);
  }

  /// Passes the line @p make_message builds to the logger. The line is built only when it will
  /// be logged, so calls without a logger (the common case) format nothing, and a response body is
  /// never copied unless bodies are logged.
  template <typename MakeMessage>
  void log(LogLevel level, MakeMessage&& make_message) const {
    if (!options.logger || level < options.log_level) return;
    try {
      options.logger(level, redact_secrets(std::forward<MakeMessage>(make_message)()));
    } catch (...) {  // a logger must not turn a successful call into a failure
    }
  }

  /// Sends one logical call with the retry policy of docs/retries.md and returns a 2xx response.
  HttpResponse call(const std::string& method, const std::string& path_and_query,
                    std::string body) const {
    const bool is_post = method == "POST";
    const std::string path = path_and_query.substr(0, path_and_query.find('?'));
    HttpRequest request;
    request.method = method;
    request.url = base.root + path_and_query;
    request.headers = common_headers;
    if (is_post) request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(body);
    request.connect_timeout = options.connect_timeout;

    const auto started = Clock::now();
    const auto deadline = detail::saturating_add(started, options.overall_timeout);
    // A deadline at the clock's end (overall_timeout near milliseconds::max()) bounds nothing.
    const bool bounded =
        options.overall_timeout.count() > 0 && deadline != Clock::time_point::max();
    const int attempts = options.max_retries + 1;
    const std::string where = method + " " + path;
    if (options.log_bodies && is_post) {
      log(LogLevel::debug, [&] { return where + " body: " + redact_body_secrets(request.body); });
    }

    for (int attempt = 1;; ++attempt) {
      request.timeout = options.attempt_timeout;
      if (bounded) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        request.timeout = std::max(milliseconds(1), std::min(request.timeout, left));
      }
      const auto attempt_note = [&] {
        return " (attempt " + std::to_string(attempt) + "/" + std::to_string(attempts) + ")";
      };
      const auto attempt_start = Clock::now();
      const auto elapsed = [&] {
        return std::to_string(
                   std::chrono::duration_cast<milliseconds>(Clock::now() - attempt_start).count()) +
               " ms";
      };

      detail::RetryDecision decision;
      HttpResponse response;
      try {
        response = transport->send(request);
      } catch (const TransportError& e) {
        log(LogLevel::info,
            [&] { return where + " -> " + describe(e) + " in " + elapsed() + attempt_note(); });
        decision = detail::decide_after_failure(is_post, e);
        if (!decision.retry || attempt >= attempts ||
            !wait_before_retry(decision, attempt, bounded, deadline, describe(e))) {
          log(LogLevel::error, [&] {
            return where + " failed: " + describe(e) +
                   (e.may_have_reached_server() ? " (may have reached the server)"
                                                : " (never reached the server)");
          });
          throw;
        }
        continue;
      }

      log(LogLevel::info, [&] {
        return where + " -> " + std::to_string(response.status) + " in " + elapsed() +
               attempt_note();
      });
      if (options.log_bodies) {
        log(LogLevel::debug,
            [&] { return where + " response body: " + redact_body_secrets(response.body); });
      }
      if (response.status >= 200 && response.status < 300) return response;

      decision = detail::decide_after_status(is_post, response.status, response.headers);
      if (!decision.retry || attempt >= attempts ||
          !wait_before_retry(decision, attempt, bounded, deadline,
                             "HTTP " + std::to_string(response.status))) {
        log(LogLevel::error,
            [&] { return where + " failed: HTTP " + std::to_string(response.status); });
        // Redacted raw and decoded, so that body(), message() and what() never hold the key or
        // a webhook secret.
        throw_api_error(response.status, redact_body_secrets(std::move(response.body)), where);
      }
    }
  }

  /// Sleeps before the next attempt; false when the wait is not allowed (Retry-After above the
  /// cap, or past the overall deadline), in which case the caller gives up.
  bool wait_before_retry(const detail::RetryDecision& decision, int attempt, bool bounded,
                         Clock::time_point deadline, const std::string& why) const {
    milliseconds wait;
    if (decision.retry_after) {
      if (*decision.retry_after > options.max_retry_after) {
        log(LogLevel::warning, [&] {
          return "not retrying: Retry-After " + std::to_string(decision.retry_after->count()) +
                 " ms exceeds max_retry_after";
        });
        return false;
      }
      wait = *decision.retry_after;
    } else {
      wait = detail::jittered_backoff(options.initial_backoff, options.max_backoff, attempt);
    }
    if (bounded && !detail::fits_before(Clock::now(), wait, deadline)) {
      log(LogLevel::warning,
          [&] { return "not retrying: the overall timeout would pass while waiting"; });
      return false;
    }
    log(LogLevel::warning,
        [&] { return "retrying in " + std::to_string(wait.count()) + " ms after " + why; });
    options.sleep(wait);
    return true;
  }

  Page<Order> list(const ListOrdersParams& params) const {
    check_list_params(params);
    std::string target = std::string(orders_path) + "?page=" + std::to_string(params.page) +
                         "&size=" + std::to_string(params.size);
    for (const auto& [key, value] : params.extra_query) {
      target += "&" + internal::url_encode(key) + "=" + internal::url_encode(value);
    }
    return from_json_text<Page<Order>>(call("GET", target, {}).body);
  }

  static void check_list_params(const ListOrdersParams& params) {
    detail::check_paging(params.page, params.size, params.extra_query, {"page", "size"},
                         "ListOrdersParams");
  }

 private:
  /// All secrets in one pass (docs/logging.md): one after another, a secret that overlaps
  /// another would leave the other's remainder in the text.
  template <typename RedactAll>
  std::string redact_each(std::string text, RedactAll redact_all) const {
    const std::lock_guard<std::mutex> lock(secrets_mutex_);
    std::vector<std::string_view> all{options.api_key};
    all.insert(all.end(), secrets_.begin(), secrets_.end());
    return redact_all(std::move(text), all);
  }

  mutable std::mutex secrets_mutex_;
  mutable std::vector<std::string> secrets_;  // webhook secrets set through this client
};

}  // namespace impilo
