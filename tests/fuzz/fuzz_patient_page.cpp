// libFuzzer target: a page of patients (`Page<Patient>`) as a server may send it to
// `list_patients`, `patients()` or the lookups of `ensure_patient`. Decoding either succeeds or
// throws an `impilo::Error`; a decoded page encodes and decodes back to an equal page, and every
// patient in it can be checked by `validate` (a patient read back is sent again by
// `update_patient`) without throwing.

#include <impilo/impilo.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using PatientPage = impilo::Page<impilo::Patient>;
  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto page = impilo::from_json_text<PatientPage>(impilo_fuzz::text(data, size));
    const std::string encoded = impilo::to_json_text(page);
    impilo_fuzz::require(impilo::from_json_text<PatientPage>(encoded) == page,
                         "a Page<Patient> survives to_json_text and from_json_text");
    for (const impilo::Patient& patient : page.content) (void)impilo::validate(patient);
  });
  return 0;
}
