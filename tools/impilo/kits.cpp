// `impilo kits list` (spec section 10, docs/patients.md): the kits of the catalogue, printed as
// `orders list` prints orders.

#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <string>
#include <vector>

#include "cli.hpp"
#include "listing.hpp"

namespace impilo::cli {

namespace {

void list(Context& ctx, Args& args) {
  ListKitsParams params;
  bool all = false;
  std::vector<Flag> flags = paging_flags(params.page, params.size, all);
  flags.push_back(integer_flag("--item-id", params.item_id));
  flags.push_back(boolean_flag("--archived", params.archived));
  expect_no_positionals(args.rest(flags, ctx), "kits list");
  const Client client = ctx.make_client();
  print_listing(
      ctx, all, [&] { return client.list_kits(params); }, [&] { return client.kits(params); });
}

}  // namespace

const std::vector<Command>& kits_commands() {
  static const std::vector<Command> table{
      {"list",
       "  kits list [--item-id N] [--archived true|false] [--page N] [--size N] [--all]\n"
       "                                     the page envelope of kits as JSON; with --all a\n"
       "                                     JSON array of every kit from --page on\n",
       "Flags:\n"
       "  --item-id N             only kits holding the item with id N\n"
       "  --archived true|false   only archived, or only not archived, kits\n"
       "  --page N                1-based page number; default 1\n"
       "  --size N                kits per page, 1 to 250; default 15\n"
       "  --all                   print one JSON array of every kit from --page on, fetching\n"
       "                          page after page, each kit printed as it arrives (a failure\n"
       "                          on a later page leaves the kits already printed and the\n"
       "                          array unterminated)\n",
       list},
  };
  return table;
}

}  // namespace impilo::cli
