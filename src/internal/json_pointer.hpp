#pragma once

// JSON pointers (RFC 6901), shared by the decoder's error pointers and `unknown_members`.

#include <string>
#include <string_view>

namespace impilo::internal {

/// Appends `/` and @p token to @p pointer, escaping `~` as `~0` and `/` as `~1`.
inline void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

}  // namespace impilo::internal
