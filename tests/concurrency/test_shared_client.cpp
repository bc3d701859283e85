// One `impilo::Client` shared by 8 threads doing creates, gets and lists at once against the
// in-process simulator: every create is accounted for (created, or refused for inventory, never
// lost or doubled), the inventory left is exact, and every answer is the right one.

#include <atomic>
#include <cstdint>
#include <impilo/impilo.hpp>
#include <impilo/testing/simulator.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "sim_support.hpp"

using impilo::ErrorCode;
using namespace sim_test;

namespace {

constexpr int thread_count = 8;
constexpr int operations_per_thread = 60;
constexpr std::int64_t stock = 120;  // less than the creates ask for: some are refused

/// What one create asked for, under its unique external id.
struct Placed {
  std::int64_t units{0};
  std::int64_t id{0};  // 0 when refused
};

}  // namespace

TEST_CASE("one client shared by 8 threads: every create accounted for, inventory exact",
          "[concurrency]") {
  const auto sim = started();
  sim->set_inventory(demo::bp_monitor, stock);
  const impilo::Client client = make_client(*sim);

  std::mutex placed_mutex;
  std::map<std::string, Placed> placed;  // by external id
  std::atomic<int> unexpected{0};
  std::atomic<int> gets{0};
  std::atomic<int> lists{0};

  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t) {
    workers.emplace_back([&, t] {
      std::vector<std::int64_t> mine;  // ids this thread created
      for (int i = 0; i < operations_per_thread; ++i) {
        try {
          switch ((t + i) % 4) {
            case 0:
            case 1: {  // create 1..3 units under a unique external id
              const std::string external = "t" + std::to_string(t) + "-" + std::to_string(i);
              const std::int64_t units = 1 + (t + i) % 3;
              impilo::CreateOrderRequest request = item_order(demo::bp_monitor, units);
              request.external_order_ids = std::vector<std::string>{external};
              Placed outcome{units, 0};
              try {
                const impilo::Order order = client.create_order(request);
                outcome.id = order.id.value_or(-1);
                if (order.external_order_ids != request.external_order_ids) ++unexpected;
                mine.push_back(outcome.id);
              } catch (const impilo::BadRequestError& e) {
                if (e.code() != ErrorCode::insufficient_inventory) ++unexpected;
              }
              const std::lock_guard<std::mutex> lock(placed_mutex);
              placed.emplace(external, outcome);
              break;
            }
            case 2: {  // get one of ours back: the same order
              if (mine.empty()) break;
              const std::int64_t id = mine[static_cast<std::size_t>(i) % mine.size()];
              if (client.get_order(id).id != id) ++unexpected;
              ++gets;
              break;
            }
            default: {  // a page: ascending ids, never more than asked for
              impilo::ListOrdersParams params;
              params.size = 10;
              const auto page = client.list_orders(params);
              if (page.content.size() > 10) ++unexpected;
              for (std::size_t k = 1; k < page.content.size(); ++k) {
                if (!(page.content[k - 1].id < page.content[k].id)) ++unexpected;
              }
              ++lists;
            }
          }
        } catch (const std::exception& e) {
          UNSCOPED_INFO("thread " << t << ": " << e.what());
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();

  CHECK(unexpected == 0);
  CHECK(gets > 0);
  CHECK(lists > 0);
  REQUIRE(placed.size() == thread_count * operations_per_thread / 2);

  std::int64_t units_created = 0;
  std::set<std::int64_t> created_ids;
  for (const auto& [external, outcome] : placed) {
    if (outcome.id == 0) continue;
    units_created += outcome.units;
    CHECK(created_ids.insert(outcome.id).second);  // no id handed out twice
    const auto stored = sim->order(outcome.id);
    REQUIRE(stored);
    CHECK(stored->external_order_ids == std::vector<std::string>{external});
  }
  CHECK(units_created > 0);
  CHECK(units_created <= stock);
  // Exactly the orders the clients were told about exist, and took exactly their units.
  CHECK(sim->orders().size() == created_ids.size());
  CHECK(sim->inventory(demo::bp_monitor) == stock - units_created);
}
