#pragma once

/// @file
/// An `Order` as the server returns it, and its parts: order lines, events, notes, tracking
/// numbers and returns.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; each model's operators are those of
/// `<impilo/model_list.hpp>`.

#include <cstdint>
#include <impilo/catalog.hpp>
#include <impilo/device.hpp>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <impilo/patient.hpp>
#include <optional>
#include <string>
#include <vector>

namespace impilo {

/// A line of an order: an item and how many (`count` must be at least 1 on a create).
struct OrderItem {
  std::optional<Item> item;           ///< `item`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"item": {"id": item_id}, "count": count}`.
  static OrderItem of(std::int64_t item_id, std::int64_t count) {
    OrderItem line;
    line.item = Item::with_id(item_id);
    line.count = count;
    return line;
  }
};

/// A kit line of an order: a kit and how many (`count` must be at least 1 on a create).
struct OrderKit {
  std::optional<Kit> kit;             ///< `kit`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"kit": {"id": kit_id}, "count": count}`.
  static OrderKit of(std::int64_t kit_id, std::int64_t count) {
    OrderKit line;
    line.kit = Kit::with_id(kit_id);
    line.count = count;
    return line;
  }
};

/// A status update in an order's history.
struct OrderEvent {
  std::optional<std::string> name;  ///< `name`
  std::optional<std::string>
      event_timestamp;           ///< `eventTimestamp` (format undocumented; kept as sent)
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

/// A user of the Impilo portal (the author of a note).
struct User {
  std::optional<std::int64_t> id;         ///< `id`
  std::optional<std::string> first_name;  ///< `firstName`
  std::optional<std::string> last_name;   ///< `lastName`
  std::optional<std::string> email;       ///< `email`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// A note attached to an order. On a create, only `note` is meaningful.
struct OrderNote {
  std::optional<std::string> note;        ///< `note`
  std::optional<std::string> created_at;  ///< `createdAt`
  std::optional<User> created_by;         ///< `createdBy`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// A shipment's tracking number.
struct TrackingNumber {
  std::optional<std::string> carrier;  ///< `carrier`
  std::optional<std::string> value;    ///< `value`
  UnknownFields unknown_fields;        ///< Members the SDK does not model.
};

/// An element of `returnItems`: items the patient or site sends back. The API does not publish
/// this schema; the SDK models the shape of an order line and keeps anything else it receives.
struct ReturnItem {
  std::optional<Item> item;           ///< `item`: needs `id` on a create.
  std::optional<std::int64_t> count;  ///< `count`: at least 1 on a create.
  UnknownFields unknown_fields;       ///< Members the SDK does not model.

  /// `{"item": {"id": item_id}, "count": count}`.
  static ReturnItem of(std::int64_t item_id, std::int64_t count) {
    ReturnItem line;
    line.item = Item::with_id(item_id);
    line.count = count;
    return line;
  }
};

/// An element of `returnDevices` (and of a returned packed kit's `devices`): a device sent back,
/// named by `id`. The schema is unpublished; whatever else the server sends is kept.
struct ReturnDevice {
  std::optional<std::int64_t> id;  ///< `id`: required on a create.
  UnknownFields unknown_fields;    ///< Members the SDK does not model.

  /// `{"id": device_id}`.
  static ReturnDevice of(std::int64_t device_id) {
    ReturnDevice d;
    d.id = device_id;
    return d;
  }
};

/// An element of `returnPackedKits`: a packed kit sent back with the devices inside it. A device
/// must not appear both here and in `returnDevices`.
struct ReturnPackedKit {
  std::optional<Kit> kit;                            ///< `kit`
  std::optional<std::vector<ReturnDevice>> devices;  ///< `devices`
  UnknownFields unknown_fields;                      ///< Members the SDK does not model.
};

/// An order as the server returns it. Every field may be absent: the API documents each as
/// optional or nullable.
struct Order {
  std::optional<std::int64_t> id;                                  ///< `id`
  std::optional<std::vector<std::string>> external_order_ids;      ///< `externalOrderIds`
  std::optional<Patient> patient;                                  ///< `patient`
  std::optional<Site> site;                                        ///< `site`
  std::optional<OrderStatus> current_status;                       ///< `currentStatus`
  std::optional<std::vector<OrderItem>> order_items;               ///< `orderItems`
  std::optional<std::vector<OrderKit>> order_kits;                 ///< `orderKits`
  std::optional<std::vector<OrderEvent>> order_events;             ///< `orderEvents`
  std::optional<std::vector<OrderNote>> order_notes;               ///< `orderNotes`
  std::optional<std::vector<TrackingNumber>> tracking_numbers;     ///< `trackingNumbers`
  std::optional<std::vector<Device>> devices;                      ///< `devices`
  std::optional<std::vector<PackedKit>> packed_kits;               ///< `packedKits`
  std::optional<ShippingOption> shipping_option;                   ///< `shippingOption`
  std::optional<bool> email_label;                                 ///< `emailLabel`
  std::optional<std::vector<ReturnItem>> return_items;             ///< `returnItems`
  std::optional<std::vector<ReturnDevice>> return_devices;         ///< `returnDevices`
  std::optional<std::vector<ReturnPackedKit>> return_packed_kits;  ///< `returnPackedKits`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

}  // namespace impilo
