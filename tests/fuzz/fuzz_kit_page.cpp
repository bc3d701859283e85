// libFuzzer target: a page of kits (`Page<Kit>`) as a server may send it to `list_kits` or
// `kits()`. Decoding either succeeds or throws an `impilo::Error`; a decoded page encodes and
// decodes back to an equal page.

#include <impilo/impilo.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using KitPage = impilo::Page<impilo::Kit>;
  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto page = impilo::from_json_text<KitPage>(impilo_fuzz::text(data, size));
    const std::string encoded = impilo::to_json_text(page);
    impilo_fuzz::require(impilo::from_json_text<KitPage>(encoded) == page,
                         "a Page<Kit> survives to_json_text and from_json_text");
  });
  return 0;
}
