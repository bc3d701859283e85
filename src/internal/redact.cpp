#include "redact.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "json_text.hpp"

namespace impilo::internal {

namespace {

/// The value of the hex digit @p c, or -1.
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// True when @p text holds `%XX` at @p pos, XX being the hex code of @p byte in either case.
bool is_escape_of(std::string_view text, std::size_t pos, char byte) noexcept {
  if (text.size() - pos < 3 || text[pos] != '%') return false;
  const int high = hex_value(text[pos + 1]);
  const int low = hex_value(text[pos + 2]);
  return high >= 0 && low >= 0 &&
         static_cast<unsigned char>(high * 16 + low) == static_cast<unsigned char>(byte);
}

/// How many bytes of @p text, from @p at, spell @p secret with each byte raw or as `%XX` (the
/// longest such spelling); 0 when none does. A raw `%` and an escape can both fit (`%25` for the
/// secret `%`), so every way is followed: at most one position per byte of the secret each step.
std::size_t match_length(std::string_view text, std::size_t at, std::string_view secret) {
  if (secret.find('%') == std::string_view::npos) {
    // Without a `%` in the secret, a byte matches raw or escaped, never both: one way to follow.
    std::size_t pos = at;
    for (const char wanted : secret) {
      if (pos < text.size() && text[pos] == wanted) {
        ++pos;
      } else if (pos < text.size() && is_escape_of(text, pos, wanted)) {
        pos += 3;
      } else {
        return 0;
      }
    }
    return pos - at;
  }
  std::vector<std::size_t> ends{at};
  std::vector<std::size_t> next;
  for (const char wanted : secret) {
    next.clear();
    for (const std::size_t pos : ends) {
      if (pos >= text.size()) continue;
      if (text[pos] == wanted) next.push_back(pos + 1);
      if (is_escape_of(text, pos, wanted)) next.push_back(pos + 3);
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    if (next.empty()) return 0;
    ends.swap(next);
  }
  return ends.back() - at;
}

/// Redacts one decoded string in place; true when it held a secret.
bool redact_in_place(std::string& text, const std::vector<std::string_view>& secrets) {
  std::string redacted = redact_all(text, secrets);
  if (redacted == text) return false;
  text = std::move(redacted);
  return true;
}

/// Redacts every string and member name of @p root, iteratively; true when anything changed.
bool redact_dom(nlohmann::json& root, const std::vector<std::string_view>& secrets) {
  bool changed = false;
  std::vector<nlohmann::json*> pending{&root};
  while (!pending.empty()) {
    nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      changed |= redact_in_place(value->get_ref<std::string&>(), secrets);
    } else if (value->is_array()) {
      for (nlohmann::json& element : *value) pending.push_back(&element);
    } else if (value->is_object()) {
      // Member names cannot be changed in place: rebuild the object when one holds a secret.
      auto& members = value->get_ref<nlohmann::json::object_t&>();
      nlohmann::json::object_t renamed;
      bool any_renamed = false;
      for (auto& [name, member] : members) {
        std::string new_name = name;
        any_renamed |= redact_in_place(new_name, secrets);
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

std::string redact_all(std::string_view text, const std::vector<std::string_view>& secrets) {
  std::string out;
  std::size_t copied = 0;   // text before this is in `out` (or covered by a marker)
  std::size_t run_end = 0;  // end of the run of overlapping matches being covered; 0: none
  bool in_run = false;
  for (std::size_t at = 0; at < text.size(); ++at) {
    std::size_t end = at;
    for (const std::string_view secret : secrets) {
      if (secret.empty()) continue;
      if (text[at] != secret.front() && text[at] != '%') continue;
      end = std::max(end, at + match_length(text, at, secret));
    }
    if (end == at) continue;
    if (in_run && at < run_end) {
      run_end = std::max(run_end, end);  // overlaps the run: one marker covers both
      continue;
    }
    if (in_run) copied = run_end;  // the run before this match ended: its marker is written
    out.append(text.substr(copied, at - copied));
    out += redacted_marker;
    in_run = true;
    run_end = end;
  }
  if (!in_run) return std::string(text);
  out.append(text.substr(run_end));
  return out;
}

std::string redact(std::string_view text, std::string_view secret) {
  return redact_all(text, {secret});
}

std::string redact_body_all(std::string body, const std::vector<std::string_view>& secrets) {
  if (std::all_of(secrets.begin(), secrets.end(),
                  [](std::string_view secret) { return secret.empty(); })) {
    return body;
  }
  body = redact_all(body, secrets);
  // Only text that can hold an escaped secret is worth parsing; a deep document is left as it is
  // (it is never decoded either, and its raw bytes were redacted above).
  if (body.find('\\') == std::string::npos || check_json_text(body)) return body;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !redact_dom(parsed, secrets)) return body;
  return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string redact_body(std::string body, std::string_view secret) {
  return redact_body_all(std::move(body), {secret});
}

}  // namespace impilo::internal
