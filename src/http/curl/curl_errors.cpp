// Error mapping of the libcurl transport (see curl_errors.hpp): CURLcode to TransportError::Kind,
// the message's words, and the URL as a message may show it.

#include "curl_errors.hpp"

#include <memory>
#include <string_view>
#include <utility>

#include "curl_handles.hpp"
#include "redact.hpp"
#include "transport_kind.hpp"

namespace impilo::curl {

namespace {

using Kind = TransportError::Kind;

std::string url_part(CURLU* url, CURLUPart part, unsigned int flags) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return {};
  const std::unique_ptr<char, CurlStringDeleter> owned(raw);
  return std::string(raw);
}

}  // namespace

UrlForMessages describe_url(const std::string& url) {
  UrlForMessages out;
  const std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    out.printable = "<unparsable URL>";
    return out;
  }
  const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME, 0);
  const std::string host = url_part(parsed.get(), CURLUPART_HOST, 0);
  const std::string port = url_part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const std::string path = url_part(parsed.get(), CURLUPART_PATH, 0);
  out.printable = scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
  for (const CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY}) {
    std::string secret = url_part(parsed.get(), part, 0);
    if (!secret.empty()) out.secrets.push_back(std::move(secret));
  }
  return out;
}

namespace {

Kind kind_of(CURLcode code, const CallState& state) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return Kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return Kind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return Kind::tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Kind::connection_cut;
    case CURLE_WRITE_ERROR:
      return state.too_large ? Kind::too_large : Kind::other;
    default:
      return Kind::other;
  }
}

std::string describe(Kind kind, const CallState& state, const CurlTransportOptions& options) {
  std::string text(internal::transport_kind_text(kind).sentence);
  switch (kind) {
    case Kind::timeout:
      return text + (state.request_may_have_left ? " waiting for the response"
                                                 : " before the request was sent");
    case Kind::too_large:
      return text + " of " + std::to_string(options.max_response_bytes) + " bytes";
    case Kind::other:
      return state.out_of_memory ? "out of memory while receiving the response" : text;
    default:
      return text;
  }
}

}  // namespace

[[noreturn]] void throw_transport_error(CURLcode code, const CallState& state,
                                        const HttpRequest& request, const char* error_buffer,
                                        const CurlTransportOptions& options) {
  const Kind kind = kind_of(code, state);
  // A response that was too large was certainly received, so the request got there. Otherwise
  // the pre-request callback tells: until it runs, no byte of the request has been written.
  const bool may_have_reached_server = state.too_large || state.request_may_have_left;

  const UrlForMessages url = describe_url(request.url);
  std::string message = describe(kind, state, options) + ": " + request.method + " " +
                        url.printable + " (curl: " + curl_easy_strerror(code);
  std::string detail(error_buffer);
  // libcurl's detail text names hosts and ports, never header values; scrub anyway, so no message
  // can carry the API key, URL credentials, the query or the proxy credentials.
  // One pass over all of them, by the SDK's one redaction policy (docs/logging.md).
  std::vector<std::string_view> secrets(url.secrets.begin(), url.secrets.end());
  for (const auto& header : request.headers) secrets.emplace_back(header.second);
  secrets.emplace_back(options.proxy_username);
  secrets.emplace_back(options.proxy_password);
  detail = internal::redact_all(detail, secrets);
  if (!detail.empty()) message += ": " + detail;
  message += may_have_reached_server ? "); the request may have reached the server"
                                     : "); the request was not sent";
  throw TransportError(kind, may_have_reached_server, message);
}

}  // namespace impilo::curl
