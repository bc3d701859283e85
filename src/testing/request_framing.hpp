#pragma once

// The request-framing checks of the simulator's HTTP server (request_framing.cpp). Not installed.

#include <httplib.h>

#include <cstddef>

namespace impilo::testing::detail {

/// Largest request body accepted, counted after chunked and content decoding (413 above it).
constexpr std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;

/// Sets @p res to the JSON error answer `{"message": TEXT}` with @p status.
void answer_error(httplib::Response& res, int status, const char* message);

/// Refuses a request whose body framing is ambiguous or unsupported (two framings, a coding other
/// than `chunked`, a Content-Length that is not plain digits, a body on a method that takes none,
/// multipart), or whose announced body is over `max_body_bytes`, before any body byte is read (the
/// connection then closes). True when refused, with @p res set to the answer.
bool refuse_framing(const httplib::Request& req, httplib::Response& res);

}  // namespace impilo::testing::detail
