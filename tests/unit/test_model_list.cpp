// Every type of the model list (IMPILO_MODEL_LIST, <impilo/model_list.hpp>) has all that the list
// promises, through the public headers alone: `==`, `!=`, `operator<<`, nlohmann's converters and
// `from_json_text`/`to_json_text`. The static_asserts stop the build when one is not declared; the
// round trips stop the link when one is declared but not defined in the library. This target links
// impilo::impilo only, not impilo_internal, so no header of src/ can stand in for a public one.

#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "catch.hpp"

namespace {

template <typename T, typename = void>
struct HasEquality : std::false_type {};
template <typename T>
struct HasEquality<
    T,
    std::void_t<decltype(static_cast<bool>(std::declval<const T&>() == std::declval<const T&>())),
                decltype(static_cast<bool>(std::declval<const T&>() != std::declval<const T&>()))>>
    : std::true_type {};

// The exact signatures, taken by address: an overload for another type (a base, a conversion)
// does not count.
template <typename T, typename = void>
struct HasPrint : std::false_type {};
template <typename T>
struct HasPrint<T, std::void_t<decltype(static_cast<std::ostream& (*)(std::ostream&, const T&)>(
                       &impilo::operator<<))>> : std::true_type {};

template <typename T, typename = void>
struct HasToJson : std::false_type {};
template <typename T>
struct HasToJson<
    T, std::void_t<decltype(static_cast<void (*)(nlohmann::json&, const T&)>(&impilo::to_json))>>
    : std::true_type {};

template <typename T, typename = void>
struct HasFromJson : std::false_type {};
template <typename T>
struct HasFromJson<
    T, std::void_t<decltype(static_cast<void (*)(const nlohmann::json&, T&)>(&impilo::from_json))>>
    : std::true_type {};

// The text helpers are templates declared for every T: what proves them is the link of the round
// trip below, which needs the library's instantiation for each listed type.
template <typename T, typename = void>
struct HasTextHelpers : std::false_type {};
template <typename T>
struct HasTextHelpers<
    T, std::void_t<decltype(static_cast<T (*)(std::string_view)>(&impilo::from_json_text<T>)),
                   decltype(static_cast<std::string (*)(const T&)>(&impilo::to_json_text<T>))>>
    : std::true_type {};

// The list as a tuple of types, in its order.
#define IMPILO_TEST_MODEL(Type) std::tuple<impilo::Type>{},
#define IMPILO_TEST_PAGE(Type) std::tuple<impilo::Page<impilo::Type>>{},
using Listed =
    decltype(std::tuple_cat(IMPILO_MODEL_LIST(IMPILO_TEST_MODEL, IMPILO_TEST_PAGE) std::tuple<>{}));
#undef IMPILO_TEST_PAGE
#undef IMPILO_TEST_MODEL

template <typename T>
constexpr bool check_model() {
  static_assert(HasEquality<T>::value, "a listed model lacks == or !=");
  static_assert(HasPrint<T>::value, "a listed model lacks operator<< (impilo/model_list.hpp)");
  static_assert(HasToJson<T>::value, "a listed model lacks to_json (impilo/json.hpp)");
  static_assert(HasFromJson<T>::value, "a listed model lacks from_json (impilo/json.hpp)");
  static_assert(HasTextHelpers<T>::value, "a listed model lacks from_json_text/to_json_text");
  return true;
}

template <typename... T>
constexpr bool check_models(std::tuple<T...>*) {
  return (check_model<T>() && ...);
}
static_assert(check_models(static_cast<Listed*>(nullptr)));

/// One listed value through every operation: the text helpers, nlohmann's converters, printing and
/// equality, with an unknown member that must survive each trip.
template <typename T>
void require_round_trip() {
  T value{};
  value.unknown_fields = impilo::UnknownFields::from_json_text(R"({"x-probe":[1,"two"]})");
  const std::string text = impilo::to_json_text(value);
  INFO("encoded: " << text);
  REQUIRE(text.find(R"("x-probe":[1,"two"])") != std::string::npos);

  const T decoded = impilo::from_json_text<T>(text);
  REQUIRE(decoded == value);
  REQUIRE_FALSE(decoded != value);
  REQUIRE(decoded != T{});

  const nlohmann::json j = value;
  REQUIRE(j.dump() == text);
  REQUIRE(j.get<T>() == value);

  std::ostringstream printed;
  printed << value;
  REQUIRE(printed.str() == text);
}

template <typename... T>
void require_round_trips(std::tuple<T...>*) {
  (require_round_trip<T>(), ...);
}

}  // namespace

TEST_CASE("every listed model round-trips through the text helpers, the converters and printing",
          "[json][models]") {
  require_round_trips(static_cast<Listed*>(nullptr));
}

TEST_CASE("the webhook models print as JSON through the public headers", "[json][models]") {
  impilo::WebhookLog log;
  log.id = 7;
  log.webhook_type = impilo::WebhookTypeValue::order_status;
  impilo::Page<impilo::WebhookLog> page;
  page.content.push_back(log);
  page.last = true;

  std::ostringstream printed;
  printed << log << '\n' << page;
  REQUIRE(printed.str() == R"({"id":7,"webhookType":"order.status"})"
                           "\n"
                           R"({"content":[{"id":7,"webhookType":"order.status"}],"last":true})");
}
