#pragma once

// The checksum of the SDK's own text formats (a `CreateTicket`): it tells a damaged or truncated
// copy from one whose content is wrong. FNV-1a, 64 bits, as 16 lower-case hex digits: it catches
// a cut or a changed byte, and is no defence against forgery (the text is the caller's own data).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace impilo::internal {

/// How many hex digits `checksum_hex` gives.
inline constexpr std::size_t checksum_hex_digits = 16;

/// FNV-1a 64 of @p text as 16 lower-case hex digits.
inline std::string checksum_hex(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string digits(checksum_hex_digits, '0');
  for (std::size_t i = checksum_hex_digits; i-- > 0; hash >>= 4U) digits[i] = hex[hash & 0xFU];
  return digits;
}

}  // namespace impilo::internal
