// The simulator's delivery attempts against hostile receivers: an attempt is bounded as a whole
// (5 s) and reads at most a small part of the answer; a slow receiver never holds up another
// subscriber's delivery; delivery ids differ from one simulator run to the next; a subscription
// URL is read by the SDK's one URL parser (libcurl's), so ambiguous URLs are refused.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"
#include "webhook_receiver.hpp"

using impilo::testing::SimulatorOptions;
using nlohmann::json;
using namespace sim_test;
using impilo_test::Received;
using impilo_test::WebhookReceiver;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/// A raw TCP server on 127.0.0.1 (a free port): each connection is handed, with its number
/// (0-based), to the handler on a thread of its own. For answers cpp-httplib cannot give: a
/// drip, an endless body.
class RawServer {
 public:
  using Handler = std::function<void(int fd, std::size_t n, const std::atomic<bool>& closing)>;

  explicit RawServer(Handler handler) : handler_(std::move(handler)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("raw server: socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(listener_);
      throw std::runtime_error("raw server: bind 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  ~RawServer() {
    closing_ = true;
    acceptor_.join();
    const std::lock_guard<std::mutex> lock(mutex_);
    for (std::thread& t : connections_) t.join();
    ::close(listener_);
  }

  [[nodiscard]] std::string url(const std::string& path = "/hooks/impilo") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void accept_loop() {
    std::size_t n = 0;
    while (!closing_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 20) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      const std::lock_guard<std::mutex> lock(mutex_);
      connections_.emplace_back([this, fd, number = n++] {
        handler_(fd, number, closing_);
        ::close(fd);
      });
    }
  }

  Handler handler_;
  int listener_{-1};
  int port_{0};
  std::atomic<bool> closing_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

/// Reads one HTTP request (headers and a Content-Length body) from @p fd: false when the peer
/// went away first.
bool read_request(int fd) {
  std::string got;
  char buffer[4096];
  std::size_t wanted = std::string::npos;
  while (wanted == std::string::npos || got.size() < wanted) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 5000) <= 0) return false;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    got.append(buffer, static_cast<std::size_t>(n));
    const std::size_t end = got.find("\r\n\r\n");
    if (wanted == std::string::npos && end != std::string::npos) {
      std::size_t length = 0;
      const std::size_t at = got.find("Content-Length: ");
      if (at != std::string::npos && at < end) length = std::stoul(got.substr(at + 16));
      wanted = end + 4 + length;
    }
  }
  return true;
}

bool send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

/// True once the peer has closed @p fd (or reset it), waiting up to @p limit.
bool peer_closed_within(int fd, milliseconds limit) {
  pollfd readable{fd, POLLIN, 0};
  if (::poll(&readable, 1, static_cast<int>(limit.count())) <= 0) return false;
  char byte = 0;
  return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

constexpr const char* ok_answer =
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

json subscribe(const Simulator& sim, const std::string& url) {
  const RawResponse answer = raw_request(sim, "POST", "/api/v3/webhook",
                                         json{{"type", "order.status"}, {"url", url}}.dump());
  REQUIRE(answer.status == 201);
  return json::parse(answer.body);
}

json logs(const Simulator& sim) {
  const RawResponse answer = raw_request(sim, "GET", "/api/v3/webhook/logs");
  REQUIRE(answer.status == 200);
  return json::parse(answer.body);
}

/// The log entry of subscription @p webhook_id once @p done says it is (or after 10 s).
json entry_when(const Simulator& sim, std::int64_t webhook_id,
                const std::function<bool(const json&)>& done) {
  const auto limit = Clock::now() + std::chrono::seconds(10);
  json found;
  for (;;) {
    const json page = logs(sim);
    for (const json& entry : page.at("content")) {
      if (entry.at("webhookId") == webhook_id) found = entry;
    }
    if ((!found.is_null() && done(found)) || Clock::now() > limit) return found;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

std::unique_ptr<Simulator> with_order(SimulatorOptions options = {}) {
  auto sim = started(std::move(options));
  make_client(*sim).create_order(item_order(demo::bp_monitor));
  return sim;
}

milliseconds between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a);
}

}  // namespace

TEST_CASE("a receiver dripping its answer is cut at 5 s and delays no other subscriber",
          "[simulator][webhooks]") {
  std::mutex mutex;
  Clock::time_point first_accepted{};
  Clock::time_point first_cut{};
  bool cut = false;
  // Attempt 0: the status line one byte every 3 s (each read alone well within any per-read
  // timeout); later attempts: answered at once.
  RawServer dripper([&](int fd, std::size_t n, const std::atomic<bool>& closing) {
    const auto accepted = Clock::now();
    if (!read_request(fd)) return;
    if (n > 0) {
      send_all(fd, ok_answer);
      return;
    }
    const std::string answer = ok_answer;
    for (std::size_t i = 0; i < answer.size() && !closing; ++i) {
      if (!send_all(fd, answer.substr(i, 1))) break;
      if (peer_closed_within(fd, milliseconds(3000))) {
        const std::lock_guard<std::mutex> lock(mutex);
        first_accepted = accepted;
        first_cut = Clock::now();
        cut = true;
        return;
      }
    }
  });
  WebhookReceiver receiver;
  SimulatorOptions options;
  options.webhook_retry_scale = 0.0001;  // the retry 0.09 s after the cut
  const auto sim = with_order(options);
  const std::int64_t slow_id = subscribe(*sim, dripper.url())["id"];  // first in the queue
  const std::int64_t other_id = subscribe(*sim, receiver.url())["id"];

  const auto advanced = Clock::now();
  sim->advance(1);
  const std::vector<Received> got = receiver.wait_for(1);
  REQUIRE(got.size() == 1);
  {
    // The other subscriber's delivery came while the drip was still going on, well within one
    // attempt's timeout (before: never, the one worker waited on the drip).
    const std::lock_guard<std::mutex> lock(mutex);
    CHECK_FALSE(cut);
  }
  CHECK(between(advanced, got[0].at) < milliseconds(4000));

  // The dripping attempt ends 5 s after it began, counts as failed, and is retried (answered).
  const json slow = entry_when(*sim, slow_id, [](const json& e) {
    return e.at("retryAttempts") == 1 && e.at("lastResponseStatus") == 200;
  });
  CHECK(slow.at("retryAttempts") == 1);
  CHECK(slow.at("lastResponseStatus") == 200);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(cut);
    CHECK(between(first_accepted, first_cut) >= milliseconds(4500));
    CHECK(between(first_accepted, first_cut) < milliseconds(6500));
  }
  const json other = entry_when(*sim, other_id, [](const json&) { return true; });
  CHECK(other.at("lastResponseStatus") == 200);
  CHECK(other.at("retryAttempts") == 0);
}

TEST_CASE("a receiver answering an endless body is read no further than the cap",
          "[simulator][webhooks]") {
  std::mutex mutex;
  std::size_t sent = 0;
  bool reader_gone = false;
  bool ended = false;
  constexpr std::size_t give_up = std::size_t{256} << 20U;  // 256 MiB: the reader never stopped
  RawServer endless([&](int fd, std::size_t, const std::atomic<bool>& closing) {
    if (!read_request(fd)) return;
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")) return;
    const std::string chunk(64 * 1024, 'x');
    std::size_t total = 0;
    bool gone = false;
    const auto limit = Clock::now() + std::chrono::seconds(10);
    while (!closing && total < give_up && Clock::now() < limit) {
      pollfd writable{fd, POLLOUT, 0};
      if (::poll(&writable, 1, 100) <= 0) continue;  // the reader is not reading: keep trying
      const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) {
        gone = true;  // EPIPE, ECONNRESET: the simulator closed the connection
        break;
      }
      total += static_cast<std::size_t>(n);
    }
    const std::lock_guard<std::mutex> lock(mutex);
    sent = total;
    reader_gone = gone;
    ended = true;
  });
  SimulatorOptions options;
  options.webhook_retry_scale = 1;  // no retry within the test
  const auto sim = with_order(options);
  const std::int64_t id = subscribe(*sim, endless.url())["id"];
  const auto advanced = Clock::now();
  sim->advance(1);

  // The attempt ends with the answer's status, long before 5 s, and is logged.
  const json entry =
      entry_when(*sim, id, [](const json& e) { return !e.at("lastResponseStatus").is_null(); });
  CHECK(entry.at("lastResponseStatus") == 200);
  CHECK(entry.at("retryAttempts") == 0);
  CHECK(between(advanced, Clock::now()) < milliseconds(4000));
  const auto limit = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (ended || Clock::now() > limit) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  const std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(ended);
  // The simulator closed the connection after reading its cap (64 KiB): what the server could
  // still write is what the kernel's socket buffers took, a few MiB at most (before: it read
  // everything, 1.9 GB in 12 s).
  CHECK(reader_gone);
  INFO("bytes the server wrote: " << sent);
  CHECK(sent < (std::size_t{32} << 20U));
}

TEST_CASE("delivery ids differ between simulators started one after the other",
          "[simulator][webhooks]") {
  WebhookReceiver receiver;
  std::vector<std::int64_t> first_ids;
  for (int run = 0; run < 2; ++run) {
    const auto sim = with_order();
    subscribe(*sim, receiver.url());
    sim->advance(1);
    const std::vector<Received> got = receiver.wait_for(first_ids.size() + 1);
    REQUIRE(got.size() == first_ids.size() + 1);
    first_ids.push_back(got.back().envelope.at("id").get<std::int64_t>());
  }
  CAPTURE(first_ids);
  CHECK(first_ids[0] != first_ids[1]);
  // Random, not the clock's milliseconds (which two runs a moment apart nearly share), and
  // exact in a double.
  const std::int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (const std::int64_t id : first_ids) {
    CHECK(id > 0);
    CHECK(id < (std::int64_t{1} << 53U));
    CHECK(std::llabs(id - now_ms) > 86'400'000);
  }
}

TEST_CASE("the simulator refuses the webhook URLs create_webhook refuses",
          "[simulator][webhooks]") {
  const auto sim = started();
  for (const char* url :
       {"http://evil.example\\@127.0.0.1/h", "http://127.0.0.1\\@evil.example/",
        "http://user@127.0.0.1/h", "http://@127.0.0.1/h", "http://127.0.0.1%2f@evil/",
        "http://%31%32%37.0.0.1/h", "http://127.0.0.1/a\\b", "http:/127.0.0.1/h",
        "http://127.0.0.1:/h", "http://127.0.0.1:0/h", "gopher://127.0.0.1/h"}) {
    CAPTURE(url);
    const Classified answer = classify(raw_request(
        *sim, "POST", "/api/v3/webhook", json{{"type", "order.status"}, {"url", url}}.dump()));
    CHECK(answer.status == 400);
    CHECK(answer.code == impilo::ErrorCode::invalid_data);
  }
  // What libcurl reads as loopback is accepted: IPv6, an uppercase scheme.
  for (const char* url : {"http://[::1]:9/h", "HTTP://127.0.0.1:9/h", "https://hooks.example/h"}) {
    CAPTURE(url);
    CHECK(raw_request(*sim, "POST", "/api/v3/webhook",
                      json{{"type", "order.status"}, {"url", url}}.dump())
              .status == 201);
  }
}
