#pragma once

// Keeps the API key and the webhook secrets out of exceptions, log lines and the CLI's output,
// whatever a server echoes back. The one redaction policy of the SDK (docs/logging.md): every
// secret, whatever its length, written raw, percent-encoded or (in a JSON body) JSON-escaped.

#include <impilo/export.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace impilo::internal {

/// What every occurrence of a secret becomes.
inline constexpr std::string_view redacted_marker = "[redacted]";

/// Replaces every occurrence in @p text of each of @p secrets with `[redacted]`.
///
/// - Every secret counts, whatever its length (empty ones are skipped): a short key garbles
///   innocent words (`loopbac[redacted]` for the key `k`), which is the price of never showing it.
/// - A secret is found raw or percent-encoded, byte by byte and in either case of hex digit
///   (`k%33y`, `%6B%33%79` for `k3y`), as a server echoing it in a URL writes it.
/// - Occurrences that overlap, of one secret or of several (a rotated secret that extends the old
///   one, a secret holding the API key), become one marker, so no part of any of them is left;
///   occurrences that merely touch each get their own marker.
/// - The result is built from @p text alone: a secret inside the marker (`e`, `dact`, `]`) is
///   never searched for again.
IMPILO_EXPORT std::string redact_all(std::string_view text,
                                     const std::vector<std::string_view>& secrets);

/// `redact_all` with one secret.
IMPILO_EXPORT std::string redact(std::string_view text, std::string_view secret);

/// `redact_all`, and then, when @p body is JSON, the same on its decoded strings and member
/// names: a server may write a secret with escapes (`k3y\/abc`, `\u006b3y`) that no raw search
/// finds. A body that held a secret that way comes back re-encoded (compact) with the secret
/// replaced; any other body keeps its bytes.
IMPILO_EXPORT std::string redact_body_all(std::string body,
                                          const std::vector<std::string_view>& secrets);

/// `redact_body_all` with one secret.
IMPILO_EXPORT std::string redact_body(std::string body, std::string_view secret);

}  // namespace impilo::internal
