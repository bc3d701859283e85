#pragma once

// The state every `Client` call shares: options, parsed base URL, transport and the retry loop.
// Private: included by the client's translation units only (client.cpp, client_once.cpp and the
// files that add calls to `Client`), so that each family of calls can live in its own file.

#include <algorithm>
#include <chrono>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <impilo/version.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "listing.hpp"
#include "redact.hpp"
#include "retry.hpp"
#include "url.hpp"

namespace impilo {

namespace detail {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// True when @p text holds a byte no header value may carry: a control character (below 0x20,
/// TAB included) or DEL. libcurl would send some of them as they are, and a CR or LF would split
/// the header.
inline bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

inline std::string describe(const TransportError& e) {
  switch (e.kind()) {
    case TransportError::Kind::connect:
      return "connect failed";
    case TransportError::Kind::tls:
      return "TLS failed";
    case TransportError::Kind::timeout:
      return "timed out";
    case TransportError::Kind::connection_cut:
      return "connection cut";
    case TransportError::Kind::too_large:
      return "response too large";
    case TransportError::Kind::other:
      break;
  }
  return "transport failed";
}

}  // namespace detail

using detail::Clock;
using detail::describe;
using detail::has_control_character;
using detail::max_page_size;
using detail::milliseconds;
using detail::orders_path;
using detail::redact;
using detail::redact_body;

/// What a `Client` holds, shared with the ranges it hands out.
struct Client::Impl {
  ClientOptions options;
  detail::BaseUrl base;
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
    base = detail::parse_base_url(options.base_url);
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
    return redact_each(std::move(text), &detail::redact);
  }

  /// `redact_secrets` for a body, which may also hold them JSON-escaped (see `redact_body`).
  std::string redact_body_secrets(std::string body) const {
    return redact_each(std::move(body), &detail::redact_body);
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

  /// Sends one logical call with the retry policy of spec section 3 and returns a 2xx response.
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

 private:
  std::string redact_each(std::string text,
                          std::string (*redact_one)(std::string, std::string_view)) const {
    text = redact_one(std::move(text), options.api_key);
    const std::lock_guard<std::mutex> lock(secrets_mutex_);
    for (const std::string& secret : secrets_) text = redact_one(std::move(text), secret);
    return text;
  }

  mutable std::mutex secrets_mutex_;
  mutable std::vector<std::string> secrets_;  // webhook secrets set through this client
};

}  // namespace impilo
