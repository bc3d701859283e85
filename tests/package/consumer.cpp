// A user's program, built by every packaging test (find_package, add_subdirectory, pkg-config):
// starts the simulator in-process, places an order through impilo::Client, checks it, and prints
// the version. Compiled with -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror, so the public
// headers are proven warning-clean for users too.
//
// IMPILO_CONSUMER_EXPECT_STATIC (0 or 1) says which impilo the build system is meant to have
// given us; a mismatch fails at compile time (the *_STATIC_DEFINE macros come from the package)
// and at run time (where the code of impilo::version() lives).
//
// IMPILO_CONSUMER_WITH_SIMULATOR (default 1): 0 for an impilo built with IMPILO_BUILD_SIMULATOR
// off, which has no impilo::testing: the order is then placed through a transport of our own that
// answers as the API does, so the program still proves that the client links and works.

#include <cstring>
#include <exception>
#include <impilo/impilo.hpp>
#include <impilo/version.hpp>
#include <iostream>
#include <nlohmann/json.hpp>  // public dependency: must come with impilo, never added by hand
#include <string>

#if defined(__has_include)
#if __has_include(<dlfcn.h>)
#include <dlfcn.h>
#define IMPILO_CONSUMER_HAVE_DLADDR 1
#endif
#endif

#ifndef IMPILO_CONSUMER_EXPECT_STATIC
#error "build with -DIMPILO_CONSUMER_EXPECT_STATIC=0 or 1"
#endif
#ifndef IMPILO_CONSUMER_WITH_SIMULATOR
#define IMPILO_CONSUMER_WITH_SIMULATOR 1
#endif
#if defined(IMPILO_STATIC_DEFINE) != IMPILO_CONSUMER_EXPECT_STATIC
#error "IMPILO_STATIC_DEFINE does not match the impilo variant expected (static/shared)"
#endif
#if IMPILO_CONSUMER_WITH_SIMULATOR
#include <impilo/testing/simulator.hpp>
#if defined(IMPILO_TESTING_STATIC_DEFINE) != IMPILO_CONSUMER_EXPECT_STATIC
#error "IMPILO_TESTING_STATIC_DEFINE does not match the impilo variant expected (static/shared)"
#endif
#else
#include <memory>
#endif

namespace {

constexpr bool expect_static = IMPILO_CONSUMER_EXPECT_STATIC != 0;

int fail(const std::string& why) {
  std::cerr << "consumer: FAILED: " << why << "\n";
  return 1;
}

// The file impilo::version() was loaded from: the program itself for a static impilo,
// libimpilo.so.<SOVERSION> for a shared one.
std::string library_of_version() {
#ifdef IMPILO_CONSUMER_HAVE_DLADDR
  Dl_info info{};
  const auto fn = &impilo::version;
  void* address = nullptr;
  static_assert(sizeof(fn) == sizeof(address), "function and object pointers differ in size");
  std::memcpy(&address, &fn, sizeof(address));
  if (dladdr(address, &info) != 0 && info.dli_fname != nullptr) return info.dli_fname;
#endif
  return {};
}

#if !IMPILO_CONSUMER_WITH_SIMULATOR
// Answers a create as the API does (201 and the order), and refuses anything else.
class CreateAnswering : public impilo::HttpTransport {
 public:
  impilo::HttpResponse send(const impilo::HttpRequest& request) override {
    if (request.method != "POST") return impilo::HttpResponse{404, {}, "{}"};
    return impilo::HttpResponse{
        201, {}, R"({"id": 1, "currentStatus": "pending", "patient": {"id": 5000}})"};
  }
};
#endif

}  // namespace

int main() {
  try {
    if (std::strcmp(impilo::version(), IMPILO_VERSION_STRING) != 0) {
      return fail(std::string("impilo::version() is ") + impilo::version() + ", the headers say " +
                  IMPILO_VERSION_STRING);
    }
    const std::string library = library_of_version();
    const bool from_shared = library.find("libimpilo.so") != std::string::npos;
    if (!library.empty() && from_shared == expect_static) {
      return fail("impilo::version() comes from " + library + ", expected a " +
                  (expect_static ? "static" : "shared") + " impilo");
    }

    impilo::ClientOptions options;
#if IMPILO_CONSUMER_WITH_SIMULATOR
    impilo::testing::Simulator sim;  // the demo catalogue, 127.0.0.1, a free port
    sim.start();
    options.base_url = sim.url();
    options.api_key = std::string(impilo::testing::demo_api_key);
#else
    options.api_key = "consumer-key";
    options.transport = std::make_shared<CreateAnswering>();
#endif
    const impilo::Client client(options);

    impilo::CreateOrderRequest request;
    request.patient = impilo::Patient::with_id(5000);
    request.order_items = {impilo::OrderItem::of(1000, 1)};
    request.shipping_option = impilo::ShippingOptionValue::standard;
    const impilo::Order order = client.create_order(request);

    if (!order.id || *order.id != 1) return fail("the first order's id is not 1");
#if IMPILO_CONSUMER_WITH_SIMULATOR
    if (client.get_order(1).id != order.id) return fail("get_order(1) returned another order");
    if (sim.orders().size() != 1) return fail("the simulator does not hold exactly one order");
#endif

    const nlohmann::json as_json = order;  // impilo::to_json, found by ADL
    if (as_json.at("id").get<long long>() != 1) return fail("the order's JSON has no id 1");

#if IMPILO_CONSUMER_WITH_SIMULATOR
    sim.stop();
#endif
    std::cout << "impilo " << impilo::version() << " (" << (expect_static ? "static" : "shared")
              << (library.empty() ? std::string() : ", " + library) << "): order " << *order.id
              << " created against "
              << (IMPILO_CONSUMER_WITH_SIMULATOR ? "the simulator" : "a transport of its own")
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
