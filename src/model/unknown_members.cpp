// `impilo::unknown_members`: the members of a request that the SDK does not model, found by walking
// the field table (model_fields.hpp) and reading each object's `UnknownFields`.

#include <algorithm>
#include <cstddef>
#include <impilo/validation.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "json_pointer.hpp"
#include "model_fields.hpp"

namespace impilo {
namespace {

template <typename T, typename = void>
struct IsModel : std::false_type {};
template <typename T>
struct IsModel<T, std::void_t<decltype(std::declval<const T&>().unknown_fields)>> : std::true_type {
};

using internal::lowercase;

/// Edit distance counting an insertion, deletion, substitution or swap of neighbours as one
/// (optimal string alignment): `shipingOption` is 1 from `shippingOption`, `cuont` 1 from `count`.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

/// The modelled member of `T` closest to @p name, ignoring case, or "" when none is close: at most
/// a quarter of the name's letters apart (at least 1, at most 3), so that a short unrelated name
/// gets no suggestion.
template <typename T>
std::string closest_member(std::string_view name) {
  const std::string wanted = lowercase(name);
  const std::size_t limit = std::clamp<std::size_t>(wanted.size() / 4, 1, 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  detail::for_each_field<T>([&](const auto& f) {
    const std::size_t distance = edit_distance(wanted, lowercase(f.name));
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(f.name);
    }
  });
  return best;
}

std::string child(const std::string& pointer, std::string_view token) {
  std::string out = pointer;
  internal::append_pointer_token(out, token);
  return out;
}

class Walker {
 public:
  template <typename T>
  void model(const T& object, const std::string& pointer) {
    if (!object.unknown_fields.empty()) {
      const auto members = nlohmann::json::parse(object.unknown_fields.json_text());
      for (const auto& member : members.items()) {
        report<T>(child(pointer, member.key()), member.key());
      }
    }
    detail::for_each_field<T>(
        [&](const auto& f) { this->value(object.*(f.member), child(pointer, f.name)); });
  }

  [[nodiscard]] std::vector<UnknownMember> take() && { return std::move(found_); }

 private:
  template <typename V>
  void value(const V& v, const std::string& pointer) {
    if constexpr (IsModel<V>::value) {
      model(v, pointer);
    }
  }

  template <typename V>
  void value(const std::optional<V>& v, const std::string& pointer) {
    if (v) value(*v, pointer);
  }

  template <typename V>
  void value(const std::vector<V>& list, const std::string& pointer) {
    for (std::size_t i = 0; i < list.size(); ++i) value(list[i], child(pointer, std::to_string(i)));
  }

  template <typename T>
  void report(std::string pointer, std::string_view name) {
    UnknownMember found;
    found.suggestion = closest_member<T>(name);
    found.message = pointer + " is not a member the SDK knows and is sent as it is";
    if (!found.suggestion.empty()) found.message += "; did you mean " + found.suggestion + "?";
    found.pointer = std::move(pointer);
    found_.push_back(std::move(found));
  }

  std::vector<UnknownMember> found_;
};

}  // namespace

std::vector<UnknownMember> unknown_members(const CreateOrderRequest& request) {
  Walker walker;
  walker.model(request, "");
  return std::move(walker).take();
}

std::vector<UnknownMember> unknown_members(const Patient& patient) {
  Walker walker;
  walker.model(patient, "");
  return std::move(walker).take();
}

}  // namespace impilo
