// Who may still run once a listing is gone: with prefetch_pages off every page is fetched on the
// caller's thread (orders(), webhook_logs() and the external-id scan alike), and a range's
// background worker outlives neither the client's state it uses nor the user's logger and sleep
// (docs/adr/0007-paging-prefetch.md).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <impilo/client.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"

namespace {

using std::chrono::milliseconds;

/// A scripted server for the listings: orders (by descending id, so the external-id scan reads
/// every page; every 50th id carries `ext-7`) and webhook logs, `total` of each. Records the
/// thread each request came from; can hold one page until released, then answer it with
/// `held_status`.
struct Listing {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t total{600};
  std::int64_t held_page{0};
  int held_status{200};
  bool released{false};
  std::vector<std::thread::id> threads;
  std::vector<std::int64_t> pages;

  impilo::HttpResponse serve(const impilo::HttpRequest& request) {
    const std::string query = request.url.substr(request.url.find('?') + 1);
    std::int64_t page = 0;
    std::int64_t size = 0;
    // Not REQUIRE: this may run on a range's worker, and Catch2 asserts on the test's thread.
    if (std::sscanf(query.c_str(), "page=%ld&size=%ld", &page, &size) != 2) {
      throw std::logic_error("Listing: unexpected query " + query);
    }
    {
      std::unique_lock<std::mutex> lock(mutex);
      threads.push_back(std::this_thread::get_id());
      pages.push_back(page);
      changed.notify_all();
      if (page == held_page) {
        changed.wait(lock, [this] { return released; });
        if (held_status != 200) return impilo::HttpResponse{held_status, {}, "{}"};
      }
    }
    const bool logs = request.url.find("/webhook/logs") != std::string::npos;
    std::string body = "{\"content\":[";
    const std::int64_t first = (page - 1) * size;
    for (std::int64_t i = first; i < total && i < first + size; ++i) {
      if (i > first) body += ",";
      const std::int64_t id = total - i;
      body += logs ? "{\"id\":" + std::to_string(id) + ",\"payload\":\"{}\"}"
                   : "{\"id\":" + std::to_string(id) +
                         (id % 50 == 0 ? ",\"externalOrderIds\":[\"ext-7\"]" : "") + "}";
    }
    body += "],\"total\":" + std::to_string(total) +
            ",\"last\":" + (first + size >= total ? "true" : "false") + "}";
    return impilo::HttpResponse{200, {}, body};
  }

  /// Waits (bounded, so that a failure cannot hang the suite) until @p done holds.
  template <typename Predicate>
  bool wait_until(Predicate done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), done);
  }

  void release() {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      released = true;
    }
    changed.notify_all();
  }
};

class ListingTransport : public impilo::HttpTransport {
 public:
  explicit ListingTransport(std::shared_ptr<Listing> listing) : listing_(std::move(listing)) {}
  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    return listing_->serve(request);
  }

 private:
  std::shared_ptr<Listing> listing_;
};

impilo::ClientOptions options_for(const std::shared_ptr<ListingTransport>& transport) {
  impilo::ClientOptions options;
  options.base_url = "https://api.test.invalid";
  options.api_key = "test-key-5d8e";
  options.transport = transport;
  options.sleep = [](milliseconds) {};
  return options;
}

/// Waits (bounded) until only the test holds @p transport: every worker has let go of the client.
bool wait_until_sole_owner(const std::shared_ptr<ListingTransport>& transport) {
  for (int waited = 0; transport.use_count() > 1 && waited < 10000; waited += 5) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  return transport.use_count() == 1;
}

}  // namespace

TEST_CASE(
    "prefetch: turned off, orders(), webhook_logs() and the external-id scan fetch every page "
    "on the caller's thread",
    "[paging][prefetch]") {
  const auto listing = std::make_shared<Listing>();
  const auto transport = std::make_shared<ListingTransport>(listing);
  impilo::ClientOptions options = options_for(transport);
  options.prefetch_pages = false;
  const impilo::Client client(options);

  const std::string call = GENERATE(as<std::string>{}, "orders", "webhook_logs", "find");
  CAPTURE(call);
  std::size_t seen = 0;
  if (call == "orders") {
    impilo::ListOrdersParams params;
    params.size = 100;
    for (const impilo::Order& order : client.orders(params)) seen += order.id ? 1 : 0;
    CHECK(seen == 600);
  } else if (call == "webhook_logs") {
    impilo::ListWebhookLogsParams params;
    params.size = 100;
    for (const impilo::WebhookLog& log : client.webhook_logs(params)) seen += log.id ? 1 : 0;
    CHECK(seen == 600);
  } else {
    CHECK(client.find_orders_by_external_id("ext-7").size() == 12);
  }
  const std::lock_guard<std::mutex> lock(listing->mutex);
  REQUIRE(listing->threads.size() >= 3);  // several pages: the scan reads pages 1, 2 and 3
  for (const std::thread::id& thread : listing->threads) {
    CHECK(thread == std::this_thread::get_id());
  }
}

TEST_CASE(
    "prefetch: once a range and its Client are destroyed, the fetch still in flight never "
    "calls the logger or sleep, nor retries",
    "[paging][prefetch]") {
  const auto listing = std::make_shared<Listing>();
  listing->held_page = 2;
  listing->held_status = 503;  // retryable: without the gate, a backoff and a second attempt
  const auto transport = std::make_shared<ListingTransport>(listing);
  impilo::ClientOptions options = options_for(transport);
  const auto logged = std::make_shared<std::atomic<int>>(0);
  const auto slept = std::make_shared<std::atomic<int>>(0);
  options.logger = [logged](impilo::LogLevel, std::string_view) { ++*logged; };
  options.sleep = [slept](milliseconds) { ++*slept; };
  {
    auto client = std::make_unique<impilo::Client>(std::move(options));
    impilo::ListOrdersParams params;
    params.size = 100;
    auto range = client->orders(params);
    auto it = range.begin();
    CHECK(it->id == 600);
    REQUIRE(listing->wait_until([&] { return listing->pages.size() == 2; }));  // page 2 held
    client.reset();
  }  // the range goes while page 2 is held
  const int logged_before = logged->load();
  CHECK(logged_before >= 1);  // page 1's line: the logger works
  listing->release();
  REQUIRE(wait_until_sole_owner(transport));
  CHECK(logged->load() == logged_before);
  CHECK(slept->load() == 0);
  const std::lock_guard<std::mutex> lock(listing->mutex);
  CHECK(listing->pages == std::vector<std::int64_t>{1, 2});
}

TEST_CASE(
    "prefetch: destroying the Client while its external-id scan has a page on its way is "
    "safe, and the scan completes",
    "[paging][prefetch]") {
  const auto listing = std::make_shared<Listing>();
  listing->total = 1000;  // pages 1..4 of 250; the scan's range prefetches page 3
  listing->held_page = 3;
  const auto transport = std::make_shared<ListingTransport>(listing);
  auto client = std::make_unique<impilo::Client>(options_for(transport));
  std::vector<impilo::Order> found;
  std::thread scan(
      [&found, caller = client.get()] { found = caller->find_orders_by_external_id("ext-7"); });
  const bool held = listing->wait_until([&] { return listing->pages.size() == 3; });
  client.reset();  // the scan's call is in progress; only its fetch still holds the client's state
  listing->release();
  scan.join();
  REQUIRE(held);
  REQUIRE(found.size() == 20);
  CHECK(found.front().id == 50);
  CHECK(found.back().id == 1000);
  REQUIRE(wait_until_sole_owner(transport));
}

TEST_CASE(
    "prefetch: a logger call in progress on the worker finishes before the range's destructor "
    "returns",
    "[paging][prefetch]") {
  const auto listing = std::make_shared<Listing>();
  const auto transport = std::make_shared<ListingTransport>(listing);
  impilo::ClientOptions options = options_for(transport);
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;   // the worker is inside the logger
  bool let_go = false;    // the test lets the logger return
  bool returned = false;  // the logger has returned
  options.logger = [&](impilo::LogLevel, std::string_view) {
    // Hold only a line of page 2 on the worker: page 1 comes from the worker too, and begin()
    // waits for it.
    if (std::this_thread::get_id() == caller) return;
    {
      const std::lock_guard<std::mutex> lock(listing->mutex);
      if (listing->pages.size() < 2) return;
    }
    std::unique_lock<std::mutex> lock(mutex);
    if (entered) return;
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return let_go; });
    returned = true;
  };
  const impilo::Client client(std::move(options));
  impilo::ListOrdersParams params;
  params.size = 100;
  auto range = std::make_unique<impilo::OrderRange>(client.orders(params));
  // Lets the logger go however the test ends, so that a failed REQUIRE fails rather than hangs
  // in the range's destructor (declared after `range`: runs before it).
  const std::shared_ptr<void> release_logger(nullptr, [&](void*) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      let_go = true;
    }
    changed.notify_all();
  });
  CHECK(range->begin()->id == 600);  // page 2 is fetched ahead; its log line holds the worker
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return entered; }));
  }
  bool returned_before_destructor_did = false;
  std::thread destroyer([&] {
    range.reset();
    const std::lock_guard<std::mutex> lock(mutex);
    returned_before_destructor_did = returned;
  });
  // Give a destructor that does not wait the time to return while the logger is still held.
  std::this_thread::sleep_for(milliseconds(50));
  {
    const std::lock_guard<std::mutex> lock(mutex);
    let_go = true;
  }
  changed.notify_all();
  destroyer.join();
  CHECK(returned_before_destructor_did);
}
