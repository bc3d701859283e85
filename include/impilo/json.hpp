#pragma once

/// @file
/// JSON conversion for every model, through nlohmann::json's ADL hooks, and text helpers that need
/// no nlohmann include at all.
///
/// ```cpp
/// #include <nlohmann/json.hpp>
/// #include <impilo/json.hpp>
/// nlohmann::json j = order;                 // encode
/// auto again = j.get<impilo::Order>();      // decode; throws impilo::DecodeError on a wrong type
/// ```
///
/// Decoding is tolerant about what it does not know and strict about what it does: unknown members
/// and unknown enum strings are kept (and encoded back unchanged), `null` means absent, but a known
/// member of the wrong JSON type throws `impilo::DecodeError` naming its JSON pointer
/// (`/orderItems/2/count: expected integer, got string`). Encoding leaves absent fields out.

#include <impilo/export.hpp>
#include <impilo/model_list.hpp>
#include <impilo/models.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

/// Declares nlohmann's converters of one model.
#define IMPILO_JSON_DECLARE_CONVERTERS(Type)                                           \
  IMPILO_EXPORT void to_json(nlohmann::json& j, const Type& value);   /**< Encodes. */ \
  IMPILO_EXPORT void from_json(const nlohmann::json& j, Type& value); /**< Decodes. */

/// Declares nlohmann's converters of one page.
#define IMPILO_JSON_DECLARE_PAGE_CONVERTERS(Type) IMPILO_JSON_DECLARE_CONVERTERS(Page<Type>)

namespace impilo {

/// @name nlohmann::json conversions (found by ADL)
/// For every type of `IMPILO_MODEL_LIST` (`<impilo/model_list.hpp>`). `to_json` writes every
/// present field and the unknown members; `from_json` replaces the whole value and throws
/// `impilo::DecodeError` when @p j (or a member) has the wrong JSON type, nests deeper than 256
/// levels (checked without recursion, before decoding), or holds a string that is not UTF-8 in a
/// member the SDK does not model.
/// @{
IMPILO_MODEL_LIST(IMPILO_JSON_DECLARE_CONVERTERS, IMPILO_JSON_DECLARE_PAGE_CONVERTERS)
/// @}

/// Parses JSON text into a model, without including nlohmann in your code.
///
/// Defined (instantiated in the library) for every type of `IMPILO_MODEL_LIST`
/// (`<impilo/model_list.hpp>`: every model of `<impilo/models.hpp>`, `Page<Order>` and
/// `Page<WebhookLog>`); any other `T` fails to link.
/// @throws impilo::DecodeError when @p json_text is not JSON (pointer `""`; the message gives the
///         byte offset but never the text itself), nests arrays and objects deeper than 256
///         levels (checked before parsing), holds a number out of range (`1e400`), or a member
///         has the wrong type.
template <typename T>
IMPILO_EXPORT T from_json_text(std::string_view json_text);

/// Encodes a model as compact JSON text, members in sorted order, absent fields left out.
///
/// Defined for the same types as `from_json_text`.
/// @throws impilo::ValidationError (code `invalid_data`, one violation per field) when a string
///         is not valid UTF-8, which JSON cannot carry.
template <typename T>
IMPILO_EXPORT std::string to_json_text(const T& value);

}  // namespace impilo
