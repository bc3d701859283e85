// The webhook calls of `Client`: subscribe, set the shared secret, read the delivery log.

#include <algorithm>
#include <cctype>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/webhooks.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ascii.hpp"
#include "client_impl.hpp"
#include "listing.hpp"
#include "url.hpp"

namespace impilo {

namespace {

constexpr std::string_view webhook_path = "/api/v3/webhook";
constexpr std::string_view webhook_secret_path = "/api/v3/webhook-secret";
constexpr std::string_view webhook_logs_path = "/api/v3/webhook/logs";

/// False when @p text holds a byte a URL, a type name or a timestamp of ours may not: whitespace,
/// a control character, or anything outside ASCII (a URL carries other characters
/// percent-encoded).
bool is_visible_ascii(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    return internal::is_control_or_space(c) || static_cast<unsigned char>(c) >= 0x80;
  });
}

Violation invalid(std::string field, std::string message) {
  return Violation{std::move(field), ErrorCode::invalid_data, std::move(message)};
}

/// Every rule a subscription breaks. Impilo delivers over the internet, so the URL must be https;
/// plain http is accepted for a loopback host only, where the receiver is a local simulator's
/// (`impilo mock`) and the traffic never leaves the machine.
std::vector<Violation> check_subscription(const WebhookSubscription& subscription) {
  std::vector<Violation> violations;
  const std::string& type = subscription.type.str();
  if (type.empty()) {
    violations.push_back(invalid("/type", "type must not be empty (such as order.statusFull)"));
  } else if (!is_visible_ascii(type)) {
    violations.push_back(
        invalid("/type", "type must be a name of visible ASCII characters, without spaces"));
  }
  // The URL is read by the transport's own parser (libcurl's URL API, src/internal/url.hpp), and
  // loopback is decided on the host it parsed: `http://evil.example\@127.0.0.1/` is refused.
  const internal::UrlCheck checked = internal::parse_url(subscription.url);
  if (!checked.url) {
    violations.push_back(invalid("/url", "url " + checked.problem));
  } else if (checked.url->scheme == "http" && !checked.url->loopback) {
    violations.push_back(
        invalid("/url",
                "url must use https: plain http is accepted only for a loopback host "
                "(localhost, 127.0.0.0/8, [::1]), got host '" +
                    checked.url->host + "'"));
  }
  return violations;
}

void check_timestamp(const std::optional<std::string>& value, std::string_view name) {
  if (!value) return;
  if (value->empty() || !is_visible_ascii(*value)) {
    throw UsageError(std::string(name) +
                     " must be an ISO 8601 date-time such as 2023-08-22T14:15:30.345Z, got an "
                     "empty value or one holding whitespace");
  }
}

void check_logs_params(const ListWebhookLogsParams& params) {
  detail::check_paging(
      params.page, params.size, params.extra_query,
      {"page", "size", "webhookType", "retryAttemptsMin", "retryAttemptsMax", "lastResponseStatus",
       "startLastRetryTimestamp", "endLastRetryTimestamp", "startTimestamp", "endTimestamp"},
      "ListWebhookLogsParams");
  if (params.webhook_type &&
      (params.webhook_type->str().empty() || !is_visible_ascii(params.webhook_type->str()))) {
    throw UsageError("webhook_type must be a webhook type name such as order.statusFull");
  }
  if (params.retry_attempts_min && *params.retry_attempts_min < 0) {
    throw UsageError("retry_attempts_min must not be negative, got " +
                     std::to_string(*params.retry_attempts_min));
  }
  if (params.retry_attempts_max && *params.retry_attempts_max < 0) {
    throw UsageError("retry_attempts_max must not be negative, got " +
                     std::to_string(*params.retry_attempts_max));
  }
  if (params.retry_attempts_min && params.retry_attempts_max &&
      *params.retry_attempts_min > *params.retry_attempts_max) {
    throw UsageError("retry_attempts_min (" + std::to_string(*params.retry_attempts_min) +
                     ") must not exceed retry_attempts_max (" +
                     std::to_string(*params.retry_attempts_max) + ")");
  }
  if (params.last_response_status &&
      (*params.last_response_status < 100 || *params.last_response_status > 599)) {
    throw UsageError("last_response_status must be an HTTP status from 100 to 599, got " +
                     std::to_string(*params.last_response_status));
  }
  check_timestamp(params.start_last_retry_timestamp, "start_last_retry_timestamp");
  check_timestamp(params.end_last_retry_timestamp, "end_last_retry_timestamp");
  check_timestamp(params.start_timestamp, "start_timestamp");
  check_timestamp(params.end_timestamp, "end_timestamp");
}

/// The query after the paging: each present filter, then `extra_query`.
detail::PageQuery logs_query(const ListWebhookLogsParams& params) {
  return [params](std::int64_t page, std::int64_t size) {
    std::string query = detail::paging_query(page, size);
    const auto add = [&query](std::string_view name, const std::string& value) {
      query += "&" + std::string(name) + "=" + internal::url_encode(value);
    };
    const auto add_number = [&add](std::string_view name, const std::optional<std::int64_t>& v) {
      if (v) add(name, std::to_string(*v));
    };
    const auto add_text = [&add](std::string_view name, const std::optional<std::string>& v) {
      if (v) add(name, *v);
    };
    if (params.webhook_type) add("webhookType", params.webhook_type->str());
    add_number("retryAttemptsMin", params.retry_attempts_min);
    add_number("retryAttemptsMax", params.retry_attempts_max);
    add_number("lastResponseStatus", params.last_response_status);
    add_text("startLastRetryTimestamp", params.start_last_retry_timestamp);
    add_text("endLastRetryTimestamp", params.end_last_retry_timestamp);
    add_text("startTimestamp", params.start_timestamp);
    add_text("endTimestamp", params.end_timestamp);
    detail::append_query(query, params.extra_query);
    return query;
  };
}

}  // namespace

Webhook Client::create_webhook(const WebhookSubscription& subscription) const {
  if (auto violations = check_subscription(subscription); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  // A second subscription may be created: never repeated once it may have reached the server.
  const HttpResponse response = impl_->pipeline.send(
      {"POST", std::string(webhook_path), to_json_text(subscription), Idempotency::may_create});
  return from_json_text<Webhook>(response.body);
}

void Client::set_webhook_secret(std::string_view secret) const {
  if (secret.empty()) throw ValidationError({invalid("/secret", "secret must not be empty")});
  if (has_control_character(secret)) {
    // Never quote it: the message would carry the secret.
    throw ValidationError({invalid(
        "/secret", "secret must not hold control characters (it travels in an HTTP header)")});
  }
  std::string body;
  try {
    body = nlohmann::json{{"secret", std::string(secret)}}.dump();
  } catch (const nlohmann::json::type_error&) {
    throw ValidationError({invalid("/secret", "secret must be valid UTF-8")});
  }
  impl_->secrets.add(secret);  // before sending: the request body itself may be logged
  // Setting a value: sent twice, it leaves the server as sent once, so it is retried like a GET
  // (docs/adr/0005-retry-policy.md). The answer echoes the secret; there is nothing in it to
  // return.
  impl_->pipeline.send(
      {"POST", std::string(webhook_secret_path), std::move(body), Idempotency::safe_to_repeat});
}

Page<WebhookLog> Client::list_webhook_logs(const ListWebhookLogsParams& params) const {
  check_logs_params(params);
  return detail::fetch_page<WebhookLog>(*impl_, webhook_logs_path,
                                        logs_query(params)(params.page, params.size));
}

WebhookLogRange Client::webhook_logs(const ListWebhookLogsParams& params) const {
  check_logs_params(params);
  return detail::page_range<WebhookLog>(impl_, std::string(webhook_logs_path), logs_query(params),
                                        params.page, params.size);
}

}  // namespace impilo
