// The libcurl transport behind `make_curl_transport()`. This file holds the public factory and
// the transport class (options per call, request checks); the rest lives beside it: curl_handles
// (the handle pool), curl_shared (the TLS session, DNS and CA caches shared by the handles),
// curl_response (reading the response, size caps) and curl_errors (CURLcode to TransportError).
//
// Design
// ------
// * One easy handle per call in flight. Handles live in a small pool (`HandlePool`): a call takes
//   one under the pool's mutex (or makes a new one), uses it on its own thread, and gives it back.
//   A handle is never used by two threads at once.
// * Keep-alive comes from libcurl's per-handle connection cache: an easy handle keeps its idle
//   connection between `curl_easy_perform` calls, and `curl_easy_reset` keeps live connections,
//   the DNS cache and the TLS session-ID cache (documented in curl_easy_reset(3)). Each handle may
//   cache one connection (`CURLOPT_MAXCONNECTS` 1), so at most `max_idle_connections` idle
//   connections exist at any time.
// * "May the request have reached the server?" is answered with `CURLOPT_PREREQFUNCTION`
//   (libcurl >= 7.80): libcurl calls it once a connection is established or reused (TLS handshake
//   included) and before any byte of the request is written. If it never ran, the request never
//   left this process. Timing values (`CURLINFO_PRETRANSFER_TIME_T`) are not good enough:
//   libcurl records the pre-transfer time only after the DO state, in which the request is sent.
// * POST always goes out on a fresh connection (`CURLOPT_FRESH_CONNECT`). libcurl silently sends
//   a request again on a new connection when a *reused* connection dies before any response byte
//   arrives (`Curl_retry_request`, "Connection died, retrying a fresh connect"), for any method.
//   For a create that is a second order, so a POST never rides on a reused connection.
// * A fresh connection must be cheap, since every POST makes one. Two things make it so:
//   - The CA store is parsed once per handle, not once per connection. libcurl (7.87+) caches the
//     X509 store only when it comes from a CA file alone, and Debian's libcurl also has a built-in
//     CA directory, which defeats the cache: `TrustSources` clears that directory whenever a CA
//     file is in use (on Debian the bundle holds the same certificates as the directory).
//   - TLS sessions and DNS answers are shared by all pooled handles (`SharedCaches`, a CURLSH with
//     a mutex per kind of data), so a POST's new connection resumes an earlier TLS session
//     instead of doing a full handshake. Connections themselves are not shared: each handle keeps
//     its own, which is what bounds the idle connections.
// * The response body is capped in the write callback, which sees decoded bytes (gzip, brotli),
//   so a compression bomb stops at the cap as well.

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ascii.hpp"
#include "curl_errors.hpp"
#include "curl_handles.hpp"
#include "curl_response.hpp"
#include "curl_shared.hpp"

namespace impilo {
namespace {

using Kind = TransportError::Kind;
using curl::CallState;
using curl::describe_url;
using curl::EasyHandle;
using curl::HandlePool;
using curl::SharedCaches;
using curl::Slist;
using curl::TrustSources;

// ---- libcurl global state ----

/// `curl_global_init` exactly once per process, thread-safely (function-local static). libcurl's
/// global state is never torn down: `curl_global_cleanup` at exit would race with other static
/// destructors and other libcurl users in the same process.
void ensure_curl_global_init() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK) {
    throw Error(std::string("impilo: libcurl global initialisation failed (curl: ") +
                curl_easy_strerror(result) + ")");
  }
}

/// The libcurl in use must know every option set below (`CURLOPT_PROTOCOLS_STR` needs 7.85) and
/// must speak TLS.
void check_curl_version() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  constexpr unsigned int kMinimum = 0x075500;  // 7.85.0
  if (info == nullptr || info->version_num < kMinimum) {
    throw Error("impilo: libcurl 7.85.0 or newer is required, found " +
                std::string(info != nullptr && info->version != nullptr ? info->version : "?"));
  }
  if ((info->features & CURL_VERSION_SSL) == 0) {
    throw Error("impilo: the libcurl in use was built without TLS support");
  }
}

// ---- Small helpers ----

bool has_cr_lf_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// ---- Setting options ----

[[noreturn]] void throw_setopt_failure(CURLoption option, CURLcode code) {
  const curl_easyoption* known = curl_easy_option_by_id(option);
  const std::string name = known != nullptr && known->name != nullptr
                               ? std::string("CURLOPT_") + known->name
                               : "#" + std::to_string(static_cast<int>(option));
  throw Error("impilo: libcurl refused option " + name + " (curl: " + curl_easy_strerror(code) +
              ")");
}

// Typed wrappers around the variadic curl_easy_setopt: each option gets the type it expects, and a
// refusal (an option this libcurl lacks) fails loudly instead of weakening the transfer.

void set_long(CURL* handle, CURLoption option, long value) {
  const CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) throw_setopt_failure(option, code);
}

void set_off(CURL* handle, CURLoption option, curl_off_t value) {
  const CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) throw_setopt_failure(option, code);
}

template <typename Pointer>
void set_ptr(CURL* handle, CURLoption option, Pointer value) {
  static_assert(std::is_pointer_v<Pointer>, "pointer options only");
  const CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) throw_setopt_failure(option, code);
}

/// libcurl copies string options (all but CURLOPT_POSTFIELDS), so @p value may be a temporary.
void set_str(CURL* handle, CURLoption option, const std::string& value) {
  set_ptr(handle, option, value.c_str());
}

long to_long_ms(std::chrono::milliseconds duration) {
  const std::chrono::milliseconds::rep count = duration.count();
  return count > static_cast<std::chrono::milliseconds::rep>(LONG_MAX) ? LONG_MAX
                                                                       : static_cast<long>(count);
}

/// Refuses what must never reach the wire; nothing has been sent when this throws.
void check_request(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "POST" && request.method != "PUT") {
    throw UsageError("impilo: the libcurl transport sends only GET, POST and PUT requests");
  }
  if (request.method == "GET" && !request.body.empty()) {
    throw UsageError("impilo: a GET request cannot carry a body");
  }
  if (request.connect_timeout.count() <= 0) {
    throw UsageError("impilo: HttpRequest::connect_timeout must be positive");
  }
  if (request.url.empty() || internal::has_control_or_space(request.url)) {
    throw UsageError("impilo: the request URL is empty or contains spaces or control characters");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || internal::has_control_or_space(name) ||
        name.find(':') != std::string::npos) {
      throw UsageError("impilo: an HTTP header name is empty or not a valid token");
    }
    if (internal::has_control_character(value)) {
      // Never echo the value: it may be the API key.
      throw UsageError("impilo: the value of HTTP header '" + name +
                       "' contains a control character (such as NUL, TAB, CR, LF or DEL)");
    }
    if (internal::equals_ignoring_case(name, "Content-Length") ||
        internal::equals_ignoring_case(name, "Transfer-Encoding")) {
      throw UsageError("impilo: header '" + name + "' is set by the transport, not the request");
    }
  }
}

bool has_header(const HttpHeaders& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [name](const auto& header) {
    return internal::equals_ignoring_case(header.first, name);
  });
}

Slist build_header_list(const HttpRequest& request) {
  Slist list;
  const auto append = [&list](const std::string& line) {
    curl_slist* extended = curl_slist_append(list.get(), line.c_str());
    if (extended == nullptr) throw std::bad_alloc();
    (void)list.release();  // `extended` now owns the old nodes too
    list.reset(extended);
  };
  for (const auto& [name, value] : request.headers) {
    // libcurl reads "Name:" as "remove this header"; "Name;" sends it with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  // libcurl adds these by default; send only what the request says.
  if (!has_header(request.headers, "Expect")) append("Expect:");  // no 100-continue round trip
  if (!has_header(request.headers, "Accept")) append("Accept:");
  if (request.method != "GET" && !has_header(request.headers, "Content-Type")) {
    append("Content-Type:");  // not libcurl's application/x-www-form-urlencoded
  }
  return list;
}

// ---- The transport ----

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlTransportOptions& options)
      : options_(options),
        trust_(curl::choose_trust_sources(options)),
        pool_(options.max_idle_connections) {}

  HttpResponse send(const HttpRequest& request) override {
    check_request(request);
    if (request.timeout.count() <= 0) {
      throw TransportError(Kind::timeout, false,
                           "no time left for " + request.method + " " +
                               describe_url(request.url).printable + "; the request was not sent");
    }
    const Slist headers = build_header_list(request);

    CallState state;
    state.max_body = options_.max_response_bytes;
    char error_buffer[CURL_ERROR_SIZE];
    error_buffer[0] = '\0';

    // Declared after everything the handle points at, so it is reset (dropping those pointers)
    // before they go away.
    Lease lease(pool_);
    CURL* const handle = lease.get();
    configure(handle, request, headers.get(), state, error_buffer);

    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
      // The handle is not pooled after a failure. libcurl closes a connection whose transfer
      // failed part-way and checks idle connections before reuse, so keeping the handle would
      // probably be fine; but failures are rare, a fresh handle costs only one connection set-up,
      // and it takes any doubt about a half-used connection off the path of the next request.
      lease.discard();
      curl::throw_transport_error(code, state, request, error_buffer, options_);
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 100 || status > 999) {
      lease.discard();
      throw TransportError(Kind::other, true,
                           "no valid HTTP status in the response to " + request.method + " " +
                               describe_url(request.url).printable +
                               "; the request may have reached the server");
    }
    state.response.status = static_cast<int>(status);
    return std::move(state.response);
  }

 private:
  /// One handle taken from the pool for one call; reset and given back (or closed) at the end.
  class Lease {
   public:
    explicit Lease(HandlePool& pool) : pool_(pool), handle_(pool.acquire()) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      // Drops every pointer to this call's data (buffers, header list, callbacks' state) while
      // keeping the live connection, DNS and TLS session caches.
      curl_easy_reset(handle_.get());
      if (keep_) pool_.release(std::move(handle_));
    }
    [[nodiscard]] CURL* get() const noexcept { return handle_.get(); }
    void discard() noexcept { keep_ = false; }

   private:
    HandlePool& pool_;
    EasyHandle handle_;
    bool keep_ = true;
  };

  void configure(CURL* handle, const HttpRequest& request, curl_slist* headers, CallState& state,
                 char* error_buffer) const {
    // Pooled handles were reset when given back; a new handle starts from the defaults.
    set_ptr(handle, CURLOPT_ERRORBUFFER, error_buffer);
    set_str(handle, CURLOPT_URL, request.url);
    set_str(handle, CURLOPT_PROTOCOLS_STR, std::string("http,https"));
    set_str(handle, CURLOPT_REDIR_PROTOCOLS_STR, std::string("http,https"));
    set_long(handle, CURLOPT_FOLLOWLOCATION, 0L);
    set_long(handle, CURLOPT_NOSIGNAL, 1L);
    set_long(handle, CURLOPT_TCP_NODELAY, 1L);
    set_long(handle, CURLOPT_MAXCONNECTS, 1L);
    set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, to_long_ms(request.connect_timeout));
    set_long(handle, CURLOPT_TIMEOUT_MS, to_long_ms(request.timeout));

    // TLS: verification on unless turned off by name; TLS 1.2 at least (patient data).
    const long verify = options_.insecure_disable_tls_verification ? 0L : 1L;
    set_long(handle, CURLOPT_SSL_VERIFYPEER, verify);
    set_long(handle, CURLOPT_SSL_VERIFYHOST, verify * 2L);
    set_long(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!trust_.ca_file.empty()) set_str(handle, CURLOPT_CAINFO, trust_.ca_file);
    if (!trust_.ca_path.empty()) set_str(handle, CURLOPT_CAPATH, trust_.ca_path);
    if (trust_.clear_ca_path) set_ptr(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    // TLS sessions and DNS shared with the other pooled handles (see the top of this file).
    set_ptr(handle, CURLOPT_SHARE, caches_.get());

    // Proxy: when none is configured, libcurl reads the usual environment variables.
    if (!options_.proxy.empty()) set_str(handle, CURLOPT_PROXY, options_.proxy);
    if (!options_.proxy_username.empty()) {
      set_str(handle, CURLOPT_PROXYUSERNAME, options_.proxy_username);
    }
    if (!options_.proxy_password.empty()) {
      set_str(handle, CURLOPT_PROXYPASSWORD, options_.proxy_password);
    }
    if (!options_.no_proxy.empty()) set_str(handle, CURLOPT_NOPROXY, options_.no_proxy);
    set_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);

    // The request itself.
    if (request.method == "POST") {
      set_long(handle, CURLOPT_POST, 1L);
      set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      // Not copied: `request` outlives the transfer.
      set_ptr(handle, CURLOPT_POSTFIELDS, request.body.data());
      // See the top of this file: never on a reused connection, so libcurl cannot resend it.
      set_long(handle, CURLOPT_FRESH_CONNECT, 1L);
    } else if (request.method == "PUT") {
      // A body sent as with POST under the PUT method (CURLOPT_UPLOAD would stream it from a
      // read callback for nothing). A PUT replaces a whole value: libcurl resending it on a
      // fresh connection leaves the server as one would, so it may ride a reused connection.
      set_long(handle, CURLOPT_POST, 1L);
      set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      set_ptr(handle, CURLOPT_POSTFIELDS, request.body.data());
      set_str(handle, CURLOPT_CUSTOMREQUEST, std::string("PUT"));
    } else {
      set_long(handle, CURLOPT_HTTPGET, 1L);
    }
    set_ptr(handle, CURLOPT_HTTPHEADER, headers);
    // All encodings libcurl can decode; the size cap applies to the decoded bytes.
    set_str(handle, CURLOPT_ACCEPT_ENCODING, std::string());

    // The response.
    set_ptr(handle, CURLOPT_HEADERFUNCTION, &curl::on_header);
    set_ptr(handle, CURLOPT_HEADERDATA, static_cast<void*>(&state));
    set_ptr(handle, CURLOPT_WRITEFUNCTION, &curl::on_body);
    set_ptr(handle, CURLOPT_WRITEDATA, static_cast<void*>(&state));
    set_ptr(handle, CURLOPT_PREREQFUNCTION, &curl::on_prerequest);
    set_ptr(handle, CURLOPT_PREREQDATA, static_cast<void*>(&state));
  }

  CurlTransportOptions options_;
  TrustSources trust_;
  SharedCaches caches_;  // declared before the pool: destroyed after every handle using it
  HandlePool pool_;
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options) {
  if (has_cr_lf_nul(options.proxy) || has_cr_lf_nul(options.proxy_username) ||
      has_cr_lf_nul(options.proxy_password) || has_cr_lf_nul(options.no_proxy) ||
      has_cr_lf_nul(options.ca_file) || has_cr_lf_nul(options.ca_path)) {
    throw UsageError("impilo: a CurlTransportOptions string contains CR, LF or NUL");
  }
  ensure_curl_global_init();
  check_curl_version();
  return std::make_shared<CurlTransport>(options);
}

}  // namespace impilo
