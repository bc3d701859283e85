// The performance table of issue 10, measured side by side in one run: each row's numbers come
// from the same process on the same loaded machine, and only their ratio is reported (absolute
// times on a shared 2-core box say little). `bench/run` builds this in Release and runs it; the
// table printed at the end puts each ratio next to its target.
//
//   impilo_perf                 the full run (about a minute)
//   impilo_perf --brief         a smoke run for CI: small workloads, a few iterations
//   any --benchmark_* flag      passed to Google Benchmark (e.g. --benchmark_filter=Tls)

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <simdjson.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <impilo/impilo.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "local_servers.hpp"
#include "test_tls.hpp"

namespace {

using impilo_bench::json_type;
using impilo_bench::LocalServer;
using std::chrono::milliseconds;

// ---- Workload ----

bool brief = false;  // --brief: CI smoke run

std::string read_file(const std::string& name) {
  std::ifstream in(std::string(IMPILO_BENCH_DATA_DIR) + "/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read test data " + name);
  return out.str();
}

/// The seeds' full order (about 900 bytes).
const std::string& order_text() {
  static const std::string text = read_file("order.json");
  return text;
}

/// The full order split around its top-level id, so that a page can hold distinct orders (the
/// client stops on a page that repeats the previous one, as a server ignoring `page` would).
const std::pair<std::string, std::string>& order_around_id() {
  static const std::pair<std::string, std::string> parts = [] {
    constexpr std::string_view marker = "987654321987654321";
    nlohmann::json order = nlohmann::json::parse(order_text());
    order["id"] = 987654321987654321;
    const std::string text = order.dump();
    const auto at = text.find(marker);
    return std::make_pair(text.substr(0, at), text.substr(at + marker.size()));
  }();
  return parts;
}

/// A list page of @p count copies of the full order with ids from (page - 1) * size + 1 on, as
/// the server sends it.
std::string page_text(std::int64_t count, std::int64_t page, std::int64_t size, std::int64_t total) {
  const auto& [before_id, after_id] = order_around_id();
  std::string text = R"({"content":[)";
  text.reserve(static_cast<std::size_t>(count) * (order_text().size() + 16) + 128);
  for (std::int64_t i = 0; i < count; ++i) {
    if (i > 0) text += ',';
    text += before_id;
    text += std::to_string((page - 1) * size + i + 1);
    text += after_id;
  }
  text += R"(],"page":)" + std::to_string(page) + R"(,"size":)" + std::to_string(size) +
          R"(,"total":)" + std::to_string(total) + R"(,"first":)" + (page == 1 ? "true" : "false") +
          R"(,"last":)" + (page * size >= total ? "true" : "false") + "}";
  return text;
}

impilo::CreateOrderRequest seed_request() {
  return impilo::from_json_text<impilo::CreateOrderRequest>(read_file("create_order_request.json"));
}

/// `GET /api/v3/order?page=N&size=M` over @p total orders, each page built on request.
void serve_pages(httplib::Server& server, std::int64_t total, milliseconds latency) {
  server.Get("/api/v3/order", [total, latency](const httplib::Request& req, httplib::Response& res) {
    const std::int64_t page = std::stoll(req.get_param_value("page"));
    const std::int64_t size = std::stoll(req.get_param_value("size"));
    const std::int64_t first = (page - 1) * size;
    const std::int64_t count = std::max<std::int64_t>(0, std::min(size, total - first));
    if (latency.count() > 0) std::this_thread::sleep_for(latency);
    res.set_content(page_text(count, page, size, total), json_type);
  });
}

/// `GET /api/v3/order/{id}` answering the full order after @p latency; `POST /api/v3/order`
/// answering 201 with it.
void serve_orders(httplib::Server& server, milliseconds latency) {
  server.Get(R"(/api/v3/order/(\d+))", [latency](const httplib::Request&, httplib::Response& res) {
    if (latency.count() > 0) std::this_thread::sleep_for(latency);
    res.set_content(order_text(), json_type);
  });
  server.Post("/api/v3/order", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(order_text(), json_type);
  });
}

impilo::ClientOptions client_options(const std::string& base_url) {
  impilo::ClientOptions options;
  options.base_url = base_url;
  options.api_key = "bench-key-3c1d";
  options.transport_options.no_proxy = "*";
  return options;
}

// ---- The servers and clients every benchmark shares (made in main, before any runs) ----

struct Fixture {
  LocalServer orders{[](httplib::Server& s) { serve_orders(s, milliseconds(0)); }};
  LocalServer slow_orders{[](httplib::Server& s) { serve_orders(s, milliseconds(5)); }};
  LocalServer slow_pages{[](httplib::Server& s) { serve_pages(s, 1000000, milliseconds(20)); }};
  LocalServer many_pages{[](httplib::Server& s) { serve_pages(s, 1000000, milliseconds(0)); }};
  impilo_test::SelfSignedCertificate certificate;
  LocalServer tls{std::make_unique<httplib::SSLServer>(certificate.certificate(), certificate.key()),
                  "https", [](httplib::Server& s) { serve_orders(s, milliseconds(0)); }};
  std::string bundle_path;  // the system CA bundle plus the test CA
  std::optional<impilo::Client> shared_client;

  Fixture() {
    std::ofstream bundle(certificate.pem_path() + ".bundle");
    std::ifstream system_bundle("/etc/ssl/certs/ca-certificates.crt");
    bundle << system_bundle.rdbuf() << "\n";
    std::ifstream test_ca(certificate.pem_path());
    bundle << test_ca.rdbuf();
    bundle_path = certificate.pem_path() + ".bundle";
    shared_client.emplace(client_options(slow_orders.url()));
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  Fixture(Fixture&&) = delete;
  Fixture& operator=(Fixture&&) = delete;
  ~Fixture() { std::remove(bundle_path.c_str()); }
};

Fixture* fixture = nullptr;

// ---- The hand-written loop the SDK is compared with ----

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* userdata) {
  static_cast<std::string*>(userdata)->append(data, size * count);
  return size * count;
}

/// One reused libcurl handle (keep-alive), as a user would write it by hand.
class HandWritten {
 public:
  explicit HandWritten(const std::string& url) : handle_(curl_easy_init()) {
    headers_ = curl_slist_append(headers_, "Impilo-API-Key: bench-key-3c1d");
    headers_ = curl_slist_append(headers_, "Accept: application/json");
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(handle_, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(handle_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, static_cast<void*>(&body_));
  }
  HandWritten(const HandWritten&) = delete;
  HandWritten& operator=(const HandWritten&) = delete;
  HandWritten(HandWritten&&) = delete;
  HandWritten& operator=(HandWritten&&) = delete;
  ~HandWritten() {
    curl_easy_cleanup(handle_);
    curl_slist_free_all(headers_);
  }

  const std::string& get() {
    body_.clear();
    if (curl_easy_perform(handle_) != CURLE_OK) throw std::runtime_error("curl: GET failed");
    return body_;
  }

 private:
  CURL* handle_;
  curl_slist* headers_ = nullptr;
  std::string body_;
};

/// Visits every value of a document with simdjson's On-Demand API; returns how many there were.
std::size_t walk(simdjson::ondemand::value value) {
  std::size_t seen = 1;
  switch (value.type().value()) {
    case simdjson::ondemand::json_type::object:
      for (auto field : value.get_object()) {
        benchmark::DoNotOptimize(field.unescaped_key().value());
        seen += walk(field.value().value());
      }
      break;
    case simdjson::ondemand::json_type::array:
      for (auto element : value.get_array()) seen += walk(element.value());
      break;
    case simdjson::ondemand::json_type::string:
      benchmark::DoNotOptimize(value.get_string().value());
      break;
    case simdjson::ondemand::json_type::number:
      benchmark::DoNotOptimize(value.get_number().value());
      break;
    case simdjson::ondemand::json_type::boolean:
      benchmark::DoNotOptimize(value.get_bool().value());
      break;
    case simdjson::ondemand::json_type::null:
      break;
  }
  return seen;
}

std::size_t simdjson_walk(simdjson::ondemand::parser& parser, const simdjson::padded_string& text) {
  simdjson::ondemand::document document = parser.iterate(text);
  return walk(document.get_value().value());
}

// ---- Row 6: peak RSS while walking 100,000 orders ----

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void BM_PeakRss(benchmark::State& state) {
  const impilo::Client client(client_options(fixture->many_pages.url()));
  impilo::ListOrdersParams params;
  params.size = 250;
  const std::int64_t limit = brief ? state.range(0) / 10 : state.range(0);
  for (auto _ : state) {
    std::int64_t seen = 0;
    for (const impilo::Order& order : client.orders(params)) {
      benchmark::DoNotOptimize(order.id);
      if (++seen == limit) break;
    }
  }
  state.counters["peak_rss_MB"] = peak_rss_mb();
}
// First in the run, so that no other benchmark's memory sets the peak; 10,000 then 100,000 shows
// whether the peak grows with the number of orders.
BENCHMARK(BM_PeakRss)->Arg(10000)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

// ---- Row 1: get_order over keep-alive HTTP ----

void BM_GetOrder_Sdk(benchmark::State& state) {
  const impilo::Client client(client_options(fixture->orders.url()));
  for (auto _ : state) benchmark::DoNotOptimize(client.get_order(1));
}
BENCHMARK(BM_GetOrder_Sdk)->Repetitions(3);

void BM_GetOrder_CurlNlohmann(benchmark::State& state) {
  HandWritten loop(fixture->orders.url() + "/api/v3/order/1");
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(loop.get()));
}
BENCHMARK(BM_GetOrder_CurlNlohmann)->Repetitions(3);

void BM_GetOrder_CurlSimdjson(benchmark::State& state) {
  HandWritten loop(fixture->orders.url() + "/api/v3/order/1");
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    const simdjson::padded_string text(loop.get());
    benchmark::DoNotOptimize(simdjson_walk(parser, text));
  }
}
BENCHMARK(BM_GetOrder_CurlSimdjson)->Repetitions(3);

// ---- Row 2: decoding a list page of 10, 100 and 250 orders ----

void BM_DecodePage_Sdk(benchmark::State& state) {
  const std::string text = page_text(state.range(0), 1, 250, 1000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(impilo::from_json_text<impilo::Page<impilo::Order>>(text));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DecodePage_Sdk)->Arg(10)->Arg(100)->Arg(250)->Repetitions(3);

void BM_DecodePage_NlohmannParse(benchmark::State& state) {
  const std::string text = page_text(state.range(0), 1, 250, 1000);
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DecodePage_NlohmannParse)->Arg(10)->Arg(100)->Arg(250)->Repetitions(3);

void BM_DecodePage_SimdjsonWalk(benchmark::State& state) {
  const simdjson::padded_string text(page_text(state.range(0), 1, 250, 1000));
  simdjson::ondemand::parser parser;
  for (auto _ : state) benchmark::DoNotOptimize(simdjson_walk(parser, text));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DecodePage_SimdjsonWalk)->Arg(10)->Arg(100)->Arg(250)->Repetitions(3);

// ---- Row 3: creates over TLS (a fresh connection each) vs gets over TLS (keep-alive) ----

impilo::ClientOptions tls_options() {
  impilo::ClientOptions options = client_options(fixture->tls.url());
  options.transport_options.ca_file = fixture->bundle_path;
  return options;
}

void BM_Tls_CreateOrder(benchmark::State& state) {
  const impilo::Client client(tls_options());
  const impilo::CreateOrderRequest request = seed_request();
  for (auto _ : state) benchmark::DoNotOptimize(client.create_order(request));
}
BENCHMARK(BM_Tls_CreateOrder)->UseRealTime()->Repetitions(3);

void BM_Tls_GetOrder(benchmark::State& state) {
  const impilo::Client client(tls_options());
  for (auto _ : state) benchmark::DoNotOptimize(client.get_order(1));
}
BENCHMARK(BM_Tls_GetOrder)->UseRealTime()->Repetitions(3);

/// For comparison: a CA directory cannot be cached, so every create parses it again (what every
/// create cost before the CA store was cached).
void BM_Tls_CreateOrder_CaPath(benchmark::State& state) {
  impilo::ClientOptions options = tls_options();
  options.transport_options.ca_path = "/etc/ssl/certs";
  const impilo::Client client(options);
  const impilo::CreateOrderRequest request = seed_request();
  for (auto _ : state) benchmark::DoNotOptimize(client.create_order(request));
}
BENCHMARK(BM_Tls_CreateOrder_CaPath)->UseRealTime()->Repetitions(3);

// ---- Row 4: paging with 20 ms of server latency and 20 ms of caller work per page ----

void page_with_work(benchmark::State& state, bool prefetch) {
  const std::int64_t pages = brief ? 3 : 8;
  impilo::ClientOptions options = client_options(fixture->slow_pages.url());
  options.prefetch_pages = prefetch;
  const impilo::Client client(options);
  impilo::ListOrdersParams params;
  params.size = 25;
  for (auto _ : state) {
    std::int64_t seen = 0;
    for (const impilo::Order& order : client.orders(params)) {
      benchmark::DoNotOptimize(order.id);
      if (++seen % params.size == 0) std::this_thread::sleep_for(milliseconds(20));  // the work
      if (seen == pages * params.size) break;
    }
  }
}

void BM_Paging_Prefetch(benchmark::State& state) { page_with_work(state, true); }
BENCHMARK(BM_Paging_Prefetch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(5);

void BM_Paging_NoPrefetch(benchmark::State& state) { page_with_work(state, false); }
BENCHMARK(BM_Paging_NoPrefetch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->Repetitions(5);

// ---- Row 5: threads sharing one Client against a server that answers after 5 ms ----

void BM_SharedClient(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fixture->shared_client->get_order(1));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedClient)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->UseRealTime()
    ->Repetitions(3);

// ---- The ratio table ----

/// Keeps every run's result (and still prints the usual console table). Of repeated runs, the
/// fastest is kept: on a loaded machine other processes only ever add time.
class Collector : public benchmark::ConsoleReporter {
 public:
  struct Result {
    double real_seconds{0};  // wall time per iteration
    double cpu_seconds{0};   // CPU time of the benchmark's own thread per iteration
    std::map<std::string, double> counters;
  };

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
      Result result;
      const auto iterations = static_cast<double>(run.iterations);
      result.real_seconds = run.real_accumulated_time / iterations;
      result.cpu_seconds = run.cpu_accumulated_time / iterations;
      for (const auto& [name, counter] : run.counters) result.counters[name] = counter.value;
      const auto [it, added] = results_.emplace(run.benchmark_name(), result);
      if (!added) {
        Result& best = it->second;
        best.cpu_seconds = std::min(best.cpu_seconds, result.cpu_seconds);
        if (result.real_seconds < best.real_seconds) {
          best.real_seconds = result.real_seconds;
          best.counters = result.counters;
        }
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  [[nodiscard]] std::optional<Result> find(const std::string& name) const {
    const auto it = results_.find(name);
    if (it == results_.end()) return std::nullopt;
    return it->second;
  }

  /// Wall time per iteration.
  [[nodiscard]] std::optional<double> time(const std::string& name) const {
    const auto result = find(name);
    if (!result) return std::nullopt;
    return result->real_seconds;
  }

  /// CPU time per iteration of the benchmark's thread: the fair measure of CPU-bound work on a
  /// machine whose other load stretches wall times at random.
  [[nodiscard]] std::optional<double> cpu(const std::string& name) const {
    const auto result = find(name);
    if (!result) return std::nullopt;
    return result->cpu_seconds;
  }

 private:
  std::map<std::string, Result> results_;
};

void print_row(const char* what, std::optional<double> ratio, const char* target, bool met) {
  char value[32] = "n/a";
  if (ratio) std::snprintf(value, sizeof value, "%.3g", *ratio);
  std::printf("%-64s %10s   %-18s %s\n", what, value, target,
              ratio ? (met ? "met" : "NOT MET") : "");
}

std::optional<double> divide(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}

void print_table(const Collector& c) {
  std::printf("\n%-64s %10s   %-18s\n", "issue 10: ratio (measured side by side)", "measured",
              "target");
  const auto get_ratio = divide(c.cpu("BM_GetOrder_Sdk/repeats:3"),
                                c.cpu("BM_GetOrder_CurlNlohmann/repeats:3"));
  print_row("get_order: SDK / (reused curl handle + nlohmann::json::parse), CPU", get_ratio,
            "<= 1.0", get_ratio && *get_ratio <= 1.0);
  const auto get_wall = divide(c.time("BM_GetOrder_Sdk/repeats:3"),
                               c.time("BM_GetOrder_CurlNlohmann/repeats:3"));
  print_row("  the same in wall time (server included)", get_wall, "-", true);

  const auto decode_ratio = divide(c.cpu("BM_DecodePage_Sdk/250/repeats:3"),
                                   c.cpu("BM_DecodePage_NlohmannParse/250/repeats:3"));
  print_row("decode 250-order page: SDK / nlohmann::json::parse alone", decode_ratio, "<= 0.5",
            decode_ratio && *decode_ratio <= 0.5);

  const auto per_order_10 = divide(c.cpu("BM_DecodePage_Sdk/10/repeats:3"), 10.0);
  const auto per_order_250 = divide(c.cpu("BM_DecodePage_Sdk/250/repeats:3"), 250.0);
  const auto growth = divide(per_order_250, per_order_10);
  print_row("decode: per-order cost at 250 / at 10 orders a page", growth, "<= 1.3",
            growth && *growth <= 1.3);

  const auto tls_ratio = divide(c.time("BM_Tls_GetOrder/repeats:3/real_time"),
                                c.time("BM_Tls_CreateOrder/repeats:3/real_time"));
  print_row("TLS: creates/s / gets/s (system bundle + test CA)", tls_ratio, ">= 0.1",
            tls_ratio && *tls_ratio >= 0.1);
  const auto capath_ratio = divide(c.time("BM_Tls_GetOrder/repeats:3/real_time"),
                                   c.time("BM_Tls_CreateOrder_CaPath/repeats:3/real_time"));
  print_row("  (for comparison: with ca_path, which cannot be cached)", capath_ratio, "-", true);

  const auto paging_ratio =
      divide(c.time("BM_Paging_Prefetch/iterations:2/repeats:5/real_time"),
             c.time("BM_Paging_NoPrefetch/iterations:2/repeats:5/real_time"));
  print_row("paging, 20 ms latency + 20 ms work: total / (fetch + work)", paging_ratio, "<= 0.75",
            paging_ratio && *paging_ratio <= 0.75);

  const auto per_call_1 = c.time("BM_SharedClient/repeats:3/real_time/threads:1");
  const auto per_call_8 = c.time("BM_SharedClient/repeats:3/real_time/threads:8");
  const auto scaling = divide(per_call_1, per_call_8);
  print_row("8 threads sharing a Client (5 ms server): throughput / 1 thread", scaling,
            ">= 7 (was 7.3)", scaling && *scaling >= 7.0);

  const auto rss_small = c.find("BM_PeakRss/10000/iterations:1");
  const auto rss_large = c.find("BM_PeakRss/100000/iterations:1");
  std::optional<double> peak;
  std::optional<double> rss_growth;
  if (rss_large) peak = rss_large->counters.at("peak_rss_MB");
  if (rss_small && rss_large) {
    rss_growth = divide(peak, rss_small->counters.at("peak_rss_MB"));
  }
  print_row("peak RSS over 100,000 orders (MB)", peak, "flat (was 28 MB)", peak && *peak <= 32.0);
  print_row("  peak RSS after 100,000 / after 10,000 orders", rss_growth, "<= 1.1",
            rss_growth && *rss_growth <= 1.1);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--brief") == 0) {
      brief = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  std::string min_time = "--benchmark_min_time=0.01";
  if (brief) args.insert(args.begin() + 1, min_time.data());
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  int status = 0;
  try {
    Fixture shared;
    fixture = &shared;
    Collector collector;
    benchmark::RunSpecifiedBenchmarks(&collector);
    print_table(collector);
    fixture = nullptr;
  } catch (const std::exception& e) {
    std::cerr << "impilo_perf: " << e.what() << "\n";
    status = 1;
  }
  benchmark::Shutdown();
  return status;
}
