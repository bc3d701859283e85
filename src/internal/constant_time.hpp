#pragma once

// The comparison behind `verify_webhook_secret`, as a template over how a byte is read, so that a
// test can count every read through an instrumented reader and prove that no byte is skipped.

#include <cstddef>
#include <string_view>

namespace impilo::internal {

/// Reads byte @p i of @p text: what the library uses.
struct PlainByteRead {
  unsigned char operator()(std::string_view text, std::size_t i) const noexcept {
    return static_cast<unsigned char>(text[i]);
  }
};

/// True when @p candidate equals @p secret; false when either is empty.
///
/// Reads every byte of @p secret exactly once and one byte of @p candidate for each of them,
/// whatever the contents: differences are OR-ed together and looked at only after the loop, so
/// the time depends on the secret's length alone (and on whether the lengths differ, which the
/// loop also hides by reading @p candidate cyclically).
template <typename Read = PlainByteRead>
bool constant_time_equal(std::string_view candidate, std::string_view secret,
                         Read read = {}) noexcept {
  if (secret.empty() || candidate.empty()) return false;
  unsigned int diff = candidate.size() == secret.size() ? 0U : 1U;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    diff |= static_cast<unsigned int>(read(secret, i) ^ read(candidate, i % candidate.size()));
  }
  return diff == 0U;
}

}  // namespace impilo::internal
