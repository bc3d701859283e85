#pragma once

/// @file
/// What every model is built from: `UnknownFields`, which keeps the JSON members the SDK does not
/// model, and `OpenEnum`, an enumeration the server may extend, with the API's enumerations.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply.

#include <array>
#include <cstddef>
#include <impilo/export.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

}  // namespace impilo
