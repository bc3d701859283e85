#include <impilo/models.hpp>

#include "model_fields.hpp"

namespace impilo {

// Equality is derived from the field table, so it can never miss a field.
#define IMPILO_DEFINE_EQUALITY(Type)              \
  bool operator==(const Type& a, const Type& b) { \
    return detail::fields_equal(a, b);            \
  }

IMPILO_DEFINE_EQUALITY(Address)
IMPILO_DEFINE_EQUALITY(Site)
IMPILO_DEFINE_EQUALITY(Patient)
IMPILO_DEFINE_EQUALITY(Manufacturer)
IMPILO_DEFINE_EQUALITY(Item)
IMPILO_DEFINE_EQUALITY(KitItem)
IMPILO_DEFINE_EQUALITY(Kit)
IMPILO_DEFINE_EQUALITY(OrderItem)
IMPILO_DEFINE_EQUALITY(OrderKit)
IMPILO_DEFINE_EQUALITY(OrderEvent)
IMPILO_DEFINE_EQUALITY(User)
IMPILO_DEFINE_EQUALITY(OrderNote)
IMPILO_DEFINE_EQUALITY(TrackingNumber)
IMPILO_DEFINE_EQUALITY(DeviceIdentifier)
IMPILO_DEFINE_EQUALITY(DeviceEvent)
IMPILO_DEFINE_EQUALITY(Device)
IMPILO_DEFINE_EQUALITY(PackedKit)
IMPILO_DEFINE_EQUALITY(ReturnItem)
IMPILO_DEFINE_EQUALITY(ReturnDevice)
IMPILO_DEFINE_EQUALITY(ReturnPackedKit)
IMPILO_DEFINE_EQUALITY(Order)
IMPILO_DEFINE_EQUALITY(CreateOrderRequest)

#undef IMPILO_DEFINE_EQUALITY

}  // namespace impilo
