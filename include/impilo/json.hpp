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
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace impilo {

/// @name nlohmann::json conversions (found by ADL)
/// `to_json` writes every present field and the unknown members; `from_json` replaces the whole
/// value and throws `impilo::DecodeError` when @p j (or a member) has the wrong JSON type.
/// @{
IMPILO_EXPORT void to_json(nlohmann::json& j, const Address& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Address& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Site& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Site& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Patient& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Patient& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Manufacturer& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Manufacturer& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Item& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Item& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const KitItem& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, KitItem& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Kit& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Kit& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderItem& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderItem& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderKit& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderKit& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderEvent& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderEvent& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const User& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, User& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const OrderNote& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, OrderNote& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const TrackingNumber& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, TrackingNumber& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const DeviceIdentifier& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, DeviceIdentifier& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const DeviceEvent& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, DeviceEvent& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Device& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Device& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const PackedKit& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, PackedKit& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnItem& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnItem& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnDevice& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnDevice& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const ReturnPackedKit& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, ReturnPackedKit& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Order& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Order& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const CreateOrderRequest& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, CreateOrderRequest& value);
IMPILO_EXPORT void to_json(nlohmann::json& j, const Page<Order>& value);
IMPILO_EXPORT void from_json(const nlohmann::json& j, Page<Order>& value);
/// @}

/// Parses JSON text into a model, without including nlohmann in your code.
///
/// Defined (instantiated in the library) for every model type of `<impilo/models.hpp>` and for
/// `Page<Order>`; any other `T` fails to link.
/// @throws impilo::DecodeError when @p json_text is not JSON (pointer `""`; the message gives the
///         byte offset but never the text itself) or a member has the wrong type.
template <typename T>
IMPILO_EXPORT T from_json_text(std::string_view json_text);

/// Encodes a model as compact JSON text, members in sorted order, absent fields left out.
///
/// Defined for the same types as `from_json_text`.
template <typename T>
IMPILO_EXPORT std::string to_json_text(const T& value);

}  // namespace impilo
