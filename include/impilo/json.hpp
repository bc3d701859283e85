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
#include <impilo/models.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace impilo {

/// @name nlohmann::json conversions (found by ADL)
/// `to_json` writes every present field and the unknown members; `from_json` replaces the whole
/// value and throws `impilo::DecodeError` when @p j (or a member) has the wrong JSON type, nests
/// deeper than 256 levels (checked without recursion, before decoding), or holds a string that is
/// not UTF-8 in a member the SDK does not model.
/// @{
IMPILO_EXPORT void to_json(nlohmann::json& j, const Address& value);               ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Address& value);             ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Site& value);                  ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Site& value);                ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Patient& value);               ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Patient& value);             ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Manufacturer& value);          ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Manufacturer& value);        ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Item& value);                  ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Item& value);                ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const KitItem& value);               ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, KitItem& value);             ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Kit& value);                   ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Kit& value);                 ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderItem& value);             ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderItem& value);           ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderKit& value);              ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderKit& value);            ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderEvent& value);            ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderEvent& value);          ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const User& value);                  ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, User& value);                ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderNote& value);             ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderNote& value);           ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const TrackingNumber& value);        ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, TrackingNumber& value);      ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const DeviceIdentifier& value);      ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, DeviceIdentifier& value);    ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const DeviceEvent& value);           ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, DeviceEvent& value);         ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Device& value);                ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Device& value);              ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const PackedKit& value);             ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, PackedKit& value);           ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnItem& value);            ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnItem& value);          ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnDevice& value);          ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnDevice& value);        ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnPackedKit& value);       ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnPackedKit& value);     ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Order& value);                 ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Order& value);               ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const CreateOrderRequest& value);    ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, CreateOrderRequest& value);  ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Page<Order>& value);           ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Page<Order>& value);         ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Webhook& value);               ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Webhook& value);             ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const WebhookSubscription& value);   ///< Encodes.
/// Decodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, WebhookSubscription& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const WebhookLog& value);            ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, WebhookLog& value);          ///< Decodes.
IMPILO_EXPORT void to_json(nlohmann::json& j, const Page<WebhookLog>& value);      ///< Encodes.
IMPILO_EXPORT void from_json(const nlohmann::json& j, Page<WebhookLog>& value);    ///< Decodes.
/// @}

/// Parses JSON text into a model, without including nlohmann in your code.
///
/// Defined (instantiated in the library) for every model type of `<impilo/models.hpp>`, for
/// `Page<Order>`, and for `Webhook`, `WebhookSubscription`, `WebhookLog` and `Page<WebhookLog>`
/// of `<impilo/webhooks.hpp>`; any other `T` fails to link.
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
