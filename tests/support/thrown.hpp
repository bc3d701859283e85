#pragma once

// `thrown<E>(call)`: the exception a call throws, for tests that inspect it (header-only).

#include <stdexcept>
#include <utility>

#include "catch.hpp"

namespace impilo_test {

/// The exception of type @p E that @p call throws; fails the test when it throws nothing.
template <typename E, typename F>
E thrown(F&& call) {
  try {
    std::forward<F>(call)();
  } catch (const E& e) {
    return e;
  }
  FAIL("expected an exception, got none");
  throw std::logic_error("unreachable");
}

}  // namespace impilo_test
