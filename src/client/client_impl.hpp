#pragma once

// The state every `Client` call shares: its options, secrets, log and request pipeline. Private:
// included by the client's translation units only (client.cpp, client_once.cpp and the files that
// add calls to `Client`), so that each family of calls can live in its own file. What builds that
// state lives in files named for it: options.cpp (the checks), headers.cpp, secret_registry.cpp,
// logging.cpp, and the retry loop in the http layer (pipeline.cpp).

#include <algorithm>
#include <chrono>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "listing.hpp"
#include "logging.hpp"
#include "pipeline.hpp"
#include "secret_registry.hpp"
#include "url.hpp"

namespace impilo {

namespace detail {

using internal::has_control_character;

/// @p options checked as `Client`'s constructor documents, `sleep` defaulted (options.cpp).
/// @throws impilo::UsageError naming the first option that is unusable, never quoting the key.
ClientOptions checked_options(ClientOptions options);

/// What the request pipeline reads of checked @p options (options.cpp).
PipelineOptions pipeline_options(const ClientOptions& options);

/// The headers every request carries: the API key, Accept and User-Agent (headers.cpp).
HttpHeaders common_headers(const ClientOptions& options);

/// The pipeline of checked @p options, logging to @p log: parses the base URL (which may throw
/// `UsageError`), then builds the transport when the options bring none (client.cpp).
Pipeline make_pipeline(const ClientOptions& options, const RedactingLog& log);

/// What made a create's outcome ambiguous (a `TransportError` that may have reached the server,
/// a 5xx or 408 `ServerError`), for log lines and `AmbiguousCreateError`; empty when the
/// exception in flight settles the outcome. Call only inside a `catch` (client_once.cpp).
std::string ambiguity_of_current_exception();

/// The settle window (`ClientOptions::settle_delay`, `settle_lookups`): waits, then calls
/// @p look, doubling the wait each round, until @p look returns true or the rounds are spent.
/// @p before_wait hears of each round and its wait first. The one schedule of every reconciling
/// create (orders and patients).
template <typename BeforeWait, typename Look>
bool over_settle_window(const ClientOptions& options, BeforeWait&& before_wait, Look&& look) {
  std::chrono::milliseconds wait = options.settle_delay;
  for (int round = 1; round <= options.settle_lookups; ++round, wait *= 2) {
    before_wait(round, wait);
    options.sleep(wait);
    if (look()) return true;
  }
  return false;
}

/// The body of a 2xx answer to a create, decoded: one that is not a `T` is a `DecodeError` that
/// may have reached the server, since the server accepted the create whatever it answered.
template <typename T>
T decode_created(const std::string& body) {
  try {
    return from_json_text<T>(body);
  } catch (const DecodeError& e) {
    throw DecodeError(e.pointer(), e.detail(), /*may_have_reached_server=*/true);
  }
}

}  // namespace detail

using detail::describe;
using internal::has_control_character;
using detail::Idempotency;
using detail::max_page_size;
using detail::orders_path;

/// What a `Client` holds, shared with the ranges it hands out. Its members are inline: an
/// out-of-line member of a class nested in an exported one would be exported.
struct Client::Impl {
  ClientOptions options;
  detail::SecretRegistry secrets;
  detail::ClientLog log;      // redacts through `secrets`
  detail::Pipeline pipeline;  // logs through `log`

  /// @throws impilo::UsageError for unusable options or base URL.
  explicit Impl(ClientOptions opts)
      : options(detail::checked_options(std::move(opts))),
        secrets(options.api_key),
        log(options.logger, options.log_level, secrets),
        pipeline(detail::make_pipeline(options, log)) {}
  Impl(const Impl&) = delete;  // `log` and `pipeline` refer to the members before them
  Impl& operator=(const Impl&) = delete;
  ~Impl() = default;
};

}  // namespace impilo
