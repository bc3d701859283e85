#pragma once

// The library's side of `PageRange` prefetching (docs/adr/0007-paging-prefetch.md): what the
// client wraps around the user's `logger` and `sleep` so that a cancelled worker never calls them
// again. The worker itself (`detail::Prefetcher`) is declared in <impilo/client.hpp>.

#include <chrono>
#include <impilo/client.hpp>

namespace impilo::detail {

/// Thrown by the gated `sleep` on the worker of a range that is gone: ends the fetch in flight
/// instead of its next attempt. Never reaches a caller: only that worker sees it, and it drops it.
struct PrefetchCancelled {};

/// @p options with `logger` and `sleep` wrapped so that on a prefetch worker whose range is gone
/// they are no longer called (a call in progress holds the range's destructor until it returns),
/// and an empty `sleep` replaced by one that such a cancellation cuts short. Elsewhere (the
/// caller's thread, a live range's worker) the user's functions are called as they are.
ClientOptions with_prefetch_gates(ClientOptions options);

}  // namespace impilo::detail
