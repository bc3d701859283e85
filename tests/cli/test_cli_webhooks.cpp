// `impilo webhooks create|set-secret|logs|listen` against docs/webhooks.md: the binary runs as a
// child process, against a stand-in API on 127.0.0.1, or (listen) receiving what the test POSTs.

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "cli_runner.hpp"
#include "cli_support.hpp"
#include "raw_tcp_client.hpp"

using namespace cli_test;  // NOLINT(google-build-using-namespace): the shared test vocabulary

namespace {

constexpr const char* webhook_secret = "whsec-cli-8d1e44";

/// A file holding @p text, removed when the test ends.
class TextFile {
 public:
  explicit TextFile(const std::string& text) {
    std::ofstream(file_.path(), std::ios::binary) << text;
  }
  [[nodiscard]] const std::string& path() const { return file_.path(); }

 private:
  impilo_cli_test::detail::TempFile file_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// `impilo webhooks listen` running in the background, and a client posting to it.
class Listener {
 public:
  explicit Listener(impilo_cli_test::RunOptions options = {})
      : program_(IMPILO_CLI_PATH, {"webhooks", "listen", "--port", "0"}, options) {
    const std::string out = program_.wait_for_lines(1);
    const std::string prefix = "listening on http://127.0.0.1:";
    INFO("stdout: " << out << "\nstderr: " << program_.err());
    REQUIRE(out.rfind(prefix, 0) == 0);
    port_ = std::stoi(out.substr(prefix.size()));
    REQUIRE(port_ > 0);
  }

  /// POSTs @p body with @p secret (no header when empty); returns the status (-1: no answer).
  int post(const std::string& body, const std::string& secret, const std::string& path = "/") {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    httplib::Headers headers;
    if (!secret.empty()) headers.emplace("Impilo-Webhook-Secret", secret);
    const auto res = client.Post(path.c_str(), headers, body, "application/json");
    return res ? res->status : -1;
  }

  impilo_cli_test::BackgroundProgram& program() { return program_; }
  [[nodiscard]] int port() const { return port_; }

 private:
  impilo_cli_test::BackgroundProgram program_;
  int port_{0};
};

/// `impilo webhooks listen` whose stdout is a pipe this test reads, and may close (as `head -1`
/// does once it has its line); stderr goes to a file.
class PipedListener {
 public:
  PipedListener() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);  // the child gets only its dup2'd copy of the write end
    read_end_ = ends[0];
    const int write_end = ends[1];
    pid_ = impilo_cli_test::spawn_program(IMPILO_CLI_PATH, {"webhooks", "listen", "--port", "0"},
                                          {}, {"/dev/null", {}, write_end, err_.fd(), {}});
    ::close(write_end);
    const std::string first = read_line();
    const std::string prefix = "listening on http://127.0.0.1:";
    REQUIRE(first.rfind(prefix, 0) == 0);
    port_ = std::stoi(first.substr(prefix.size()));
  }
  ~PipedListener() {
    close_reader();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      impilo_cli_test::wait_child(pid_, std::chrono::steady_clock::now());
    }
  }
  PipedListener(const PipedListener&) = delete;
  PipedListener& operator=(const PipedListener&) = delete;

  /// The next stdout line (without its newline), waiting up to 10 s; empty when none comes.
  std::string read_line() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      const auto newline = buffered_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffered_.substr(0, newline);
        buffered_.erase(0, newline + 1);
        return line;
      }
      pollfd entry{read_end_, POLLIN, 0};
      if (std::chrono::steady_clock::now() >= until || ::poll(&entry, 1, 100) < 0) return {};
      char chunk[4096];
      if ((entry.revents & (POLLIN | POLLHUP)) != 0) {
        const ssize_t n = ::read(read_end_, chunk, sizeof chunk);
        if (n <= 0) return {};
        buffered_.append(chunk, static_cast<std::size_t>(n));
      }
    }
  }

  /// Closes the only read end of the pipe: from now on a write to stdout fails (EPIPE).
  void close_reader() {
    if (read_end_ >= 0) ::close(read_end_);
    read_end_ = -1;
  }

  /// Waits up to 10 s for the child to exit by itself; its exit code (-SIGKILL if it did not).
  int wait_for_exit() {
    const int code = impilo_cli_test::wait_child(
        pid_, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    pid_ = -1;
    return code;
  }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string err() const { return err_.read_all(); }

 private:
  impilo_cli_test::detail::TempFile err_;
  int read_end_{-1};
  pid_t pid_{-1};
  int port_{0};
  std::string buffered_;
};

/// POSTs @p body to 127.0.0.1: @p port without a secret; the status (-1: no answer).
int post_to(int port, const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  const auto res = client.Post("/", body, "application/json");
  return res ? res->status : -1;
}

/// Raises this process's limit on open descriptors to its hard limit (a test holding a thousand
/// connections needs more than the usual 1024).
void raise_descriptor_limit() {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
}

std::string delivery(std::int64_t id, const std::string& type = "order.status") {
  return "{\n  \"id\": " + std::to_string(id) + ",\n  \"type\": \"" + type +
         "\",\n  \"payload\": {\"orderId\": 12, \"eventType\": \"shipped\", \"ratio\": 1.50}\n}";
}

/// The line listen prints for `delivery(id, type)`: re-encoded from the parsed values (1.50 is
/// the number 1.5).
std::string compact_delivery(std::int64_t id, const std::string& type = "order.status") {
  return R"({"id":)" + std::to_string(id) + R"(,"type":")" + type +
         R"(","payload":{"orderId":12,"eventType":"shipped","ratio":1.5}})";
}

}  // namespace

TEST_CASE("webhooks create posts the subscription and prints the Webhook", "[cli][webhooks]") {
  const json webhook = {{"id", 8}, {"type", "order.statusFull"}, {"url", "https://h.example/wh"}};
  FakeApi api(reply(201, webhook));
  const auto r = run_impilo(
      {"webhooks", "create", "--type", "order.statusFull", "--url", "https://h.example/wh"},
      env_for(api));
  CHECK(expect_success(r) == webhook);
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/api/v3/webhook");
  CHECK(json::parse(seen[0].body) ==
        json{{"type", "order.statusFull"}, {"url", "https://h.example/wh"}});
}

TEST_CASE("webhooks create refuses a bad URL or type before sending (exit 3)", "[cli][webhooks]") {
  FakeApi api(reply(201, json::object()));
  const auto r =
      run_impilo({"webhooks", "create", "--type", "order.status", "--url", "http://h.example/wh"},
                 env_for(api));
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  const json error = stderr_object(r);
  CHECK(error["error"] == "validation");
  CHECK(error["code"] == "invalid_data");
  REQUIRE(error["violations"].size() == 1);
  CHECK(error["violations"][0]["field"] == "/url");
  CHECK(api.request_count() == 0);
}

TEST_CASE("webhooks set-secret reads the secret from the environment or a file, never a flag",
          "[cli][webhooks]") {
  FakeApi api(reply(200, json{{"secret", webhook_secret}}));
  Env env = env_for(api);

  SECTION("from IMPILO_WEBHOOK_SECRET") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", webhook_secret);
    const auto r = run_impilo({"webhooks", "set-secret"}, env);
    CHECK(expect_success(r) == json{{"secretSet", true}});
    CHECK(r.out.find(webhook_secret) == std::string::npos);
  }
  SECTION("from --secret-file, one trailing newline dropped; the file wins over the variable") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", "not-this-one");
    const TextFile file(std::string(webhook_secret) + "\n");
    const auto r = run_impilo({"webhooks", "set-secret", "--secret-file", file.path()}, env);
    CHECK(expect_success(r) == json{{"secretSet", true}});
  }
  const auto seen = api.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == "/api/v3/webhook-secret");
  CHECK(json::parse(seen[0].body) == json{{"secret", webhook_secret}});
}

TEST_CASE("webhooks set-secret: a refused secret is never echoed", "[cli][webhooks]") {
  FakeApi api(reply(500, json{{"message", std::string("cannot store ") + webhook_secret}}));
  Env env = env_for(api);

  SECTION("a flag value is refused without being read") {
    const auto r = run_impilo({"webhooks", "set-secret", "--secret", webhook_secret}, env);
    const json error = expect_failure(r, 2, usage_error());
    CHECK(contains(message_of(error), "IMPILO_WEBHOOK_SECRET"));
    CHECK(r.err.find(webhook_secret) == std::string::npos);
    CHECK(api.request_count() == 0);
  }
  SECTION("no secret anywhere is a usage error") {
    const auto r = run_impilo({"webhooks", "set-secret"}, env);
    CHECK(contains(message_of(expect_failure(r, 2, usage_error())), "--secret-file"));
    CHECK(api.request_count() == 0);
  }
  SECTION("a server echoing the secret in an error cannot leak it") {
    env.emplace_back("IMPILO_WEBHOOK_SECRET", webhook_secret);
    const auto r = run_impilo({"--verbose", "webhooks", "set-secret"}, env);
    expect_failure(r, 8,
                   {{"error", "server"},
                    {"status", 500},
                    {"code", "unknown"},
                    {"message", "cannot store [redacted]"}});
    CHECK(r.err.find(webhook_secret) == std::string::npos);
  }
}

TEST_CASE("webhooks logs prints the page envelope, or every entry with --all", "[cli][webhooks]") {
  const auto page = [](int number, bool last) {
    return json{{"content", {{{"id", number * 10}, {"payload", "{\"id\": 1}"}, {"extra", 1}}}},
                {"page", number},
                {"size", 1},
                {"last", last}};
  };
  FakeApi api([&](const Seen& seen, httplib::Response& res, const impilo_test::TestServer&) {
    const int number = std::stoi(seen.param("page"));
    res.set_content(page(number, number == 3).dump(), "application/json");
  });

  SECTION("one page") {
    const auto r = run_impilo({"webhooks", "logs", "--page", "2", "--size", "1"}, env_for(api));
    CHECK(expect_success(r) == page(2, false));
    const auto seen = api.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].path == "/api/v3/webhook/logs");
    CHECK(seen[0].param("size") == "1");
  }
  SECTION("--all") {
    const auto r = run_impilo({"webhooks", "logs", "--size", "1", "--all"}, env_for(api));
    const json all = expect_success(r);
    REQUIRE(all.is_array());
    CHECK(all == json{page(1, false)["content"][0], page(2, false)["content"][0],
                      page(3, true)["content"][0]});
  }
  SECTION("a bad size is refused by the library, nothing sent") {
    const auto r = run_impilo({"webhooks", "logs", "--size", "0"}, env_for(api));
    CHECK(contains(message_of(expect_failure(r, 2, usage_error())), "size"));
    CHECK(api.request_count() == 0);
  }
}

TEST_CASE("webhooks usage errors exit 2 and send nothing", "[cli][webhooks]") {
  FakeApi api(reply(200, json::object()));
  const std::vector<std::vector<std::string>> cases{
      {"webhooks"},
      {"webhooks", "subscribe"},
      {"webhooks", "create", "--url", "https://h.example/"},
      {"webhooks", "create", "--type", "order.status"},
      {"webhooks", "logs", "--page", "x"},
      {"webhooks", "listen", "--port", "70000"},
      {"webhooks", "listen", "--host", "192.0.2.1"},
      {"webhooks", "listen", "stray"},
  };
  for (const auto& args : cases) {
    INFO(args.back());
    expect_failure(run_impilo(args, env_for(api)), 2, usage_error());
  }
  CHECK(api.request_count() == 0);
}

TEST_CASE("webhooks listen prints each new delivery once, compact, and refuses a wrong secret",
          "[cli][webhooks]") {
  impilo_cli_test::RunOptions options;
  options.env = {{"IMPILO_WEBHOOK_SECRET", webhook_secret}};  // and no API key: none is needed
  Listener listener(options);

  CHECK(listener.post(delivery(1), webhook_secret, "/hooks/impilo") == 200);
  CHECK(listener.post(delivery(1), webhook_secret) == 200);  // a re-delivery: acknowledged
  CHECK(listener.post(delivery(2, "order.statusFull"), "wrong-secret") == 401);
  CHECK(listener.post(delivery(3), "") == 401);
  CHECK(listener.post("[1, 2]", webhook_secret) == 400);
  CHECK(listener.post(delivery(2, "order.statusFull"), webhook_secret) == 200);
  listener.program().wait_for_lines(3);

  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == compact_delivery(1));
  CHECK(lines[2] == compact_delivery(2, "order.statusFull"));
  const std::vector<std::string> errors = lines_of(r.err);
  REQUIRE(errors.size() == 3);
  CHECK(contains(errors[0], "401"));
  CHECK(contains(errors[1], "401"));
  CHECK(contains(errors[2], "400"));
  CHECK(r.err.find(webhook_secret) == std::string::npos);
  CHECK(r.err.find("wrong-secret") == std::string::npos);
}

TEST_CASE("webhooks listen without a secret accepts every delivery and stops on SIGINT",
          "[cli][webhooks]") {
  Listener listener;
  CHECK(listener.post(delivery(5), "") == 200);
  CHECK(listener.post(delivery(5), "anything") == 200);
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGINT);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == compact_delivery(5));
  CHECK(r.err.empty());
}

TEST_CASE("webhooks listen answers 503 and exits 12 once its stdout reader has gone away",
          "[cli][webhooks]") {
  PipedListener listener;
  // Printed whole: 200.
  CHECK(post_to(listener.port(), delivery(1)) == 200);
  CHECK(listener.read_line() == compact_delivery(1));
  // The reader goes away (`| head -2` has its lines): the next delivery cannot be printed, so it
  // is not acknowledged, and listen stops as a filter whose reader went away.
  listener.close_reader();
  CHECK(post_to(listener.port(), delivery(2)) == 503);
  CHECK(listener.wait_for_exit() == 12);
  const std::vector<std::string> errors = lines_of(listener.err());
  INFO("stderr: " << listener.err());
  REQUIRE(errors.size() == 1);
  const json error = json::parse(errors[0]);
  CHECK(error["error"] == "output");
  CHECK(contains(error["message"].get<std::string>(), "delivery 2"));
  CHECK(contains(error["message"].get<std::string>(), "503"));
}

TEST_CASE("webhooks listen answers 413 to a chunked body over 4 MiB and prints nothing",
          "[cli][webhooks]") {
  Listener listener;
  // A valid delivery followed by 5 MiB of JSON whitespace, sent chunked (no length announced).
  const std::string body = delivery(7) + std::string(std::size_t{5} * 1024 * 1024, ' ');
  httplib::Client client("127.0.0.1", listener.port());
  const auto res = client.Post(
      "/",
      [&body](std::size_t offset, httplib::DataSink& sink) {
        if (offset < body.size()) {
          sink.write(body.data() + offset, std::min<std::size_t>(64 * 1024, body.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(listener.post(delivery(8), "") == 200);  // still serving
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == compact_delivery(8));
}

TEST_CASE("webhooks listen answers 413 to a gzip body inflating past 4 MiB and prints nothing",
          "[cli][webhooks]") {
  Listener listener;
  // 8 MiB once inflated, a few KiB on the wire (Content-Encoding: gzip).
  const std::string body = delivery(7) + std::string(std::size_t{8} * 1024 * 1024, ' ');
  httplib::Client client("127.0.0.1", listener.port());
  client.set_compress(true);
  const auto res = client.Post("/", body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(listener.post(delivery(8), "") == 200);  // still serving
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == compact_delivery(8));
}

TEST_CASE(
    "webhooks listen answers a delivery within 1 s while 16 dripping and 1000 idle "
    "connections are open",
    "[cli][webhooks]") {
  raise_descriptor_limit();
  Listener listener;
  std::vector<std::unique_ptr<impilo_test::RawClient>> drippers;
  for (int i = 0; i < 16; ++i) {
    drippers.push_back(std::make_unique<impilo_test::RawClient>(listener.port()));
    REQUIRE(drippers.back()->send("P"));  // a request head begun, one byte every 2 s at most
  }
  std::vector<std::unique_ptr<impilo_test::RawClient>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<impilo_test::RawClient>(listener.port()));
  }
  for (auto& dripper : drippers) dripper->send("O");
  const auto start = std::chrono::steady_clock::now();
  CHECK(listener.post(delivery(9), "") == 200);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Without eviction at the connection cap the delivery waits for a slot, at least the 5 s head
  // deadline of an idle connection. ASan slows every allocation and syscall of the listener
  // several times over, so there the bound is looser, still well below that wait.
#if defined(__SANITIZE_ADDRESS__)
  constexpr auto bound = std::chrono::seconds(3);
#else
  constexpr auto bound = std::chrono::seconds(1);
#endif
  CHECK(elapsed < bound);
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == compact_delivery(9));
}

TEST_CASE("webhooks listen prints a line re-encoded from the parsed delivery, controls escaped",
          "[cli][webhooks]") {
  Listener listener;
  // ESC, DEL and U+009B (a CSI on some terminals) in the payload; an unknown envelope member.
  const json payload = {{"note",
                         "a\x1b[2Jb\x7f"
                         "c\u009b"
                         "31md"},
                        {"count", 1.50}};
  const json envelope = {{"id", 11}, {"type", "order.status"}, {"payload", payload}, {"extra", 1}};
  const std::string body = envelope.dump();  // nlohmann leaves DEL and U+009B raw
  REQUIRE(body.find('\x7f') != std::string::npos);
  CHECK(listener.post(body, "") == 200);
  listener.program().wait_for_lines(2);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  const std::string& line = lines[1];
  INFO("line: " << line);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\x7f') == std::string::npos);
  CHECK(line.find("\xc2\x9b") == std::string::npos);
  CHECK(contains(line, "\\u001b[2J"));
  CHECK(contains(line, "\\u007f"));
  CHECK(contains(line, "\\u009b"));
  CHECK(json::parse(line) == envelope);
}

TEST_CASE("webhooks listen escapes the request path in its stderr line", "[cli][webhooks]") {
  impilo_cli_test::RunOptions options;
  options.env = {{"IMPILO_WEBHOOK_SECRET", webhook_secret}};
  Listener listener(options);
  impilo_test::RawClient client(listener.port());
  const std::string body = delivery(12);
  REQUIRE(
      client.send("POST /hooks%1B[2J%C2%9B%7F HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Impilo-Webhook-Secret: wrong-secret\r\nContent-Type: application/json\r\n"
                  "Connection: close\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body));
  CHECK(impilo_test::first_status(client.read_until_closed(std::chrono::seconds(5))) == 401);
  const impilo_cli_test::RunResult r = listener.program().stop_and_collect(SIGTERM);
  const std::vector<std::string> errors = lines_of(r.err);
  REQUIRE(errors.size() == 1);
  INFO("stderr: " << errors[0]);
  CHECK(contains(errors[0], "401"));
  CHECK(contains(errors[0], "/hooks\\x1b[2J\\xc2\\x9b\\x7f"));
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x7f') == std::string::npos);
  CHECK(r.err.find("\xc2\x9b") == std::string::npos);
  CHECK(r.out == "listening on http://127.0.0.1:" + std::to_string(listener.port()) + "\n");
}
