// Receiving Impilo webhooks with a cpp-httplib server: the WebhookReceiver checks the shared
// secret, parses the envelope and drops re-deliveries; the handler only deals with new events.
//
// Run as is, it rehearses: it starts the server on 127.0.0.1 (a free port) and posts to itself
// what Impilo would post (a status change, its re-delivery, a forged request), then stops. In
// production, serve it behind TLS on the URL you subscribed with `Client::create_webhook`.

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <impilo/impilo.hpp>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

/// What your system does with a new event. Keep it quick (or queue it): Impilo waits for the
/// answer, and counts a slow one as failed.
void on_delivery(const impilo::WebhookDelivery& delivery) {
  if (delivery.type == impilo::WebhookTypeValue::order_status_full) {
    const impilo::Order order = *delivery.order();
    std::cout << "order " << order.id.value_or(0) << " is now "
              << (order.current_status ? order.current_status->str() : "?");
    if (order.tracking_numbers && !order.tracking_numbers->empty()) {
      std::cout << ", tracking " << order.tracking_numbers->front().value.value_or("");
    }
    std::cout << "\n";
  } else {
    std::cout << "delivery " << delivery.id << " of type " << delivery.type.str() << "\n";
  }
}

}  // namespace

int main() {
  try {
    // The secret you set with `Client::set_webhook_secret` (or `impilo webhooks set-secret`).
    const char* from_env = std::getenv("IMPILO_WEBHOOK_SECRET");
    const std::string secret =
        from_env != nullptr && *from_env != '\0' ? from_env : "demo-secret-1";

    impilo::WebhookReceiver receiver(secret);  // remembers the last 100000 delivery ids
    std::mutex output;

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.Post("/impilo-webhooks", [&](const httplib::Request& req, httplib::Response& res) {
      const impilo::WebhookHandling result =
          receiver.handle(req.get_header_value("Impilo-Webhook-Secret"), req.body);
      res.status = result.status;  // 200 also for a repeat, so that Impilo stops retrying
      const std::lock_guard<std::mutex> lock(output);
      if (result.delivery) {
        try {
          on_delivery(*result.delivery);
        } catch (const impilo::Error& e) {
          // Processing failed: forget the id, answer 500, and Impilo's retry brings it back.
          receiver.forget(result.delivery->id);
          res.status = 500;
          std::cerr << "delivery " << result.delivery->id << " failed: " << e.what() << "\n";
        }
      } else if (result.status != 200) {
        std::cout << "refused with " << result.status << ": " << result.reason << "\n";
      }
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    if (port < 0) throw std::runtime_error("cannot listen on 127.0.0.1");
    std::thread serving([&] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    // ---- The rehearsal: what Impilo would send ------------------------------------------------
    httplib::Client impilo_side("127.0.0.1", port);
    const std::string shipped =
        R"({"id": 9001, "type": "order.statusFull", "payload": {"id": 42,
            "currentStatus": "shipped", "trackingNumbers": [{"carrier": "SIM", "value": "TRK-1"}]}})";
    const httplib::Headers with_secret{{"Impilo-Webhook-Secret", secret}};
    const httplib::Headers forged{{"Impilo-Webhook-Secret", "guess"}};
    int statuses[3] = {};
    if (auto r = impilo_side.Post("/impilo-webhooks", with_secret, shipped, "application/json")) {
      statuses[0] = r->status;  // new: printed
    }
    if (auto r = impilo_side.Post("/impilo-webhooks", with_secret, shipped, "application/json")) {
      statuses[1] = r->status;  // the re-delivery: acknowledged, not printed again
    }
    if (auto r = impilo_side.Post("/impilo-webhooks", forged, shipped, "application/json")) {
      statuses[2] = r->status;  // wrong secret: 401
    }

    server.stop();
    serving.join();
    std::cout << "answered " << statuses[0] << ", " << statuses[1] << ", " << statuses[2] << "\n";
    return statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 401 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "webhook receiver failed: " << e.what() << "\n";
    return 1;
  }
}
