// The process-wide bound on prefetch threads (impilo::max_prefetch_threads,
// docs/adr/0007-paging-prefetch.md): ranges dropped while their page fetched ahead waits on a slow
// server never hold more threads than the bound; past it, ranges fetch on the caller's thread; and
// the threads end once the server answers.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <impilo/client.hpp>
#include <string>
#include <thread>

#include "catch.hpp"
#include "raw_tcp_server.hpp"

namespace {

using std::chrono::milliseconds;

/// Threads of this process named as the library names its prefetch threads, as the system lists
/// them (/proc/self/task): a thread counts until it has really ended.
std::size_t live_prefetch_threads() {
  std::size_t count = 0;
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name) && name == "impilo-prefetch") ++count;
  }
  return count;
}

std::string http_page(std::int64_t id) {
  const std::string body =
      "{\"content\":[{\"id\":" + std::to_string(id) + "}],\"total\":100,\"last\":false}";
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

template <typename Predicate>
bool wait_until(Predicate done, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

}  // namespace

TEST_CASE(
    "prefetch: ranges dropped while their next page waits on a slow server never hold more "
    "than max_prefetch_threads threads",
    "[prefetch]") {
  constexpr std::size_t bound = impilo::max_prefetch_threads;
  constexpr std::size_t ranges = 200;
  // Page 1 at once; page 2 (fetched ahead) only once released.
  std::atomic<bool> released{false};
  std::atomic<std::size_t> second_pages{0};
  std::atomic<std::size_t> held{0};
  std::atomic<std::size_t> peak_held{0};
  impilo_test::RawTcpServer server([&](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    while (connection.read_request(request, milliseconds(60000))) {
      const bool second = request.target.find("page=2&") != std::string::npos;
      if (second) {
        ++second_pages;
        const std::size_t now = ++held;
        std::size_t peak = peak_held.load();
        while (now > peak && !peak_held.compare_exchange_weak(peak, now)) {
        }
        while (!released) std::this_thread::sleep_for(milliseconds(2));
        --held;
      }
      if (!connection.send_all(http_page(second ? 2 : 1))) return;
    }
  });

  std::size_t peak_threads = 0;
  std::size_t fetched_on_caller = 0;
  {
    impilo::ClientOptions options;
    options.base_url = server.url();
    options.api_key = "test-key-5d8e";
    options.attempt_timeout = milliseconds(60000);
    const impilo::Client client(options);
    impilo::ListOrdersParams params;
    params.size = 1;
    for (std::size_t i = 0; i < ranges; ++i) {
      auto range = client.orders(params);
      const auto it = range.begin();
      CHECK(it->id == 1);
      // Each range that got a thread has its page 2 on its way before it is dropped.
      const std::size_t expected = std::min(i + 1, bound);
      if (!wait_until([&] { return second_pages >= expected; }, milliseconds(5000))) {
        FAIL_CHECK("page 2 of range " << i << " never reached the server");
      }
      if (i + 1 > bound && second_pages == bound) ++fetched_on_caller;
      peak_threads = std::max(peak_threads, live_prefetch_threads());
    }
    CHECK(peak_threads <= bound);
    CHECK(peak_held == bound);  // the test ran at the bound, not below it
    CHECK(second_pages == bound);
    CHECK(fetched_on_caller == ranges - bound);
    released = true;
  }
  // Once the server answers, every worker ends: its range is gone.
  CHECK(wait_until([] { return live_prefetch_threads() == 0; }, milliseconds(10000)));
}
