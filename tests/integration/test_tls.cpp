// TLS through the whole client, against a server whose certificate is signed by a CA made at test
// time (tests/support/test_tls.hpp): trusted with that CA, refused with the system store alone and
// refused for a certificate issued to another host name. Nothing leaves 127.0.0.1.

#include "test_tls.hpp"

#include <httplib.h>

#include <impilo/impilo.hpp>
#include <memory>
#include <string>

#include "catch.hpp"
#include "test_server.hpp"

using Kind = impilo::TransportError::Kind;

namespace {

/// An HTTPS server for @p leaf that answers `GET /api/v3/order/7` with an order.
std::unique_ptr<impilo_test::TestServer> order_server(
    const impilo_test::TestCertificateAuthority::Leaf& leaf) {
  return std::make_unique<impilo_test::TestServer>(
      std::make_unique<httplib::SSLServer>(leaf.certificate(), leaf.key()), "https",
      [](httplib::Server& s) {
        s.Get("/api/v3/order/7", [](const httplib::Request&, httplib::Response& res) {
          res.set_content(R"({"id": 7, "currentStatus": "PENDING"})", "application/json");
        });
      });
}

/// A client of @p server that trusts @p ca_file (none: the system store only).
impilo::Client client_of(const impilo_test::TestServer& server, const std::string& ca_file) {
  impilo::CurlTransportOptions transport;
  transport.no_proxy = "*";
  transport.ca_file = ca_file;
  impilo::ClientOptions options;
  options.base_url = server.url();
  options.api_key = "tls-test-key";
  options.transport = impilo::make_curl_transport(transport);
  options.max_retries = 0;
  return impilo::Client(options);
}

/// The TransportError that `get_order(7)` throws.
impilo::TransportError get_error(const impilo::Client& client) {
  try {
    (void)client.get_order(7);
  } catch (const impilo::TransportError& e) {
    return e;
  }
  FAIL("expected a TransportError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("TLS: a server certificate signed by the trusted CA is accepted", "[tls]") {
  const impilo_test::TestCertificateAuthority ca;
  const auto leaf = ca.issue("IP:127.0.0.1,DNS:localhost");
  const auto server = order_server(leaf);
  const impilo::Order order = client_of(*server, ca.pem_path()).get_order(7);
  CHECK(order.id == 7);
}

TEST_CASE("TLS: without the CA (system store only) the certificate is refused", "[tls]") {
  const impilo_test::TestCertificateAuthority ca;
  const auto leaf = ca.issue("IP:127.0.0.1,DNS:localhost");
  const auto server = order_server(leaf);
  const impilo::TransportError error = get_error(client_of(*server, ""));
  CHECK(error.kind() == Kind::tls);
  CHECK_FALSE(error.may_have_reached_server());
  CHECK(server->request_count() == 0);
}

TEST_CASE("TLS: a certificate for another host name is refused, even from the trusted CA",
          "[tls]") {
  const impilo_test::TestCertificateAuthority ca;
  const auto leaf = ca.issue("DNS:api.impilo.example,IP:10.1.2.3");
  const auto server = order_server(leaf);
  const impilo::TransportError error = get_error(client_of(*server, ca.pem_path()));
  CHECK(error.kind() == Kind::tls);
  CHECK_FALSE(error.may_have_reached_server());
  CHECK(server->request_count() == 0);
}
