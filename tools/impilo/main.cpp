// `impilo`: the command-line tool of impilo-cpp (docs/getting-started.md). Everything happens in
// impilo::cli::run (cli.cpp); main only binds it to the process's streams.

#include <unistd.h>

#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  return impilo::cli::run(argc, argv, std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1);
}
