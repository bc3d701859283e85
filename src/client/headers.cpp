// The headers every request of a `Client` carries (a JSON body adds its Content-Type in the
// pipeline).

#include <impilo/client.hpp>
#include <impilo/version.hpp>
#include <string>
#include <utility>

#include "client_impl.hpp"

namespace impilo::detail {

HttpHeaders common_headers(const ClientOptions& options) {
  std::string agent = std::string("impilo-cpp/") + version();
  if (!options.user_agent_suffix.empty()) agent += " " + options.user_agent_suffix;
  return {{"Impilo-API-Key", options.api_key},
          {"Accept", "application/json"},
          {"User-Agent", std::move(agent)}};
}

}  // namespace impilo::detail
