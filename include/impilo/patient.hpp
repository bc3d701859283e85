#pragma once

/// @file
/// Who an order is for and where it goes: `Patient`, `Site` and their `Address`.
///
/// Part of `<impilo/models.hpp>`, whose conventions apply; each model's operators are those of
/// `<impilo/model_list.hpp>`.

#include <cstdint>
#include <impilo/model_basics.hpp>
#include <impilo/model_list.hpp>
#include <optional>
#include <string>

namespace impilo {

/// A postal address. When an address is given for a new patient, `line_one`, `city`, `state`,
/// `zip_code` and `country` are required (see `impilo::validate`).
struct Address {
  std::optional<std::string> line_one;    ///< `lineOne`
  std::optional<std::string> line_two;    ///< `lineTwo`
  std::optional<std::string> line_three;  ///< `lineThree`
  std::optional<std::string> city;        ///< `city`
  std::optional<std::string> state;       ///< `state`
  std::optional<std::string> zip_code;    ///< `zipCode`
  std::optional<std::string> country;     ///< `country`
  std::optional<std::string> note;        ///< `note`
  UnknownFields unknown_fields;           ///< Members the SDK does not model.
};

/// A customer-managed location. On an order, only `id` is used to find it.
struct Site {
  std::optional<std::int64_t> id;           ///< `id`: required on a site order.
  std::optional<std::string> name;          ///< `name` (never used to find or create a site)
  std::optional<bool> active;               ///< `active`
  std::optional<std::string> phone_number;  ///< `phoneNumber`
  std::optional<Address> address;           ///< `address` (never used to find or create a site)
  UnknownFields unknown_fields;             ///< Members the SDK does not model.

  /// A reference to an existing site, the only form an order needs.
  static Site with_id(std::int64_t site_id) {
    Site s;
    s.id = site_id;
    return s;
  }
};

/// A patient. On an order, an existing patient needs only `id`; a patient without `id` is created
/// with the order and needs `first_name`, `last_name` and a full `address`.
struct Patient {
  std::optional<std::int64_t> id;                  ///< `id`
  std::optional<std::string> external_identifier;  ///< `externalIdentifier`
  std::optional<std::string> first_name;           ///< `firstName`
  std::optional<std::string> last_name;            ///< `lastName`
  std::optional<std::string> date_of_birth;        ///< `dateOfBirth` (`YYYY-MM-DD`, kept as sent)
  std::optional<std::string> email;                ///< `email`
  std::optional<std::string> phone_number;         ///< `phoneNumber`
  std::optional<bool> archived;                    ///< `archived`
  std::optional<Address> address;                  ///< `address`
  std::optional<Site> site;      ///< `site`: must exist and be active for a new patient
  std::optional<bool> enrolled;  ///< `enrolled`
  std::optional<Sex> sex;        ///< `sex`
  UnknownFields unknown_fields;  ///< Members the SDK does not model.

  /// A reference to an existing patient, the only form an order for that patient needs.
  static Patient with_id(std::int64_t patient_id) {
    Patient p;
    p.id = patient_id;
    return p;
  }
};

}  // namespace impilo
