#pragma once

// Calendar arithmetic for the timestamps the SDK and the simulator read (HTTP dates in
// Retry-After, ISO 8601 webhook times), without the C library's time zone and locale state.

#include <cstdint>

namespace impilo::internal {

/// Days since 1970-01-01 of the proleptic Gregorian date @p y-@p m-@p d (month 1-12, day 1-31),
/// negative before it (Howard Hinnant's `days_from_civil`). Dates are not checked: 31 February is
/// 3 March.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace impilo::internal
