#pragma once

// The one table that says which JSON member each model field is. JSON encoding, decoding and
// equality are all derived from it, so a field added here is handled everywhere at once.

#include <impilo/models.hpp>
#include <string_view>
#include <tuple>

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

IMPILO_MODEL_FIELDS(Page<Order>, field("content", &T::content), field("page", &T::page),
                    field("size", &T::size), field("total", &T::total), field("first", &T::first),
                    field("last", &T::last))

#undef IMPILO_MODEL_FIELDS

}  // namespace impilo::detail

namespace impilo {
/// Grants the codec write access to `UnknownFields`' canonical text.
struct UnknownFieldsAccess {
  static std::string& text(UnknownFields& u) { return u.text_; }
};
}  // namespace impilo
