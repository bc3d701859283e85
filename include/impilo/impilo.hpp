#pragma once

/// @file
/// The whole public API of impilo-cpp in one include.

#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/transport.hpp>
#include <impilo/validation.hpp>
#include <impilo/version.hpp>
