#pragma once

// The fast text decoder behind `from_json_text`: simdjson On-Demand walks the bytes straight into
// the models, with no DOM in between (docs/adr/0009-simdjson-for-decoding.md).
//
// It only ever sees text that `internal::check_json_text` accepted: simdjson 3.0.1 alone would
// take `{"a":1,"x":"y":2}` for `{"a":1,"x":"y"}` (its object iterator drops a missing-comma
// error), so it never decides what a document is. On that text it succeeds only where the
// nlohmann decoder does, with the same result; whatever it does not accept (a wrong type, a
// number out of range) makes it give up, and the caller decodes the text again through nlohmann,
// which names the exact error and JSON pointer: that work, and every pointer string, happens only
// on the error path. tests/fuzz/fuzz_differential.cpp holds it to that.
//
// Private to the library: simdjson never appears in a public header.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "json_limits.hpp"
#include "model_fields.hpp"

namespace impilo::detail::ondemand {

namespace od = simdjson::ondemand;

/// Thrown inside the fast decoder only, never out of it: "let nlohmann decode this one".
struct GiveUp {};

inline void check(simdjson::error_code error) {
  if (error != simdjson::SUCCESS) throw GiveUp{};
}

template <typename T>
void decode_object(od::object object, T& out);

template <typename T>
void decode_value(od::value value, T& out) {
  if constexpr (std::is_same_v<T, std::string>) {
    std::string_view text;
    check(value.get_string().get(text));
    out.assign(text);
  } else if constexpr (std::is_same_v<T, bool>) {
    check(value.get_bool().get(out));
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    // Fails on a fraction, an exponent and anything past int64: nlohmann names which.
    check(value.get_int64().get(out));
  } else if constexpr (IsOpenEnum<T>::value) {
    std::string_view text;
    check(value.get_string().get(text));
    out = T::from_string(std::string(text));
  } else if constexpr (IsVector<T>::value) {
    od::array array;
    check(value.get_array().get(array));
    out.clear();
    for (auto element : array) {
      od::value element_value;
      check(element.get(element_value));
      decode_value(element_value, out.emplace_back());
    }
  } else {
    od::object object;
    check(value.get_object().get(object));
    decode_object(object, out);
  }
}

/// `null` means absent, for an optional field, and empty, for `Page::content`; for a required
/// member it is an error.
template <typename T>
void decode_member(od::value value, T& out) {
  bool is_null = false;
  check(value.is_null().get(is_null));
  if constexpr (IsOptional<T>::value) {
    if (is_null) {
      out.reset();
    } else {
      decode_value(value, out.emplace());
    }
  } else if constexpr (IsVector<T>::value) {
    if (is_null) {
      out.clear();
    } else {
      decode_value(value, out);
    }
  } else {
    // A required member of a request model (`WebhookSubscription::type`): `null` is a type
    // error, which decode_value reports (the nlohmann path then names it).
    decode_value(value, out);
  }
}

/// Unknown members as nlohmann values, so that their text comes out exactly as the nlohmann
/// decoder writes it (keys sorted, the last of duplicate keys wins, numbers and escapes in
/// nlohmann's form). Unknown members are rare: only they pay for a parse.
inline void keep_unknown(nlohmann::json& unknown, std::string_view key, od::value value) {
  od::json_type type;
  check(value.type().get(type));
  std::string_view raw;
  if (type == od::json_type::object) {
    od::object object;
    check(value.get_object().get(object));
    check(object.raw_json().get(raw));
  } else if (type == od::json_type::array) {
    od::array array;
    check(value.get_array().get(array));
    check(array.raw_json().get(raw));
  } else {
    raw = value.raw_json_token();
  }
  try {
    unknown[std::string(key)] = nlohmann::json::parse(raw.begin(), raw.end());
  } catch (const nlohmann::json::exception&) {
    throw GiveUp{};
  }
}

template <typename T>
void decode_object(od::object object, T& out) {
  out = T{};
  nlohmann::json unknown;
  for (auto member : object) {
    od::field field;
    check(std::move(member).get(field));
    std::string_view key;
    check(field.unescaped_key().get(key));  // "\u0069d" is "id", as for nlohmann
    bool known = false;
    for_each_field<T>([&](const auto& f) {
      if (known || f.name != key) return;
      known = true;
      decode_member(field.value(), out.*(f.member));
    });
    if (!known) keep_unknown(unknown, key, field.value());
  }
  if (!unknown.is_null()) UnknownFieldsAccess::text(out.unknown_fields) = unknown.dump();
}

/// Text this long gets a parser and padded copy of its own instead of the thread's reusable ones,
/// which would otherwise keep a large document's memory for the thread's lifetime.
inline constexpr std::size_t max_reused_size = std::size_t{1} << 20;

/// A parser whose nesting limit matches `max_json_depth` (which the caller already checked).
inline od::parser make_parser() {
  od::parser parser;
  check(parser.allocate(0, internal::max_json_depth + 1));
  return parser;
}

/// The thread's parser and padded copy of the text, reused across calls so that the typical
/// answer allocates nothing here.
struct ThreadBuffers {
  od::parser parser = make_parser();
  std::unique_ptr<char[]> text;
  std::size_t capacity = 0;
};

/// Decodes @p text into @p out; false (with @p out in an unspecified state) when the text must
/// go through the nlohmann decoder instead. Never throws anything but `std::bad_alloc`.
template <typename T>
bool try_decode(std::string_view text, T& out) {
  try {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: a string_view's caller promises
    // nothing there, so the text is copied (one memcpy, a few percent of the decode).
    const auto decode = [&](od::parser& parser, simdjson::padded_string_view padded) {
      od::document document;
      check(parser.iterate(padded).get(document));
      od::object object;
      check(document.get_object().get(object));
      decode_object(object, out);
      // Past the root object the document must be over: trailing bytes are a syntax error for
      // nlohmann. (simdjson 3.0 reports the end as OUT_OF_BOUNDS; anything left has a location.)
      if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) throw GiveUp{};
    };
    if (text.size() > max_reused_size) {
      od::parser parser = make_parser();
      const simdjson::padded_string padded(text);
      decode(parser, padded);
      return true;
    }
    static thread_local ThreadBuffers buffers;
    const std::size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
    if (buffers.capacity < needed) {
      buffers.text = std::make_unique<char[]>(needed);
      buffers.capacity = needed;
    }
    std::memcpy(buffers.text.get(), text.data(), text.size());
    std::memset(buffers.text.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    decode(buffers.parser,
           simdjson::padded_string_view(buffers.text.get(), text.size(), buffers.capacity));
    return true;
  } catch (const GiveUp&) {
    return false;
  }
}

}  // namespace impilo::detail::ondemand
