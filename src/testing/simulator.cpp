#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <impilo/errors.hpp>
#include <impilo/testing/simulator.hpp>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "http_server.hpp"
#include "internal.hpp"
#include "url.hpp"
#include "webhook_hub.hpp"

namespace impilo::testing {

std::optional<detail::LoopbackHost> detail::loopback_host(std::string host) {
  if (impilo::internal::equals_ignoring_case(host, "localhost")) {
    return LoopbackHost{"127.0.0.1", "127.0.0.1"};
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  // The SDK's one loopback rule (src/internal/url.hpp), so that the simulator listens on exactly
  // the hosts a client accepts plain http for.
  if (!impilo::internal::is_loopback_host(host) ||
      impilo::internal::equals_ignoring_case(host, "localhost")) {
    return std::nullopt;
  }
  if (host.find(':') != std::string::npos) return LoopbackHost{host, "[" + host + "]"};
  return LoopbackHost{host, host};
}

namespace {

using detail::LoopbackHost;

constexpr std::string_view orders_path = "/api/v3/order";
constexpr std::string_view order_prefix = "/api/v3/order/";
constexpr std::string_view patients_path = "/api/v3/patient";
constexpr std::string_view patient_prefix = "/api/v3/patient/";
constexpr std::string_view kits_path = "/api/v3/kit";
constexpr std::string_view webhook_path = "/api/v3/webhook";
constexpr std::string_view webhook_secret_path = "/api/v3/webhook-secret";
constexpr std::string_view webhook_logs_path = "/api/v3/webhook/logs";
constexpr std::string_view advance_prefix = "/_simulator/orders/";
constexpr std::string_view advance_suffix = "/advance";

void check_failure(int count, int status, const std::optional<int>& retry_after,
                   const char* where) {
  if (count < 0) {
    throw std::invalid_argument(std::string(where) +
                                ": the count of failures must not be negative");
  }
  if (status < 400 || status > 599) {
    throw std::invalid_argument(std::string(where) +
                                ": the failure status must be 400 to 599, got " +
                                std::to_string(status));
  }
  if (retry_after && *retry_after < 0) {
    throw std::invalid_argument(std::string(where) + ": Retry-After must not be negative");
  }
}

/// The requests that `fail_only` picks: one method and one path (without a query).
struct RequestFilter {
  std::string method;
  std::string path;

  [[nodiscard]] bool matches(const httplib::Request& req) const {
    return req.method == method && req.path == path;  // cpp-httplib's path has no query
  }
};

/// `"METHOD PATH"` as a filter; nothing for an empty @p text (every request).
std::optional<RequestFilter> checked_fail_only(const std::string& text, const char* where) {
  if (text.empty()) return std::nullopt;
  const auto refuse = [&](const std::string& problem) {
    return std::invalid_argument(std::string(where) + ": expected a method and a path separated " +
                                 "by one space, such as 'POST /api/v3/order', got '" + text +
                                 "': " + problem);
  };
  const std::size_t space = text.find(' ');
  if (space == std::string::npos) throw refuse("there is no space before the path");
  RequestFilter filter{text.substr(0, space), text.substr(space + 1)};
  const bool upper_case = std::all_of(filter.method.begin(), filter.method.end(),
                                      [](char c) { return c >= 'A' && c <= 'Z'; });
  if (filter.method.empty() || !upper_case) {
    throw refuse("the method must be upper-case letters (GET, POST, ...)");
  }
  if (filter.path.empty() || filter.path.front() != '/') {
    throw refuse("the path must start with '/'");
  }
  if (impilo::internal::has_control_or_space(filter.path)) {
    throw refuse("the path must hold no space or control character");
  }
  if (filter.path.find_first_of("?#") != std::string::npos) {
    throw refuse(
        "the path must hold no query or fragment (requests are matched on their path "
        "alone)");
  }
  return filter;
}

void check_drops(int count, const char* where) {
  if (count < 0) {
    throw std::invalid_argument(std::string(where) + ": the count of creates must not be negative");
  }
}

double checked_retry_scale(double scale) {
  if (!(scale >= 0 && scale <= 1000)) {  // also refuses NaN
    throw std::invalid_argument("SimulatorOptions::webhook_retry_scale: must be 0 to 1000, got " +
                                std::to_string(scale));
  }
  return scale;
}

std::chrono::milliseconds checked_advance_every(std::chrono::milliseconds every) {
  if (every.count() < 0) {
    throw std::invalid_argument("SimulatorOptions::advance_every: must not be negative");
  }
  return every;
}

void check_latency(std::chrono::milliseconds latency, const char* where) {
  if (latency.count() < 0) {
    throw std::invalid_argument(std::string(where) + ": the latency must not be negative");
  }
}

LoopbackHost checked_host(const std::string& host) {
  auto loopback = detail::loopback_host(host);
  if (!loopback) {
    throw std::invalid_argument("SimulatorOptions::host: '" + host +
                                "' is not a loopback address; the simulator listens only on "
                                "127.0.0.0/8, ::1 or localhost");
  }
  return *std::move(loopback);
}

int checked_port(int port) {
  if (port < 0 || port > 65535) {
    throw std::invalid_argument("SimulatorOptions::port: must be 0 to 65535, got " +
                                std::to_string(port));
  }
  return port;
}

std::optional<std::string> query_value(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

/// Every value of query parameter @p name, in the order sent (`id=1&id=2`).
std::vector<std::string> query_values(const httplib::Request& req, const char* name) {
  std::vector<std::string> values;
  const auto [begin, end] = req.params.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

/// The id segment of @p path when it is `prefix` + one segment, else nothing.
std::optional<std::string_view> single_segment_after(const std::string& path,
                                                     std::string_view prefix) {
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0 ||
      path.find('/', prefix.size()) != std::string::npos) {
    return std::nullopt;
  }
  return std::string_view(path).substr(prefix.size());
}

}  // namespace

struct Simulator::Impl {
  explicit Impl(SimulatorOptions options)
      : host(checked_host(options.host)),
        requested_port(checked_port(options.port)),
        book(options.catalog),
        hub(checked_retry_scale(options.webhook_retry_scale)),
        advance_every(checked_advance_every(options.advance_every)),
        latency(options.latency),
        failures_left(options.fail_next),
        failure_status(options.fail_status),
        failure_retry_after(options.fail_retry_after),
        failure_filter(checked_fail_only(options.fail_only, "SimulatorOptions::fail_only")),
        drops_left(options.commit_then_drop) {
    check_latency(latency, "SimulatorOptions::latency");
    check_drops(drops_left, "SimulatorOptions::commit_then_drop");
    check_failure(failures_left, failure_status, failure_retry_after,
                  "SimulatorOptions::fail_next");
  }

  /// Every request: latency, an injected failure (when the request is one `fail_only` picks),
  /// the key, then the endpoint.
  detail::Answer answer(const httplib::Request& req) {
    {
      std::unique_lock<std::mutex> lock(control_mutex);
      if (latency.count() > 0) {
        stop_signal.wait_for(lock, latency, [this] { return stopping; });
      }
      if (failures_left > 0 && (!failure_filter || failure_filter->matches(req))) {
        --failures_left;
        detail::Answer failure =
            detail::message_answer(failure_status, detail::text::simulated_failure);
        if (failure_retry_after) {
          failure.headers.emplace_back("Retry-After", std::to_string(*failure_retry_after));
        }
        return failure;
      }
    }
    if (!req.has_header("Impilo-API-Key") ||
        !book.accepts_key(req.get_header_value("Impilo-API-Key"))) {
      return detail::message_answer(401, detail::text::unauthorized);
    }

    const std::string& path = req.path;
    const bool is_get = req.method == "GET" || req.method == "HEAD";
    if (path == orders_path) {
      if (is_get) {
        return book.list(query_value(req, "page"), query_value(req, "size"),
                         query_value(req, "sortDescending") == std::optional<std::string>("true"));
      }
      if (req.method == "POST") return committed(book.create(req.body));
      return method_not_allowed("GET, POST");
    }
    if (const auto id = single_segment_after(path, order_prefix)) {
      if (is_get) return book.get(*id);
      return method_not_allowed("GET");
    }
    if (auto answer = patient_answer(req)) return *std::move(answer);
    if (auto answer = lifecycle_answer(req)) return *std::move(answer);
    return detail::message_answer(404, detail::text::not_found);
  }

  /// The patient and kit endpoints (spec section 10), or nothing for another path.
  std::optional<detail::Answer> patient_answer(const httplib::Request& req) {
    const std::string& path = req.path;
    const bool is_get = req.method == "GET" || req.method == "HEAD";
    const detail::QueryValues query = [&req](const char* name) { return query_values(req, name); };
    if (path == patients_path) {
      if (is_get) return book.list_patients(query);
      if (req.method == "POST") return committed(book.create_patient(req.body));
      return method_not_allowed("GET, POST");
    }
    if (const auto id = single_segment_after(path, patient_prefix)) {
      if (is_get) return book.get_patient(*id);
      if (req.method == "PUT") return book.update_patient(*id, req.body);
      return method_not_allowed("GET, PUT");
    }
    if (path == kits_path) {
      if (is_get) return book.list_kits(query);
      return method_not_allowed("GET");
    }
    return std::nullopt;
  }

  /// The answer of a create (an order or a patient); one that committed while drops are pending
  /// loses its answer.
  detail::Answer committed(detail::Answer answer) {
    if (answer.status / 100 == 2) {
      const std::lock_guard<std::mutex> lock(control_mutex);
      if (drops_left > 0) {
        --drops_left;
        answer.drop_connection = true;
      }
    }
    return answer;
  }

  /// The order lifecycle and webhook endpoints (docs/testing.md, "Order statuses and webhooks"), or
  /// nothing for another path.
  std::optional<detail::Answer> lifecycle_answer(const httplib::Request& req) {
    const std::string& path = req.path;
    const bool is_post = req.method == "POST";
    if (path == webhook_path) {
      return is_post ? hub.subscribe(req.body) : method_not_allowed("POST");
    }
    if (path == webhook_secret_path) {
      return is_post ? hub.set_secret(req.body) : method_not_allowed("POST");
    }
    if (path == webhook_logs_path) {
      if (req.method != "GET" && req.method != "HEAD") return method_not_allowed("GET");
      return hub.logs([&req](const char* name) { return query_value(req, name); });
    }
    const std::string_view p(path);
    if (p.size() > advance_prefix.size() + advance_suffix.size() &&
        p.substr(0, advance_prefix.size()) == advance_prefix &&
        p.substr(p.size() - advance_suffix.size()) == advance_suffix) {
      if (!is_post) return method_not_allowed("POST");
      const std::string_view id_text =
          p.substr(advance_prefix.size(), p.size() - advance_prefix.size() - advance_suffix.size());
      const auto id = detail::parse_integer(id_text);
      if (!id) return detail::message_answer(400, server_message(ErrorCode::invalid_data));
      const auto result = advance(*id);
      switch (result.outcome) {
        case Outcome::moved:
          return detail::Answer{200, detail::order_json(result.order), {}};
        case Outcome::flow_ended:
          return detail::message_answer(409, flow_ended_message(result.order));
        case Outcome::unknown_order:
          break;
      }
      return detail::message_answer(404, detail::text::order_not_found);
    }
    return std::nullopt;
  }

  using Outcome = detail::OrderBook::Advanced::Outcome;

  /// Moves order @p id on and queues its webhooks; one at a time, so that deliveries go out in
  /// the order of the changes.
  detail::OrderBook::Advanced advance(std::int64_t id) {
    const std::lock_guard<std::mutex> lock(advance_mutex);
    detail::OrderBook::Advanced result = book.advance(id);
    if (result.outcome == Outcome::moved) hub.publish(result.order);
    return result;
  }

  static std::string flow_ended_message(const Order& order) {
    return "Order " + std::to_string(order.id.value_or(0)) + " is at the last status (" +
           (order.current_status ? order.current_status->str() : std::string()) +
           "): it cannot advance";
  }

  /// `--advance-every`: advances every order that can move, until `stop()`.
  void tick_until_stopped() {
    std::unique_lock<std::mutex> lock(control_mutex);
    while (!stop_signal.wait_for(lock, advance_every, [this] { return stopping; })) {
      lock.unlock();
      for (const std::int64_t id : book.advanceable()) advance(id);
      lock.lock();
    }
  }

  static detail::Answer method_not_allowed(const char* allowed) {
    detail::Answer answer = detail::message_answer(405, detail::text::method_not_allowed);
    answer.headers.emplace_back("Allow", allowed);
    return answer;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    requests.fetch_add(1);
    detail::Answer result;
    try {
      result = answer(req);
    } catch (const std::exception& e) {
      result = detail::message_answer(500, std::string("simulator error: ") + e.what());
    }
    if (result.drop_connection) {
      detail::HttpServer::close_without_response();
      return;
    }
    res.status = result.status;
    for (const auto& [name, value] : result.headers) res.set_header(name, value);
    res.set_content(result.body, "application/json");
  }

  const LoopbackHost host;
  const int requested_port;
  detail::OrderBook book;
  detail::WebhookHub hub;
  std::mutex advance_mutex;
  const std::chrono::milliseconds advance_every;
  std::thread ticker;  // runs tick_until_stopped() while serving, when advance_every > 0

  std::mutex control_mutex;  // guards the members down to `stopping`
  std::condition_variable stop_signal;
  std::chrono::milliseconds latency;
  int failures_left;
  int failure_status;
  std::optional<int> failure_retry_after;
  std::optional<RequestFilter> failure_filter;  // `fail_only`; none: every request
  int drops_left;
  bool stopping{false};

  std::atomic<std::size_t> requests{0};

  std::mutex lifecycle_mutex;  // serialises start() and stop()
  std::unique_ptr<detail::HttpServer> server;
  std::atomic<int> port{0};
  std::atomic<bool> running{false};
};

Simulator::Simulator(SimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  Impl& impl = *impl_;
  const std::lock_guard<std::mutex> lock(impl.lifecycle_mutex);
  if (impl.server) throw std::logic_error("Simulator::start: already running");
  {
    const std::lock_guard<std::mutex> control(impl.control_mutex);
    impl.stopping = false;
  }
  auto server = std::make_unique<detail::HttpServer>(
      [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle(req, res); });
  const int bound = server->bind(impl.host.bind, impl.requested_port);
  if (bound < 0) {
    throw std::runtime_error("Simulator::start: cannot listen on " + impl.host.in_url + ":" +
                             std::to_string(impl.requested_port) +
                             " (the port is in use, or the address is not available)");
  }
  server->serve();
  impl.port = bound;
  impl.server = std::move(server);
  impl.hub.start();
  if (impl.advance_every.count() > 0)
    impl.ticker = std::thread([&impl] { impl.tick_until_stopped(); });
  impl.running = true;
}

void Simulator::stop() noexcept {
  Impl& impl = *impl_;
  const std::lock_guard<std::mutex> lock(impl.lifecycle_mutex);
  if (!impl.server) return;
  // Connections first, so that a request woken from its latency below cannot answer any more.
  impl.server->close_connections();
  {
    const std::lock_guard<std::mutex> control(impl.control_mutex);
    impl.stopping = true;
  }
  impl.stop_signal.notify_all();
  if (impl.ticker.joinable()) impl.ticker.join();
  impl.hub.stop();
  impl.server->stop();
  impl.server.reset();
  impl.running = false;
}

bool Simulator::running() const noexcept {
  return impl_->running;
}

int Simulator::port() const noexcept {
  return impl_->port;
}

std::string Simulator::url() const {
  const int bound = impl_->port;
  if (bound == 0) throw std::logic_error("Simulator::url: not started yet (no port)");
  return "http://" + impl_->host.in_url + ":" + std::to_string(bound);
}

std::vector<Order> Simulator::orders() const {
  return impl_->book.orders();
}

std::optional<Order> Simulator::order(std::int64_t id) const {
  return impl_->book.order(id);
}

std::vector<Patient> Simulator::patients() const {
  return impl_->book.patients();
}

std::optional<std::int64_t> Simulator::inventory(std::int64_t item_id) const {
  return impl_->book.inventory(item_id);
}

void Simulator::set_inventory(std::int64_t item_id, std::optional<std::int64_t> units) {
  impl_->book.set_inventory(item_id, units);
}

void Simulator::set_latency(std::chrono::milliseconds latency) {
  check_latency(latency, "Simulator::set_latency");
  const std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->latency = latency;
}

void Simulator::fail_next(int count, int status, std::optional<int> retry_after_seconds) {
  check_failure(count, status, retry_after_seconds, "Simulator::fail_next");
  const std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->failures_left = count;
  impl_->failure_status = status;
  impl_->failure_retry_after = retry_after_seconds;
}

void Simulator::fail_only(const std::string& method_and_path) {
  std::optional<RequestFilter> filter = checked_fail_only(method_and_path, "Simulator::fail_only");
  const std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->failure_filter = std::move(filter);
}

void Simulator::commit_then_drop(int count) {
  check_drops(count, "Simulator::commit_then_drop");
  const std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->drops_left = count;
}

Order Simulator::advance(std::int64_t order_id) {
  const auto result = impl_->advance(order_id);
  switch (result.outcome) {
    case Impl::Outcome::moved:
      return result.order;
    case Impl::Outcome::flow_ended:
      throw std::out_of_range("Simulator::advance: " + Impl::flow_ended_message(result.order));
    case Impl::Outcome::unknown_order:
      break;
  }
  throw std::invalid_argument("Simulator::advance: no order has id " + std::to_string(order_id));
}

std::size_t Simulator::requests_served() const noexcept {
  return impl_->requests;
}

int run_until_signal(SimulatorOptions options, std::ostream& out) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  if (const int error = pthread_sigmask(SIG_BLOCK, &signals, &previous); error != 0) {
    throw std::system_error(error, std::generic_category(), "run_until_signal: pthread_sigmask");
  }
  // Restores the mask after the simulator (declared below, destroyed first) has stopped.
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};

  Simulator simulator(std::move(options));
  simulator.start();  // its threads inherit the blocked mask: the signal comes to sigwait below
  out << "listening on " << simulator.url() << '\n' << std::flush;
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  simulator.stop();
  // Absorb a second SIGINT or SIGTERM that came while stopping (`timeout` sends SIGTERM twice,
  // impatient users press Ctrl-C twice): unblocking it below would kill the process after a clean
  // stop.
  sigset_t pending;
  while (sigpending(&pending) == 0 &&
         (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1)) {
    sigwait(&signals, &received);
  }
  return 0;
}

}  // namespace impilo::testing
