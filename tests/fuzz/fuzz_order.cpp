// libFuzzer target: an `Order` as a server may send it. Decoding either succeeds or throws an
// `impilo::Error`; a decoded order encodes, and decodes back to an equal order.

#include <impilo/impilo.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto order = impilo::from_json_text<impilo::Order>(impilo_fuzz::text(data, size));
    const std::string encoded = impilo::to_json_text(order);
    impilo_fuzz::require(impilo::from_json_text<impilo::Order>(encoded) == order,
                         "an Order survives to_json_text and from_json_text");
  });
  return 0;
}
