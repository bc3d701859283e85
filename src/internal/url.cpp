#include "url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <impilo/errors.hpp>
#include <memory>
#include <new>
#include <optional>
#include <utility>

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

/// A libcurl URL handle, freed on every path.
struct CurlUrlDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

/// @p part of @p handle, or nothing when the URL has none.
std::optional<std::string> url_part(CURLU* handle, CURLUPart part, unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(handle, part, &value, flags) != CURLUE_OK || value == nullptr) {
    return std::nullopt;
  }
  std::string text(value);
  curl_free(value);
  return text;
}

UrlCheck refused(std::string problem) {
  return UrlCheck{std::nullopt, std::move(problem)};
}

bool is_scheme_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

}  // namespace

UrlCheck parse_url(std::string_view text) {
  if (text.empty()) return refused("must not be empty");
  if (std::any_of(text.begin(), text.end(), [](char c) {
        return is_control_or_space(c) || static_cast<unsigned char>(c) >= 0x80;
      })) {
    return refused(
        "must hold visible ASCII characters only, without spaces or line breaks (percent-encode "
        "others)");
  }
  // WHATWG readers (browsers, many proxies and frameworks) take `\` for `/`, libcurl does not:
  // `http://evil.example\@127.0.0.1/` would name two different hosts. RFC 3986 has no raw `\`.
  if (text.find('\\') != std::string_view::npos) return refused("must not contain a backslash");

  // The raw text's shape, where libcurl is lenient: `scheme://` then a host (libcurl also reads
  // `http:/host` and `https:///host`), no `%` in the authority (libcurl decodes
  // `%31%32%37.0.0.1` to 127.0.0.1), no empty port (`host:`).
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 ||
      !std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(scheme_end),
                   is_scheme_character)) {
    return refused("must start with https:// (or http:// for a loopback host)");
  }
  const std::string scheme = lowercase(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return refused("must use https (or http for a loopback host), got scheme '" + scheme + "'");
  }
  const std::string_view after_scheme = text.substr(scheme_end + 3);
  const std::string_view authority =
      after_scheme.substr(0, std::min(after_scheme.find_first_of("/?#"), after_scheme.size()));
  if (authority.empty()) return refused("has no host");
  if (authority.find('@') != std::string_view::npos) {
    return refused("must not carry a user name or password");
  }
  if (authority.find('%') != std::string_view::npos) {
    return refused("must not percent-encode its host or carry an IPv6 zone id");
  }
  if (authority.back() == ':') return refused("must not have an empty port after ':'");

  const CurlUrl handle(curl_url());
  if (!handle) throw std::bad_alloc();
  // No CURLU_NON_SUPPORT_SCHEME, CURLU_GUESS_SCHEME or CURLU_DEFAULT_SCHEME: a scheme is required
  // and must be one libcurl speaks; CURLU_DISALLOW_USER refuses any user name, even empty.
  const std::string owned(text);
  const CURLUcode code =
      curl_url_set(handle.get(), CURLUPART_URL, owned.c_str(), CURLU_DISALLOW_USER);
  if (code == CURLUE_BAD_PORT_NUMBER) return refused("port must be a number from 1 to 65535");
  if (code == CURLUE_USER_NOT_ALLOWED) return refused("must not carry a user name or password");
  if (code != CURLUE_OK) {
    return refused(std::string("is not a URL libcurl can read (") + curl_url_strerror(code) + ")");
  }

  Url url;
  url.scheme = url_part(handle.get(), CURLUPART_SCHEME).value_or(std::string());
  if (url.scheme != scheme) {  // never expected: the raw text and libcurl disagree on the scheme
    return refused("must start with https:// (or http:// for a loopback host)");
  }
  if (url_part(handle.get(), CURLUPART_USER) || url_part(handle.get(), CURLUPART_PASSWORD) ||
      url_part(handle.get(), CURLUPART_OPTIONS)) {
    return refused("must not carry a user name or password");
  }
  if (url_part(handle.get(), CURLUPART_ZONEID)) {
    return refused("must not percent-encode its host or carry an IPv6 zone id");
  }
  std::string host = url_part(handle.get(), CURLUPART_HOST).value_or(std::string());
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    url.ipv6 = true;
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return refused("has no host");
  url.host = std::move(host);
  const std::optional<std::string> port = url_part(handle.get(), CURLUPART_PORT);
  url.explicit_port = port.has_value();
  const std::string port_text =
      port ? *port : url_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("0");
  // libcurl has checked it: digits, at most 65535.
  url.port = port_text.size() <= 5 && !port_text.empty() &&
                     std::all_of(port_text.begin(), port_text.end(),
                                 [](char c) { return c >= '0' && c <= '9'; })
                 ? std::stoi(port_text)
                 : 0;
  if (url.port < 1 || url.port > 65535) return refused("port must be a number from 1 to 65535");
  url.path = url_part(handle.get(), CURLUPART_PATH).value_or("/");
  if (url.path.empty() || url.path.front() != '/') url.path.insert(0, "/");
  url.query = url_part(handle.get(), CURLUPART_QUERY);
  url.fragment = url_part(handle.get(), CURLUPART_FRAGMENT).has_value() ||
                 after_scheme.find('#') != std::string_view::npos;
  url.loopback = is_loopback_host(url.host);
  return UrlCheck{std::move(url), {}};
}

bool is_loopback_host(std::string_view host) {
  const std::string h = lowercase(host);
  return h == "localhost" || h == "::1" || is_ipv4_loopback(h);
}

BaseUrl parse_base_url(std::string_view url) {
  const UrlCheck checked = parse_url(url);
  if (!checked.url) throw UsageError("base_url " + checked.problem);
  const Url& parsed = *checked.url;
  if (parsed.query || parsed.fragment) {
    throw UsageError("base_url must not have a query or fragment");
  }
  BaseUrl result;
  result.scheme = parsed.scheme;
  result.host = lowercase(parsed.host);
  result.loopback = parsed.loopback;
  if (result.scheme == "http" && !result.loopback) {
    throw UsageError(
        "base_url must use https: plain http is allowed only for loopback hosts "
        "(localhost, 127.0.0.0/8, [::1]), got host '" +
        result.host + "'");
  }
  result.root = result.scheme + "://" + parsed.host_in_url();
  if (parsed.explicit_port) result.root += ":" + std::to_string(parsed.port);
  // Every request path starts with /api/v3, which the SDK adds itself: a path here would be
  // prepended to it (`/api/v3/api/v3/order/1`), so only the bare host (or a trailing "/") is valid.
  if (parsed.path.find_first_not_of('/') != std::string::npos) {
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
