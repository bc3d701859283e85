#pragma once

// An Impilo account in memory behind the `HttpTransport` seam, for the create-once, ticket and
// lookup tests: every POST outcome that matters to "never two orders" (commits then cuts, 503s,
// undecodable 2xx), and every way a listing can lie (a wrong `total`, no `last`, orders listed
// late, ids of 0 and below).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"

namespace impilo_test {

using nlohmann::json;
using std::chrono::milliseconds;

/// What the fake does with one POST.
enum class Post {
  create,              ///< commits and answers 201
  commit_then_cut,     ///< commits, then the connection breaks (the ambiguous outcome)
  cut,                 ///< the connection breaks before anything is committed
  fail_503,            ///< 503, nothing committed
  commit_then_503,     ///< commits, then answers 503
  commit_late_503,     ///< 503, and the order is committed when the next POST arrives
  commit_then_garble,  ///< commits, then answers 201 with a body that is not an Order
  garble_no_commit,    ///< answers 201 with HTML and commits nothing (a lying proxy)
  refuse_400,          ///< 400 insufficient_inventory
  no_connection,       ///< the connection is never made
};

/// What the listing says about `total`.
enum class Total {
  honest,    ///< the number of orders
  zero,      ///< 0
  negative,  ///< -5
  too_low,   ///< one page's worth fewer than there are
  absent,    ///< no `total` member
};

/// An account in memory: orders get ids `first_id`, `first_id + 1`, ...; the listing pages in
/// `listing_order` (ascending id unless told otherwise) and lies as told.
class FakeImpilo : public impilo::HttpTransport {
 public:
  /// Reorders the stored orders (ascending by id) into the order the listing shows them in.
  std::function<void(std::vector<json>&)> listing_order = [](std::vector<json>&) {};
  bool listing_fails = false;
  bool listing_fails_after_post = false;  // the listing breaks once a POST has arrived
  std::deque<Post> posts;                 // one entry per POST; `create` once they run out
  /// Runs before each GET is answered (to add orders while a walk is under way).
  std::function<void(std::int64_t page)> before_list;
  std::int64_t first_id = 1;
  Total total = Total::honest;
  bool send_last = true;  // false: pages carry no `last` member
  /// An order is listed only this long after it was committed, on the clock `now` (which the
  /// harness's sleep advances): a server whose listing lags its commits.
  milliseconds listing_lag{0};
  milliseconds now{0};

  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (request.method == "POST") {
      if (pending_) {
        commit(*pending_);
        pending_.reset();
      }
      return post(request);
    }
    ++gets;
    if (listing_fails) return {503, {}, R"({"message":"listing unavailable"})"};
    const auto query = request.url.substr(request.url.find('?') + 1);
    std::int64_t page = 0;
    std::int64_t size = 0;
    REQUIRE(std::sscanf(query.c_str(), "page=%ld&size=%ld", &page, &size) == 2);
    pages_read.push_back(page);
    if (before_list) before_list(page);
    std::vector<json> listed;
    for (std::size_t i = 0; i < orders.size(); ++i) {
      if (committed_at_[i] + listing_lag <= now) listed.push_back(orders[i]);
    }
    listing_order(listed);
    const auto count = static_cast<std::int64_t>(listed.size());
    const std::int64_t begin = std::min(count, (page - 1) * size);
    const std::int64_t end = std::min(count, begin + size);
    json body = {{"content", json::array()}, {"page", page}, {"size", size}, {"first", page == 1}};
    if (send_last) body["last"] = end >= count;
    switch (total) {
      case Total::honest:
        body["total"] = count;
        break;
      case Total::zero:
        body["total"] = 0;
        break;
      case Total::negative:
        body["total"] = -5;
        break;
      case Total::too_low:
        body["total"] = std::max<std::int64_t>(0, count - size);
        break;
      case Total::absent:
        break;
    }
    for (std::int64_t i = begin; i < end; ++i) body["content"].push_back(listed[i]);
    return {200, {}, body.dump()};
  }

  /// Adds an order carrying @p external_ids (as another client of the account would).
  /// Not locked: also called from `before_list`, inside a GET.
  json add(std::vector<std::string> external_ids = {"other"}) {
    json order = {{"externalOrderIds", std::move(external_ids)}};
    return commit(order);
  }

  /// Orders carrying @p external_id.
  [[nodiscard]] std::size_t carrying(std::string_view external_id) const {
    return static_cast<std::size_t>(std::count_if(orders.begin(), orders.end(), [&](const json& o) {
      const auto& ids = o.at("externalOrderIds");
      return std::find(ids.begin(), ids.end(), external_id) != ids.end();
    }));
  }

  std::vector<json> orders;
  std::vector<std::string> posted;  // every POST body
  std::vector<std::int64_t> pages_read;
  int gets = 0;

 private:
  json commit(json order) {
    order["id"] = first_id + static_cast<std::int64_t>(orders.size());
    order["currentStatus"] = "availableForPickup";
    orders.push_back(order);
    committed_at_.push_back(now);
    return order;
  }

  impilo::HttpResponse post(const impilo::HttpRequest& request) {
    posted.push_back(request.body);
    if (listing_fails_after_post) listing_fails = true;
    const Post what = posts.empty() ? Post::create : posts.front();
    if (!posts.empty()) posts.pop_front();
    const json body = json::parse(request.body);
    using Kind = impilo::TransportError::Kind;
    switch (what) {
      case Post::create:
        return {201, {}, commit(body).dump()};
      case Post::commit_then_cut:
        commit(body);
        throw impilo::TransportError(Kind::connection_cut, true, "cut after sending");
      case Post::cut:
        throw impilo::TransportError(Kind::connection_cut, true, "cut after sending");
      case Post::fail_503:
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_then_503:
        commit(body);
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_late_503:
        pending_ = body;
        return {503, {}, R"({"message":"unavailable"})"};
      case Post::commit_then_garble:
        commit(body);
        return {201, {}, "<html>proxy says hi</html>"};
      case Post::garble_no_commit:
        return {201, {}, "<html>proxy says hi</html>"};
      case Post::refuse_400:
        return {400, {}, R"({"message":"insufficient_inventory"})"};
      case Post::no_connection:
        throw impilo::TransportError(Kind::connect, false, "connection refused");
    }
    return {500, {}, "{}"};
  }

  std::mutex mutex_;
  std::optional<json> pending_;
  std::vector<milliseconds> committed_at_;
};

/// A client over a `FakeImpilo`, its sleeps recorded (and advancing the fake's clock) and its
/// info lines kept.
struct Harness {
  std::shared_ptr<FakeImpilo> server = std::make_shared<FakeImpilo>();
  std::vector<milliseconds> sleeps;
  std::vector<std::string> info;
  std::vector<std::string> warnings;
  impilo::ClientOptions options;

  Harness() {
    options.base_url = "https://api.test.invalid";
    options.api_key = "once-test-key-3c1";
    options.transport = server;
    options.settle_delay = milliseconds(1500);
    options.sleep = [this](milliseconds d) {
      sleeps.push_back(d);
      server->now += d;
    };
    options.logger = [this](impilo::LogLevel level, std::string_view line) {
      if (level == impilo::LogLevel::info) info.emplace_back(line);
      if (level == impilo::LogLevel::warning) warnings.emplace_back(line);
    };
  }
  [[nodiscard]] impilo::Client client() const { return impilo::Client(options); }
  [[nodiscard]] bool slept_settle_delay() const {
    return std::find(sleeps.begin(), sleeps.end(), options.settle_delay) != sleeps.end();
  }
  [[nodiscard]] int posts() const { return static_cast<int>(server->posted.size()); }
};

/// A new patient: the name must never reach a log line.
inline impilo::CreateOrderRequest request(
    std::optional<std::vector<std::string>> external_ids = {}) {
  impilo::CreateOrderRequest r;
  impilo::Patient patient;
  patient.first_name = "Nomvula";
  patient.last_name = "Khumalo";
  impilo::Address address;
  address.line_one = "12 Jacaranda Street";
  address.city = "Pretoria";
  address.state = "GP";
  address.zip_code = "0002";
  address.country = "ZA";
  patient.address = address;
  r.patient = patient;
  r.order_items = {impilo::OrderItem::of(1000, 1)};
  r.external_order_ids = std::move(external_ids);
  return r;
}

inline std::string external_id_of(const std::string& posted) {
  return json::parse(posted).at("externalOrderIds").at(0).get<std::string>();
}

}  // namespace impilo_test
