// The `impilo` tool's driver: the command table, the client options, and the one place where
// failures become the stderr JSON object and an exit code (docs/getting-started.md).

#include "cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "output_error.hpp"
#include "redact.hpp"

namespace impilo::cli {

namespace {

constexpr std::string_view usage_head =
    "Usage: impilo [--base-url URL] [--api-key KEY] [--timeout SECONDS] [--max-retries N]\n"
    "              [--verbose] COMMAND\n"
    "\n"
    "Commands:\n";

constexpr std::string_view usage_tail =
    "\n"
    "Global flags (accepted before or after COMMAND; --flag=value works too):\n"
    "  --base-url URL      API root; default $IMPILO_BASE_URL, else "
    "https://app.impiloplatform.com\n"
    "                      (scheme and host only: the tool adds /api/v3; http:// only to\n"
    "                      localhost / 127.0.0.0/8 / [::1])\n"
    "  --api-key KEY       API key; default $IMPILO_API_KEY (prefer the variable: command lines\n"
    "                      are visible to other users of the machine)\n"
    "  --timeout SECONDS   bound on each attempt (decimals allowed: 0.5); default 30\n"
    "  --max-retries N     repeats of a failed call that is safe to repeat; default 2\n"
    "  --verbose           log each attempt (method, path, status, time) to stderr\n"
    "  -h, --help          print this text; after a command, that command's help\n"
    "  --version           print the version\n"
    "\n"
    "stdout carries only JSON. On failure the last line of stderr is one JSON object:\n"
    "  {\"error\": KIND, \"status\": HTTP status or null, \"code\": ERROR_CODE or null,\n"
    "   \"message\": TEXT}  (+ \"violations\" for validation, \"may_have_reached_server\" for\n"
    "   transport, \"external_id\" for ambiguous)\n"
    "Exit codes: 0 success, 2 usage, 3 validation, 4 bad_request, 5 authentication,\n"
    "  6 permission_denied, 7 not_found, 8 rate_limited or server, 9 transport, 10 decode,\n"
    "  11 ambiguous (orders create --once or orders resume could not tell whether the order\n"
    "  was placed, patients ensure whether the patient was created), 12 output (webhooks\n"
    "  listen: stdout could not be written, as when its reader went away), 1 internal (an\n"
    "  unexpected failure of the tool itself).\n";

/// How a failure is reported: the members of the stderr object, and the exit code.
struct Failure {
  int exit_code{1};
  std::string kind;
  std::optional<int> status;
  std::optional<std::string> code;
  std::string message;
  std::optional<std::vector<Violation>> violations;
  std::optional<bool> may_have_reached_server;
  std::optional<std::string> external_id;
};

/// A failure without HTTP status or code.
Failure failure(int exit_code, std::string kind, std::string message) {
  Failure f;
  f.exit_code = exit_code;
  f.kind = std::move(kind);
  f.message = std::move(message);
  return f;
}

Failure api_failure(const ApiError& e, int exit_code, std::string kind) {
  // The server's text; an empty body leaves it empty, so fall back to the SDK's description
  // ("HTTP 404 ...") rather than print an empty message.
  std::string message = e.message().empty() ? std::string(e.what()) : e.message();
  // What was not found is the path itself (the server's "Not Found" may not say).
  if (e.status() == 404 && !e.message().empty() && !e.request().empty()) {
    message += " (" + e.request() + ")";
  }
  Failure f = failure(exit_code, std::move(kind), std::move(message));
  f.status = e.status();
  f.code = std::string(to_string(e.code()));
  return f;
}

/// Maps the exception in flight to its report, most derived classes first. Call only from a
/// catch block.
Failure classify() {
  try {
    throw;
  } catch (const UsageError& e) {
    return failure(2, "usage", e.what());
  } catch (const AmbiguousCreateError& e) {
    Failure f = failure(11, "ambiguous", e.what());
    f.external_id = e.external_id();
    return f;
  } catch (const ValidationError& e) {
    Failure f = failure(3, "validation", e.what());
    f.violations = e.violations();
    // The code of the first broken rule (the only one for bad --file input), so that a script
    // can branch on `.code` as it does for server errors; every rule is in "violations".
    if (!e.violations().empty()) f.code = std::string(to_string(e.violations().front().code));
    return f;
  } catch (const BadRequestError& e) {
    return api_failure(e, 4, "bad_request");
  } catch (const AuthenticationError& e) {
    return api_failure(e, 5, "authentication");
  } catch (const PermissionDeniedError& e) {
    return api_failure(e, 6, "permission_denied");
  } catch (const NotFoundError& e) {
    return api_failure(e, 7, "not_found");
  } catch (const RateLimitError& e) {
    return api_failure(e, 8, "rate_limited");
  } catch (const ServerError& e) {
    return api_failure(e, 8, "server");
  } catch (const ApiError& e) {  // no other subclass exists today; any HTTP error is the server's
    return api_failure(e, 8, "server");
  } catch (const TransportError& e) {
    Failure f = failure(9, "transport", e.what());
    f.may_have_reached_server = e.may_have_reached_server();
    return f;
  } catch (const DecodeError& e) {
    // what() is "<pointer>: <detail>", so the pointer is in the message.
    Failure f = failure(10, "decode",
                        std::string("the server's answer is not the expected JSON: ") + e.what());
    // A create answered 2xx with a body that is not an order: the order may exist.
    if (e.may_have_reached_server()) f.may_have_reached_server = true;
    return f;
  } catch (const OutputError& e) {
    return failure(12, "output", e.what());
  } catch (const std::exception& e) {
    // Not in the spec: a failure of the tool itself (out of memory, a broken stdout, a bug).
    // Exit 1 stays clear of every documented code.
    return failure(1, "internal", e.what());
  } catch (...) {
    return failure(1, "internal", "unknown failure");
  }
}

/// @p text without @p secret, by the SDK's one redaction policy (docs/logging.md). The SDK already
/// keeps the key out of its messages; this covers the tool's own text too (an argument echoed
/// back in a usage error).
std::string scrub(const std::string& text, const std::string& secret) {
  return internal::redact(text, secret);
}

/// The one line a person reads on a terminal: `impilo: not_found (HTTP 404): Order not found`.
std::string human_line(const Failure& f, const std::string& secret) {
  std::string line = "impilo: " + f.kind;
  if (f.status) line += " (HTTP " + std::to_string(*f.status) + ")";
  line += ": " + scrub(f.message, secret);
  if (f.violations && f.violations->size() > 1) {
    line += " [" + std::to_string(f.violations->size()) + " problems]";
  }
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return line;
}

void report(const Failure& f, std::ostream& err, const std::string& secret) {
  nlohmann::ordered_json j;
  j["error"] = f.kind;
  j["status"] = f.status ? nlohmann::ordered_json(*f.status) : nlohmann::ordered_json(nullptr);
  j["code"] = f.code ? nlohmann::ordered_json(*f.code) : nlohmann::ordered_json(nullptr);
  j["message"] = scrub(f.message, secret);
  if (f.violations) {
    j["violations"] = nlohmann::ordered_json::array();
    for (const Violation& v : *f.violations) {
      j["violations"].push_back(
          {{"field", v.field}, {"code", to_string(v.code)}, {"message", scrub(v.message, secret)}});
    }
  }
  if (f.may_have_reached_server) j["may_have_reached_server"] = *f.may_have_reached_server;
  if (f.external_id) j["external_id"] = *f.external_id;
  // One line: dump() without indent escapes every control character. Bytes that are not UTF-8
  // (from a server's error page) are replaced rather than aborting the report.
  err << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
}

void log_line(std::ostream& err, LogLevel level, std::string_view message) {
  err << "impilo: " << to_string(level) << ": " << message << std::endl;
}

/// `a, b or c`.
std::string names_of(const std::vector<Command>& table) {
  std::string names;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (i > 0) names += i + 1 == table.size() ? " or " : ", ";
    names += table[i].name;
  }
  return names;
}

}  // namespace

void warn(std::ostream& err, std::string_view message) {
  log_line(err, LogLevel::warning, message);
}

void log_info(const Context& ctx, std::string_view message) {
  if (ctx.globals.verbose) log_line(ctx.err, LogLevel::info, message);
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      command_group("orders",
                    "Run `impilo orders SUBCOMMAND --help` for the flags of one subcommand.\n",
                    orders_commands),
      command_group("patients",
                    "Run `impilo patients SUBCOMMAND --help` for the flags of one subcommand.\n",
                    patients_commands),
      command_group("kits", "Run `impilo kits SUBCOMMAND --help` for its flags.\n", kits_commands),
      command_group("webhooks",
                    "Run `impilo webhooks SUBCOMMAND --help` for the flags of one subcommand.\n",
                    webhooks_commands),
#ifdef IMPILO_CLI_WITH_MOCK  // built with IMPILO_BUILD_SIMULATOR
      mock_command(),
#endif
  };
  return table;
}

std::string usage_text() {
  std::string text(usage_head);
  for (const Command& command : commands()) text += command.usage;
  text += usage_tail;
  return text;
}

std::string help_text(const Command& command) {
  return "Usage: impilo [global flags] COMMAND, where COMMAND is\n" + command.usage + "\n" +
         command.details +
         "\nThe global flags (--base-url, --api-key, --timeout, --max-retries, --verbose) work "
         "here too;\nexit codes and the stderr error object are described in `impilo --help`.\n";
}

void dispatch(Context& ctx, Args& args, std::string_view group, const std::vector<Command>& table) {
  const std::optional<std::string> name = args.next_positional({}, ctx);
  const std::string see =
      group.empty() ? "impilo --help" : "impilo " + std::string(group) + " --help";
  if (!name) {
    throw UsageErrorWithHelp(
        group.empty()
            ? "missing COMMAND (see " + see + ")"
            : std::string(group) + " needs a subcommand: " + names_of(table) + " (see " + see + ")",
        ctx.help);
  }
  const auto command =
      std::find_if(table.begin(), table.end(), [&](const Command& c) { return c.name == *name; });
  if (command == table.end()) {
    throw UsageError(group.empty() ? "unknown command '" + *name + "' (see " + see + ")"
                                   : "unknown " + std::string(group) + " subcommand '" + *name +
                                         "' (expected " + names_of(table) + ")");
  }
  ctx.help = help_text(*command);
  command->run(ctx, args);
}

Command command_group(std::string name, std::string details,
                      const std::vector<Command>& (*table)()) {
  Command group;
  for (const Command& sub : table()) group.usage += sub.usage;
  group.details = std::move(details);
  group.run = [name, table](Context& ctx, Args& args) { dispatch(ctx, args, name, table()); };
  group.name = std::move(name);
  return group;
}

std::string Context::effective_api_key() const {
  if (globals.api_key) return *globals.api_key;
  const char* key = std::getenv("IMPILO_API_KEY");
  return key != nullptr ? key : "";
}

Client Context::make_client() const {
  return Client(client_options());
}

ClientOptions Context::client_options() const {
  ClientOptions options = ClientOptions::from_env();
  if (globals.base_url) options.base_url = *globals.base_url;
  if (globals.api_key) options.api_key = *globals.api_key;
  if (options.api_key.empty()) {
    throw UsageError("no API key: pass --api-key KEY or set IMPILO_API_KEY");
  }
  if (globals.timeout) {
    options.attempt_timeout = *globals.timeout;
    options.connect_timeout = std::min(options.connect_timeout, *globals.timeout);
    // --timeout bounds each attempt, and nothing else: without this, the default overall bound
    // (120 s) would silently cut a longer --timeout short. Retries stay finite (--max-retries).
    options.overall_timeout = std::chrono::milliseconds(0);
  }
  if (globals.max_retries) options.max_retries = *globals.max_retries;
  if (globals.verbose) {
    options.log_level = LogLevel::info;
    std::ostream* log = &err;
    options.logger = [log](LogLevel level, std::string_view message) {
      log_line(*log, level, message);
    };
  }
  return options;
}

void print_json(std::ostream& out, const nlohmann::json& value) {
  const std::string text =
      value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  out << text << std::flush;
  if (!out) throw std::runtime_error("writing the result to stdout failed");
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        bool err_is_terminal) {
  Context ctx{GlobalOptions{}, out, err, usage_text()};
  try {
    Args args(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
    dispatch(ctx, args, "", commands());
    return 0;
  } catch (const EarlyExit& e) {
    out << e.text << std::flush;
    return 0;
  } catch (...) {
    const Failure f = classify();
    const std::string secret = ctx.effective_api_key();
    try {
      throw;
    } catch (const UsageErrorWithHelp& e) {
      err << e.help() << "\n";
    } catch (...) {  // nothing more to show
    }
    if (err_is_terminal) err << human_line(f, secret) << "\n";
    report(f, err, secret);
    return f.exit_code;
  }
}

}  // namespace impilo::cli
