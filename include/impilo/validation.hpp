#pragma once

/// @file
/// Client-side checks of a create-order request: every rule of the API that needs no server, and
/// a list of the members the SDK does not model (usually misspellings).

#include <impilo/errors.hpp>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <string>
#include <vector>

namespace impilo {

/// Checks @p request against every rule that needs no server and returns all violations at once
/// (empty when the request may be sent).
///
/// Rules: exactly one of `patient` and `site`; a site order needs `site.id`; at least one content
/// list (an empty list counts as absent); `shippingOption` when returns are included and
/// `emailLabel` is not true; no device both in `returnDevices` and in a `returnPackedKits` entry;
/// a new patient (no `id`) needs non-blank `firstName`, `lastName` and an address with non-blank
/// `lineOne`, `city`, `state`, `country`, `zipCode`, its `site`, if any, needs an `id`, and its
/// `dateOfBirth`, if any, is a real `YYYY-MM-DD` date not after today (`invalid_data`); every
/// item and kit line needs its id and a `count` of at least 1; every returned device needs its id,
/// and so does every returned packed kit and each device listed in it; every string is valid UTF-8
/// (else `invalid_data`, message `not valid UTF-8`, reported after the other rules).
///
/// Enumerations: a `shippingOption` or patient `sex` the SDK does not know (`"Standard"`) is
/// `invalid_data` at its pointer (`/shippingOption`), the message listing the known values. To
/// send a value newer than this SDK on purpose, mark it: `ShippingOption::deliberate("drone")`.
///
/// Rules that need the server (inventory, orderable items, loaner kits, which patients and sites
/// exist) are not checked here, and neither are members the SDK does not model: see
/// `unknown_members`.
IMPILO_EXPORT std::vector<Violation> validate(const CreateOrderRequest& request);

/// Checks @p patient as `create_patient`, `update_patient` and `ensure_patient` send it, and
/// returns all violations at once (empty when it may be sent).
///
/// Rules: non-blank `/firstName` and `/lastName` (`patient_first_name_required`,
/// `patient_last_name_required`); an `/address` (`patient_address_required`) with non-blank
/// `lineOne`, `city`, `state`, `zipCode` and `country` (the `address_*_required` codes);
/// `/dateOfBirth`, when given, a real calendar date `YYYY-MM-DD` not after today (UTC);
/// `/email`, when given, exactly one `@` with text on both sides; `/sex` a value the SDK knows
/// (mark a newer one with `Sex::deliberate`); a `/site`, when given, with an `id`; every string
/// valid UTF-8. The last four report `invalid_data` with a message naming the problem. `id` is
/// not checked here (each call says what it wants of it).
IMPILO_EXPORT std::vector<Violation> validate(const Patient& patient);

/// A member of a request that the SDK does not model. It is kept in an `UnknownFields` and sent as
/// it is: usually a misspelling (`shipingOption`) that the server ignores or refuses, sometimes a
/// field newer than this SDK.
struct UnknownMember {
  std::string pointer;     ///< JSON pointer of the member (`/shipingOption`, `/patient/firstname`).
  std::string suggestion;  ///< The closest member the SDK models there (`shippingOption`), or "".
  /// One line for a person: `/shipingOption is not a member the SDK knows and is sent as it is;
  /// did you mean shippingOption?` (the last part only with a suggestion).
  std::string message;
};

/// Every member of @p request, at any depth, that the SDK does not model (an object's own members
/// before those of the objects inside it, in the order of the modelled fields), each with the
/// closest modelled name as a suggestion (ignoring case; at most a few letters apart). Members
/// nested inside an unknown member are not listed separately. `validate` does not call this: an
/// unknown member may be deliberate, so whether to warn or refuse is the caller's choice (the
/// `impilo` tool warns on stderr).
IMPILO_EXPORT std::vector<UnknownMember> unknown_members(const CreateOrderRequest& request);

/// The same for a patient as `create_patient`, `update_patient` and `ensure_patient` send it
/// (`/firstname` suggests `firstName`).
IMPILO_EXPORT std::vector<UnknownMember> unknown_members(const Patient& patient);

}  // namespace impilo
