#pragma once

// The complete patient the offline patient tests start from (header-only).

#include <impilo/models.hpp>

namespace unit_test {

/// A patient that passes `impilo::validate`: names, a date of birth, an e-mail address and a full
/// address, no id and no external identifier. Its last name must never reach a log line.
inline impilo::Patient complete_patient() {
  impilo::Patient p;
  p.first_name = "Jane";
  p.last_name = "Doe";
  p.date_of_birth = "1950-04-01";
  p.email = "jane@example.org";
  impilo::Address a;
  a.line_one = "1 Main St";
  a.city = "Springfield";
  a.state = "IL";
  a.zip_code = "62701";
  a.country = "US";
  p.address = a;
  return p;
}

}  // namespace unit_test
