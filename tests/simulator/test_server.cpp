// The simulator as a server: lifecycle, addresses, fault injection, latency, concurrency, and
// run_until_signal.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::ErrorCode;
using impilo::testing::SimulatorOptions;
using nlohmann::json;
using namespace sim_test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

milliseconds elapsed_since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

SimulatorOptions with_host(std::string host) {
  SimulatorOptions options;
  options.host = std::move(host);
  return options;
}

}  // namespace

// ---- Lifecycle -------------------------------------------------------------------------------

TEST_CASE("start and stop are quick and stop is idempotent", "[simulator]") {
  Simulator sim;
  CHECK_FALSE(sim.running());
  CHECK(sim.port() == 0);
  CHECK_THROWS_AS(sim.url(), std::logic_error);
  sim.stop();  // not started: nothing to do

  const auto start = Clock::now();
  sim.start();
  CHECK(sim.running());
  CHECK(sim.port() > 0);
  CHECK(sim.url() == "http://127.0.0.1:" + std::to_string(sim.port()));
  CHECK_THROWS_AS(sim.start(), std::logic_error);
  make_client(sim).list_orders();
  sim.stop();
  sim.stop();
  CHECK_FALSE(sim.running());
  CHECK(elapsed_since(start) < milliseconds(1000));
  CHECK_THROWS_AS(make_client(sim).list_orders(), impilo::TransportError);
}

TEST_CASE("stop does not wait for idle keep-alive connections", "[simulator]") {
  Simulator sim;
  sim.start();
  // A cpp-httplib client that keeps its connection open after the answer.
  httplib::Client keeper(sim.url());
  keeper.set_keep_alive(true);
  const auto first = keeper.Get("/api/v3/order", {{"Impilo-API-Key", key}});
  REQUIRE(first);
  CHECK(first->status == 200);
  // The SDK client keeps its pooled connection too.
  const impilo::Client client = make_client(sim);
  client.list_orders();

  const auto start = Clock::now();
  sim.stop();
  CHECK(elapsed_since(start) < milliseconds(500));
}

TEST_CASE("a restarted simulator keeps its orders and inventory", "[simulator]") {
  Simulator sim;
  sim.start();
  make_client(sim).create_order(item_order(demo::oximeter, 2));
  sim.stop();
  sim.start();
  const impilo::Client client = make_client(sim);
  CHECK(client.get_order(1).order_items->at(0).count == 2);
  CHECK(sim.inventory(demo::oximeter) == 1);
}

TEST_CASE("the destructor stops the simulator", "[simulator]") {
  std::string url;
  {
    Simulator sim;
    sim.start();
    url = sim.url();
  }
  httplib::Client client(url);
  client.set_connection_timeout(std::chrono::seconds(1));
  CHECK_FALSE(client.Get("/api/v3/order"));
}

TEST_CASE("port 0 gives each simulator its own free port", "[simulator]") {
  Simulator a;
  Simulator b;
  a.start();
  b.start();
  CHECK(a.port() != b.port());
  make_client(a).create_order(item_order(demo::bp_monitor));
  CHECK(make_client(b).list_orders().total == 0);
  CHECK(make_client(a).list_orders().total == 1);
}

TEST_CASE("a port in use is refused", "[simulator]") {
  Simulator first;
  first.start();
  SimulatorOptions options;
  options.port = first.port();
  Simulator second(options);
  CHECK_THROWS_AS(second.start(), std::runtime_error);
  CHECK_FALSE(second.running());
  // The port is served by the first one only.
  CHECK(make_client(first).list_orders().total == 0);
}

TEST_CASE("only loopback hosts are accepted", "[simulator]") {
  const std::string host =
      GENERATE(as<std::string>{}, "0.0.0.0", "192.168.1.10", "10.0.0.1", "example.com", "",
               "::", "::ffff:127.0.0.1", "127.0.0.1.nip.io");
  CAPTURE(host);
  CHECK_THROWS_AS(Simulator(with_host(host)), std::invalid_argument);
  CHECK_THROWS_WITH(Simulator(with_host(host)),
                    Catch::Matchers::Contains("not a loopback address"));
}

TEST_CASE("loopback spellings are accepted", "[simulator]") {
  CHECK_NOTHROW(Simulator(with_host("127.0.0.1")));
  CHECK_NOTHROW(Simulator(with_host("127.1.2.3")));
  CHECK_NOTHROW(Simulator(with_host("::1")));
  CHECK_NOTHROW(Simulator(with_host("[::1]")));
  Simulator sim(with_host("LocalHost"));
  sim.start();
  CHECK(sim.url() == "http://127.0.0.1:" + std::to_string(sim.port()));
}

TEST_CASE("the simulator's loopback rule is the client's: other spellings of ::1 are refused",
          "[simulator]") {
  // One rule for both (src/internal/url.hpp): a client accepts plain http only for localhost,
  // 127.x.y.z and ::1, so the simulator listens on no other spelling.
  const std::string host =
      GENERATE(as<std::string>{}, "0:0:0:0:0:0:0:1", "[0:0:0:0:0:0:0:1]", "::0:1", "[localhost]");
  CAPTURE(host);
  CHECK_THROWS_WITH(Simulator(with_host(host)),
                    Catch::Matchers::Contains("not a loopback address"));
}

TEST_CASE("bad options are refused", "[simulator]") {
  SimulatorOptions options;
  SECTION("port") {
    options.port = 70000;
  }
  SECTION("negative port") {
    options.port = -1;
  }
  SECTION("latency") {
    options.latency = milliseconds(-1);
  }
  SECTION("fail count") {
    options.fail_next = -2;
  }
  SECTION("fail status") {
    options.fail_status = 302;
  }
  SECTION("retry after") {
    options.fail_retry_after = -5;
  }
  SECTION("catalogue") {
    options.catalog.api_keys.clear();
  }
  CHECK_THROWS_AS(Simulator(options), std::invalid_argument);
}

TEST_CASE("bad fault settings are refused", "[simulator]") {
  Simulator sim;
  CHECK_THROWS_AS(sim.fail_next(-1), std::invalid_argument);
  CHECK_THROWS_AS(sim.fail_next(1, 200), std::invalid_argument);
  CHECK_THROWS_AS(sim.fail_next(1, 503, -1), std::invalid_argument);
  CHECK_THROWS_AS(sim.set_latency(milliseconds(-10)), std::invalid_argument);
  CHECK_THROWS_AS(sim.set_inventory(4242, 1), std::invalid_argument);
  CHECK_THROWS_AS(sim.set_inventory(demo::bp_monitor, -1), std::invalid_argument);
}

// ---- Fault injection -------------------------------------------------------------------------

TEST_CASE("injected failures are retried by the client's GET", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  client.create_order(item_order(demo::bp_monitor));
  sim->fail_next(2, 503);
  const std::size_t before = sim->requests_served();
  const impilo::Order order = client.get_order(1);  // fails twice, succeeds on the third attempt
  CHECK(order.id == 1);
  CHECK(sim->requests_served() - before == 3);
}

TEST_CASE("a GET fails once the retries are spent", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  sim->fail_next(3, 502);
  const auto error = thrown<impilo::ServerError>([&] { client.list_orders(); });
  CHECK(error.status() == 502);
  CHECK(error.message() == "simulated failure");
  CHECK(client.list_orders().total == 0);  // the failures are used up
}

TEST_CASE("an injected failure fails a create at once and creates nothing", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  sim->fail_next(1, 503);
  const std::size_t before = sim->requests_served();
  const auto error =
      thrown<impilo::ServerError>([&] { client.create_order(item_order(demo::bp_monitor)); });
  CHECK(error.status() == 503);
  CHECK(sim->requests_served() - before == 1);  // never repeated
  CHECK(sim->orders().empty());
  CHECK(sim->inventory(demo::bp_monitor) == 100);
  CHECK(client.create_order(item_order(demo::bp_monitor)).id == 1);
}

TEST_CASE("a 429 with Retry-After is retried, also for a create", "[simulator]") {
  const auto sim = started();
  SECTION("the header is sent") {
    sim->fail_next(1, 429, 7);
    const RawResponse response = raw_request(*sim, "GET", "/api/v3/order");
    CHECK(response.status == 429);
    CHECK(response.headers.find("Retry-After")->second == "7");
    CHECK(json::parse(response.body) == json{{"message", "simulated failure"}});
  }
  SECTION("the client waits and retries") {
    sim->fail_next(1, 429, 0);
    const impilo::Order order = make_client(*sim).create_order(item_order(demo::bp_monitor));
    CHECK(order.id == 1);
    CHECK(sim->orders().size() == 1);
  }
}

TEST_CASE("injected failures count across endpoints and come before the key check", "[simulator]") {
  const auto sim = started();
  sim->fail_next(3, 500);
  CHECK(raw_request(*sim, "GET", "/nowhere", {}, std::nullopt).status == 500);
  CHECK(raw_post(*sim, "{}").status == 500);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 500);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 404);
  sim->fail_next(5, 500);
  sim->fail_next(0);  // cancels
  CHECK(raw_request(*sim, "GET", "/api/v3/order").status == 200);
}

TEST_CASE("fault injection from the options", "[simulator]") {
  SimulatorOptions options;
  options.fail_next = 1;
  options.fail_status = 504;
  options.fail_retry_after = 1;
  const auto sim = started(options);
  const RawResponse response = raw_request(*sim, "GET", "/api/v3/order");
  CHECK(response.status == 504);
  CHECK(response.headers.find("Retry-After")->second == "1");
  CHECK(raw_request(*sim, "GET", "/api/v3/order").status == 200);
}

TEST_CASE("fail_only fails a create without failing the GETs around it", "[simulator]") {
  SimulatorOptions options;
  options.fail_next = 1;
  options.fail_status = 504;
  options.fail_only = "POST /api/v3/order";
  const auto sim = started(options);
  const std::string body = impilo::to_json_text(item_order(demo::bp_monitor));

  CHECK(raw_request(*sim, "GET", "/api/v3/order").status == 200);    // another method
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 404);  // another path
  CHECK(raw_request(*sim, "POST", "/api/v3/webhook", R"({"type": "x", "url": "https://a.test/"})")
            .status == 201);  // POST to another path
  const RawResponse failed = raw_post(*sim, body);
  CHECK(failed.status == 504);
  CHECK(json::parse(failed.body) == json{{"message", "simulated failure"}});
  CHECK(sim->orders().empty());  // the failure was used up by the create, and created nothing
  CHECK(raw_post(*sim, body).status == 201);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 200);
  CHECK(sim->orders().size() == 1);
}

TEST_CASE("fail_only matches the path without its query", "[simulator]") {
  SimulatorOptions options;
  options.fail_next = 1;
  options.fail_only = "POST /api/v3/order";
  const auto sim = started(options);
  const std::string body = impilo::to_json_text(item_order(demo::bp_monitor));
  CHECK(raw_request(*sim, "GET", "/api/v3/order?page=1&size=5").status == 200);
  CHECK(raw_request(*sim, "POST", "/api/v3/order?source=test", body).status == 503);
  CHECK(raw_request(*sim, "POST", "/api/v3/order?source=test", body).status == 201);
}

TEST_CASE("fail_only at run time: the client's reads pass, its create fails once", "[simulator]") {
  const auto sim = started();
  const impilo::Client client = make_client(*sim);
  const impilo::Order first = client.create_order(item_order(demo::bp_monitor));
  sim->fail_only("POST /api/v3/order");
  sim->fail_next(1, 503);
  const std::size_t before = sim->requests_served();
  CHECK(client.list_orders().total == 1);
  CHECK(client.get_order(*first.id).id == first.id);
  CHECK(sim->requests_served() - before == 2);  // no read was failed and retried
  const auto error =
      thrown<impilo::ServerError>([&] { client.create_order(item_order(demo::bp_monitor)); });
  CHECK(error.status() == 503);
  CHECK(sim->orders().size() == 1);
  CHECK(client.create_order(item_order(demo::bp_monitor)).id == 2);

  // An empty string lifts the limit: every request counts again.
  sim->fail_next(1, 502);
  sim->fail_only("");
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 502);
  CHECK(raw_request(*sim, "GET", "/api/v3/order/1").status == 200);
}

TEST_CASE("a fail_only that is not METHOD PATH is refused, naming the problem", "[simulator]") {
  struct Case {
    std::string value;
    std::string problem;
  };
  const Case c = GENERATE(values<Case>({
      {"POST", "no space"},
      {"/api/v3/order", "no space"},
      {"post /api/v3/order", "upper-case"},
      {" /api/v3/order", "upper-case"},
      {"PO ST /api/v3/order", "start with '/'"},
      {"POST  /api/v3/order", "start with '/'"},
      {"POST api/v3/order", "start with '/'"},
      {"POST ", "start with '/'"},
      {"POST /api/v3/order ", "no space or control"},
      {"POST /api/v3/\torder", "no space or control"},
      {"POST /api/v3/order?page=1", "no query"},
      {"POST /api/v3/order#top", "no query"},
  }));
  CAPTURE(c.value);
  SimulatorOptions options;
  options.fail_only = c.value;
  CHECK_THROWS_WITH(Simulator(options),
                    Catch::Matchers::StartsWith("SimulatorOptions::fail_only: ") &&
                        Catch::Matchers::Contains("'" + c.value + "'") &&
                        Catch::Matchers::Contains(c.problem));
  Simulator sim;
  sim.fail_only("GET /api/v3/order");
  CHECK_THROWS_WITH(sim.fail_only(c.value), Catch::Matchers::StartsWith("Simulator::fail_only: ") &&
                                                Catch::Matchers::Contains(c.problem));
}

TEST_CASE("latency delays each answer and stop cuts it short", "[simulator]") {
  SimulatorOptions options;
  options.latency = milliseconds(200);
  const auto sim = started(options);
  auto start = Clock::now();
  CHECK(raw_request(*sim, "GET", "/api/v3/order").status == 200);
  CHECK(elapsed_since(start) >= milliseconds(200));

  sim->set_latency(milliseconds(0));
  start = Clock::now();
  CHECK(raw_request(*sim, "GET", "/api/v3/order").status == 200);
  CHECK(elapsed_since(start) < milliseconds(200));

  sim->set_latency(std::chrono::seconds(20));
  auto pending = std::async(std::launch::async, [&] {
    httplib::Client client(sim->url());
    return static_cast<bool>(client.Get("/api/v3/order", {{"Impilo-API-Key", key}}));
  });
  std::this_thread::sleep_for(milliseconds(100));  // the request is waiting in the simulator
  start = Clock::now();
  sim->stop();
  CHECK(elapsed_since(start) < milliseconds(1000));
  CHECK_FALSE(pending.get());  // cut off without an answer
}

// ---- Concurrency -----------------------------------------------------------------------------

TEST_CASE("concurrent creates take exactly the inventory there is", "[simulator]") {
  const auto sim = started();
  sim->set_inventory(demo::glucose_meter, 25);
  constexpr int threads = 4;
  constexpr int orders_per_thread = 10;
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      const impilo::Client client = make_client(*sim);
      for (int i = 0; i < orders_per_thread; ++i) {
        try {
          client.create_order(item_order(demo::glucose_meter));
          ++created;
        } catch (const impilo::BadRequestError& e) {
          (e.code() == ErrorCode::insufficient_inventory ? refused : other)++;
        } catch (...) {
          ++other;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  CHECK(created == 25);
  CHECK(refused == 15);
  CHECK(other == 0);
  CHECK(sim->inventory(demo::glucose_meter) == 0);
  const auto orders = sim->orders();
  REQUIRE(orders.size() == 25);
  std::set<std::int64_t> ids;
  for (const impilo::Order& order : orders) ids.insert(*order.id);
  CHECK(ids.size() == 25);
  CHECK(*ids.begin() == 1);
  CHECK(*ids.rbegin() == 25);
}

// ---- run_until_signal ------------------------------------------------------------------------

namespace {

/// A stream buffer that a test thread can wait on for the first complete line.
class LineCapture : public std::streambuf {
 public:
  std::string wait_for_line(milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return text_.find('\n') != std::string::npos; });
    return text_.substr(0, text_.find('\n'));
  }
  std::string text() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      text_ += traits_type::to_char_type(c);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int sync() override {
    changed_.notify_all();
    return 0;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
};

}  // namespace

TEST_CASE("run_until_signal prints the URL first, serves, and stops on SIGINT or SIGTERM",
          "[simulator]") {
  const int signal_number = GENERATE(SIGINT, SIGTERM);
  LineCapture capture;
  std::ostream out(&capture);
  std::promise<pthread_t> runner_id;
  auto runner_future = runner_id.get_future();
  auto result = std::async(std::launch::async, [&] {
    runner_id.set_value(pthread_self());
    return impilo::testing::run_until_signal(SimulatorOptions{}, out);
  });
  const pthread_t runner = runner_future.get();

  const std::string line = capture.wait_for_line(std::chrono::seconds(5));
  REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0);
  const std::string url = line.substr(std::string("listening on ").size());

  impilo::ClientOptions options;
  options.base_url = url;
  options.api_key = key;
  options.transport = make_transport();
  options.sleep = [](milliseconds) {};
  const impilo::Client client(options);
  CHECK(client.create_order(item_order(demo::bp_monitor)).id == 1);

  // Signal the runner thread itself: it has the signals blocked and waits for them.
  REQUIRE(pthread_kill(runner, signal_number) == 0);
  REQUIRE(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(result.get() == 0);
  CHECK(capture.text() == line + "\n");
  CHECK_THROWS_AS(client.list_orders(), impilo::TransportError);
}
