// Every order in the account, fetched page by page as the loop advances; and one page on its own.

#include <impilo/impilo.hpp>

#include <iostream>
#include <map>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    // Make sure there is something to page through.
    for (int i = 0; i < 7; ++i) {
      impilo::CreateOrderRequest request;
      request.patient = impilo::Patient::with_id(5000 + i % 3);
      request.order_items = {impilo::OrderItem::of(1004, 1)};
      client.create_order(request);
    }

    impilo::ListOrdersParams params;
    params.size = 3;  // small pages, to show the paging
    auto range = client.orders(params);
    std::map<std::string, int> by_status;
    int count = 0;
    for (const impilo::Order& order : range) {
      ++count;
      ++by_status[order.current_status ? order.current_status->str() : "(none)"];
    }
    std::cout << count << " orders in " << range.pages_fetched() << " pages of " << params.size
              << "\n";
    for (const auto& [status, n] : by_status) std::cout << "  " << status << ": " << n << "\n";

    const impilo::Page<impilo::Order> first = client.list_orders(params);
    std::cout << "page 1 holds " << first.content.size() << " of " << first.total.value_or(0)
              << " orders\n";
    return 0;
  } catch (const impilo::Error& e) {
    std::cerr << "paging failed: " << e.what() << "\n";
    return 1;
  }
}
