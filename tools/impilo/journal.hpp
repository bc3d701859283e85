#pragma once

// The journal of `impilo orders create --once`, `orders pending` and `orders resume`: one SQLite
// file of tickets (`CreateTicket::to_string`) keyed by external id, each with what is known about
// its order. Not installed, not public API.
//
// Why a journal: `Client::place_order` is exact across crashes and reruns only if the ticket it
// places outlives the process. So the ticket is committed (WAL, synchronous=FULL) before the POST
// can leave, each POST is recorded as it leaves (`record_send`), and the answer is recorded when
// it comes. A rerun then finds the entry and places the same ticket, or prints the order.
//
// Why claims: `place_order` must not run twice at once for one ticket. A process claims an entry
// (its pid and start time, written in a write transaction) for the whole place; another process
// that finds a claim of a live process waits, and takes over a claim whose process is gone (a
// SIGKILL), which is what lets `resume` work after a crash. The claim names a process of this
// machine: the journal is for one machine (SQLite's locking is not reliable over network file
// systems either).

#include <chrono>
#include <cstdint>
#include <impilo/errors.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace impilo::cli {

/// The journal cannot be used: not a journal, locked past the busy timeout, not writable, or a
/// failure of SQLite. A usage error (exit 2): nothing was sent because of it.
class JournalError : public UsageError {
 public:
  using UsageError::UsageError;
};

/// A process of this machine, told apart from a later process that reuses its pid.
struct ProcessIdentity {
  std::int64_t pid{0};
  /// The boot id and the process's start time (`<boot id>/<ticks since boot>`); empty where
  /// /proc does not tell them.
  std::string start;

  /// The calling process.
  static ProcessIdentity self();

  /// False only when the process is certainly gone: no such pid, a zombie, another process under
  /// the same pid, or a previous boot. True when it cannot tell.
  [[nodiscard]] bool is_running() const;

  friend bool operator==(const ProcessIdentity& a, const ProcessIdentity& b) {
    return a.pid == b.pid && a.start == b.start;
  }
  friend bool operator!=(const ProcessIdentity& a, const ProcessIdentity& b) { return !(a == b); }
};

/// The states an entry goes through. Every one but `placed` is pending: `resume` places it.
namespace entry_state {
/// Saved; nothing sent yet.
inline constexpr std::string_view prepared = "prepared";
/// A POST may have left and its answer is not recorded (in progress, or the process died).
inline constexpr std::string_view sending = "sending";
/// The last place could not tell whether the order exists (exit 11).
inline constexpr std::string_view ambiguous = "ambiguous";
/// The last place failed with an error that says nothing was placed (a 400, a refused
/// connection); placing it again may succeed.
inline constexpr std::string_view failed = "failed";
/// The order exists; `order_id` and `order_json` say which.
inline constexpr std::string_view placed = "placed";
}  // namespace entry_state

/// One entry: a ticket and what is known about its order.
struct JournalEntry {
  std::string external_id;
  std::string ticket;  ///< `CreateTicket::to_string()`; holds patient data
  std::string state;   ///< one of `entry_state`
  std::optional<std::int64_t> order_id;
  std::string order_json;  ///< the placed order as JSON; empty until placed
  std::string created_at;  ///< ISO 8601 UTC with milliseconds
  /// When the last POST for it may have left (milliseconds since the Unix epoch).
  std::optional<std::int64_t> sent_at_ms;
  /// How long after `sent_at_ms` an order that send placed may still not be listed
  /// (milliseconds): the sender's settle window, plus the bound on the send's attempt while it
  /// may still be in flight.
  std::int64_t wait_after_send_ms{0};
  std::optional<ProcessIdentity> claimed_by;
};

struct JournalConnection;  // journal.cpp: the sqlite3 handle

/// The journal file, open. Every method is one short transaction; a method that writes takes
/// the write lock with `BEGIN IMMEDIATE`, waiting up to the busy timeout for other processes.
class Journal {
 public:
  struct Options {
    /// How long to wait for another process's write transaction before failing with
    /// `JournalError` (SQLite's busy timeout).
    std::chrono::milliseconds busy_timeout{5000};
  };

  /// `${XDG_STATE_HOME:-$HOME/.local/state}/impilo/journal.sqlite`.
  /// @throws JournalError when neither variable gives an absolute folder.
  static std::string default_path();

  /// Opens @p path for writing, creating it (mode 0600) and its folders (0700) when missing.
  /// @throws JournalError for a file that is not a journal, a journal of another format version,
  ///         one locked past the busy timeout, or a path that cannot be written.
  static Journal open(const std::string& path, Options options);

  /// Opens an existing journal at @p path for reading; empty when there is no file. Creates and
  /// changes nothing.
  /// @throws JournalError as `open` does.
  static std::optional<Journal> open_existing(const std::string& path, Options options);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  [[nodiscard]] const std::string& path() const noexcept;

  /// The entry of @p external_id, if any.
  std::optional<JournalEntry> find(const std::string& external_id);

  /// Every entry not known to be placed, oldest first.
  std::vector<JournalEntry> pending();

  /// Adds a `prepared` entry, committed before returning; does nothing when @p external_id has
  /// one already (another process was first: its ticket is the one to place).
  void add(const std::string& external_id, const std::string& ticket);

  /// What `claim` found.
  struct Claim {
    enum class Outcome {
      claimed,  ///< the entry is now claimed by the caller
      placed,   ///< the order exists: nothing to do
      busy,     ///< a live process holds it: wait and claim again
    };
    Outcome outcome;
    JournalEntry entry;  ///< as it was when claimed (or found)
  };

  /// Claims the entry of @p external_id for @p self, taking over a claim whose process is gone.
  /// @throws JournalError when there is no such entry.
  Claim claim(const std::string& external_id, const ProcessIdentity& self);

  /// Records, committed, that a POST for @p external_id is about to leave or has just ended:
  /// state `sending`, `sent_at_ms` and `wait_after_send_ms` (replacing those of the send before:
  /// a claim places one send at a time, and the wait for any earlier one is over by then).
  /// @throws JournalError when @p self does not hold the claim (then nothing may be sent).
  void record_send(const std::string& external_id, const ProcessIdentity& self,
                   std::int64_t sent_at_ms, std::int64_t wait_after_send_ms);

  /// Records the order placed for @p external_id and releases the claim.
  void record_placed(const std::string& external_id, const ProcessIdentity& self,
                     std::optional<std::int64_t> order_id, const std::string& order_json);

  /// Releases @p self's claim on @p external_id, setting @p state when given.
  void release(const std::string& external_id, const ProcessIdentity& self,
               std::optional<std::string_view> state);

 private:
  explicit Journal(std::unique_ptr<JournalConnection> connection);
  std::unique_ptr<JournalConnection> impl_;
};

/// Milliseconds since the Unix epoch, now.
std::int64_t unix_now_ms();

}  // namespace impilo::cli
