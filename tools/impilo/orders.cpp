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
#include <type_traits>
#include <vector>

#include "cli.hpp"
#include "json_limits.hpp"
#include "listing.hpp"

namespace impilo::cli {

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
CreateOrderRequest decode_request(Context& ctx, const std::string& text) {
  const auto invalid_json = [](const std::string& why) {
    return InputError(Violation{"", ErrorCode::invalid_json,
                                std::string(server_message(ErrorCode::invalid_json))},
                      "--file input is not valid JSON (" + why + ")");
  };
  // Before parsing: a document nested 100,000 deep would overflow the stack further on.
  if (!impilo::internal::check_json_depth(text)) {
    throw invalid_json(impilo::internal::too_deep_detail());
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw invalid_json(impilo::internal::syntax_error_detail(e.byte));
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406 (1e400): well-formed, but a value no number holds. Never quote it.
    throw InputError(Violation{"", ErrorCode::invalid_data, "a number is out of range"},
                     "--file input holds a number out of range");
  }
  CreateOrderRequest request;
  try {
    request = j.get<CreateOrderRequest>();
  } catch (const DecodeError& e) {
    throw InputError(Violation{e.pointer(), ErrorCode::invalid_data, e.detail()},
                     std::string("--file input is not an order request: ") + e.what());
  }
  // Sent as they are, so not an error; but usually a misspelling the server ignores.
  for (const UnknownMember& member : unknown_members(request)) warn(ctx.err, member.message);
  return request;
}

/// `--allow-new-values`: the user vouches for every enumeration value in the request, so one the
/// SDK does not know yet (a `shippingOption` added to the API later) is sent instead of refused.
void allow_new_values(CreateOrderRequest& request) {
  const auto mark = [](auto& value) {
    using Enum = std::decay_t<decltype(*value)>;
    if (value && !value->is_known()) value = Enum::deliberate(value->str());
  };
  mark(request.shipping_option);
  if (request.patient) mark(request.patient->sex);
}

/// The flags of `orders create` and `orders validate`.
std::vector<Flag> request_flags(std::optional<std::string>& file, bool& new_values) {
  return {{"--file", true, [&file](const std::string& v) { file = v; }},
          {"--allow-new-values", false, [&new_values](const std::string&) { new_values = true; }}};
}

void print_order(Context& ctx, const Order& order) {
  print_json(ctx.out, nlohmann::json(order));
}

void create(Context& ctx, Args& args) {
  std::optional<std::string> file;
  bool new_values = false;
  bool once = false;
  std::vector<Flag> flags = request_flags(file, new_values);
  flags.push_back({"--once", false, [&once](const std::string&) { once = true; }});
  expect_no_positionals(args.rest(flags, ctx), "orders create");
  if (!file) throw UsageError("orders create needs --file PATH (or --file - for stdin)");
  const Client client = ctx.make_client();  // usage problems first, before reading stdin
  CreateOrderRequest request = decode_request(ctx, read_input(*file));
  if (new_values) allow_new_values(request);
  // Both validate first: nothing is sent if the request is invalid.
  print_order(ctx, once ? client.create_order_once(request) : client.create_order(request));
}

void find(Context& ctx, Args& args) {
  std::optional<std::string> external_id;
  expect_no_positionals(args.rest({{"--external-id", true,
                                    [&external_id](const std::string& v) { external_id = v; }}},
                                  ctx),
                        "orders find");
  if (!external_id || external_id->empty()) {
    throw UsageError("orders find needs --external-id ID (a non-empty id)");
  }
  nlohmann::json orders = nlohmann::json::array();
  for (const Order& order : ctx.make_client().find_orders_by_external_id(*external_id)) {
    orders.push_back(order);
  }
  print_json(ctx.out, orders);
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
  expect_no_positionals(args.rest(paging_flags(params.page, params.size, all), ctx), "orders list");
  const Client client = ctx.make_client();
  print_listing(
      ctx, all, [&] { return client.list_orders(params); }, [&] { return client.orders(params); });
}

void validate_file(Context& ctx, Args& args) {
  std::optional<std::string> file;
  bool new_values = false;
  expect_no_positionals(args.rest(request_flags(file, new_values), ctx), "orders validate");
  if (!file) throw UsageError("orders validate needs --file PATH (or --file - for stdin)");
  CreateOrderRequest request = decode_request(ctx, read_input(*file));
  if (new_values) allow_new_values(request);
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  print_json(ctx.out, nlohmann::json{{"valid", true}});
}

constexpr std::string_view file_flag =
    "Flags:\n"
    "  --file PATH|-        the request as JSON (a CreateOrderRequest); - reads stdin\n"
    "  --allow-new-values   accept a shippingOption or sex this tool does not know (one the\n"
    "                       API added later) instead of refusing it as invalid_data\n";

constexpr std::string_view unknown_member_note =
    "A member the SDK does not model (a misspelling such as shipingOption) is kept and sent as\n"
    "it is; each one gets a warning on stderr, with the closest known name.\n";

}  // namespace

const std::vector<Command>& orders_commands() {
  static const std::vector<Command> table{
      {"create",
       "  orders create --file PATH|- [--once] [--allow-new-values]\n"
       "                                     validate, then POST; print the created Order as\n"
       "                                     JSON\n",
       "Checks the request with the rules of `orders validate` and sends it only when it passes\n"
       "(exit 3 and nothing sent otherwise). A create that may have reached the server is never\n"
       "repeated blindly: without --once, after exit 8 or 9 look for the order (orders find)\n"
       "before placing it again.\n" +
           std::string(unknown_member_note) + "\n" + std::string(file_flag) +
           "  --once               never place it twice: add an external id when the file has\n"
           "                       none, and after a cut connection, a timeout or a 5xx look the\n"
           "                       order up by it (found: print it; not found: send again, up to\n"
           "                       --max-retries times; undecided: exit 11 with \"external_id\"\n"
           "                       in the stderr object)\n",
       create},
      {"find",
       "  orders find --external-id ID       print a JSON array of the orders carrying ID\n",
       "Prints a JSON array (maybe empty, exit 0) of every order whose externalOrderIds holds ID,\n"
       "by ascending id, found by listing (see docs/retries.md for the cost).\n"
       "\n"
       "Flags:\n"
       "  --external-id ID   the external id to look for (non-empty)\n",
       find},
      {"get", "  orders get ID                      print the Order as JSON\n",
       "Prints the order with id ID, everything the server sent included.\n"
       "\n"
       "Arguments:\n"
       "  ID   the order's id, a positive whole number (exit 7, not_found, if there is none)\n",
       get},
      {"list",
       "  orders list [--page N] [--size N] [--all]\n"
       "                                     the page envelope as JSON (page 1, size 15 by\n"
       "                                     default; size at most 250); with --all a JSON array\n"
       "                                     of every order from --page on, following pages\n"
       "                                     until the last\n",
       "Flags:\n"
       "  --page N   1-based page number; default 1\n"
       "  --size N   orders per page, 1 to 250; default 15\n"
       "  --all      print one JSON array of every order from --page on, fetching page after\n"
       "             page, each order printed as it arrives (a failure on a later page leaves\n"
       "             the orders already printed and the array unterminated)\n",
       list},
      {"validate",
       "  orders validate --file PATH|- [--allow-new-values]\n"
       "                                     no network, no key needed: print {\"valid\": true}\n"
       "                                     or fail with violations\n",
       "Checks every rule that needs no server and prints {\"valid\": true}, or exits 3 with\n"
       "every violation (a JSON pointer, a code and a message each) in the stderr object.\n" +
           std::string(unknown_member_note) + "\n" + std::string(file_flag),
       validate_file},
  };
  return table;
}

}  // namespace impilo::cli
