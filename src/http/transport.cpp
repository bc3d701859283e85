#include <impilo/transport.hpp>

#include "ascii.hpp"

namespace impilo {

HttpTransport::~HttpTransport() = default;

std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (internal::equals_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace impilo
