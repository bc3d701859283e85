#include "url.hpp"

#include <algorithm>
#include <impilo/errors.hpp>
#include <optional>

#include "ascii.hpp"

namespace impilo::internal {

namespace {

bool is_ipv4_loopback(std::string_view host) {
  // Four dot-separated decimal octets, the first being 127.
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view part = host.substr(start, dot - start);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    if (std::stoi(std::string(part)) > 255) return false;
    if (parts == 0 && part != "127") return false;
    ++parts;
    start = dot + 1;
  }
  return parts == 4;
}

/// Checks what follows the host in the authority: nothing, or `:` and a port from 1 to 65535
/// (libcurl refuses the rest only when sending, as a transport error).
void check_port(std::string_view after_host) {
  if (after_host.empty()) return;
  if (after_host.front() != ':') {
    throw UsageError("base_url has characters after its host that are not a :port");
  }
  const std::string_view port = after_host.substr(1);
  const bool digits = !port.empty() && std::all_of(port.begin(), port.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  // Five digits at most before converting, so that no length of digits can overflow.
  const std::string_view significant =
      port.substr(std::min(port.find_first_not_of('0'), port.size()));
  if (!digits || significant.size() > 5 || significant.empty() ||
      std::stoi(std::string(significant)) > 65535) {
    throw UsageError("base_url port must be a number from 1 to 65535");
  }
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  const std::string h = lowercase(host);
  return h == "localhost" || h == "::1" || is_ipv4_loopback(h);
}

std::optional<UrlParts> split_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = lowercase(url.substr(0, scheme_end));
  const std::string_view after_scheme = url.substr(scheme_end + 3);
  const auto authority_end = std::min(after_scheme.find_first_of("/?#"), after_scheme.size());
  parts.authority = after_scheme.substr(0, authority_end);
  parts.rest = after_scheme.substr(authority_end);
  std::string_view host = parts.authority;
  if (const auto at = host.rfind('@'); at != std::string_view::npos) {
    parts.has_userinfo = true;
    host = host.substr(at + 1);
  }
  if (!host.empty() && host.front() == '[') {
    parts.bracketed = true;
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      parts.unclosed_bracket = true;
      return parts;
    }
    parts.host = host.substr(1, close - 1);
    parts.after_host = host.substr(close + 1);
  } else {
    const auto colon = std::min(host.find(':'), host.size());
    parts.host = host.substr(0, colon);
    parts.after_host = host.substr(colon);
  }
  return parts;
}

BaseUrl parse_base_url(std::string_view url) {
  if (url.find_first_of("\r\n\t ") != std::string_view::npos) {
    throw UsageError("base_url must not contain whitespace or line breaks");
  }
  const std::optional<UrlParts> parts = split_url(url);
  if (!parts) throw UsageError("base_url must start with https:// (got no scheme)");
  BaseUrl result;
  result.scheme = parts->scheme;
  if (result.scheme != "https" && result.scheme != "http") {
    throw UsageError("base_url scheme must be https (or http for a loopback host), got '" +
                     result.scheme + "'");
  }
  if (parts->rest.find_first_of("?#") != std::string_view::npos) {
    throw UsageError("base_url must not have a query or fragment");
  }
  const std::string_view authority = parts->authority;
  const std::string_view path = parts->rest;
  if (parts->has_userinfo) throw UsageError("base_url must not carry a user name or password");
  const std::string_view host = parts->host;
  const std::string_view after_host = parts->after_host;
  if (parts->unclosed_bracket) throw UsageError("base_url has an unclosed IPv6 bracket");
  if (parts->bracketed) {
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      throw UsageError("base_url has something other than an IPv6 address in brackets");
    }
  } else if (host.find_first_of("[]") != std::string_view::npos) {
    throw UsageError("base_url has a bracket in its host outside an IPv6 address");
  }
  if (host.empty()) throw UsageError("base_url has no host");
  check_port(after_host);
  result.host = lowercase(host);
  result.loopback = is_loopback_host(result.host);
  if (result.scheme == "http" && !result.loopback) {
    throw UsageError(
        "base_url must use https: plain http is allowed only for loopback hosts "
        "(localhost, 127.0.0.0/8, [::1]), got host '" +
        result.host + "'");
  }
  result.root = result.scheme + "://" + std::string(authority);
  // Every request path starts with /api/v3, which the SDK adds itself: a path here would be
  // prepended to it (`/api/v3/api/v3/order/1`), so only the bare host (or a trailing "/") is valid.
  if (path.find_first_not_of('/') != std::string_view::npos) {
    throw UsageError(
        "base_url must be the host only, like https://app.impiloplatform.com; the "
        "SDK adds /api/v3 itself: pass '" +
        result.root + "' instead of '" + std::string(url) + "'");
  }
  return result;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4U];
      out += hex[c & 0x0FU];
    }
  }
  return out;
}

}  // namespace impilo::internal
