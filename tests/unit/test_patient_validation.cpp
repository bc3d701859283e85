// Unit tests for impilo::validate(const Patient&): the rules a patient meets before
// create_patient, update_patient or ensure_patient sends it, and the date rule of a new patient
// inside an order.

#include <chrono>
#include <ctime>
#include <impilo/errors.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <string>
#include <vector>

#include "catch.hpp"
#include "patient_fixture.hpp"

namespace {

using impilo::ErrorCode;
using impilo::Patient;
using impilo::validate;

using unit_test::complete_patient;

std::vector<std::string> fields(const std::vector<impilo::Violation>& violations) {
  std::vector<std::string> out;
  for (const auto& v : violations) out.push_back(v.field);
  return out;
}

/// `YYYY-MM-DD` of today plus @p days, in UTC.
std::string utc_date(int days) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

}  // namespace

TEST_CASE("a complete patient is valid, with or without the optional members", "[validation]") {
  CHECK(validate(complete_patient()).empty());
  Patient minimal = complete_patient();
  minimal.date_of_birth.reset();
  minimal.email.reset();
  CHECK(validate(minimal).empty());
}

TEST_CASE("a patient needs non-blank names and a full address, with the server's sentences",
          "[validation]") {
  Patient p = complete_patient();
  p.first_name = " ";
  p.last_name.reset();
  p.address->city = "";
  p.address->zip_code.reset();
  const auto violations = validate(p);
  REQUIRE(fields(violations) ==
          std::vector<std::string>{"/firstName", "/lastName", "/address/city", "/address/zipCode"});
  CHECK(violations[0].code == ErrorCode::patient_first_name_required);
  CHECK(violations[0].message == "Must provide a non-blank string for firstName.");
  CHECK(violations[2].code == ErrorCode::address_city_required);

  p = complete_patient();
  p.address.reset();
  const auto no_address = validate(p);
  REQUIRE(fields(no_address) == std::vector<std::string>{"/address"});
  CHECK(no_address[0].code == ErrorCode::patient_address_required);
  CHECK(no_address[0].message == "Must provide an Address for Patient.");
}

TEST_CASE("a date of birth is a real YYYY-MM-DD day, never after today", "[validation]") {
  Patient p = complete_patient();
  for (const char* bad : {"01/04/1950", "1950-4-1", "1950-04-01T00:00:00Z", "1950-13-01",
                          "1950-04-31", "1951-02-29", "1900-02-29", "１９５０-04-01", "",
                          "195O-04-01", " 1950-04-01"}) {
    INFO(bad);
    p.date_of_birth = bad;
    const auto violations = validate(p);
    REQUIRE(fields(violations) == std::vector<std::string>{"/dateOfBirth"});
    CHECK(violations[0].code == ErrorCode::invalid_data);
    CHECK(violations[0].message.find("YYYY-MM-DD") != std::string::npos);
    if (*bad != '\0') CHECK(violations[0].message.find(bad) == std::string::npos);  // unquoted
  }
  for (const char* good : {"2000-02-29", "1904-02-29", "1950-12-31", "0001-01-01"}) {
    INFO(good);
    p.date_of_birth = good;
    CHECK(validate(p).empty());
  }
  p.date_of_birth = utc_date(0);
  CHECK(validate(p).empty());  // born today
  p.date_of_birth = utc_date(2);
  const auto future = validate(p);
  REQUIRE(fields(future) == std::vector<std::string>{"/dateOfBirth"});
  CHECK(future[0].message == "dateOfBirth must not be after today (UTC)");
}

TEST_CASE("an e-mail address holds exactly one @ with text on both sides", "[validation]") {
  Patient p = complete_patient();
  for (const char* bad : {"jane", "@example.org", "jane@", "jane@@example.org", "a@b@c", ""}) {
    INFO(bad);
    p.email = bad;
    const auto violations = validate(p);
    REQUIRE(fields(violations) == std::vector<std::string>{"/email"});
    CHECK(violations[0].code == ErrorCode::invalid_data);
  }
  p.email = "x@y";
  CHECK(validate(p).empty());
}

TEST_CASE("a patient's sex is a known value unless marked deliberate", "[validation]") {
  Patient p = complete_patient();
  p.sex = impilo::Sex(impilo::SexValue::female);
  CHECK(validate(p).empty());
  p.sex = impilo::Sex::from_string("Female");
  const auto violations = validate(p);
  REQUIRE(fields(violations) == std::vector<std::string>{"/sex"});
  CHECK(violations[0].message.find("did you mean female") != std::string::npos);
  p.sex = impilo::Sex::deliberate("intersex");
  CHECK(validate(p).empty());
}

TEST_CASE("a patient's site is given by id, and every string is UTF-8", "[validation]") {
  Patient p = complete_patient();
  p.site = impilo::Site{};
  p.phone_number = std::string("\xff\xfe");
  const auto violations = validate(p);
  REQUIRE(fields(violations) == std::vector<std::string>{"/site/id", "/phoneNumber"});
  CHECK(violations[1].message == "not valid UTF-8");
}

TEST_CASE("every violation of a patient is reported at once, in document order", "[validation]") {
  Patient p;
  p.date_of_birth = "31/12/1999";
  p.email = "nobody";
  p.sex = impilo::Sex::from_string("M");
  CHECK(fields(validate(p)) == std::vector<std::string>{"/firstName", "/lastName", "/address",
                                                        "/dateOfBirth", "/email", "/sex"});
}

TEST_CASE("a new patient inside an order meets the date rule, an existing one is not checked",
          "[validation]") {
  impilo::CreateOrderRequest r;
  r.order_items = {impilo::OrderItem::of(1000, 1)};
  Patient p = complete_patient();
  p.date_of_birth = "01/04/1950";
  r.patient = p;
  const auto violations = validate(r);
  REQUIRE(fields(violations) == std::vector<std::string>{"/patient/dateOfBirth"});
  CHECK(violations[0].code == ErrorCode::invalid_data);

  p.id = 5000;  // an existing patient: the server knows it, only its id is used
  r.patient = p;
  CHECK(validate(r).empty());
}

TEST_CASE("unknown_members lists a patient's unmodelled members with the closest known name",
          "[validation]") {
  Patient p = complete_patient();
  p.unknown_fields = impilo::UnknownFields::from_json_text(R"({"phonenumber":"555"})");
  p.address->unknown_fields = impilo::UnknownFields::from_json_text(R"({"zip":"62701"})");
  const auto members = impilo::unknown_members(p);
  REQUIRE(members.size() == 2);
  CHECK(members[0].pointer == "/phonenumber");
  CHECK(members[0].suggestion == "phoneNumber");
  CHECK(members[1].pointer == "/address/zip");
  CHECK(members[0].message.find("555") == std::string::npos);
}
