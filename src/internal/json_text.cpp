#include "json_text.hpp"

#include <array>
#include <cstdint>
#include <impilo/errors.hpp>

#include "json_limits.hpp"

namespace impilo::internal {

namespace {

/// A forward reader over the text that remembers where it failed. Every `parse_*` returns false
/// at the first byte that cannot belong to a JSON text, leaving `at` on it.
class Reader {
 public:
  explicit Reader(std::string_view text) noexcept
      : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()),
        begin_(p_) {}

  [[nodiscard]] std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
  [[nodiscard]] bool at_end() const noexcept { return p_ == end_; }
  [[nodiscard]] unsigned char peek() const noexcept { return *p_; }

  void skip_space() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool consume(unsigned char c) noexcept {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool parse_literal(std::string_view word) noexcept {
    for (const char c : word) {
      if (!consume(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
  bool parse_number() noexcept {
    consume('-');
    if (consume('0')) {
      // a leading zero stands alone
    } else if (!digits()) {
      return false;
    }
    if (consume('.') && !digits()) return false;
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    return true;
  }

  /// @pre at the opening quote.
  bool parse_string() noexcept {
    ++p_;
    for (;;) {
      // The common case: printable ASCII that is neither a quote nor a backslash.
      while (p_ != end_ && *p_ >= 0x20 && *p_ < 0x80 && *p_ != '"' && *p_ != '\\') ++p_;
      if (p_ == end_) return false;
      const unsigned char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape()) return false;
      } else if (c < 0x20) {
        return false;  // a raw control character, NUL included
      } else if (!parse_utf8()) {
        return false;
      }
    }
  }

 private:
  bool digits() noexcept {
    const unsigned char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }

  static int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /// Four hex digits after `\u`; -1 when one is missing.
  std::int32_t hex4() noexcept {
    std::int32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      if (p_ == end_) return -1;
      const int digit = hex_value(*p_);
      if (digit < 0) return -1;
      value = value * 16 + digit;
      ++p_;
    }
    return value;
  }

  /// @pre at a backslash. A high surrogate escape must be followed by a low one, and a low one
  /// must follow a high one: nothing else encodes a character.
  bool parse_escape() noexcept {
    ++p_;
    if (p_ == end_) return false;
    switch (*p_) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++p_;
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    ++p_;
    const std::int32_t unit = hex4();
    if (unit < 0) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return false;
    if (unit < 0xD800 || unit > 0xDBFF) return true;
    if (!consume('\\') || !consume('u')) return false;
    const std::int32_t low = hex4();
    return low >= 0xDC00 && low <= 0xDFFF;
  }

  /// One UTF-8 encoded character of two to four bytes (RFC 3629: no overlong form, no surrogate,
  /// nothing past U+10FFFF). @pre at a byte >= 0x80.
  bool parse_utf8() noexcept {
    const unsigned char lead = *p_;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    int continuation = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    ++p_;
    for (int i = 0; i < continuation; ++i) {
      if (p_ == end_ || *p_ < low || *p_ > high) return false;
      low = 0x80;  // only the second byte has a narrower range
      high = 0xBF;
      ++p_;
    }
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
  const unsigned char* begin_;
};

/// The open arrays and objects, one bit each (set: object), innermost last.
class ContainerStack {
 public:
  [[nodiscard]] std::size_t depth() const noexcept { return depth_; }
  [[nodiscard]] bool full() const noexcept { return depth_ == max_json_depth; }
  void push(bool object) noexcept {
    const std::size_t word = depth_ / 64;
    const std::uint64_t bit = std::uint64_t{1} << (depth_ % 64);
    bits_[word] = object ? (bits_[word] | bit) : (bits_[word] & ~bit);
    ++depth_;
  }
  void pop() noexcept { --depth_; }
  [[nodiscard]] bool in_object() const noexcept {
    const std::size_t top = depth_ - 1;
    return ((bits_[top / 64] >> (top % 64)) & 1U) != 0;
  }

 private:
  std::array<std::uint64_t, (max_json_depth + 63) / 64> bits_{};
  std::size_t depth_{0};
};

}  // namespace

std::optional<JsonTextProblem> check_json_text(std::string_view text) noexcept {
  using Kind = JsonTextProblem::Kind;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    return JsonTextProblem{Kind::byte_order_mark, 1};
  }
  Reader in(text);
  ContainerStack open;
  const auto syntax = [&in] { return JsonTextProblem{Kind::syntax, in.offset() + 1}; };

  // A state machine over values: after a value, either its container continues or the text ends.
  in.skip_space();
  for (;;) {
    // -- a value is expected here --
    if (in.at_end()) return syntax();
    const unsigned char c = in.peek();
    bool opened = false;
    if (c == '{' || c == '[') {
      if (open.full()) return JsonTextProblem{Kind::too_deep, in.offset() + 1};
      in.consume(c);
      open.push(c == '{');
      in.skip_space();
      if (in.consume(c == '{' ? '}' : ']')) {
        open.pop();  // empty: a complete value
      } else if (c == '{') {
        opened = true;  // a key comes next
      } else {
        continue;  // an element comes next
      }
    } else if (c == '"') {
      if (!in.parse_string()) return syntax();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!in.parse_number()) return syntax();
    } else if (c == 't') {
      if (!in.parse_literal("true")) return syntax();
    } else if (c == 'f') {
      if (!in.parse_literal("false")) return syntax();
    } else if (c == 'n') {
      if (!in.parse_literal("null")) return syntax();
    } else {
      return syntax();
    }

    // -- a value (or an object's `{`) is complete: what may follow it --
    for (;;) {
      in.skip_space();
      if (!opened) {
        if (open.depth() == 0) {
          if (!in.at_end()) return syntax();  // trailing bytes, a NUL included
          return std::nullopt;
        }
        if (in.consume(open.in_object() ? '}' : ']')) {
          open.pop();
          continue;  // the container is a complete value in turn
        }
        if (!in.consume(',')) return syntax();
        in.skip_space();
        if (!open.in_object()) break;  // the next element
      }
      opened = false;
      // A key and its colon, then the member's value.
      if (in.at_end() || in.peek() != '"' || !in.parse_string()) return syntax();
      in.skip_space();
      if (!in.consume(':')) return syntax();
      in.skip_space();
      break;
    }
  }
}

std::string json_text_problem_detail(const JsonTextProblem& problem) {
  switch (problem.kind) {
    case JsonTextProblem::Kind::too_deep:
      return too_deep_detail();
    case JsonTextProblem::Kind::byte_order_mark:
      return "not valid JSON (it starts with a byte order mark)";
    case JsonTextProblem::Kind::syntax:
      break;
  }
  return not_valid_json_detail(problem.byte);
}

nlohmann::json parse_json_text(std::string_view text) {
  if (const std::optional<JsonTextProblem> problem = check_json_text(text)) {
    throw DecodeError("", json_text_problem_detail(*problem));
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::out_of_range&) {
    // 406: a number such as 1e400 that no double holds. Its message quotes the number.
    throw DecodeError("", number_out_of_range_detail());
  } catch (const nlohmann::json::parse_error& e) {
    // Not reachable for a text check_json_text accepted; the differential fuzz target hunts for
    // one. Never quote the text: it may hold a patient's name.
    throw DecodeError("", not_valid_json_detail(e.byte));
  } catch (const nlohmann::json::exception&) {
    throw DecodeError("", "not valid JSON");
  }
}

}  // namespace impilo::internal
