// The generated <impilo/version.hpp> (cmake/version.hpp.in) agrees with the library linked.

#include <impilo/version.hpp>
#include <string>

#if !(IMPILO_VERSION_MAJOR >= 0 && IMPILO_VERSION_MINOR >= 0 && IMPILO_VERSION_PATCH >= 0)
#error "the version macros must be usable in #if"
#endif

#include "catch.hpp"

TEST_CASE("IMPILO_VERSION_* agree with impilo::version()", "[version]") {
  const std::string expected = std::to_string(IMPILO_VERSION_MAJOR) + "." +
                               std::to_string(IMPILO_VERSION_MINOR) + "." +
                               std::to_string(IMPILO_VERSION_PATCH);
  CHECK(expected == IMPILO_VERSION_STRING);
  CHECK(std::string(impilo::version()) == IMPILO_VERSION_STRING);
}
