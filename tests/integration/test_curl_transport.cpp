// Integration tests of the libcurl transport against servers on 127.0.0.1 started by the tests.

#include <httplib.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "curl_support.hpp"
#include "raw_tcp_server.hpp"
#include "test_server.hpp"
#include "test_tls.hpp"

namespace {

using impilo::HttpRequest;
using impilo::HttpResponse;
using impilo::TransportError;
using Kind = impilo::TransportError::Kind;
using std::chrono::milliseconds;
using namespace curl_test;

std::string header_or_empty(const impilo::HttpHeaders& headers, const char* name) {
  return impilo::find_header(headers, name).value_or("");
}

/// The request as the cpp-httplib server saw it.
struct Seen {
  std::mutex mutex;
  std::string method;
  std::string target;
  std::string body;
  httplib::Headers headers;

  void record(const httplib::Request& req) {
    const std::lock_guard<std::mutex> lock(mutex);
    method = req.method;
    target = req.target;
    body = req.body;
    headers = req.headers;
  }
  bool has(const char* name) {
    const std::lock_guard<std::mutex> lock(mutex);
    return headers.find(name) != headers.end();
  }
  std::string value(const char* name) {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ---- Round trips ----

TEST_CASE("curl transport: GET round trip", "[curl]") {
  Seen seen;
  impilo_test::TestServer server([&seen](httplib::Server& s) {
    s.Get("/orders/42", [&seen](const httplib::Request& req, httplib::Response& res) {
      seen.record(req);
      res.set_header("X-Reply", "yes");
      res.set_header("Cache-Control", "no-store");
      res.set_content(R"({"id":42})", "application/json");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  HttpRequest request = get(server.url("/orders/42?page=2&size=10"));
  request.headers.emplace_back("X-Custom", "hello world");
  const HttpResponse response = transport->send(request);

  CHECK(response.status == 200);
  CHECK(response.body == R"({"id":42})");
  CHECK(header_or_empty(response.headers, "content-type") == "application/json");
  CHECK(header_or_empty(response.headers, "X-Reply") == "yes");
  CHECK(header_or_empty(response.headers, "Cache-Control") == "no-store");

  CHECK(seen.method == "GET");
  CHECK(seen.target == "/orders/42?page=2&size=10");
  CHECK(seen.value("Impilo-API-Key") == kApiKey);
  CHECK(seen.value("Accept") == "application/json");
  CHECK(seen.value("X-Custom") == "hello world");
  CHECK_FALSE(seen.has("Content-Type"));
  CHECK_FALSE(seen.has("Expect"));
  CHECK(seen.body.empty());
}

TEST_CASE("curl transport: POST round trip", "[curl]") {
  Seen seen;
  impilo_test::TestServer server([&seen](httplib::Server& s) {
    s.Post("/orders", [&seen](const httplib::Request& req, httplib::Response& res) {
      seen.record(req);
      res.status = 201;
      res.set_header("Location", "/orders/7");
      res.set_content(R"({"id":7})", "application/json");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const std::string body = R"({"patient":{"id":3},"orderItems":[{"sku":"BPM-1","count":1}]})";
  const HttpResponse response = transport->send(post(server.url("/orders"), body));

  CHECK(response.status == 201);
  CHECK(response.body == R"({"id":7})");
  CHECK(header_or_empty(response.headers, "Location") == "/orders/7");
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/orders");
  CHECK(seen.body == body);
  CHECK(seen.value("Content-Type") == "application/json");
  CHECK(seen.value("Content-Length") == std::to_string(body.size()));
  CHECK(seen.value("Impilo-API-Key") == kApiKey);
  CHECK_FALSE(seen.has("Expect"));
}

TEST_CASE("curl transport: PUT round trip, and a GET after it on the same handle is a GET",
          "[curl]") {
  Seen seen;
  std::atomic<int> gets{0};
  impilo_test::TestServer server([&](httplib::Server& s) {
    s.Put("/patients/5", [&seen](const httplib::Request& req, httplib::Response& res) {
      seen.record(req);
      res.set_content(R"({"id":5})", "application/json");
    });
    s.Get("/patients/5", [&gets](const httplib::Request&, httplib::Response& res) {
      ++gets;
      res.set_content(R"({"id":5})", "application/json");
    });
  });
  auto options = local_options();
  options.max_idle_connections = 1;  // one pooled handle: the GET reuses the PUT's
  const auto transport = impilo::make_curl_transport(options);

  const std::string body = R"({"firstName":"Jane","lastName":"Doe"})";
  HttpRequest put = post(server.url("/patients/5"), body);
  put.method = "PUT";
  const HttpResponse response = transport->send(put);

  CHECK(response.status == 200);
  CHECK(seen.method == "PUT");
  CHECK(seen.body == body);
  CHECK(seen.value("Content-Type") == "application/json");
  CHECK(seen.value("Content-Length") == std::to_string(body.size()));
  CHECK(transport->send(get(server.url("/patients/5"))).status == 200);
  CHECK(gets == 1);

  HttpRequest patch = put;
  patch.method = "PATCH";
  CHECK_THROWS_AS(transport->send(patch), impilo::UsageError);
}

TEST_CASE("curl transport: sends only the request's headers", "[curl]") {
  // A raw server, to see the exact bytes (cpp-httplib drops empty header values).
  std::mutex mutex;
  std::vector<impilo_test::RawRequest> seen;
  impilo_test::RawTcpServer server([&](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    while (connection.read_request(request)) {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        seen.push_back(request);
      }
      connection.send_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  const auto transport = impilo::make_curl_transport(local_options());

  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/bare");
  request.headers = {{"X-Empty", ""}};
  request.body = "x";
  REQUIRE(transport->send(request).status == 200);
  request.method = "GET";
  request.body.clear();
  REQUIRE(transport->send(request).status == 200);
  // libcurl asks for 100-continue on large bodies unless told not to.
  request.method = "POST";
  request.body.assign(2 * 1024 * 1024, 'b');
  REQUIRE(transport->send(request).status == 200);

  const std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(seen.size() == 3);
  for (const auto& sent : seen) {
    INFO(sent.head);
    // No libcurl defaults: no form content type, no Accept: */*, no 100-continue, no User-Agent.
    CHECK_FALSE(sent.has_header("Content-Type"));
    CHECK_FALSE(sent.has_header("Accept"));
    CHECK_FALSE(sent.has_header("Expect"));
    CHECK_FALSE(sent.has_header("User-Agent"));
    // An empty value is sent as an empty value (libcurl would read "X-Empty:" as "remove it").
    CHECK(sent.has_header("X-Empty"));
    CHECK(sent.header("X-Empty").empty());
  }
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == "x");
  CHECK(seen[1].method == "GET");
  CHECK(seen[1].body.empty());
  CHECK(seen[2].body.size() == 2 * 1024 * 1024);
}

TEST_CASE("curl transport: non-2xx statuses are responses, not errors", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"message":"Order not found"})", "application/json");
    });
    s.Get("/busy", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "3");
      res.set_content("down for maintenance", "text/plain");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const HttpResponse missing = transport->send(get(server.url("/missing")));
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"message":"Order not found"})");

  const HttpResponse busy = transport->send(get(server.url("/busy")));
  CHECK(busy.status == 503);
  CHECK(busy.body == "down for maintenance");
  CHECK(header_or_empty(busy.headers, "Retry-After") == "3");
}

TEST_CASE("curl transport: redirects are returned, not followed", "[curl]") {
  std::atomic<int> target_hits{0};
  impilo_test::TestServer server([&target_hits](httplib::Server& s) {
    s.Get("/old",
          [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new", 302); });
    s.Get("/new", [&target_hits](const httplib::Request&, httplib::Response& res) {
      ++target_hits;
      res.set_content("moved here", "text/plain");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const HttpResponse response = transport->send(get(server.url("/old")));
  CHECK(response.status == 302);
  CHECK(header_or_empty(response.headers, "Location") == "/new");
  CHECK(target_hits == 0);
  CHECK(server.request_count() == 1);
}

TEST_CASE("curl transport: only the final response's headers are kept", "[curl]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    connection.send_all(
        "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
        "HTTP/1.1 200 OK\r\nX-Final: yes\r\nX-Folded: first\r\n  second\r\n"
        "Content-Length: 2\r\n\r\nok");
    connection.wait_for_close(milliseconds(2000));
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const HttpResponse response = transport->send(post(server.url("/orders"), "{}"));
  CHECK(response.status == 200);
  CHECK(response.body == "ok");
  CHECK(header_or_empty(response.headers, "X-Final") == "yes");
  CHECK(header_or_empty(response.headers, "X-Folded") == "first second");
  CHECK_FALSE(impilo::find_header(response.headers, "X-Interim"));
}

// ---- Connection reuse and concurrency ----

TEST_CASE("curl transport: sequential calls reuse one keep-alive connection", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  for (int i = 0; i < 20; ++i) {
    REQUIRE(transport->send(get(server.url("/ping"))).body == "pong");
  }
  CHECK(server.request_count() == 20);
  CHECK(server.connection_count() == 1);
}

TEST_CASE("curl transport: max_idle_connections 0 keeps no connection", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("pong", "text/plain");
    });
  });
  auto options = local_options();
  options.max_idle_connections = 0;
  const auto transport = impilo::make_curl_transport(options);

  for (int i = 0; i < 3; ++i) REQUIRE(transport->send(get(server.url("/ping"))).status == 200);
  CHECK(server.connection_count() == 3);
}

TEST_CASE("curl transport: a POST never rides on a reused connection", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get("/orders", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[]", "application/json");
    });
    s.Post("/orders", [](const httplib::Request&, httplib::Response& res) {
      res.status = 201;
      res.set_content("{}", "application/json");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  REQUIRE(transport->send(get(server.url("/orders"))).status == 200);
  REQUIRE(transport->send(post(server.url("/orders"), "{}")).status == 201);
  CHECK(server.connection_count() == 2);  // the POST opened its own connection
  REQUIRE(transport->send(get(server.url("/orders"))).status == 200);
  CHECK(server.connection_count() == 2);  // ... which later GETs reuse
}

TEST_CASE("curl transport: a POST is never re-sent when its connection dies", "[curl]") {
  // Connection by connection: GETs are answered with keep-alive; a POST is read and the
  // connection closed without a response (the server may have acted on it). libcurl re-sends a
  // request on a fresh connection when a *reused* one dies before answering; for a create that
  // would be a second order. The transport must report the failure and send the POST once.
  std::atomic<int> posts{0};
  impilo_test::RawTcpServer server([&posts](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    while (connection.read_request(request)) {
      if (request.method == "POST") {
        ++posts;
        return;  // closes without answering
      }
      connection.send_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
    }
  });
  const auto transport = impilo::make_curl_transport(local_options());

  REQUIRE(transport->send(get(server.url("/orders"))).status == 200);
  const TransportError error = send_expecting_error(*transport, post(server.url("/orders"), "{}"));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
  CHECK(posts == 1);
}

TEST_CASE("curl transport: concurrent calls from several threads", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Get(R"(/echo/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.matches[1].str(), "text/plain");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string id = std::to_string(t * 1000 + i);
        try {
          const HttpResponse response = transport->send(get(server.url("/echo/" + id)));
          if (response.status == 200 && response.body == id) ++good;
        } catch (...) {
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  CHECK(good == kThreads * kCallsPerThread);
  // At most one handle, hence one connection, per call in flight.
  CHECK(server.connection_count() <= static_cast<std::size_t>(kThreads));
}

// ---- Failures and what they say about the request ----

TEST_CASE("curl transport: connection refused", "[curl]") {
  const auto transport = impilo::make_curl_transport(local_options());
  const int port = impilo_test::unused_port();

  const TransportError error = send_expecting_error(
      *transport, post("http://127.0.0.1:" + std::to_string(port) + "/orders", "{}"));
  CHECK(error.kind() == Kind::connect);
  CHECK_FALSE(error.may_have_reached_server());
  const std::string message = error.what();
  CHECK(message.find("POST http://127.0.0.1:" + std::to_string(port) + "/orders") !=
        std::string::npos);
}

TEST_CASE("curl transport: connect timeout before anything is sent", "[curl]") {
  impilo_test::FullBacklogListener listener;  // SYNs are dropped: the connect hangs
  const auto transport = impilo::make_curl_transport(local_options());

  HttpRequest request =
      post("http://127.0.0.1:" + std::to_string(listener.port()) + "/orders", "{}");
  request.connect_timeout = milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  const TransportError error = send_expecting_error(*transport, request);
  CHECK(error.kind() == Kind::timeout);
  CHECK_FALSE(error.may_have_reached_server());
  CHECK(seconds_since(start) < 1.5);
}

TEST_CASE("curl transport: response timeout after the request was sent", "[curl]") {
  impilo_test::TestServer server([](httplib::Server& s, impilo_test::TestServer& self) {
    s.Get("/fast", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("quick", "text/plain");
    });
    s.Get("/slow", [&self](const httplib::Request&, httplib::Response& res) {
      self.sleep_for(milliseconds(1000));
      res.set_content("late", "text/plain");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  SECTION("on a new connection") {
    const auto start = std::chrono::steady_clock::now();
    const TransportError error =
        send_expecting_error(*transport, get(server.url("/slow"), milliseconds(200)));
    CHECK(error.kind() == Kind::timeout);
    CHECK(error.may_have_reached_server());
    CHECK(seconds_since(start) < 0.9);
  }
  SECTION("on a reused connection") {
    REQUIRE(transport->send(get(server.url("/fast"))).status == 200);
    const TransportError error =
        send_expecting_error(*transport, get(server.url("/slow"), milliseconds(200)));
    CHECK(error.kind() == Kind::timeout);
    CHECK(error.may_have_reached_server());
    CHECK(server.connection_count() == 1);
  }
}

TEST_CASE("curl transport: a server that accepts and never answers", "[curl]") {
  std::atomic<int> posts{0};
  impilo_test::RawTcpServer server([&posts](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (connection.read_request(request) && request.method == "POST") ++posts;
    connection.wait_for_close();
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const TransportError error = send_expecting_error(
      *transport, post(server.url("/orders"), R"({"a":1})", milliseconds(200)));
  CHECK(error.kind() == Kind::timeout);
  CHECK(error.may_have_reached_server());
  CHECK(posts == 1);
}

TEST_CASE("curl transport: a request with no time left is not sent", "[curl]") {
  impilo_test::TestServer server([](httplib::Server&) {});
  const auto transport = impilo::make_curl_transport(local_options());

  const TransportError error =
      send_expecting_error(*transport, post(server.url("/orders"), "{}", milliseconds(0)));
  CHECK(error.kind() == Kind::timeout);
  CHECK_FALSE(error.may_have_reached_server());
  CHECK(server.request_count() == 0);
}

TEST_CASE("curl transport: connection cut mid-body", "[curl]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    if (!connection.read_request(request)) return;
    connection.send_all("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const TransportError error = send_expecting_error(*transport, get(server.url("/orders/1")));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
}

TEST_CASE("curl transport: connection closed before any response", "[curl]") {
  impilo_test::RawTcpServer server([](impilo_test::RawConnection& connection) {
    impilo_test::RawRequest request;
    (void)connection.read_request(request);
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const TransportError error = send_expecting_error(*transport, post(server.url("/orders"), "{}"));
  CHECK(error.kind() == Kind::connection_cut);
  CHECK(error.may_have_reached_server());
  CHECK(server.connection_count() == 1);
}

// ---- The response size cap ----

TEST_CASE("curl transport: a body over the cap fails with too_large", "[curl]") {
  const std::string big(1024 * 1024, 'x');
  impilo_test::TestServer server([&big](httplib::Server& s) {
    // Chunked, so no Content-Length warns in advance: the write callback has to stop it.
    s.Get("/chunked", [&big](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "application/octet-stream", [&big](std::size_t offset, httplib::DataSink& sink) {
            if (offset >= big.size()) {
              sink.done();
              return true;
            }
            const std::size_t n = std::min<std::size_t>(16384, big.size() - offset);
            return sink.write(big.data() + offset, n);
          });
    });
    // Content-Length announced: refused before the body is read.
    s.Get("/sized", [&big](const httplib::Request&, httplib::Response& res) {
      res.set_content(big, "application/octet-stream");
    });
    s.Get("/small", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(1024, 'y'), "application/octet-stream");
    });
  });
  auto options = local_options();
  options.max_response_bytes = 1024;
  const auto transport = impilo::make_curl_transport(options);

  for (const char* path : {"/chunked", "/sized"}) {
    INFO(path);
    const TransportError error = send_expecting_error(*transport, get(server.url(path)));
    CHECK(error.kind() == Kind::too_large);
    CHECK(error.may_have_reached_server());
    CHECK(std::string(error.what()).find("1024 bytes") != std::string::npos);
  }
  // Exactly at the cap is fine, and the transport still works after failures.
  const HttpResponse response = transport->send(get(server.url("/small")));
  CHECK(response.status == 200);
  CHECK(response.body.size() == 1024);
}

TEST_CASE("curl transport: the cap applies to decoded bytes", "[curl]") {
  const std::string big(1024 * 1024, 'z');  // compresses to a few hundred bytes
  impilo_test::TestServer server([&big](httplib::Server& s) {
    s.Get("/compressible", [&big](const httplib::Request&, httplib::Response& res) {
      res.set_content(big, "text/plain");  // cpp-httplib compresses text for clients that accept
    });
  });

  SECTION("decoded body within the cap") {
    auto options = local_options();
    options.max_response_bytes = 2 * 1024 * 1024;
    const auto transport = impilo::make_curl_transport(options);
    const HttpResponse response = transport->send(get(server.url("/compressible")));
    CHECK(response.status == 200);
    CHECK(response.body == big);
    const std::string encoding = header_or_empty(response.headers, "Content-Encoding");
    CHECK((encoding == "gzip" || encoding == "br" || encoding == "deflate"));
  }
  SECTION("decoded body over the cap") {
    auto options = local_options();
    options.max_response_bytes = 64 * 1024;
    const auto transport = impilo::make_curl_transport(options);
    const TransportError error = send_expecting_error(*transport, get(server.url("/compressible")));
    CHECK(error.kind() == Kind::too_large);
  }
}

// ---- TLS ----

TEST_CASE("curl transport: https to a plain-HTTP port fails in the TLS handshake", "[curl]") {
  // The server reads the ClientHello as a malformed HTTP request and answers in plain text;
  // OpenSSL rejects that ("wrong version number"). The TCP connection was established, so this
  // is a TLS failure, not a connect failure; the request itself was never sent.
  impilo_test::TestServer server([](httplib::Server& s) {
    s.Post("/orders", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{}", "application/json");
    });
  });
  const auto transport = impilo::make_curl_transport(local_options());

  const TransportError error = send_expecting_error(
      *transport, post("https://127.0.0.1:" + std::to_string(server.port()) + "/orders", "{}"));
  CHECK(error.kind() == Kind::tls);
  CHECK_FALSE(error.may_have_reached_server());
}

TEST_CASE("curl transport: TLS verification", "[curl]") {
  const impilo_test::SelfSignedCertificate certificate;
  impilo_test::TestServer server(
      std::make_unique<httplib::SSLServer>(certificate.certificate(), certificate.key()), "https",
      [](httplib::Server& s, impilo_test::TestServer& self) {
        s.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
          res.set_content("pong", "text/plain");
        });
        s.Get("/slow", [&self](const httplib::Request&, httplib::Response& res) {
          self.sleep_for(milliseconds(1000));
          res.set_content("late", "text/plain");
        });
      });

  SECTION("an unknown certificate is refused by default") {
    const auto transport = impilo::make_curl_transport(local_options());
    const TransportError error = send_expecting_error(*transport, get(server.url("/ping")));
    CHECK(error.kind() == Kind::tls);
    CHECK_FALSE(error.may_have_reached_server());
    CHECK(server.request_count() == 0);
  }
  SECTION("a trusted CA file makes it valid, and connections are reused") {
    auto options = local_options();
    options.ca_file = certificate.pem_path();
    const auto transport = impilo::make_curl_transport(options);
    for (int i = 0; i < 5; ++i) REQUIRE(transport->send(get(server.url("/ping"))).body == "pong");
    CHECK(server.connection_count() == 1);
  }
  SECTION("verification can be turned off by name") {
    auto options = local_options();
    options.insecure_disable_tls_verification = true;
    const auto transport = impilo::make_curl_transport(options);
    CHECK(transport->send(get(server.url("/ping"))).body == "pong");
  }
  SECTION("a timeout after the handshake may have reached the server") {
    auto options = local_options();
    options.ca_file = certificate.pem_path();
    const auto transport = impilo::make_curl_transport(options);
    const TransportError error =
        send_expecting_error(*transport, get(server.url("/slow"), milliseconds(300)));
    CHECK(error.kind() == Kind::timeout);
    CHECK(error.may_have_reached_server());
  }
}

TEST_CASE("curl transport: creates over TLS with the cached CA store and shared sessions",
          "[curl]") {
  // Every POST opens a fresh connection. The CA store is loaded once and TLS sessions are shared
  // by the pooled handles, so these connections are cheap; verification must still be complete.
  const impilo_test::SelfSignedCertificate trusted;
  const impilo_test::SelfSignedCertificate stranger;
  const auto serve_orders = [](httplib::Server& s, impilo_test::TestServer&) {
    s.Post("/orders", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.body, "application/json");
    });
  };
  auto tls_server = std::make_unique<httplib::SSLServer>(trusted.certificate(), trusted.key());
  SSL_CTX* const server_tls = tls_server->ssl_context();
  impilo_test::TestServer server(std::move(tls_server), "https", serve_orders);
  impilo_test::TestServer impostor(
      std::make_unique<httplib::SSLServer>(stranger.certificate(), stranger.key()), "https",
      serve_orders);
  auto options = local_options();
  options.ca_file = trusted.pem_path();
  const auto transport = impilo::make_curl_transport(options);

  SECTION("each create opens a verified connection that resumes an earlier TLS session") {
    for (int i = 0; i < 4; ++i) {
      REQUIRE(transport->send(post(server.url("/orders"), std::to_string(i))).body ==
              std::to_string(i));
    }
    CHECK(server.connection_count() == 4);
    // Only the first connection needed a full handshake.
    CHECK(SSL_CTX_sess_hits(server_tls) >= 3);
  }
  SECTION("a certificate the cached store does not hold is still refused") {
    REQUIRE(transport->send(post(server.url("/orders"), "{}")).status == 201);
    const TransportError error =
        send_expecting_error(*transport, post(impostor.url("/orders"), "{}"));
    CHECK(error.kind() == Kind::tls);
    CHECK_FALSE(error.may_have_reached_server());
    CHECK(impostor.request_count() == 0);
    CHECK(send_expecting_error(*transport, get(impostor.url("/orders"))).kind() == Kind::tls);
    CHECK(transport->send(post(server.url("/orders"), "{}")).status == 201);
  }
  SECTION("a transport without the test CA refuses the server, even after another trusted it") {
    REQUIRE(transport->send(post(server.url("/orders"), "{}")).status == 201);
    const auto system_only = impilo::make_curl_transport(local_options());
    const TransportError error =
        send_expecting_error(*system_only, post(server.url("/orders"), "{}"));
    CHECK(error.kind() == Kind::tls);
    CHECK_FALSE(error.may_have_reached_server());
  }
  SECTION("concurrent creates share the caches safely") {
    constexpr int kThreads = 4;
    constexpr int kCreatesPerThread = 5;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCreatesPerThread; ++i) {
          const std::string body = std::to_string(t * 100 + i);
          try {
            if (transport->send(post(server.url("/orders"), body)).body == body) ++good;
          } catch (...) {
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(good == kThreads * kCreatesPerThread);
    CHECK(server.connection_count() == static_cast<std::size_t>(kThreads * kCreatesPerThread));
  }
}

// ---- Refusals and messages ----

TEST_CASE("curl transport: refuses header injection before sending", "[curl]") {
  impilo_test::TestServer server([](httplib::Server&) {});
  const auto transport = impilo::make_curl_transport(local_options());

  HttpRequest request = get(server.url("/orders"));
  request.headers.emplace_back("X-Evil", "a\r\nX-Injected: 1");
  CHECK_THROWS_AS(transport->send(request), impilo::UsageError);

  request = get(server.url("/orders"));
  request.headers.emplace_back("X-Bad\nName", "v");
  CHECK_THROWS_AS(transport->send(request), impilo::UsageError);

  request = get(server.url("/orders"));
  request.headers[0].second = std::string(kApiKey) + "\n";
  try {
    (void)transport->send(request);
    FAIL("expected a UsageError");
  } catch (const impilo::UsageError& error) {
    CHECK(std::string(error.what()).find(kApiKey) == std::string::npos);
  }

  request = get(server.url("/orders"));
  request.method = "DELETE";
  CHECK_THROWS_AS(transport->send(request), impilo::UsageError);

  CHECK(server.request_count() == 0);
}

TEST_CASE("curl transport: error messages carry no secrets", "[curl]") {
  const auto transport = impilo::make_curl_transport(local_options());
  const std::string port = std::to_string(impilo_test::unused_port());

  HttpRequest request =
      get("http://alice:hunter2secret@127.0.0.1:" + port + "/orders?token=querysecret");
  const TransportError error = send_expecting_error(*transport, request);
  const std::string message = error.what();
  INFO(message);
  CHECK(message.find("GET http://127.0.0.1:" + port + "/orders") != std::string::npos);
  CHECK(message.find(kApiKey) == std::string::npos);
  CHECK(message.find("hunter2secret") == std::string::npos);
  CHECK(message.find("alice") == std::string::npos);
  CHECK(message.find("querysecret") == std::string::npos);
  CHECK(message.find("(curl: ") != std::string::npos);
}

TEST_CASE("curl transport: refuses a non-positive connect timeout", "[curl]") {
  impilo_test::TestServer server([](httplib::Server&) {});
  const auto transport = impilo::make_curl_transport(local_options());
  HttpRequest request = get(server.url("/orders"));
  request.connect_timeout = milliseconds(0);
  CHECK_THROWS_AS(transport->send(request), impilo::UsageError);
  CHECK(server.request_count() == 0);
}
