#pragma once

// The failure of writing a result to stdout whose reader went away (or that cannot be written):
// exit code 12, kind "output" (the exit-code table in cli.cpp).

#include <stdexcept>
#include <string>

namespace impilo::cli {

/// stdout could not be written (a closed pipe, a full disk): `impilo` exits 12.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace impilo::cli
