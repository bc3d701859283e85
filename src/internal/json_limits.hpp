#pragma once

// The nesting limit every JSON decoder of the SDK enforces, as a scanner that needs no parser.
//
// Recursive code (nlohmann's DOM copy and dump, a model decoder) overflows the stack on a document
// nested a few thousand levels deep, which any server or input file can send. Checking the raw
// bytes first, with constant stack, keeps every decode path safe whichever parser runs next.

#include <cstddef>
#include <impilo/export.hpp>
#include <string>
#include <string_view>

namespace impilo::detail {

/// How deeply arrays and objects may nest in any JSON the SDK decodes (`[]` is depth 1). Real
/// Impilo documents nest fewer than 10 levels; anything past this is refused as malformed.
inline constexpr std::size_t max_json_depth = 256;

/// True when no array or object in @p text nests deeper than @p limit levels.
///
/// One forward pass over the bytes with no recursion and no allocation. Brackets inside strings
/// (escaped quotes included) do not count. Nothing else is validated: a parser still has to run,
/// and reports syntax errors itself; stray closing brackets never make the depth negative.
IMPILO_EXPORT bool check_json_depth(std::string_view text,
                                    std::size_t limit = max_json_depth) noexcept;

/// The one description of a document past the limit, for every decoder's error (it never quotes
/// the document).
inline std::string too_deep_detail() {
  return "nested deeper than " + std::to_string(max_json_depth) + " levels of arrays and objects";
}

}  // namespace impilo::detail
