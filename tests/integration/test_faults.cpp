// Faults of a hostile or broken server that the libcurl transport must turn into a typed outcome
// (docs/reliability.md lists them all): raw servers on 127.0.0.1 that reset, drip, answer HTTP/1.0,
// send only an interim answer, or send endless headers.

#include <chrono>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <string>
#include <thread>

#include "catch.hpp"
#include "curl_support.hpp"
#include "raw_tcp_server.hpp"

using namespace curl_test;
using Kind = impilo::TransportError::Kind;

TEST_CASE("faults: a reset in the middle of the body is a cut connection", "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    connection.send_all("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"id\": 1,");
    std::this_thread::sleep_for(milliseconds(50));
    connection.reset();
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const TransportError error = send_expecting_error(*transport, get(server.url("/orders/1")));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
}

TEST_CASE("faults: a reset while the request body is sent may have reached the server",
          "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    // Only the head is awaited: the reset comes while megabytes of body are still on their way.
    impilo_test::RawRequest request;
    (void)connection.read_request(request, milliseconds(200));
    connection.reset();
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const TransportError error = send_expecting_error(
      *transport, post(server.url("/orders"), "[" + std::string(8 * 1024 * 1024, ' ') + "]"));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
}

TEST_CASE("faults: a body dripping past the attempt timeout is a timeout", "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    if (!connection.send_all("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")) return;
    for (int i = 0; i < 100; ++i) {  // one byte every 50 ms: always alive, never done in time
      if (!connection.send_all(" ")) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const auto start = std::chrono::steady_clock::now();
  const TransportError error =
      send_expecting_error(*transport, get(server.url("/orders/1"), milliseconds(400)));
  CHECK(error.kind() == Kind::timeout);
  CHECK(error.may_have_reached_server());
  CHECK(std::chrono::steady_clock::now() - start < milliseconds(2000));
}

TEST_CASE("faults: an HTTP/1.0 answer delimited by closing is read whole", "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    connection.send_all("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\": 1}");
    connection.close();
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const impilo::HttpResponse response = transport->send(get(server.url("/orders/1")));
  CHECK(response.status == 200);
  CHECK(response.body == "{\"id\": 1}");
}

TEST_CASE("faults: an interim 1xx answer and nothing after it is a cut connection", "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    connection.send_all("HTTP/1.1 100 Continue\r\n\r\n");
    connection.close();
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const TransportError error = send_expecting_error(*transport, post(server.url("/orders"), "{}"));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
}

TEST_CASE("faults: endless response headers are refused, not buffered", "[faults]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    if (!connection.send_all("HTTP/1.1 200 OK\r\n")) return;
    const std::string line = "X-Filler: " + std::string(1000, 'x') + "\r\n";
    for (int i = 0; i < 20000; ++i) {  // 20 MB of headers, if anyone read them all
      if (!connection.send_all(line)) return;
    }
  });
  const auto transport = impilo::make_curl_transport(local_options());
  const TransportError error = send_expecting_error(*transport, get(server.url("/orders/1")));
  CHECK(error.may_have_reached_server());
  INFO("kind " << static_cast<int>(error.kind()));
  CHECK((error.kind() == Kind::too_large || error.kind() == Kind::connection_cut ||
         error.kind() == Kind::other));
}
