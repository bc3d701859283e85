#pragma once

// The `--file PATH|-` input of the commands that send a model (`orders create`, `orders validate`,
// `patients create|update|ensure`): read it, and decode it with one set of errors for every model,
// so that a bad patient file fails exactly as a bad order file does (exit 3, kind `validation`).

#include <impilo/models.hpp>
#include <string>

namespace impilo::cli {

/// The whole content of @p path, or of stdin for `-`.
/// @throws impilo::UsageError when it cannot be opened or read, naming the path.
std::string read_input(const std::string& path);

/// Decodes `--file` input holding a CreateOrderRequest (see `decode_input` in input.cpp for the
/// errors). Members the SDK does not model are kept, not reported: warning about them is the
/// caller's choice.
/// @throws InputError (a ValidationError) for input that is not JSON or not of that shape.
CreateOrderRequest order_request_from_input(const std::string& text);

/// Decodes `--file` input holding a Patient, with the errors of `order_request_from_input`.
/// @throws InputError (a ValidationError) for input that is not JSON or not a patient.
Patient patient_from_input(const std::string& text);

}  // namespace impilo::cli
