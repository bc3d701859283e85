#include <cstdlib>
#include <impilo/client.hpp>
#include <impilo/json.hpp>
#include <impilo/validation.hpp>
#include <impilo/version.hpp>
#include <string>
#include <utility>

#include "client_impl.hpp"
#include "listing.hpp"
#include "prefetch.hpp"

namespace impilo {

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "unknown";
}

ClientOptions ClientOptions::from_env() {
  ClientOptions options;
  if (const char* url = std::getenv("IMPILO_BASE_URL"); url != nullptr && *url != '\0') {
    options.base_url = url;
  }
  if (const char* key = std::getenv("IMPILO_API_KEY"); key != nullptr) options.api_key = key;
  return options;
}

detail::Pipeline detail::make_pipeline(const ClientOptions& options, const RedactingLog& log) {
  std::string root = internal::parse_base_url(options.base_url).root;
  std::shared_ptr<HttpTransport> transport =
      options.transport ? options.transport : make_curl_transport(options.transport_options);
  return Pipeline(pipeline_options(options), std::move(root), std::move(transport),
                  common_headers(options), log);
}

Client::Client(ClientOptions options)
    : impl_(std::make_shared<Impl>(detail::with_prefetch_gates(std::move(options)))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Order Client::create_order(const CreateOrderRequest& request) const {
  if (auto violations = validate(request); !violations.empty()) {
    throw ValidationError(std::move(violations));
  }
  const HttpResponse response = impl_->pipeline.send(
      {"POST", std::string(orders_path), to_json_text(request), Idempotency::may_create});
  return detail::decode_created<Order>(response.body);
}

Order Client::get_order(std::int64_t id) const {
  if (id < 1) throw UsageError("order id must be positive, got " + std::to_string(id));
  const HttpResponse response =
      impl_->pipeline.send({"GET", std::string(orders_path) + "/" + std::to_string(id),
                            std::nullopt, Idempotency::safe_to_repeat});
  return from_json_text<Order>(response.body);
}

Page<Order> Client::list_orders(const ListOrdersParams& params) const {
  detail::check_list_orders_params(params);
  return detail::fetch_page<Order>(
      *impl_, orders_path, detail::orders_query(params.extra_query)(params.page, params.size));
}

OrderRange Client::orders(const ListOrdersParams& params) const {
  detail::check_list_orders_params(params);
  return detail::page_range<Order>(impl_, std::string(orders_path),
                                   detail::orders_query(params.extra_query), params.page,
                                   params.size);
}

}  // namespace impilo
