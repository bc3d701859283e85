#pragma once

// Internals of the simulator shared between its translation units. Not installed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <impilo/errors.hpp>
#include <impilo/models.hpp>
#include <impilo/testing/simulator.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo::testing::detail {

/// The first inconsistency of @p catalog as "JSON pointer: problem", or `std::nullopt` when it is
/// consistent (see `Catalog`).
std::optional<std::string> find_catalog_problem(const Catalog& catalog);

/// One HTTP answer: status, JSON body, extra headers.
struct Answer {
  int status{200};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Close the connection instead of sending this answer (`commit_then_drop`).
  bool drop_connection{false};
};

/// `{"message": message}` with @p status.
Answer message_answer(int status, std::string_view message);

/// A broken rule: the request is refused with 400 and this text (thrown by `reject`, caught by
/// the endpoint, so that each rule reads as one line).
struct Rejected {
  std::string message;
};

/// Refuses the request with @p message.
[[noreturn]] void reject(std::string_view message);

/// Refuses the request with the documented sentence of @p code.
[[noreturn]] void reject(ErrorCode code);

/// A request body as a @p Model (an order request or a patient): `Invalid JSON format` for text
/// that is not exactly one JSON value, `Invalid data provided` for anything but an object of the
/// model's member types. Defined for `CreateOrderRequest` and `Patient` (order_book.cpp).
template <typename Model>
Model decode_body(std::string_view body);

/// Absent, empty or only whitespace: what the API calls blank.
bool is_blank(const std::optional<std::string>& value);

/// True when @p date_of_birth is absent, or a real `YYYY-MM-DD` date not after today (UTC): the
/// rule of every patient the simulator creates or updates.
bool is_valid_date_of_birth(const std::optional<std::string>& date_of_birth);

/// A request's query: every value of parameter @p name, in the order sent; empty when absent.
using QueryValues = std::function<std::vector<std::string>(const char* name)>;

/// A whole decimal integer (optionally negative), or nothing.
std::optional<std::int64_t> parse_integer(std::string_view text);

/// @p when (now by default) as ISO 8601 UTC with milliseconds: `2024-05-01T12:34:56.789Z`.
std::string utc_timestamp(
    std::chrono::system_clock::time_point when = std::chrono::system_clock::now());

/// An order as compact JSON, the way the API answers with it.
std::string order_json(const Order& order);

/// Where a page of a list falls: entries [begin, end) of total.
struct PageWindow {
  std::int64_t total;
  std::int64_t begin;
  std::int64_t end;
  bool first;
  bool last;
};

/// A list call's 1-based `page` and `size`, checked.
struct PageRequest {
  std::int64_t page;
  std::int64_t size;
  /// The entries this page shows of a list of @p total.
  [[nodiscard]] PageWindow window(std::int64_t total) const;
};

/// The raw `page` and `size` query values (absent: 1 and 15), or nothing when either is not an
/// integer, the page is below 1 or the size outside 1..250 (the API's 400 `Invalid data`).
std::optional<PageRequest> parse_page_request(const std::optional<std::string>& page,
                                              const std::optional<std::string>& size);

/// Where to bind and how to write a loopback host in a URL.
struct LoopbackHost {
  std::string bind;
  std::string in_url;
};

/// @p host as a loopback address (`127.0.0.0/8`, `::1`, bracketed or not, or `localhost`), or
/// nothing when it is any other host.
std::optional<LoopbackHost> loopback_host(std::string host);

/// Texts of the simulator's own answers, which the API does not document. The documented 400
/// texts are not repeated here: they come from `impilo::server_message(ErrorCode)`, the table the
/// SDK classifies server answers with, so the simulator cannot drift from what the client expects.
namespace text {
inline constexpr std::string_view order_not_found = "Order not found";
inline constexpr std::string_view patient_not_found = "Patient not found";
inline constexpr std::string_view not_found = "Not found";
inline constexpr std::string_view method_not_allowed = "Method not allowed";
inline constexpr std::string_view unauthorized = "Unauthorized";
inline constexpr std::string_view simulated_failure = "simulated failure";
}  // namespace text

/// The simulator's state and every rule of the API: HTTP-free, so each answer is a pure function
/// of the state and the request. Thread-safe: the catalogue indexes are immutable after
/// construction; orders, patients and inventory sit behind one mutex.
class OrderBook {
 public:
  /// Indexes @p catalog, showing references in full (a kit item's item, a patient's site, ...).
  /// @throws std::invalid_argument when the catalogue is inconsistent.
  explicit OrderBook(const Catalog& catalog);

  /// True when @p key is one of the catalogue's API keys.
  [[nodiscard]] bool accepts_key(std::string_view key) const;

  /// `POST /api/v3/order` with @p body: 201 and the order, or 400 and the first broken rule.
  Answer create(std::string_view body);
  /// `GET /api/v3/order/{id}` with the path segment @p id_text.
  [[nodiscard]] Answer get(std::string_view id_text) const;
  /// `GET /api/v3/order` with the raw `page` and `size` query values (absent: 1 and 15), by
  /// ascending id, or descending with @p descending.
  [[nodiscard]] Answer list(const std::optional<std::string>& page,
                            const std::optional<std::string>& size, bool descending = false) const;

  /// `POST /api/v3/patient` with @p body: 201 and the patient with a new id, or 400 and the
  /// first broken rule (src/testing/patient_book.cpp).
  Answer create_patient(std::string_view body);
  /// `GET /api/v3/patient/{id}` with the path segment @p id_text: 200, 404 or 400.
  [[nodiscard]] Answer get_patient(std::string_view id_text) const;
  /// `PUT /api/v3/patient/{id}`: replaces the whole patient (the rules of a create apply); 200
  /// and the patient, 404 for an unknown id, or 400.
  Answer update_patient(std::string_view id_text, std::string_view body);
  /// `GET /api/v3/patient`: the page envelope of the patients @p query's filters pick.
  [[nodiscard]] Answer list_patients(const QueryValues& query) const;
  /// `GET /api/v3/kit`: the page envelope of the catalogue's kits @p query's filters pick.
  [[nodiscard]] Answer list_kits(const QueryValues& query) const;

  [[nodiscard]] std::vector<Order> orders() const;
  [[nodiscard]] std::optional<Order> order(std::int64_t id) const;
  [[nodiscard]] std::vector<Patient> patients() const;
  [[nodiscard]] std::optional<std::int64_t> inventory(std::int64_t item_id) const;
  void set_inventory(std::int64_t item_id, std::optional<std::int64_t> units);

  /// What `advance` did.
  struct Advanced {
    enum class Outcome { moved, unknown_order, flow_ended };
    Outcome outcome{Outcome::unknown_order};
    Order order;  ///< After the move (`moved`), or as it stands (`flow_ended`).
  };
  /// Moves order @p id to the next status of the flow, with its event and, on the flow's second
  /// status, a tracking number.
  Advanced advance(std::int64_t id);
  /// Ids of the orders not yet at the end of the flow, ascending.
  [[nodiscard]] std::vector<std::int64_t> advanceable() const;

 private:
  struct KitEntry {
    Kit kit;  // kit items shown in full
    bool loaner{false};
  };
  /// The order's recipient once phase 3 has passed: an existing patient, a patient to create, or
  /// a site.
  struct Recipient {
    std::optional<Patient> patient;
    bool new_patient{false};
    std::optional<Site> site;
  };

  [[nodiscard]] Recipient check_recipient(const CreateOrderRequest& request) const;
  /// The sentence rules of a patient to create (names, address, then its site), for a new
  /// patient of an order and for the patient endpoints; @returns it with its site in full.
  [[nodiscard]] Patient check_new_patient(const Patient& patient) const;
  /// Stores @p patient under the next patient id (with mutex_ held) and @returns it.
  const Patient& add_patient(Patient patient);
  void check_items(const CreateOrderRequest& request) const;
  void check_loaner_kits(const CreateOrderRequest& request) const;
  /// Units of each item the order takes: item lines directly, kit lines through their kit items.
  [[nodiscard]] std::map<std::int64_t, std::int64_t> demand_of(
      const CreateOrderRequest& request) const;
  void check_inventory(const std::map<std::int64_t, std::int64_t>& demand) const;
  void take_inventory(const std::map<std::int64_t, std::int64_t>& demand);
  [[nodiscard]] Order build_order(const CreateOrderRequest& request, const Recipient& recipient,
                                  std::int64_t id, const std::string& now) const;

  // Immutable after construction.
  std::set<std::string, std::less<>> api_keys_;
  std::map<std::int64_t, Item> items_;
  std::map<std::int64_t, KitEntry> kits_;
  std::map<std::int64_t, Site> sites_;
  std::map<std::int64_t, Device> devices_;
  std::vector<std::string> status_flow_;

  // Guarded by mutex_.
  mutable std::mutex mutex_;
  std::map<std::int64_t, Patient> patients_;
  std::map<std::int64_t, std::int64_t> inventory_;
  std::vector<Order> orders_;                // orders_[i] has id i + 1
  std::vector<std::size_t> flow_positions_;  // orders_[i] is at status_flow_[flow_positions_[i]]
  std::int64_t next_patient_id_{1};
};

}  // namespace impilo::testing::detail
