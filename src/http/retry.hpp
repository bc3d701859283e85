#pragma once

// The retry policy of docs/retries.md and docs/adr/0005-retry-policy.md, as pure functions so it
// can be tested without a network.

#include <chrono>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <optional>
#include <string_view>

namespace impilo::detail {

/// Whether to repeat a failed attempt, and how long the server asked us to wait.
struct RetryDecision {
  bool retry{false};
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
};

/// Whether a call may be sent again once it may have reached the server. Every call states it
/// (docs/adr/0005-retry-policy.md); it is never guessed from the verb.
enum class Idempotency {
  /// Sending it twice leaves the server as sending it once does: a read, or setting a value (the
  /// webhook secret). Repeated after any transient failure.
  safe_to_repeat,
  /// It may create something (an order, a webhook subscription), and the API has no idempotency
  /// key: repeated only where it cannot have reached the server.
  may_create,
};

/// After a transport failure. A call safe to repeat is repeated after a failed connect, a timeout
/// or a cut connection; one that may create only when no connection was ever made (a failed or
/// timed-out connect): anything later may have created something.
RetryDecision decide_after_failure(Idempotency idempotency, const TransportError& error);

/// After an HTTP error status. A call safe to repeat is repeated on 408, 429, 500, 502, 503 and
/// 504; one that may create only on 429 (the server refused it before doing anything). Reads
/// Retry-After from @p headers.
RetryDecision decide_after_status(Idempotency idempotency, int status, const HttpHeaders& headers);

/// @p start + @p duration, or the clock's last instant when that would overflow (an option or a
/// Retry-After at `milliseconds::max()`).
inline std::chrono::steady_clock::time_point saturating_add(
    std::chrono::steady_clock::time_point start, std::chrono::milliseconds duration) {
  using std::chrono::steady_clock;
  if (duration.count() <= 0) return start;
  const auto headroom = std::chrono::duration_cast<std::chrono::milliseconds>(
      steady_clock::time_point::max() - start);
  if (duration >= headroom) return steady_clock::time_point::max();
  return start + duration;
}

/// True when waiting @p wait from @p now ends before @p deadline. Compares in milliseconds, so
/// that no huge wait is ever converted to the clock's nanoseconds (which would overflow).
inline bool fits_before(std::chrono::steady_clock::time_point now, std::chrono::milliseconds wait,
                        std::chrono::steady_clock::time_point deadline) {
  if (deadline <= now) return false;
  return wait < std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
}

/// Full jitter: a wait drawn uniformly from [0, min(max, initial * 2^(attempt-1))].
std::chrono::milliseconds jittered_backoff(std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max, int attempt);

/// Parses a Retry-After value: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or asctime)
/// taken relative to @p now. A date in the past gives zero; anything unparsable gives nullopt.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace impilo::detail
