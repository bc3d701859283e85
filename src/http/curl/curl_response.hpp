#pragma once

// Reading one response with libcurl: the per-call state the callbacks fill, and the header, body
// and pre-request callbacks, which enforce the response size cap (docs/reliability.md).

#include <cstddef>
#include <impilo/transport.hpp>

namespace impilo::curl {

// ---- Per-call state shared with the libcurl callbacks ----

struct CallState {
  std::size_t max_body = 0;
  HttpResponse response;
  /// Status of the header block being received (0 before its status line).
  long block_status = 0;
  /// The final (non-1xx) response's header block is complete; later header lines are trailers.
  bool final_headers_done = false;
  /// The body exceeded (or announced more than) `max_body`.
  bool too_large = false;
  /// libcurl's pre-request callback ran: a connection was ready and the request may have left.
  bool request_may_have_left = false;
  /// A callback failed to allocate; the transfer was aborted.
  bool out_of_memory = false;
};

/// Called by libcurl once per header line of every response received for this call, interim
/// (1xx) responses included; keeps the final response's header lines only.
std::size_t on_header(char* buffer, std::size_t size, std::size_t count, void* userdata);

/// Called by libcurl with (decoded) body bytes; stops the transfer at the size cap.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userdata);

/// Called by libcurl when a connection is ready (TLS included) and before the request is sent.
int on_prerequest(void* clientp, char* primary_ip, char* local_ip, int primary_port,
                  int local_port);

}  // namespace impilo::curl
