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

/// @p text made safe to show on a terminal: every C0 control character, DEL, C1 control (U+0080 to
/// U+009F, UTF-8 `C2 80` to `C2 9F`: some terminals take U+009B for CSI) and byte that is not
/// part of valid UTF-8 is escaped; everything else is kept. With @p json (@p text is JSON text,
/// whose raw controls can only be inside strings) a control becomes `\u00XX` and an invalid byte
/// `\ufffd`; otherwise each such byte becomes `\xXX` (ESC shows as `\x1b`).
inline std::string escape_terminal_controls(std::string_view text, bool json) {
  constexpr char hex[] = "0123456789abcdef";
  const auto escaped = [&](unsigned code) {
    return json ? std::string{'\\', 'u', '0', '0', hex[code >> 4], hex[code & 0xF]}
                : std::string{'\\', 'x', hex[code >> 4], hex[code & 0xF]};
  };
  const auto byte_at = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char lead = byte_at(i);
    if (lead < 0x20 || lead == 0x7F) {
      out += escaped(lead);
      ++i;
      continue;
    }
    if (lead < 0x80) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    const std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                              : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) valid = (byte_at(i + k) & 0xC0) == 0x80;
    if (!valid) {
      out += json ? std::string("\\ufffd") : escaped(lead);
      ++i;
    } else if (lead == 0xC2 && byte_at(i + 1) <= 0x9F) {  // U+0080 to U+009F
      out += json ? escaped(byte_at(i + 1)) : escaped(lead) + escaped(byte_at(i + 1));
      i += 2;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
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
