// PageRange's background fetch of the next page: where errors come out, turning it off, and a
// range destroyed while a page is on its way.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace {

using std::chrono::milliseconds;

/// A scripted list endpoint: `total` ints, numbered from 1, in pages of the asked size. Records
/// the pages asked for; can fail one page, and can hold one page until released.
struct Endpoint {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t total{35};
  std::int64_t failing_page{0};
  std::int64_t held_page{0};
  bool released{false};
  bool held_returned{false};
  std::vector<std::int64_t> calls;

  impilo::Page<int> serve(std::int64_t page, std::int64_t size) {
    std::unique_lock<std::mutex> lock(mutex);
    calls.push_back(page);
    changed.notify_all();
    if (page == held_page) {
      changed.wait(lock, [this] { return released; });
      held_returned = true;
      changed.notify_all();
    }
    if (page == failing_page) throw impilo::TransportError(impilo::TransportError::Kind::timeout,
                                                           false, "scripted failure");
    impilo::Page<int> result;
    for (std::int64_t i = (page - 1) * size; i < total && i < page * size; ++i) {
      result.content.push_back(static_cast<int>(i + 1));
    }
    result.total = total;
    result.last = page * size >= total;
    return result;
  }

  std::size_t call_count() {
    const std::lock_guard<std::mutex> lock(mutex);
    return calls.size();
  }

  /// Waits (bounded, so that a failure cannot hang the suite) until @p done holds.
  template <typename Predicate>
  bool wait_until(Predicate done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), done);
  }
};

/// A range over @p endpoint that shares it, as the client's fetch shares the client's state.
impilo::PageRange<int> range_over(const std::shared_ptr<Endpoint>& endpoint, bool prefetch) {
  return impilo::PageRange<int>(
      [endpoint](std::int64_t page, std::int64_t size) { return endpoint->serve(page, size); }, 1,
      10, prefetch);
}

}  // namespace

TEST_CASE("paging: at most one page is fetched ahead, and none past the last", "[paging]") {
  const auto endpoint = std::make_shared<Endpoint>();
  auto range = range_over(endpoint, true);
  std::vector<int> seen;
  auto it = range.begin();
  REQUIRE(endpoint->wait_until([&] { return endpoint->calls.size() == 2; }));
  for (; it != range.end(); ++it) {
    seen.push_back(*it);
    REQUIRE(endpoint->call_count() <= static_cast<std::size_t>(range.pages_fetched()) + 1);
  }
  REQUIRE(seen.size() == 35);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == static_cast<int>(i) + 1);
  CHECK(endpoint->calls == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(range.pages_fetched() == 4);
}

TEST_CASE("paging: turned off, a page is fetched only when the loop reaches it", "[paging]") {
  const auto endpoint = std::make_shared<Endpoint>();
  auto range = range_over(endpoint, false);
  auto it = range.begin();
  for (int i = 0; i < 9; ++i) {
    CHECK(endpoint->call_count() == 1);
    ++it;
  }
  CHECK(*it == 10);
  CHECK(endpoint->call_count() == 1);
  ++it;
  CHECK(*it == 11);
  CHECK(endpoint->call_count() == 2);
}

TEST_CASE("paging: an error comes out at the step onto the failed page, with or without prefetch",
          "[paging]") {
  const bool prefetch = GENERATE(true, false);
  CAPTURE(prefetch);
  const auto endpoint = std::make_shared<Endpoint>();
  endpoint->failing_page = 3;
  auto range = range_over(endpoint, prefetch);

  std::vector<int> seen;
  auto it = range.begin();
  bool thrown = false;
  while (it != range.end() && !thrown) {
    seen.push_back(*it);
    try {
      ++it;
    } catch (const impilo::TransportError& error) {
      CHECK(error.kind() == impilo::TransportError::Kind::timeout);
      thrown = true;
    }
  }
  REQUIRE(thrown);
  CHECK(seen.size() == 20);  // pages 1 and 2 in full, then the step onto page 3 threw
  CHECK(seen.back() == 20);
}

TEST_CASE("paging: the first page's error comes out of begin()", "[paging]") {
  const auto endpoint = std::make_shared<Endpoint>();
  endpoint->failing_page = 1;
  auto range = range_over(endpoint, true);
  CHECK_THROWS_AS(range.begin(), impilo::TransportError);
}

TEST_CASE("paging: a loop that stops early never sees the error of the page fetched ahead",
          "[paging]") {
  const auto endpoint = std::make_shared<Endpoint>();
  endpoint->failing_page = 2;
  {
    auto range = range_over(endpoint, true);
    auto it = range.begin();
    REQUIRE(endpoint->wait_until([&] { return endpoint->calls.size() == 2; }));
    CHECK(*it == 1);
  }
  CHECK(endpoint->call_count() == 2);
}

TEST_CASE("paging: destroying a range mid-way neither waits for the fetch ahead nor leaks it",
          "[paging]") {
  const auto endpoint = std::make_shared<Endpoint>();
  endpoint->held_page = 2;
  // Releases page 2 after a while if the test has not: a destructor that waits for the fetch
  // then shows up as a failure instead of a hung suite.
  bool released_by_watchdog = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(endpoint->mutex);
    if (!endpoint->changed.wait_for(lock, std::chrono::seconds(10),
                                    [&] { return endpoint->released; })) {
      released_by_watchdog = true;
      endpoint->released = true;
      endpoint->changed.notify_all();
    }
  });
  {
    auto range = range_over(endpoint, true);
    auto it = range.begin();
    CHECK(*it == 1);
    CHECK(endpoint->wait_until([&] { return endpoint->calls.size() == 2; }));
  }  // page 2 is still held here
  {
    const std::lock_guard<std::mutex> lock(endpoint->mutex);
    CHECK_FALSE(released_by_watchdog);
    endpoint->released = true;
  }
  endpoint->changed.notify_all();
  watchdog.join();
  REQUIRE(endpoint->wait_until([&] { return endpoint->held_returned; }));
  // The background thread lets go of its copy of the fetch (and of the endpoint it shares).
  for (int waited = 0; endpoint.use_count() > 1 && waited < 10000; waited += 5) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  CHECK(endpoint.use_count() == 1);
}
