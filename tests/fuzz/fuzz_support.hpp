#pragma once

// Shared by the libFuzzer targets: the properties every target checks.
//
// A target returns normally when the library accepted the input or refused it with an
// `impilo::Error`. Anything else is a finding: another exception escapes to libFuzzer (reported as
// a crash, with the input saved), and a broken property aborts with a message.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <impilo/errors.hpp>
#include <string_view>

namespace impilo_fuzz {

/// The fuzzer's input as text.
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Aborts with @p what when @p holds is false (a finding: libFuzzer keeps the input).
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
  }
}

/// Runs @p call; an `impilo::Error` is an accepted outcome, any other exception escapes.
template <typename F>
void refusals_are_impilo_errors(F&& call) {
  try {
    call();
  } catch (const impilo::Error&) {
    // the library refused the input the documented way
  }
}

}  // namespace impilo_fuzz
