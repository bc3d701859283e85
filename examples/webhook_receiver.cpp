// Receiving Impilo webhooks with a cpp-httplib server: the WebhookReceiver checks the shared
// secret, parses the envelope and drops re-deliveries; the handler only deals with new events,
// and when it fails to, answers 500 after forgetting the id, so that Impilo's retry is processed.
//
// Run as is, it rehearses: it starts the server on 127.0.0.1 (a free port) and posts to itself
// what Impilo would post (a status change, its re-delivery, a forged request, an event that
// comes while the event store is down and its retry), then stops. In production, serve it behind
// TLS on the URL you subscribed with `Client::create_webhook`.

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <impilo/impilo.hpp>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

/// Where your system keeps events (a database, a queue). While `down` it throws, as a database
/// that cannot be reached does: the rehearsal uses it to fail one delivery.
struct EventStore {
  std::map<std::int64_t, int> saved;  // delivery id -> times saved
  bool down{false};

  void save(const impilo::WebhookDelivery& delivery) {
    if (down) throw std::runtime_error("event store unavailable");
    ++saved[delivery.id];
  }
};

/// What your system does with a new event. Keep it quick (or queue it): Impilo waits for the
/// answer, and counts a slow one as failed. Whatever it throws, the handler below answers 500.
void on_delivery(const impilo::WebhookDelivery& delivery, EventStore& store) {
  store.save(delivery);
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
    EventStore store;
    std::mutex mutex;  // guards the store and the output

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.Post("/impilo-webhooks", [&](const httplib::Request& req, httplib::Response& res) {
      const impilo::WebhookHandling result =
          receiver.handle(req.get_header_value("Impilo-Webhook-Secret"), req.body);
      res.status = result.status;  // 200 also for a repeat, so that Impilo stops retrying
      const std::lock_guard<std::mutex> lock(mutex);
      if (result.delivery) {
        const std::int64_t id = result.delivery->id;
        try {
          on_delivery(*result.delivery, store);
        } catch (const std::exception& e) {  // any failure, not only an impilo::Error
          // The receiver remembered the id when it handed the delivery out: forget it, or
          // Impilo's retry would be acknowledged as a repeat and the event lost. Answer 500, and
          // the retry comes back as a new delivery.
          receiver.forget(id);
          res.status = 500;
          std::cerr << "delivery " << id << " failed, Impilo will retry: " << e.what() << "\n";
        } catch (...) {  // even what is no std::exception
          receiver.forget(id);
          res.status = 500;
          std::cerr << "delivery " << id << " failed, Impilo will retry\n";
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
    const std::string delivered = R"({"id": 9002, "type": "order.status",
            "payload": {"orderId": 42, "eventType": "delivered"}})";
    const httplib::Headers with_secret{{"Impilo-Webhook-Secret", secret}};
    const httplib::Headers forged{{"Impilo-Webhook-Secret", "guess"}};
    const auto post = [&](const httplib::Headers& headers, const std::string& body) {
      const auto r = impilo_side.Post("/impilo-webhooks", headers, body, "application/json");
      return r ? r->status : 0;
    };
    const auto set_store_down = [&](bool down) {
      const std::lock_guard<std::mutex> lock(mutex);
      store.down = down;
    };
    const int fresh = post(with_secret, shipped);   // new: printed
    const int repeat = post(with_secret, shipped);  // the re-delivery: not printed again
    const int refused = post(forged, shipped);      // wrong secret: 401
    set_store_down(true);
    const int failed = post(with_secret, delivered);  // the store throws: 500
    set_store_down(false);
    const int retried = post(with_secret, delivered);  // Impilo's retry, same id: processed

    server.stop();
    serving.join();
    std::cout << "answered " << fresh << ", " << repeat << ", " << refused << ", " << failed << ", "
              << retried << "\n";
    const bool answers_right =
        fresh == 200 && repeat == 200 && refused == 401 && failed == 500 && retried == 200;
    const bool each_saved_once = store.saved == std::map<std::int64_t, int>{{9001, 1}, {9002, 1}};
    return answers_right && each_saved_once ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "webhook receiver failed: " << e.what() << "\n";
    return 1;
  }
}
