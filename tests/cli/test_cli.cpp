// The `impilo` command-line tool against its contract (docs/getting-started.md, "The `impilo`
// command-line tool", and `impilo --help`): the binary runs as a child process; HTTP cases talk to
// a cpp-httplib server on 127.0.0.1 started by each test.

#include <httplib.h>

#include <algorithm>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <impilo/version.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "cli_support.hpp"

using namespace cli_test;  // NOLINT(google-build-using-namespace): the shared test vocabulary

namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::size_t line_count(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The stderr object for bad `--file` input: exit kind `validation`, one violation at the root
/// with @p code and @p violation_message; @p message as in `expect_failure`.
json input_failure(const std::string& code, const std::string& violation_message,
                   json message = nullptr) {
  return {{"error", "validation"},
          {"status", nullptr},
          {"code", code},
          {"message", std::move(message)},
          {"violations", {{{"field", ""}, {"code", code}, {"message", violation_message}}}}};
}

}  // namespace

// ---- 0: success ------------------------------------------------------------------------------

TEST_CASE("orders create posts the file and prints the whole created order", "[cli]") {
  const json order = server_order(501);
  FakeApi api(reply(201, order));
  const json request = load("create_order_request.json");
  const std::string path = std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json";

  SECTION("from a file") {
    const json out = expect_success(run_impilo({"orders", "create", "--file", path}, env_for(api)));
    CHECK(out == order);  // unknown fields and the unknown status included
    CHECK(out["brandNewField"]["nested"][2] == "three");
  }
  SECTION("from stdin") {
    const json out = expect_success(
        run_impilo({"orders", "create", "--file", "-"}, env_for(api), request.dump()));
    CHECK(out == order);
  }

  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/api/v3/order");
  CHECK(seen[0].header("Impilo-API-Key") == key);
  CHECK(contains(seen[0].header("Content-Type"), "application/json"));
  CHECK(json::parse(seen[0].body) == request);
}

TEST_CASE("orders get prints the order, unknown fields included", "[cli]") {
  const json order = server_order(42);
  FakeApi api(reply(200, order));
  const json out = expect_success(run_impilo({"orders", "get", "42"}, env_for(api)));
  CHECK(out == order);
  CHECK(out["patient"]["futurePatientField"] == "kept");
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].path == "/api/v3/order/42");
}

TEST_CASE("orders list prints the page envelope", "[cli]") {
  json page = load("order_page.json");
  page["content"] = json::array({server_order(7), server_order(8)});
  page["page"] = 2;
  page["size"] = 5;
  page["total"] = 7;
  page["first"] = false;
  page["last"] = true;
  FakeApi api(reply(200, page));
  const json out =
      expect_success(run_impilo({"orders", "list", "--page", "2", "--size=5"}, env_for(api)));
  CHECK(out == page);
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/api/v3/order");
  CHECK(seen[0].param("page") == "2");
  CHECK(seen[0].param("size") == "5");
}

TEST_CASE("orders list --all follows the pages and prints one array", "[cli]") {
  std::vector<json> orders;
  for (int id = 1; id <= 5; ++id) orders.push_back(server_order(id));
  const auto paged = [&orders](int fail_on_page) {
    return [&orders, fail_on_page](const Seen& seen, httplib::Response& res,
                                   const impilo_test::TestServer&) {
      const int page = std::stoi(seen.param("page"));
      const int size = std::stoi(seen.param("size"));
      if (page == fail_on_page) {
        res.status = 500;
        res.set_content(R"({"message":"boom"})", "application/json");
        return;
      }
      json content = json::array();
      for (int i = (page - 1) * size; i < page * size && i < 5; ++i)
        content.push_back(orders[static_cast<std::size_t>(i)]);
      const json body = {{"content", content}, {"page", page},       {"size", size},
                         {"total", 5},         {"first", page == 1}, {"last", page * size >= 5}};
      res.set_content(body.dump(), "application/json");
    };
  };

  SECTION("every page") {
    FakeApi api(paged(0));
    const json out =
        expect_success(run_impilo({"orders", "list", "--all", "--size", "2"}, env_for(api)));
    CHECK(out == json(orders));
    const auto seen = api.seen();
    REQUIRE(seen.size() == 3);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i].param("page") == std::to_string(i + 1));
      CHECK(seen[i].param("size") == "2");
    }
  }
  SECTION("from --page on") {
    FakeApi api(paged(0));
    const json out = expect_success(
        run_impilo({"orders", "list", "--all", "--size", "2", "--page", "2"}, env_for(api)));
    CHECK(out == json(std::vector<json>(orders.begin() + 2, orders.end())));
    CHECK(api.seen().size() == 2);
  }
  SECTION("a failing later page leaves the orders before it, streamed, on stdout") {
    FakeApi api(paged(2));
    const auto r =
        run_impilo({"--max-retries", "0", "orders", "list", "--all", "--size", "2"}, env_for(api));
    CHECK(r.exit_code == 8);
    CHECK(stderr_object(r) ==
          json{{"error", "server"}, {"status", 500}, {"code", "unknown"}, {"message", "boom"}});
    // Printed as page 1 arrived: an array cut short, each order whole.
    const json printed = json::parse(r.out + "]");
    CHECK(printed == json(std::vector<json>(orders.begin(), orders.begin() + 2)));
    CHECK(api.seen().size() == 2);
  }
  SECTION("no orders: an empty array") {
    FakeApi api(reply(200, {{"content", json::array()}, {"page", 1}, {"size", 2}}));
    const auto r = run_impilo({"orders", "list", "--all", "--size", "2"}, env_for(api));
    CHECK(expect_success(r) == json::array());
    CHECK(r.out == "[]\n");
  }
  SECTION("the layout is print_json's for the whole array") {
    FakeApi api(paged(0));
    const auto r = run_impilo({"orders", "list", "--all", "--size", "2"}, env_for(api));
    CHECK(r.out == json(orders).dump(2) + "\n");
  }
}

TEST_CASE("orders list --all stops when the server repeats a page", "[cli]") {
  // A server that ignores `page` and never says `last`: the same two orders for every page.
  FakeApi api([](const Seen&, httplib::Response& res, const impilo_test::TestServer&) {
    const json page = {{"content", {server_order(1), server_order(2)}}, {"size", 2}};
    res.set_content(page.dump(), "application/json");
  });
  const auto r = run_impilo({"orders", "list", "--all", "--size", "2"}, env_for(api));
  CHECK(r.exit_code == 10);
  const json error = stderr_object(r);
  CHECK(error["error"] == "decode");
  CHECK(contains(message_of(error), "repeated"));
  CHECK(json::parse(r.out + "]") == json{server_order(1), server_order(2)});
  CHECK(api.seen().size() == 2);
}

TEST_CASE("orders validate needs no key and sends nothing", "[cli]") {
  FakeApi api(reply(200, json::object()));
  const Env no_key{{"IMPILO_BASE_URL", api.url()}};
  const std::string path = std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json";

  SECTION("from a file") {
    CHECK(expect_success(run_impilo({"orders", "validate", "--file", path}, no_key)) ==
          json{{"valid", true}});
  }
  SECTION("from stdin") {
    CHECK(expect_success(run_impilo({"orders", "validate", "--file", "-"}, no_key,
                                    load("create_order_request.json").dump())) ==
          json{{"valid", true}});
  }
  SECTION("with violations: exit 3") {
    const std::string input = R"({"orderItems": [{"item": {"id": 1}, "count": 0}]})";
    const auto expected = impilo::validate(json::parse(input).get<impilo::CreateOrderRequest>());
    REQUIRE(expected.size() >= 2);
    const json j =
        expect_failure(run_impilo({"orders", "validate", "--file", "-"}, no_key, input), 3,
                       {{"error", "validation"},
                        {"status", nullptr},
                        {"code", impilo::to_string(expected.front().code)},
                        {"message", nullptr},
                        {"violations", violations_json(expected)}});
    CHECK(contains(message_of(j), "/orderItems/0/count"));
  }
  CHECK(api.request_count() == 0);
}

TEST_CASE("help and version: --help, -h and --version print to stdout and exit 0", "[cli]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"-h"}, {"--help", "orders", "get"}}) {
    const auto r = run_impilo(args);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(contains(r.out, "orders create --file PATH|-"));
    CHECK(contains(r.out, "orders list [--page N] [--size N] [--all]"));
    CHECK(contains(r.out, "--max-retries N"));
  }
  const auto r = run_impilo({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == std::string("impilo ") + impilo::version() + "\n");
}

TEST_CASE("help: every subcommand's --help prints its own help", "[cli]") {
  check_help({
      {{"orders", "create", "--help"},
       {"orders create --file PATH|-", "--file PATH|-        the request", "never\nrepeated",
        "a warning on stderr"},
       {"orders get ID", "orders list"}},
      {{"orders", "get", "-h"},
       {"orders get ID", "a positive whole number"},
       {"orders create", "--page N"}},
      {{"orders", "list", "--help"},
       {"orders list [--page N] [--size N] [--all]", "--size N   orders per page, 1 to 250"},
       {"orders get ID", "--file"}},
      {{"orders", "validate", "--help"},
       {"orders validate --file PATH|-", "--file PATH|-        the request",
        "--allow-new-values   accept a shippingOption"},
       {"orders list", "orders get ID"}},
      {{"mock", "--help"},
       {"mock [--host H]", "--fail-status S", "[--fail-only 'METHOD PATH']",
        "--fail-only 'METHOD PATH'  fail only requests with that method and path"},
       {"orders get ID"}},
      {{"orders", "--help"},
       {"orders create --file", "orders get ID", "orders list", "orders validate",
        "impilo orders SUBCOMMAND --help"},
       {"mock [--host H]"}},
      {{"--verbose", "orders", "list", "--page", "2", "--help"}, {"orders list [--page N]"}, {}},
      {{"webhooks", "--help"},
       {"webhooks create --type T --url U", "webhooks set-secret", "webhooks logs",
        "webhooks listen", "impilo webhooks SUBCOMMAND --help"},
       {"orders get ID", "mock [--host H]"}},
      {{"webhooks", "logs", "--help"},
       {"webhooks logs [--page N] [--size N] [--all]", "each printed as its page\n"},
       {"webhooks create", "orders list"}},
  });
}

TEST_CASE("usage: no command prints the usage text to stderr, then the error object (exit 2)",
          "[cli]") {
  SECTION("impilo") {
    const auto r = run_impilo({});
    expect_failure(r, 2, usage_error("missing COMMAND (see impilo --help)"));
    CHECK(r.err.rfind("Usage: impilo [--base-url URL]", 0) == 0);
    CHECK(contains(r.err, "orders create --file PATH|-"));
    CHECK(contains(r.err, "Exit codes:"));
  }
  SECTION("impilo orders") {
    const auto r = run_impilo({"orders"});
    expect_failure(
        r, 2,
        usage_error(
            "orders needs a subcommand: create, find, get, list, pending, resume or validate "
            "(see impilo orders --help)"));
    CHECK(r.err.rfind("Usage: impilo [global flags] COMMAND", 0) == 0);
    CHECK(contains(r.err, "orders validate --file PATH|-"));
  }
}

TEST_CASE("on a terminal, a one-line message for a person comes before the error object", "[cli]") {
  impilo_cli_test::RunOptions options;
  options.stderr_terminal = true;

  SECTION("a usage error") {
    const auto r = impilo_cli_test::run_program(IMPILO_CLI_PATH, {"orders", "get", "abc"}, options);
    expect_failure(r, 2, usage_error("order ID must be a positive whole number, got 'abc'"));
    CHECK(first_line(r.err) ==
          "impilo: usage: order ID must be a positive whole number, got 'abc'");
    CHECK(line_count(r.err) == 2);
  }
  SECTION("a server error") {
    FakeApi api(reply(404, {{"message", "Order not found"}}));
    options.env = env_for(api);
    const auto r = impilo_cli_test::run_program(IMPILO_CLI_PATH, {"orders", "get", "9"}, options);
    expect_failure(r, 7,
                   {{"error", "not_found"},
                    {"status", 404},
                    {"code", "not_found"},
                    {"message", "Order not found (GET /api/v3/order/9)"}});
    CHECK(first_line(r.err) ==
          "impilo: not_found (HTTP 404): Order not found (GET /api/v3/order/9)");
    CHECK(line_count(r.err) == 2);
  }
  SECTION("not on a terminal: the object alone") {
    const auto r = run_impilo({"orders", "get", "abc"});
    CHECK(first_line(r.err).rfind("{\"error\":\"usage\"", 0) == 0);
    CHECK(line_count(r.err) == 1);
  }
}

// ---- Flags and environment ---------------------------------------------------------------------

TEST_CASE("a flag beats its environment variable", "[cli]") {
  FakeApi api(reply(200, server_order(3)));
  const ClosedPort closed;

  SECTION("flags win") {
    const Env env{{"IMPILO_BASE_URL", closed.url()}, {"IMPILO_API_KEY", "env-key-should-lose"}};
    expect_success(
        run_impilo({"--base-url", api.url(), "--api-key", key, "orders", "get", "3"}, env));
    REQUIRE(api.seen().size() == 1);
    CHECK(api.seen()[0].header("Impilo-API-Key") == key);
  }
  SECTION("the environment stands in for absent flags") {
    expect_success(run_impilo({"orders", "get", "3"}, env_for(api)));
    REQUIRE(api.seen().size() == 1);
    CHECK(api.seen()[0].header("Impilo-API-Key") == key);
  }
  SECTION("--flag=value, and global flags after the command") {
    expect_success(run_impilo({"orders", "get", "3", "--base-url=" + api.url(),
                               std::string("--api-key=") + key, "--max-retries=0", "--timeout=5"},
                              {{"IMPILO_BASE_URL", closed.url()}}));
    CHECK(api.seen().size() == 1);
  }
}

TEST_CASE("verbose: --verbose logs each attempt to stderr, never the key", "[cli]") {
  SECTION("success") {
    FakeApi api(reply(200, server_order(7)));
    const auto r = run_impilo({"--verbose", "orders", "get", "7"}, env_for(api));
    REQUIRE(r.exit_code == 0);
    REQUIRE(json::accept(r.out));
    CHECK(contains(r.err, "GET /api/v3/order/7"));
    CHECK(contains(r.err, "200"));
    CHECK(contains(r.err, " ms"));
  }
  SECTION("a retried failure: one line per attempt, the error object last") {
    FakeApi api(reply(503, {{"message", "down for maintenance"}}, {{"Retry-After", "0"}}));
    const auto r =
        run_impilo({"--verbose", "--max-retries", "1", "orders", "get", "7"}, env_for(api));
    expect_failure(r, 8,
                   {{"error", "server"},
                    {"status", 503},
                    {"code", "unknown"},
                    {"message", "down for maintenance"}});
    CHECK(api.seen().size() == 2);
    CHECK(contains(r.err, "GET /api/v3/order/7 -> 503"));
    CHECK(contains(r.err, "attempt 2/2"));
  }
  SECTION("a server echoing the key back") {
    FakeApi api(reply(401, {{"message", std::string("bad key ") + key}}));
    const auto r = run_impilo({"--verbose", "orders", "get", "7"}, env_for(api));
    // run_impilo() already checked that the key appears nowhere.
    const json j = stderr_object(r);
    CHECK(r.exit_code == 5);
    CHECK(j["error"] == "authentication");
  }
}

TEST_CASE("a key of any length is hidden from stdout and stderr in every spelling", "[cli]") {
  // The SDK's one redaction policy (docs/logging.md): before it, the tool left keys under 8
  // characters in its own messages.
  const std::size_t length = GENERATE(1U, 3U, 4U, 7U, 8U, 40U);
  const std::string secret =
      std::string("Q7#zK/w+Xv~9@Lp%Rj:sT&mB!yHc=Ud;Nf$Ge^oI").substr(0, length);
  CAPTURE(secret);
  std::string escaped;
  std::string encoded;
  for (const char c : secret) {
    static constexpr char hex[] = "0123456789ABCDEF";
    const auto u = static_cast<unsigned char>(c);
    escaped += std::string("\\u00") + hex[u >> 4U] + hex[u & 0x0FU];
    encoded += std::string("%") + hex[u >> 4U] + hex[u & 0x0FU];
  }
  const Env env = {{"IMPILO_API_KEY", secret}};
  impilo_cli_test::RunResult r;
  SECTION("echoed by the server raw, JSON-escaped and percent-encoded, with --verbose") {
    // Written by hand: a json value would be sent with the escapes decoded.
    const std::string body =
        R"({"message":"bad key )" + secret + " " + escaped + " " + encoded + R"("})";
    REQUIRE(json::accept(body));
    FakeApi api([body](const Seen&, httplib::Response& res, const impilo_test::TestServer&) {
      res.status = 401;
      res.set_content(body, "application/json");
    });
    r = run_impilo({"--base-url", api.url(), "--verbose", "orders", "get", "7"}, env);
    CHECK(r.exit_code == 5);
  }
  SECTION("echoed by the tool itself in a usage error") {
    FakeApi api(reply(200, server_order(7)));
    r = run_impilo({"--base-url", api.url(), "orders", "get", secret}, env);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "[redacted]"));
  }
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  for (const std::string& spelling : {secret, escaped, encoded}) {
    CHECK(r.out.find(spelling) == std::string::npos);
    CHECK(r.err.find(spelling) == std::string::npos);
  }
}

// ---- 2: usage --------------------------------------------------------------------------------

TEST_CASE("usage errors exit 2 naming the problem, and send nothing", "[cli]") {
  FakeApi api(reply(200, server_order(1)));
  const Env env = env_for(api);
  check_usage_errors({
      {{}, "missing COMMAND"},
      {{"--bogus", "orders", "get", "1"}, "unknown flag '--bogus'"},
      {{"orders", "get", "1", "--bogus=x"}, "unknown flag '--bogus'"},
      {{"-x", "orders", "get", "1"}, "unknown flag '-x'"},
      {{"orders", "get", "1", "--api-key"}, "--api-key needs a value"},
      {{"--base-url", "--verbose", "orders", "get", "1"}, "--base-url needs a value"},
      {{"--verbose=yes", "orders", "get", "1"}, "--verbose takes no value"},
      {{"--max-retries", "x", "orders", "get", "1"}, "--max-retries"},
      {{"--max-retries", "-1", "orders", "get", "1"}, "--max-retries"},
      {{"--max-retries", "1.5", "orders", "get", "1"}, "--max-retries"},
      {{"--timeout", "abc", "orders", "get", "1"}, "--timeout"},
      {{"--timeout", "0", "orders", "get", "1"}, "--timeout"},
      {{"--timeout", "-1", "orders", "get", "1"}, "--timeout"},
      {{"mock", "--port", "70000"}, "--port"},
      {{"mock", "--host", "192.0.2.1"}, "192.0.2.1"},
      {{"mock", "--data", "/nonexistent/catalog.json"}, "/nonexistent/catalog.json"},
      {{"mock", "--fail-status", "200"}, "--fail-status"},
      {{"mock", "--fail-only", "post /api/v3/order"}, "--fail-only: expected a method and a path"},
      {{"mock", "--fail-only", "POST"}, "--fail-only: expected a method and a path"},
      {{"mock", "--fail-only", "POST api/v3/order"}, "the path must start with '/'"},
      {{"mock", "--fail-only", "POST /api/v3/order?page=1"}, "no query"},
      {{"mock", "--fail-only"}, "--fail-only needs a value"},
      {{"mock", "--advance-every", "0"}, "--advance-every"},
      {{"mock", "--advance-every", "soon"}, "--advance-every"},
      {{"mock", "--webhook-retry-scale", "-1"}, "--webhook-retry-scale"},
      {{"mock", "--webhook-retry-scale", "1001"}, "--webhook-retry-scale"},
      {{"mock", "--webhook-retry-scale", "fast"}, "--webhook-retry-scale"},
      {{"mock", "stray"}, "unexpected argument 'stray'"},
      {{"orders"}, "subcommand"},
      {{"orders", "frob"}, "unknown orders subcommand 'frob'"},
      {{"orders", "create"}, "--file"},
      {{"orders", "create", "--file", "/nonexistent/order.json"}, "/nonexistent/order.json"},
      {{"orders", "get"}, "order ID"},
      {{"orders", "get", "1", "2"}, "order ID"},
      {{"orders", "get", "abc"}, "order ID must be a positive whole number, got 'abc'"},
      {{"orders", "get", "0"}, "got '0'"},
      {{"orders", "get", "-1"}, "got '-1'"},
      {{"orders", "get", "1e3"}, "got '1e3'"},
      {{"orders", "get", "99999999999999999999"}, "order ID"},
      {{"orders", "list", "--page", "x"}, "--page"},
      {{"orders", "list", "--size", "251"}, "size must be from 1 to 250"},
      {{"orders", "list", "--all", "--size", "0"}, "size must be from 1 to 250"},
      {{"orders", "list", "--page", "0"}, "page must be at least 1"},
      {{"orders", "list", "extra"}, "unexpected argument 'extra'"},
  }, env);
  CHECK(api.request_count() == 0);
}

TEST_CASE("a missing API key is a usage error", "[cli]") {
  FakeApi api(reply(200, server_order(1)));
  const Env no_key{{"IMPILO_BASE_URL", api.url()}};
  for (const std::vector<std::string>& args : {std::vector<std::string>{"orders", "get", "1"},
                                               {"--api-key", "", "orders", "get", "1"},
                                               {"orders", "list"},
                                               {"orders", "create", "--file", "-"}}) {
    const json j = expect_failure(run_impilo(args, no_key, "{}"), 2, usage_error());
    CHECK(contains(message_of(j), "IMPILO_API_KEY"));
    CHECK(contains(message_of(j), "--api-key"));
  }
  CHECK(api.request_count() == 0);
}

TEST_CASE("a base URL with a path is refused: the SDK adds /api/v3 itself", "[cli]") {
  FakeApi api(reply(200, server_order(1)));
  for (const char* path : {"/api/v3", "/api/v3/", "/v3"}) {
    const auto r = run_impilo({"--base-url", api.url() + path, "orders", "get", "1"}, env_for(api));
    const json j = expect_failure(r, 2, usage_error());
    CHECK(contains(message_of(j), "base_url must be the host only"));
    CHECK(contains(message_of(j), "pass '" + api.url() + "' instead"));
  }
  CHECK(api.request_count() == 0);
  // With the host alone, the request goes to /api/v3/order/1, and --verbose logs that path.
  const auto r =
      run_impilo({"--verbose", "--base-url", api.url() + "/", "orders", "get", "1"}, env_for(api));
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "GET /api/v3/order/1 -> 200"));
  REQUIRE(api.seen().size() == 1);
  CHECK(api.seen()[0].path == "/api/v3/order/1");
}

TEST_CASE("members the SDK does not model are warned about on stderr, and still sent", "[cli]") {
  json input = load("create_order_request.json");
  input["shipingOption"] = "standard";
  input["patient"]["firstname"] = "Jane";
  const std::string first =
      "impilo: warning: /shipingOption is not a member the SDK knows and is sent as it is; did "
      "you mean shippingOption?\n";
  const std::string second =
      "impilo: warning: /patient/firstname is not a member the SDK knows and is sent as it is; "
      "did you mean firstName?\n";

  SECTION("orders validate") {
    const auto r = run_impilo({"orders", "validate", "--file", "-"}, {}, input.dump());
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out) == json{{"valid", true}});
    CHECK(r.err == first + second);
  }
  SECTION("orders create") {
    FakeApi api(reply(201, server_order(5)));
    const auto r = run_impilo({"orders", "create", "--file", "-"}, env_for(api), input.dump());
    CHECK(r.exit_code == 0);
    CHECK(r.err == first + second);
    REQUIRE(api.seen().size() == 1);
    CHECK(json::parse(api.seen()[0].body) == input);
  }
  SECTION("before the error object when the request is also invalid") {
    input["orderItems"][0]["count"] = 0;
    const auto r = run_impilo({"orders", "validate", "--file", "-"}, {}, input.dump());
    CHECK(r.exit_code == 3);
    CHECK(r.err.rfind(first + second, 0) == 0);
    CHECK(stderr_object(r)["error"] == "validation");
  }
}

TEST_CASE("an unknown shippingOption fails validation before anything is sent", "[cli]") {
  FakeApi api(reply(201, server_order(5)));
  json input = load("create_order_request.json");
  input["shippingOption"] = "Standard";
  const auto r = run_impilo({"orders", "create", "--file", "-"}, env_for(api), input.dump());
  const json j = stderr_object(r);
  CHECK(r.exit_code == 3);
  REQUIRE(j["violations"].size() == 1);
  CHECK(j["violations"][0]["field"] == "/shippingOption");
  CHECK(j["violations"][0]["code"] == "invalid_data");
  CHECK(contains(j["violations"][0]["message"].get<std::string>(), "standard, overnight"));
  CHECK(api.request_count() == 0);
}

TEST_CASE("a value newer than the tool is sent on purpose with --allow-new-values", "[cli]") {
  FakeApi api(reply(201, server_order(5)));
  json input = load("create_order_request.json");
  input["shippingOption"] = "sameDay";
  input["patient"]["sex"] = "nonBinary";
  CHECK(expect_success(run_impilo({"orders", "validate", "--file", "-", "--allow-new-values"}, {},
                                  input.dump())) == json{{"valid", true}});
  expect_success(run_impilo({"orders", "create", "--allow-new-values", "--file", "-"}, env_for(api),
                            input.dump()));
  REQUIRE(api.seen().size() == 1);
  CHECK(json::parse(api.seen()[0].body) == input);
}

TEST_CASE("http:// to a host that is not loopback is refused", "[cli]") {
  for (const Env& env : {Env{{"IMPILO_BASE_URL", "http://example.com"}, {"IMPILO_API_KEY", key}},
                         Env{{"IMPILO_API_KEY", key}}}) {
    const auto r = run_impilo({"--base-url", "http://example.com", "orders", "get", "1"}, env);
    const json j = expect_failure(r, 2, usage_error());
    CHECK(contains(message_of(j), "http"));
  }
  // A key of any length is scrubbed out of messages, even where that garbles them
  // (docs/logging.md, "Redaction"): before issue 16 the tool left keys under 8 characters.
  const auto r =
      run_impilo({"--api-key", "k", "--base-url", "http://example.com", "orders", "get", "1"});
  CHECK(contains(message_of(expect_failure(r, 2, usage_error())), "loopbac[redacted]"));
}

// ---- 3: validation ---------------------------------------------------------------------------

TEST_CASE("orders create: a request that breaks rules is not sent (exit 3)", "[cli]") {
  FakeApi api(reply(201, server_order(1)));

  SECTION("violations, all of them") {
    const std::string input =
        R"({"patient": {"firstName": " "}, "orderItems": [{"item": {}, "count": 0}]})";
    const auto expected = impilo::validate(json::parse(input).get<impilo::CreateOrderRequest>());
    REQUIRE(expected.size() >= 3);
    expect_failure(run_impilo({"orders", "create", "--file", "-"}, env_for(api), input), 3,
                   {{"error", "validation"},
                    {"status", nullptr},
                    {"code", impilo::to_string(expected.front().code)},
                    {"message", nullptr},
                    {"violations", violations_json(expected)}});
  }
  SECTION("malformed JSON: invalid_json, without quoting the input") {
    const auto r = run_impilo({"orders", "create", "--file", "-"}, env_for(api),
                              R"({"patient": {"firstName": "Zanele", )");
    const json j = expect_failure(r, 3, input_failure("invalid_json", "Invalid JSON format"));
    CHECK(contains(message_of(j), "byte"));
    CHECK(!contains(r.err, "Zanele"));
  }
  SECTION("a NUL, trailing bytes or a byte order mark: invalid_json, nothing sent") {
    const std::string order =
        R"({"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1}, "count": 1}]})";
    REQUIRE(run_impilo({"orders", "validate", "--file", "-"}, env_for(api), order).exit_code == 0);
    const std::pair<std::string, std::string> cases[] = {
        {order + std::string(1, '\0') + R"({"forged":1})", "syntax error at byte"},
        {order + std::string(1, '\0'), "syntax error at byte"},
        {order + " x", "syntax error at byte"},
        {"\xEF\xBB\xBF" + order, "it starts with a byte order mark"},
    };
    for (const auto& [input, why] : cases) {
      const auto r = run_impilo({"orders", "create", "--file", "-"}, env_for(api), input);
      const json j = expect_failure(r, 3, input_failure("invalid_json", "Invalid JSON format"));
      CHECK(contains(message_of(j), why));
    }
    CHECK(api.seen().empty());
  }
  SECTION("empty input is malformed JSON") {
    const json j = expect_failure(run_impilo({"orders", "create", "--file", "-"}, env_for(api), ""),
                                  3, input_failure("invalid_json", "Invalid JSON format"));
    CHECK(contains(message_of(j), "not valid JSON"));
  }
  SECTION("the wrong shape: invalid_data at the offending pointer") {
    const std::string input =
        R"({"patient": {"id": 1}, "orderItems": [{"item": {"id": 1}, "count": "2"}]})";
    const json j =
        expect_failure(run_impilo({"orders", "create", "--file", "-"}, env_for(api), input), 3,
                       {{"error", "validation"},
                        {"status", nullptr},
                        {"code", "invalid_data"},
                        {"message", nullptr},
                        {"violations",
                         {{{"field", "/orderItems/0/count"},
                           {"code", "invalid_data"},
                           {"message", "expected integer, got string"}}}}});
    CHECK(contains(message_of(j), "/orderItems/0/count"));
  }
  SECTION("not an object at all") {
    expect_failure(
        run_impilo({"orders", "validate", "--file", "-"}, {}, "[1, 2]"), 3,
        {{"error", "validation"},
         {"status", nullptr},
         {"code", "invalid_data"},
         {"message", nullptr},
         {"violations",
          {{{"field", ""}, {"code", "invalid_data"}, {"message", "expected object, got array"}}}}});
  }
  CHECK(api.request_count() == 0);
}

// ---- 4-8: HTTP errors --------------------------------------------------------------------------

TEST_CASE("server errors map to their kinds and exit codes", "[cli]") {
  const std::string path = std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json";
  struct Case {
    int status;
    json body;
    std::vector<std::string> args;
    int exit_code;
    json expected;
    std::size_t requests;
  };
  const std::vector<Case> cases{
      {400,
       {{"message", "insufficient_inventory"}},
       {"orders", "create", "--file", path},
       4,
       {{"error", "bad_request"},
        {"status", 400},
        {"code", "insufficient_inventory"},
        {"message", "insufficient_inventory"}},
       1},
      {400,
       {{"message",
         "Order contains Items that are marked as non-orderable. Order cannot be placed."}},
       {"orders", "create", "--file", path},
       4,
       {{"error", "bad_request"},
        {"status", 400},
        {"code", "item_not_orderable"},
        {"message",
         "Order contains Items that are marked as non-orderable. Order cannot be placed."}},
       1},
      {401,
       {{"message", "Unauthorized"}},
       {"orders", "get", "1"},
       5,
       {{"error", "authentication"},
        {"status", 401},
        {"code", "unauthorized"},
        {"message", "Unauthorized"}},
       1},
      {403,
       {{"message", "Access Denied"}},
       {"orders", "list"},
       6,
       {{"error", "permission_denied"},
        {"status", 403},
        {"code", "access_denied"},
        {"message", "Access Denied"}},
       1},
      {404,
       {{"message", "Order 99 not found"}},
       {"orders", "get", "99"},
       7,
       {{"error", "not_found"},
        {"status", 404},
        {"code", "not_found"},
        {"message", "Order 99 not found (GET /api/v3/order/99)"}},
       1},
      {503,
       {{"message", "Service Unavailable"}},
       {"--max-retries", "0", "orders", "get", "1"},
       8,
       {{"error", "server"},
        {"status", 503},
        {"code", "unknown"},
        {"message", "Service Unavailable"}},
       1},
      {429,
       {{"message", "Too Many Requests"}},
       {"--max-retries", "0", "orders", "create", "--file", path},
       8,
       {{"error", "rate_limited"},
        {"status", 429},
        {"code", "unknown"},
        {"message", "Too Many Requests"}},
       1},
      {429,
       {{"message", "Too Many Requests"}},
       {"--max-retries", "2", "orders", "list"},
       8,
       {{"error", "rate_limited"},
        {"status", 429},
        {"code", "unknown"},
        {"message", "Too Many Requests"}},
       3},
  };
  for (const Case& c : cases) {
    INFO("HTTP " << c.status << " " << c.body.dump());
    FakeApi api(reply(c.status, c.body, {{"Retry-After", "0"}}));
    expect_failure(run_impilo(c.args, env_for(api)), c.exit_code, c.expected);
    CHECK(api.request_count() == c.requests);
  }
}

TEST_CASE("a create answered 503 is not repeated", "[cli]") {
  FakeApi api(reply(503, {{"message", "Service Unavailable"}}, {{"Retry-After", "0"}}));
  const std::string path = std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json";
  expect_failure(run_impilo({"orders", "create", "--file", path}, env_for(api)), 8,
                 {{"error", "server"},
                  {"status", 503},
                  {"code", "unknown"},
                  {"message", "Service Unavailable"}});
  CHECK(api.request_count() == 1);
}

TEST_CASE("impilo mock --fail-only fails a create and not the reads around it", "[cli]") {
  impilo_cli_test::BackgroundProgram mock(
      IMPILO_CLI_PATH,
      {"mock", "--port", "0", "--fail-only", "POST /api/v3/order", "--fail-next", "1"});
  const std::string url = mock.listening_url();
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  // Raw reads, which no client retries: each must succeed at its first attempt.
  const auto get = [&url](const std::string& target) {
    httplib::Client client(url);
    client.set_read_timeout(std::chrono::seconds(5));
    const auto result = client.Get(target, {{"Impilo-API-Key", "sim-key-1"}});
    REQUIRE(result);
    return result->status;
  };
  const Env env{{"IMPILO_BASE_URL", url}, {"IMPILO_API_KEY", "sim-key-1"}};
  const std::string order =
      R"({"patient": {"id": 5000}, "orderItems": [{"item": {"id": 1000}, "count": 1}]})";

  CHECK(get("/api/v3/order") == 200);
  CHECK(get("/api/v3/order/1") == 404);
  expect_failure(run_impilo({"orders", "create", "--file", "-"}, env, order), 8,
                 {{"error", "server"},
                  {"status", 503},
                  {"code", "unknown"},
                  {"message", "simulated failure"}});
  CHECK(get("/api/v3/order?page=1") == 200);
  CHECK(expect_success(run_impilo({"orders", "create", "--file", "-"}, env, order))["id"] == 1);
  CHECK(get("/api/v3/order/1") == 200);
  CHECK(mock.stop() == 0);
}

// ---- 9: transport ----------------------------------------------------------------------------

TEST_CASE("transport failures exit 9 and say whether the request may have reached the server",
          "[cli]") {
  SECTION("connection refused: never reached") {
    const ClosedPort closed;
    const auto r = run_impilo({"--max-retries", "0", "orders", "get", "1"},
                              {{"IMPILO_BASE_URL", closed.url()}, {"IMPILO_API_KEY", key}});
    expect_failure(r, 9,
                   {{"error", "transport"},
                    {"status", nullptr},
                    {"code", nullptr},
                    {"message", nullptr},
                    {"may_have_reached_server", false}});
  }
  SECTION("--timeout bounds each attempt (decimals allowed)") {
    FakeApi api([](const Seen&, httplib::Response& res, const impilo_test::TestServer& server) {
      server.sleep_for(milliseconds(1500));
      res.set_content("{}", "application/json");
    });
    const auto r =
        run_impilo({"--timeout", "0.3", "--max-retries", "0", "orders", "get", "1"}, env_for(api));
    expect_failure(r, 9,
                   {{"error", "transport"},
                    {"status", nullptr},
                    {"code", nullptr},
                    {"message", nullptr},
                    {"may_have_reached_server", true}});
    CHECK(r.elapsed < milliseconds(1400));
  }
}

// ---- 10: decode ------------------------------------------------------------------------------

TEST_CASE("a 2xx body that is not an Order exits 10 naming the pointer", "[cli]") {
  SECTION("a member of the wrong type") {
    FakeApi api(reply(200, {{"id", "not-a-number"}}));
    const json j = expect_failure(
        run_impilo({"orders", "get", "1"}, env_for(api)), 10,
        {{"error", "decode"}, {"status", nullptr}, {"code", nullptr}, {"message", nullptr}});
    CHECK(contains(message_of(j), "/id"));
  }
  SECTION("not JSON") {
    FakeApi api([](const Seen&, httplib::Response& res, const impilo_test::TestServer&) {
      res.set_content("<html>hello</html>", "text/html");
    });
    const json j = expect_failure(
        run_impilo({"orders", "list"}, env_for(api)), 10,
        {{"error", "decode"}, {"status", nullptr}, {"code", nullptr}, {"message", nullptr}});
    CHECK(contains(message_of(j), "(root)"));
  }
}

// ---- 1: internal (not in the spec) -------------------------------------------------------------

TEST_CASE("a failure of the tool itself exits 1 with kind internal", "[cli]") {
  // Writing the result fails: stdout is /dev/full (ENOSPC).
  impilo_cli_test::RunOptions options;
  options.stdout_path = "/dev/full";
  const auto r = impilo_cli_test::run_program(
      IMPILO_CLI_PATH,
      {"orders", "validate", "--file",
       std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json"},
      options);
  const json j = expect_failure(
      r, 1, {{"error", "internal"}, {"status", nullptr}, {"code", nullptr}, {"message", nullptr}});
  CHECK(contains(message_of(j), "stdout"));
}

// ---- Hostile input (issue 8) -----------------------------------------------------------------

TEST_CASE("orders validate refuses input nested too deep, without crashing", "[cli]") {
  const std::string deep =
      R"({"patient": {"id": 1}, "x": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const json j = expect_failure(run_impilo({"orders", "validate", "--file", "-"}, {}, deep), 3,
                                input_failure("invalid_json", "Invalid JSON format"));
  CHECK(contains(message_of(j), "nested deeper than 256 levels"));
}

TEST_CASE("orders validate: a number out of range is invalid_data, not an internal failure",
          "[cli]") {
  expect_failure(
      run_impilo({"orders", "validate", "--file", "-"}, {},
                 R"({"patient": {"id": 1}, "orderItems": [{"item": {"id": 1}, "count": 1e400}]})"),
      3,
      input_failure("invalid_data", "a number is out of range",
                    "--file input holds a number out of range"));
}

TEST_CASE("a create answered 2xx with a body that is not an order may have placed it", "[cli]") {
  FakeApi api([](const Seen&, httplib::Response& res, const impilo_test::TestServer&) {
    res.status = 201;
  });
  const json j =
      expect_failure(run_impilo({"orders", "create", "--file",
                                 std::string(IMPILO_TEST_DATA_DIR) + "/create_order_request.json"},
                                env_for(api)),
                     10,
                     {{"error", "decode"},
                      {"status", nullptr},
                      {"code", nullptr},
                      {"message", nullptr},
                      {"may_have_reached_server", true}});
  CHECK(contains(message_of(j), "may have taken effect"));
  CHECK(api.seen().size() == 1);
}

TEST_CASE("a key that is part of [redacted] does not hang the error report", "[cli]") {
  FakeApi api(reply(401, {{"message", "bad key redacted"}}));
  const auto r = run_impilo({"orders", "get", "1"},
                            {{"IMPILO_BASE_URL", api.url()}, {"IMPILO_API_KEY", "redacted"}});
  const json j = stderr_object(r);
  CHECK(r.exit_code == 5);
  CHECK(j["message"] == "bad key [[redacted]]");
}
