// libFuzzer target: `CreateTicket::parse` of text read back from a caller's database. The input is
// parsed twice: as it is (the prefix, the checksum and truncation), and as the JSON content of a
// ticket with a correct checksum (so that mutations reach the content checks). Each parse either
// succeeds or throws `impilo::UsageError`; a ticket that parses prints back as text that parses
// to an equal ticket, and never holds a control character.

#include <impilo/impilo.hpp>
#include <string>

#include "checksum.hpp"
#include "fuzz_support.hpp"

namespace {

void parse_and_round_trip(const std::string& text) {
  impilo::CreateTicket ticket = [&] {
    try {
      return impilo::CreateTicket::parse(text);
    } catch (const impilo::UsageError&) {
      throw;  // the one refusal parse may give
    } catch (const impilo::Error&) {
      impilo_fuzz::require(false, "CreateTicket::parse refuses only with UsageError");
      throw;
    }
  }();
  const std::string printed = ticket.to_string();
  for (const char c : printed) {
    impilo_fuzz::require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F,
                         "a ticket's text holds no control character");
  }
  impilo_fuzz::require(impilo::CreateTicket::parse(printed) == ticket,
                       "a ticket survives to_string and parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(impilo_fuzz::text(data, size));
  impilo_fuzz::refusals_are_impilo_errors([&] { parse_and_round_trip(input); });
  impilo_fuzz::refusals_are_impilo_errors([&] {
    parse_and_round_trip(std::string(impilo::CreateTicket::prefix) +
                         impilo::internal::checksum_hex(input) + ":" + input);
  });
  return 0;
}
