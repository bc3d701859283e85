#include "retry.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <random>
#include <string>

#include "ascii.hpp"
#include "civil_time.hpp"

namespace impilo::detail {

namespace {

using std::chrono::milliseconds;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int month_index(std::string_view name) {
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (months[i] == name) return static_cast<int>(i) + 1;
  }
  return 0;
}

/// Splits on spaces, commas, dashes and colons: every HTTP-date form becomes a list of tokens.
std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::string_view(" ,-:").find(s[i]) != std::string_view::npos) ++i;
    const std::size_t start = i;
    while (i < s.size() && std::string_view(" ,-:").find(s[i]) == std::string_view::npos) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<std::int64_t> number(std::string_view s) {
  if (!all_digits(s) || s.size() > 9) return std::nullopt;
  return std::stoll(std::string(s));
}

/// Seconds since the epoch of an HTTP-date, or nullopt.
std::optional<std::int64_t> parse_http_date(std::string_view value) {
  const auto t = tokens(value);
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT  -> Sun 06 Nov 1994 08 49 37 GMT
  // RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT -> Sunday 06 Nov 94 08 49 37 GMT
  // asctime:     Sun Nov  6 08:49:37 1994       -> Sun Nov 6 08 49 37 1994
  std::optional<std::int64_t> day;
  std::optional<std::int64_t> year;
  std::optional<std::int64_t> hour;
  std::optional<std::int64_t> minute;
  std::optional<std::int64_t> second;
  int month = 0;
  if (t.size() == 8 && t[7] == "GMT") {
    day = number(t[1]);
    month = month_index(t[2]);
    year = number(t[3]);
    hour = number(t[4]);
    minute = number(t[5]);
    second = number(t[6]);
    if (year && t[3].size() == 2) *year += *year < 70 ? 2000 : 1900;
  } else if (t.size() == 7) {
    month = month_index(t[1]);
    day = number(t[2]);
    hour = number(t[3]);
    minute = number(t[4]);
    second = number(t[5]);
    year = number(t[6]);
  }
  if (!day || !year || !hour || !minute || !second || month == 0 || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::int64_t days =
      internal::days_from_civil(*year, static_cast<unsigned>(month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second;
}

bool retryable_transport_failure(TransportError::Kind kind) {
  return kind == TransportError::Kind::connect || kind == TransportError::Kind::timeout ||
         kind == TransportError::Kind::connection_cut;
}

}  // namespace

RetryDecision decide_after_failure(Idempotency idempotency, const TransportError& error) {
  RetryDecision decision;
  if (idempotency == Idempotency::may_create) {
    decision.retry =
        !error.may_have_reached_server() && (error.kind() == TransportError::Kind::connect ||
                                             error.kind() == TransportError::Kind::timeout);
  } else {
    decision.retry = retryable_transport_failure(error.kind());
  }
  return decision;
}

RetryDecision decide_after_status(Idempotency idempotency, int status, const HttpHeaders& headers) {
  RetryDecision decision;
  if (idempotency == Idempotency::may_create) {
    decision.retry = status == 429;
  } else {
    static constexpr std::array<int, 6> retryable{408, 429, 500, 502, 503, 504};
    decision.retry = std::find(retryable.begin(), retryable.end(), status) != retryable.end();
  }
  if (decision.retry) {
    if (const auto value = find_header(headers, "Retry-After")) {
      decision.retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
    }
  }
  return decision;
}

milliseconds jittered_backoff(milliseconds initial, milliseconds max, int attempt) {
  std::int64_t ceiling = std::max<std::int64_t>(initial.count(), 0);
  for (int i = 1; i < attempt && ceiling < max.count(); ++i) {
    // Saturate instead of doubling past the type's range (max_backoff may be milliseconds::max()).
    ceiling = ceiling > max.count() / 2 ? max.count() : ceiling * 2;
  }
  ceiling = std::min(ceiling, max.count());
  if (ceiling <= 0) return milliseconds(0);
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
  return milliseconds(pick(generator));
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = internal::trim(value);
  if (all_digits(value)) {
    if (value.size() > 9) return milliseconds::max();  // absurdly long: above any cap
    return milliseconds(std::stoll(std::string(value)) * 1000);
  }
  const auto when = parse_http_date(value);
  if (!when) return std::nullopt;
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t seconds = std::max<std::int64_t>(*when - now_s, 0);
  // A date centuries ahead is above any cap: saturate rather than overflow the milliseconds.
  if (seconds > milliseconds::max().count() / 1000) return milliseconds::max();
  return milliseconds(seconds * 1000);
}

}  // namespace impilo::detail
