#pragma once

// The request pipeline: one logical call, sent with the retry policy of
// docs/adr/0005-retry-policy.md (attempt timeouts, an overall deadline, the Retry-After cap,
// jittered backoff), each attempt logged as docs/logging.md describes, and an error answer thrown
// as the mapped ApiError. Whether a failed attempt is repeated is decided by the idempotency the
// call states, never by its verb. The client layer gives it its settings, transport and a log that
// redacts; the pipeline knows nothing of `Client`.

#include <chrono>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "retry.hpp"

namespace impilo::detail {

/// One logical call, as the layer above describes it. Every field is required: a call states its
/// idempotency, there is no default to forget.
struct Call {
  Call(std::string method_, std::string target_, std::optional<std::string> json_body_,
       Idempotency idempotency_)
      : method(std::move(method_)),
        target(std::move(target_)),
        json_body(std::move(json_body_)),
        idempotency(idempotency_) {}

  std::string method;  ///< `GET`, `POST`, ...
  std::string target;  ///< The path and query string, appended to the pipeline's root URL.
  /// The JSON body; sent with `Content-Type: application/json` (and logged with `log_bodies`)
  /// when present.
  std::optional<std::string> json_body;
  /// Whether a failed attempt that may have reached the server may be sent again.
  Idempotency idempotency;
};

/// What the pipeline needs of the client's options (the fields of `ClientOptions` of the same
/// names, already checked).
struct PipelineOptions {
  std::chrono::milliseconds connect_timeout{};
  std::chrono::milliseconds attempt_timeout{};
  std::chrono::milliseconds overall_timeout{};  ///< Zero: no overall bound.
  int max_retries{};
  std::chrono::milliseconds initial_backoff{};
  std::chrono::milliseconds max_backoff{};
  std::chrono::milliseconds max_retry_after{};
  bool log_bodies{false};
  std::function<void(std::chrono::milliseconds)> sleep;  ///< Must be set.
};

/// Where the pipeline's log lines go, and how it hides secrets in what it logs or throws.
/// Implemented by the client layer, which knows the API key and the webhook secrets.
class RedactingLog {
 public:
  /// True when a line at @p level would be passed on: lines are built only then.
  [[nodiscard]] virtual bool enabled(LogLevel level) const = 0;
  /// Redacts @p line and passes it on. May throw (a user's logger); `log` swallows that.
  virtual void write(LogLevel level, std::string line) const = 0;
  /// @p body with every secret hidden, raw or JSON-escaped.
  [[nodiscard]] virtual std::string redact_body(std::string body) const = 0;

 protected:
  RedactingLog() = default;
  RedactingLog(const RedactingLog&) = default;
  RedactingLog& operator=(const RedactingLog&) = default;
  ~RedactingLog() = default;
};

/// Passes the line @p make_message builds to @p sink. The line is built only when it will be
/// logged, so calls without a logger (the common case) format nothing, and a response body is
/// never copied unless bodies are logged. A failure to build or log a line is swallowed: a logger
/// must not turn a successful call into a failure.
template <typename MakeMessage>
void log_lazily(const RedactingLog& sink, LogLevel level, MakeMessage&& make_message) {
  if (!sink.enabled(level)) return;
  try {
    sink.write(level, std::forward<MakeMessage>(make_message)());
  } catch (...) {
  }
}

/// The words a log line or a message uses for a transport failure (`connection cut`).
std::string describe(const TransportError& e);

/// Sends calls to one server. Safe to share between threads when its transport and log are.
class Pipeline {
 public:
  /// @p root: scheme, host and port, prefixed to every call's target. @p headers: sent with every
  /// call. @p log must outlive the pipeline.
  Pipeline(PipelineOptions options, std::string root, std::shared_ptr<HttpTransport> transport,
           HttpHeaders headers, const RedactingLog& log);

  /// Sends @p call, repeating failed attempts as its idempotency allows, and returns the 2xx
  /// response.
  /// @throws impilo::ApiError (the mapped subclass, its body redacted) for the last error answer;
  ///         impilo::TransportError for the last transport failure.
  HttpResponse send(Call call) const;

 private:
  bool wait_before_retry(const RetryDecision& decision, int attempt, bool bounded,
                         std::chrono::steady_clock::time_point deadline,
                         const std::string& why) const;

  PipelineOptions options_;
  std::string root_;
  std::shared_ptr<HttpTransport> transport_;
  HttpHeaders headers_;
  const RedactingLog& log_;
};

}  // namespace impilo::detail
