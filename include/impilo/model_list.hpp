#pragma once

/// @file
/// The model list: every type the SDK encodes and decodes, and the operators each one gets.
///
/// Every model `T` of `IMPILO_MODEL_LIST` gets, declared here from the list:
/// - `bool operator==(const T&, const T&)`: field-by-field equality, unknown fields included;
/// - `bool operator!=(const T&, const T&)`: its negation;
/// - `std::ostream& operator<<(std::ostream&, const T&)`: `T` as compact JSON;
///
/// and, in `<impilo/json.hpp>`, nlohmann's converters `to_json` and `from_json` (found by ADL),
/// `from_json_text<T>` and `to_json_text<T>`. Each listed page `Page<T>` gets the same, except that
/// `==` and `!=` are `Page`'s own, defined for any `T` (`<impilo/page.hpp>`).
///
/// The library defines all of these from the same list (src/model/models.cpp, src/json/json.cpp),
/// so they cannot drift apart. Adding a model is: its struct (in the header of the part it belongs
/// to), one line in `IMPILO_MODEL_LIST`, and its field table (src/model/model_fields.hpp).
///
/// The structs themselves are in `<impilo/models.hpp>` (and the headers it includes); this header
/// only declares them.

#include <impilo/export.hpp>
#include <iosfwd>

/// Calls `MODEL(Type)` for every model and `PAGE(Type)` for every `Page<Type>` the SDK decodes,
/// in this order. The one list of models: every declaration and definition that exists once per
/// model is generated from it.
#define IMPILO_MODEL_LIST(MODEL, PAGE) \
  MODEL(Address)                       \
  MODEL(Site)                          \
  MODEL(Patient)                       \
  MODEL(Manufacturer)                  \
  MODEL(Item)                          \
  MODEL(KitItem)                       \
  MODEL(Kit)                           \
  MODEL(OrderItem)                     \
  MODEL(OrderKit)                      \
  MODEL(OrderEvent)                    \
  MODEL(User)                          \
  MODEL(OrderNote)                     \
  MODEL(TrackingNumber)                \
  MODEL(DeviceIdentifier)              \
  MODEL(DeviceEvent)                   \
  MODEL(Device)                        \
  MODEL(PackedKit)                     \
  MODEL(ReturnItem)                    \
  MODEL(ReturnDevice)                  \
  MODEL(ReturnPackedKit)               \
  MODEL(Order)                         \
  MODEL(CreateOrderRequest)            \
  MODEL(Webhook)                       \
  MODEL(WebhookSubscription)           \
  MODEL(WebhookLog)                    \
  PAGE(Order)                          \
  PAGE(Patient)                        \
  PAGE(Kit)                            \
  PAGE(WebhookLog)

/// Expands to nothing: for a use of `IMPILO_MODEL_LIST` that has nothing to do for one kind.
#define IMPILO_MODEL_LIST_SKIP(Type)

/// Declares one model (the struct is defined in the header of its part).
#define IMPILO_MODEL_DECLARE_STRUCT(Type) struct Type;

/// Declares `==` and `!=` of one model.
#define IMPILO_MODEL_DECLARE_EQUALITY(Type)                    \
  IMPILO_EXPORT bool operator==(const Type& a, const Type& b); \
  /**< Field-by-field equality, unknown fields included. */    \
  inline bool operator!=(const Type& a, const Type& b) {       \
    return !(a == b);                                          \
  }                                                            \
  /**< Negation of `==`. */

/// Declares `operator<<` of one model.
#define IMPILO_MODEL_DECLARE_PRINT(Type) \
  IMPILO_EXPORT std::ostream& operator<<(std::ostream& os, const Type& value); /**< As JSON. */

/// Declares `operator<<` of one page.
#define IMPILO_MODEL_DECLARE_PAGE_PRINT(Type) IMPILO_MODEL_DECLARE_PRINT(Page<Type>)

namespace impilo {

IMPILO_MODEL_LIST(IMPILO_MODEL_DECLARE_STRUCT, IMPILO_MODEL_LIST_SKIP)

template <typename T>
struct Page;

/// @name Equality
/// Every model of `IMPILO_MODEL_LIST`: field-by-field, unknown fields included.
/// @{
IMPILO_MODEL_LIST(IMPILO_MODEL_DECLARE_EQUALITY, IMPILO_MODEL_LIST_SKIP)
/// @}

/// @name Printing
/// `std::cout << order` writes a model as compact JSON, exactly what `to_json_text` returns:
/// members in sorted order, absent fields left out, unknown members included. Meant for debugging
/// and tests: models hold patient names and addresses, so print them only where health data may go.
/// @{
IMPILO_MODEL_LIST(IMPILO_MODEL_DECLARE_PRINT, IMPILO_MODEL_DECLARE_PAGE_PRINT)
/// @}

}  // namespace impilo
