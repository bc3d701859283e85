// What a failed call tells its caller without reading `what()`: whether it may have taken effect,
// and how long a rate limit asks to wait.

#include <chrono>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <memory>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_impilo.hpp"
#include "thrown.hpp"

using impilo_test::thrown;
using std::chrono::milliseconds;

namespace {

/// Answers every request with one fixed response, or throws one fixed transport failure.
class FixedAnswer : public impilo::HttpTransport {
 public:
  explicit FixedAnswer(impilo::HttpResponse response) : response_(std::move(response)) {}
  impilo::HttpResponse send(const impilo::HttpRequest& /*request*/) override { return response_; }

 private:
  impilo::HttpResponse response_;
};

impilo::Client client_answering(impilo::HttpResponse response, int max_retries = 0) {
  impilo::ClientOptions options;
  options.base_url = "https://api.test.invalid";
  options.api_key = "outcome-key-9";
  options.max_retries = max_retries;
  options.sleep = [](milliseconds) {};
  options.transport = std::make_shared<FixedAnswer>(std::move(response));
  return impilo::Client(options);
}

}  // namespace

TEST_CASE("may_have_taken_effect: true only where the server may have acted", "[errors]") {
  using Kind = impilo::TransportError::Kind;
  const auto effect = [](const impilo::Error& e) { return e.may_have_taken_effect(); };

  REQUIRE(effect(impilo::TransportError(Kind::connection_cut, true, "cut")));
  REQUIRE_FALSE(effect(impilo::TransportError(Kind::connect, false, "refused")));
  REQUIRE(effect(impilo::ServerError(503, impilo::ErrorCode::unknown, "", "")));
  REQUIRE(effect(impilo::ServerError(500, impilo::ErrorCode::unknown, "", "")));
  REQUIRE(effect(impilo::ServerError(408, impilo::ErrorCode::unknown, "", "")));
  REQUIRE_FALSE(effect(impilo::ServerError(409, impilo::ErrorCode::unknown, "", "")));
  REQUIRE(effect(impilo::DecodeError("", "not JSON", true)));
  REQUIRE_FALSE(effect(impilo::DecodeError("", "not JSON", false)));
  REQUIRE(effect(impilo::AmbiguousCreateError("x", "undecided")));
  REQUIRE_FALSE(effect(impilo::UsageError("bad")));
  REQUIRE_FALSE(effect(impilo::ValidationError(
      {impilo::Violation{"/orderItems", impilo::ErrorCode::invalid_data, "bad"}})));
  REQUIRE_FALSE(effect(impilo::BadRequestError(400, impilo::ErrorCode::unknown, "", "")));
  REQUIRE_FALSE(effect(impilo::AuthenticationError(401, impilo::ErrorCode::unauthorized, "", "")));
  REQUIRE_FALSE(effect(impilo::PermissionDeniedError(403, impilo::ErrorCode::forbidden, "", "")));
  REQUIRE_FALSE(effect(impilo::NotFoundError(404, impilo::ErrorCode::not_found, "", "")));
  REQUIRE_FALSE(effect(impilo::RateLimitError(429, impilo::ErrorCode::unknown, "", "")));
}

TEST_CASE(
    "may_have_taken_effect from real calls: a create's 503 and undecodable 201 say true, a "
    "read's undecodable 200 and a 400 say false",
    "[errors]") {
  impilo_test::Harness h;
  h.options.max_retries = 0;
  const impilo::Client client = h.client();
  h.server->posts = {impilo_test::Post::fail_503};
  REQUIRE(thrown<impilo::ServerError>([&] {
            (void)client.create_order(impilo_test::request());
          }).may_have_taken_effect());
  h.server->posts = {impilo_test::Post::garble_no_commit};
  REQUIRE(thrown<impilo::DecodeError>([&] {
            (void)client.create_order(impilo_test::request());
          }).may_have_taken_effect());
  h.server->posts = {impilo_test::Post::refuse_400};
  REQUIRE_FALSE(thrown<impilo::BadRequestError>([&] {
                  (void)client.create_order(impilo_test::request());
                }).may_have_taken_effect());
  REQUIRE_FALSE(thrown<impilo::DecodeError>([&] {
                  (void)client_answering({200, {}, "<html>"}).get_order(1);
                }).may_have_taken_effect());
}

TEST_CASE("RateLimitError::retry_after is the server's Retry-After, seconds or a date",
          "[errors]") {
  SECTION("seconds, longer than max_retry_after: thrown at once with the wait") {
    const auto e = thrown<impilo::RateLimitError>([] {
      (void)client_answering({429, {{"Retry-After", "120"}}, R"({"message":"slow down"})"}, 2)
          .get_order(1);
    });
    REQUIRE(e.retry_after() == milliseconds(120000));
    REQUIRE_FALSE(e.may_have_taken_effect());
  }
  SECTION("seconds, after the retries are spent") {
    const auto e = thrown<impilo::RateLimitError>([] {
      (void)client_answering({429, {{"retry-after", "3"}}, ""}, 1).list_orders();
    });
    REQUIRE(e.retry_after() == milliseconds(3000));
  }
  SECTION("an HTTP date in the past is no wait") {
    const auto e = thrown<impilo::RateLimitError>([] {
      (void)client_answering({429, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}, ""})
          .get_order(1);
    });
    REQUIRE(e.retry_after() == milliseconds(0));
  }
  SECTION("none, or one that cannot be read") {
    const std::string value = GENERATE(std::string(), std::string("soon"));
    impilo::HttpHeaders headers;
    if (!value.empty()) headers.emplace_back("Retry-After", value);
    const auto e = thrown<impilo::RateLimitError>([&] {
      (void)client_answering({429, headers, ""}).get_order(1);
    });
    REQUIRE_FALSE(e.retry_after().has_value());
  }
}
