#include <impilo/version.hpp>

namespace impilo {

const char* version() noexcept {
  return IMPILO_VERSION_STRING;
}

}  // namespace impilo
