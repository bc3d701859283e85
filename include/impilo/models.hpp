#pragma once

/// @file
/// The Impilo order API's data model: plain aggregates that mirror the JSON documents.
///
/// Conventions, the same for every type here:
/// - A field's name is the JSON name in snake_case (`zipCode` -> `zip_code`).
/// - Every scalar the API may omit is a `std::optional`; `std::nullopt` means "absent". A JSON
///   `null` decodes to absent, and an absent field is left out when encoding (never sent as null).
/// - Lists are `std::optional<std::vector<T>>`, so an absent list and an empty list stay apart and
///   a decoded document re-encodes exactly.
/// - `unknown_fields` keeps every JSON member the SDK does not model, so a document decoded and
///   encoded again loses nothing; on a request it lets you send a field the SDK does not know yet.
/// - Closed-looking enumerations (`ShippingOption`, `OrderStatus`, `Sex`, `DeviceStatus`) are
///   open: they hold either a value the SDK knows or the raw string the server sent.
///
/// JSON conversion lives in `<impilo/json.hpp>`; client-side checks in `<impilo/validation.hpp>`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <impilo/export.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo {

/// JSON members that the SDK does not model, kept verbatim so that nothing is lost.
///
/// Holds the members as the compact text of one JSON object (`{"size":"L","itemClass":"x"}`), or
/// nothing. Decoding fills it; encoding merges its members back into the object. A member whose
/// name the model knows is ignored on encode (the typed field wins), so this cannot be used to
/// override a modelled field.
class IMPILO_EXPORT UnknownFields {
 public:
  /// No unknown members.
  UnknownFields() = default;

  /// Builds from the text of a JSON object such as `{"newField": 1}`.
  /// @throws impilo::DecodeError if @p json_object_text is not a JSON object, or nests deeper than
  ///         256 levels.
  static UnknownFields from_json_text(std::string_view json_object_text);

  /// True when there are no unknown members.
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }

  /// The members as the text of one JSON object, or an empty string when there are none.
  [[nodiscard]] const std::string& json_text() const noexcept { return text_; }

  /// Equal when both hold the same members with the same values (compared as canonical text).
  friend bool operator==(const UnknownFields& a, const UnknownFields& b) noexcept {
    return a.text_ == b.text_;
  }
  /// Negation of `==`.
  friend bool operator!=(const UnknownFields& a, const UnknownFields& b) noexcept {
    return !(a == b);
  }

 private:
  friend struct UnknownFieldsAccess;
  std::string text_;  // canonical (sorted, compact) JSON object text, or empty
};

namespace detail {
/// Maps an enumeration to its wire strings; specialised below for each open enum.
template <typename E>
struct EnumNames;
}  // namespace detail

/// An enumeration the server may extend: a value the SDK knows, or the raw string it sent.
///
/// Decoding never fails on an unknown string; the string is kept and encoded back unchanged.
/// Compare against a known value with `==` (`order.current_status ==
/// OrderStatusValue::available_for_pickup`) or switch over `known()`.
///
/// In a request, `impilo::validate` reports a value the SDK does not know (`"Standard"` for
/// `shippingOption` is a typo the server would refuse). To send a value newer than this SDK on
/// purpose, build it with `deliberate()`: `req.shipping_option =
/// ShippingOption::deliberate("drone");`.
template <typename E>
class OpenEnum {
 public:
  /// The empty string: not a known value. Exists so that models stay default-constructible.
  OpenEnum() = default;

  /// A known value. Implicit, so `req.shipping_option = ShippingOptionValue::standard;` works.
  OpenEnum(E value)  // NOLINT(google-explicit-constructor): a known value is always valid
      : raw_(detail::EnumNames<E>::names.at(static_cast<std::size_t>(value))) {}

  /// Any wire string, known or not (`OpenEnum<E>::from_string("inTransit")`). In a request, a
  /// string the SDK does not know is reported by `impilo::validate`; see `deliberate()`.
  static OpenEnum from_string(std::string raw) {
    OpenEnum result;
    result.raw_ = std::move(raw);
    return result;
  }

  /// A wire string sent on purpose although this SDK version may not know it (a value the API
  /// added later): `impilo::validate` accepts it without checking. It encodes like any other
  /// value; decoding never produces one, and `==` ignores the mark.
  static OpenEnum deliberate(std::string raw) {
    OpenEnum result = from_string(std::move(raw));
    result.deliberate_ = true;
    return result;
  }

  /// The known value, or `std::nullopt` for a string this SDK version does not know.
  [[nodiscard]] std::optional<E> known() const noexcept {
    const auto& names = detail::EnumNames<E>::names;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == raw_) return static_cast<E>(i);
    }
    return std::nullopt;
  }

  /// True when `known()` has a value.
  [[nodiscard]] bool is_known() const noexcept { return known().has_value(); }

  /// The wire string, exactly as sent or received.
  [[nodiscard]] const std::string& str() const noexcept { return raw_; }

  /// True when built by `deliberate()`: `impilo::validate` does not check the value.
  [[nodiscard]] bool is_deliberate() const noexcept { return deliberate_; }

  /// Equal when the wire strings are equal (whether either is `deliberate()` does not matter).
  friend bool operator==(const OpenEnum& a, const OpenEnum& b) noexcept { return a.raw_ == b.raw_; }
  /// Negation of `==`.
  friend bool operator!=(const OpenEnum& a, const OpenEnum& b) noexcept { return !(a == b); }
  /// True when this holds the known value @p b.
  friend bool operator==(const OpenEnum& a, E b) noexcept { return a == OpenEnum(b); }
  /// Negation of `==`.
  friend bool operator!=(const OpenEnum& a, E b) noexcept { return !(a == b); }

 private:
  std::string raw_;
  bool deliberate_{false};
};

/// Shipping speeds the API documents.
enum class ShippingOptionValue { standard, overnight };
/// Order statuses the API documents (the list is open; the server sends others).
enum class OrderStatusValue { available_for_pickup };
/// A patient's sex as the API documents it.
enum class SexValue { other, female, male, unknown };
/// Device statuses seen in the API's documentation (open).
enum class DeviceStatusValue { available_at_site, with_patient, available, decommissioned };

namespace detail {
template <>
struct EnumNames<ShippingOptionValue> {
  static constexpr std::array<std::string_view, 2> names{"standard", "overnight"};
};
template <>
struct EnumNames<OrderStatusValue> {
  static constexpr std::array<std::string_view, 1> names{"availableForPickup"};
};
template <>
struct EnumNames<SexValue> {
  static constexpr std::array<std::string_view, 4> names{"other", "female", "male", "unknown"};
};
template <>
struct EnumNames<DeviceStatusValue> {
  static constexpr std::array<std::string_view, 4> names{"availableAtSite", "withPatient",
                                                         "available", "decommissioned"};
};
}  // namespace detail

/// `shippingOption`: `standard`, `overnight`, or a newer value kept as sent.
using ShippingOption = OpenEnum<ShippingOptionValue>;
/// `currentStatus` of an order: `availableForPickup`, or any other status kept as sent.
using OrderStatus = OpenEnum<OrderStatusValue>;
/// `sex` of a patient: `other`, `female`, `male`, `unknown`, or a newer value kept as sent.
using Sex = OpenEnum<SexValue>;
/// `currentStatus` of a device: `availableAtSite`, `withPatient`, ... or any value kept as sent.
using DeviceStatus = OpenEnum<DeviceStatusValue>;

/// A postal address. When an address is given for a new patient, `line_one`, `city`, `state`,
/// `zip_code` and `country` are required (see `impilo::validate`).
struct Address {
  std::optional<std::string> line_one;    ///< `lineOne`
  std::optional<std::string> line_two;    ///< `lineTwo`
  std::optional<std::string> line_three;  ///< `lineThree`
  std::optional<std::string> city;        ///< `city`
  std::optional<std::string> state;       ///< `state`
  std::optional<std::string> zip_code;    ///< `zipCode`
  std::optional<std::string> country;     ///< `country`
  std::optional<std::string> note;        ///< `note`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// Field-by-field equality of two `Address`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Address& a, const Address& b);
/// Negation of `==`.
inline bool operator!=(const Address& a, const Address& b) {
  return !(a == b);
}

/// A customer-managed location. On an order, only `id` is used to find it.
struct Site {
  std::optional<std::int64_t> id;           ///< `id`: required on a site order.
  std::optional<std::string> name;          ///< `name` (never used to find or create a site)
  std::optional<bool> active;               ///< `active`
  std::optional<std::string> phone_number;  ///< `phoneNumber`
  std::optional<Address> address;           ///< `address` (never used to find or create a site)
  UnknownFields unknown_fields;             ///< Members the SDK does not model.

  /// A reference to an existing site, the only form an order needs.
  static Site with_id(std::int64_t site_id) {
    Site s;
    s.id = site_id;
    return s;
  }
};

/// Field-by-field equality of two `Site`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Site& a, const Site& b);
/// Negation of `==`.
inline bool operator!=(const Site& a, const Site& b) {
  return !(a == b);
}

/// A patient. On an order, an existing patient needs only `id`; a patient without `id` is created
/// with the order and needs `first_name`, `last_name` and a full `address`.
struct Patient {
  std::optional<std::int64_t> id;                  ///< `id`
  std::optional<std::string> external_identifier;  ///< `externalIdentifier`
  std::optional<std::string> first_name;           ///< `firstName`
  std::optional<std::string> last_name;            ///< `lastName`
  std::optional<std::string> date_of_birth;        ///< `dateOfBirth` (`YYYY-MM-DD`, kept as sent)
  std::optional<std::string> email;                ///< `email`
  std::optional<std::string> phone_number;         ///< `phoneNumber`
  std::optional<bool> archived;                    ///< `archived`
  std::optional<Address> address;                  ///< `address`
  std::optional<Site> site;      ///< `site`: must exist and be active for a new patient
  std::optional<bool> enrolled;  ///< `enrolled`
  std::optional<Sex> sex;        ///< `sex`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.

  /// A reference to an existing patient, the only form an order for that patient needs.
  static Patient with_id(std::int64_t patient_id) {
    Patient p;
    p.id = patient_id;
    return p;
  }
};

/// Field-by-field equality of two `Patient`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Patient& a, const Patient& b);
/// Negation of `==`.
inline bool operator!=(const Patient& a, const Patient& b) {
  return !(a == b);
}

/// The maker of an item.
struct Manufacturer {
  std::optional<std::int64_t> id;   ///< `id`
  std::optional<std::string> name;  ///< `name`
  UnknownFields unknown_fields;     ///< Members the SDK does not model.
};

/// Field-by-field equality of two `Manufacturer`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Manufacturer& a, const Manufacturer& b);
/// Negation of `==`.
inline bool operator!=(const Manufacturer& a, const Manufacturer& b) {
  return !(a == b);
}

/// A catalogue item (a device model or an accessory). On an order, only `id` is used. Newer
/// responses carry more members (`deviceIdentifierType`, `itemClass`, `size`, ...): they are kept
/// in `unknown_fields`.
struct Item {
  std::optional<std::int64_t> id;            ///< `id`
  std::optional<Manufacturer> manufacturer;  ///< `manufacturer`
  std::optional<std::string> name;           ///< `name`
  std::optional<std::string> model;          ///< `model`
  std::optional<std::string> sku;            ///< `sku`
  std::optional<bool> orderable;             ///< `orderable`
  UnknownFields unknown_fields;              ///< Members the SDK does not model.

  /// A reference to a catalogue item, the only form an order needs.
  static Item with_id(std::int64_t item_id) {
    Item i;
    i.id = item_id;
    return i;
  }
};

/// Field-by-field equality of two `Item`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Item& a, const Item& b);
/// Negation of `==`.
inline bool operator!=(const Item& a, const Item& b) {
  return !(a == b);
}

/// One line of a kit's contents: which item, how many.
struct KitItem {
  std::optional<Item> item;           ///< `item`
  std::optional<std::int64_t> count;  ///< `count`
  UnknownFields unknown_fields;       ///< Members the SDK does not model.
};

/// Field-by-field equality of two `KitItem`s, unknown fields included.
IMPILO_EXPORT bool operator==(const KitItem& a, const KitItem& b);
/// Negation of `==`.
inline bool operator!=(const KitItem& a, const KitItem& b) {
  return !(a == b);
}

/// A kit: a bundle of items shipped together. On an order, only `id` is used.
struct Kit {
  std::optional<std::int64_t> id;                 ///< `id`
  std::optional<std::string> name;                ///< `name`
  std::optional<bool> archived;                   ///< `archived`
  std::optional<std::vector<KitItem>> kit_items;  ///< `kitItems`
  UnknownFields unknown_fields;                   ///< Members the SDK does not model.

  /// A reference to a catalogue kit, the only form an order needs.
  static Kit with_id(std::int64_t kit_id) {
    Kit k;
    k.id = kit_id;
    return k;
  }
};

/// Field-by-field equality of two `Kit`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Kit& a, const Kit& b);
/// Negation of `==`.
inline bool operator!=(const Kit& a, const Kit& b) {
  return !(a == b);
}

/// A line of an order: an item and how many (`count` must be at least 1 on a create).
struct OrderItem {
  std::optional<Item> item;           ///< `item`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"item": {"id": item_id}, "count": count}`.
  static OrderItem of(std::int64_t item_id, std::int64_t count) {
    OrderItem line;
    line.item = Item::with_id(item_id);
    line.count = count;
    return line;
  }
};

/// Field-by-field equality of two `OrderItem`s, unknown fields included.
IMPILO_EXPORT bool operator==(const OrderItem& a, const OrderItem& b);
/// Negation of `==`.
inline bool operator!=(const OrderItem& a, const OrderItem& b) {
  return !(a == b);
}

/// A kit line of an order: a kit and how many (`count` must be at least 1 on a create).
struct OrderKit {
  std::optional<Kit> kit;             ///< `kit`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"kit": {"id": kit_id}, "count": count}`.
  static OrderKit of(std::int64_t kit_id, std::int64_t count) {
    OrderKit line;
    line.kit = Kit::with_id(kit_id);
    line.count = count;
    return line;
  }
};

/// Field-by-field equality of two `OrderKit`s, unknown fields included.
IMPILO_EXPORT bool operator==(const OrderKit& a, const OrderKit& b);
/// Negation of `==`.
inline bool operator!=(const OrderKit& a, const OrderKit& b) {
  return !(a == b);
}

/// A status update in an order's history.
struct OrderEvent {
  std::optional<std::string> name;  ///< `name`
  std::optional<std::string>
      event_timestamp;           ///< `eventTimestamp` (format undocumented; kept as sent)
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

/// Field-by-field equality of two `OrderEvent`s, unknown fields included.
IMPILO_EXPORT bool operator==(const OrderEvent& a, const OrderEvent& b);
/// Negation of `==`.
inline bool operator!=(const OrderEvent& a, const OrderEvent& b) {
  return !(a == b);
}

/// A user of the Impilo portal (the author of a note).
struct User {
  std::optional<std::int64_t> id;         ///< `id`
  std::optional<std::string> first_name;  ///< `firstName`
  std::optional<std::string> last_name;   ///< `lastName`
  std::optional<std::string> email;       ///< `email`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// Field-by-field equality of two `User`s, unknown fields included.
IMPILO_EXPORT bool operator==(const User& a, const User& b);
/// Negation of `==`.
inline bool operator!=(const User& a, const User& b) {
  return !(a == b);
}

/// A note attached to an order. On a create, only `note` is meaningful.
struct OrderNote {
  std::optional<std::string> note;        ///< `note`
  std::optional<std::string> created_at;  ///< `createdAt`
  std::optional<User> created_by;         ///< `createdBy`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// Field-by-field equality of two `OrderNote`s, unknown fields included.
IMPILO_EXPORT bool operator==(const OrderNote& a, const OrderNote& b);
/// Negation of `==`.
inline bool operator!=(const OrderNote& a, const OrderNote& b) {
  return !(a == b);
}

/// A shipment's tracking number.
struct TrackingNumber {
  std::optional<std::string> carrier;  ///< `carrier`
  std::optional<std::string> value;    ///< `value`
  UnknownFields unknown_fields;        ///< Members the SDK does not model.
};

/// Field-by-field equality of two `TrackingNumber`s, unknown fields included.
IMPILO_EXPORT bool operator==(const TrackingNumber& a, const TrackingNumber& b);
/// Negation of `==`.
inline bool operator!=(const TrackingNumber& a, const TrackingNumber& b) {
  return !(a == b);
}

/// One identifier of a device (serial number, IMEI, ...).
struct DeviceIdentifier {
  std::optional<std::string> type;   ///< `type`
  std::optional<std::string> value;  ///< `value`
  UnknownFields unknown_fields;      ///< Members the SDK does not model.
};

/// Field-by-field equality of two `DeviceIdentifier`s, unknown fields included.
IMPILO_EXPORT bool operator==(const DeviceIdentifier& a, const DeviceIdentifier& b);
/// Negation of `==`.
inline bool operator!=(const DeviceIdentifier& a, const DeviceIdentifier& b) {
  return !(a == b);
}

/// An event in a device's history.
struct DeviceEvent {
  std::optional<std::string> type;             ///< `type`
  std::optional<std::string> event_timestamp;  ///< `eventTimestamp`
  UnknownFields unknown_fields;                ///< Members the SDK does not model.
};

/// Field-by-field equality of two `DeviceEvent`s, unknown fields included.
IMPILO_EXPORT bool operator==(const DeviceEvent& a, const DeviceEvent& b);
/// Negation of `==`.
inline bool operator!=(const DeviceEvent& a, const DeviceEvent& b) {
  return !(a == b);
}

/// A physical device (one unit of an item).
struct Device {
  std::optional<std::int64_t> id;                                   ///< `id`
  std::optional<Item> item;                                         ///< `item`
  std::optional<DeviceStatus> current_status;                       ///< `currentStatus`
  std::optional<bool> used;                                         ///< `used`
  std::optional<Patient> current_patient;                           ///< `currentPatient`
  std::optional<Site> site;                                         ///< `site`
  std::optional<std::string> last_health_check;                     ///< `lastHealthCheck`
  std::optional<std::vector<DeviceIdentifier>> device_identifiers;  ///< `deviceIdentifiers`
  std::optional<std::vector<DeviceEvent>> device_events;            ///< `deviceEvents`
  std::optional<std::string> external_identifier;                   ///< `externalIdentifier`
  std::optional<bool> disabled_readings;                            ///< `disabledReadings`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

/// Field-by-field equality of two `Device`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Device& a, const Device& b);
/// Negation of `==`.
inline bool operator!=(const Device& a, const Device& b) {
  return !(a == b);
}

/// A kit as packed for shipment, with the devices inside it.
struct PackedKit {
  std::optional<Kit> kit;                      ///< `kit`
  std::optional<std::vector<Device>> devices;  ///< `devices`
  UnknownFields unknown_fields;                ///< Members the SDK does not model.
};

/// Field-by-field equality of two `PackedKit`s, unknown fields included.
IMPILO_EXPORT bool operator==(const PackedKit& a, const PackedKit& b);
/// Negation of `==`.
inline bool operator!=(const PackedKit& a, const PackedKit& b) {
  return !(a == b);
}

/// An element of `returnItems`: items the patient or site sends back. The API does not publish
/// this schema; the SDK models the shape of an order line and keeps anything else it receives.
struct ReturnItem {
  std::optional<Item> item;           ///< `item`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"item": {"id": item_id}, "count": count}`.
  static ReturnItem of(std::int64_t item_id, std::int64_t count) {
    ReturnItem line;
    line.item = Item::with_id(item_id);
    line.count = count;
    return line;
  }
};

/// Field-by-field equality of two `ReturnItem`s, unknown fields included.
IMPILO_EXPORT bool operator==(const ReturnItem& a, const ReturnItem& b);
/// Negation of `==`.
inline bool operator!=(const ReturnItem& a, const ReturnItem& b) {
  return !(a == b);
}

/// An element of `returnDevices` (and of a returned packed kit's `devices`): a device sent back,
/// named by `id`. The schema is unpublished; whatever else the server sends is kept.
struct ReturnDevice {
  std::optional<std::int64_t> id;  ///< `id`: required on a create.
  UnknownFields unknown_fields;    ///< Members the SDK does not model.

  /// `{"id": device_id}`.
  static ReturnDevice of(std::int64_t device_id) {
    ReturnDevice d;
    d.id = device_id;
    return d;
  }
};

/// Field-by-field equality of two `ReturnDevice`s, unknown fields included.
IMPILO_EXPORT bool operator==(const ReturnDevice& a, const ReturnDevice& b);
/// Negation of `==`.
inline bool operator!=(const ReturnDevice& a, const ReturnDevice& b) {
  return !(a == b);
}

/// An element of `returnPackedKits`: a packed kit sent back with the devices inside it. A device
/// must not appear both here and in `returnDevices`.
struct ReturnPackedKit {
  std::optional<Kit> kit;                            ///< `kit`
  std::optional<std::vector<ReturnDevice>> devices;  ///< `devices`
  UnknownFields unknown_fields;                      ///< Members the SDK does not model.
};

/// Field-by-field equality of two `ReturnPackedKit`s, unknown fields included.
IMPILO_EXPORT bool operator==(const ReturnPackedKit& a, const ReturnPackedKit& b);
/// Negation of `==`.
inline bool operator!=(const ReturnPackedKit& a, const ReturnPackedKit& b) {
  return !(a == b);
}

/// An order as the server returns it. Every field may be absent: the API documents each as
/// optional or nullable.
struct Order {
  std::optional<std::int64_t> id;                                  ///< `id`
  std::optional<std::vector<std::string>> external_order_ids;      ///< `externalOrderIds`
  std::optional<Patient> patient;                                  ///< `patient`
  std::optional<Site> site;                                        ///< `site`
  std::optional<OrderStatus> current_status;                       ///< `currentStatus`
  std::optional<std::vector<OrderItem>> order_items;               ///< `orderItems`
  std::optional<std::vector<OrderKit>> order_kits;                 ///< `orderKits`
  std::optional<std::vector<OrderEvent>> order_events;             ///< `orderEvents`
  std::optional<std::vector<OrderNote>> order_notes;               ///< `orderNotes`
  std::optional<std::vector<TrackingNumber>> tracking_numbers;     ///< `trackingNumbers`
  std::optional<std::vector<Device>> devices;                      ///< `devices`
  std::optional<std::vector<PackedKit>> packed_kits;               ///< `packedKits`
  std::optional<ShippingOption> shipping_option;                   ///< `shippingOption`
  std::optional<bool> email_label;                                 ///< `emailLabel`
  std::optional<std::vector<ReturnItem>> return_items;             ///< `returnItems`
  std::optional<std::vector<ReturnDevice>> return_devices;         ///< `returnDevices`
  std::optional<std::vector<ReturnPackedKit>> return_packed_kits;  ///< `returnPackedKits`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

/// Field-by-field equality of two `Order`s, unknown fields included.
IMPILO_EXPORT bool operator==(const Order& a, const Order& b);
/// Negation of `==`.
inline bool operator!=(const Order& a, const Order& b) {
  return !(a == b);
}

/// The body of `POST /api/v3/order`.
///
/// Exactly one of `patient` and `site`; at least one non-empty content list (`order_items`,
/// `order_kits`, `return_items`, `return_devices`, `return_packed_kits`); `shipping_option` when
/// returns are included and `email_label` is not true. `impilo::validate` checks every rule that
/// needs no server, and `Client::create_order` refuses to send a request that breaks one.
struct CreateOrderRequest {
  std::optional<std::vector<std::string>> external_order_ids;  ///< `externalOrderIds`
  std::optional<Patient> patient;                              ///< `patient`
  std::optional<Site> site;                                    ///< `site`
  std::optional<std::vector<OrderItem>> order_items;           ///< `orderItems`
  std::optional<std::vector<OrderKit>> order_kits;             ///< `orderKits`
  std::optional<std::vector<OrderNote>> order_notes;           ///< `orderNotes`
  std::optional<ShippingOption> shipping_option;               ///< `shippingOption`
  std::optional<bool> email_label;                      ///< `emailLabel` (server default: false)
  std::optional<std::vector<ReturnItem>> return_items;  ///< `returnItems`
  std::optional<std::vector<ReturnDevice>> return_devices;         ///< `returnDevices`
  std::optional<std::vector<ReturnPackedKit>> return_packed_kits;  ///< `returnPackedKits`
  UnknownFields
      unknown_fields;  ///< Extra members sent as they are (a field the SDK does not know yet).
};

/// Field-by-field equality of two `CreateOrderRequest`s, unknown fields included.
IMPILO_EXPORT bool operator==(const CreateOrderRequest& a, const CreateOrderRequest& b);
/// Negation of `==`.
inline bool operator!=(const CreateOrderRequest& a, const CreateOrderRequest& b) {
  return !(a == b);
}

/// One page of a list call: `{"content": [...], "page": 1, "size": 15, "total": 37, "first": true,
/// "last": false}`. `page` is 1-based; `total` counts matching objects, not pages.
template <typename T>
struct Page {
  std::vector<T> content;             ///< `content`: the objects on this page (empty when absent).
  std::optional<std::int64_t> page;   ///< `page`: 1-based page number, as the server sent it.
  std::optional<std::int64_t> size;   ///< `size`: the page size asked for.
  std::optional<std::int64_t> total;  ///< `total`: how many objects match, over all pages.
  std::optional<bool> first;          ///< `first`: this is the first page.
  std::optional<bool> last;           ///< `last`: this is the last page.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// Field-by-field equality, unknown fields included.
  friend bool operator==(const Page& a, const Page& b) {
    return a.content == b.content && a.page == b.page && a.size == b.size && a.total == b.total &&
           a.first == b.first && a.last == b.last && a.unknown_fields == b.unknown_fields;
  }
  /// Negation of `==`.
  friend bool operator!=(const Page& a, const Page& b) { return !(a == b); }
};

/// @name Printing
/// `std::cout << order` writes a model as compact JSON, exactly what `to_json_text` returns:
/// members in sorted order, absent fields left out, unknown members included. Meant for debugging
/// and tests: models hold patient names and addresses, so print them only where health data may go.
/// @{
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Address&);             ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Site&);                ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Patient&);             ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Manufacturer&);        ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Item&);                ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const KitItem&);             ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Kit&);                 ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const OrderItem&);           ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const OrderKit&);            ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const OrderEvent&);          ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const User&);                ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const OrderNote&);           ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const TrackingNumber&);      ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const DeviceIdentifier&);    ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const DeviceEvent&);         ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Device&);              ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const PackedKit&);           ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const ReturnItem&);          ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const ReturnDevice&);        ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const ReturnPackedKit&);     ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Order&);               ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const CreateOrderRequest&);  ///< As JSON.
IMPILO_EXPORT std::ostream& operator<<(std::ostream&, const Page<Order>&);         ///< As JSON.
/// @}

}  // namespace impilo
