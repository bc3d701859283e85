#pragma once
// What every C++ fragment of the docs can use without writing it: tests/docs/CMakeLists.txt wraps
// each fragment in a Catch2 TEST_CASE that includes this header. The conventions for whoever
// writes docs are in CONTRIBUTING.md, "Code blocks in the docs are tests".

#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"

namespace impilo_docs {

/// The options of the `impilo mock` the test started: IMPILO_BASE_URL and IMPILO_API_KEY.
inline impilo::ClientOptions client_options() { return impilo::ClientOptions::from_env(); }

/// An order the demo catalogue accepts: one item 1000 for patient 5000, standard shipping.
inline impilo::CreateOrderRequest valid_request() {
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(5000);
  request.order_items = {impilo::OrderItem::of(1000, 1)};
  request.shipping_option = impilo::ShippingOptionValue::standard;
  return request;
}

/// An order as the API returns one (decoded from its JSON; nothing is sent).
inline impilo::Order an_order() {
  return impilo::from_json_text<impilo::Order>(
      R"({"id": 1, "currentStatus": "pending", "patient": {"id": 5000, "firstName": "Thandi"},
          "orderItems": [{"item": {"id": 1000}, "count": 1}], "shippingOption": "standard"})");
}

}  // namespace impilo_docs
