// Reading one response with libcurl (see curl_response.hpp): status lines, header lines (interim
// responses, folding, trailers), the announced and the received body size against the cap.

#include "curl_response.hpp"

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ascii.hpp"

namespace impilo::curl {

namespace {

/// Parses the status code out of a status line such as `HTTP/1.1 200 OK` or `HTTP/2 404`.
long parse_status(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  long status = 0;
  std::size_t digits = 0;
  for (auto pos = space + 1; pos < line.size() && digits < 3; ++pos, ++digits) {
    const char c = line[pos];
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  return digits == 3 ? status : 0;
}

/// The announced body size when it is certain to be the size the write callback will see
/// (no content coding), else nothing.
bool announced_identity_length(const HttpHeaders& headers, std::uint64_t& length) {
  const auto encoding = find_header(headers, "Content-Encoding");
  if (encoding && !internal::trim(*encoding).empty() &&
      !internal::equals_ignoring_case(internal::trim(*encoding), "identity"))
    return false;
  const auto value = find_header(headers, "Content-Length");
  if (!value) return false;
  const std::string_view digits = internal::trim(*value);
  if (digits.empty() || digits.size() > 19) return false;
  std::uint64_t parsed = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
    parsed = parsed * 10U + static_cast<std::uint64_t>(c - '0');
  }
  length = parsed;
  return true;
}

}  // namespace

std::size_t on_header(char* buffer, std::size_t size, std::size_t count, void* userdata) {
  auto& state = *static_cast<CallState*>(userdata);
  const std::size_t length = size * count;
  try {
    std::string_view line(buffer, length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);

    if (line.size() >= 5 && line.compare(0, 5, "HTTP/") == 0) {
      // A new response begins: anything collected so far belonged to an interim one.
      state.response.headers.clear();
      state.block_status = parse_status(line);
      state.final_headers_done = false;
      return length;
    }
    if (state.final_headers_done) return length;  // trailers after a chunked body: ignored
    if (line.empty()) {
      if (state.block_status >= 200) {
        state.final_headers_done = true;
        std::uint64_t announced = 0;
        if (announced_identity_length(state.response.headers, announced)) {
          if (announced > state.max_body) {
            state.too_large = true;
            return 0;  // aborts the transfer before any of the body is read or allocated
          }
          state.response.body.reserve(static_cast<std::size_t>(announced));
        }
      }
      return length;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // Obsolete line folding: continues the previous header's value.
      if (!state.response.headers.empty()) {
        auto& value = state.response.headers.back().second;
        value += ' ';
        value += internal::trim(line);
      }
      return length;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return length;  // not a header line
    state.response.headers.emplace_back(std::string(internal::trim(line.substr(0, colon))),
                                        std::string(internal::trim(line.substr(colon + 1))));
    return length;
  } catch (...) {
    state.out_of_memory = true;
    return 0;
  }
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userdata) {
  auto& state = *static_cast<CallState*>(userdata);
  const std::size_t length = size * count;
  if (length > state.max_body - state.response.body.size()) {
    state.too_large = true;
    return 0;  // a short count: libcurl fails the transfer with CURLE_WRITE_ERROR
  }
  try {
    state.response.body.append(data, length);
  } catch (...) {
    state.out_of_memory = true;
    return 0;
  }
  return length;
}

int on_prerequest(void* clientp, char* /*primary_ip*/, char* /*local_ip*/, int /*primary_port*/,
                  int /*local_port*/) {
  static_cast<CallState*>(clientp)->request_may_have_left = true;
  return CURL_PREREQFUNC_OK;
}

}  // namespace impilo::curl
