// Reading and decoding the `--file` input of `impilo` (input.hpp). Messages never quote the input:
// it holds patient data.

#include "input.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "json_limits.hpp"
#include "json_text.hpp"

namespace impilo::cli {

namespace {

/// Parses @p text as one JSON value. Not JSON: `invalid_json`; a number no double holds (1e400):
/// `invalid_data`.
nlohmann::json parse_input(const std::string& text) {
  const auto invalid_json = [](const std::string& why) {
    return InputError(Violation{"", ErrorCode::invalid_json,
                                std::string(server_message(ErrorCode::invalid_json))},
                      "--file input is not valid JSON (" + why + ")");
  };
  // Before parsing: exactly one JSON value, as every decoder of the SDK requires (a NUL, trailing
  // bytes or a byte order mark make it something else), and not nested 100,000 deep.
  if (const auto problem = impilo::internal::check_json_text(text)) {
    using Kind = impilo::internal::JsonTextProblem::Kind;
    throw invalid_json(problem->kind == Kind::too_deep ? impilo::internal::too_deep_detail()
                       : problem->kind == Kind::byte_order_mark
                           ? std::string("it starts with a byte order mark")
                           : impilo::internal::syntax_error_detail(problem->byte));
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406 (1e400): well-formed, but a value no number holds. Never quote it.
    throw InputError(Violation{"", ErrorCode::invalid_data, "a number is out of range"},
                     "--file input holds a number out of range");
  }
}

/// Decodes @p text as a @p T, which @p what names in the message (`an order request`). JSON of
/// the wrong shape (a count given as a string, an array where an object belongs) is
/// `invalid_data` at the offending pointer.
template <typename T>
T decode_input(const std::string& text, std::string_view what) {
  const nlohmann::json j = parse_input(text);
  try {
    return j.get<T>();
  } catch (const DecodeError& e) {
    throw InputError(Violation{e.pointer(), ErrorCode::invalid_data, e.detail()},
                     "--file input is not " + std::string(what) + ": " + e.what());
  }
}

}  // namespace

std::string read_input(const std::string& path) {
  const bool is_stdin = path == "-";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  std::FILE* file = stdin;
  if (!is_stdin) {
    owned.reset(std::fopen(path.c_str(), "rb"));
    if (!owned) {
      throw UsageError("--file: cannot open '" + path + "': " + std::strerror(errno));
    }
    file = owned.get();
  }
  std::string text;
  char buffer[16384];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  if (std::ferror(file) != 0) {
    throw UsageError("--file: cannot read '" + (is_stdin ? std::string("stdin") : path) +
                     "': " + std::strerror(errno));
  }
  return text;
}

CreateOrderRequest order_request_from_input(const std::string& text) {
  return decode_input<CreateOrderRequest>(text, "an order request");
}

Patient patient_from_input(const std::string& text) {
  return decode_input<Patient>(text, "a patient");
}

}  // namespace impilo::cli
