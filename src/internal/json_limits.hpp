#pragma once

// The nesting limit every JSON decoder of the SDK enforces, and the one wording of its errors.
//
// Recursive code (nlohmann's DOM copy and dump, a model decoder) overflows the stack on a document
// nested a few thousand levels deep, which any server or input file can send. `check_json_text`
// (json_text.hpp) enforces the limit on the raw bytes, with constant stack, before any parser runs.

#include <cstddef>
#include <string>
#include <string_view>

namespace impilo::internal {

/// How deeply arrays and objects may nest in any JSON the SDK decodes (`[]` is depth 1). Real
/// Impilo documents nest fewer than 10 levels; anything past this is refused as malformed.
inline constexpr std::size_t max_json_depth = 256;

/// The one description of a document past the limit, for every decoder's error (it never quotes
/// the document).
inline std::string too_deep_detail() {
  return "nested deeper than " + std::to_string(max_json_depth) + " levels of arrays and objects";
}

/// The one wording of a JSON syntax error, for every decoder of the SDK, the simulator and the
/// CLI: `syntax error at byte N` (N counted as nlohmann's parse_error::byte counts it).
inline std::string syntax_error_detail(std::size_t byte) {
  return "syntax error at byte " + std::to_string(byte);
}

/// A `DecodeError` detail for a document that does not parse:
/// `not valid JSON (syntax error at byte N)`.
inline std::string not_valid_json_detail(std::size_t byte) {
  return "not valid JSON (" + syntax_error_detail(byte) + ")";
}

/// A `DecodeError` detail for a well-formed document holding a number no double holds (`1e400`).
/// Never quotes the number.
inline std::string number_out_of_range_detail() {
  return "not valid JSON (a number is out of range)";
}

}  // namespace impilo::internal
