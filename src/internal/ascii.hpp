#pragma once

// Byte-level ASCII checks shared by every layer: control characters, whitespace trimming and
// case-insensitive comparison. Locale-free on purpose: `std::isspace` and `std::tolower` follow
// the C locale a program may have changed, and wire formats do not.

#include <algorithm>
#include <string>
#include <string_view>

namespace impilo::internal {

/// A control character (below 0x20: NUL, TAB, CR, LF, ...) or DEL.
constexpr bool is_control(char c) noexcept {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

/// A space, a control character or DEL: a byte no URL or header name may hold.
constexpr bool is_control_or_space(char c) noexcept {
  return c == ' ' || is_control(c);
}

/// True when @p text holds a byte no header value may carry (`is_control`). libcurl would send
/// some of them as they are, and a CR or LF would split the header.
inline bool has_control_character(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), is_control);
}

/// True when @p text holds a space, a control character or DEL (`is_control_or_space`).
inline bool has_control_or_space(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), is_control_or_space);
}

/// The whitespace `trim` removes: space, TAB, LF, VT, FF and CR (what `std::isspace` matches in
/// the "C" locale).
inline constexpr std::string_view ascii_whitespace = " \t\n\v\f\r";

/// @p text without leading and trailing `ascii_whitespace`.
constexpr std::string_view trim(std::string_view text) noexcept {
  const std::size_t first = text.find_first_not_of(ascii_whitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(ascii_whitespace) - first + 1);
}

/// @p c with A-Z mapped to a-z.
constexpr char to_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// @p text with A-Z mapped to a-z.
inline std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

/// True when @p a and @p b are equal but for the case of ASCII letters.
inline bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

}  // namespace impilo::internal
