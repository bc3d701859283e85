#pragma once

/// @file
/// The whole public API of impilo-cpp in one include.

#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/ticket.hpp>
#include <impilo/transport.hpp>
#include <impilo/validation.hpp>
#include <impilo/version.hpp>
#include <impilo/webhooks.hpp>

/// @mainpage impilo-cpp
/// The C++17 client SDK for the Impilo order API. Start with `impilo::Client` and
/// `impilo::ClientOptions` (`<impilo/client.hpp>`), the request and order models
/// (`<impilo/models.hpp>`), and the exceptions (`<impilo/errors.hpp>`); test your code with
/// `impilo::testing::Simulator` (`<impilo/testing/simulator.hpp>`). Include `<impilo/impilo.hpp>`
/// for the whole API. The guides (getting started, testing, error handling, retries, TLS and
/// proxies, logging) are in the repository's `docs/` directory.

/// @namespace impilo
/// The Impilo order API: `Client` and its options, the models and their JSON form, validation,
/// the errors, and the HTTP transport seam.

/// @namespace impilo::testing
/// The in-memory Impilo of `<impilo/testing/simulator.hpp>` (library target `impilo::testing`),
/// for testing code that uses the SDK.
