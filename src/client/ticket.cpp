// `CreateTicket` as text (docs/adr/0008-create-once.md): `impilo-ticket-v1:`, a checksum of the
// rest, then compact JSON. The checksum tells a damaged or truncated ticket (a column cut at 255
// characters, a copy-paste that lost its end) from one whose content is wrong; the JSON keeps the
// ticket readable by a person who must reconcile it by hand.

#include <cstdint>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/ticket.hpp>
#include <impilo/validation.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "checksum.hpp"
#include "json_text.hpp"

namespace impilo {
namespace {

using internal::checksum_hex;
constexpr std::size_t checksum_digits = internal::checksum_hex_digits;

[[noreturn]] void refuse(const std::string& why) {
  throw UsageError("CreateTicket::parse: " + why);
}

/// The version of a foreign-looking `impilo-ticket-vN:` prefix, for a clearer message.
std::optional<std::string_view> other_version(std::string_view text) {
  constexpr std::string_view family = "impilo-ticket-v";
  if (text.substr(0, family.size()) != family) return std::nullopt;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == family.size() || colon > family.size() + 6) {
    return std::nullopt;
  }
  return text.substr(family.size(), colon - family.size());
}

}  // namespace

CreateTicket::CreateTicket(std::string external_id, std::optional<std::int64_t> newer_than_id,
                           CreateOrderRequest request)
    : external_id_(std::move(external_id)),
      newer_than_id_(newer_than_id),
      request_(std::move(request)) {}

std::string CreateTicket::to_string() const {
  nlohmann::json body = nlohmann::json::object();
  body["externalId"] = external_id_;
  body["newerThanId"] = newer_than_id_ ? nlohmann::json(*newer_than_id_) : nlohmann::json(nullptr);
  body["request"] = request_;
  // Strings were checked as UTF-8 when the ticket was made (validation); `replace` keeps a
  // ticket built from a request that skipped validation printable rather than throwing.
  std::string json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // nlohmann escapes bytes below 0x20 only; DEL can appear only inside a string, where its escape
  // means the same, so the ticket stays one line free of control characters.
  for (std::size_t at = json.find('\x7f'); at != std::string::npos; at = json.find('\x7f', at)) {
    json.replace(at, 1, "\\u007f");
  }
  return std::string(prefix) + checksum_hex(json) + ":" + json;
}

CreateTicket CreateTicket::parse(std::string_view text) {
  if (text.substr(0, prefix.size()) != prefix) {
    if (const auto version = other_version(text)) {
      refuse("a ticket of format version " + std::string(*version) +
             ", which this version of impilo-cpp does not read (it reads " +
             std::string(prefix.substr(0, prefix.size() - 1)) + ")");
    }
    if (text.empty()) refuse("the text is empty, not a ticket");
    refuse("not a ticket: it does not start with " + std::string(prefix));
  }
  const std::string_view rest = text.substr(prefix.size());
  if (rest.size() < checksum_digits + 1 || rest[checksum_digits] != ':') {
    refuse("the ticket is truncated: it ends before its checksum and content");
  }
  const std::string_view json = rest.substr(checksum_digits + 1);
  if (checksum_hex(json) != rest.substr(0, checksum_digits)) {
    refuse("the ticket is damaged or truncated: its checksum does not match its content (" +
           std::to_string(json.size()) + " bytes)");
  }
  if (const auto problem = internal::check_json_text(json)) {
    refuse(problem->kind == internal::JsonTextProblem::Kind::too_deep
               ? "the ticket's content is nested too deeply"
               : "the ticket's content is not a JSON object");
  }
  nlohmann::json body = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    refuse("the ticket's content is not a JSON object");
  }
  const auto external_id = body.find("externalId");
  if (external_id == body.end() || !external_id->is_string() ||
      external_id->get_ref<const std::string&>().empty()) {
    refuse("the ticket has no external id (`externalId` must be a non-empty string)");
  }
  const auto newer_than = body.find("newerThanId");
  if (newer_than == body.end() || !(newer_than->is_null() || newer_than->is_number_integer())) {
    refuse("the ticket's `newerThanId` must be an integer or null");
  }
  const auto request_json = body.find("request");
  if (request_json == body.end() || !request_json->is_object()) {
    refuse("the ticket has no request (`request` must be an object)");
  }
  CreateOrderRequest request;
  try {
    request = from_json_text<CreateOrderRequest>(request_json->dump());
  } catch (const DecodeError& e) {
    refuse("the ticket's request does not decode: " + std::string(e.what()));
  }
  const std::string& id = external_id->get_ref<const std::string&>();
  if (!request.external_order_ids || request.external_order_ids->empty() ||
      request.external_order_ids->front() != id) {
    refuse("the ticket's external id is not its request's first external order id");
  }
  if (const auto violations = validate(request); !violations.empty()) {
    refuse("the ticket's request breaks " + std::to_string(violations.size()) +
           " rule(s), the first at " + violations.front().field + " (" +
           std::string(impilo::to_string(violations.front().code)) + ")");
  }
  std::optional<std::int64_t> newer_than_id;
  if (newer_than->is_number_unsigned() &&
      newer_than->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    refuse("the ticket's `newerThanId` is out of range");
  }
  if (!newer_than->is_null()) newer_than_id = newer_than->get<std::int64_t>();
  return CreateTicket(id, newer_than_id, std::move(request));
}

}  // namespace impilo
