#pragma once

// URLs for every layer: the one URL reader (libcurl's URL API, for the client's base URL, webhook
// subscriptions and the simulator's delivery targets), the one loopback rule, and query encoding.

#include <impilo/export.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace impilo::internal {

/// A checked base URL: `root` is scheme://host[:port], without a path or a trailing slash.
struct BaseUrl {
  std::string root;
  std::string scheme;
  std::string host;  // without brackets for IPv6
  bool loopback{false};
};

/// An absolute http(s) URL as libcurl's URL API reads it: the parser of the transport, so that
/// what a check accepts is what gets contacted.
struct Url {
  std::string scheme;  ///< `http` or `https`, lower-cased
  /// The host libcurl parsed (IPv4 in its dotted form: `127.1` reads as `127.0.0.1`), IPv6
  /// without brackets; case as written
  std::string host;
  bool ipv6{false};
  int port{0};                       ///< the port written, or the scheme's (80, 443)
  bool explicit_port{false};         ///< a port was written
  std::string path;                  ///< `/` at least, as written (not decoded)
  std::optional<std::string> query;  ///< after `?`, when there is one
  bool fragment{false};              ///< the URL has a `#fragment`
  bool loopback{false};              ///< `is_loopback_host(host)`

  /// The host as a URL writes it: IPv6 in brackets.
  [[nodiscard]] std::string host_in_url() const { return ipv6 ? "[" + host + "]" : host; }
};

/// A URL, or why it is refused.
struct UrlCheck {
  std::optional<Url> url;
  /// When refused: a phrase that follows the field's name, e.g. `must not carry a user name or
  /// password`.
  std::string problem;
};

/// The one URL reader of the SDK and the simulator (base URLs, webhook subscriptions, delivery
/// targets): libcurl's `curl_url_set`, plus refusals of what it refuses or could read
/// differently from another reader (a browser, a proxy, the receiver): anything but http and
/// https, whitespace, control and non-ASCII characters, a backslash anywhere (`\@` hides a host
/// in the user name), any user name or password (even empty), a percent-encoded or empty host,
/// a zone id, an empty port or port 0. The path, query and fragment are returned, not judged.
IMPILO_EXPORT UrlCheck parse_url(std::string_view text);

/// Parses and checks @p url: http or https only; no user name or password; no path (the SDK adds
/// `/api/v3`), query or fragment; `http` only to loopback hosts (`localhost`, `127.0.0.0/8`,
/// `[::1]`).
/// @throws impilo::UsageError naming what is wrong.
IMPILO_EXPORT BaseUrl parse_base_url(std::string_view url);

/// True for `localhost`, any 127.x.y.z (four decimal parts of up to three digits) and `::1`, in
/// any case; false for every other spelling (`0:0:0:0:0:0:0:1`, `127.1`, `::ffff:127.0.0.1`).
/// The one loopback rule of the SDK and the simulator, applied to the host `parse_url` returns,
/// which libcurl has normalised (`http://127.1/` and `http://[0:0:0:0:0:0:0:1]/` are loopback).
IMPILO_EXPORT bool is_loopback_host(std::string_view host);

/// Percent-encodes everything but RFC 3986 unreserved characters.
IMPILO_EXPORT std::string url_encode(std::string_view text);

}  // namespace impilo::internal
