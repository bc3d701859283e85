// The checks of `ClientOptions` a `Client` makes before it sends anything, and the part of them
// the request pipeline reads.

#include <chrono>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <thread>
#include <utility>

#include "client_impl.hpp"

namespace impilo::detail {

ClientOptions checked_options(ClientOptions options) {
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
  if (options.settle_lookups < 1 || options.settle_lookups > 16) {
    throw UsageError("settle_lookups must be from 1 to 16, got " +
                     std::to_string(options.settle_lookups));
  }
  // The waits double: the last one, settle_delay * 2^(settle_lookups - 1), must fit.
  if (options.settle_delay.count() > std::chrono::milliseconds::max().count() >>
      options.settle_lookups) {
    throw UsageError("settle_delay is too long for settle_lookups doubling waits");
  }
  if (options.once_lookback < 0) {
    throw UsageError("once_lookback must not be negative (0 turns the look-before-send off), got " +
                     std::to_string(options.once_lookback));
  }
  if (options.overall_timeout.count() < 0) {
    throw UsageError("overall_timeout must not be negative (0 means no overall bound)");
  }
  if (!options.sleep)
    options.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return options;
}

PipelineOptions pipeline_options(const ClientOptions& options) {
  PipelineOptions out;
  out.connect_timeout = options.connect_timeout;
  out.attempt_timeout = options.attempt_timeout;
  out.overall_timeout = options.overall_timeout;
  out.max_retries = options.max_retries;
  out.initial_backoff = options.initial_backoff;
  out.max_backoff = options.max_backoff;
  out.max_retry_after = options.max_retry_after;
  out.log_bodies = options.log_bodies;
  out.sleep = options.sleep;
  return out;
}

}  // namespace impilo::detail
