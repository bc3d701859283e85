#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <impilo/errors.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "json_text.hpp"
#include "transport_kind.hpp"

namespace impilo {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// ---- The vocabulary (docs/error-handling.md, "Codes") ------------------------------------

/// One row per `ErrorCode`, in declaration order.
struct CodeInfo {
  ErrorCode code;
  std::string_view name;      ///< `to_string(code)`.
  std::string_view sentence;  ///< `server_message(code)`: its one fixed server text, or empty.
  bool server_word;           ///< The server may send `name` itself, alone or inside a sentence.
};

constexpr std::size_t code_count = static_cast<std::size_t>(ErrorCode::unknown) + 1;

// clang-format off
constexpr std::array<CodeInfo, code_count> code_table{{
    {ErrorCode::order_content_required, "order_content_required",
     "Order must contain at least one of: orderItems, orderKits, returnItems, returnDevices, or "
     "returnPackedKits", false},
    {ErrorCode::shipping_option_required, "shipping_option_required",
     "shippingOption is required when emailLabel is false and return items are included", false},
    {ErrorCode::patient_or_site_required, "patient_or_site_required",
     "patient or site required", false},
    {ErrorCode::insufficient_inventory, "insufficient_inventory",
     "insufficient_inventory", true},
    {ErrorCode::item_not_orderable, "item_not_orderable",
     "Order contains Items that are marked as non-orderable. Order cannot be placed.", true},
    {ErrorCode::max_one_loaner_kit, "max_one_loaner_kit", "max_one_loaner_kit", true},
    {ErrorCode::qty_over_one_loaner_kit, "qty_over_one_loaner_kit", "qty_over_one_loaner_kit", true},
    {ErrorCode::no_returns_with_loaner_kit, "no_returns_with_loaner_kit",
     "no_returns_with_loaner_kit", true},
    {ErrorCode::no_loaner_kit_to_site, "no_loaner_kit_to_site", "no_loaner_kit_to_site", true},
    {ErrorCode::device_in_return_and_packed_kit, "device_in_return_and_packed_kit",
     "Device cannot be included both as a return device and in a packed kit", false},
    {ErrorCode::patient_does_not_exist, "patient_does_not_exist", "patient_does_not_exist", true},
    {ErrorCode::invalid_order, "invalid_order", "invalid_order", true},
    {ErrorCode::patient_required, "patient_required", "Patient required", false},
    {ErrorCode::patient_first_name_required, "patient_first_name_required",
     "Must provide a non-blank string for firstName.", false},
    {ErrorCode::patient_last_name_required, "patient_last_name_required",
     "Must provide a non-blank string for lastName.", false},
    {ErrorCode::patient_address_required, "patient_address_required",
     "Must provide an Address for Patient.", false},
    // Also "Site {id} not found": see site_id_sentences.
    {ErrorCode::site_not_found, "site_not_found", "Unable to find the Site provided.", false},
    // Only "Site {id} not active": no fixed sentence.
    {ErrorCode::site_not_active, "site_not_active", "", false},
    {ErrorCode::address_line_one_required, "address_line_one_required",
     "Must provide a Line One value in the Address.", false},
    {ErrorCode::address_city_required, "address_city_required",
     "Must provide a City value in the Address.", false},
    {ErrorCode::address_state_required, "address_state_required",
     "Must provide a State value in the Address.", false},
    {ErrorCode::address_country_required, "address_country_required",
     "Must provide a Country value in the Address.", false},
    {ErrorCode::address_zip_code_required, "address_zip_code_required",
     "Must provide a Zip Code value in the Address.", false},
    {ErrorCode::invalid_json, "invalid_json", "Invalid JSON format", false},
    {ErrorCode::invalid_data, "invalid_data", "Invalid data provided", false},
    {ErrorCode::unauthorized, "unauthorized", "", false},
    {ErrorCode::access_denied, "access_denied", "Access Denied", false},
    {ErrorCode::feature_disabled, "feature_disabled",
     "The requested feature has been disabled.", false},
    {ErrorCode::forbidden, "forbidden", "The requested resource is forbidden.", false},
    // Given by the 404 status, not by a text: no server sentence.
    {ErrorCode::not_found, "not_found", "", false},
    {ErrorCode::unknown, "unknown", "", false},
}};
// clang-format on

constexpr bool rows_follow_enum_order() {
  for (std::size_t i = 0; i < code_table.size(); ++i) {
    if (code_table[i].code != static_cast<ErrorCode>(i) || code_table[i].name.empty()) {
      return false;
    }
  }
  return true;
}
static_assert(rows_follow_enum_order(), "code_table must list every ErrorCode once, in enum order");

/// The row of @p code; the `unknown` row for a value outside the enumeration.
const CodeInfo& info_of(ErrorCode code) noexcept {
  const auto index = static_cast<std::size_t>(code);
  return index < code_table.size() ? code_table[index] : code_table.back();
}

// ---- Sentences, longest first ---------------------------------------------------------------

/// A fixed server sentence and the code it maps to.
struct Sentence {
  std::string_view text;
  ErrorCode code{ErrorCode::unknown};
};

constexpr bool is_matched_as_sentence(const CodeInfo& info) {
  // A code word that is its own sentence is matched as a whole word instead.
  return !info.sentence.empty() && info.sentence != info.name;
}

constexpr std::size_t count_sentences() {
  std::size_t count = 0;
  for (const CodeInfo& info : code_table) {
    count += is_matched_as_sentence(info) ? 1 : 0;
  }
  return count;
}

/// Every fixed sentence of `code_table`, longest first, so that a sentence contained in a longer
/// one can never shadow it.
constexpr std::array<Sentence, count_sentences()> sort_fixed_sentences() {
  std::array<Sentence, count_sentences()> sorted{};
  std::size_t filled = 0;
  for (const CodeInfo& info : code_table) {
    if (!is_matched_as_sentence(info)) {
      continue;
    }
    std::size_t slot = filled++;  // insertion sort; equal lengths keep table order
    while (slot > 0 && sorted[slot - 1].text.size() < info.sentence.size()) {
      sorted[slot] = sorted[slot - 1];
      --slot;
    }
    sorted[slot] = Sentence{info.sentence, info.code};
  }
  return sorted;
}

constexpr auto fixed_sentences = sort_fixed_sentences();

/// The sentences with a site id: "Site {id} not found", where `{id}` is an integer, possibly
/// negative. No fixed sentence contains one of these or is contained in one, so checking them
/// after the fixed sentences shadows nothing.
struct SiteIdSentence {
  std::string_view tail;  ///< What follows "Site {id}".
  ErrorCode code;
};

constexpr std::array<SiteIdSentence, 2> site_id_sentences{{
    {" not found", ErrorCode::site_not_found},
    {" not active", ErrorCode::site_not_active},
}};

// ---- Text matching (ASCII; no allocation) ---------------------------------------------------

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Position of @p needle in @p text at or after @p from, ignoring ASCII case; `npos` if absent.
std::size_t find_ignoring_case(std::string_view text, std::string_view needle,
                               std::size_t from = 0) noexcept {
  if (from > text.size()) {
    return npos;
  }
  const auto found =
      std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), needle.begin(),
                  needle.end(), [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  return found == text.end() ? npos : static_cast<std::size_t>(found - text.begin());
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() &&
         find_ignoring_case(text.substr(0, prefix.size()), prefix) == 0;
}

/// Position of the first occurrence of @p word in @p text that is not glued to other word
/// characters (`[A-Za-z0-9_]`) on either side; `npos` if there is none. Case-sensitive.
std::size_t find_whole_word(std::string_view text, std::string_view word) noexcept {
  for (std::size_t pos = text.find(word); pos != npos; pos = text.find(word, pos + 1)) {
    const std::size_t end = pos + word.size();
    const bool free_before = pos == 0 || !is_word_char(text[pos - 1]);
    const bool free_after = end == text.size() || !is_word_char(text[end]);
    if (free_before && free_after) {
      return pos;
    }
  }
  return npos;
}

/// Whether @p text contains "Site <integer><tail>", ignoring case, with "Site" not glued to a
/// preceding word character ("Website 4 not found" does not count).
bool contains_site_id_sentence(std::string_view text, std::string_view tail) noexcept {
  constexpr std::string_view head = "site ";
  for (std::size_t pos = find_ignoring_case(text, head); pos != npos;
       pos = find_ignoring_case(text, head, pos + 1)) {
    if (pos > 0 && is_word_char(text[pos - 1])) {
      continue;
    }
    std::size_t i = pos + head.size();
    if (i < text.size() && text[i] == '-') {
      ++i;
    }
    const std::size_t first_digit = i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
    }
    if (i > first_digit && starts_with_ignoring_case(text.substr(i), tail)) {
      return true;
    }
  }
  return false;
}

// ---- Error bodies ---------------------------------------------------------------------------

using internal::trim;

bool is_blank(std::string_view text) noexcept {
  return trim(text).empty();
}

/// What an error body says, and the code it maps to (the status is not considered here).
struct ErrorBody {
  std::string message;
  ErrorCode code{ErrorCode::unknown};
};

/// The non-blank texts held by one member of an error object: a string, an object with a string
/// `message`, or an array of those (`{"errors": ["a", {"message": "b"}]}`).
std::vector<std::string> texts_of(const nlohmann::json& value) {
  std::vector<std::string> texts;
  const auto add = [&texts](const nlohmann::json& element) {
    const nlohmann::json* text = &element;
    if (element.is_object()) {
      const auto message = element.find("message");
      text = message == element.end() ? nullptr : &*message;
    }
    if (text != nullptr && text->is_string() && !is_blank(text->get_ref<const std::string&>())) {
      texts.push_back(text->get<std::string>());
    }
  };
  if (value.is_array()) {
    for (const nlohmann::json& element : value) {
      add(element);
    }
  } else {
    add(value);
  }
  return texts;
}

std::string join(const std::vector<std::string>& texts, std::string_view separator) {
  std::string joined;
  for (const std::string& text : texts) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += text;
  }
  return joined;
}

/// Reads a body that parsed as JSON; `std::nullopt` when it has no recognised shape.
///
/// The members `message`, `error` and `errors` are looked at in that order (Spring's
/// `{"error": "Bad Request", "message": "insufficient_inventory"}` prefers `message`). The
/// message is the first of them that holds any text, its texts joined with "; "; the code is that
/// of the first text, over all three members, that maps to a known code.
std::optional<ErrorBody> read_json_body(const nlohmann::json& json) {
  std::vector<std::vector<std::string>> groups;
  if (json.is_object()) {
    for (const char* key : {"message", "error", "errors"}) {
      const auto member = json.find(key);
      if (member != json.end()) {
        groups.push_back(texts_of(*member));
      }
    }
  } else if (json.is_string() || json.is_array()) {  // a bare "text" or ["text", ...]
    groups.push_back(texts_of(json));
  }

  const auto first_with_text = std::find_if(
      groups.begin(), groups.end(), [](const std::vector<std::string>& g) { return !g.empty(); });
  if (first_with_text == groups.end()) {
    return std::nullopt;
  }
  ErrorBody read{join(*first_with_text, "; ")};
  for (const std::vector<std::string>& group : groups) {
    for (const std::string& text : group) {
      read.code = error_code_from_message(text);
      if (read.code != ErrorCode::unknown) {
        return read;
      }
    }
  }
  return read;
}

/// Reads an error body of any shape (see `throw_api_error`). Never throws a JSON error: a body
/// that is not valid JSON, or JSON of no recognised shape, is taken as text, trimmed.
ErrorBody read_error_body(std::string_view body) {
  const std::string_view text = trim(body);
  // A body that is not exactly one JSON value (nested past the limit, followed by a NUL or other
  // bytes) is kept as text: it is never parsed.
  const bool may_be_json = !text.empty() &&
                           (text.front() == '{' || text.front() == '[' || text.front() == '"') &&
                           !internal::check_json_text(text);
  if (may_be_json) {
    try {
      const auto json = nlohmann::json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                                              /*allow_exceptions=*/false);
      if (!json.is_discarded()) {
        if (std::optional<ErrorBody> read = read_json_body(json)) {
          return *std::move(read);
        }
      }
    } catch (const nlohmann::json::exception&) {
      // Malformed or unexpected JSON: fall through and keep the body as text.
    }
  }
  return ErrorBody{std::string(text), error_code_from_message(text)};
}

// ---- what() texts ----------------------------------------------------------------------------

/// How many bytes of the server's message an `ApiError::what()` shows before "...".
constexpr std::size_t what_message_limit = 300;

constexpr bool is_utf8_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

/// @p text on one line (each run of whitespace or control characters becomes one space), cut to
/// about @p limit bytes with "..." at a UTF-8 character boundary. Keeps what() short and loggable
/// even for a multi-megabyte HTML page.
std::string one_line_summary(std::string_view text, std::size_t limit) {
  text = trim(text);
  std::string summary;
  summary.reserve(std::min(text.size(), limit + 3));
  bool pending_space = false;
  for (const char c : text) {
    if (internal::is_control_or_space(c)) {
      pending_space = true;
      continue;
    }
    if (summary.size() + (pending_space ? 1 : 0) >= limit) {
      if (!pending_space && is_utf8_continuation(c)) {  // do not leave half a character behind
        while (!summary.empty() && is_utf8_continuation(summary.back())) {
          summary.pop_back();
        }
        if (!summary.empty()) {
          summary.pop_back();  // the lead byte of the cut character
        }
      }
      summary += "...";
      return summary;
    }
    if (pending_space) {
      summary += ' ';
      pending_space = false;
    }
    summary += c;
  }
  return summary;
}

std::string describe_api_error(int status, ErrorCode code, const std::string& message,
                               const std::string& body, const std::string& request) {
  std::string what = "HTTP ";
  what += std::to_string(status);
  what += ' ';
  what += to_string(code);
  if (!request.empty()) {
    what += " from ";
    what += request;
  }
  // An ApiError built by hand may carry a body without a message: show the body then.
  const std::string& shown = is_blank(message) ? body : message;
  if (is_blank(shown)) {
    what += ": (empty body)";
    return what;
  }
  std::string summary = one_line_summary(shown, what_message_limit);
  if (summary != to_string(code)) {  // "HTTP 400 insufficient_inventory", not twice
    what += ": ";
    what += summary;
  }
  return what;
}

std::string_view pointer_or_root(const std::string& pointer) noexcept {
  return pointer.empty() ? std::string_view("(root)") : std::string_view(pointer);
}

std::string describe_violations(const std::vector<Violation>& violations) {
  std::string what = "request is invalid";
  std::string_view separator = ": ";
  for (const Violation& violation : violations) {
    what += separator;
    separator = "; ";
    what += pointer_or_root(violation.field);
    what += ": ";
    what += to_string(violation.code);
    if (!violation.message.empty()) {
      what += ": ";
      what += violation.message;
    }
  }
  return what;
}

std::string describe_decode_error(const std::string& pointer, const std::string& detail,
                                  bool may_have_reached_server) {
  std::string what(pointer_or_root(pointer));
  what += ": ";
  what += detail;
  if (may_have_reached_server) {
    what +=
        " (the request reached the server and may have taken effect: check before repeating it)";
  }
  return what;
}

}  // namespace

// ---- Public functions -----------------------------------------------------------------------

std::string_view to_string(ErrorCode code) noexcept {
  return info_of(code).name;
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) noexcept {
  const auto row = std::find_if(code_table.begin(), code_table.end(),
                                [name](const CodeInfo& info) { return info.name == name; });
  if (row == code_table.end()) {
    return std::nullopt;
  }
  return row->code;
}

ErrorCode error_code_from_message(std::string_view message) noexcept {
  // 1. A code word, exact and whole; the earliest in the text wins.
  ErrorCode by_word = ErrorCode::unknown;
  std::size_t earliest = npos;
  for (const CodeInfo& info : code_table) {
    if (!info.server_word) {
      continue;
    }
    const std::size_t pos = find_whole_word(message, info.name);
    if (pos < earliest) {
      earliest = pos;
      by_word = info.code;
    }
  }
  if (by_word != ErrorCode::unknown) {
    return by_word;
  }
  // 2. A documented sentence, anywhere in the text, ignoring case; the longest first.
  for (const Sentence& sentence : fixed_sentences) {
    if (find_ignoring_case(message, sentence.text) != npos) {
      return sentence.code;
    }
  }
  for (const SiteIdSentence& sentence : site_id_sentences) {
    if (contains_site_id_sentence(message, sentence.tail)) {
      return sentence.code;
    }
  }
  return ErrorCode::unknown;
}

std::string_view server_message(ErrorCode code) noexcept {
  return info_of(code).sentence;
}

ValidationError::ValidationError(std::vector<Violation> violations)
    : Error(describe_violations(violations)), violations_(std::move(violations)) {}

ApiError::ApiError(int status, ErrorCode code, std::string message, std::string body,
                   std::string request)
    : Error(describe_api_error(status, code, message, body, request)),
      status_(status),
      code_(code),
      message_(std::move(message)),
      body_(std::move(body)),
      request_(std::move(request)) {}

DecodeError::DecodeError(std::string pointer, const std::string& detail,
                         bool may_have_reached_server)
    : Error(describe_decode_error(pointer, detail, may_have_reached_server)),
      pointer_(std::move(pointer)),
      detail_(detail),
      may_have_reached_server_(may_have_reached_server) {}

std::string extract_error_message(std::string_view body) {
  return read_error_body(body).message;
}

void throw_api_error(int status, std::string body, std::string request,
                     std::optional<std::chrono::milliseconds> retry_after) {
  ErrorBody parsed = read_error_body(body);
  ErrorCode code = parsed.code;
  if (status == 401) {
    code = ErrorCode::unauthorized;  // any 401, whatever its body says
  } else if (status == 404 && code == ErrorCode::unknown) {
    code = ErrorCode::not_found;  // a more specific text (`Site 4 not found`) keeps its code
  }
  std::string message = std::move(parsed.message);
  switch (status) {
    case 400:
      throw BadRequestError(status, code, std::move(message), std::move(body), std::move(request));
    case 401:
      throw AuthenticationError(status, code, std::move(message), std::move(body),
                                std::move(request));
    case 403:
      throw PermissionDeniedError(status, code, std::move(message), std::move(body),
                                  std::move(request));
    case 404:
      throw NotFoundError(status, code, std::move(message), std::move(body), std::move(request));
    case 429:
      throw RateLimitError(status, code, std::move(message), std::move(body), std::move(request),
                           retry_after);
    default:
      // 5xx, and every status without a narrower class: 408 (a timeout, retried like a 5xx),
      // other 4xx (405, 409, 413, 422, ...) that the API does not document, and a 2xx or 3xx
      // passed by mistake. `ApiError::status()` still tells them apart.
      throw ServerError(status, code, std::move(message), std::move(body), std::move(request));
  }
}

std::string_view to_string(TransportError::Kind kind) noexcept {
  return internal::transport_kind_text(kind).name;
}

}  // namespace impilo
