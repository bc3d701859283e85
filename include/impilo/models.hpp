#pragma once

/// @file
/// The Impilo order API's data model: plain aggregates that mirror the JSON documents.
///
/// Conventions, the same for every type here:
/// - A field's name is the JSON name in snake_case (`zipCode` -> `zip_code`).
/// - Every scalar the API may omit is a `std::optional`; `std::nullopt` means "absent". A JSON
///   `null` decodes to absent, and an absent field is left out when encoding (never sent as null).
/// - Lists are `std::optional<std::vector<T>>`, so an absent list and an empty list stay apart and
///   a decoded document re-encodes exactly.
/// - `unknown_fields` keeps every JSON member the SDK does not model, so a document decoded and
///   encoded again loses nothing; on a request it lets you send a field the SDK does not know yet.
/// - Closed-looking enumerations (`ShippingOption`, `OrderStatus`, `Sex`, `DeviceStatus`,
///   `WebhookType`) are open: they hold either a value the SDK knows or the raw string the server
///   sent.
///
/// The models, by part (this header includes them all):
/// - `<impilo/model_basics.hpp>`: `UnknownFields`, `OpenEnum` and the API's enumerations;
/// - `<impilo/patient.hpp>`: `Address`, `Site`, `Patient`;
/// - `<impilo/catalog.hpp>`: `Manufacturer`, `Item`, `KitItem`, `Kit`;
/// - `<impilo/device.hpp>`: `DeviceIdentifier`, `DeviceEvent`, `Device`, `PackedKit`;
/// - `<impilo/order.hpp>`: `Order` and its parts (order lines, events, notes, returns, ...);
/// - `<impilo/create_order_request.hpp>`: `CreateOrderRequest`;
/// - `<impilo/page.hpp>`: `Page<T>`;
/// - `<impilo/webhook_models.hpp>`: `Webhook`, `WebhookSubscription`, `WebhookLog`.
///
/// What every model gets (`==`, `!=`, `<<`, JSON conversion) is listed once, in
/// `<impilo/model_list.hpp>`. JSON conversion lives in `<impilo/json.hpp>`; client-side checks in
/// `<impilo/validation.hpp>`.

#include <impilo/catalog.hpp>
#include <impilo/create_order_request.hpp>
#include <impilo/device.hpp>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <impilo/order.hpp>
#include <impilo/page.hpp>
#include <impilo/patient.hpp>
#include <impilo/webhook_models.hpp>
