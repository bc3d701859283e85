#pragma once

/// @file
/// Error codes and the exception hierarchy.
///
/// ```
/// std::runtime_error
/// └── impilo::Error
///     ├── ValidationError        the request broke a rule; nothing was sent
///     ├── ApiError               the server answered with an HTTP error status
///     │   ├── BadRequestError        400
///     │   ├── AuthenticationError    401
///     │   ├── PermissionDeniedError  403
///     │   ├── NotFoundError          404
///     │   ├── RateLimitError         429
///     │   └── ServerError            5xx
///     ├── TransportError         no usable HTTP answer (connect, TLS, timeout, cut connection)
///     ├── DecodeError            a body that is not the expected JSON
///     ├── AmbiguousCreateError   a create-once call could not tell whether its order exists
///     └── UsageError             the SDK was called wrongly (bad option, id out of range, ...)
/// ```
/// No message of any of these ever contains the API key.

#include <chrono>
#include <cstdint>
#include <impilo/export.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace impilo {

/// One vocabulary for client-side validation and for server errors (docs/error-handling.md).
enum class ErrorCode {
  order_content_required,           ///< No order content list is given.
  shipping_option_required,         ///< Returns without `emailLabel: true` need `shippingOption`.
  patient_or_site_required,         ///< Not exactly one of patient and site, or a site without id.
  insufficient_inventory,           ///< No fulfilment site has enough inventory.
  item_not_orderable,               ///< An item is marked non-orderable.
  max_one_loaner_kit,               ///< More than one loaner kit.
  qty_over_one_loaner_kit,          ///< A loaner kit with a count above 1.
  no_returns_with_loaner_kit,       ///< Returns combined with a loaner kit.
  no_loaner_kit_to_site,            ///< A loaner kit sent to a site.
  device_in_return_and_packed_kit,  ///< A device both in `returnDevices` and a returned packed kit.
  patient_does_not_exist,           ///< The patient id is not one of the customer's patients.
  invalid_order,                    ///< Customer or site validation failed.
  patient_required,                 ///< "Patient required".
  patient_first_name_required,      ///< A new patient without a non-blank `firstName`.
  patient_last_name_required,       ///< A new patient without a non-blank `lastName`.
  patient_address_required,         ///< A new patient without an address.
  site_not_found,                   ///< The new patient's site does not exist.
  site_not_active,                  ///< The new patient's site is not active.
  address_line_one_required,        ///< An address without a non-blank `lineOne`.
  address_city_required,            ///< An address without a non-blank `city`.
  address_state_required,           ///< An address without a non-blank `state`.
  address_country_required,         ///< An address without a non-blank `country`.
  address_zip_code_required,        ///< An address without a non-blank `zipCode`.
  invalid_json,                     ///< The body is not JSON.
  invalid_data,                     ///< A value of the wrong type or out of range.
  unauthorized,                     ///< Any 401: missing, invalid or expired key.
  access_denied,                    ///< 403 "Access Denied".
  feature_disabled,                 ///< 403 "The requested feature has been disabled."
  forbidden,                        ///< 403 "The requested resource is forbidden."
  not_found,  ///< A 404 whose text names no more specific code: no such order (or path).
  unknown,    ///< Anything else; the server's text is kept whole.
};

/// The snake_case name of @p code (`"insufficient_inventory"`). Never empty; an out-of-range value
/// gives `"unknown"`.
IMPILO_EXPORT std::string_view to_string(ErrorCode code) noexcept;

/// The code whose snake_case name is @p name, or `std::nullopt`.
IMPILO_EXPORT std::optional<ErrorCode> error_code_from_string(std::string_view name) noexcept;

/// Classifies a server message: an exact code word anywhere in the text (`insufficient_inventory`
/// inside a longer sentence), else a documented sentence (`Site 12 not found`), else
/// `ErrorCode::unknown`. Works on the message alone; the status is not considered (so it never
/// gives `unauthorized` or `not_found`, which `throw_api_error` derives from the status).
IMPILO_EXPORT ErrorCode error_code_from_message(std::string_view message) noexcept;

/// The server's sentence for @p code (`"Must provide a City value in the Address."`), or an empty
/// view for codes with no fixed sentence (`unknown`, `unauthorized`, and the ones with an id).
IMPILO_EXPORT std::string_view server_message(ErrorCode code) noexcept;

/// Base of every exception the SDK throws. `what()` never contains the API key.
class IMPILO_EXPORT Error : public std::runtime_error {
 public:
  /// An error with the message @p what.
  explicit Error(const std::string& what) : std::runtime_error(what) {}

  /// True when the call that failed may have changed something on the server, so repeating it
  /// blindly could do it twice: a `TransportError` that may have reached the server, a 5xx (or a
  /// proxy's 408) `ServerError`, a `DecodeError` of a 2xx answer to a create, and
  /// `AmbiguousCreateError`. False when nothing happened: `ValidationError`, `UsageError`, and
  /// the other HTTP errors (4xx: the server refused). A create that failed with true: look it up
  /// or place its ticket again (docs/error-handling.md), never create it again.
  [[nodiscard]] virtual bool may_have_taken_effect() const noexcept { return false; }
};

/// The SDK was used wrongly: a refused option (an `http://` URL to a remote host, a header value
/// with CR or LF, an empty API key), or an argument out of range (page, size, id). Nothing was
/// sent.
class IMPILO_EXPORT UsageError : public Error {
 public:
  using Error::Error;
};

/// One broken rule of a request: where (a JSON pointer into the request), which rule, and the
/// server's sentence for it where one exists.
struct Violation {
  std::string field;  ///< JSON pointer into the request, such as `/patient/address/city`.
  ErrorCode code{ErrorCode::unknown};  ///< The rule that was broken.
  std::string message;  ///< Human-readable text (the server's sentence where one exists).
};

/// Equal when field, code and message are equal.
inline bool operator==(const Violation& a, const Violation& b) {
  return a.field == b.field && a.code == b.code && a.message == b.message;
}
/// Negation of `==`.
inline bool operator!=(const Violation& a, const Violation& b) {
  return !(a == b);
}

/// A request broke one or more rules that need no server. Nothing was sent.
class IMPILO_EXPORT ValidationError : public Error {
 public:
  /// @p violations must not be empty; `what()` lists them all.
  explicit ValidationError(std::vector<Violation> violations);

  /// Every broken rule, in the order the request was checked.
  [[nodiscard]] const std::vector<Violation>& violations() const noexcept { return violations_; }

 private:
  std::vector<Violation> violations_;
};

/// The server answered with an HTTP error status. Carries the status, the classified code, the
/// server's message, the body, and which request was answered.
///
/// `what()` reads `HTTP 404 not_found from GET /api/v3/order/99: Order 99 not found`: the
/// request part is left out when it is not known, and the message when it only repeats the code
/// (`HTTP 400 insufficient_inventory from POST /api/v3/order`).
class IMPILO_EXPORT ApiError : public Error {
 public:
  /// @p message is the server's text as extracted from @p body; @p request is the method and the
  /// URL path that was answered (`GET /api/v3/order/99`, without the query), or empty when
  /// unknown. `what()` is built from all five.
  ApiError(int status, ErrorCode code, std::string message, std::string body,
           std::string request = {});

  /// The HTTP status, such as 400.
  [[nodiscard]] int status() const noexcept { return status_; }
  /// The classified code (`ErrorCode::unknown` when the text matches nothing documented).
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  /// The server's message, extracted from whatever shape the body had; the whole text when the
  /// body had no recognisable shape.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  /// The response body as received, but redacted: every occurrence of the API key, also one
  /// written with JSON escapes, is replaced by `[redacted]` (a server or proxy may echo the
  /// request back), so that the body is safe to log. A JSON body that held the key in escaped form
  /// comes back re-encoded (compact); any other body keeps its bytes.
  [[nodiscard]] const std::string& body() const noexcept { return body_; }
  /// The request that was answered: method and full URL path (`GET /api/v3/order/99`), without the
  /// query; empty for an error built without it.
  [[nodiscard]] const std::string& request() const noexcept { return request_; }

 private:
  int status_;
  ErrorCode code_;
  std::string message_;
  std::string body_;
  std::string request_;
};

/// HTTP 400: the server refused the request (`code()` says which rule).
class IMPILO_EXPORT BadRequestError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// HTTP 401: the API key is missing, invalid or expired (`code()` is `unauthorized`).
class IMPILO_EXPORT AuthenticationError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// HTTP 403: `access_denied`, `feature_disabled` or `forbidden` (or `unknown`).
class IMPILO_EXPORT PermissionDeniedError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// HTTP 404: no such order (or no such path). `code()` is `not_found` unless the text names a
/// more specific code; `request()` says which path was not found.
class IMPILO_EXPORT NotFoundError : public ApiError {
 public:
  using ApiError::ApiError;
};

/// HTTP 429: too many requests. Thrown after the retries allowed are spent, or at once when the
/// server asks for a wait longer than `ClientOptions::max_retry_after`. Nothing was done.
class IMPILO_EXPORT RateLimitError : public ApiError {
 public:
  using ApiError::ApiError;
  /// As `ApiError`'s constructor, with the server's `Retry-After` read as a wait.
  RateLimitError(int status, ErrorCode code, std::string message, std::string body,
                 std::string request, std::optional<std::chrono::milliseconds> retry_after)
      : ApiError(status, code, std::move(message), std::move(body), std::move(request)),
        retry_after_(retry_after) {}
  /// The wait the server asked for in `Retry-After` (seconds or an HTTP date, as a duration from
  /// when the answer came; zero for a date in the past); empty when it sent none or an unreadable
  /// one.
  [[nodiscard]] std::optional<std::chrono::milliseconds> retry_after() const noexcept {
    return retry_after_;
  }

 private:
  std::optional<std::chrono::milliseconds> retry_after_;
};

/// HTTP 5xx, and any other status the SDK does not map to a narrower class. Thrown after the
/// retries allowed are spent; a create is never retried after one (the order may exist).
class IMPILO_EXPORT ServerError : public ApiError {
 public:
  using ApiError::ApiError;
  /// True for a 5xx and a 408 (the server, or a proxy in front of it, may have acted before
  /// failing to answer); false for the other statuses this class carries (405, 409, ...).
  [[nodiscard]] bool may_have_taken_effect() const noexcept override {
    return status() >= 500 || status() == 408;
  }
};

/// Builds the right `ApiError` subclass for an HTTP error status and body, and throws it.
///
/// Accepts any body: `{"message": ...}`, `{"error": ...}`, `{"errors": [string or {"message"}]}`,
/// a bare JSON string, plain text, HTML, or nothing. 400 gives `BadRequestError`, 401
/// `AuthenticationError` (code `unauthorized`), 403 `PermissionDeniedError`, 404 `NotFoundError`
/// (code `not_found` unless the text maps to another code), 429 `RateLimitError`, anything else
/// `ServerError`. @p request (`GET /api/v3/order/99`) becomes `ApiError::request()`;
/// @p retry_after becomes `RateLimitError::retry_after()` of a 429.
/// @pre @p status is not a 2xx status (passing one still throws a `ServerError`).
[[noreturn]] IMPILO_EXPORT void throw_api_error(
    int status, std::string body, std::string request = {},
    std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

/// The server's message extracted from an error body of any shape (see `throw_api_error`); the
/// trimmed body itself when no shape is recognised; empty for an empty body.
IMPILO_EXPORT std::string extract_error_message(std::string_view body);

/// No usable HTTP answer: a connection refused, a DNS or TLS failure, a timeout, a connection cut
/// mid-response, a response over the size cap.
class IMPILO_EXPORT TransportError : public Error {
 public:
  /// What went wrong, in broad classes.
  enum class Kind {
    connect,         ///< No connection was established (refused, unreachable, DNS).
    tls,             ///< The TLS handshake or certificate check failed.
    timeout,         ///< An attempt or the overall deadline ran out.
    connection_cut,  ///< The connection broke while sending or receiving.
    too_large,       ///< The response exceeded the size cap.
    other,           ///< Anything else the transport reported.
  };

  /// @p may_have_reached_server must be false only when the request certainly never left.
  TransportError(Kind kind, bool may_have_reached_server, const std::string& what)
      : Error(what), kind_(kind), may_have_reached_server_(may_have_reached_server) {}

  /// The broad class of failure.
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// False only when the request certainly never reached the server (it is then safe to repeat);
  /// true when it may have (a create may have placed an order: check before placing it again).
  [[nodiscard]] bool may_have_reached_server() const noexcept { return may_have_reached_server_; }
  /// `may_have_reached_server()`.
  [[nodiscard]] bool may_have_taken_effect() const noexcept override {
    return may_have_reached_server_;
  }

 private:
  Kind kind_;
  bool may_have_reached_server_;
};

/// The snake_case name of @p kind (`"connect"`, `"tls"`, `"timeout"`, `"connection_cut"`,
/// `"too_large"`, `"other"`). Never empty; an out-of-range value gives `"other"`.
IMPILO_EXPORT std::string_view to_string(TransportError::Kind kind) noexcept;

/// A body that is not the expected JSON: not exactly one JSON value (malformed, followed by
/// anything but whitespace, a NUL byte included, or starting with a byte order mark), nested
/// deeper than 256 levels, a number out of range, or a member of the wrong type.
class IMPILO_EXPORT DecodeError : public Error {
 public:
  /// `what()` is `"<pointer>: <detail>"`, with `(root)` for the empty pointer, followed by a note
  /// when @p may_have_reached_server is true.
  DecodeError(std::string pointer, const std::string& detail, bool may_have_reached_server = false);

  /// JSON pointer of the offending value (`/orderItems/2/count`); empty for the whole document.
  [[nodiscard]] const std::string& pointer() const noexcept { return pointer_; }

  /// What was wrong there, without the pointer (`expected integer, got string`). Never quotes a
  /// value from the document.
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }

  /// True when the request behind the undecodable answer may have taken effect: a create answered
  /// 2xx with an empty or unexpected body may have placed the order, so check (by your external
  /// order id) before placing it again, as after a `TransportError` that says the same. False for
  /// reads, and for documents decoded without a request (`from_json_text`).
  [[nodiscard]] bool may_have_reached_server() const noexcept { return may_have_reached_server_; }
  /// `may_have_reached_server()`: true only for an undecodable 2xx answer to a create.
  [[nodiscard]] bool may_have_taken_effect() const noexcept override {
    return may_have_reached_server_;
  }

 private:
  std::string pointer_;
  std::string detail_;
  bool may_have_reached_server_{false};
};

/// `Client::create_order_once` or `Client::place_order` could not tell whether its order exists:
/// a send had an ambiguous outcome (a cut connection, a timeout, a 5xx, an undecodable 2xx) and
/// the lookups by external id over the settle window either failed or found nothing.
///
/// It may exist, or may still appear (a server that lists late). Do not create it again blindly:
/// place the same ticket again later (`place_order` looks first), or reconcile with
/// `Client::find_orders_by_external_id(external_id())`. `what()` names the create failure's kind
/// (`TransportError` "connection cut", `ServerError` "HTTP 503", ...) and, when the lookup failed,
/// why; it never holds patient data or the API key.
///
/// `Client::ensure_patient` throws it too, when its create of a patient may have happened and no
/// lookup shows the patient: `external_id()` is then the patient's `externalIdentifier` (kept out
/// of `what()`, which a log may carry: an EHR id identifies a person). Ensure again later; never
/// `create_patient` it.
class IMPILO_EXPORT AmbiguousCreateError : public Error {
 public:
  /// @p external_id is the id the request carried (the one to look up later).
  AmbiguousCreateError(std::string external_id, const std::string& what)
      : Error(what), external_id_(std::move(external_id)) {}

  /// The external order id sent with every attempt (for `ensure_patient`, the patient's
  /// `externalIdentifier`): the key to reconcile with.
  [[nodiscard]] const std::string& external_id() const noexcept { return external_id_; }
  /// Always true: the order may exist.
  [[nodiscard]] bool may_have_taken_effect() const noexcept override { return true; }

 private:
  std::string external_id_;
};

}  // namespace impilo
