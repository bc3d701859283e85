#pragma once

// Internals of the `impilo` command-line tool (docs/getting-started.md). Not installed, not public
// API.
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
  /// What `--help` prints at this point of the parse: the whole usage text until a command is
  /// chosen, then that command's own help (set by `dispatch`).
  std::string help;

  /// Builds the client from `IMPILO_BASE_URL`/`IMPILO_API_KEY` and the flags (a flag wins).
  /// @throws impilo::UsageError when there is no API key or the library refuses an option.
  [[nodiscard]] Client make_client() const;

  /// The options `make_client` builds the client with, for a command that adds its own.
  /// @throws impilo::UsageError when there is no API key.
  [[nodiscard]] ClientOptions client_options() const;

  /// The API key in effect (flag, else environment), or empty; used to scrub our own output.
  [[nodiscard]] std::string effective_api_key() const;
};

/// Thrown by `--help` and `--version`: print @p text to stdout and exit 0.
struct EarlyExit {
  std::string text;
};

/// A usage error where the help text says what was expected (a missing command or subcommand):
/// `run()` prints @p help to stderr before the error object.
class UsageErrorWithHelp : public UsageError {
 public:
  UsageErrorWithHelp(const std::string& what, std::string help)
      : UsageError(what), help_(std::move(help)) {}
  [[nodiscard]] const std::string& help() const noexcept { return help_; }

 private:
  std::string help_;
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
/// `--help`, `--version`), writing into `ctx.globals`; `--help` prints `ctx.help`.
std::vector<Flag> global_flags(Context& ctx);

/// Strict number parsing for flag values and arguments; @p what names the flag in the error.
/// @throws impilo::UsageError for anything but a whole decimal number in [@p min, @p max].
std::int64_t parse_integer(std::string_view text, std::string_view what, std::int64_t min,
                           std::int64_t max);

/// A positive number of seconds (decimals allowed: `0.5`) as milliseconds, rounded up.
/// @throws impilo::UsageError for anything else.
std::chrono::milliseconds parse_seconds(std::string_view text, std::string_view what);

/// `--settle-delay MS`: `ClientOptions::settle_delay` for a create whose outcome is unknown (the
/// wait before its first lookup), 0 to 3600000 milliseconds.
Flag settle_delay_flag(std::optional<std::chrono::milliseconds>& settle_delay);

/// `true` or `false`, the only spellings (a script's `yes` or `1` is refused rather than guessed).
/// @throws impilo::UsageError for anything else, naming @p what.
bool parse_bool(std::string_view text, std::string_view what);

/// @throws impilo::UsageError when @p positionals is not empty, naming @p command.
void expect_no_positionals(const std::vector<std::string>& positionals, std::string_view command);

/// The id that is @p command's one argument (`orders get ID`); @p what names it (`order ID`).
/// @throws impilo::UsageError when there is not exactly one argument, or it is not a positive
///         whole number.
std::int64_t single_id(const std::vector<std::string>& positionals, std::string_view command,
                       std::string_view what);

// ---- Commands ------------------------------------------------------------------------------
//
// Every command and subcommand is one `Command` entry, the one place that says how it is called
// (`usage`, shown by `impilo --help` and by its group's help) and what `--help` adds about it
// (`details`). To add a subcommand (`orders find`), add an entry to its group's table
// (`orders_commands()` in orders.cpp); to add a group (`webhooks ...`), write a file like
// orders.cpp with its table and a `Command` that calls `dispatch`, and add that to `commands()`
// (cli.cpp).

/// A command or subcommand.
struct Command {
  std::string name;  ///< `create` (for `impilo orders create`).
  /// Its lines of the usage text, already indented: `  orders get ID    print the Order ...`.
  std::string usage;
  /// What its `--help` prints below the usage lines: what it does, its flags and arguments.
  std::string details;
  std::function<void(Context&, Args&)> run;
};

/// The text `impilo ... NAME --help` prints for @p command.
std::string help_text(const Command& command);

/// Runs the entry of @p table named by the next argument, after setting `ctx.help` to its help.
/// @p group is the words before it (`orders`), empty for the top level.
/// @throws UsageErrorWithHelp when no name is left; impilo::UsageError for an unknown name.
void dispatch(Context& ctx, Args& args, std::string_view group, const std::vector<Command>& table);

/// A group of subcommands (`orders`): its usage lines are those of @p table, and running it
/// dispatches to one of them.
Command command_group(std::string name, std::string details,
                      const std::vector<Command>& (*table)());

/// Every top-level command, in usage order (cli.cpp).
const std::vector<Command>& commands();

/// `impilo orders create|find|get|list|pending|resume|validate` (orders.cpp).
const std::vector<Command>& orders_commands();

/// `impilo patients create|ensure|find|get|list|update` (patients.cpp).
const std::vector<Command>& patients_commands();

/// `impilo kits list` (kits.cpp).
const std::vector<Command>& kits_commands();

/// `impilo mock ...`: the simulator until SIGINT or SIGTERM (mock.cpp, built only with
/// IMPILO_BUILD_SIMULATOR).
Command mock_command();

/// `impilo webhooks create|set-secret|logs|listen`: subscribe, set the secret, read the log,
/// receive locally (webhooks.cpp; `listen` only with IMPILO_BUILD_SIMULATOR).
const std::vector<Command>& webhooks_commands();

/// The whole usage text.
std::string usage_text();

/// Runs the tool: returns the exit code, having written results to @p out and, on failure, the
/// error object as the last line of @p err. When @p err_is_terminal, a one-line message for a
/// person comes just before that object.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        bool err_is_terminal = false);

/// Writes one warning line (`impilo: warning: ...`) to @p err; never the last thing on failure,
/// since the error object follows it.
void warn(std::ostream& err, std::string_view message);

/// With `--verbose`, writes one line (`impilo: info: ...`) to `ctx.err`, as the client's own log
/// lines are; without it, nothing.
void log_info(const Context& ctx, std::string_view message);

/// Writes @p value as pretty JSON (indent 2) and a newline to @p out.
void print_json(std::ostream& out, const nlohmann::json& value);

}  // namespace impilo::cli
