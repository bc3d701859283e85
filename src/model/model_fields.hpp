#pragma once

// The one table that says which JSON member each model field is. JSON encoding, decoding and
// equality are all derived from it, so a field added here is handled everywhere at once. Which
// types have a table is the model list (IMPILO_MODEL_LIST, <impilo/model_list.hpp>): every listed
// type must have one here, which the static_asserts at the end check.

#include <cstdint>
#include <impilo/model_list.hpp>
#include <impilo/models.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace impilo::detail {

/// One modelled member: its JSON name and the C++ field that holds it.
template <typename Class, typename Member>
struct Field {
  std::string_view name;
  Member Class::*member;
};

template <typename Class, typename Member>
constexpr Field<Class, Member> field(std::string_view name, Member Class::*member) {
  return {name, member};
}

/// `fields_of<T>()` returns a tuple of `Field`s for model `T`, in the API's documented order.
template <typename T>
struct ModelFields;

template <typename T>
constexpr auto fields_of() {
  return ModelFields<T>::get();
}

/// Calls `f(field)` for every modelled field of `T`.
template <typename T, typename F>
constexpr void for_each_field(F&& f) {
  std::apply([&](const auto&... each) { (f(each), ...); }, fields_of<T>());
}

/// Field-by-field equality of two models, unknown fields included.
template <typename T>
bool fields_equal(const T& a, const T& b) {
  bool equal = a.unknown_fields == b.unknown_fields;
  for_each_field<T>([&](const auto& f) { equal = equal && a.*(f.member) == b.*(f.member); });
  return equal;
}

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

template <typename T>
struct IsOpenEnum : std::false_type {};
template <typename E>
struct IsOpenEnum<OpenEnum<E>> : std::true_type {};

/// Calls `f(pointer, text)` for every string @p value holds (string fields, open enum values, list
/// elements, nested models), in field order. @p pointer is the JSON pointer of @p value; it is
/// grown and restored as the walk descends. Unknown members are not visited: they are JSON text
/// the SDK parsed, so already valid.
template <typename T, typename F>
void for_each_string(const T& value, std::string& pointer, F&& f) {
  if constexpr (std::is_same_v<T, std::string>) {
    f(static_cast<const std::string&>(pointer), value);
  } else if constexpr (IsOpenEnum<T>::value) {
    f(static_cast<const std::string&>(pointer), value.str());
  } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t>) {
  } else if constexpr (IsOptional<T>::value) {
    if (value) for_each_string(*value, pointer, f);
  } else if constexpr (IsVector<T>::value) {
    const std::size_t size = pointer.size();
    for (std::size_t i = 0; i < value.size(); ++i) {
      pointer += '/';
      pointer += std::to_string(i);
      for_each_string(value[i], pointer, f);
      pointer.resize(size);
    }
  } else {
    const std::size_t size = pointer.size();
    for_each_field<T>([&](const auto& field) {
      pointer += '/';  // member names are our camelCase constants: nothing to escape
      pointer += field.name;
      for_each_string(value.*(field.member), pointer, f);
      pointer.resize(size);
    });
  }
}

/// True when @p text is well-formed UTF-8 (no overlong forms, no surrogates, nothing past
/// U+10FFFF): what JSON text may carry.
inline bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte, which rule out overlongs/surrogates
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return false;
    }
    i += length;
  }
  return true;
}

#define IMPILO_MODEL_FIELDS(Type, ...)                                   \
  template <>                                                            \
  struct ModelFields<Type> {                                             \
    using T = Type;                                                      \
    static constexpr auto get() { return std::make_tuple(__VA_ARGS__); } \
  };

IMPILO_MODEL_FIELDS(Address, field("lineOne", &T::line_one), field("lineTwo", &T::line_two),
                    field("lineThree", &T::line_three), field("city", &T::city),
                    field("state", &T::state), field("zipCode", &T::zip_code),
                    field("country", &T::country), field("note", &T::note))

IMPILO_MODEL_FIELDS(Site, field("id", &T::id), field("name", &T::name), field("active", &T::active),
                    field("phoneNumber", &T::phone_number), field("address", &T::address))

IMPILO_MODEL_FIELDS(Patient, field("id", &T::id),
                    field("externalIdentifier", &T::external_identifier),
                    field("firstName", &T::first_name), field("lastName", &T::last_name),
                    field("dateOfBirth", &T::date_of_birth), field("email", &T::email),
                    field("phoneNumber", &T::phone_number), field("archived", &T::archived),
                    field("address", &T::address), field("site", &T::site),
                    field("enrolled", &T::enrolled), field("sex", &T::sex))

IMPILO_MODEL_FIELDS(Manufacturer, field("id", &T::id), field("name", &T::name))

IMPILO_MODEL_FIELDS(Item, field("id", &T::id), field("manufacturer", &T::manufacturer),
                    field("name", &T::name), field("model", &T::model), field("sku", &T::sku),
                    field("orderable", &T::orderable))

IMPILO_MODEL_FIELDS(KitItem, field("item", &T::item), field("count", &T::count))

IMPILO_MODEL_FIELDS(Kit, field("id", &T::id), field("name", &T::name),
                    field("archived", &T::archived), field("kitItems", &T::kit_items))

IMPILO_MODEL_FIELDS(OrderItem, field("item", &T::item), field("count", &T::count))

IMPILO_MODEL_FIELDS(OrderKit, field("kit", &T::kit), field("count", &T::count))

IMPILO_MODEL_FIELDS(OrderEvent, field("name", &T::name),
                    field("eventTimestamp", &T::event_timestamp))

IMPILO_MODEL_FIELDS(User, field("id", &T::id), field("firstName", &T::first_name),
                    field("lastName", &T::last_name), field("email", &T::email))

IMPILO_MODEL_FIELDS(OrderNote, field("note", &T::note), field("createdAt", &T::created_at),
                    field("createdBy", &T::created_by))

IMPILO_MODEL_FIELDS(TrackingNumber, field("carrier", &T::carrier), field("value", &T::value))

IMPILO_MODEL_FIELDS(DeviceIdentifier, field("type", &T::type), field("value", &T::value))

IMPILO_MODEL_FIELDS(DeviceEvent, field("type", &T::type),
                    field("eventTimestamp", &T::event_timestamp))

IMPILO_MODEL_FIELDS(Device, field("id", &T::id), field("item", &T::item),
                    field("currentStatus", &T::current_status), field("used", &T::used),
                    field("currentPatient", &T::current_patient), field("site", &T::site),
                    field("lastHealthCheck", &T::last_health_check),
                    field("deviceIdentifiers", &T::device_identifiers),
                    field("deviceEvents", &T::device_events),
                    field("externalIdentifier", &T::external_identifier),
                    field("disabledReadings", &T::disabled_readings))

IMPILO_MODEL_FIELDS(PackedKit, field("kit", &T::kit), field("devices", &T::devices))

IMPILO_MODEL_FIELDS(ReturnItem, field("item", &T::item), field("count", &T::count))

IMPILO_MODEL_FIELDS(ReturnDevice, field("id", &T::id))

IMPILO_MODEL_FIELDS(ReturnPackedKit, field("kit", &T::kit), field("devices", &T::devices))

IMPILO_MODEL_FIELDS(Order, field("id", &T::id), field("externalOrderIds", &T::external_order_ids),
                    field("patient", &T::patient), field("site", &T::site),
                    field("currentStatus", &T::current_status),
                    field("orderItems", &T::order_items), field("orderKits", &T::order_kits),
                    field("orderEvents", &T::order_events), field("orderNotes", &T::order_notes),
                    field("trackingNumbers", &T::tracking_numbers), field("devices", &T::devices),
                    field("packedKits", &T::packed_kits),
                    field("shippingOption", &T::shipping_option),
                    field("emailLabel", &T::email_label), field("returnItems", &T::return_items),
                    field("returnDevices", &T::return_devices),
                    field("returnPackedKits", &T::return_packed_kits))

IMPILO_MODEL_FIELDS(CreateOrderRequest, field("externalOrderIds", &T::external_order_ids),
                    field("patient", &T::patient), field("site", &T::site),
                    field("orderItems", &T::order_items), field("orderKits", &T::order_kits),
                    field("orderNotes", &T::order_notes),
                    field("shippingOption", &T::shipping_option),
                    field("emailLabel", &T::email_label), field("returnItems", &T::return_items),
                    field("returnDevices", &T::return_devices),
                    field("returnPackedKits", &T::return_packed_kits))

IMPILO_MODEL_FIELDS(Webhook, field("id", &T::id), field("type", &T::type), field("url", &T::url))

IMPILO_MODEL_FIELDS(WebhookSubscription, field("type", &T::type), field("url", &T::url))

IMPILO_MODEL_FIELDS(WebhookLog, field("id", &T::id), field("webhookId", &T::webhook_id),
                    field("webhookType", &T::webhook_type), field("webhookUrl", &T::webhook_url),
                    field("payload", &T::payload), field("createTimestamp", &T::create_timestamp),
                    field("lastResponseStatus", &T::last_response_status),
                    field("retryAttempts", &T::retry_attempts),
                    field("lastRetryTimestamp", &T::last_retry_timestamp))

#undef IMPILO_MODEL_FIELDS

/// Every page, whatever its content: one table.
template <typename Content>
struct ModelFields<Page<Content>> {
  using T = Page<Content>;
  static constexpr auto get() {
    return std::make_tuple(field("content", &T::content), field("page", &T::page),
                           field("size", &T::size), field("total", &T::total),
                           field("first", &T::first), field("last", &T::last));
  }
};

template <typename T, typename = void>
struct HasFieldTable : std::false_type {};
template <typename T>
struct HasFieldTable<T, std::void_t<decltype(ModelFields<T>::get())>> : std::true_type {};

// A model in the list without a table would fail deep inside the codec; say it here instead.
#define IMPILO_REQUIRE_FIELD_TABLE(Type)    \
  static_assert(HasFieldTable<Type>::value, \
                #Type " is in IMPILO_MODEL_LIST but has no field table");
#define IMPILO_REQUIRE_PAGE_FIELD_TABLE(Type) IMPILO_REQUIRE_FIELD_TABLE(Page<Type>)
IMPILO_MODEL_LIST(IMPILO_REQUIRE_FIELD_TABLE, IMPILO_REQUIRE_PAGE_FIELD_TABLE)
#undef IMPILO_REQUIRE_PAGE_FIELD_TABLE
#undef IMPILO_REQUIRE_FIELD_TABLE

}  // namespace impilo::detail

namespace impilo {
/// Grants the codec write access to `UnknownFields`' canonical text.
struct UnknownFieldsAccess {
  static std::string& text(UnknownFields& u) { return u.text_; }
};
}  // namespace impilo
