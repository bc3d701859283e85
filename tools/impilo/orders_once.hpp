#pragma once

// `impilo orders create --once`, `orders pending` and `orders resume`: tickets placed through the
// journal (journal.hpp), so that a rerun, a crash or a second process never places an order
// twice. Not installed, not public API.

#include <chrono>
#include <impilo/client.hpp>
#include <impilo/models.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "journal.hpp"

namespace impilo::cli {

/// The flags of the journal commands.
struct JournalFlags {
  std::optional<std::string> path;                        ///< `--journal PATH`
  std::optional<std::chrono::milliseconds> settle_delay;  ///< `--settle-delay MS`
};

/// `--journal PATH` and, when @p with_settle_delay, `--settle-delay MS`, written into @p flags.
std::vector<Flag> journal_flags(JournalFlags& flags, bool with_settle_delay);

class RecordingTransport;  // orders_once.cpp

/// Places journal entries: a client whose transport records each create in the journal before
/// it leaves, the journal, and this process's identity for claims.
class Placer {
 public:
  /// Builds the client (with `--settle-delay`): usage problems (no API key, a bad option) come
  /// out here, before any input is read and before the journal is opened.
  /// @throws impilo::UsageError
  Placer(Context& ctx, const JournalFlags& flags);
  Placer(const Placer&) = delete;
  Placer& operator=(const Placer&) = delete;
  ~Placer();

  /// `orders create --once`: validates @p request (nothing is touched when it is invalid), opens
  /// the journal, and prints the order of the entry keyed by the request's first external id:
  /// the stored one when the journal knows it as placed (nothing sent), else the stored ticket
  /// placed; a request the journal does not know is prepared and committed to the journal first.
  void create(const CreateOrderRequest& request);

  /// `orders resume`: places every pending entry, prints `[{"external_id", "order_id"}]`.
  /// @throws impilo::AmbiguousCreateError (exit 11) when any stays undecided, after printing.
  void resume();

 private:
  struct Placed;
  Journal& journal();
  Placed place(const std::string& external_id);
  void wait_out_settle_window(const JournalEntry& entry) const;

  Context& ctx_;
  std::string journal_path_;
  ClientOptions options_;
  std::shared_ptr<RecordingTransport> transport_;
  Client client_;
  ProcessIdentity self_;
  std::optional<Journal> journal_;
};

/// `orders pending [--journal PATH]`: the entries not known to be placed, as a JSON array.
void orders_pending(Context& ctx, Args& args);

/// `orders resume [--journal PATH] [--settle-delay MS]`.
void orders_resume(Context& ctx, Args& args);

}  // namespace impilo::cli
