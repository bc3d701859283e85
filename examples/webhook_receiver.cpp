// Receiving Impilo webhooks with a cpp-httplib server: the WebhookReceiver checks the shared
// secret, parses the envelope and drops re-deliveries; the handler only deals with new events,
// and when it fails to, answers 500 after forgetting the id, so that Impilo's retry is processed.
//
// The server reads each body itself, within one cap whatever its framing: cpp-httplib's own limit
// (set_payload_max_length) covers a Content-Length body only, not a chunked one, nor a gzip or
// brotli one, which it inflates as it reads.
//
// Run as is, it rehearses: it starts the server on 127.0.0.1 (a free port) and posts to itself
// what Impilo would post (a status change, its re-delivery, a forged request, an event that
// comes while the event store is down and its retry) and two bodies over the cap (chunked, and
// gzip-compressed to a few KiB), then stops. In production, serve it behind TLS on the URL you
// subscribed with `Client::create_webhook`.

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
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

/// The largest body read, counted after de-chunking and decompression: deliveries are a few KiB.
constexpr std::size_t max_body_bytes = std::size_t{1024} * 1024;

/// Reads the body through @p read into @p body, at most `max_body_bytes` of it whatever its
/// framing. On failure sets the answer (413 over the cap, else 400) and returns false.
bool read_capped_body(const httplib::ContentReader& read, httplib::Response& res,
                      std::string& body) {
  bool too_large = false;
  const bool complete = read([&](const char* data, std::size_t size) {
    too_large = size > max_body_bytes - body.size();
    if (!too_large) body.append(data, size);
    return !too_large;  // false stops reading (and inflating)
  });
  if (complete) return true;
  res.status = too_large ? 413 : 400;
  res.set_header("Connection", "close");  // the rest of the body is never read
  return false;
}

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
    std::atomic<int> refused_too_large{0};  // bodies answered 413 (the rehearsal checks it)

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(max_body_bytes);  // a Content-Length over it: 413, body unread
    server.Post("/impilo-webhooks", [&](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& read) {
      std::string body;
      if (!read_capped_body(read, res, body)) {
        if (res.status == 413) ++refused_too_large;
        return;
      }
      const impilo::WebhookHandling result =
          receiver.handle(req.get_header_value("Impilo-Webhook-Secret"), body);
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

    // Bodies over the cap, which no delivery comes near: 413, whatever the framing.
    const std::string padding(2 * max_body_bytes, ' ');  // JSON whitespace
    const auto chunked = impilo_side.Post(
        "/impilo-webhooks", with_secret,
        [&](std::size_t offset, httplib::DataSink& sink) {  // no length given: sent chunked
          if (offset < padding.size()) {
            sink.write(padding.data() + offset,
                       std::min<std::size_t>(64 * 1024, padding.size() - offset));
          } else {
            sink.done();
          }
          return true;
        },
        "application/json");
    httplib::Client compressing("127.0.0.1", port);
    compressing.set_compress(true);  // Content-Encoding: gzip; 2 MiB of spaces become ~2 KiB
    const auto gzipped =
        compressing.Post("/impilo-webhooks", with_secret, shipped + padding, "application/json");
    // The receiver answers 413 and closes without reading the rest. A sender still uploading
    // may see the connection reset before it reads that answer (0 here): what counts is that
    // the receiver refused both bodies and handed nothing out.
    const int sender_saw_chunked = chunked ? chunked->status : 0;
    const int sender_saw_gzip = gzipped ? gzipped->status : 0;

    server.stop();
    serving.join();
    std::cout << "answered " << fresh << ", " << repeat << ", " << refused << ", " << failed << ", "
              << retried << "; over the cap, refused with 413: " << refused_too_large
              << " of 2 (the senders saw " << sender_saw_chunked << " chunked, "
              << sender_saw_gzip << " gzip; 0 is a reset)\n";
    const auto refusal_or_reset = [](int status) { return status == 413 || status == 0; };
    const bool answers_right = fresh == 200 && repeat == 200 && refused == 401 && failed == 500 &&
                               retried == 200 && refused_too_large == 2 &&
                               refusal_or_reset(sender_saw_chunked) &&
                               refusal_or_reset(sender_saw_gzip);
    const bool each_saved_once = store.saved == std::map<std::int64_t, int>{{9001, 1}, {9002, 1}};
    return answers_right && each_saved_once ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "webhook receiver failed: " << e.what() << "\n";
    return 1;
  }
}
