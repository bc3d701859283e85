#pragma once

/// @file
/// The webhook models the client sends and receives: `Webhook` (a subscription as the server
/// returns it), `WebhookSubscription` (the body that creates one), `WebhookLog` (an entry of the
/// delivery log), and `WebhookType`.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; each model's operators are those of
/// `<impilo/model_list.hpp>`. Receiving deliveries is `<impilo/webhooks.hpp>`.

#include <array>
#include <cstdint>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace impilo {

/// Webhook types the API documents (the list is open: the server may send others).
enum class WebhookTypeValue {
  order_status,                  ///< `order.status`: the order id and the order event type.
  order_status_full,             ///< `order.statusFull`: the whole Order.
  return_status_full,            ///< `return.statusFull`
  packed_kit_event,              ///< `packedKit.event`
  patient_created,               ///< `patient.created`
  patient_updated,               ///< `patient.updated`
  device_association_created,    ///< `device.associationCreated`
  device_association_removed,    ///< `device.associationRemoved`
  device_low_battery,            ///< `device.lowBattery`
  device_weak_signal,            ///< `device.weakSignal`
  device_healthcheck,            ///< `device.healthcheck`
  procurement_status,            ///< `procurement.status`
  procurement_status_full,       ///< `procurement.statusFull`
  transfer_request_status_full,  ///< `transferRequest.statusFull`
  support_ticket_event,          ///< `supportTicket.event`
  reading_blood_glucose,         ///< `reading.bloodGlucose`
  reading_blood_oxygen,          ///< `reading.bloodOxygen`
  reading_blood_pressure,        ///< `reading.bloodPressure`
  reading_ecg,                   ///< `reading.ecg`
  reading_temperature,           ///< `reading.temperature`
  reading_weight,                ///< `reading.weight`
  reading_peak_flow,             ///< `reading.peakFlow`
  reading_sleep_mat_activity,    ///< `reading.sleepMatActivity`
  reading_sleep_mat_duration,    ///< `reading.sleepMatDuration`
};

namespace detail {
/// Wire names of `WebhookTypeValue`, in declaration order.
template <>
struct EnumNames<WebhookTypeValue> {
  /// One name per enumerator.
  static constexpr std::array<std::string_view, 24> names{"order.status",
                                                          "order.statusFull",
                                                          "return.statusFull",
                                                          "packedKit.event",
                                                          "patient.created",
                                                          "patient.updated",
                                                          "device.associationCreated",
                                                          "device.associationRemoved",
                                                          "device.lowBattery",
                                                          "device.weakSignal",
                                                          "device.healthcheck",
                                                          "procurement.status",
                                                          "procurement.statusFull",
                                                          "transferRequest.statusFull",
                                                          "supportTicket.event",
                                                          "reading.bloodGlucose",
                                                          "reading.bloodOxygen",
                                                          "reading.bloodPressure",
                                                          "reading.ecg",
                                                          "reading.temperature",
                                                          "reading.weight",
                                                          "reading.peakFlow",
                                                          "reading.sleepMatActivity",
                                                          "reading.sleepMatDuration"};
};
}  // namespace detail

/// A webhook type: `order.status`, `order.statusFull`, ... or any other name, kept as sent.
using WebhookType = OpenEnum<WebhookTypeValue>;

/// A webhook subscription as the server returns it: `{"id", "type", "url"}`.
struct Webhook {
  std::optional<std::int64_t> id;   ///< `id`
  std::optional<WebhookType> type;  ///< `type`
  std::optional<std::string> url;   ///< `url`: where deliveries are POSTed.
  UnknownFields unknown_fields;     ///< Members the SDK does not model.
};

/// The body of `POST /api/v3/webhook`: subscribe @p url to one webhook type.
///
/// `Client::create_webhook` refuses (nothing sent) an empty `type`, a type or URL holding
/// whitespace or a control character, and a URL that is not `https://` (plain `http://` only to a
/// loopback host, for a local simulator and `impilo webhooks listen`).
struct WebhookSubscription {
  WebhookType type;              ///< `type`, such as `WebhookTypeValue::order_status_full`.
  std::string url;               ///< `url`: the `https://` endpoint Impilo will POST to.
  UnknownFields unknown_fields;  ///< Extra members sent as they are.
};

/// One entry of the delivery log (`GET /api/v3/webhook/logs`).
struct WebhookLog {
  std::optional<std::int64_t> id;           ///< `id`
  std::optional<std::int64_t> webhook_id;   ///< `webhookId`
  std::optional<WebhookType> webhook_type;  ///< `webhookType`
  std::optional<std::string> webhook_url;   ///< `webhookUrl`
  /// `payload`: the delivered JSON, as the string the server sends (not parsed).
  std::optional<std::string> payload;
  std::optional<std::string> create_timestamp;       ///< `createTimestamp` (ISO 8601)
  std::optional<std::int64_t> last_response_status;  ///< `lastResponseStatus`
  std::optional<std::int64_t> retry_attempts;        ///< `retryAttempts`
  std::optional<std::string> last_retry_timestamp;   ///< `lastRetryTimestamp` (ISO 8601)
  UnknownFields unknown_fields;                      ///< Members the SDK does not model.
};

}  // namespace impilo
