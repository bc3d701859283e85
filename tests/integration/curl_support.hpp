#pragma once

// Requests and checks shared by the libcurl transport's integration tests.

#include <chrono>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "catch.hpp"

namespace curl_test {

using impilo::HttpRequest;
using impilo::TransportError;
using std::chrono::milliseconds;

inline constexpr const char* kApiKey = "test-key-5f1b8c2d9e";

/// Transport options for loopback tests: never through a proxy from the environment.
inline impilo::CurlTransportOptions local_options() {
  impilo::CurlTransportOptions options;
  options.no_proxy = "*";
  return options;
}

inline HttpRequest get(const std::string& url, milliseconds timeout = milliseconds(5000)) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.headers = {{"Impilo-API-Key", kApiKey}, {"Accept", "application/json"}};
  request.timeout = timeout;
  request.connect_timeout = milliseconds(2000);
  return request;
}

inline HttpRequest post(const std::string& url, std::string body,
                        milliseconds timeout = milliseconds(5000)) {
  HttpRequest request = get(url, timeout);
  request.method = "POST";
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}

/// Sends @p request and returns the TransportError it must throw.
inline TransportError send_expecting_error(impilo::HttpTransport& transport,
                                           const HttpRequest& request) {
  try {
    (void)transport.send(request);
  } catch (const TransportError& error) {
    return error;
  }
  FAIL("expected a TransportError");
  throw std::logic_error("unreachable");
}

}  // namespace curl_test
