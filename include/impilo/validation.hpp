#pragma once

/// @file
/// Client-side checks of a create-order request: every rule of the API that needs no server.

#include <impilo/errors.hpp>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <vector>

namespace impilo {

/// Checks @p request against every rule that needs no server and returns all violations at once
/// (empty when the request may be sent).
///
/// Rules: exactly one of `patient` and `site`; a site order needs `site.id`; at least one content
/// list (an empty list counts as absent); `shippingOption` when returns are included and
/// `emailLabel` is not true; no device both in `returnDevices` and in a `returnPackedKits` entry;
/// a new patient (no `id`) needs non-blank `firstName`, `lastName` and an address with non-blank
/// `lineOne`, `city`, `state`, `country`, `zipCode`, and its `site`, if any, needs an `id`; every
/// item and kit line needs its id and a `count` of at least 1; every returned device needs its id;
/// every string is valid UTF-8 (else `invalid_data`, message `not valid UTF-8`, reported after the
/// other rules).
///
/// Rules that need the server (inventory, orderable items, loaner kits, which patients and sites
/// exist) are not checked here.
IMPILO_EXPORT std::vector<Violation> validate(const CreateOrderRequest& request);

}  // namespace impilo
