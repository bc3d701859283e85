#pragma once

/// @file
/// The Impilo order API client.
///
/// ```cpp
/// impilo::Client client(impilo::ClientOptions::from_env());  // IMPILO_API_KEY, IMPILO_BASE_URL
/// impilo::CreateOrderRequest request;
/// request.patient = impilo::Patient::with_id(5000);
/// request.order_items = {impilo::OrderItem::of(1000, 1)};
/// impilo::Order order = client.create_order(request);  // throws an impilo::Error on failure
/// for (const impilo::Order& o : client.orders()) std::cout << *o.id << "\n";
/// ```
///
/// A `Client` is safe to share between threads: every method may be called concurrently. It holds
/// no per-call state; connections are pooled inside the transport.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <impilo/errors.hpp>
#include <impilo/export.hpp>
#include <impilo/models.hpp>
#include <impilo/page_range.hpp>
#include <impilo/ticket.hpp>
#include <impilo/transport.hpp>
#include <impilo/webhooks.hpp>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace impilo {

/// Severity of a log line.
enum class LogLevel {
  debug,    ///< Request and response bodies (patient data!): only when `log_bodies` is on.
  info,     ///< One line per attempt: method, path, status, elapsed time, attempt number.
  warning,  ///< A retry is coming, and why.
  error,    ///< A call failed for good.
};

/// The lower-case name of @p level (`"info"`).
IMPILO_EXPORT std::string_view to_string(LogLevel level) noexcept;

/// Receives log lines. Called from the thread making the call (for a page fetched ahead by a
/// range, from that range's background thread, see `ClientOptions::prefetch_pages`); must be
/// safe to call from several threads at once and must not throw. Once a range has been destroyed,
/// its background thread never calls the logger again (the range's destructor waits for a call in
/// progress on that thread to return, so the logger must not wait for that range to go). Lines
/// never hold the API key, and hold patient data only when `ClientOptions::log_bodies` is on.
using Logger = std::function<void(LogLevel level, std::string_view message)>;

/// Everything a `Client` is configured with. A plain aggregate: set what you need, keep the rest.
struct IMPILO_EXPORT ClientOptions {
  /// The API's root: scheme, host and optional port only (`https://app.impiloplatform.com`,
  /// `http://127.0.0.1:8080`); the SDK adds `/api/v3/...` to every request. A URL with a path
  /// (`https://host/api/v3`) is refused with `UsageError`, as it would double the path. `https`
  /// is required, except for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`, as libcurl
  /// reads the host), where `http` is allowed for local simulators. No user name or password,
  /// backslash or percent-encoded host.
  std::string base_url{"https://app.impiloplatform.com"};
  /// The `Impilo-API-Key`. Required; never logged, never put in an exception message.
  std::string api_key;
  /// Bound on establishing a connection (for the built-in transport).
  std::chrono::milliseconds connect_timeout{10000};
  /// Bound on one attempt, from sending to the last byte of the response (cut to what is left of
  /// `overall_timeout` when that is shorter).
  std::chrono::milliseconds attempt_timeout{30000};
  /// Bound on a whole call, retries and backoff included. Zero means no overall bound.
  std::chrono::milliseconds overall_timeout{120000};
  /// How many times a failed call may be repeated (0: never). Only failures that are safe to
  /// repeat are retried; a create that may have reached the server never is.
  int max_retries{2};
  /// Backoff before the first retry; each further retry doubles it, up to `max_backoff`. The
  /// actual wait is drawn uniformly from [0, backoff] ("full jitter").
  std::chrono::milliseconds initial_backoff{250};
  /// Upper bound of one backoff wait.
  std::chrono::milliseconds max_backoff{8000};
  /// Upper bound on a server's `Retry-After`. A longer one is not waited for: the error is thrown.
  std::chrono::milliseconds max_retry_after{60000};
  /// Appended to `User-Agent: impilo-cpp/<version>` (e.g. `"clinic-backend/2.3"`).
  std::string user_agent_suffix;
  /// TLS, proxy, size-cap and connection-pool settings for the built-in libcurl transport.
  CurlTransportOptions transport_options;
  /// Transport to use instead of the built-in libcurl one (a test fake, your own HTTP stack).
  std::shared_ptr<HttpTransport> transport;
  /// Where log lines go; none when empty.
  Logger logger;
  /// Lowest level passed to `logger`.
  LogLevel log_level{LogLevel::info};
  /// Also log request and response bodies at `debug`. They hold patients' names and addresses:
  /// turn on only where such logs are allowed.
  bool log_bodies{false};
  /// How long `create_order_once`, `place_order` and `ensure_patient` wait after an ambiguous
  /// outcome before their first lookup of the order (or patient); each further lookup waits
  /// twice as long as the one before.
  /// Must not be negative.
  std::chrono::milliseconds settle_delay{2000};
  /// How many lookups an ambiguous create gets before it may be sent again (or, after a 2xx,
  /// before `AmbiguousCreateError`): with the defaults, after 2 s, 4 s and 8 s. The settle window,
  /// `settle_delay` * (2^settle_lookups - 1) (14 s by default), is the SDK's one assumption about
  /// the server: an order (or patient) it accepted is listed within that window. `ensure_patient`
  /// never sends again: after the window it throws `AmbiguousCreateError`. From 1 to 16.
  int settle_lookups{3};
  /// How many of the newest orders `create_order_once` reads, before its first send, for an order
  /// already carrying a caller-set external id (found: returned, nothing sent). 0 turns the
  /// look-before-send off; must not be negative. A bounded guard against reruns: exact across
  /// processes and restarts are tickets (`prepare_order`, `place_order`).
  std::int64_t once_lookback{1000};
  /// How the client waits between attempts (and for `settle_delay`). Replace in tests to run
  /// retries without real waits. Called from the thread making the call, or from a range's
  /// background fetch; like `logger`, never from a range's background thread once the range has
  /// been destroyed (its destructor waits for a wait in progress there, so keep a replacement
  /// short; the default wait is cut short instead), and that fetch then makes no further attempt.
  std::function<void(std::chrono::milliseconds)> sleep;
  /// While a loop over a range (`orders()`, `webhook_logs()`, and the scan of
  /// `find_orders_by_external_id`) works through one page, fetch the next page on a background
  /// thread, so that the wait for the server and the caller's work overlap. At most one page is
  /// fetched ahead (a range holds at most two pages), and an error of that fetch is thrown where
  /// it would have been without prefetching: by the iterator step that moves onto that page.
  /// Bounds: one thread per range, and at most `impilo::max_prefetch_threads` (32) in the whole
  /// process; a range that would need one more fetches on the caller's thread, as if this were
  /// off. Costs: a loop that stops early has made one list call more than it used. Destroying a
  /// range (a `break`) does not wait for a fetch in flight: the transfer ends on its own on that
  /// thread (bounded by the timeouts), sharing only the client's state, and from then on calls
  /// neither `logger` nor `sleep` and makes no further attempt (docs/adr/0007-paging-prefetch.md).
  /// Turn off for strictly lazy paging: one list call per page reached, every one on the
  /// caller's thread, for every range and every internal scan.
  bool prefetch_pages{true};

  /// Options from the environment: `IMPILO_BASE_URL` (when set and non-empty) and `IMPILO_API_KEY`.
  /// Everything else keeps its default.
  static ClientOptions from_env();
};

/// Parameters of `GET /api/v3/order`.
struct ListOrdersParams {
  /// 1-based page number; must be at least 1.
  std::int64_t page{1};
  /// Page size; from 1 to 250.
  std::int64_t size{15};
  /// Further query parameters sent as they are (URL-encoded), for server filters the SDK does
  /// not model (`{"sortDescending", "true"}`). `page` and `size` here are refused.
  std::vector<std::pair<std::string, std::string>> extra_query;
};


/// The sort keys of `GET /api/v3/patient` (`sort`).
enum class PatientSort {
  first_name,  ///< `firstName`
  last_name,   ///< `lastName`
  patient_id,  ///< `patientId`
};

/// The wire name of @p sort (`"firstName"`).
IMPILO_EXPORT std::string_view to_string(PatientSort sort) noexcept;

/// Parameters of `GET /api/v3/patient` (docs/patients.md). Every filter left empty is not sent;
/// the list filters (`ids`, `site_ids`, `external_identifiers`) send the parameter once per value.
struct ListPatientsParams {
  /// 1-based page number; must be at least 1.
  std::int64_t page{1};
  /// Page size; from 1 to 250.
  std::int64_t size{15};
  std::optional<PatientSort> sort;     ///< `sort`
  std::optional<bool> sort_descending;  ///< `sortDescending`
  std::vector<std::int64_t> ids;       ///< `id`: only these patients (each at least 1).
  std::vector<std::int64_t> site_ids;  ///< `siteId`: only patients of these sites (each >= 1).
  /// `externalIdentifier`: only patients with one of these (none empty).
  std::vector<std::string> external_identifiers;
  std::optional<std::string> email;  ///< `email`
  std::optional<std::string> name;   ///< `name`
  std::optional<bool> archived;      ///< `archived`
  std::optional<bool> enrolled;      ///< `enrolled`
  /// `dateOfBirthMin`: born on or after this `YYYY-MM-DD` date.
  std::optional<std::string> date_of_birth_min;
  /// `dateOfBirthMax`: born on or before this `YYYY-MM-DD` date.
  std::optional<std::string> date_of_birth_max;
  std::optional<std::string> postal_code;  ///< `postalCode`
  std::optional<std::string> country;      ///< `country`
  /// Further query parameters sent as they are (URL-encoded), for filters the SDK does not model.
  /// A name the struct models (`page`, `externalIdentifier`, ...) is refused.
  std::vector<std::pair<std::string, std::string>> extra_query;
};

/// Parameters of `GET /api/v3/kit` (docs/patients.md).
struct ListKitsParams {
  /// 1-based page number; must be at least 1.
  std::int64_t page{1};
  /// Page size; from 1 to 250.
  std::int64_t size{15};
  std::optional<std::int64_t> item_id;  ///< `itemId`: only kits holding this item (at least 1).
  std::optional<bool> archived;         ///< `archived`
  /// Further query parameters sent as they are (URL-encoded). A modelled name is refused.
  std::vector<std::pair<std::string, std::string>> extra_query;
};

/// Every order from a starting page on: what `Client::orders()` returns.
using OrderRange = PageRange<Order>;

/// Every webhook delivery log entry from a starting page on: what `Client::webhook_logs()` returns.
using WebhookLogRange = PageRange<WebhookLog>;

/// Every patient from a starting page on: what `Client::patients()` returns.
using PatientRange = PageRange<Patient>;

/// Every kit from a starting page on: what `Client::kits()` returns.
using KitRange = PageRange<Kit>;

/// Client of the Impilo order API.
///
/// Safe to share between threads. Each call validates its input, sends with retries as described
/// on `ClientOptions::max_retries`, and maps failures to the exceptions of `<impilo/errors.hpp>`.
class IMPILO_EXPORT Client {
 public:
  /// Checks @p options and prepares the transport; sends nothing.
  /// @throws impilo::UsageError for an empty API key, an API key or `user_agent_suffix` holding a
  ///         control character (NUL, TAB, CR, LF, DEL, ...; the message names the option, never
  ///         the key), a malformed base URL (a port outside 1..65535, anything after a bracketed
  ///         IPv6 host but a port), or `http://` to a host that is not loopback.
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client&&) noexcept;             ///< Moves; the moved-from client may only be destroyed.
  Client& operator=(Client&&) noexcept;  ///< Moves; the moved-from client may only be destroyed.
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Validates @p request, then `POST /api/v3/order`.
  ///
  /// Sent again only when it certainly cannot have created an order (no connection was made, or
  /// the server answered 429). A request that may have reached the server is never repeated: its
  /// failure is thrown as it came, and `TransportError::may_have_reached_server()` says so; a 2xx
  /// answer that is not an order (empty, not JSON) throws a `DecodeError` whose
  /// `may_have_reached_server()` is true.
  /// @throws impilo::ValidationError (nothing sent; a string that is not UTF-8 is one, code
  /// `invalid_data`), any `ApiError`, `TransportError`, `DecodeError`.
  Order create_order(const CreateOrderRequest& request) const;

  /// `GET /api/v3/order/{id}`.
  /// @throws impilo::UsageError for an id below 1 (nothing sent); `NotFoundError` for an unknown
  ///         order; any other `ApiError`, `TransportError`, `DecodeError`.
  Order get_order(std::int64_t id) const;

  /// `GET /api/v3/order?page=N&size=M`: one page.
  /// @throws impilo::UsageError for a page below 1, a size outside 1..250, or `extra_query` naming
  ///         `page` or `size` (nothing sent); any `ApiError`, `TransportError`, `DecodeError`.
  Page<Order> list_orders(const ListOrdersParams& params = {}) const;

  /// Every order from `params.page` on, fetched page by page as the loop goes.
  /// @throws impilo::UsageError at once for parameters `list_orders` would refuse.
  OrderRange orders(const ListOrdersParams& params = {}) const;

  /// Every order whose `externalOrderIds` holds @p external_id, by ascending id (an order without
  /// an id comes last), found by listing: the API has no search.
  ///
  /// Correct whatever order the server lists in, and whatever `total` it claims. Pages of 250 are
  /// read; page 1 tells `total` (T orders, P = ceil(T / 250) pages). When the ids show the listing
  /// is in ascending id order, the walk jumps to the last page and goes backwards, checking at
  /// every page that the order holds (ascending within the page, below the page after it, above
  /// page 1); the moment it does not, it falls back to reading every page from page 2 on. Either
  /// way it reads on until a page says `last: true` or comes back empty: `total` only picks where
  /// to jump, never ends the walk (one that disagrees with the pages is logged at `warning`).
  /// Requests, each retried as any GET:
  /// - P + 1 when nothing bounds the search (1 when T <= 250 and the server sends `last`);
  /// - with @p newer_than_id and an id-ordered listing: 1 + the pages holding ids above it + 1
  ///   (the page that reaches back to it), whatever T is; 2 or 3 when few orders are newer;
  /// - at most 2P when the order breaks late in the walk (pages read before the fallback).
  /// Orders appended while it walks are found (the walk reads on past a stale last page).
  ///
  /// @param external_id the id to look for, as the caller or `create_order_once` set it.
  /// @param newer_than_id only orders with a larger id are looked for (empty: every order; any
  ///        id, 0 and negative ones included, is compared like any other). With an id-ordered
  ///        listing the walk stops at the first page that reaches back to it; that relies on ids
  ///        growing with creation, as they do in the API and the simulator.
  /// @throws impilo::UsageError for an empty @p external_id (nothing sent); any error
  ///         `list_orders` throws, and `DecodeError` for a server that repeats a page.
  std::vector<Order> find_orders_by_external_id(
      std::string_view external_id, std::optional<std::int64_t> newer_than_id = std::nullopt) const;

  /// Creates @p request at most once per external id within a bounded window, reconciling
  /// ambiguous outcomes through that id. For exactly once across reruns, crashes and processes,
  /// use tickets (`prepare_order`, `place_order`).
  ///
  /// The API has no idempotency key, so the first of `request.external_order_ids` serves as one;
  /// when there is none (absent or empty), `impilo-cpp:` followed by 32 random lower-case hex
  /// digits is added (ids the caller set are never changed). Steps, each logged at `info` without
  /// patient data:
  /// 1. note the newest order (1 small GET, 2 when the account has more than one order), so that
  ///    lookups read only newer pages;
  /// 2. with a caller-set id, look among the newest `ClientOptions::once_lookback` orders (1000 by
  ///    default; in an id-ordered listing, those and page 1) for one already carrying it: found,
  ///    return it and send nothing. An order older than that may not be seen: that is the bound
  ///    a ticket does not have;
  /// 3. send, as `create_order` does. A 2xx is never sent again: an order it carries is returned;
  ///    an undecodable one is looked up over the settle window (`ClientOptions::settle_lookups`)
  ///    and returned when found, else `AmbiguousCreateError`;
  /// 4. after an outcome that may or may not have placed the order (a `TransportError` that may
  ///    have reached the server, a 5xx or 408 `ServerError`), look the id up over the settle
  ///    window (after 2 s, 4 s and 8 s by default): found, return the one with the lowest id; not
  ///    found in any lookup, send the same request again, up to `max_retries` more times.
  ///
  /// Exact as long as an order the server accepted is listed within the settle window.
  /// @throws impilo::AmbiguousCreateError when it cannot tell: a lookup failed, a 2xx order was
  ///         not found, or the last send allowed was ambiguous and its order was not found (it
  ///         may still appear). `external_id()` is the key to reconcile with.
  /// @throws impilo::ValidationError (nothing sent); any other error `create_order` throws when
  ///         the outcome is certain (a 400, a 401, a connection never made, ...).
  Order create_order_once(const CreateOrderRequest& request) const;

  /// Prepares @p request for `place_order`: validates it, fixes its external id (the first one
  /// the caller set, else a generated `impilo-cpp:` id as in `create_order_once`) and notes the
  /// newest order id (1 small GET, 2 when the account has more than one order). Sends no order.
  ///
  /// Save `ticket.to_string()` where your own record of the intent goes, in the same transaction
  /// (the outbox pattern, docs/retries.md), then place it.
  /// @throws impilo::ValidationError (nothing sent); any error `list_orders` throws (nothing
  ///         placed: prepare again).
  CreateTicket prepare_order(const CreateOrderRequest& request) const;

  /// Places @p ticket's order at most once, however many times it is called: after any failure,
  /// crash or restart, from any process or machine on the same account.
  ///
  /// Looks for orders newer than `ticket.newer_than_id()` carrying `ticket.external_id()`: found,
  /// it returns the one with the lowest id and sends nothing; not found, it sends and reconciles as
  /// steps 3 and 4 of `create_order_once` do. Cost, whatever the size of the account, when few
  /// orders are newer than the ticket and the listing is in id order (as the API's is): at most 3
  /// GETs and 1 POST; the settle lookups only follow an ambiguous outcome.
  ///
  /// Two calls with the same ticket at the same moment are not safe: serialize them (a row lock,
  /// a claim). A call that follows a crashed one should come at least the settle window after the
  /// crashed send (`ClientOptions::settle_lookups`): an order accepted then may not be listed yet.
  /// @throws impilo::AmbiguousCreateError as `create_order_once` does (place again later: the
  ///         next call finds the order or sends it);
  /// @throws impilo::ValidationError when the ticket's request breaks a rule of this version of
  ///         the SDK (nothing sent); any other error `create_order` throws when the outcome is
  ///         certain (nothing placed), and any error `list_orders` throws (nothing sent).
  Order place_order(const CreateTicket& ticket) const;

  /// Validates @p patient (`impilo::validate(const Patient&)`), then `POST /api/v3/patient`.
  ///
  /// Like `create_order`, sent again only when it certainly cannot have created a patient; a
  /// failure that may have reached the server is thrown as it came (`may_have_taken_effect()`),
  /// never repeated: a repeat could create the patient twice. To create at most one patient per
  /// EHR id, use `ensure_patient`.
  /// @throws impilo::ValidationError (nothing sent), also for a patient that carries an `id`
  ///         (`/id`: a create makes a new patient); any `ApiError`, `TransportError`,
  ///         `DecodeError` (of a 2xx: `may_have_reached_server()` is true).
  Patient create_patient(const Patient& patient) const;

  /// `GET /api/v3/patient/{id}`.
  /// @throws impilo::UsageError for an id below 1 (nothing sent); `NotFoundError` for an unknown
  ///         patient; any other `ApiError`, `TransportError`, `DecodeError`.
  Patient get_patient(std::int64_t id) const;

  /// Validates @p patient, then `PUT /api/v3/patient/{id}`: replaces the whole patient (fields
  /// left empty are sent as absent, and the server may clear them) and returns it as updated.
  /// Setting a whole value is safe to repeat, so it is retried like a GET.
  /// @throws impilo::UsageError for an id below 1; impilo::ValidationError (nothing sent), also
  ///         when `patient.id` is set and is not @p id; `NotFoundError` for an unknown patient;
  ///         any other `ApiError`, `TransportError`, `DecodeError`.
  Patient update_patient(std::int64_t id, const Patient& patient) const;

  /// `GET /api/v3/patient`: one page, with the filters of @p params.
  /// @throws impilo::UsageError (nothing sent) for a page below 1, a size outside 1..250, an id
  ///         or site id below 1, an empty external identifier, a date that is not `YYYY-MM-DD`,
  ///         a minimum date after the maximum, or `extra_query` naming a modelled parameter; any
  ///         `ApiError`, `TransportError`, `DecodeError`.
  Page<Patient> list_patients(const ListPatientsParams& params = {}) const;

  /// Every patient from `params.page` on, fetched page by page as the loop goes (prefetching as
  /// `orders()` does).
  /// @throws impilo::UsageError at once for parameters `list_patients` would refuse.
  PatientRange patients(const ListPatientsParams& params = {}) const;

  /// Every patient whose `externalIdentifier` is exactly @p external_identifier, by ascending id
  /// (a patient without an id last).
  ///
  /// Lists with the `externalIdentifier` filter in pages of 250 and keeps only exact matches, so
  /// a server that filters loosely (or not at all) cannot produce a wrong answer, only a slower
  /// one. Reads on until a page says `last: true` or comes back empty, whatever `total` says.
  /// Usually one GET. The API does not promise the identifier is unique: more than one patient
  /// may come back.
  /// @throws impilo::UsageError for an empty identifier (nothing sent); any error
  ///         `list_patients` throws, and `DecodeError` for a server that repeats a page.
  std::vector<Patient> find_patients_by_external_identifier(
      std::string_view external_identifier) const;

  /// The patient whose `externalIdentifier` is `patient.external_identifier`, created from
  /// @p patient when there is none: the way to go from an EHR id to an Impilo patient id.
  ///
  /// Never creates two patients for one identifier through this call: it looks the identifier up
  /// (`find_patients_by_external_identifier`); found, it returns the patient with the lowest id
  /// and sends nothing (it does not update it: use `update_patient`); not found, it creates the
  /// patient once. An outcome that may or may not have created it (a cut connection, a 5xx, an
  /// undecodable 2xx) is looked up again over the settle window (`ClientOptions::settle_delay`,
  /// `settle_lookups`) and never sent again. Cost: 1 GET when the patient exists; 1 GET and
  /// 1 POST when not. Two processes ensuring the same new identifier at the same moment can
  /// still create two patients (the API has no uniqueness to lean on): serialize them.
  /// @throws impilo::ValidationError (nothing sent) for an empty or absent `externalIdentifier`,
  ///         a patient carrying an `id`, or any rule of `validate(const Patient&)`;
  /// @throws impilo::AmbiguousCreateError when the create may have happened and no lookup shows
  ///         it (`external_id()` is the identifier: ensure again later, never create);
  /// @throws any error `create_patient` throws when the outcome is certain, and any error
  ///         `list_patients` throws (nothing created).
  Patient ensure_patient(const Patient& patient) const;

  /// `GET /api/v3/kit`: one page of the kits of the catalogue, with the filters of @p params.
  /// @throws impilo::UsageError (nothing sent) for a page below 1, a size outside 1..250, an
  ///         item id below 1, or `extra_query` naming a modelled parameter; any `ApiError`,
  ///         `TransportError`, `DecodeError`.
  Page<Kit> list_kits(const ListKitsParams& params = {}) const;

  /// Every kit from `params.page` on, fetched page by page as the loop goes.
  /// @throws impilo::UsageError at once for parameters `list_kits` would refuse.
  KitRange kits(const ListKitsParams& params = {}) const;

  /// `POST /api/v3/webhook`: subscribes `subscription.url` to deliveries of `subscription.type`.
  ///
  /// Like a create, never repeated once it may have reached the server (a repeat could subscribe
  /// the URL twice).
  /// @throws impilo::ValidationError (nothing sent) naming `/type` or `/url`: an empty type, a
  ///         type or URL holding whitespace or a control character, a URL that is not
  ///         `https://host...` as libcurl reads it (`http://` is accepted only for a loopback
  ///         host, for local simulators), or that holds a user name or password, a backslash or
  ///         a percent-encoded host; any `ApiError`, `TransportError`, `DecodeError`.
  Webhook create_webhook(const WebhookSubscription& subscription) const;

  /// `POST /api/v3/webhook-secret`: sets the secret Impilo sends in `Impilo-Webhook-Secret` with
  /// every delivery.
  ///
  /// From this call on, this client (and every range it hands out) redacts @p secret like the API
  /// key: in log lines, exception messages and error bodies, even when a server echoes it back.
  ///
  /// Setting a value is safe to repeat, so the call is retried like a GET (a 503, a timeout or a
  /// cut connection, up to `ClientOptions::max_retries`), unlike the creates; see docs/retries.md.
  /// @throws impilo::ValidationError (nothing sent) naming `/secret` for an empty secret or one
  ///         holding a control character (no header could carry it); any `ApiError`,
  ///         `TransportError`.
  void set_webhook_secret(std::string_view secret) const;

  /// `GET /api/v3/webhook/logs`: one page of the delivery log, with the filters of @p params.
  /// @throws impilo::UsageError (nothing sent) for a page below 1, a size outside 1..250, a
  ///         negative retry count, a minimum above the maximum, a status outside 100..599, an
  ///         empty or control-character timestamp, or `extra_query` naming a modelled parameter;
  ///         any `ApiError`, `TransportError`, `DecodeError`.
  Page<WebhookLog> list_webhook_logs(const ListWebhookLogsParams& params = {}) const;

  /// Every delivery log entry from `params.page` on, fetched page by page as the loop goes.
  /// @throws impilo::UsageError at once for parameters `list_webhook_logs` would refuse.
  WebhookLogRange webhook_logs(const ListWebhookLogsParams& params = {}) const;

 private:
  struct Impl;
  class Once;  // the steps create_order_once and place_order share (client_once.cpp)
  std::shared_ptr<const Impl> impl_;  // shared with the ranges this client hands out
};

}  // namespace impilo
