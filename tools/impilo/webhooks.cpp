// `impilo webhooks create|set-secret|logs|listen` (docs/webhooks.md).

#ifdef IMPILO_CLI_WITH_LISTEN  // `webhooks listen`, built with IMPILO_BUILD_SIMULATOR
#include <pthread.h>
#include <unistd.h>

#include "ascii.hpp"
#include "http_server.hpp"  // the simulator's HTTP layer (impilo::testing), with its limits
#endif

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/webhooks.hpp>
#include <iterator>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "listing.hpp"
#include "output_error.hpp"

namespace impilo::cli {

namespace {

constexpr const char* secret_variable = "IMPILO_WEBHOOK_SECRET";
constexpr const char* secret_header = "Impilo-Webhook-Secret";
/// Largest delivery `listen` reads, after de-chunking and decompression; an Order with every
/// list filled stays far below it.
constexpr std::size_t max_delivery_bytes = std::size_t{4} * 1024 * 1024;

std::optional<std::string> secret_from_env() {
  const char* value = std::getenv(secret_variable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

/// The secret in @p path, without one trailing line break (editors and `echo` add one).
std::string read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--secret-file: cannot open '" + path + "': " + std::strerror(errno));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

/// Refuses `--secret VALUE`: a command line is visible to every user of the machine. The value is
/// consumed and never echoed.
Flag refused_secret_flag() {
  return {"--secret", true, [](const std::string&) {
            throw UsageError(
                "--secret is not accepted (command lines are visible to other users): set "
                "IMPILO_WEBHOOK_SECRET or pass --secret-file F");
          }};
}

void create(Context& ctx, Args& args) {
  std::optional<std::string> type;
  std::optional<std::string> url;
  expect_no_positionals(args.rest({{"--type", true, [&type](const std::string& v) { type = v; }},
                                   {"--url", true, [&url](const std::string& v) { url = v; }}},
                                  ctx),
                        "webhooks create");
  if (!type) throw UsageError("webhooks create needs --type T (such as order.statusFull)");
  if (!url) throw UsageError("webhooks create needs --url U (an https URL)");
  const Client client = ctx.make_client();
  const Webhook webhook = client.create_webhook({WebhookType::from_string(*type), *url, {}});
  print_json(ctx.out, nlohmann::json(webhook));
}

void set_secret(Context& ctx, Args& args) {
  std::optional<std::string> file;
  expect_no_positionals(
      args.rest({{"--secret-file", true, [&file](const std::string& v) { file = v; }},
                 refused_secret_flag()},
                ctx),
      "webhooks set-secret");
  const Client client = ctx.make_client();
  const std::optional<std::string> secret = file ? read_secret_file(*file) : secret_from_env();
  if (!secret) {
    throw UsageError(
        "webhooks set-secret needs the secret in IMPILO_WEBHOOK_SECRET or in a file given with "
        "--secret-file F");
  }
  client.set_webhook_secret(*secret);
  print_json(ctx.out, nlohmann::json{{"secretSet", true}});
}

void logs(Context& ctx, Args& args) {
  ListWebhookLogsParams params;
  bool all = false;
  expect_no_positionals(args.rest(paging_flags(params.page, params.size, all), ctx),
                        "webhooks logs");
  const Client client = ctx.make_client();
  print_listing(
      ctx, all, [&] { return client.list_webhook_logs(params); },
      [&] { return client.webhook_logs(params); });
}

#ifdef IMPILO_CLI_WITH_LISTEN
/// The stdout line of @p delivery: compact JSON re-encoded from the parsed values (`id`, `type`,
/// `payload`, then the envelope's unknown members), never the bytes received, with every control
/// character escaped (`\u00XX`, C1 and DEL included) so that no line can drive a terminal.
std::string delivery_line(const WebhookDelivery& delivery) {
  using Json = nlohmann::ordered_json;
  Json line;
  line["id"] = delivery.id;
  line["type"] = delivery.type.str();
  line["payload"] = Json::parse(delivery.payload);
  if (!delivery.unknown_fields.empty()) {
    const Json unknown = Json::parse(delivery.unknown_fields.json_text());
    for (auto member = unknown.begin(); member != unknown.end(); ++member) {
      if (!line.contains(member.key())) line[member.key()] = *member;
    }
  }
  return internal::escape_terminal_controls(
      line.dump(-1, ' ', false, Json::error_handler_t::replace), true);
}

/// Blocks SIGINT and SIGTERM in this thread (and the threads it starts, which inherit the mask),
/// so that they wait for `sigwait`; restores the old mask when destroyed.
class BlockedStopSignals {
 public:
  BlockedStopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    if (const int error = pthread_sigmask(SIG_BLOCK, &signals_, &previous_); error != 0) {
      throw std::system_error(error, std::generic_category(), "pthread_sigmask");
    }
  }
  ~BlockedStopSignals() {
    // Absorb a second signal that came while stopping (impatient Ctrl-C, `timeout` sending twice):
    // unblocking it would kill the process after a clean stop.
    sigset_t pending;
    int received = 0;
    while (sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1)) {
      sigwait(&signals_, &received);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  BlockedStopSignals(const BlockedStopSignals&) = delete;
  BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

  void wait() {
    int received = 0;
    while (sigwait(&signals_, &received) != 0) {
    }
  }

 private:
  sigset_t signals_{};
  sigset_t previous_{};
};

/// What `listen` knows of its stdout: once a delivery's line could not be written, every later
/// delivery is answered 503 too, and listen stops.
struct ListenOutput {
  std::mutex mutex;  // one line at a time, whichever connection thread handles the delivery
  bool failed{false};
  std::string failure;  // what failed, for the exit message
};

void listen(Context& ctx, Args& args) {
  std::string host = "127.0.0.1";
  int port = 0;
  expect_no_positionals(args.rest({{"--host", true, [&host](const std::string& v) { host = v; }},
                                   {"--port", true,
                                    [&port](const std::string& v) {
                                      port = static_cast<int>(parse_integer(v, "--port", 0, 65535));
                                    }}},
                                  ctx),
                        "webhooks listen");
  const std::optional<std::string> secret = secret_from_env();
  WebhookReceiver receiver = secret ? WebhookReceiver(*secret) : WebhookReceiver::without_secret();

  // A write to a closed pipe must fail (EPIPE) rather than kill: the delivery is then answered
  // 503, and a sender that hangs up early must not kill the receiver either.
  std::signal(SIGPIPE, SIG_IGN);
  BlockedStopSignals stop_signals;  // before any thread starts: they inherit the mask
  ListenOutput output;
  const auto refused = [&ctx, &output](const httplib::Request& req, int status,
                                       std::string_view reason) {
    const std::lock_guard<std::mutex> lock(output.mutex);
    // The path and the reason come from the sender: escaped, they cannot drive a terminal.
    ctx.err << "impilo: webhooks listen: answered " << status << " to " << req.method << ' '
            << internal::escape_terminal_controls(req.path, false) << ": "
            << internal::escape_terminal_controls(reason, false) << std::endl;
  };
  const auto handle = [&](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "POST") {
      res.status = 405;
      return;
    }
    const WebhookHandling result = receiver.handle(req.get_header_value(secret_header), req.body);
    if (!result.delivery) {
      res.status = result.status;  // 200 for a repeat
      if (result.status != 200) refused(req, result.status, result.reason);
      return;
    }
    const std::int64_t id = result.delivery->id;
    std::string line;
    try {
      line = delivery_line(*result.delivery) + '\n';
    } catch (const std::exception&) {  // the parsed delivery always re-encodes; if not, retry
      receiver.forget(id);
      res.status = 500;
      refused(req, 500, "the delivery could not be re-encoded");
      return;
    }
    {
      // The answer follows the write: 200 only for a line that reached stdout whole.
      const std::lock_guard<std::mutex> lock(output.mutex);
      if (!output.failed) {
        errno = 0;
        ctx.out.write(line.data(), static_cast<std::streamsize>(line.size()));
        ctx.out.flush();
        if (ctx.out) {
          res.status = 200;
          return;
        }
        const int error = errno;
        output.failed = true;
        output.failure = "writing delivery " + std::to_string(id) + " to stdout failed" +
                         (error != 0 ? std::string(" (") + std::strerror(error) + ")" : "");
        // Stop once this 503 is written: SIGTERM wakes the main thread's sigwait.
        testing::detail::HttpServer::after_response([] { ::kill(::getpid(), SIGTERM); });
      }
    }
    // Not delivered: forgotten, so that Impilo's retry is a new delivery, not a repeat.
    receiver.forget(id);
    res.status = 503;
    res.set_header("Connection", "close");
  };
  testing::detail::HttpLimits limits;
  limits.max_body_bytes = max_delivery_bytes;
  testing::detail::HttpServer server(handle, limits);
  const int bound = server.bind(host, port);
  if (bound < 0) {
    throw UsageError("webhooks listen: cannot listen on " + host + " port " + std::to_string(port) +
                     " (in use, or not an address of this machine)");
  }
  // Announce only once the accept loop runs: a sender reading the line may connect at once.
  server.serve();
  const bool ipv6 = host.find(':') != std::string::npos;
  {
    const std::lock_guard<std::mutex> lock(output.mutex);
    ctx.out << "listening on http://" << (ipv6 ? "[" + host + "]" : host) << ':' << bound << '\n'
            << std::flush;
    if (!ctx.out) {
      output.failed = true;
      output.failure = "writing to stdout failed";
    }
  }
  if (!output.failed) stop_signals.wait();
  server.stop();
  const std::lock_guard<std::mutex> lock(output.mutex);
  if (output.failed) {
    throw OutputError("webhooks listen: " + output.failure +
                      "; the delivery was answered 503, for Impilo to retry it");
  }
}
#endif  // IMPILO_CLI_WITH_LISTEN

}  // namespace

const std::vector<Command>& webhooks_commands() {
  static const std::vector<Command> table{
      {"create",
       "  webhooks create --type T --url U   subscribe a URL to one webhook type; print the\n"
       "                                     Webhook {id, type, url}\n",
       "Subscribes URL U to deliveries of type T (POST /api/v3/webhook). A create that may have\n"
       "reached the server is never repeated (a repeat could subscribe the URL twice).\n"
       "\n"
       "Flags:\n"
       "  --type T   the webhook type, such as order.statusFull or order.status\n"
       "  --url U    where Impilo delivers: https (http only to a loopback host)\n",
       create},
      {"set-secret",
       "  webhooks set-secret [--secret-file F]\n"
       "                                     set the shared secret; print {\"secretSet\": true}\n",
       "Sets the secret Impilo sends in the Impilo-Webhook-Secret header of every delivery (POST\n"
       "/api/v3/webhook-secret). The secret comes from $IMPILO_WEBHOOK_SECRET or a file, never\n"
       "from a flag value (command lines are visible to every user of the machine); it is never\n"
       "printed.\n"
       "\n"
       "Flags:\n"
       "  --secret-file F   read the secret from F (one trailing newline dropped)\n",
       set_secret},
      {"logs",
       "  webhooks logs [--page N] [--size N] [--all]\n"
       "                                     the delivery log's page envelope as JSON; with --all\n"
       "                                     a JSON array of every entry from --page on\n",
       "Flags:\n"
       "  --page N   1-based page number; default 1\n"
       "  --size N   entries per page, 1 to 250; default 15\n"
       "  --all      print one JSON array of every entry from --page on, each printed as its page\n"
       "             arrives (a failure on a later page leaves the array unterminated)\n",
       logs},
#ifdef IMPILO_CLI_WITH_LISTEN  // needs cpp-httplib, built with IMPILO_BUILD_SIMULATOR
      {"listen",
       "  webhooks listen [--host H] [--port N]\n"
       "                                     receive deliveries locally; one compact JSON line "
       "per\n"
       "                                     new delivery\n",
       "A local receiver for deliveries; needs no API key. The first stdout line is `listening on\n"
       "http://HOST:PORT`, then one compact JSON line per new delivery, re-encoded from what was\n"
       "parsed (id, type, payload, then any other envelope member; control characters escaped).\n"
       "A delivery is answered 200 only once its line is written; repeats (the same delivery id)\n"
       "get 200 and are not printed. With $IMPILO_WEBHOOK_SECRET set, a wrong or missing\n"
       "Impilo-Webhook-Secret gets 401 and a stderr line (the path's control characters escaped).\n"
       "A body over 4 MiB (after de-chunking and decompression) gets 413; a request head must\n"
       "arrive within 5 s; 128 connections are served at once (the one idle longest is closed to\n"
       "make room). Stops on SIGINT or SIGTERM (exit 0). When stdout cannot be written (its "
       "reader\n"
       "went away, as with `| head -1`), the delivery is answered 503 so that Impilo retries it,\n"
       "and listen exits 12 with one line on stderr.\n"
       "\n"
       "Flags:\n"
       "  --host H   address to listen on; default 127.0.0.1\n"
       "  --port N   port, 0 to 65535; 0 (default) picks a free one\n",
       listen},
#endif
  };
  return table;
}

}  // namespace impilo::cli
