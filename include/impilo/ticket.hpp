#pragma once

/// @file
/// `CreateTicket`: an order prepared once and placed at most once, by any process, any number of
/// times (docs/retries.md, "Tickets").

#include <cstdint>
#include <impilo/create_order_request.hpp>
#include <impilo/export.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace impilo {

class Client;

/// An order request with its key fixed: the external id it will be looked up by, and the newest
/// order id noted before anything was sent. Made by `Client::prepare_order`, placed by
/// `Client::place_order`; between the two, keep it as text (`to_string`) in the same transaction
/// as your own record of the intent, and read it back with `parse` after a crash or in another
/// process.
///
/// A value type: copy, compare and store it freely. It holds the request, so it holds patient
/// data: store it where your patient records go. It never holds the API key.
class IMPILO_EXPORT CreateTicket {
 public:
  /// The prefix every ticket string starts with; the number is the format's version.
  static constexpr std::string_view prefix = "impilo-ticket-v1:";

  /// The external order id `place_order` looks the order up by (the request's first one).
  [[nodiscard]] const std::string& external_id() const noexcept { return external_id_; }
  /// The newest order id noted before any send: every order placed from this ticket is newer.
  /// Empty when the account held no order then (every order is looked at).
  [[nodiscard]] std::optional<std::int64_t> newer_than_id() const noexcept {
    return newer_than_id_;
  }
  /// The request that will be sent; `external_order_ids` starts with `external_id()`.
  [[nodiscard]] const CreateOrderRequest& request() const noexcept { return request_; }

  /// The ticket as one line of text: `impilo-ticket-v1:`, a checksum, then compact JSON (no
  /// control characters, no line break). `parse(to_string())` gives an equal ticket.
  [[nodiscard]] std::string to_string() const;

  /// Reads a ticket written by `to_string`, of this version.
  /// @throws impilo::UsageError saying what is wrong: not a ticket (another prefix), a ticket of
  ///         another version, a damaged or truncated one (the checksum does not match), or one
  ///         whose content is not a valid ticket (the request fails validation, the external id
  ///         is not the request's first). The message never quotes the ticket's content.
  static CreateTicket parse(std::string_view text);

  /// Equal when external id, newer-than id and request are equal.
  friend bool operator==(const CreateTicket& a, const CreateTicket& b) {
    return a.external_id_ == b.external_id_ && a.newer_than_id_ == b.newer_than_id_ &&
           a.request_ == b.request_;
  }
  /// Negation of `==`.
  friend bool operator!=(const CreateTicket& a, const CreateTicket& b) { return !(a == b); }

 private:
  friend class Client;
  CreateTicket(std::string external_id, std::optional<std::int64_t> newer_than_id,
               CreateOrderRequest request);

  std::string external_id_;
  std::optional<std::int64_t> newer_than_id_;
  CreateOrderRequest request_;
};

}  // namespace impilo
