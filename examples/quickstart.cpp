// Quickstart: place an order for an existing patient, fetch it back, and count every order.
//
// Reads IMPILO_BASE_URL and IMPILO_API_KEY. Try it against the simulator:
//   impilo mock --port 8080 &
//   IMPILO_BASE_URL=http://127.0.0.1:8080 IMPILO_API_KEY=sim-key-1 ./quickstart

#include <impilo/impilo.hpp>

#include <iostream>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    impilo::CreateOrderRequest request;
    request.patient = impilo::Patient::with_id(5000);
    request.order_items = {impilo::OrderItem::of(1000, 1)};  // one blood-pressure cuff
    request.order_kits = {impilo::OrderKit::of(2000, 1)};    // one hypertension kit
    request.shipping_option = impilo::ShippingOptionValue::standard;
    // Your own reference: after a failure, look for it before placing the order again.
    request.external_order_ids = std::vector<std::string>{"quickstart-0001"};

    const impilo::Order created = client.create_order(request);
    std::cout << "Placed order " << *created.id << " for " << created.patient->first_name.value_or("?")
              << " " << created.patient->last_name.value_or("?") << ":\n";
    for (const auto& line : created.order_items.value_or(std::vector<impilo::OrderItem>{})) {
      std::cout << "  " << *line.count << " x " << line.item->name.value_or("item") << "\n";
    }
    for (const auto& line : created.order_kits.value_or(std::vector<impilo::OrderKit>{})) {
      std::cout << "  " << *line.count << " x " << line.kit->name.value_or("kit") << " (kit)\n";
    }

    const impilo::Order fetched = client.get_order(*created.id);
    std::cout << "Order " << *fetched.id << " status: "
              << (fetched.current_status ? fetched.current_status->str() : "unknown") << "\n";

    std::size_t count = 0;
    for (const impilo::Order& order : client.orders()) {
      (void)order;
      ++count;
    }
    std::cout << "The account has " << count << " order(s).\n";
    return 0;
  } catch (const impilo::Error& e) {
    std::cerr << "quickstart failed: " << e.what() << "\n";
    return 1;
  }
}
