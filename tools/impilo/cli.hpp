#pragma once

// Internals of the `impilo` command-line tool (spec section 4). Not installed, not public API.
//
// The tool is thin on purpose: parse the flags, make one library call, print JSON. Every failure
// travels as an exception to `run()` (cli.cpp), which maps it to the stderr JSON object and the
// exit code in one place.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo::cli {

/// Flags that configure the client; accepted before the command and after it.
struct GlobalOptions {
  std::optional<std::string> base_url;
  std::optional<std::string> api_key;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<int> max_retries;
  bool verbose{false};
};

/// What a command needs: the global flags, the output streams, and a client made on demand (so
/// that commands without network, like `orders validate`, need no API key).
struct Context {
  GlobalOptions globals;
  std::ostream& out;
  std::ostream& err;

  /// Builds the client from `IMPILO_BASE_URL`/`IMPILO_API_KEY` and the flags (a flag wins).
  /// @throws impilo::UsageError when there is no API key or the library refuses an option.
  [[nodiscard]] Client make_client() const;

  /// The API key in effect (flag, else environment), or empty; used to scrub our own output.
  [[nodiscard]] std::string effective_api_key() const;
};

/// Thrown by `--help` and `--version`: print @p text to stdout and exit 0.
struct EarlyExit {
  std::string text;
};

/// Bad input given with `--file`: not JSON (`invalid_json`) or of the wrong shape (`invalid_data`).
/// Reported like any validation failure (exit 3), with a message of its own.
class InputError : public ValidationError {
 public:
  InputError(Violation violation, std::string message)
      : ValidationError({std::move(violation)}), message_(std::move(message)) {}
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// ---- Argument parsing (args.cpp) -----------------------------------------------------------

/// One flag a command accepts. For a flag without a value, `apply` receives an empty string.
struct Flag {
  std::string_view name;  ///< `--page`
  bool takes_value;
  std::function<void(const std::string& value)> apply;
};

/// The arguments not yet consumed, as a cursor over argv.
class Args {
 public:
  explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}

  /// Consumes flags (those in @p flags plus the global ones) up to the next positional argument,
  /// which it consumes and returns; `std::nullopt` at the end.
  /// @throws impilo::UsageError for an unknown flag or a missing or unexpected value.
  std::optional<std::string> next_positional(const std::vector<Flag>& flags, Context& ctx);

  /// Consumes everything that is left: flags as above, and returns the positional arguments.
  std::vector<std::string> rest(const std::vector<Flag>& flags, Context& ctx);

 private:
  std::vector<std::string> args_;
  std::size_t next_{0};
  bool only_positionals_{false};  // after "--"
};

/// The global flags (`--base-url`, `--api-key`, `--timeout`, `--max-retries`, `--verbose`,
/// `--help`, `--version`), writing into @p globals.
std::vector<Flag> global_flags(GlobalOptions& globals);

/// Strict number parsing for flag values and arguments; @p what names the flag in the error.
/// @throws impilo::UsageError for anything but a whole decimal number in [@p min, @p max].
std::int64_t parse_integer(std::string_view text, std::string_view what, std::int64_t min,
                           std::int64_t max);

/// A positive number of seconds (decimals allowed: `0.5`) as milliseconds, rounded up.
/// @throws impilo::UsageError for anything else.
std::chrono::milliseconds parse_seconds(std::string_view text, std::string_view what);

/// @throws impilo::UsageError when @p positionals is not empty, naming @p command.
void expect_no_positionals(const std::vector<std::string>& positionals, std::string_view command);

// ---- Commands ------------------------------------------------------------------------------

/// A top-level command. To add one, write its function and add one entry to `commands()`.
struct Command {
  std::string_view name;
  std::string_view usage;  ///< Its lines of the usage text, already indented.
  std::function<void(Context&, Args&)> run;
};

/// Every top-level command, in usage order (cli.cpp).
const std::vector<Command>& commands();

/// `impilo orders ...` (orders.cpp).
void run_orders(Context& ctx, Args& args);
/// Usage lines of `impilo orders ...` (orders.cpp).
extern const std::string_view orders_usage;

/// `impilo mock ...`: the simulator until SIGINT or SIGTERM (mock.cpp).
void run_mock(Context& ctx, Args& args);
/// Usage lines of `impilo mock ...` (mock.cpp).
extern const std::string_view mock_usage;

/// `impilo webhooks ...`: subscribe, set the secret, read the log, receive locally (webhooks.cpp).
void run_webhooks(Context& ctx, Args& args);
/// Usage lines of `impilo webhooks ...` (webhooks.cpp).
extern const std::string_view webhooks_usage;

/// The whole usage text.
std::string usage_text();

/// Runs the tool: returns the exit code, having written results to @p out and, on failure, the
/// error object as the last line of @p err.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

/// Writes @p value as pretty JSON (indent 2) and a newline to @p out.
void print_json(std::ostream& out, const nlohmann::json& value);

}  // namespace impilo::cli
