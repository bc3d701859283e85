#pragma once

// The secrets a `Client` must never let out: its API key and every webhook secret set through it.
// Whatever it logs or throws passes through `redact` or `redact_body` first (docs/logging.md).

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace impilo::detail {

/// The API key and the webhook secrets of one client. Safe to share between threads.
class SecretRegistry {
 public:
  explicit SecretRegistry(std::string api_key);

  /// Adds @p secret to what `redact` hides from now on (a webhook secret, before it is sent: the
  /// request body itself may be logged).
  void add(std::string_view secret) const;

  /// @p text without the API key or any secret given to `add`.
  [[nodiscard]] std::string redact(std::string text) const;

  /// `redact` for a body, which may also hold them JSON-escaped (see `internal::redact_body_all`).
  [[nodiscard]] std::string redact_body(std::string body) const;

 private:
  /// Calls @p redact_all with the key and every secret, under the lock (secret_registry.cpp).
  template <typename RedactAll>
  std::string with_all_secrets(RedactAll&& redact_all) const;

  std::string api_key_;
  mutable std::mutex mutex_;
  mutable std::vector<std::string> secrets_;  // webhook secrets set through this client
};

}  // namespace impilo::detail
