#pragma once

// URL parts for every layer: splitting an absolute URL's authority (the client's base URL and
// webhook subscriptions, the simulator's delivery targets), the one loopback rule, and query
// encoding.

#include <impilo/export.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace impilo::internal {

/// A checked base URL: `root` is scheme://authority, without a path or a trailing slash.
struct BaseUrl {
  std::string root;
  std::string scheme;
  std::string host;  // without brackets for IPv6
  bool loopback{false};
};

/// An absolute URL `scheme://authority[/path][?query][#fragment]` cut into views of it. Nothing is
/// checked but the shape: each caller applies its own rules to the parts.
struct UrlParts {
  std::string scheme;          ///< lower-cased
  std::string_view authority;  ///< up to the first `/`, `?` or `#`
  bool has_userinfo{false};    ///< the authority holds an `@` (`user:password@`)
  /// After the last `@`: the host without the brackets of an IPv6 literal; empty when a bracket
  /// is not closed
  std::string_view host;
  bool bracketed{false};         ///< the host is written in brackets (`[::1]`)
  bool unclosed_bracket{false};  ///< `[` with no `]`
  /// What follows the host in the authority: empty, or `:port` (or anything else, to refuse)
  std::string_view after_host;
  std::string_view rest;  ///< from the first `/`, `?` or `#` on; may be empty
};

/// @p url cut into its parts, or nothing when it has no `://`.
IMPILO_EXPORT std::optional<UrlParts> split_url(std::string_view url);

/// Parses and checks @p url: http or https only; no user name or password; no path (the SDK adds
/// `/api/v3`), query or fragment; `http` only to loopback hosts (`localhost`, `127.0.0.0/8`,
/// `[::1]`).
/// @throws impilo::UsageError naming what is wrong.
IMPILO_EXPORT BaseUrl parse_base_url(std::string_view url);

/// True for `localhost`, any 127.x.y.z (four decimal parts of up to three digits) and `::1`, in
/// any case; false for every other spelling (`0:0:0:0:0:0:0:1`, `127.1`, `::ffff:127.0.0.1`).
/// The one loopback rule of the SDK and the simulator.
IMPILO_EXPORT bool is_loopback_host(std::string_view host);

/// Percent-encodes everything but RFC 3986 unreserved characters.
IMPILO_EXPORT std::string url_encode(std::string_view text);

}  // namespace impilo::internal
