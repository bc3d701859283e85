// The simulator's order lifecycle: moving an order along the catalogue's status flow.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <impilo/models.hpp>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "internal.hpp"

namespace impilo::testing::detail {
namespace {

/// The simulator's tracking number for order @p id: `SIM` and the id in ten digits, so that a
/// test can predict it.
std::string tracking_number_of(std::int64_t id) {
  char text[32];
  std::snprintf(text, sizeof text, "SIM%010lld", static_cast<long long>(id));
  return text;
}

}  // namespace

OrderBook::Advanced OrderBook::advance(std::int64_t id) {
  const std::string now = utc_timestamp();
  const std::lock_guard<std::mutex> lock(mutex_);
  Advanced result;
  if (id < 1 || static_cast<std::uint64_t>(id) > orders_.size()) return result;
  const auto index = static_cast<std::size_t>(id - 1);
  Order& order = orders_[index];
  std::size_t& position = flow_positions_[index];
  if (position + 1 >= status_flow_.size()) {
    result.outcome = Advanced::Outcome::flow_ended;
    result.order = order;
    return result;
  }
  ++position;
  const std::string& status = status_flow_[position];
  order.current_status = OrderStatus::from_string(status);
  OrderEvent event;
  event.name = status;
  event.event_timestamp = now;
  if (!order.order_events) order.order_events.emplace();
  order.order_events->push_back(std::move(event));
  if (position == 1) {
    TrackingNumber tracking;
    tracking.carrier = "SIM";
    tracking.value = tracking_number_of(id);
    if (!order.tracking_numbers) order.tracking_numbers.emplace();
    order.tracking_numbers->push_back(std::move(tracking));
  }
  result.outcome = Advanced::Outcome::moved;
  result.order = order;
  return result;
}

std::vector<std::int64_t> OrderBook::advanceable() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < flow_positions_.size(); ++i) {
    if (flow_positions_[i] + 1 < status_flow_.size())
      ids.push_back(static_cast<std::int64_t>(i) + 1);
  }
  return ids;
}

}  // namespace impilo::testing::detail
