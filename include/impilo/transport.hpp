#pragma once

/// @file
/// The HTTP seam: one request in, one response out. The client speaks only to `HttpTransport`, so
/// tests and users can put their own transport (a fake, a recorder, a corporate HTTP stack) in
/// place of the libcurl one that `make_curl_transport()` builds.

#include <chrono>
#include <cstddef>
#include <impilo/export.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo {

/// HTTP header fields in the order they were set or received. Names compare case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// The value of the first header named @p name (case-insensitive), or `std::nullopt`.
IMPILO_EXPORT std::optional<std::string> find_header(const HttpHeaders& headers,
                                                     std::string_view name);

/// One HTTP request, fully formed by the client.
struct HttpRequest {
  std::string method;                        ///< `GET`, `POST` or `PUT`.
  std::string url;                           ///< Absolute URL, query string included.
  HttpHeaders headers;                       ///< Every header to send, `Impilo-API-Key` included.
  std::string body;                          ///< Request body; empty for GET.
  std::chrono::milliseconds timeout{30000};  ///< Upper bound for this one attempt, end to end.
  std::chrono::milliseconds connect_timeout{10000};  ///< Upper bound on connecting (TCP and TLS).
};

/// One HTTP response, whatever its status.
struct HttpResponse {
  int status{0};        ///< HTTP status code.
  HttpHeaders headers;  ///< Response headers.
  std::string body;     ///< Response body.
};

/// Sends one request and returns the response, of any status.
///
/// Implementations must be safe to call from several threads at once, must not follow redirects,
/// must not retry (the client decides that), and must report every failure to obtain a response as
/// `impilo::TransportError`, saying truthfully whether the request may have reached the server:
/// a create that may have reached the server is never repeated, so answering "certainly not" when
/// unsure can ship a second box of medical devices.
class IMPILO_EXPORT HttpTransport {
 public:
  virtual ~HttpTransport();

  /// Performs @p request once.
  /// @throws impilo::TransportError when no complete response was received.
  virtual HttpResponse send(const HttpRequest& request) = 0;

 protected:
  HttpTransport() = default;
  HttpTransport(const HttpTransport&) = default;             ///< For derived classes.
  HttpTransport& operator=(const HttpTransport&) = default;  ///< For derived classes.
  HttpTransport(HttpTransport&&) = default;                  ///< For derived classes.
  HttpTransport& operator=(HttpTransport&&) = default;       ///< For derived classes.
};

/// Settings of the libcurl transport. Plain aggregate; every default is the safe one.
struct CurlTransportOptions {
  /// PEM bundle of trusted CAs instead of the system store (empty: system default). It replaces
  /// the system store, built-in CA directory included; parsed once and cached.
  std::string ca_file;
  /// Directory of trusted CA certificates (empty: system default). Read again for every new
  /// connection (libcurl cannot cache it), and every create opens one: prefer `ca_file`.
  std::string ca_path;
  /// Proxy URL such as `http://proxy.example:3128` (empty: libcurl's environment handling).
  std::string proxy;
  /// Proxy user name (empty: none).
  std::string proxy_username;
  /// Proxy password (empty: none). Never logged.
  std::string proxy_password;
  /// Comma-separated hosts that bypass the proxy, as libcurl's `CURLOPT_NOPROXY`.
  std::string no_proxy;
  /// Turns off TLS peer and host verification. Only for a local test server with a self-signed
  /// certificate: with it off, anyone on the path can read patients' data.
  bool insecure_disable_tls_verification{false};
  /// Largest response body accepted; a larger one fails with `TransportError` (`too_large`)
  /// instead of being allocated.
  std::size_t max_response_bytes{32U * 1024U * 1024U};
  /// Idle connections kept for reuse (keep-alive). One handle serves one call at a time.
  std::size_t max_idle_connections{8};
};

/// Builds the libcurl transport: keep-alive connections reused across calls through a pool of easy
/// handles (one per call in flight, never shared between threads), TLS verification on, redirects
/// not followed, `TCP_NODELAY`, no signals. libcurl's global initialisation happens once, inside.
IMPILO_EXPORT std::shared_ptr<HttpTransport> make_curl_transport(
    const CurlTransportOptions& options = {});

}  // namespace impilo
