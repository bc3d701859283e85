// What failures look like, and what to do about each.
//
// Run it against `impilo mock --fail-next 1 --fail-status 503`: the first request gets a
// simulated 503, which the client retries by itself.

#include <impilo/impilo.hpp>

#include <iostream>

int main() {
  impilo::ClientOptions options = impilo::ClientOptions::from_env();
  options.logger = [](impilo::LogLevel level, std::string_view line) {
    std::cout << "  [" << impilo::to_string(level) << "] " << line << "\n";
  };
  options.log_level = impilo::LogLevel::warning;  // show retries only
  impilo::Client client(options);
  int failures = 0;

  // 1. A request that breaks rules is refused before anything is sent.
  impilo::CreateOrderRequest bad;
  bad.order_items = {impilo::OrderItem::of(1000, 0)};
  try {
    client.create_order(bad);
    ++failures;
  } catch (const impilo::ValidationError& e) {
    std::cout << "1. refused locally, nothing sent:\n";
    for (const auto& v : e.violations()) {
      std::cout << "   " << v.field << " [" << impilo::to_string(v.code) << "] " << v.message
                << "\n";
    }
  }

  // 2. A transient server failure on a read is retried automatically.
  try {
    const auto page = client.list_orders();
    std::cout << "2. listed " << page.content.size() << " order(s) after riding out a 503\n";
  } catch (const impilo::Error& e) {
    std::cout << "2. list failed: " << e.what() << "\n";
    ++failures;
  }

  // 3. The server refuses an order: a typed exception with the rule's code.
  impilo::CreateOrderRequest too_many;
  too_many.patient = impilo::Patient::with_id(5000);
  too_many.order_items = {impilo::OrderItem::of(1002, 500)};  // far more than in stock
  try {
    client.create_order(too_many);
    ++failures;
  } catch (const impilo::BadRequestError& e) {
    std::cout << "3. HTTP " << e.status() << ", code " << impilo::to_string(e.code())
              << ": " << e.message() << "\n";
    if (e.code() != impilo::ErrorCode::insufficient_inventory) ++failures;
  }

  // 4. A create that fails after it may have reached the server is never repeated by the SDK:
  //    check for the order (by your external_order_ids) before placing it again.
  try {
    client.get_order(999999);
    ++failures;
  } catch (const impilo::NotFoundError& e) {
    std::cout << "4. HTTP " << e.status() << ": no such order\n";
  } catch (const impilo::TransportError& e) {
    std::cout << "4. no answer; may have reached the server: " << e.may_have_reached_server()
              << "\n";
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
