#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/model_list.hpp>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "json_limits.hpp"
#include "json_ondemand.hpp"
#include "json_text.hpp"
#include "json_pointer.hpp"
#include "model_fields.hpp"

namespace impilo {
namespace {

using nlohmann::json;

// ---- JSON pointers -------------------------------------------------------------------------

/// The JSON pointer of the value being decoded, grown and shrunk as decoding descends, so that an
/// error can name exactly where it is without building strings on the happy path.
class PointerBuilder {
 public:
  /// Appends one reference token for the lifetime of the returned guard.
  class Guard {
   public:
    Guard(std::string& path, std::size_t size) : path_(path), size_(size) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { path_.resize(size_); }

   private:
    std::string& path_;
    std::size_t size_;
  };

  [[nodiscard]] Guard push(std::string_view token) {
    const std::size_t size = path_.size();
    internal::append_pointer_token(path_, token);
    return {path_, size};
  }

  [[nodiscard]] Guard push(std::size_t index) { return push(std::to_string(index)); }

  [[nodiscard]] const std::string& str() const { return path_; }

 private:
  std::string path_;
};

const char* json_type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_float:
      return "number with a fraction";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::binary:
      return "binary";
    case json::value_t::discarded:
      break;
  }
  return "invalid value";
}

[[noreturn]] void type_error(const PointerBuilder& at, const char* expected, const json& got) {
  throw DecodeError(at.str(), std::string("expected ") + expected + ", got " + json_type_name(got));
}

// ---- Decoding --------------------------------------------------------------------------------

using detail::IsOpenEnum;
using detail::IsOptional;
using detail::IsVector;

/// The one message for a document past the nesting limit, whichever decoder finds it.
[[noreturn]] void throw_too_deep() {
  throw DecodeError("", internal::too_deep_detail());
}

/// The nesting limit of `internal::check_json_text`, for a DOM a caller built: iterative, so that a value nested
/// millions deep is refused before the recursive decoder (and its copies) ever sees it.
void check_dom_depth(const json& root) {
  std::vector<std::pair<const json*, std::size_t>> pending{{&root, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth > internal::max_json_depth) throw_too_deep();
    for (const json& child : *value) {
      if (child.is_structured()) pending.emplace_back(&child, depth + 1);
    }
  }
}

/// `json::dump`, but a string that is not UTF-8 (possible only in a DOM a caller built) becomes a
/// `DecodeError` at @p at instead of nlohmann's `type_error`.
std::string dump_decoded(const json& j, const PointerBuilder& at) {
  try {
    return j.dump();
  } catch (const json::exception&) {
    throw DecodeError(at.str(), "holds a string that is not valid UTF-8");
  }
}

template <typename T>
void decode_model(const json& j, T& out, PointerBuilder& at);

template <typename T>
void decode_value(const json& j, T& out, PointerBuilder& at) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) type_error(at, "string", j);
    out = j.get_ref<const std::string&>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) type_error(at, "boolean", j);
    out = j.get<bool>();
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    if (j.is_number_integer() && !j.is_number_unsigned()) {
      out = j.get<std::int64_t>();
    } else if (j.is_number_unsigned()) {
      const auto value = j.get<std::uint64_t>();
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw DecodeError(at.str(), "integer out of the 64-bit signed range");
      }
      out = static_cast<std::int64_t>(value);
    } else {
      type_error(at, "integer", j);
    }
  } else if constexpr (IsOpenEnum<T>::value) {
    if (!j.is_string()) type_error(at, "string", j);
    out = T::from_string(j.get<std::string>());
  } else if constexpr (IsVector<T>::value) {
    if (!j.is_array()) type_error(at, "array", j);
    out.clear();
    out.resize(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto guard = at.push(i);
      decode_value(j[i], out[i], at);
    }
  } else {
    decode_model(j, out, at);
  }
}

/// Decodes one member into an optional field: `null` means absent.
template <typename T>
void decode_member(const json& j, std::optional<T>& out, PointerBuilder& at) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  decode_value(j, out.emplace(), at);
}

/// A required member of a request model (`WebhookSubscription::type`): `null` is a type error.
template <typename T>
void decode_member(const json& j, T& out, PointerBuilder& at) {
  decode_value(j, out, at);
}

/// Page::content is the one non-optional list: `null` or absent means empty.
template <typename T>
void decode_member(const json& j, std::vector<T>& out, PointerBuilder& at) {
  if (j.is_null()) {
    out.clear();
    return;
  }
  decode_value(j, out, at);
}

template <typename T>
void decode_model(const json& j, T& out, PointerBuilder& at) {
  if (!j.is_object()) type_error(at, "object", j);
  out = T{};
  json unknown;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    bool known = false;
    detail::for_each_field<T>([&](const auto& f) {
      if (known || f.name != key) return;
      known = true;
      const auto guard = at.push(key);
      decode_member(it.value(), out.*(f.member), at);
    });
    if (!known) unknown[key] = it.value();
  }
  if (!unknown.is_null()) UnknownFieldsAccess::text(out.unknown_fields) = dump_decoded(unknown, at);
}

// ---- Encoding --------------------------------------------------------------------------------

template <typename T>
void encode_model(json& j, const T& value);

template <typename T>
void encode_value(json& j, const T& value) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                std::is_same_v<T, std::int64_t>) {
    j = value;
  } else if constexpr (IsOpenEnum<T>::value) {
    j = value.str();
  } else if constexpr (IsVector<T>::value) {
    j = json::array();
    auto& array = j.get_ref<json::array_t&>();
    array.reserve(value.size());
    for (const auto& element : value) encode_value(array.emplace_back(), element);
  } else {
    encode_model(j, value);
  }
}

template <typename T>
void encode_model(json& j, const T& value) {
  j = json::object();
  detail::for_each_field<T>([&](const auto& f) {
    const auto& member = value.*(f.member);
    if constexpr (IsOptional<std::decay_t<decltype(member)>>::value) {
      if (member) encode_value(j[std::string(f.name)], *member);
    } else {
      encode_value(j[std::string(f.name)], member);
    }
  });
  if (!value.unknown_fields.empty()) {
    // A typed field always wins over an unknown member of the same name.
    json unknown = json::parse(value.unknown_fields.json_text());
    for (auto& [key, member] : unknown.items()) {
      if (!j.contains(key)) j[key] = std::move(member);
    }
  }
}

// ---- Text ------------------------------------------------------------------------------------

/// Refuses whatever is not exactly one JSON value (`internal::check_json_text`): past the nesting
/// limit, malformed, followed by anything but whitespace (a NUL included), or behind a byte order
/// mark. Runs before any parser, so neither parser's leniency decides what a document is.
void check_text(std::string_view text) {
  if (const auto problem = internal::check_json_text(text)) {
    throw DecodeError("", internal::json_text_problem_detail(*problem));
  }
}

/// Where a model's string is not UTF-8, which JSON cannot carry: the encoder's `type_error`
/// turned into a `ValidationError` naming the field.
template <typename T>
[[noreturn]] void throw_invalid_utf8(const T& value) {
  std::vector<Violation> violations;
  std::string pointer;
  detail::for_each_string(value, pointer, [&](const std::string& at, const std::string& text) {
    if (!detail::is_valid_utf8(text)) {
      violations.push_back(Violation{at, ErrorCode::invalid_data, "not valid UTF-8"});
    }
  });
  if (violations.empty()) {  // not reachable from a model: every string is visited above
    violations.push_back(Violation{"", ErrorCode::invalid_data, "not valid UTF-8"});
  }
  throw ValidationError(std::move(violations));
}

}  // namespace

UnknownFields UnknownFields::from_json_text(std::string_view json_object_text) {
  const json j = internal::parse_json_text(json_object_text);
  if (!j.is_object())
    throw DecodeError("", std::string("expected object, got ") + json_type_name(j));
  UnknownFields result;
  if (!j.empty()) result.text_ = j.dump();
  return result;
}

template <typename T>
T from_json_text(std::string_view json_text) {
  check_text(json_text);
  T value;
  if (detail::ondemand::try_decode(json_text, value)) return value;
  // The fast decoder gave up (a wrong type, a number out of range): the DOM decoder names the
  // exact error and pointer.
  value = T{};
  PointerBuilder at;
  decode_model(internal::parse_json_text(json_text), value, at);
  return value;
}

template <typename T>
std::string to_json_text(const T& value) {
  json j;
  encode_model(j, value);
  try {
    return j.dump();
  } catch (const json::type_error&) {  // 316: a string that is not UTF-8
    throw_invalid_utf8(value);
  }
}

#define IMPILO_DEFINE_JSON(Type)                                                \
  void to_json(nlohmann::json& j, const Type& value) {                          \
    encode_model(j, value);                                                     \
  }                                                                             \
  void from_json(const nlohmann::json& j, Type& value) {                        \
    check_dom_depth(j);                                                         \
    PointerBuilder at;                                                          \
    decode_model(j, value, at);                                                 \
  }                                                                             \
  template IMPILO_EXPORT Type from_json_text<Type>(std::string_view json_text); \
  template IMPILO_EXPORT std::string to_json_text<Type>(const Type& value);     \
  std::ostream& operator<<(std::ostream& os, const Type& value) {               \
    return os << to_json_text(value);                                           \
  }

#define IMPILO_DEFINE_PAGE_JSON(Type) IMPILO_DEFINE_JSON(Page<Type>)

// Every type of the model list (<impilo/model_list.hpp>), where json.hpp declares them.
IMPILO_MODEL_LIST(IMPILO_DEFINE_JSON, IMPILO_DEFINE_PAGE_JSON)

#undef IMPILO_DEFINE_PAGE_JSON
#undef IMPILO_DEFINE_JSON

}  // namespace impilo
