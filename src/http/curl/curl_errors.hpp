#pragma once

// Error mapping of the libcurl transport: a failed transfer's CURLcode becomes a TransportError
// whose message names the call but never a secret (docs/error-handling.md).

#include <curl/curl.h>

#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <string>
#include <vector>

#include "curl_response.hpp"

namespace impilo::curl {

/// What an error message may say about a URL: `scheme://host:port/path`. The user info, query
/// and fragment are dropped. Also collects the parts that must never be echoed.
struct UrlForMessages {
  std::string printable;
  std::vector<std::string> secrets;  // user, password, query
};

/// Parses @p url for messages; `<unparsable URL>` when libcurl cannot.
UrlForMessages describe_url(const std::string& url);

/// Throws the TransportError for the failed transfer @p code of @p request: its kind, whether the
/// request may have reached the server, and libcurl's detail with every secret of the request
/// (URL credentials and query, header values, proxy credentials) redacted.
[[noreturn]] void throw_transport_error(CURLcode code, const CallState& state,
                                        const HttpRequest& request, const char* error_buffer,
                                        const CurlTransportOptions& options);

}  // namespace impilo::curl
