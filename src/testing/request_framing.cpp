// How the simulator frames a request body: Content-Length or chunked, never both, never
// ambiguous, within `max_body_bytes`. Checked before any body byte is read.

#include "request_framing.hpp"

#include <cstddef>
#include <optional>
#include <string>

#include "ascii.hpp"

namespace impilo::testing::detail {

void answer_error(httplib::Response& res, int status, const char* message) {
  res.status = status;
  res.set_content(std::string("{\"message\":\"") + message + "\"}", "application/json");
}

namespace {

/// True for a method whose requests carry a body the simulator reads.
bool takes_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

/// The value of a Content-Length made of digits only (no sign, no list), or nullopt.
std::optional<std::size_t> parse_content_length(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow
  std::size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

}  // namespace

bool refuse_framing(const httplib::Request& req, httplib::Response& res) {
  const bool has_encoding = req.has_header("Transfer-Encoding");
  const bool has_length = req.has_header("Content-Length");
  if (req.get_header_value_count("Transfer-Encoding") > 1 ||
      req.get_header_value_count("Content-Length") > 1 || (has_encoding && has_length)) {
    answer_error(res, 400, "Bad request");  // two framings: a request smuggling attempt
    return true;
  }
  if (has_encoding &&
      !internal::equals_ignoring_case(req.get_header_value("Transfer-Encoding"), "chunked")) {
    answer_error(res, 501, "Transfer-Encoding not supported");
    return true;
  }
  std::size_t length = 0;
  if (has_length) {
    const auto parsed = parse_content_length(req.get_header_value("Content-Length"));
    if (!parsed) {
      answer_error(res, 400, "Bad request");
      return true;
    }
    length = *parsed;
  }
  if ((has_encoding || length > 0) && !takes_body(req.method)) {
    answer_error(res, 400, "Bad request");  // a body nobody reads would pass for the next request
    return true;
  }
  if (length > max_body_bytes) {
    answer_error(res, 413, "Payload too large");
    return true;
  }
  if (req.is_multipart_form_data()) {
    answer_error(res, 415, "Unsupported media type");
    return true;
  }
  return false;
}

}  // namespace impilo::testing::detail
