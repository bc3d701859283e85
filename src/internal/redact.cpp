#include "redact.hpp"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "json_limits.hpp"

namespace impilo::detail {

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + redacted_marker.size())) {
    text.replace(at, secret.size(), redacted_marker);
  }
  return text;
}

namespace {

/// Redacts one decoded string in place; true when it held the key.
bool redact_in_place(std::string& text, std::string_view secret) {
  if (text.find(secret) == std::string::npos) return false;
  text = redact(std::move(text), secret);
  return true;
}

/// Redacts every string and member name of @p root, iteratively; true when anything changed.
bool redact_dom(nlohmann::json& root, std::string_view secret) {
  bool changed = false;
  std::vector<nlohmann::json*> pending{&root};
  while (!pending.empty()) {
    nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      changed |= redact_in_place(value->get_ref<std::string&>(), secret);
    } else if (value->is_array()) {
      for (nlohmann::json& element : *value) pending.push_back(&element);
    } else if (value->is_object()) {
      // Member names cannot be changed in place: rebuild the object when one holds the key.
      auto& members = value->get_ref<nlohmann::json::object_t&>();
      nlohmann::json::object_t renamed;
      bool any_renamed = false;
      for (auto& [name, member] : members) {
        std::string new_name = name;
        any_renamed |= redact_in_place(new_name, secret);
        renamed.emplace(std::move(new_name), std::move(member));
      }
      changed |= any_renamed;
      members = std::move(renamed);
      for (auto& [name, member] : members) pending.push_back(&member);
    }
  }
  return changed;
}

}  // namespace

std::string redact_body(std::string body, std::string_view secret) {
  if (secret.empty()) return body;
  body = redact(std::move(body), secret);
  // Only text that can hold an escaped key is worth parsing; a deep document is left as it is
  // (it is never decoded either, and its raw bytes were redacted above).
  if (body.find('\\') == std::string::npos || !check_json_depth(body)) return body;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !redact_dom(parsed, secret)) return body;
  return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace impilo::detail
