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

std::string SecretRegistry::redact(std::string text) const {
  return redact_each(std::move(text), &detail::redact);
}

std::string SecretRegistry::redact_body(std::string body) const {
  return redact_each(std::move(body), &detail::redact_body);
}

std::string SecretRegistry::redact_each(std::string text,
                                        std::string (*redact_one)(std::string,
                                                                  std::string_view)) const {
  text = redact_one(std::move(text), api_key_);
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& secret : secrets_) text = redact_one(std::move(text), secret);
  return text;
}

}  // namespace impilo::detail
