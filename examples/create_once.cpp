// Placing an order exactly once. The API has no idempotency key, so create_order_once uses the
// order's external id as one: when an answer is lost (a cut connection, a timeout, a 5xx), it
// looks the order up by that id before deciding to send again.
//
// Run it against `impilo mock --commit-then-drop 1`: the simulator places the order and then
// closes the connection without answering, and the order is still placed only once.

#include <impilo/impilo.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

int main() {
  impilo::ClientOptions options = impilo::ClientOptions::from_env();
  // How long a server may take to commit after the connection broke (default 2 s).
  options.settle_delay = std::chrono::milliseconds(500);
  // Each step of the reconciliation is logged at info (never patient data).
  options.logger = [](impilo::LogLevel level, std::string_view line) {
    std::cerr << impilo::to_string(level) << ": " << line << "\n";
  };

  // Your own order number: the key to reconcile with, now and later. Leave externalOrderIds
  // empty and the SDK adds a random "impilo-cpp:..." id instead.
  const std::string our_id = "clinic-7781";
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(5000);
  request.order_items = {impilo::OrderItem::of(1003, 1)};
  request.external_order_ids = std::vector<std::string>{our_id};

  try {
    const impilo::Client client(options);
    const impilo::Order order = client.create_order_once(request);
    std::cout << "order " << order.id.value_or(0) << " placed as " << our_id << "\n";

    const std::vector<impilo::Order> carrying = client.find_orders_by_external_id(our_id);
    std::cout << carrying.size() << " order(s) carry " << our_id << "\n";
    return carrying.size() == 1 ? 0 : 1;
  } catch (const impilo::AmbiguousCreateError& e) {
    // Undecided: the order may exist. Do not place it again blindly; reconcile later with
    // find_orders_by_external_id(e.external_id()).
    std::cerr << "not sure whether " << e.external_id() << " was placed: " << e.what() << "\n";
    return 2;
  } catch (const impilo::Error& e) {
    std::cerr << "create failed: " << e.what() << "\n";
    return 1;
  }
}
