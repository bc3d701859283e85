#pragma once

// The fake transport and client harness shared by the offline client tests: a transport that
// answers from a script and records what it was asked, and a client wired to it with recorded
// sleeps and log lines.

#include <deque>
#include <functional>
#include <impilo/client.hpp>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

namespace unit_test {

using std::chrono::milliseconds;

constexpr const char* key = "test-key-5d8e";

/// A transport that answers from a script and records what it was asked.
class FakeTransport : public impilo::HttpTransport {
 public:
  using Step = std::function<impilo::HttpResponse(const impilo::HttpRequest&)>;

  void then(Step step) { steps_.push_back(std::move(step)); }
  void then_status(int status, std::string body = "{}", impilo::HttpHeaders headers = {}) {
    then([=](const impilo::HttpRequest&) { return impilo::HttpResponse{status, headers, body}; });
  }
  void then_fail(impilo::TransportError::Kind kind, bool may_have_reached) {
    then([=](const impilo::HttpRequest&) -> impilo::HttpResponse {
      throw impilo::TransportError(kind, may_have_reached, "scripted failure");
    });
  }
  /// Used when the script has run out.
  void otherwise(Step step) { fallback_ = std::move(step); }

  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    Step step;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      if (!steps_.empty()) {
        step = std::move(steps_.front());
        steps_.pop_front();
      } else {
        step = fallback_;
      }
    }
    // Not REQUIRE: orders() calls this from its range's background thread, and Catch2's
    // assertions are for the test's own thread.
    if (!step) throw std::logic_error("FakeTransport: no scripted response left");
    return step(request);
  }

  std::vector<impilo::HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Step> steps_;
  Step fallback_;
  std::vector<impilo::HttpRequest> requests_;
};

struct Harness {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::vector<milliseconds> sleeps;
  std::vector<std::pair<impilo::LogLevel, std::string>> logs;
  impilo::ClientOptions options;

  Harness() {
    options.base_url = "https://api.test.invalid";
    options.api_key = key;
    options.transport = transport;
    options.sleep = [this](milliseconds d) { sleeps.push_back(d); };
    options.logger = [this](impilo::LogLevel level, std::string_view line) {
      logs.emplace_back(level, std::string(line));
    };
  }
  impilo::Client client() const { return impilo::Client(options); }
};

inline impilo::CreateOrderRequest valid_request() {
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(1234);
  request.order_items = {impilo::OrderItem::of(1000, 2)};
  request.external_order_ids = std::vector<std::string>{"ehr-77"};
  return request;
}

}  // namespace unit_test
