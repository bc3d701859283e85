#pragma once

/// @file
/// An in-memory Impilo order API for your integration tests and demos (library target
/// `impilo::testing`). Impilo publishes no sandbox; this simulator enforces every documented rule
/// for creating an order and answers with the documented texts, so code written against it sees
/// the same `impilo::ErrorCode`s it will see in production.
///
/// ```cpp
/// #include <impilo/impilo.hpp>
/// #include <impilo/testing/simulator.hpp>
///
/// impilo::testing::Simulator sim;          // the built-in demo catalogue
/// sim.start();                              // listens on 127.0.0.1, a free port
/// impilo::ClientOptions options;
/// options.base_url = sim.url();             // http://127.0.0.1:PORT
/// options.api_key = std::string(impilo::testing::demo_api_key);
/// impilo::Client client(options);
/// impilo::CreateOrderRequest request;
/// request.patient = impilo::Patient::with_id(5000);
/// request.order_items = {impilo::OrderItem::of(1000, 1)};
/// impilo::Order order = client.create_order(request);
/// ```
///
/// It serves, on a loopback address only:
/// - `POST /api/v3/order`: 201 with the created `Order`;
/// - `GET /api/v3/order?page=N&size=M`: 200 with a page envelope `{"content", "page", "size",
///   "total", "first", "last"}`, orders by ascending id (descending with `sortDescending=true`);
///   `page` is 1-based (default 1), `size` defaults to 15; a page or size that is not an integer,
///   a page below 1 or a size outside 1..250 answers 400 `Invalid data provided`; other query
///   parameters are ignored;
/// - `GET /api/v3/order/{id}`: 200 with the `Order`; 404 `{"message": "Order not found"}` for an
///   integer that is no order's id; 400 `Invalid data provided` for an id that is not an integer.
/// - `POST /api/v3/patient`: 201 with the created `Patient` (the next patient id; an `id` in the
///   body is ignored; its `site` shown in full) and `Location: /api/v3/patient/{id}`, or 400 with
///   the first broken patient rule (below). `externalIdentifier` is not forced unique: two creates
///   with the same one make two patients, as the API promises nothing more.
/// - `GET /api/v3/patient/{id}`: 200 with the `Patient`; 404 `{"message": "Patient not found"}`
///   for an integer that is no patient's id; 400 `Invalid data provided` for an id that is not an
///   integer.
/// - `PUT /api/v3/patient/{id}`: replaces the whole patient (what is not sent is gone) under the
///   rules of a create and answers 200 with it; 404 as for `GET`; a body `id` other than the
///   path's answers 400 `Invalid data provided`. Orders keep the patient as it was when ordered.
/// - `GET /api/v3/patient`: the page envelope (paging as for orders) of the patients every given
///   filter matches: `id`, `siteId`, `externalIdentifier` (each repeatable; any value matches,
///   exactly), `email` (equal, ignoring case), `name` (a case-insensitive part of `firstName`,
///   `lastName` or "firstName lastName"), `archived`, `enrolled` (`true` or `false`; an absent flag
///   counts as false), `dateOfBirthMin`, `dateOfBirthMax` (`YYYY-MM-DD`, inclusive; a patient with
///   no readable date of birth is outside every range), `postalCode` and `country` (the address's
///   `zipCode` and `country`, equal ignoring case). Sorted by `sort` = `patientId` (the default),
///   `firstName` or `lastName` (ignoring case, ties by id), reversed with `sortDescending=true`.
///   A paging or filter value that does not parse, an empty text filter, a sort key not listed, or
///   a single-valued parameter given twice answers 400 `Invalid data provided`; other parameters
///   are ignored.
/// - `GET /api/v3/kit`: the page envelope of the catalogue's kits by ascending id, shown in full
///   (without the catalogue's `loaner` flag); filters `itemId` (kits whose `kitItems` hold that
///   item) and `archived` (as for patients); bad values answer 400 as for patients.
/// - `POST /_simulator/orders/{id}/advance` (the simulator's own, not Impilo's): moves the order to
///   the next status of `Catalog::status_flow` and answers 200 with the `Order` (see
///   `Simulator::advance`); 409 at the end of the flow, 404 for an unknown order, 400 for an id
///   that is not an integer.
/// - `POST /api/v3/webhook` `{"type": T, "url": U}`: 201 `{"id", "type", "url"}` (ids 1, 2, 3,
/// ...).
///   `type` is any non-empty string; `url` must be an absolute `http` or `https` URL with a host
///   (else 400 `Invalid data provided`; a body that is not JSON: `Invalid JSON format`). Several
///   subscriptions may share a type: each gets every delivery of it.
/// - `POST /api/v3/webhook-secret` `{"secret": S}`: 200 `{"secret": S}`. Deliveries from then on
///   carry `Impilo-Webhook-Secret: S`; an empty string sends no header. A secret that is not a
///   string or holds a control character answers 400.
/// - `GET /api/v3/webhook/logs`: 200 with a page envelope (paging as for orders) of one entry per
///   delivery, oldest first, with the members `id`, `webhookId`, `webhookType`, `webhookUrl`,
///   `payload` (the delivered envelope as a JSON string), `createTimestamp`, `lastResponseStatus`
///   (null while no attempt got an HTTP answer), `retryAttempts` (0 to 3) and
///   `lastRetryTimestamp` (null before the first retry). Filters: `webhookType`;
///   `retryAttemptsMin`, `retryAttemptsMax`, `lastResponseStatus` (integers); `startTimestamp`
///   (inclusive) and `endTimestamp` (exclusive) on `createTimestamp`, `startLastRetryTimestamp`
///   and `endLastRetryTimestamp` likewise on `lastRetryTimestamp` (ISO 8601, such as
///   `2023-08-22T14:15:30.345Z`; no zone means UTC). A filter that does not parse answers 400
///   `Invalid data provided`.
///
/// Webhook deliveries: every status change (an advance; creating an order is not one) queues an
/// `order.statusFull` delivery (payload: the `Order`) and an `order.status` delivery (payload
/// `{"orderId": ID, "eventType": STATUS}`, the simulator's guess at a shape Impilo does not
/// publish) to each subscription of that type, as a `POST` of the envelope `{"id", "type",
/// "payload"}` with `Content-Type: application/json`. Delivery ids are unique per delivery and
/// increase; they start from the clock's milliseconds, so a receiver that outlives a simulator
/// does not take the next simulator's deliveries for repeats. A background worker sends them one
/// at a time, so no API call waits for a receiver. An answer other than 2xx, a refused
/// connection, or no answer within 5 s fails the attempt; a failed delivery is sent again, with
/// the same id, 15, 30 and 60 minutes (times `SimulatorOptions::webhook_retry_scale`) after the
/// previous attempt, and each attempt updates its log entry. Deliveries go to loopback `http`
/// URLs only: any other URL is never contacted, and its log entry shows no response status and
/// no retries.
///
/// Every answer is JSON; an error body is `{"message": TEXT}`. Each request is handled in this
/// order: the added latency (`set_latency`), then an injected failure (`fail_next`, on every
/// request or only on the method and path of `fail_only`), then the `Impilo-API-Key` check (401
/// `{"message": "Unauthorized"}` unless the key is one of `Catalog::api_keys`), then the endpoint;
/// a create (`POST /api/v3/order` or `POST /api/v3/patient`) that succeeds while
/// `commit_then_drop` is pending then loses its answer. Other paths answer 404
/// `{"message": "Not found"}`, other methods on the order, patient and kit paths 405.
///
/// The HTTP layer defends itself against hostile clients (docs/reliability.md): a request body
/// is at most 16 MiB after chunked and content decoding (413 above it, also announced by
/// `Content-Length`); a request line and headers must arrive within 5 s (408) and 64 KiB (431);
/// a body on a GET, a body framed both by `Content-Length` and chunked, or another
/// `Transfer-Encoding` is refused (400, 501); after any request refused this way the answer says
/// `Connection: close` and the connection closes, so no byte behind it is taken for a request. At
/// most 128 connections are served at once; another one is answered 503 `Too many open
/// connections` and closed.
///
/// A create is checked in six phases; the first broken rule answers 400 with its text, and a
/// refused order changes nothing (no inventory is taken, no patient is created):
/// 1. Format: a body that is not JSON gives `Invalid JSON format`. A body that is not an object,
///    a member of the wrong JSON type, an item/kit/return line without its `item`/`kit` id or
///    with a `count` missing or below 1, a returned device without `id`, or a `shippingOption` or
///    patient `sex` outside the documented values, or a new patient's (no `id`) `dateOfBirth` that
///    is not a real `YYYY-MM-DD` date or is after today (UTC), gives `Invalid data provided`.
/// 2. Structure (the rules `impilo::validate` also checks, in its order): not exactly one of
///    `patient` and `site`, or a site without `id`: `patient or site required`; no non-empty
///    content list: `Order must contain at least one of: ...`; returns without `shippingOption`
///    while `emailLabel` is not true: `shippingOption is required when ...`; a device both in
///    `returnDevices` and a `returnPackedKits` entry: `Device cannot be included both ...`.
/// 3. Patient or site: a site order whose site is unknown or inactive: `invalid_order`; a
///    patient `id` that is not known: `patient_does_not_exist`; a new patient (no `id`) checked
///    field by field: `firstName`, `lastName` (non-blank), `address`, then its `lineOne`, `city`,
///    `state`, `country`, `zipCode` (non-blank) with the documented sentences, then its `site`:
///    without `id` `Unable to find the Site provided.`, unknown `Site {id} not found`, inactive
///    `Site {id} not active`.
/// 4. Items, line by line: an `orderItems` item that is not in the catalogue, or an `orderKits`
///    kit that is not, gives `item_not_orderable`; an item marked `"orderable": false` gives
///    `Order contains Items that are marked as non-orderable. Order cannot be placed.`
/// 5. Loaner kits: two or more loaner kit lines: `max_one_loaner_kit`; one loaner line with a
///    count above 1: `qty_over_one_loaner_kit`; a loaner kit with any return list:
///    `no_returns_with_loaner_kit`; a loaner kit on a site order: `no_loaner_kit_to_site`.
/// 6. Inventory, for the whole order at once: what every item line and every kit line (count x
///    each kit item's count) takes, summed per item, against `Catalog::inventory`:
///    `insufficient_inventory`.
///
/// A created order gets the next id (1, 2, 3, ...), `currentStatus` the first status of
/// `Catalog::status_flow`, the catalogue's full patient, site, item and kit objects in
/// place of the ids sent (kits with their `kitItems`; a returned item, kit or device known to the
/// catalogue is shown in full too; unknown ones are kept as sent), one `orderEvents` entry
/// `{"name": "created", "eventTimestamp": "YYYY-MM-DDTHH:MM:SS.mmmZ"}` (UTC), `createdAt` on
/// each note that has none, empty `trackingNumbers`, `devices` and `packedKits`, `emailLabel`
/// (false when not sent), and every other field as sent (top-level request members the SDK does
/// not model are dropped; unknown members inside lines are kept). A new patient is stored with the
/// next patient id and can be named by that id in later orders.
///
/// A patient of `POST` or `PUT /api/v3/patient` is checked in the same way: a body that is not
/// JSON gives `Invalid JSON format`; one that is not an object, a member of the wrong JSON type, a
/// `sex` outside `other`, `female`, `male`, `unknown`, a `dateOfBirth` that is not a real
/// `YYYY-MM-DD` date or is after today (UTC), or an `email` without exactly one `@` with text on
/// both sides gives `Invalid data provided`; then the new patient rules of phase 3, with their
/// sentences (names, address and its fields, site). A refused patient changes nothing.
///
/// Not simulated (no rule or text is documented for them): `Patient required`, archived kits or
/// patients, non-orderable items inside a kit, return lines naming unknown items or devices.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <impilo/models.hpp>
#include <impilo/testing/export.hpp>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace impilo::testing {

/// The API key of the demo catalogue (`Catalog::demo()`).
inline constexpr std::string_view demo_api_key = "sim-key-1";

/// A catalogue kit: the kit as orders show it, and whether it is a loaner kit (loaner kits follow
/// the loaner rules: one per order, quantity 1, no returns, never to a site).
struct CatalogKit {
  Kit kit;             ///< Needs `id`; its `kit_items` say what one kit takes from inventory.
  bool loaner{false};  ///< `"loaner": true` in the catalogue file.
};

/// What the simulator knows: keys, patients, sites, items, kits, inventory and devices.
///
/// The JSON form (docs/testing.md, "Your own catalogue"; read by `from_json_text` and written by
/// `to_json_text`):
/// ```json
/// {
///   "apiKeys": ["sim-key-1"],
///   "patients": [Patient, ...],
///   "sites": [Site, ...],                  // "active": false makes a site inactive
///   "items": [Item, ...],                  // "orderable": false blocks ordering
///   "kits": [Kit + {"loaner": true}, ...], // kitItems say what a kit consumes
///   "inventory": {"<itemId>": units, ...}, // an item not listed is unlimited
///   "devices": [Device, ...],
///   "statusFlow": ["availableForPickup", "shipped", "delivered"]
/// }
/// ```
/// Every member but `apiKeys` may be left out (an empty list; for `statusFlow`, the flow shown,
/// which is the simulator's own invention: the API documents only `availableForPickup`). Objects
/// are the API's own shapes
/// (`impilo` models); a reference inside them (a kit item's `item`, a patient's `site`, a
/// device's `item`, `site` or `currentPatient`) may be just `{"id": N}`: the simulator shows the
/// full catalogue object in orders. A consistent catalogue has: at least one non-empty API key;
/// an `id` on every patient, site, item, kit and device, unique within its list; references only
/// to ids of the catalogue; kit item counts of at least 1 (absent means 1); inventory only for
/// catalogue items, never negative; at least one status in `statusFlow`, each non-empty and
/// listed once.
struct IMPILO_TESTING_EXPORT Catalog {
  std::vector<std::string> api_keys;  ///< `apiKeys`: keys that are let in.
  std::vector<Patient> patients;      ///< `patients`: existing patients.
  std::vector<Site> sites;            ///< `sites`: `active == false` is inactive.
  std::vector<Item> items;            ///< `items`: `orderable == false` blocks ordering.
  std::vector<CatalogKit> kits;       ///< `kits`, with their loaner flag.
  std::map<std::int64_t, std::int64_t> inventory;  ///< `inventory`: item id -> units on hand.
  std::vector<Device> devices;                     ///< `devices`: shown in full when returned.
  /// `statusFlow`: the statuses an order goes through. A new order starts at the first; each
  /// `Simulator::advance` moves it to the next (the second adds a tracking number); the last one
  /// ends the flow.
  std::vector<std::string> status_flow{"availableForPickup", "shipped", "delivered"};

  /// Reads the JSON form above.
  /// @throws impilo::DecodeError when @p json_text is not JSON or a member has the wrong JSON
  ///         type (`pointer()` names it, such as `/items/2/id`).
  /// @throws std::runtime_error when the catalogue is not consistent (a missing or duplicate id,
  ///         a reference to an unknown id, an unknown top-level member, no API key, ...); the
  ///         message names the JSON pointer and the problem.
  static Catalog from_json_text(std::string_view json_text);

  /// Reads the JSON form above from the file at @p path.
  /// @throws std::runtime_error when the file cannot be read, naming the path; otherwise as
  ///         `from_json_text`.
  static Catalog from_file(const std::string& path);

  /// The built-in demo catalogue (also shipped as `data/demo-catalog.json`): API key
  /// `sim-key-1`; patients 5000-5002; sites 10 and 11 (active) and 12 (inactive); items 1000-1006,
  /// of which 1005 is not orderable, 1002 has only 3 units and 1003 is unlimited; kits 2000,
  /// 2001 and 2003 (regular, consuming their items) and 2002 (a loaner kit); devices 9000-9003.
  static Catalog demo();

  /// The JSON form above, indented by two spaces; `from_json_text` reads it back unchanged.
  [[nodiscard]] std::string to_json_text() const;
};

/// Everything a `Simulator` starts with. The fault-injection and lifecycle members mirror the
/// flags of `impilo mock` (`--latency-ms`, `--fail-next`, `--fail-status`, `--fail-retry-after`,
/// `--fail-only`, `--commit-then-drop`, `--advance-every`, `--webhook-retry-scale`).
struct SimulatorOptions {
  /// Address to listen on: `127.0.0.1` (or any `127.x.y.z`), `::1`, or `localhost` (which
  /// listens on 127.0.0.1). Anything else is refused: the simulator never listens beyond the
  /// machine.
  std::string host{"127.0.0.1"};
  /// Port to listen on, 0 to 65535; 0 picks a free port (read it back with `Simulator::port()`).
  int port{0};
  /// The catalogue served; the demo catalogue unless you set your own.
  Catalog catalog{Catalog::demo()};
  /// Delay added before answering each request (`--latency-ms`). Must not be negative.
  std::chrono::milliseconds latency{0};
  /// How many of the first requests fail (`--fail-next`; only requests that `fail_only` picks
  /// count); 0 for none. Must not be negative.
  int fail_next{0};
  /// HTTP status of those failures (`--fail-status`), 400 to 599.
  int fail_status{503};
  /// `Retry-After` seconds sent with those failures (`--fail-retry-after`); none when empty.
  /// Must not be negative.
  std::optional<int> fail_retry_after;
  /// Which requests the `fail_next` failures hit (`--fail-only`): `"METHOD PATH"`, such as
  /// `"POST /api/v3/order"`, fails only requests with that method and path (the path without its
  /// query, compared exactly; other requests are served as usual and use up no failure), so a test
  /// can fail a create without failing the GETs around it. Empty (the default): every request.
  /// Otherwise it must be an upper-case method (letters A-Z), one space, and a path that starts
  /// with `/` and holds no space, control character, `?` or `#`.
  std::string fail_only;
  /// How many of the next successful creates (`POST /api/v3/order` and `POST /api/v3/patient`,
  /// counted together) lose their answer (`--commit-then-drop`): the order or patient is
  /// committed, then the connection is closed before any byte of the response, the ambiguous
  /// outcome `Client::create_order_once` and `Client::ensure_patient` reconcile. 0 for none; must
  /// not be negative.
  int commit_then_drop{0};
  /// Multiplies the webhook retry waits of 15, 30 and 60 minutes (`--webhook-retry-scale`):
  /// 0.001 retries after 0.9, 1.8 and 3.6 s; 0 retries at once. Must be 0 to 1000.
  double webhook_retry_scale{1.0};
  /// While serving, advance every order that is not at the end of its flow this often
  /// (`--advance-every`), as `Simulator::advance` does; zero (the default) never. Must not be
  /// negative.
  std::chrono::milliseconds advance_every{0};
};

/// An in-memory Impilo order API served over HTTP on loopback (see the file comment for the
/// endpoints and the rules).
///
/// Every member function may be called from any thread, also while requests are being served;
/// the simulator's state (orders, patients, inventory) sits behind one mutex, so concurrent
/// creates see a consistent inventory and each order takes its units atomically. Not copyable or
/// movable (its threads refer to it).
class IMPILO_TESTING_EXPORT Simulator {
 public:
  /// Checks @p options and loads the catalogue; listens on nothing until `start()`.
  /// @throws std::invalid_argument for a host that is not loopback, a port outside 0..65535, a
  ///         negative latency, fail count, Retry-After or `advance_every`, a fail status outside
  ///         400..599, a `fail_only` that is neither empty nor `"METHOD PATH"`, a webhook retry
  ///         scale outside 0..1000, or an inconsistent catalogue (see `Catalog`); the message
  ///         says which (a bad `fail_only` is named `SimulatorOptions::fail_only`).
  explicit Simulator(SimulatorOptions options = {});

  /// Stops serving (as `stop()`).
  ~Simulator();

  Simulator(const Simulator&) = delete;             ///< Not copyable.
  Simulator& operator=(const Simulator&) = delete;  ///< Not copyable.
  Simulator(Simulator&&) = delete;                  ///< Not movable.
  Simulator& operator=(Simulator&&) = delete;       ///< Not movable.

  /// Binds and serves in background threads; returns once the port accepts connections.
  /// Starting again after `stop()` serves the same state (orders, inventory) anew; with port 0
  /// the port may differ.
  /// @throws std::logic_error when already running.
  /// @throws std::runtime_error when the address cannot be bound (the port is in use).
  void start();

  /// Stops serving: closes the listening socket and every open connection (idle keep-alive ones
  /// too), interrupts added latency, stops `advance_every`, cuts off a webhook delivery in flight
  /// (it counts as a failed attempt), and joins the threads; returns within milliseconds, also
  /// with retries pending (they stay queued, and go out after the next `start()`). A request in
  /// flight may get no answer. Does nothing when not running; safe to call repeatedly and from
  /// several threads.
  void stop() noexcept;

  /// True between `start()` and `stop()`.
  [[nodiscard]] bool running() const noexcept;

  /// The port being served (the port last served after `stop()`); 0 before the first `start()`.
  [[nodiscard]] int port() const noexcept;

  /// The base URL to give `impilo::ClientOptions::base_url`: `http://127.0.0.1:PORT` (or
  /// `http://[::1]:PORT`; `localhost` gives `127.0.0.1`).
  /// @throws std::logic_error before the first `start()` (there is no port yet).
  [[nodiscard]] std::string url() const;

  /// Every order created so far, by ascending id (ids are 1, 2, 3, ...).
  [[nodiscard]] std::vector<Order> orders() const;

  /// The order with @p id, or `std::nullopt`.
  [[nodiscard]] std::optional<Order> order(std::int64_t id) const;

  /// The catalogue's patients (as updated) followed by those created since, with orders or through
  /// `POST /api/v3/patient`, by ascending id.
  [[nodiscard]] std::vector<Patient> patients() const;

  /// Units of item @p item_id left, or `std::nullopt` when the item's inventory is unlimited (it
  /// is not listed in `Catalog::inventory`) or the item is not in the catalogue.
  [[nodiscard]] std::optional<std::int64_t> inventory(std::int64_t item_id) const;

  /// Sets the units of item @p item_id on hand; `std::nullopt` makes it unlimited.
  /// @throws std::invalid_argument for an item that is not in the catalogue or negative units.
  void set_inventory(std::int64_t item_id, std::optional<std::int64_t> units);

  /// Delays every later answer by @p latency (replacing the previous delay; zero for none).
  /// `stop()` cuts a delay short.
  /// @throws std::invalid_argument for a negative delay.
  void set_latency(std::chrono::milliseconds latency);

  /// Makes the next @p count requests, on any path (or only those `fail_only` picks), fail with
  /// HTTP @p status and body `{"message": "simulated failure"}`, with `Retry-After: N` when
  /// @p retry_after_seconds is set. Replaces any failures still pending; `fail_next(0)` cancels
  /// them. Failed requests are not checked further (a failed create creates nothing).
  /// @throws std::invalid_argument for a negative count or Retry-After, or a status outside
  ///         400..599.
  void fail_next(int count, int status = 503, std::optional<int> retry_after_seconds = {});

  /// Limits the failures of `fail_next`, those pending and later ones, to requests with one
  /// method and path, as `SimulatorOptions::fail_only`: @p method_and_path is `"METHOD PATH"`
  /// (`"POST /api/v3/order"`), compared with the request's method and its path without the
  /// query; other requests are served as usual and use up no failure. An empty string lifts the
  /// limit (every request counts again). Replaces the previous limit; the count is unchanged.
  /// @throws std::invalid_argument when @p method_and_path is neither empty nor an upper-case
  ///         method, one space, and a path that starts with `/` and holds no space, control
  ///         character, `?` or `#` (nothing changes then).
  void fail_only(const std::string& method_and_path);

  /// Makes the next @p count creates that succeed (orders and patients, counted together) commit
  /// and then close the connection before any byte of the response (a refused create is answered
  /// as usual and does not count, and neither does a patient update). Replaces any drops still
  /// pending; `commit_then_drop(0)` cancels them.
  /// @throws std::invalid_argument for a negative count.
  void commit_then_drop(int count);
  /// Moves order @p order_id to the next status of `Catalog::status_flow`: sets `currentStatus`,
  /// appends the `orderEvents` entry `{"name": STATUS, "eventTimestamp": NOW}` (ISO 8601 UTC), on
  /// the flow's second status appends the `trackingNumbers` entry `{"carrier": "SIM", "value":
  /// "SIM" + the id in ten digits}` (`SIM0000000042`), and queues the webhook deliveries of the
  /// change (see the file comment; they go out while the simulator is running). Works whether or
  /// not the simulator is running. What `POST /_simulator/orders/{id}/advance` does.
  /// @returns the order after the move.
  /// @throws std::invalid_argument when no order has @p order_id.
  /// @throws std::out_of_range when the order is at the last status already (nothing changes).
  Order advance(std::int64_t order_id);

  /// Requests received so far: every path and method, injected failures and 401s included (not
  /// counted: bytes that never formed an HTTP request, and requests the HTTP layer refused,
  /// such as bodies over the 16 MiB limit).
  [[nodiscard]] std::size_t requests_served() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Runs a simulator until the process gets SIGINT or SIGTERM (what `impilo mock` does).
///
/// Blocks SIGINT and SIGTERM in the calling thread (before starting the server threads, which
/// inherit the mask), starts, writes `listening on URL` (`listening on http://127.0.0.1:8080`) and
/// a newline to @p out as its first line and flushes it, then waits for one of the two signals
/// with `sigwait` (no polling), stops and returns 0. A second SIGINT or SIGTERM that arrives while
/// stopping is absorbed; the signal mask is restored before returning.
/// Call it before the process starts other threads, or block the two signals in them too: a
/// thread that does not block them would take the signal with its default action. POSIX only.
/// @throws as `Simulator::Simulator` and `Simulator::start` (nothing is written then).
IMPILO_TESTING_EXPORT int run_until_signal(SimulatorOptions options, std::ostream& out);

}  // namespace impilo::testing
