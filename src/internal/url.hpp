#pragma once

// Base-URL checks and query encoding for the client.

#include <string>
#include <string_view>

namespace impilo::detail {

/// A checked base URL: `root` is scheme://authority, without a path or a trailing slash.
struct BaseUrl {
  std::string root;
  std::string scheme;
  std::string host;  // without brackets for IPv6
  bool loopback{false};
};

/// Parses and checks @p url: http or https only; no user name or password; no path (the SDK adds
/// `/api/v3`), query or fragment; `http` only to loopback hosts (`localhost`, `127.0.0.0/8`,
/// `[::1]`).
/// @throws impilo::UsageError naming what is wrong.
BaseUrl parse_base_url(std::string_view url);

/// True for `localhost`, any 127.x.y.z and `::1`.
bool is_loopback_host(std::string_view host);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace impilo::detail
