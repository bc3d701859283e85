#include "pipeline.hpp"

#include <algorithm>

#include "transport_kind.hpp"

namespace impilo::detail {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string describe(const TransportError& e) {
  return std::string(internal::transport_kind_text(e.kind()).summary);
}

Pipeline::Pipeline(PipelineOptions options, std::string root,
                   std::shared_ptr<HttpTransport> transport, HttpHeaders headers,
                   const RedactingLog& log)
    : options_(std::move(options)),
      root_(std::move(root)),
      transport_(std::move(transport)),
      headers_(std::move(headers)),
      log_(log) {}

HttpResponse Pipeline::send(Call call) const {
  const std::string path = call.target.substr(0, call.target.find('?'));
  HttpRequest request;
  request.method = call.method;
  request.url = root_ + call.target;
  request.headers = headers_;
  if (call.json_body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(*call.json_body);
  }
  request.connect_timeout = options_.connect_timeout;

  const auto started = Clock::now();
  const auto deadline = saturating_add(started, options_.overall_timeout);
  // A deadline at the clock's end (overall_timeout near milliseconds::max()) bounds nothing.
  const bool bounded = options_.overall_timeout.count() > 0 && deadline != Clock::time_point::max();
  const int attempts = options_.max_retries + 1;
  const std::string where = call.method + " " + path;
  if (options_.log_bodies && call.json_body) {
    log_lazily(log_, LogLevel::debug,
               [&] { return where + " body: " + log_.redact_body(request.body); });
  }

  for (int attempt = 1;; ++attempt) {
    request.timeout = options_.attempt_timeout;
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

    RetryDecision decision;
    HttpResponse response;
    try {
      response = transport_->send(request);
    } catch (const TransportError& e) {
      log_lazily(log_, LogLevel::info, [&] {
        return where + " -> " + describe(e) + " in " + elapsed() + attempt_note();
      });
      decision = decide_after_failure(call.idempotency, e);
      if (!decision.retry || attempt >= attempts ||
          !wait_before_retry(decision, attempt, bounded, deadline, describe(e))) {
        log_lazily(log_, LogLevel::error, [&] {
          return where + " failed: " + describe(e) +
                 (e.may_have_reached_server() ? " (may have reached the server)"
                                              : " (never reached the server)");
        });
        throw;
      }
      continue;
    }

    log_lazily(log_, LogLevel::info, [&] {
      return where + " -> " + std::to_string(response.status) + " in " + elapsed() + attempt_note();
    });
    if (options_.log_bodies) {
      log_lazily(log_, LogLevel::debug,
                 [&] { return where + " response body: " + log_.redact_body(response.body); });
    }
    if (response.status >= 200 && response.status < 300) return response;

    decision = decide_after_status(call.idempotency, response.status, response.headers);
    if (!decision.retry || attempt >= attempts ||
        !wait_before_retry(decision, attempt, bounded, deadline,
                           "HTTP " + std::to_string(response.status))) {
      log_lazily(log_, LogLevel::error,
                 [&] { return where + " failed: HTTP " + std::to_string(response.status); });
      // Redacted raw and decoded, so that body(), message() and what() never hold the key or a
      // webhook secret.
      throw_api_error(response.status, log_.redact_body(std::move(response.body)), where,
                      decision.retry_after);
    }
  }
}

bool Pipeline::wait_before_retry(const RetryDecision& decision, int attempt, bool bounded,
                                 Clock::time_point deadline, const std::string& why) const {
  milliseconds wait;
  if (decision.retry_after) {
    if (*decision.retry_after > options_.max_retry_after) {
      log_lazily(log_, LogLevel::warning, [&] {
        return "not retrying: Retry-After " + std::to_string(decision.retry_after->count()) +
               " ms exceeds max_retry_after";
      });
      return false;
    }
    wait = *decision.retry_after;
  } else {
    wait = jittered_backoff(options_.initial_backoff, options_.max_backoff, attempt);
  }
  if (bounded && !fits_before(Clock::now(), wait, deadline)) {
    log_lazily(log_, LogLevel::warning,
               [&] { return "not retrying: the overall timeout would pass while waiting"; });
    return false;
  }
  log_lazily(log_, LogLevel::warning,
             [&] { return "retrying in " + std::to_string(wait.count()) + " ms after " + why; });
  options_.sleep(wait);
  return true;
}

}  // namespace impilo::detail
