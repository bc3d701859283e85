// libFuzzer target: a `CreateOrderRequest` read from a user's file (what `impilo orders validate`
// and `create --file` do), then `validate`d and encoded as it would be sent. Each step either
// succeeds or throws an `impilo::Error`; a request that validates encodes, and decodes back equal.

#include <impilo/impilo.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  impilo_fuzz::refusals_are_impilo_errors([&] {
    const auto request =
        impilo::from_json_text<impilo::CreateOrderRequest>(impilo_fuzz::text(data, size));
    const auto violations = impilo::validate(request);
    for (const auto& violation : violations) {
      impilo_fuzz::require(!violation.message.empty(), "every violation has a message");
    }
    if (!violations.empty()) return;
    const std::string encoded = impilo::to_json_text(request);
    impilo_fuzz::require(impilo::from_json_text<impilo::CreateOrderRequest>(encoded) == request,
                         "a valid CreateOrderRequest survives to_json_text and from_json_text");
  });
  return 0;
}
