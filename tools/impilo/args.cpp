// Hand-written argument parsing for `impilo`: long flags with a separate value (`--page 2`) or
// an attached one (`--page=2`), `-h`, and `--` to end the flags. Global flags are accepted
// anywhere; each command adds its own. Every mistake is an `impilo::UsageError` naming the flag.

#include <charconv>
#include <cmath>
#include <impilo/version.hpp>
#include <limits>
#include <string>
#include <system_error>

#include "cli.hpp"

namespace impilo::cli {

namespace {

/// `-1`, `-0.5`: a (negative) number, taken as a positional argument or a value, not as a flag.
bool looks_like_number(std::string_view token) {
  return token.size() > 1 && token[0] == '-' &&
         ((token[1] >= '0' && token[1] <= '9') || token[1] == '.');
}

bool is_flag(std::string_view token) {
  return token.size() > 1 && token[0] == '-' && !looks_like_number(token);
}

/// The flag's name without an attached value: never echo `--api-key=SECRET` back whole.
std::string_view flag_name(std::string_view token) {
  return token.substr(0, token.find('='));
}

}  // namespace

std::optional<std::string> Args::next_positional(const std::vector<Flag>& flags, Context& ctx) {
  std::vector<Flag> all = flags;
  for (Flag& flag : global_flags(ctx)) all.push_back(std::move(flag));

  while (next_ < args_.size()) {
    const std::string token = args_[next_++];
    if (only_positionals_ || !is_flag(token)) return token;
    if (token == "--") {
      only_positionals_ = true;
      continue;
    }

    const std::string_view name = flag_name(token);
    const Flag* flag = nullptr;
    for (const Flag& candidate : all) {
      if (candidate.name == name) flag = &candidate;
    }
    if (flag == nullptr) throw UsageError("unknown flag '" + std::string(name) + "'");

    const bool attached = name.size() < token.size();
    std::string value;
    if (flag->takes_value) {
      if (attached) {
        value = token.substr(name.size() + 1);
      } else if (next_ < args_.size() && args_[next_].rfind("--", 0) != 0) {
        value = args_[next_++];
      } else {
        throw UsageError(std::string(name) + " needs a value");
      }
    } else if (attached) {
      throw UsageError(std::string(name) + " takes no value");
    }
    flag->apply(value);
  }
  return std::nullopt;
}

std::vector<std::string> Args::rest(const std::vector<Flag>& flags, Context& ctx) {
  std::vector<std::string> positionals;
  while (auto positional = next_positional(flags, ctx))
    positionals.push_back(std::move(*positional));
  return positionals;
}

std::vector<Flag> global_flags(Context& ctx) {
  GlobalOptions& globals = ctx.globals;
  return {
      {"--base-url", true, [&globals](const std::string& v) { globals.base_url = v; }},
      {"--api-key", true, [&globals](const std::string& v) { globals.api_key = v; }},
      {"--timeout", true,
       [&globals](const std::string& v) { globals.timeout = parse_seconds(v, "--timeout"); }},
      {"--max-retries", true,
       [&globals](const std::string& v) {
         globals.max_retries = static_cast<int>(
             parse_integer(v, "--max-retries", 0, std::numeric_limits<int>::max()));
       }},
      {"--verbose", false, [&globals](const std::string&) { globals.verbose = true; }},
      {"--help", false, [&ctx](const std::string&) { throw EarlyExit{ctx.help}; }},
      {"-h", false, [&ctx](const std::string&) { throw EarlyExit{ctx.help}; }},
      {"--version", false,
       [](const std::string&) { throw EarlyExit{std::string("impilo ") + version() + "\n"}; }},
  };
}

std::int64_t parse_integer(std::string_view text, std::string_view what, std::int64_t min,
                           std::int64_t max) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw UsageError(std::string(what) + " must be a whole number, got '" + std::string(text) +
                     "'");
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw UsageError(std::string(what) + " must be from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got " + std::string(text));
  }
  return value;
}

std::chrono::milliseconds parse_seconds(std::string_view text, std::string_view what) {
  constexpr double max_seconds = 1e6;  // keeps the conversion to milliseconds far from overflow
  double seconds = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > max_seconds) {
    throw UsageError(std::string(what) + " must be a positive number of seconds (such as 30 or " +
                     "0.5) up to 1000000, got '" + std::string(text) + "'");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

Flag settle_delay_flag(std::optional<std::chrono::milliseconds>& settle_delay) {
  return {"--settle-delay", true, [&settle_delay](const std::string& v) {
            settle_delay =
                std::chrono::milliseconds(parse_integer(v, "--settle-delay", 0, 3600000));
          }};
}

bool parse_bool(std::string_view text, std::string_view what) {
  if (text == "true") return true;
  if (text == "false") return false;
  throw UsageError(std::string(what) + " must be true or false, got '" + std::string(text) + "'");
}

void expect_no_positionals(const std::vector<std::string>& positionals, std::string_view command) {
  if (!positionals.empty()) {
    throw UsageError(std::string(command) + ": unexpected argument '" + positionals.front() + "'");
  }
}

std::int64_t single_id(const std::vector<std::string>& positionals, std::string_view command,
                       std::string_view what) {
  if (positionals.size() != 1) {
    throw UsageError(std::string(command) + " needs exactly one " + std::string(what));
  }
  try {
    return parse_integer(positionals.front(), what, 1, std::numeric_limits<std::int64_t>::max());
  } catch (const UsageError&) {
    // One message for every way it is wrong (0, -1, abc, a number too large for any id).
    throw UsageError(std::string(what) + " must be a positive whole number, got '" +
                     positionals.front() + "'");
  }
}

}  // namespace impilo::cli
