// A two-way order: new devices go out and old ones come back in the same shipment. Returns need a
// shipping option unless the return label is e-mailed (email_label = true).

#include <impilo/impilo.hpp>

#include <iostream>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    impilo::CreateOrderRequest request;
    request.patient = impilo::Patient::with_id(5001);
    request.order_items = {impilo::OrderItem::of(1000, 1)};  // the replacement
    request.return_devices = {impilo::ReturnDevice::of(9000)};  // the faulty device
    request.return_items = {impilo::ReturnItem::of(1004, 1)};   // its charger
    request.shipping_option = impilo::ShippingOptionValue::standard;

    const impilo::Order order = client.create_order(request);
    std::cout << "Two-way order " << *order.id << ": " << order.order_items->size()
              << " line(s) out, " << order.return_devices->size() << " device(s) and "
              << order.return_items->size() << " item line(s) back\n";

    // A return-only order with an e-mailed label needs no shipping option.
    impilo::CreateOrderRequest label_only;
    label_only.patient = impilo::Patient::with_id(5002);
    label_only.return_devices = {impilo::ReturnDevice::of(9001)};
    label_only.email_label = true;
    std::cout << "Return-only order " << *client.create_order(label_only).id
              << " (label e-mailed)\n";
    return 0;
  } catch (const impilo::Error& e) {
    std::cerr << "two-way order failed: " << e.what() << "\n";
    return 1;
  }
}
