// Equality of every model of the list (IMPILO_MODEL_LIST, <impilo/model_list.hpp>), derived from
// the field table so that it can never miss a field. `Page` defines its own, for any content.

#include <impilo/model_list.hpp>
#include <impilo/models.hpp>

#include "model_fields.hpp"

namespace impilo {

#define IMPILO_DEFINE_EQUALITY(Type)              \
  bool operator==(const Type& a, const Type& b) { \
    return detail::fields_equal(a, b);            \
  }

IMPILO_MODEL_LIST(IMPILO_DEFINE_EQUALITY, IMPILO_MODEL_LIST_SKIP)

#undef IMPILO_DEFINE_EQUALITY

}  // namespace impilo
