#include <algorithm>
#include <cctype>
#include <impilo/transport.hpp>

namespace impilo {

HttpTransport::~HttpTransport() = default;

std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name) {
  const auto same = [name](const std::string& candidate) {
    return std::equal(candidate.begin(), candidate.end(), name.begin(), name.end(),
                      [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
  };
  for (const auto& [key, value] : headers) {
    if (same(key)) return value;
  }
  return std::nullopt;
}

}  // namespace impilo
