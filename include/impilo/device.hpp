#pragma once

/// @file
/// Physical devices: a `Device` with its identifiers and history, and a `PackedKit` of devices.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; each model's operators are those of
/// `<impilo/model_list.hpp>`.

#include <cstdint>
#include <impilo/catalog.hpp>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <impilo/patient.hpp>
#include <optional>
#include <string>
#include <vector>

namespace impilo {

/// One identifier of a device (serial number, IMEI, ...).
struct DeviceIdentifier {
  std::optional<std::string> type;   ///< `type`
  std::optional<std::string> value;  ///< `value`
  UnknownFields unknown_fields;      ///< Members the SDK does not model.
};

/// An event in a device's history.
struct DeviceEvent {
  std::optional<std::string> type;             ///< `type`
  std::optional<std::string> event_timestamp;  ///< `eventTimestamp`
  UnknownFields unknown_fields;                ///< Members the SDK does not model.
};

/// A physical device (one unit of an item).
struct Device {
  std::optional<std::int64_t> id;                                   ///< `id`
  std::optional<Item> item;                                         ///< `item`
  std::optional<DeviceStatus> current_status;                       ///< `currentStatus`
  std::optional<bool> used;                                         ///< `used`
  std::optional<Patient> current_patient;                           ///< `currentPatient`
  std::optional<Site> site;                                         ///< `site`
  std::optional<std::string> last_health_check;                     ///< `lastHealthCheck`
  std::optional<std::vector<DeviceIdentifier>> device_identifiers;  ///< `deviceIdentifiers`
  std::optional<std::vector<DeviceEvent>> device_events;            ///< `deviceEvents`
  std::optional<std::string> external_identifier;                   ///< `externalIdentifier`
  std::optional<bool> disabled_readings;                            ///< `disabledReadings`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.
};

/// A kit as packed for shipment, with the devices inside it.
struct PackedKit {
  std::optional<Kit> kit;                      ///< `kit`
  std::optional<std::vector<Device>> devices;  ///< `devices`
  UnknownFields unknown_fields;                ///< Members the SDK does not model.
};

}  // namespace impilo
