// Throughput of the hot paths a busy integration hits: decoding list pages and orders, encoding
// create requests, validating them, and the client's own overhead per call (over a fake transport,
// so no network time is measured).

#include <benchmark/benchmark.h>

#include <fstream>
#include <impilo/impilo.hpp>
#include <memory>
#include <sstream>
#include <string>

namespace {

std::string read_file(const std::string& name) {
  std::ifstream in(std::string(IMPILO_BENCH_DATA_DIR) + "/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A list page of @p count copies of the seeds' full order, as the server would send it.
std::string page_text(int count) {
  const std::string order = read_file("order.json");
  std::string text = R"({"content":[)";
  for (int i = 0; i < count; ++i) {
    if (i > 0) text += ',';
    text += order;
  }
  text += R"(],"page":1,"size":250,"total":1000,"first":true,"last":false})";
  return text;
}

impilo::CreateOrderRequest seed_request() {
  return impilo::from_json_text<impilo::CreateOrderRequest>(read_file("create_order_request.json"));
}

void BM_DecodeOrder(benchmark::State& state) {
  const std::string text = read_file("order.json");
  for (auto _ : state) {
    benchmark::DoNotOptimize(impilo::from_json_text<impilo::Order>(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeOrder);

void BM_DecodePageOf250(benchmark::State& state) {
  const std::string text = page_text(250);
  for (auto _ : state) {
    benchmark::DoNotOptimize(impilo::from_json_text<impilo::Page<impilo::Order>>(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(state.iterations() * 250);
}
BENCHMARK(BM_DecodePageOf250)->Unit(benchmark::kMillisecond);

void BM_EncodeOrder(benchmark::State& state) {
  const auto order = impilo::from_json_text<impilo::Order>(read_file("order.json"));
  for (auto _ : state) benchmark::DoNotOptimize(impilo::to_json_text(order));
}
BENCHMARK(BM_EncodeOrder);

void BM_EncodeCreateRequest(benchmark::State& state) {
  const auto request = seed_request();
  for (auto _ : state) benchmark::DoNotOptimize(impilo::to_json_text(request));
}
BENCHMARK(BM_EncodeCreateRequest);

void BM_Validate(benchmark::State& state) {
  const auto request = seed_request();
  for (auto _ : state) benchmark::DoNotOptimize(impilo::validate(request));
}
BENCHMARK(BM_Validate);

void BM_ErrorCodeFromMessage(benchmark::State& state) {
  const std::string message = "Order rejected by fulfilment: Site 12345 not active for customer";
  for (auto _ : state) benchmark::DoNotOptimize(impilo::error_code_from_message(message));
}
BENCHMARK(BM_ErrorCodeFromMessage);

/// A transport that answers instantly with a fixed body: measures the client alone.
class CannedTransport : public impilo::HttpTransport {
 public:
  explicit CannedTransport(std::string body) : body_(std::move(body)) {}
  impilo::HttpResponse send(const impilo::HttpRequest&) override { return {201, {}, body_}; }

 private:
  std::string body_;
};

void BM_ClientCreateOrderOverhead(benchmark::State& state) {
  impilo::ClientOptions options;
  options.api_key = "bench-key";
  options.transport = std::make_shared<CannedTransport>(read_file("order.json"));
  const impilo::Client client(options);
  const auto request = seed_request();
  for (auto _ : state) benchmark::DoNotOptimize(client.create_order(request));
}
BENCHMARK(BM_ClientCreateOrderOverhead);

}  // namespace

BENCHMARK_MAIN();
