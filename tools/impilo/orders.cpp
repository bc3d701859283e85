// `impilo orders create|find|get|list|pending|resume|validate`.

#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cli.hpp"
#include "input.hpp"
#include "listing.hpp"
#include "orders_once.hpp"

namespace impilo::cli {

namespace {

/// Decodes the `--file` input (input.hpp), and warns about each member the SDK does not model.
CreateOrderRequest decode_request(Context& ctx, const std::string& text) {
  CreateOrderRequest request = order_request_from_input(text);
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

/// `--external-id ID`: @p id first in `externalOrderIds`, the key the order is looked up by, and
/// not a second time further on.
void set_external_id(CreateOrderRequest& request, const std::string& id) {
  std::vector<std::string> ids{id};
  if (request.external_order_ids) {
    for (const std::string& other : *request.external_order_ids) {
      if (other != id) ids.push_back(other);
    }
  }
  request.external_order_ids = std::move(ids);
}

void create(Context& ctx, Args& args) {
  std::optional<std::string> file;
  bool new_values = false;
  bool once = false;
  std::optional<std::string> external_id;
  JournalFlags journal;
  std::vector<Flag> flags = request_flags(file, new_values);
  flags.push_back({"--once", false, [&once](const std::string&) { once = true; }});
  flags.push_back({"--external-id", true, [&external_id](const std::string& v) {
                     if (v.empty()) throw UsageError("--external-id needs a non-empty id");
                     external_id = v;
                   }});
  for (Flag& flag : journal_flags(journal, true)) flags.push_back(std::move(flag));
  expect_no_positionals(args.rest(flags, ctx), "orders create");
  if (!file) throw UsageError("orders create needs --file PATH (or --file - for stdin)");
  if (!once && (journal.path || journal.settle_delay)) {
    throw UsageError(std::string(journal.path ? "--journal" : "--settle-delay") +
                     " works only with --once");
  }
  // Usage problems first, before reading stdin or opening the journal.
  std::optional<Client> client;
  std::optional<Placer> placer;
  if (once) {
    placer.emplace(ctx, journal);
  } else {
    client.emplace(ctx.make_client());
  }
  CreateOrderRequest request = decode_request(ctx, read_input(*file));
  if (new_values) allow_new_values(request);
  if (external_id) set_external_id(request, *external_id);
  // Both validate first: nothing is sent if the request is invalid.
  if (placer) {
    placer->create(request);
  } else {
    print_order(ctx, client->create_order(request));
  }
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
  const std::int64_t id = single_id(args.rest({}, ctx), "orders get", "order ID");
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

constexpr std::string_view journal_flag =
    "  --journal PATH       the journal of orders create --once (SQLite, with patient data);\n"
    "                       default ${XDG_STATE_HOME:-$HOME/.local/state}/impilo/journal.sqlite,\n"
    "                       created with its folders, mode 0600. One machine's: not on a\n"
    "                       network file system\n";

constexpr std::string_view unknown_member_note =
    "A member the SDK does not model (a misspelling such as shipingOption) is kept and sent as\n"
    "it is; each one gets a warning on stderr, with the closest known name.\n";

}  // namespace

const std::vector<Command>& orders_commands() {
  static const std::vector<Command> table{
      {"create",
       "  orders create --file PATH|- [--external-id ID] [--allow-new-values]\n"
       "                [--once [--journal PATH] [--settle-delay MS]]\n"
       "                                     validate, then POST; print the created Order as\n"
       "                                     JSON\n",
       "Checks the request with the rules of `orders validate` and sends it only when it passes\n"
       "(exit 3 and nothing sent otherwise). A create that may have reached the server is never\n"
       "repeated blindly: without --once, after exit 8 or 9 look for the order (orders find)\n"
       "before placing it again.\n" +
           std::string(unknown_member_note) + "\n" + std::string(file_flag) +
           "  --external-id ID     make ID the request's first external id (the key --once and\n"
           "                       orders find look the order up by); a copy of it further on\n"
           "                       in externalOrderIds is dropped\n"
           "  --once               place it at most once, across reruns, crashes and processes:\n"
           "                       the request's ticket is committed to the journal before the\n"
           "                       POST leaves, and the order when it comes. A rerun whose\n"
           "                       external id the journal knows prints that order (nothing\n"
           "                       sent) or places the journal's ticket (after the settle\n"
           "                       window of a create a killed run may have sent); another\n"
           "                       process placing it meanwhile is waited for. A lost answer is\n"
           "                       looked up by the external id. Exit 11, with\n"
           "                       \"external_id\" in the stderr object, when it cannot tell:\n"
           "                       run orders resume later.\n"
           "                       Exact across reruns only with an external id, in the file or\n"
           "                       by --external-id: without one, each run generates a new id,\n"
           "                       and a rerun places a new order\n" +
           std::string(journal_flag) +
           "  --settle-delay MS    with --once: the wait before the first lookup of an ambiguous\n"
           "                       create, in milliseconds (then twice, then four times as\n"
           "                       long); default 2000\n",
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
      {"pending",
       "  orders pending [--journal PATH]    no network, no key needed: print a JSON array of\n"
       "                                     the journal's entries not known to be placed\n",
       "Prints a JSON array (maybe empty) of every entry of the orders create --once journal\n"
       "whose order is not known to be placed, oldest first, each {\"external_id\", \"state\",\n"
       "\"order_id\", \"created_at\"} (ISO 8601 UTC). state is prepared (nothing sent yet),\n"
       "sending (a create may have left and its answer is not recorded: in progress, or its\n"
       "process died), ambiguous (the last try could not tell: exit 11) or failed (the last try\n"
       "failed and placed nothing). orders resume places them. A journal that does not exist\n"
       "gives [] and is not created.\n"
       "\n"
       "Flags:\n" +
           std::string(journal_flag),
       orders_pending},
      {"resume",
       "  orders resume [--journal PATH] [--settle-delay MS]\n"
       "                                     place every pending entry of the journal; print\n"
       "                                     [{\"external_id\", \"order_id\"}]\n",
       "Places the ticket of every entry orders pending lists, as orders create --once places a\n"
       "rerun: the order is looked up first and never sent twice; an entry another process is\n"
       "placing is waited for; one whose create may have left is placed only once the settle\n"
       "window since that send has passed. Prints a JSON array of {\"external_id\",\n"
       "\"order_id\"}, order_id null for an entry still not placed (each also gets a warning line\n"
       "on stderr). Exit 11, with the first such \"external_id\" in the stderr object, when any\n"
       "is still undecided; else, when one failed, that failure's exit code.\n"
       "\n"
       "Flags:\n" +
           std::string(journal_flag) +
           "  --settle-delay MS    the wait before the first lookup of an ambiguous create, in\n"
           "                       milliseconds (then twice, then four times as long); default\n"
           "                       2000\n",
       orders_resume},
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
