// A custom transport: wrap the built-in libcurl one to add a correlation header and time each
// request. The same seam lets you use your own HTTP stack, or a fake in unit tests.

#include <impilo/impilo.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>

namespace {

class TracingTransport : public impilo::HttpTransport {
 public:
  explicit TracingTransport(std::shared_ptr<impilo::HttpTransport> inner)
      : inner_(std::move(inner)) {}

  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    impilo::HttpRequest traced = request;
    traced.headers.emplace_back("X-Correlation-Id", "demo-" + std::to_string(++sequence_));
    const auto start = std::chrono::steady_clock::now();
    impilo::HttpResponse response = inner_->send(traced);  // throws TransportError on failure
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    // Log the method and status, never headers (the API key is one) or bodies (patient data).
    std::cout << "  " << request.method << " -> " << response.status << " in " << ms << " ms\n";
    return response;
  }

  int requests() const { return sequence_; }

 private:
  std::shared_ptr<impilo::HttpTransport> inner_;
  std::atomic<int> sequence_{0};
};

}  // namespace

int main() {
  try {
    auto transport = std::make_shared<TracingTransport>(impilo::make_curl_transport());
    impilo::ClientOptions options = impilo::ClientOptions::from_env();
    options.transport = transport;
    impilo::Client client(options);

    impilo::CreateOrderRequest request;
    request.patient = impilo::Patient::with_id(5002);
    request.order_items = {impilo::OrderItem::of(1001, 1)};
    const auto order = client.create_order(request);
    client.get_order(*order.id);
    std::cout << transport->requests() << " request(s) went through the custom transport\n";
    return transport->requests() == 2 ? 0 : 1;
  } catch (const impilo::Error& e) {
    std::cerr << "custom transport example failed: " << e.what() << "\n";
    return 1;
  }
}
