// `impilo orders create|get|list|validate`.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "json_limits.hpp"

namespace impilo::cli {

const std::string_view orders_usage =
    "  orders create --file PATH|-        validate, then POST; print the created Order as JSON\n"
    "  orders get ID                      print the Order as JSON\n"
    "  orders list [--page N] [--size N] [--all]\n"
    "                                     the page envelope as JSON (page 1, size 15 by\n"
    "                                     default; size at most 250); with --all a JSON array\n"
    "                                     of every order from --page on, following pages\n"
    "                                     until the last\n"
    "  orders validate --file PATH|-      no network, no key needed: print {\"valid\": true} or\n"
    "                                     fail with violations\n";

namespace {

/// The whole content of @p path, or of stdin for `-`.
std::string read_input(const std::string& path) {
  const bool is_stdin = path == "-";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  std::FILE* file = stdin;
  if (!is_stdin) {
    owned.reset(std::fopen(path.c_str(), "rb"));
    if (!owned) {
      throw UsageError("--file: cannot open '" + path + "': " + std::strerror(errno));
    }
    file = owned.get();
  }
  std::string text;
  char buffer[16384];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  if (std::ferror(file) != 0) {
    throw UsageError("--file: cannot read '" + (is_stdin ? std::string("stdin") : path) +
                     "': " + std::strerror(errno));
  }
  return text;
}

/// Decodes the `--file` input. Not JSON: `invalid_json`; JSON of the wrong shape (a count given
/// as a string, an array where an object belongs): `invalid_data` at the offending pointer.
/// Messages never quote the input: it holds patient data.
CreateOrderRequest decode_request(const std::string& text) {
  const auto invalid_json = [](const std::string& why) {
    return InputError(Violation{"", ErrorCode::invalid_json,
                                std::string(server_message(ErrorCode::invalid_json))},
                      "--file input is not valid JSON (" + why + ")");
  };
  // Before parsing: a document nested 100,000 deep would overflow the stack further on.
  if (!impilo::detail::check_json_depth(text)) {
    throw invalid_json(impilo::detail::too_deep_detail());
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw invalid_json("syntax error at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406 (1e400): well-formed, but a value no number holds. Never quote it.
    throw InputError(Violation{"", ErrorCode::invalid_data, "a number is out of range"},
                     "--file input holds a number out of range");
  }
  try {
    return j.get<CreateOrderRequest>();
  } catch (const DecodeError& e) {
    throw InputError(Violation{e.pointer(), ErrorCode::invalid_data, e.detail()},
                     std::string("--file input is not an order request: ") + e.what());
  }
}

void print_order(Context& ctx, const Order& order) {
  print_json(ctx.out, nlohmann::json(order));
}

void create(Context& ctx, Args& args) {
  std::optional<std::string> file;
  expect_no_positionals(
      args.rest({{"--file", true, [&file](const std::string& v) { file = v; }}}, ctx),
      "orders create");
  if (!file) throw UsageError("orders create needs --file PATH (or --file - for stdin)");
  const Client client = ctx.make_client();  // usage problems first, before reading stdin
  const CreateOrderRequest request = decode_request(read_input(*file));
  print_order(ctx, client.create_order(request));  // validates first: nothing sent if invalid
}

void get(Context& ctx, Args& args) {
  const std::vector<std::string> positionals = args.rest({}, ctx);
  if (positionals.size() != 1) throw UsageError("orders get needs exactly one order ID");
  std::int64_t id = 0;
  try {
    id =
        parse_integer(positionals.front(), "order ID", 1, std::numeric_limits<std::int64_t>::max());
  } catch (const UsageError&) {
    throw UsageError("order ID must be a positive whole number, got '" + positionals.front() + "'");
  }
  print_order(ctx, ctx.make_client().get_order(id));
}

void list(Context& ctx, Args& args) {
  ListOrdersParams params;
  bool all = false;
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  // Ranges (page >= 1, size 1..250) are the library's to check: one rule, one place.
  expect_no_positionals(args.rest({{"--page", true,
                                    [&params](const std::string& v) {
                                      params.page = parse_integer(v, "--page", min, max);
                                    }},
                                   {"--size", true,
                                    [&params](const std::string& v) {
                                      params.size = parse_integer(v, "--size", min, max);
                                    }},
                                   {"--all", false, [&all](const std::string&) { all = true; }}},
                                  ctx),
                        "orders list");
  const Client client = ctx.make_client();
  if (!all) {
    print_json(ctx.out, nlohmann::json(client.list_orders(params)));
    return;
  }
  // Streamed: each order is printed as its page arrives, so memory stays at one page however many
  // orders there are. The layout is what print_json gives for the whole array. A failure on a
  // later page leaves an unterminated array on stdout, and the error on stderr and in the exit
  // code.
  std::string_view separator = "[\n";
  for (const Order& order : client.orders(params)) {
    std::string text =
        nlohmann::json(order).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string indented = "  ";
    for (const char c : text) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    ctx.out << separator << indented << std::flush;
    if (!ctx.out) throw std::runtime_error("writing the result to stdout failed");
    separator = ",\n";
  }
  ctx.out << (separator == "[\n" ? "[]\n" : "\n]\n") << std::flush;
  if (!ctx.out) throw std::runtime_error("writing the result to stdout failed");
}

void validate_file(Context& ctx, Args& args) {
  std::optional<std::string> file;
  expect_no_positionals(
      args.rest({{"--file", true, [&file](const std::string& v) { file = v; }}}, ctx),
      "orders validate");
  if (!file) throw UsageError("orders validate needs --file PATH (or --file - for stdin)");
  const CreateOrderRequest request = decode_request(read_input(*file));
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  print_json(ctx.out, nlohmann::json{{"valid", true}});
}

struct Subcommand {
  std::string_view name;
  void (*run)(Context&, Args&);
};

constexpr Subcommand subcommands[] = {
    {"create", create},
    {"get", get},
    {"list", list},
    {"validate", validate_file},
};

}  // namespace

void run_orders(Context& ctx, Args& args) {
  const std::optional<std::string> name = args.next_positional({}, ctx);
  if (!name) throw UsageError("orders needs a subcommand: create, get, list or validate");
  for (const Subcommand& sub : subcommands) {
    if (sub.name == *name) return sub.run(ctx, args);
  }
  throw UsageError("unknown orders subcommand '" + *name +
                   "' (expected create, get, list or validate)");
}

}  // namespace impilo::cli
