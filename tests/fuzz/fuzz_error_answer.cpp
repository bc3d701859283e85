// libFuzzer target: any answer a server may give, through a `Client` whose transport returns it.
// This covers the error-body classification (`throw_api_error`), the redaction of the API key
// from what the client reports, and the decoding of success answers.
//
// Input: byte 0 and 1 pick the status (100..599), byte 2 the operation (get, list or create) and
// the API key, then `Name: value` header lines up to an empty line (when there is one), then the
// body. Properties: only `impilo::Error`s leave the client; the API key (of the longer keys, which
// cannot occur in ordinary text by chance), raw or percent-encoded, is in no message, body or log
// line (docs/logging.md).

#include <array>
#include <impilo/impilo.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz_support.hpp"

namespace {

/// Keys that are substrings of "[redacted]" ("e", "dact", "]"), and keys servers might escape.
constexpr std::array<std::string_view, 6> keys{
    "k3y/abc", "e", "dact", "]", "K3Y-0123456789-abcdef", "\"quoted\\key\""};

bool is_checkable(std::string_view key) {
  return key.size() >= 7;
}

/// @p key with every byte percent-encoded (upper-case hex): written here, not taken from the
/// library, so that the property does not check the redactor against itself.
std::string percent_encoded(std::string_view key) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += hex[u >> 4U];
    out += hex[u & 0x0FU];
  }
  return out;
}

/// True when @p text holds @p key raw or percent-encoded.
bool shows(std::string_view text, std::string_view key) {
  return text.find(key) != std::string_view::npos ||
         text.find(percent_encoded(key)) != std::string_view::npos;
}

class CannedTransport final : public impilo::HttpTransport {
 public:
  explicit CannedTransport(impilo::HttpResponse response) : response_(std::move(response)) {}
  impilo::HttpResponse send(const impilo::HttpRequest&) override { return response_; }

 private:
  impilo::HttpResponse response_;
};

impilo::HttpResponse parse_answer(int status, std::string_view rest) {
  impilo::HttpResponse response;
  response.status = status;
  const auto end_of_headers = rest.find("\n\n");
  if (end_of_headers != std::string_view::npos) {
    std::string_view headers = rest.substr(0, end_of_headers);
    while (!headers.empty()) {
      const auto line_end = std::min(headers.find('\n'), headers.size());
      const std::string_view line = headers.substr(0, line_end);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
      }
      headers.remove_prefix(std::min(line_end + 1, headers.size()));
    }
    rest.remove_prefix(end_of_headers + 2);
  }
  response.body = std::string(rest);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int status = 100 + ((data[0] << 8) | data[1]) % 500;
  const std::string_view key = keys[(data[2] >> 2) % keys.size()];
  const int operation = data[2] & 3;
  auto transport = std::make_shared<CannedTransport>(
      parse_answer(status, impilo_fuzz::text(data + 3, size - 3)));

  impilo::ClientOptions options;
  options.base_url = "https://api.example.invalid";
  options.api_key = std::string(key);
  options.transport = transport;
  options.max_retries = 0;
  options.sleep = [](std::chrono::milliseconds) {};
  options.log_level = impilo::LogLevel::debug;
  options.log_bodies = true;
  const bool checkable = is_checkable(key);
  options.logger = [&](impilo::LogLevel, std::string_view line) {
    if (checkable) impilo_fuzz::require(!shows(line, key), "key in a log line");
  };

  impilo_fuzz::refusals_are_impilo_errors([&] {
    const impilo::Client client(options);
    try {
      switch (operation) {
        case 0:
          (void)client.get_order(1);
          break;
        case 1:
          (void)client.list_orders();
          break;
        default: {
          impilo::CreateOrderRequest request;
          request.patient = impilo::Patient::with_id(5000);
          request.order_items = {impilo::OrderItem::of(1000, 1)};
          (void)client.create_order(request);
        }
      }
    } catch (const impilo::ApiError& e) {
      if (checkable) {
        impilo_fuzz::require(!shows(e.what(), key), "key in ApiError::what()");
        impilo_fuzz::require(!shows(e.message(), key), "key in ApiError::message()");
        impilo_fuzz::require(!shows(e.body(), key), "key in ApiError::body()");
      }
      throw;
    } catch (const impilo::Error& e) {
      if (checkable) {
        impilo_fuzz::require(!shows(e.what(), key), "key in an Error's what()");
      }
      throw;
    }
  });
  return 0;
}
