// `impilo orders create --once`, `orders pending` and `orders resume` (orders_once.hpp): the
// ticket of each request is committed to the journal before its POST can leave, each POST is
// recorded as it leaves, and the answer when it comes.

#include "orders_once.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/ticket.hpp>
#include <impilo/transport.hpp>
#include <impilo/validation.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

namespace impilo::cli {

/// The transport of a journaled place. Each POST (the create; this client sends no other) first
/// calls the armed recorder with the bound on its attempt, which commits "a send may leave now,
/// and be answered as late as that" to the journal; once the attempt is over (answered or failed)
/// it calls it again with zero. A POST whose first record fails is not sent: the journal must know
/// of every create that may have left, or a restart could send again before that one is listed.
class RecordingTransport final : public HttpTransport {
 public:
  /// Records a send: @p in_flight is how much longer it may be in flight (zero: it is over).
  using Recorder = std::function<void(std::chrono::milliseconds in_flight)>;

  explicit RecordingTransport(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}

  /// Until `disarm`: every POST calls @p record before and after.
  void arm(Recorder record) {
    const std::lock_guard<std::mutex> lock(mutex_);
    record_ = std::move(record);
    failure_ = nullptr;
    sent_ = false;
  }

  /// Stops recording; the journal failure that kept a POST back, if any.
  std::exception_ptr disarm() {
    const std::lock_guard<std::mutex> lock(mutex_);
    record_ = nullptr;
    return std::exchange(failure_, nullptr);
  }

  /// Whether a POST left since `arm`.
  [[nodiscard]] bool sent() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }

  HttpResponse send(const HttpRequest& request) override {
    if (request.method != "POST") return inner_->send(request);
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!record_) {
      throw TransportError(TransportError::Kind::other, false,
                           "a create outside a journaled place was not sent");
    }
    try {
      record_(request.timeout);
    } catch (...) {
      failure_ = std::current_exception();
      // Certainly not sent: the client may try again, and report this if that fails too.
      throw TransportError(TransportError::Kind::other, false,
                           "the journal could not record the create, so it was not sent");
    }
    sent_ = true;
    struct Over {
      const Recorder& record;
      ~Over() {
        try {
          record(std::chrono::milliseconds(0));
        } catch (...) {  // the first record stays: a longer wait, never a shorter one
        }
      }
    } const over{record_};
    return inner_->send(request);
  }

 private:
  std::shared_ptr<HttpTransport> inner_;
  mutable std::mutex mutex_;
  Recorder record_;
  std::exception_ptr failure_;
  bool sent_{false};
};

namespace {

constexpr Journal::Options journal_options{};

/// `settle_delay` * (2^`settle_lookups` - 1): how long after a send an order it placed may take
/// to be listed (the SDK's one assumption about the server). `Client` has checked that it fits.
std::int64_t settle_window_ms(const ClientOptions& options) {
  return options.settle_delay.count() * ((std::int64_t{1} << options.settle_lookups) - 1);
}

ClientOptions placer_options(const Context& ctx, const JournalFlags& flags) {
  ClientOptions options = ctx.client_options();
  if (flags.settle_delay) options.settle_delay = *flags.settle_delay;
  return options;
}

ClientOptions with_transport(ClientOptions options, std::shared_ptr<HttpTransport> transport) {
  options.transport = std::move(transport);
  return options;
}

std::string order_name(const std::optional<std::int64_t>& id) {
  return id ? "order " + std::to_string(*id) : std::string("the order (no id)");
}

/// @p e with "; nothing was sent" added: said where it is true, when the journal fails before
/// any create could leave.
JournalError before_sending(const JournalError& e) {
  return JournalError(std::string(e.what()) + "; nothing was sent");
}

}  // namespace

/// What `place` gives: the order as JSON (as the server sent it, or as the journal kept it).
struct Placer::Placed {
  std::optional<std::int64_t> order_id;
  nlohmann::json order;
};

std::vector<Flag> journal_flags(JournalFlags& flags, bool with_settle_delay) {
  std::vector<Flag> list{{"--journal", true, [&flags](const std::string& v) {
                            if (v.empty()) throw UsageError("--journal needs a path");
                            flags.path = v;
                          }}};
  if (with_settle_delay) {
    list.push_back(settle_delay_flag(flags.settle_delay));
  }
  return list;
}

Placer::Placer(Context& ctx, const JournalFlags& flags)
    : ctx_(ctx),
      journal_path_(flags.path.value_or("")),
      options_(placer_options(ctx, flags)),
      transport_(
          std::make_shared<RecordingTransport>(make_curl_transport(options_.transport_options))),
      client_(with_transport(options_, transport_)),
      self_(ProcessIdentity::self()) {}

Placer::~Placer() = default;

Journal& Placer::journal() {
  if (!journal_) {
    try {
      if (journal_path_.empty()) journal_path_ = Journal::default_path();
      journal_ = Journal::open(journal_path_, journal_options);
    } catch (const JournalError& e) {
      throw before_sending(e);
    }
  }
  return *journal_;
}

void Placer::wait_out_settle_window(const JournalEntry& entry) const {
  if (!entry.sent_at_ms) return;
  // The send's answer may have come as late as its attempt's bound, and its order may be listed
  // the settle window after that: what the sender recorded, or our own window if longer. Capped,
  // so that a clock set back since the send never makes the wait longer.
  const std::int64_t window = std::max(entry.wait_after_send_ms, settle_window_ms(options_));
  const std::int64_t wait = std::min(window, *entry.sent_at_ms + window - unix_now_ms());
  if (wait <= 0) return;
  log_info(ctx_,
           "external id " + entry.external_id + " is " + entry.state + ": a create may have left " +
               std::to_string(unix_now_ms() - *entry.sent_at_ms) + " ms ago; waiting " +
               std::to_string(wait) + " ms, the rest of the settle window, before placing it");
  std::this_thread::sleep_for(std::chrono::milliseconds(wait));
}

Placer::Placed Placer::place(const std::string& external_id) {
  Journal& book = journal();
  Journal::Claim claim = book.claim(external_id, self_);
  for (bool told = false; claim.outcome == Journal::Claim::Outcome::busy;) {
    // Another live process is placing it: wait for its outcome rather than race it.
    if (!told) {
      log_info(ctx_, "external id " + external_id + " is being placed by process " +
                         std::to_string(claim.entry.claimed_by->pid) + ": waiting for it");
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    claim = book.claim(external_id, self_);
  }
  const JournalEntry& entry = claim.entry;
  if (claim.outcome == Journal::Claim::Outcome::placed) {
    log_info(ctx_, "external id " + external_id + " is placed as " + order_name(entry.order_id) +
                       " (journal): sending nothing");
    const nlohmann::json order = nlohmann::json::parse(entry.order_json, nullptr, false);
    if (order.is_discarded()) {
      throw UsageError("the journal " + book.path() + " records " + order_name(entry.order_id) +
                       " for external id " + external_id +
                       " but its copy of the order is damaged: see `impilo orders get`");
    }
    return {entry.order_id, order};
  }

  // Ours until released: released as it was when anything below throws, whatever the error.
  bool released = false;
  const auto release = [&](std::optional<std::string_view> state) {
    released = true;
    try {
      book.release(external_id, self_, state);
    } catch (const JournalError& e) {
      // Another process takes the claim over once this one has exited.
      warn(ctx_.err, std::string("could not release the journal's claim: ") + e.what());
    }
  };
  struct ReleaseOnExit {
    const std::function<void()> release;
    bool& released;
    ~ReleaseOnExit() {
      if (!released) release();
    }
  } const on_exit{[&] { release(std::nullopt); }, released};

  CreateTicket ticket = [&] {
    try {
      return CreateTicket::parse(entry.ticket);
    } catch (const UsageError& e) {
      throw UsageError("the journal's ticket for external id " + external_id +
                       " cannot be placed: " + e.what());
    }
  }();
  wait_out_settle_window(entry);

  const std::int64_t window = settle_window_ms(options_);
  transport_->arm([&](std::chrono::milliseconds in_flight) {
    book.record_send(external_id, self_, unix_now_ms(), in_flight.count() + window);
  });
  Order order;
  try {
    order = client_.place_order(ticket);
  } catch (const AmbiguousCreateError&) {
    transport_->disarm();
    release(entry_state::ambiguous);
    throw;
  } catch (...) {
    const std::exception_ptr journal_failure = transport_->disarm();
    // Certain: nothing was placed. A POST that left makes it `failed`; none keeps the state.
    release(transport_->sent() ? std::optional<std::string_view>(entry_state::failed)
                               : std::nullopt);
    if (journal_failure) std::rethrow_exception(journal_failure);
    throw;
  }
  transport_->disarm();
  nlohmann::json placed = order;
  try {
    book.record_placed(external_id, self_, order.id, placed.dump());
    released = true;
  } catch (const JournalError& e) {
    // The order exists: it is the result. The entry stays pending, and the next place finds the
    // order by its external id.
    warn(ctx_.err, order_name(order.id) + " was placed, but the journal could not record it (" +
                       e.what() + "); a rerun finds it by external id " + external_id);
  }
  return {order.id, std::move(placed)};
}

void Placer::create(const CreateOrderRequest& request) {
  // Invalid: exit 3 before the journal is touched (prepare_order checks again).
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  Journal& book = journal();
  std::string external_id;
  if (request.external_order_ids && !request.external_order_ids->empty()) {
    external_id = request.external_order_ids->front();
  }
  std::optional<JournalEntry> known;
  if (!external_id.empty()) known = book.find(external_id);
  if (known) {
    bool same = false;
    try {
      same = CreateTicket::parse(known->ticket).request() == request;
    } catch (const UsageError&) {  // reported by place, which cannot place it
    }
    if (!same) {
      warn(ctx_.err, "the journal already holds external id " + external_id +
                         " with another request; the journal's is the one placed (a new order "
                         "needs a new external id)");
    }
  } else {
    const CreateTicket ticket = client_.prepare_order(request);
    external_id = ticket.external_id();
    // Committed before anything can be sent. When another process added the same id first, its
    // ticket is kept, and placed by whichever of us claims it.
    book.add(external_id, ticket.to_string());
  }
  print_json(ctx_.out, place(external_id).order);
}

void Placer::resume() {
  if (journal_path_.empty()) {
    try {
      journal_path_ = Journal::default_path();
    } catch (const JournalError& e) {
      throw before_sending(e);
    }
  }
  // Nothing to resume without a journal, and nothing to create.
  if (!Journal::open_existing(journal_path_, journal_options)) {
    print_json(ctx_.out, nlohmann::json::array());
    return;
  }
  const std::vector<JournalEntry> entries = journal().pending();
  nlohmann::json results = nlohmann::json::array();
  std::vector<std::string> undecided;
  std::exception_ptr first_failure;
  bool journal_failed = false;
  for (const JournalEntry& entry : entries) {
    nlohmann::json result = {{"external_id", entry.external_id}, {"order_id", nullptr}};
    try {
      if (!journal_failed) {
        const Placed placed = place(entry.external_id);
        if (placed.order_id) result["order_id"] = *placed.order_id;
      }
    } catch (const AmbiguousCreateError& e) {
      undecided.push_back(entry.external_id);
      warn(ctx_.err, "external id " + entry.external_id + " is still undecided: " + e.what());
    } catch (const JournalError& e) {
      // The journal itself fails (locked, unwritable): the entries after it would fail the same
      // way, each after the busy timeout. They stay pending.
      warn(ctx_.err, "external id " + entry.external_id + " was not placed: " + e.what());
      if (!first_failure) first_failure = std::current_exception();
      journal_failed = true;
    } catch (const Error& e) {
      warn(ctx_.err, "external id " + entry.external_id + " was not placed: " + e.what());
      if (!first_failure) first_failure = std::current_exception();
    }
    results.push_back(std::move(result));
  }
  print_json(ctx_.out, results);
  if (!undecided.empty()) {
    std::string ids;
    for (const std::string& id : undecided) ids += (ids.empty() ? "" : ", ") + id;
    throw AmbiguousCreateError(undecided.front(),
                               std::to_string(undecided.size()) + " of " +
                                   std::to_string(entries.size()) +
                                   " pending orders are still undecided (external ids " + ids +
                                   "); run orders resume again later");
  }
  if (first_failure) std::rethrow_exception(first_failure);
}

void orders_pending(Context& ctx, Args& args) {
  JournalFlags flags;
  expect_no_positionals(args.rest(journal_flags(flags, false), ctx), "orders pending");
  const std::string path = flags.path ? *flags.path : Journal::default_path();
  nlohmann::json pending = nlohmann::json::array();
  if (std::optional<Journal> journal = Journal::open_existing(path, journal_options)) {
    for (const JournalEntry& entry : journal->pending()) {
      pending.push_back(
          {{"external_id", entry.external_id},
           {"state", entry.state},
           {"order_id", entry.order_id ? nlohmann::json(*entry.order_id) : nlohmann::json(nullptr)},
           {"created_at", entry.created_at}});
    }
  }
  print_json(ctx.out, pending);
}

void orders_resume(Context& ctx, Args& args) {
  JournalFlags flags;
  expect_no_positionals(args.rest(journal_flags(flags, true), ctx), "orders resume");
  Placer(ctx, flags).resume();
}

}  // namespace impilo::cli
