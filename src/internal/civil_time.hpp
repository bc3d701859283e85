#pragma once

// Calendar arithmetic for the timestamps the SDK and the simulator read (HTTP dates in
// Retry-After, ISO 8601 webhook times), without the C library's time zone and locale state.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

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

/// True for a leap year of the proleptic Gregorian calendar.
constexpr bool is_leap_year(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/// Days in month @p m (1-12) of year @p y.
constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/// Days since 1970-01-01 of the calendar date @p text, which must be exactly `YYYY-MM-DD` (ASCII
/// digits, a real date: no 31 April, no 29 February outside a leap year); empty otherwise. The
/// one reading of a date of birth, for the SDK's checks and the simulator's.
constexpr std::optional<std::int64_t> parse_calendar_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto number = [&text](std::size_t from, std::size_t count) -> std::optional<unsigned> {
    unsigned value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
  };
  const auto y = number(0, 4);
  const auto m = number(5, 2);
  const auto d = number(8, 2);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) {
    return std::nullopt;
  }
  return days_from_civil(*y, *m, *d);
}

/// Days since 1970-01-01 of today's date in UTC.
inline std::int64_t today_utc() noexcept {
  using std::chrono::duration_cast;
  const auto seconds =
      duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
}

}  // namespace impilo::internal
