#pragma once

// Helpers for the simulator tests: an SDK client pointed at a simulator, raw HTTP requests that
// bypass the client's own validation, and request builders.
//
// The client uses the SDK's libcurl transport. Set IMPILO_SIMULATOR_TEST_TRANSPORT=httplib to use
// the small cpp-httplib transport below instead (it is also used, with a note on stderr, while
// make_curl_transport() is unavailable).

#include <httplib.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "catch.hpp"
#include "thrown.hpp"

namespace sim_test {

using impilo::testing::Simulator;

inline const std::string key{impilo::testing::demo_api_key};

/// Demo catalogue ids (see Catalog::demo()).
namespace demo {
constexpr std::int64_t patient = 5000;
constexpr std::int64_t active_site = 10;
constexpr std::int64_t inactive_site = 12;
constexpr std::int64_t bp_monitor = 1000;         // inventory 100
constexpr std::int64_t scale = 1001;              // inventory 50
constexpr std::int64_t oximeter = 1002;           // inventory 3
constexpr std::int64_t glucose_meter = 1003;      // unlimited
constexpr std::int64_t cuff = 1004;               // inventory 200
constexpr std::int64_t thermometer = 1005;        // not orderable
constexpr std::int64_t hub = 1006;                // inventory 20
constexpr std::int64_t hypertension_kit = 2000;   // 1000 + 1004
constexpr std::int64_t heart_failure_kit = 2001;  // 1000 + 1001 + 1002
constexpr std::int64_t loaner_kit = 2002;         // loaner: 1002 + 1006
constexpr std::int64_t cuff_pack = 2003;          // 2 x 1004
constexpr std::int64_t device_a = 9000;
constexpr std::int64_t device_b = 9001;
}  // namespace demo

/// cpp-httplib 0.11 clients write with flags 0: a write to a connection the peer closed would
/// raise SIGPIPE and kill the test binary.
inline void ignore_sigpipe() {
  static const bool done = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

/// A minimal impilo::HttpTransport over cpp-httplib: one connection per request.
class HttplibTransport final : public impilo::HttpTransport {
 public:
  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    const auto scheme_end = request.url.find("://");
    const auto path_start = request.url.find('/', scheme_end + 3);
    const std::string origin = request.url.substr(0, path_start);
    httplib::Client client(origin);
    client.set_connection_timeout(request.connect_timeout);
    client.set_read_timeout(request.timeout);
    client.set_write_timeout(request.timeout);
    httplib::Request req;
    req.method = request.method;
    req.path = path_start == std::string::npos ? "/" : request.url.substr(path_start);
    for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
    req.body = request.body;
    auto result = client.send(req);
    if (!result) {
      const auto error = result.error();
      const bool connect =
          error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout;
      throw impilo::TransportError(connect ? impilo::TransportError::Kind::connect
                                           : impilo::TransportError::Kind::connection_cut,
                                   !connect, "httplib: " + httplib::to_string(error));
    }
    impilo::HttpResponse response;
    response.status = result->status;
    for (const auto& [name, value] : result->headers) response.headers.emplace_back(name, value);
    response.body = result->body;
    return response;
  }
};

inline std::shared_ptr<impilo::HttpTransport> make_transport() {
  ignore_sigpipe();
  const char* forced = std::getenv("IMPILO_SIMULATOR_TEST_TRANSPORT");
  if (forced != nullptr && std::string(forced) == "httplib") {
    return std::make_shared<HttplibTransport>();
  }
  try {
    return impilo::make_curl_transport();
  } catch (const impilo::UsageError& e) {
    static const bool noted = [&] {
      std::cerr << "note: make_curl_transport() unavailable (" << e.what()
                << "); the simulator tests use their cpp-httplib transport\n";
      return true;
    }();
    (void)noted;
    return std::make_shared<HttplibTransport>();
  }
}

/// Options for a client of @p sim with the demo key, fast retries and no real backoff waits.
inline impilo::ClientOptions client_options(const Simulator& sim, std::string api_key = key) {
  impilo::ClientOptions options;
  options.base_url = sim.url();
  options.api_key = std::move(api_key);
  options.transport = make_transport();
  options.connect_timeout = std::chrono::seconds(2);
  options.attempt_timeout = std::chrono::seconds(5);
  options.initial_backoff = std::chrono::milliseconds(1);
  options.sleep = [](std::chrono::milliseconds) {};
  return options;
}

inline impilo::Client make_client(const Simulator& sim, std::string api_key = key) {
  return impilo::Client(client_options(sim, std::move(api_key)));
}

/// A started simulator on the demo catalogue.
inline std::unique_ptr<Simulator> started(impilo::testing::SimulatorOptions options = {}) {
  auto sim = std::make_unique<Simulator>(std::move(options));
  sim->start();
  return sim;
}

// ---- Raw HTTP (no client-side validation) ----------------------------------------------------

struct RawResponse {
  int status{0};
  std::string body;
  httplib::Headers headers;
};

inline RawResponse raw_request(const Simulator& sim, const std::string& method,
                               const std::string& target, const std::string& body = {},
                               const std::optional<std::string>& api_key = key) {
  ignore_sigpipe();
  httplib::Client client(sim.url());
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  httplib::Request req;
  req.method = method;
  req.path = target;
  if (api_key) req.headers.emplace("Impilo-API-Key", *api_key);
  req.headers.emplace("Accept", "application/json");
  if (method == "POST" || method == "PUT") {
    req.headers.emplace("Content-Type", "application/json");
    req.body = body;
  }
  auto result = client.send(req);
  REQUIRE(result);
  return RawResponse{result->status, result->body, result->headers};
}

/// `POST /api/v3/order` with @p body exactly as given.
inline RawResponse raw_post(const Simulator& sim, const std::string& body,
                            const std::optional<std::string>& api_key = key) {
  return raw_request(sim, "POST", "/api/v3/order", body, api_key);
}

/// The server's answer as the SDK classifies it (what `Client` would throw).
struct Classified {
  int status;
  impilo::ErrorCode code;
  std::string message;
};

inline Classified classify(const RawResponse& response) {
  try {
    impilo::throw_api_error(response.status, response.body);
  } catch (const impilo::ApiError& e) {
    return Classified{e.status(), e.code(), e.message()};
  }
  return {};  // unreachable: throw_api_error always throws
}

using impilo_test::thrown;

// ---- Requests --------------------------------------------------------------------------------

/// An order of @p count x item @p item_id for the demo patient.
inline impilo::CreateOrderRequest item_order(std::int64_t item_id, std::int64_t count = 1,
                                             std::int64_t patient_id = demo::patient) {
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(patient_id);
  request.order_items = {impilo::OrderItem::of(item_id, count)};
  return request;
}

/// An order of @p count x kit @p kit_id for the demo patient.
inline impilo::CreateOrderRequest kit_order(std::int64_t kit_id, std::int64_t count = 1) {
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(demo::patient);
  request.order_kits = {impilo::OrderKit::of(kit_id, count)};
  return request;
}

/// A complete new patient (no id), optionally at site @p site_id.
inline impilo::Patient new_patient(std::optional<std::int64_t> site_id = std::nullopt) {
  impilo::Patient patient;
  patient.first_name = "Lindiwe";
  patient.last_name = "Dube";
  patient.date_of_birth = "1970-01-31";
  patient.sex = impilo::SexValue::female;
  impilo::Address address;
  address.line_one = "5 Acacia Road";
  address.city = "Springfield";
  address.state = "IL";
  address.zip_code = "62701";
  address.country = "US";
  patient.address = address;
  if (site_id) patient.site = impilo::Site::with_id(*site_id);
  return patient;
}

}  // namespace sim_test
