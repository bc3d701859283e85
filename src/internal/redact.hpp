#pragma once

// Keeps the API key out of exceptions and log lines, whatever a server echoes back.

#include <string>
#include <string_view>

namespace impilo::detail {

/// What every occurrence of the key becomes.
inline constexpr std::string_view redacted_marker = "[redacted]";

/// Replaces every occurrence of @p secret in @p text with `[redacted]`. The search resumes after
/// each replacement, so a key that is part of the marker itself (`e`, `dact`) cannot loop.
std::string redact(std::string text, std::string_view secret);

/// `redact`, and then, when @p body is JSON, the same on its decoded strings and member names:
/// a server may write the key with escapes (`k3y\/abc`, `\u006b3y`) that no raw search finds. A
/// body that held the key that way comes back re-encoded (compact) with the key replaced; any
/// other body keeps its bytes.
std::string redact_body(std::string body, std::string_view secret);

}  // namespace impilo::detail
