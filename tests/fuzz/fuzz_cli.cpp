// libFuzzer target: the `impilo` tool's argument and input parsing, through `impilo::cli::run`.
//
// Input: the first line is the argument list, separated by spaces; the rest is the content of the
// file that an argument `@` stands for (`orders validate --file @`). An argument ends at its first
// NUL byte, as it would in a real argv. Inputs that could leave the process are skipped: `mock` and
// `webhooks listen` (they serve until a signal), `--api-key` (the commands that call the API then
// fail for want of a key, before any request), and `--file` or `--secret-file` with anything but
// `@` (no other file, no stdin). Properties: `run` returns (it never throws) an exit code of the
// spec, and the last line of stderr is a JSON error object whenever the code is not 0; exit code 1
// (an exception that is not an `impilo::Error`) is a finding.

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "fuzz_support.hpp"

namespace {

std::string input_path;

std::vector<std::string> split_arguments(std::string_view line) {
  std::vector<std::string> args{"impilo"};
  std::size_t start = 0;
  while (start <= line.size()) {
    const auto end = std::min(line.find(' ', start), line.size());
    if (end > start) {
      // What a process would see: argv strings end at a NUL.
      const std::string_view arg = line.substr(start, end - start);
      args.emplace_back(arg.substr(0, std::min(arg.find('\0'), arg.size())));
    }
    start = end + 1;
  }
  return args;
}

/// The flags that name a file to read.
const std::array<std::string, 2> file_flags{"--file", "--secret-file"};

/// Replaces `@` by the input file; false for an argument list that must not run.
bool make_safe(std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "mock" || arg == "listen" || arg.rfind("--api-key", 0) == 0) return false;
    for (const std::string& flag : file_flags) {
      if (arg == flag) {
        if (i + 1 >= args.size() || args[i + 1] != "@") return false;
        args[++i] = input_path;
      } else if (arg.rfind(flag + "=", 0) == 0) {
        if (arg != flag + "=@") return false;
        arg = flag + "=" + input_path;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The environment must not give the tool an API key or a server.
  ::unsetenv("IMPILO_API_KEY");
  ::unsetenv("IMPILO_BASE_URL");
  ::unsetenv("IMPILO_WEBHOOK_SECRET");
  input_path = "/tmp/impilo-fuzz-cli-" + std::to_string(::getpid()) + ".json";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = impilo_fuzz::text(data, size);
  const auto newline = std::min(input.find('\n'), input.size());
  std::vector<std::string> args = split_arguments(input.substr(0, newline));
  if (!make_safe(args)) return 0;
  {
    std::ofstream file(input_path, std::ios::binary | std::ios::trunc);
    const std::string_view content = input.substr(std::min(newline + 1, input.size()));
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());

  std::ostringstream out;
  std::ostringstream err;
  const int code = impilo::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  // 1 is the tool's own failure: an exception that is not an impilo::Error reached run().
  impilo_fuzz::require(code == 0 || (code >= 2 && code <= 11), "an exit code of the spec");
  if (code != 0) {
    std::string text = err.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto last_newline = text.rfind('\n');
    const std::string last_line =
        last_newline == std::string::npos ? text : text.substr(last_newline + 1);
    const auto error = nlohmann::json::parse(last_line, nullptr, false);
    impilo_fuzz::require(error.is_object() && error.contains("error"),
                         "a failure ends stderr with a JSON error object");
  }
  return 0;
}
