#pragma once

// The words for each `TransportError::Kind`, in one table: the public `to_string`, the client's
// log lines and the libcurl transport's messages all read them from here.

#include <impilo/errors.hpp>
#include <string_view>

namespace impilo::internal {

/// What is said of one kind of transport failure.
struct TransportKindText {
  std::string_view name;      ///< `to_string(kind)`: `connect`, `connection_cut`, ...
  std::string_view summary;   ///< a log line's words: `connect failed`, `timed out`, ...
  std::string_view sentence;  ///< the start of a transport's message: `could not connect`, ...
};

/// The texts of @p kind; those of `other` for a value outside the enumeration.
constexpr TransportKindText transport_kind_text(TransportError::Kind kind) noexcept {
  switch (kind) {
    case TransportError::Kind::connect:
      return {"connect", "connect failed", "could not connect"};
    case TransportError::Kind::tls:
      return {"tls", "TLS failed", "TLS handshake or certificate verification failed"};
    case TransportError::Kind::timeout:
      return {"timeout", "timed out", "timed out"};
    case TransportError::Kind::connection_cut:
      return {"connection_cut", "connection cut",
              "the connection broke before a complete response was received"};
    case TransportError::Kind::too_large:
      return {"too_large", "response too large", "the response body exceeds the limit"};
    case TransportError::Kind::other:
      break;
  }
  return {"other", "transport failed", "transfer failed"};
}

}  // namespace impilo::internal
