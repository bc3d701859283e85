// A site order: devices shipped to a clinic rather than a patient. A site is named by its id only;
// its name or address never finds or creates a site.

#include <impilo/impilo.hpp>

#include <iostream>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    impilo::CreateOrderRequest request;
    request.site = impilo::Site::with_id(10);
    request.order_items = {impilo::OrderItem::of(1001, 5), impilo::OrderItem::of(1004, 5)};
    request.shipping_option = impilo::ShippingOptionValue::overnight;

    const impilo::Order order = client.create_order(request);
    std::cout << "Site order " << *order.id << " to " << order.site->name.value_or("site")
              << ", shipping " << order.shipping_option->str() << "\n";
    return 0;
  } catch (const impilo::Error& e) {
    std::cerr << "site order failed: " << e.what() << "\n";
    return 1;
  }
}
