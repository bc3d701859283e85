// `impilo mock`: serves the embedded simulator (docs/testing.md) until SIGINT or SIGTERM.

#include <charconv>
#include <impilo/errors.hpp>
#include <impilo/testing/simulator.hpp>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "cli.hpp"

namespace impilo::cli {

namespace {

constexpr std::string_view mock_usage =
    "  mock [--host H] [--port N] [--data CATALOG.json]\n"
    "       [--latency-ms N] [--fail-next N [--fail-status S] [--fail-retry-after R]\n"
    "                                       [--fail-only 'METHOD PATH']]\n"
    "       [--commit-then-drop N] [--advance-every SECONDS] [--webhook-retry-scale X]\n"
    "                                     run the simulator until SIGINT or SIGTERM; the first\n"
    "                                     stdout line is `listening on http://HOST:PORT`\n";

constexpr std::string_view mock_details =
    "Serves an in-memory Impilo (POST /api/v3/order, GET /api/v3/order, GET /api/v3/order/{id},\n"
    "POST /api/v3/patient, GET /api/v3/patient, GET and PUT /api/v3/patient/{id},\n"
    "GET /api/v3/kit, the webhook endpoints and POST /_simulator/orders/{id}/advance)\n"
    "that enforces the API's rules, for tests and demos. Point the SDK or this tool at the\n"
    "printed URL with the catalogue's API key (sim-key-1 in the built-in catalogue).\n"
    "\n"
    "Flags:\n"
    "  --host H               loopback address to listen on: 127.0.0.1 (default), any\n"
    "                         127.x.y.z, ::1 or localhost; nothing else is accepted\n"
    "  --port N               port, 0 to 65535; 0 (default) picks a free one\n"
    "  --data CATALOG.json    API keys, patients, sites, items, kits, inventory and devices;\n"
    "                         without it, the built-in demo catalogue\n"
    "  --latency-ms N         delay added before every answer\n"
    "  --fail-next N          fail the first N requests (fault injection; see --fail-only)\n"
    "  --fail-status S        HTTP status of those failures, 400 to 599 (default 503)\n"
    "  --fail-retry-after R   send `Retry-After: R` (seconds) with those failures\n"
    "  --fail-only 'METHOD PATH'  fail only requests with that method and path (the path\n"
    "                         without its query), such as 'POST /api/v3/order': a create\n"
    "                         fails while the GETs around it succeed; default: every request\n"
    "  --commit-then-drop N   the next N creates (orders and patients) are committed, then\n"
    "                         the connection closes before any response byte (the ambiguous\n"
    "                         outcome)\n"
    "  --advance-every S      move every order to its next status every S seconds\n"
    "                         (POST /_simulator/orders/{id}/advance does it for one order)\n"
    "  --webhook-retry-scale X  multiply the 15/30/60-minute webhook retry waits, 0 to 1000\n"
    "                         (0.001: 0.9 s, 1.8 s, 3.6 s)\n";

/// `--webhook-retry-scale`: a decimal number from 0 to 1000.
double parse_retry_scale(std::string_view text) {
  double scale = -1;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, scale, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !(scale >= 0 && scale <= 1000)) {
    throw UsageError("--webhook-retry-scale must be a number from 0 to 1000 (such as 0.001), " +
                     std::string("got '") + std::string(text) + "'");
  }
  return scale;
}

void run_mock(Context& ctx, Args& args) {
  testing::SimulatorOptions options;
  std::optional<std::string> data;
  constexpr auto int_max = std::numeric_limits<int>::max();
  const auto as_int = [](std::int64_t v) { return static_cast<int>(v); };
  expect_no_positionals(
      args.rest(
          {{"--host", true, [&](const std::string& v) { options.host = v; }},
           {"--port", true,
            [&](const std::string& v) {
              options.port = as_int(parse_integer(v, "--port", 0, 65535));
            }},
           {"--data", true, [&](const std::string& v) { data = v; }},
           {"--latency-ms", true,
            [&](const std::string& v) {
              options.latency =
                  std::chrono::milliseconds(parse_integer(v, "--latency-ms", 0, 3600000));
            }},
           {"--fail-next", true,
            [&](const std::string& v) {
              options.fail_next = as_int(parse_integer(v, "--fail-next", 0, int_max));
            }},
           {"--fail-status", true,
            [&](const std::string& v) {
              options.fail_status = as_int(parse_integer(v, "--fail-status", 400, 599));
            }},
           {"--commit-then-drop", true,
            [&](const std::string& v) {
              options.commit_then_drop = as_int(parse_integer(v, "--commit-then-drop", 0, int_max));
            }},
           {"--fail-only", true, [&](const std::string& v) { options.fail_only = v; }},
           {"--fail-retry-after", true,
            [&](const std::string& v) {
              options.fail_retry_after = as_int(parse_integer(v, "--fail-retry-after", 0, 86400));
            }},
           {"--advance-every", true,
            [&](const std::string& v) {
              options.advance_every = parse_seconds(v, "--advance-every");
            }},
           {"--webhook-retry-scale", true,
            [&](const std::string& v) { options.webhook_retry_scale = parse_retry_scale(v); }}},
          ctx),
      "mock");
  try {
    if (data) options.catalog = testing::Catalog::from_file(*data);
  } catch (const DecodeError& e) {
    throw UsageError("--data " + *data + " is not a valid catalogue: " + e.what());
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--data: ") + e.what());
  }
  try {
    testing::run_until_signal(std::move(options), ctx.out);
  } catch (const std::exception& e) {  // a refused host or --fail-only, a port in use, ...
    std::string message = e.what();
    // The simulator names its option; a user of the tool knows the flag.
    constexpr std::string_view fail_only_option = "SimulatorOptions::fail_only";
    if (message.compare(0, fail_only_option.size(), fail_only_option) == 0) {
      message.replace(0, fail_only_option.size(), "--fail-only");
    }
    throw UsageError("mock: " + message);
  }
}

}  // namespace

Command mock_command() {
  return {"mock", std::string(mock_usage), std::string(mock_details), run_mock};
}

}  // namespace impilo::cli
