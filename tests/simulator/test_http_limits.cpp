// The simulator's HTTP layer against hostile clients (issue 8, item 8), over raw sockets: every
// body is capped, chunked ones too; a refused request closes its connection so that nothing
// pipelined behind it runs; a dripping request head is cut off; connections are capped.

#include <dirent.h>

#include <chrono>
#include <cstddef>
#include <fstream>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "raw_tcp_client.hpp"
#include "sim_support.hpp"

using impilo_test::first_status;
using impilo_test::RawClient;
using impilo_test::response_count;
using nlohmann::json;
using namespace sim_test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

const std::string valid_create =
    json{{"patient", {{"id", demo::patient}}},
         {"orderItems", json::array({{{"item", {{"id", demo::bp_monitor}}}, {"count", 1}}})}}
        .dump();

/// A complete, valid create request, as a client would pipeline it.
std::string create_request() {
  return "POST /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nImpilo-API-Key: " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(valid_create.size()) + "\r\n\r\n" + valid_create;
}

/// Sends @p refused followed by a valid create on one connection, and checks that only the
/// first was answered, with @p status, that the connection then closed and nothing was created.
void check_refused_then_closed(const Simulator& sim, const std::string& refused, int status) {
  RawClient client(sim.port());
  REQUIRE(client.send(refused + create_request()));
  const std::string answer = client.read_until_closed(milliseconds(5000));
  CHECK(first_status(answer) == status);
  CHECK(response_count(answer) == 1);
  CHECK(answer.find("Connection: close") != std::string::npos);
  CHECK(client.closed());
  CHECK(sim.orders().empty());
  CHECK(sim.inventory(demo::bp_monitor) == 100);
}

/// The peak resident memory of this process, in bytes (Linux /proc).
std::size_t peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::size_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  FAIL("no VmHWM in /proc/self/status");
  return 0;
}

/// Threads of this process (Linux /proc).
std::size_t thread_count() {
  std::size_t count = 0;
  DIR* tasks = ::opendir("/proc/self/task");
  REQUIRE(tasks != nullptr);
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(tasks);
  return count;
}

}  // namespace

TEST_CASE("a chunked body over 16 MiB is refused with 413 without being held in memory",
          "[simulator][http]") {
  const auto sim = started();
  RawClient client(sim->port());
  const std::size_t peak_before = peak_resident_bytes();
  // A valid create followed by 40 MB of JSON whitespace: accepted, it would create an order.
  const std::string head =
      "POST /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nImpilo-API-Key: " + key +
      "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::ostringstream first_chunk;
  first_chunk << std::hex << valid_create.size() << "\r\n" << valid_create << "\r\n";
  REQUIRE(client.send(head + first_chunk.str()));
  const std::string padding(64 * 1024, ' ');
  std::ostringstream chunk;
  chunk << std::hex << padding.size() << "\r\n" << padding << "\r\n";
  const std::string chunk_bytes = chunk.str();
  const std::size_t chunks = 40'000'000 / padding.size();
  for (std::size_t i = 0; i < chunks && !client.readable(); ++i) {
    if (!client.send(chunk_bytes)) break;  // the server has closed: read its answer
  }
  if (!client.readable()) client.send("0\r\n\r\n");
  const std::string answer = client.read_until_closed(milliseconds(10000));
  CHECK(first_status(answer) == 413);
  CHECK(client.closed());
  CHECK(sim->orders().empty());
  // The body was never buffered whole: at most the 16 MiB cap, its growth included (ASan's
  // quarantine keeps the smaller buffers). Before the cap: 140 MB here, 257 MB in issue 8.
  CHECK(peak_resident_bytes() - peak_before < std::size_t{64} * 1024 * 1024);
}

TEST_CASE("a body announced over 16 MiB is refused at once with 413 and the connection closed",
          "[simulator][http]") {
  const auto sim = started();
  RawClient client(sim->port());
  const auto start = Clock::now();
  REQUIRE(client.send("POST /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nImpilo-API-Key: " + key +
                      "\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n{"));
  const std::string answer = client.read_until_closed(milliseconds(4000));
  CHECK(first_status(answer) == 413);
  CHECK(client.closed());
  CHECK(Clock::now() - start < milliseconds(3000));  // no wait for the 20 MB never sent
}

TEST_CASE("a request refused for an over-long header line closes the connection",
          "[simulator][http]") {
  const auto sim = started();
  check_refused_then_closed(*sim,
                            "GET /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " +
                                std::string(9000, 'a') + "\r\n\r\n",
                            400);
}

TEST_CASE("a request refused for a malformed request line closes the connection",
          "[simulator][http]") {
  const auto sim = started();
  check_refused_then_closed(*sim, "NONSENSE\r\n\r\n", 400);
}

TEST_CASE("a request head over 64 KiB is refused with 431 and closes the connection",
          "[simulator][http]") {
  const auto sim = started();
  std::string head = "GET /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 200; ++i) {
    head += "X-Filler-" + std::to_string(i) + ": " + std::string(400, 'f') + "\r\n";
  }
  check_refused_then_closed(*sim, head + "\r\n", 431);
}

TEST_CASE("a GET with a body is refused, so the body is never taken for a request",
          "[simulator][http]") {
  const auto sim = started();
  const std::string smuggled = create_request();
  RawClient client(sim->port());
  REQUIRE(client.send("GET /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nImpilo-API-Key: " + key +
                      "\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" +
                      smuggled));
  const std::string answer = client.read_until_closed(milliseconds(5000));
  CHECK(first_status(answer) == 400);
  CHECK(response_count(answer) == 1);
  CHECK(client.closed());
  CHECK(sim->orders().empty());
}

TEST_CASE("a body framed by both Content-Length and chunked is refused and closes the connection",
          "[simulator][http]") {
  const auto sim = started();
  check_refused_then_closed(
      *sim,
      "POST /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nImpilo-API-Key: " + key +
          "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
          "0\r\n\r\n",
      400);
}

TEST_CASE("a request head dripping for more than 5 s is answered 408 and closed",
          "[simulator][http]") {
  const auto sim = started();
  RawClient client(sim->port());
  const auto start = Clock::now();
  REQUIRE(client.send("GET /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // One header line every 200 ms: each read is quick, the head never ends.
  while (!client.readable(milliseconds(200)) && Clock::now() - start < milliseconds(9000)) {
    if (!client.send("X-Drip: 1\r\n")) break;
  }
  const std::string answer = client.read_until_closed(milliseconds(2000));
  INFO("answer: " << answer);
  CHECK(first_status(answer) == 408);
  CHECK(client.closed());
  CHECK(Clock::now() - start < milliseconds(8000));
  // The simulator still serves.
  CHECK(make_client(*sim).list_orders().content.empty());
}

TEST_CASE("connections beyond 128 are answered 503 at once and hold no thread",
          "[simulator][http]") {
  const auto sim = started();
  const std::size_t threads_before = thread_count();
  std::vector<std::unique_ptr<RawClient>> drippers;
  for (int i = 0; i < 300; ++i) {
    drippers.push_back(std::make_unique<RawClient>(sim->port()));
    REQUIRE(drippers.back()->send("GET /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  // The refused ones are answered as soon as they are accepted; wait for the accept loop.
  const auto settle = Clock::now() + milliseconds(3000);
  std::size_t answered = 0;
  while (Clock::now() < settle) {
    answered = 0;
    for (const auto& dripper : drippers) answered += dripper->readable() ? 1 : 0;
    if (answered >= 300 - 128) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::size_t refused = 0;
  for (auto& dripper : drippers) {
    if (!dripper->readable()) continue;
    const std::string answer = dripper->read_until_closed(milliseconds(1000));
    CHECK(first_status(answer) == 503);
    CHECK(dripper->closed());
    ++refused;
  }
  CHECK(refused == 300 - 128);
  CHECK(thread_count() <= threads_before + 128);
  drippers.clear();
  // Once those connections are gone, the simulator serves as before.
  const auto deadline = Clock::now() + milliseconds(5000);
  bool served = false;
  while (!served && Clock::now() < deadline) {
    try {
      make_client(*sim).list_orders();
      served = true;
    } catch (const impilo::Error&) {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  CHECK(served);
}

TEST_CASE("at 128 connections the one idle longest is closed to serve a new one",
          "[simulator][http]") {
  const auto sim = started();
  // Connected, never a byte sent: idle. The first 128 fill the cap; each later one closes the
  // connection that has been idle longest.
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawClient>(sim->port()));
  // A real request is served at once rather than refused with 503.
  const auto start = Clock::now();
  CHECK(make_client(*sim).list_orders().content.empty());
  CHECK(Clock::now() - start < milliseconds(3000));
  // The oldest idle connection was closed without an answer; the newest is still open.
  CHECK(idle.front()->readable(milliseconds(2000)));
  CHECK(idle.front()->read_until_closed(milliseconds(2000)).empty());
  CHECK(idle.front()->closed());
  CHECK_FALSE(idle.back()->readable());
}
