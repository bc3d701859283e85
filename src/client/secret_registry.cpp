#include "secret_registry.hpp"

#include <utility>

#include "redact.hpp"

namespace impilo::detail {

SecretRegistry::SecretRegistry(std::string api_key) : api_key_(std::move(api_key)) {}

void SecretRegistry::add(std::string_view secret) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& known : secrets_) {
    if (known == secret) return;
  }
  secrets_.emplace_back(secret);
}

// All secrets in one pass (docs/logging.md): one after another, a secret that overlaps another
// would leave the other's remainder in the text.
template <typename RedactAll>
std::string SecretRegistry::with_all_secrets(RedactAll&& redact_all) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string_view> all{api_key_};
  all.insert(all.end(), secrets_.begin(), secrets_.end());
  return redact_all(all);
}

std::string SecretRegistry::redact(std::string text) const {
  return with_all_secrets(
      [&](const std::vector<std::string_view>& all) { return internal::redact_all(text, all); });
}

std::string SecretRegistry::redact_body(std::string body) const {
  return with_all_secrets([&](const std::vector<std::string_view>& all) {
    return internal::redact_body_all(std::move(body), all);
  });
}

}  // namespace impilo::detail
