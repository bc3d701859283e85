// Issue 16: one redaction policy (docs/logging.md) and the helpers of src/internal, each written
// once. The client-level cases go through the offline client (fake transport), as a user's code
// would meet them; the helper cases pin the one rule each caller now shares.

#include <cstdint>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ascii.hpp"
#include "catch.hpp"
#include "civil_time.hpp"
#include "client_harness.hpp"
#include "json_limits.hpp"
#include "redact.hpp"
#include "url.hpp"

using nlohmann::json;
using unit_test::Harness;

namespace {

/// The first @p length characters of a 40-character key holding characters that JSON and URLs
/// escape (`/`, `+`, `%`, `&`, `=`, `#`) among plain ones. None of them is in "[redacted]", and
/// the 1-character key `Q` appears in no text the SDK writes itself.
std::string key_of_length(std::size_t length) {
  static const std::string forty = "Q7#zK/w+Xv~9@Lp%Rj:sT&mB!yHc=Ud;Nf$Ge^oI";
  REQUIRE(forty.size() == 40);
  return forty.substr(0, length);
}

/// @p text with every byte written as @p prefix and two hex digits from @p digits.
std::string each_byte_escaped(const std::string& text, const std::string& prefix,
                              const char* digits) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += prefix + digits[u >> 4U] + digits[u & 0x0FU];
  }
  return out;
}

/// @p text with every byte written as a JSON `\u00xx` escape.
std::string json_escaped(const std::string& text) {
  return each_byte_escaped(text, "\\u00", "0123456789abcdef");
}

/// @p text with every byte percent-encoded, in upper- or lower-case hex.
std::string percent_encoded(const std::string& text, bool upper) {
  return each_byte_escaped(text, "%", upper ? "0123456789ABCDEF" : "0123456789abcdef");
}

/// Every spelling of @p secret a server might echo.
std::vector<std::string> spellings_of(const std::string& secret) {
  return {secret, json_escaped(secret), percent_encoded(secret, true),
          percent_encoded(secret, false), impilo::internal::url_encode(secret)};
}

/// Fails when @p text holds any spelling of @p secret.
void check_hides(const std::string& text, const std::string& secret) {
  INFO("text: " << text);
  for (const std::string& spelling : spellings_of(secret)) {
    INFO("spelling: " << spelling);
    CHECK(text.find(spelling) == std::string::npos);
  }
}

std::string all_logs(const Harness& h) {
  std::string all;
  for (const auto& [level, line] : h.logs) all += line + "\n";
  return all;
}

}  // namespace

// ---- The one policy, through the client ----------------------------------------------------

TEST_CASE("a key of any length is hidden raw, JSON-escaped and percent-encoded", "[redaction]") {
  const std::size_t length = GENERATE(1U, 3U, 4U, 7U, 8U, 40U);
  const std::string secret = key_of_length(length);
  CAPTURE(secret);
  Harness h;
  h.options.api_key = secret;
  h.options.max_retries = 0;
  h.options.log_level = impilo::LogLevel::debug;
  h.options.log_bodies = true;
  std::string echoed;
  for (const std::string& spelling : spellings_of(secret)) echoed += " <" + spelling + ">";
  // Written by hand: json::dump would escape the backslashes of the JSON-escaped spelling.
  const std::string raw_body =
      R"({"message":"bad key)" + echoed + R"(","details":[")" + json_escaped(secret) + R"("]})";

  SECTION("in an exception: what(), message() and body()") {
    h.transport->then_status(401, raw_body);
    try {
      h.client().get_order(1);
      FAIL("no AuthenticationError");
    } catch (const impilo::AuthenticationError& e) {
      check_hides(e.what(), secret);
      check_hides(e.message(), secret);
      check_hides(e.body(), secret);
      CHECK(e.message().find("[redacted]") != std::string::npos);
    }
  }
  SECTION("in the log lines of a successful call") {
    h.transport->then_status(200, R"({"id":1,"note":"seen)" + echoed + R"("})");
    h.client().get_order(1);
  }
  REQUIRE_FALSE(h.logs.empty());
  check_hides(all_logs(h), secret);
}

TEST_CASE("rotating to a webhook secret that extends the old one leaks no part of it",
          "[redaction]") {
  const std::string old_secret = "whsec-2026";
  const std::string new_secret = "whsec-2026-rotated-Q7ZP4";
  Harness h;
  h.options.log_level = impilo::LogLevel::debug;
  h.options.log_bodies = true;
  const impilo::Client client = h.client();
  h.transport->then_status(200, json{{"secret", old_secret}}.dump());
  client.set_webhook_secret(old_secret);
  h.transport->then_status(200, json{{"secret", new_secret}}.dump());
  client.set_webhook_secret(new_secret);

  const std::string logs = all_logs(h);
  INFO(logs);
  CHECK(logs.find("rotated") == std::string::npos);
  CHECK(logs.find("Q7ZP4") == std::string::npos);
  CHECK(logs.find("2026") == std::string::npos);
  CHECK(logs.find(R"({"secret":"[redacted]"})") != std::string::npos);
}

TEST_CASE("a webhook secret that contains the API key leaks neither its prefix nor its suffix",
          "[redaction]") {
  const std::string secret = std::string("prefix-") + unit_test::key + "-suffix";
  Harness h;
  h.options.log_level = impilo::LogLevel::debug;
  h.options.log_bodies = true;
  const impilo::Client client = h.client();
  h.transport->then_status(200, json{{"secret", secret}}.dump());
  client.set_webhook_secret(secret);
  h.transport->then_status(500, json{{"message", "secret " + secret + " refused"}}.dump());
  h.options.max_retries = 0;
  try {
    h.client().set_webhook_secret(secret);
    FAIL("no ServerError");
  } catch (const impilo::ServerError& e) {
    // This second client has not been told the secret yet when the answer arrives, but it was
    // registered before sending: the body and message hold one marker, nothing around it.
    CHECK(e.message() == "secret [redacted] refused");
    CHECK(e.body().find("prefix") == std::string::npos);
    CHECK(e.body().find("suffix") == std::string::npos);
  }
  const std::string logs = all_logs(h);
  INFO(logs);
  CHECK(logs.find("prefix") == std::string::npos);
  CHECK(logs.find("suffix") == std::string::npos);
  CHECK(logs.find(R"({"secret":"[redacted]"})") != std::string::npos);
}

// ---- The redactor itself ---------------------------------------------------------------------

TEST_CASE("overlapping secrets become one marker, touching ones one marker each", "[redaction]") {
  using impilo::internal::redact;
  using impilo::internal::redact_all;
  CHECK(redact_all("a whsec-2026-rotated-Q7ZP4 b", {"whsec-2026", "whsec-2026-rotated-Q7ZP4"}) ==
        "a [redacted] b");
  CHECK(redact_all("a whsec-2026-rotated-Q7ZP4 b", {"whsec-2026-rotated-Q7ZP4", "whsec-2026"}) ==
        "a [redacted] b");
  CHECK(redact_all("xx-KEY-yy", {"KEY", "xx-KEY-yy"}) == "[redacted]");
  CHECK(redact_all("abcdef", {"abcd", "cdef"}) == "[redacted]");
  CHECK(redact("aaa", "aa") == "[redacted]");
  CHECK(redact("keykey", "key") == "[redacted][redacted]");
  CHECK(redact("no secret here", "") == "no secret here");
  CHECK(redact_all("nothing", {}) == "nothing");
}

TEST_CASE("a secret inside the marker is not searched for again", "[redaction]") {
  using impilo::internal::redact;
  CHECK(redact("bad key e", "e") == "bad k[redacted]y [redacted]");
  CHECK(redact("x dact y", "dact") == "x [redacted] y");
  CHECK(redact("[]]", "]") == "[[redacted][redacted]");
}

TEST_CASE("a percent-encoded secret is found in any mix of raw bytes and escapes", "[redaction]") {
  using impilo::internal::redact;
  CHECK(redact("?key=k%2Fy&x=1", "k/y") == "?key=[redacted]&x=1");
  CHECK(redact("?key=%6b%2fy", "k/y") == "?key=[redacted]");
  CHECK(redact("?key=%6B%2F%79", "k/y") == "?key=[redacted]");
  CHECK(redact("100%", "%") == "100[redacted]");
  CHECK(redact("%25", "%") == "[redacted]");
  CHECK(redact("k%2", "k/") == "k%2");  // a cut escape is not the secret
}

TEST_CASE("a JSON-escaped secret is redacted in the decoded body, which is re-encoded",
          "[redaction]") {
  using impilo::internal::redact_body_all;
  CHECK(redact_body_all(R"({"a":"\u0077hsec-2026-rotated"})", {"whsec-2026", "whsec-2026-rot"}) ==
        R"({"a":"[redacted]ated"})");
  CHECK(redact_body_all(R"({"a":"plain"})", {"zzz"}) == R"({"a":"plain"})");
  CHECK(redact_body_all("not json \\ whsec-2026", {"whsec-2026"}) == "not json \\ [redacted]");
}

// ---- The other helpers, each with one rule -----------------------------------------------------

TEST_CASE("trim removes the C locale's whitespace and nothing else", "[internal]") {
  using impilo::internal::trim;
  CHECK(trim(" \t\n\v\f\rvalue \t\n\v\f\r") == "value");
  CHECK(trim("\x01value\x7f") == "\x01value\x7f");
  CHECK(trim("   ").empty());
  CHECK(trim("a b") == "a b");
}

TEST_CASE("control characters: below 0x20 and DEL, with space for URLs and header names",
          "[internal]") {
  using impilo::internal::has_control_character;
  using impilo::internal::has_control_or_space;
  CHECK(has_control_character(std::string("a\0b", 3)));
  CHECK(has_control_character("a\tb"));
  CHECK(has_control_character("a\x7f"));
  CHECK_FALSE(has_control_character("a b\x80"));
  CHECK(has_control_or_space("a b"));
  CHECK_FALSE(has_control_or_space("a-b\x80"));
}

TEST_CASE("case is ignored for ASCII letters only", "[internal]") {
  using impilo::internal::equals_ignoring_case;
  CHECK(equals_ignoring_case("Content-Length", "content-LENGTH"));
  CHECK_FALSE(equals_ignoring_case("Content-Length", "Content-Lengt"));
  CHECK_FALSE(equals_ignoring_case("\xC4", "\xE4"));
}

TEST_CASE("days_from_civil counts from 1970-01-01 in the proleptic Gregorian calendar",
          "[internal]") {
  using impilo::internal::days_from_civil;
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(1994, 11, 6) == 9075);
  CHECK(days_from_civil(2024, 2, 29) == 19782);
}

TEST_CASE("a JSON syntax error has one wording", "[internal]") {
  CHECK(impilo::internal::syntax_error_detail(12) == "syntax error at byte 12");
  CHECK(impilo::internal::not_valid_json_detail(3) == "not valid JSON (syntax error at byte 3)");
}

TEST_CASE("the loopback rule: localhost, 127.0.0.0/8 in four decimal parts, and ::1",
          "[internal]") {
  using impilo::internal::is_loopback_host;
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "127.000.0.1",
                           "127.255.255.255", "::1"}) {
    CAPTURE(host);
    CHECK(is_loopback_host(host));
  }
  for (const char* host : {"0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "127.1", "127.0.0.256",
                           "128.0.0.1", "127.0.0.1.nip.io", "[::1]", "", "::", "0.0.0.0"}) {
    CAPTURE(host);
    CHECK_FALSE(is_loopback_host(host));
  }
}

TEST_CASE("parse_url reads a URL as libcurl does, the same for every caller", "[internal]") {
  using impilo::internal::parse_url;
  CHECK_FALSE(parse_url("example.com/path").url.has_value());
  auto p = parse_url("HTTPS://Example.com:8443/a?b#c").url;
  REQUIRE(p);
  CHECK(p->scheme == "https");
  CHECK(p->host == "Example.com");
  CHECK(p->port == 8443);
  CHECK(p->explicit_port);
  CHECK(p->path == "/a");
  CHECK(p->query == "b");
  CHECK(p->fragment);
  CHECK_FALSE(p->loopback);
  p = parse_url("http://[::1]:80").url;
  REQUIRE(p);
  CHECK(p->ipv6);
  CHECK(p->host == "::1");
  CHECK(p->host_in_url() == "[::1]");
  CHECK(p->loopback);
  CHECK(p->path == "/");
  p = parse_url("http://h?q").url;
  REQUIRE(p);
  CHECK(p->host == "h");
  CHECK(p->port == 80);
  CHECK_FALSE(p->explicit_port);
  CHECK(p->query == "q");
  // Loopback is decided on the host libcurl parsed, which it normalises.
  CHECK(parse_url("http://127.1/").url->host == "127.0.0.1");
  CHECK(parse_url("http://[0:0:0:0:0:0:0:1]/").url->loopback);
  for (const char* url : {"http://[::1]:80x", "http://[::1/x", "https://user:pw@Example.com/",
                          "http://@127.0.0.1/", "http://a\\@127.0.0.1/", "http:/127.0.0.1/",
                          "https:///x", "http://%31%32%37.0.0.1/", "http://[fe80::1%25eth0]/",
                          "http://127.0.0.1:/", "http://127.0.0.1:0/", "ftp://127.0.0.1/"}) {
    CAPTURE(url);
    const auto refused = parse_url(url);
    CHECK_FALSE(refused.url.has_value());
    CHECK_FALSE(refused.problem.empty());
  }
}
