#pragma once

// What a JSON text is, decided once for every decoder of the SDK, the simulator and the CLI.
//
// Neither parser the SDK uses may decide that alone: nlohmann takes a NUL byte for the end of
// input (so `{"id":1}\0anything` parses) and skips a byte order mark, and simdjson 3.0.1's
// On-Demand object iterator drops a missing-comma error (`{"a":1,"x":"y":2}` reads as
// `{"a":1,"x":"y"}`). `check_json_text` reads the bytes against RFC 8259 first; a parser only
// ever sees a text it has accepted (docs/adr/0009-simdjson-for-decoding.md).

#include <cstddef>
#include <impilo/export.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace impilo::internal {

/// Why a text is not one JSON value the SDK decodes.
struct JsonTextProblem {
  enum class Kind {
    syntax,           ///< not RFC 8259 JSON at `byte` (a NUL and trailing bytes included)
    too_deep,         ///< arrays and objects nest past `max_json_depth`
    byte_order_mark,  ///< starts with a UTF-8 byte order mark, which JSON text must not carry
  };
  Kind kind{Kind::syntax};
  /// 1-based position of the first byte that cannot belong to the text (`size() + 1` when it
  /// ends too early), counted as nlohmann's `parse_error::byte` counts.
  std::size_t byte{0};
};

/// Checks that @p text is exactly one JSON value (RFC 8259: strict number, string, escape and
/// UTF-8 grammar, no lone surrogate escape, no control character in a string), surrounded only
/// by space, TAB, CR and LF, nested at most `max_json_depth` deep, and without a byte order mark.
/// Returns the first problem, or nothing. One forward pass, constant memory, no recursion.
IMPILO_EXPORT std::optional<JsonTextProblem> check_json_text(std::string_view text) noexcept;

/// The `DecodeError` detail for @p problem, in the SDK's one wording (it never quotes the text).
IMPILO_EXPORT std::string json_text_problem_detail(const JsonTextProblem& problem);

/// nlohmann's DOM of @p text, which `check_json_text` accepted first.
/// @throws impilo::DecodeError (pointer "") when it did not, or when a number is out of every
/// double's range (`1e400`); never an nlohmann exception, never quoting the text.
IMPILO_EXPORT nlohmann::json parse_json_text(std::string_view text);

}  // namespace impilo::internal
