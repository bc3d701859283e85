// Creating an order exactly once (docs/retries.md, docs/adr/0008-create-once.md): the lookup by
// external id and the decision that reconciles an ambiguous create instead of repeating it blindly.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/validation.hpp>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client_impl.hpp"
#include "external_id_search.hpp"
#include "listing.hpp"

namespace impilo {
namespace {

/// `impilo-cpp:` and 32 random lower-case hex digits (128 bits: no two calls ever share one).
std::string generated_external_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "impilo-cpp:";
  const auto append = [&id](std::uint64_t bits, int digits) {
    for (int i = 0; i < digits; ++i, bits >>= 4U) id += hex[bits & 0xFU];
  };
  try {
    std::random_device device;
    for (int i = 0; i < 4; ++i) append(device(), 8);
  } catch (const std::exception&) {
    // No entropy source (a sandbox without /dev/urandom): a generator seeded by the clock and a
    // per-process counter still gives ids that differ between calls.
    static std::atomic<std::uint64_t> counter{0};
    std::mt19937_64 engine(
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL));
    append(engine(), 16);
    append(engine(), 16);
  }
  return id;
}

/// The newest order id of the account, as a bound every later order is above (ids grow with
/// creation): the larger of page 1's first order and the order at position `total`. Any order
/// seen is a safe bound, so a `total` that lies only costs lookups more pages. Empty for an
/// account with no order.
std::optional<std::int64_t> newest_order_id(const Client& client) {
  ListOrdersParams probe;
  probe.size = 1;
  const Page<Order> head = client.list_orders(probe);
  std::optional<std::int64_t> newest;
  const auto note = [&newest](const Page<Order>& page) {
    for (const Order& order : page.content) {
      if (order.id && (!newest || *order.id > *newest)) newest = order.id;
    }
  };
  note(head);
  if (head.total && *head.total > 1) {
    probe.page = *head.total;
    note(client.list_orders(probe));
  }
  return newest;
}

std::string describe_bound(const std::optional<std::int64_t>& newer_than) {
  return newer_than ? std::to_string(*newer_than) : std::string("none (no order yet)");
}

}  // namespace

std::string detail::ambiguity_of_current_exception() {
  try {
    throw;
  } catch (const TransportError& e) {
    if (e.may_have_taken_effect()) return "TransportError (" + describe(e) + ")";
  } catch (const ServerError& e) {
    // 5xx, and a proxy's 408: the server may have committed before failing to answer.
    if (e.may_have_taken_effect()) return "ServerError (HTTP " + std::to_string(e.status()) + ")";
  }
  return {};
}

/// The steps every create-once call shares: the lookups, and the send loop that reconciles.
class Client::Once {
 public:
  Once(const Client& client, std::string external_id, std::optional<std::int64_t> newer_than)
      : client_(client), external_id_(std::move(external_id)), newer_than_(newer_than) {}

  void step(const std::string& line) const {
    client_.impl_->log(LogLevel::info,
                       [&] { return "create once [" + external_id_ + "]: " + line; });
  }

  /// Orders carrying the id within @p bound, lowest id first.
  [[nodiscard]] std::vector<Order> lookup(const detail::SearchBound& bound) const {
    const Impl& impl = *client_.impl_;
    const detail::SearchNotes notes{[this](const std::string& line) { step("lookup: " + line); },
                                    [this](const std::string& line) {
                                      client_.impl_->log(LogLevel::warning, [&] {
                                        return "create once [" + external_id_ + "]: " + line;
                                      });
                                    }};
    return detail::find_by_external_id(
        detail::page_fetch<Order>(client_.impl_, std::string(orders_path),
                                  detail::orders_query({})),
        impl.options.prefetch_pages, notes, external_id_, bound);
  }

  /// The lookups of the settle window after an outcome described by @p ambiguity: the order
  /// found, or none when no lookup saw it.
  /// @throws impilo::AmbiguousCreateError when a lookup fails.
  [[nodiscard]] std::optional<Order> settle(const std::string& ambiguity) const {
    const ClientOptions& options = client_.impl_->options;
    std::optional<Order> placed;
    const auto before_wait = [&](int round, std::chrono::milliseconds wait) {
      step("looking the order up in " + std::to_string(wait.count()) + " ms (" +
           std::to_string(round) + "/" + std::to_string(options.settle_lookups) + ")");
    };
    detail::over_settle_window(options, before_wait, [&] {
      std::vector<Order> found;
      try {
        found = lookup({newer_than_, std::nullopt});
      } catch (const Error& e) {
        step(std::string("the lookup failed: ") + e.what());
        throw AmbiguousCreateError(
            external_id_, "the create ended with " + ambiguity + " and looking for external id " +
                              external_id_ + " failed (" + e.what() +
                              "); the order may exist: place the same ticket again later, or "
                              "reconcile with find_orders_by_external_id");
      }
      if (found.empty()) return false;
      placed = found.front();
      step("found order " + (placed->id ? std::to_string(*placed->id) : std::string("(no id)")) +
           (found.size() > 1 ? " (the lowest of " + std::to_string(found.size()) + ")" : ""));
      return true;
    });
    return placed;
  }

  /// Sends @p request, reconciling every ambiguous outcome (`create_order_once`, steps 3 and 4).
  [[nodiscard]] Order send(const CreateOrderRequest& request) const {
    const int sends = client_.impl_->options.max_retries + 1;
    for (int send = 1;; ++send) {
      const std::string attempt = std::to_string(send) + "/" + std::to_string(sends);
      std::string ambiguity;
      bool accepted = false;  // a 2xx: the order exists, so it is never sent again
      try {
        step("sending (" + attempt + ")");
        Order order = client_.create_order(request);
        step("created order " + (order.id ? std::to_string(*order.id) : std::string("(no id)")));
        return order;
      } catch (const DecodeError& e) {
        if (!e.may_have_reached_server()) throw;
        accepted = true;
        ambiguity = std::string("DecodeError (an undecodable 2xx answer at ") +
                    (e.pointer().empty() ? "(root)" : e.pointer()) + ")";
      } catch (const Error&) {
        ambiguity = detail::ambiguity_of_current_exception();
        if (ambiguity.empty()) throw;  // the outcome is certain: nothing was placed
      }
      step("send " + attempt + " ended " + (accepted ? "accepted, " : "ambiguously: ") + ambiguity);
      if (std::optional<Order> found = settle(ambiguity)) return *std::move(found);
      if (accepted) {
        step("the server accepted the order but no lookup shows it: not sending it again");
        throw AmbiguousCreateError(
            external_id_, "the server accepted the create (" + ambiguity +
                              ") but no order carrying external id " + external_id_ +
                              " is listed after the settle window; it is never sent again: "
                              "place the same ticket again later, or reconcile with "
                              "find_orders_by_external_id");
      }
      if (send >= sends) {
        step("not found, and no send is left: giving up undecided");
        throw AmbiguousCreateError(
            external_id_, "the last of " + std::to_string(sends) + " sends ended with " +
                              ambiguity + " and no order carries external id " + external_id_ +
                              " after the settle window; it may still appear: place the same "
                              "ticket again later, or reconcile with find_orders_by_external_id");
      }
      step("not found in the settle window: sending the same request again");
    }
  }

 private:
  const Client& client_;
  std::string external_id_;
  std::optional<std::int64_t> newer_than_;
};

std::vector<Order> Client::find_orders_by_external_id(
    std::string_view external_id, std::optional<std::int64_t> newer_than_id) const {
  if (external_id.empty()) throw UsageError("find_orders_by_external_id: external_id is empty");
  const detail::SearchNotes notes{
      [impl = impl_](const std::string& line) {
        impl->log(LogLevel::info, [&] { return "find by external id: " + line; });
      },
      [impl = impl_](const std::string& line) {
        impl->log(LogLevel::warning, [&] { return "find by external id: " + line; });
      }};
  return detail::find_by_external_id(
      detail::page_fetch<Order>(impl_, std::string(orders_path), detail::orders_query({})),
      impl_->options.prefetch_pages, notes, external_id, {newer_than_id, std::nullopt});
}

namespace {

/// @p request validated, with its first external id fixed (generated when it has none).
/// @throws impilo::ValidationError
CreateOrderRequest keyed(const CreateOrderRequest& request, bool* caller_set) {
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  CreateOrderRequest once = request;
  *caller_set = once.external_order_ids && !once.external_order_ids->empty();
  if (!*caller_set) once.external_order_ids = std::vector<std::string>{generated_external_id()};
  if (once.external_order_ids->front().empty()) {
    throw ValidationError({Violation{"/externalOrderIds/0", ErrorCode::invalid_data,
                                     "the first external order id is empty; it is the key the "
                                     "order is looked up by"}});
  }
  return once;
}

}  // namespace

Order Client::create_order_once(const CreateOrderRequest& request) const {
  bool caller_set = false;
  const CreateOrderRequest once = keyed(request, &caller_set);
  const std::string& external_id = once.external_order_ids->front();

  // The newest order before the first send bounds every lookup: an order this call places can
  // only be newer.
  std::optional<std::int64_t> newer_than;
  bool noted = true;
  try {
    newer_than = newest_order_id(*this);
  } catch (const Error& e) {
    noted = false;
    impl_->log(LogLevel::info, [&] {
      return "create once [" + external_id + "]: could not note the newest order (" + e.what() +
             "); a lookup will read every page";
    });
  }
  const Once steps(*this, external_id, newer_than);
  if (noted) steps.step("newest order before sending: " + describe_bound(newer_than));

  if (caller_set && impl_->options.once_lookback > 0) {
    // A rerun of the same intent: look among the newest orders before sending (nothing is
    // placed yet, so a failure here is thrown as it is).
    const std::vector<Order> found = steps.lookup({std::nullopt, impl_->options.once_lookback});
    if (!found.empty()) {
      steps.step("already placed as order " +
                 (found.front().id ? std::to_string(*found.front().id) : std::string("(no id)")) +
                 ": sending nothing");
      return found.front();
    }
  }
  return steps.send(once);
}

CreateTicket Client::prepare_order(const CreateOrderRequest& request) const {
  bool caller_set = false;
  CreateOrderRequest once = keyed(request, &caller_set);
  std::string external_id = once.external_order_ids->front();
  const std::optional<std::int64_t> newer_than = newest_order_id(*this);
  impl_->log(LogLevel::info, [&] {
    return "prepare order [" + external_id + "]: newest order " + describe_bound(newer_than);
  });
  return CreateTicket(std::move(external_id), newer_than, std::move(once));
}

Order Client::place_order(const CreateTicket& ticket) const {
  // A ticket from an older SDK, or parsed by hand, is checked by this version's rules.
  if (auto violations = validate(ticket.request()); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  const Once steps(*this, ticket.external_id(), ticket.newer_than_id());
  steps.step("placing the ticket: looking for orders newer than " +
             describe_bound(ticket.newer_than_id()));
  const std::vector<Order> found = steps.lookup({ticket.newer_than_id(), std::nullopt});
  if (!found.empty()) {
    steps.step("already placed as order " +
               (found.front().id ? std::to_string(*found.front().id) : std::string("(no id)")) +
               ": sending nothing");
    return found.front();
  }
  return steps.send(ticket.request());
}

}  // namespace impilo
