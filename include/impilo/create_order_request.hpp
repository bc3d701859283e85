#pragma once

/// @file
/// `CreateOrderRequest`, the body of `POST /api/v3/order`.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; its operators are those of
/// `<impilo/model_list.hpp>`, its checks `impilo::validate` (`<impilo/validation.hpp>`).

#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <impilo/order.hpp>
#include <impilo/patient.hpp>
#include <optional>
#include <string>
#include <vector>

namespace impilo {

/// The body of `POST /api/v3/order`.
///
/// Exactly one of `patient` and `site`; at least one non-empty content list (`order_items`,
/// `order_kits`, `return_items`, `return_devices`, `return_packed_kits`); `shipping_option` when
/// returns are included and `email_label` is not true. `impilo::validate` checks every rule that
/// needs no server, and `Client::create_order` refuses to send a request that breaks one.
struct CreateOrderRequest {
  std::optional<std::vector<std::string>> external_order_ids;  ///< `externalOrderIds`
  std::optional<Patient> patient;                              ///< `patient`
  std::optional<Site> site;                                    ///< `site`
  std::optional<std::vector<OrderItem>> order_items;           ///< `orderItems`
  std::optional<std::vector<OrderKit>> order_kits;             ///< `orderKits`
  std::optional<std::vector<OrderNote>> order_notes;           ///< `orderNotes`
  std::optional<ShippingOption> shipping_option;               ///< `shippingOption`
  std::optional<bool> email_label;                      ///< `emailLabel` (server default: false)
  std::optional<std::vector<ReturnItem>> return_items;  ///< `returnItems`
  std::optional<std::vector<ReturnDevice>> return_devices;         ///< `returnDevices`
  std::optional<std::vector<ReturnPackedKit>> return_packed_kits;  ///< `returnPackedKits`
  UnknownFields
      unknown_fields;  ///< Extra members sent as they are (a field the SDK does not know yet).
};

}  // namespace impilo
