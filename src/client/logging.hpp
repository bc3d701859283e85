#pragma once

// Where a `Client` logs: the user's logger, at or above the chosen level, every line redacted by
// the client's secret registry (docs/logging.md). The request pipeline logs through it too.

#include <impilo/client.hpp>
#include <string>
#include <utility>

#include "pipeline.hpp"
#include "secret_registry.hpp"

namespace impilo::detail {

/// The log of one client. Safe to share between threads when the user's logger is.
class ClientLog final : public RedactingLog {
 public:
  /// @p secrets must outlive the log.
  ClientLog(Logger logger, LogLevel level, const SecretRegistry& secrets);

  [[nodiscard]] bool enabled(LogLevel level) const override;
  void write(LogLevel level, std::string line) const override;
  [[nodiscard]] std::string redact_body(std::string body) const override;

  /// Logs the line @p make_message builds, building it only when it will be logged (see
  /// `log_lazily`).
  template <typename MakeMessage>
  void operator()(LogLevel level, MakeMessage&& make_message) const {
    log_lazily(*this, level, std::forward<MakeMessage>(make_message));
  }

 private:
  Logger logger_;
  LogLevel level_;
  const SecretRegistry& secrets_;
};

}  // namespace impilo::detail
