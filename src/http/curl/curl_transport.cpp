// The libcurl transport behind `make_curl_transport()`.
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
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <impilo/errors.hpp>
#include <impilo/transport.hpp>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace impilo {
namespace {

using Kind = TransportError::Kind;

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

// ---- RAII for libcurl objects ----

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct UrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};

struct CurlStringDeleter {
  void operator()(char* text) const noexcept { curl_free(text); }
};

// ---- Caches shared by the pooled handles ----

/// A CURLSH holding the TLS session and DNS caches of every handle of one transport. libcurl calls
/// the lock functions from whichever thread runs a transfer; one mutex per kind of data keeps a
/// DNS lookup from waiting on a session store. Must outlive every handle that uses it.
class SharedCaches {
 public:
  SharedCaches() : share_(curl_share_init()) {
    if (share_ == nullptr) throw std::bad_alloc();
    const bool ok =
        curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &SharedCaches::lock) == CURLSHE_OK &&
        curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &SharedCaches::unlock) == CURLSHE_OK &&
        curl_share_setopt(share_, CURLSHOPT_USERDATA, static_cast<void*>(this)) == CURLSHE_OK &&
        curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
        curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK;
    if (!ok) {
      curl_share_cleanup(share_);
      throw Error("impilo: libcurl refused to share TLS sessions and DNS between handles");
    }
  }
  SharedCaches(const SharedCaches&) = delete;
  SharedCaches& operator=(const SharedCaches&) = delete;
  SharedCaches(SharedCaches&&) = delete;
  SharedCaches& operator=(SharedCaches&&) = delete;
  ~SharedCaches() { curl_share_cleanup(share_); }

  [[nodiscard]] CURLSH* get() const noexcept { return share_; }

 private:
  static std::mutex& mutex_for(void* userptr, curl_lock_data data) {
    auto& self = *static_cast<SharedCaches*>(userptr);
    const auto index = static_cast<std::size_t>(data);
    return self.mutexes_[index < self.mutexes_.size() ? index : 0];
  }
  static void lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/,
                   void* userptr) {
    mutex_for(userptr, data).lock();
  }
  static void unlock(CURL* /*handle*/, curl_lock_data data, void* userptr) {
    mutex_for(userptr, data).unlock();
  }

  CURLSH* share_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

/// Where trusted CA certificates come from, decided once per transport (see docs/tls-and-proxies.md).
struct TrustSources {
  std::string ca_file;       // empty: libcurl's built-in bundle
  std::string ca_path;       // empty: see clear_ca_path
  bool clear_ca_path{false};  // drop libcurl's built-in CA directory, so the CA store is cached
};

TrustSources choose_trust_sources(const CurlTransportOptions& options) {
  TrustSources trust;
  trust.ca_file = options.ca_file;
  trust.ca_path = options.ca_path;
  if (!options.ca_path.empty()) return trust;  // a directory is read per connection: no cache
  if (!options.ca_file.empty()) {
    trust.clear_ca_path = true;  // the file replaces the system store, as documented
    return trust;
  }
  // No choice made: keep libcurl's built-in bundle, and drop its built-in directory only when
  // the bundle is there to be read (otherwise the directory is all the trust there is).
  const EasyHandle probe(curl_easy_init());
  if (!probe) throw std::bad_alloc();
  char* default_file = nullptr;
  if (curl_easy_getinfo(probe.get(), CURLINFO_CAINFO, &default_file) == CURLE_OK &&
      default_file != nullptr && ::access(default_file, R_OK) == 0) {
    trust.clear_ca_path = true;
  }
  return trust;
}

// ---- The handle pool ----

/// Idle easy handles, most recently used first out (its connection is the likeliest to be alive).
class HandlePool {
 public:
  explicit HandlePool(std::size_t max_idle) : max_idle_(max_idle) {}

  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  HandlePool(HandlePool&&) = delete;
  HandlePool& operator=(HandlePool&&) = delete;
  ~HandlePool() = default;

  /// An idle handle, or a new one.
  EasyHandle acquire() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        EasyHandle handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    EasyHandle handle(curl_easy_init());
    if (!handle) throw std::bad_alloc();
    return handle;
  }

  /// Keeps @p handle for reuse, or closes it (and its connection) when the pool is full. The
  /// handle must have been reset (no pointers to per-call data left in it).
  void release(EasyHandle handle) noexcept {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (idle_.size() < max_idle_) {
        try {
          idle_.push_back(std::move(handle));  // strong guarantee: on failure `handle` still owns
        } catch (...) {
        }
      }
    }
    // `handle`, if still owned, is cleaned up here, outside the lock (it may close a TLS session).
  }

 private:
  std::mutex mutex_;
  std::vector<EasyHandle> idle_;
  std::size_t max_idle_;
};

// ---- Small helpers ----

bool has_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

bool has_cr_lf_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// Any control character (TAB, NUL, CR, LF, ...) or DEL: none belongs in a header value we send.
bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

/// Replaces every occurrence of @p secret in @p text (secrets shorter than 4 characters are too
/// likely to match innocent text and are left alone).
void redact(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 10)) {
    text.replace(pos, secret.size(), "[redacted]");
  }
}

std::string url_part(CURLU* url, CURLUPart part, unsigned int flags) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return {};
  const std::unique_ptr<char, CurlStringDeleter> owned(raw);
  return std::string(raw);
}

/// What an error message may say about a URL: `scheme://host:port/path`. The user info, query
/// and fragment are dropped. Also collects the parts that must never be echoed.
struct UrlForMessages {
  std::string printable;
  std::vector<std::string> secrets;  // user, password, query
};

UrlForMessages describe_url(const std::string& url) {
  UrlForMessages out;
  const std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    out.printable = "<unparsable URL>";
    return out;
  }
  const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME, 0);
  const std::string host = url_part(parsed.get(), CURLUPART_HOST, 0);
  const std::string port = url_part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const std::string path = url_part(parsed.get(), CURLUPART_PATH, 0);
  out.printable = scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
  for (const CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_QUERY}) {
    std::string secret = url_part(parsed.get(), part, 0);
    if (!secret.empty()) out.secrets.push_back(std::move(secret));
  }
  return out;
}

// ---- Per-call state shared with the libcurl callbacks ----

struct CallState {
  std::size_t max_body = 0;
  HttpResponse response;
  /// Status of the header block being received (0 before its status line).
  long block_status = 0;
  /// The final (non-1xx) response's header block is complete; later header lines are trailers.
  bool final_headers_done = false;
  /// The body exceeded (or announced more than) `max_body`.
  bool too_large = false;
  /// libcurl's pre-request callback ran: a connection was ready and the request may have left.
  bool request_may_have_left = false;
  /// A callback failed to allocate; the transfer was aborted.
  bool out_of_memory = false;
};

/// Parses the status code out of a status line such as `HTTP/1.1 200 OK` or `HTTP/2 404`.
long parse_status(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  long status = 0;
  std::size_t digits = 0;
  for (auto pos = space + 1; pos < line.size() && digits < 3; ++pos, ++digits) {
    const char c = line[pos];
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  return digits == 3 ? status : 0;
}

/// The announced body size when it is certain to be the size the write callback will see
/// (no content coding), else nothing.
bool announced_identity_length(const HttpHeaders& headers, std::uint64_t& length) {
  const auto encoding = find_header(headers, "Content-Encoding");
  if (encoding && !trim(*encoding).empty() && !iequals(trim(*encoding), "identity")) return false;
  const auto value = find_header(headers, "Content-Length");
  if (!value) return false;
  const std::string_view digits = trim(*value);
  if (digits.empty() || digits.size() > 19) return false;
  std::uint64_t parsed = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
    parsed = parsed * 10U + static_cast<std::uint64_t>(c - '0');
  }
  length = parsed;
  return true;
}

/// Called by libcurl once per header line of every response received for this call, interim
/// (1xx) responses included; keeps the final response's header lines only.
std::size_t on_header(char* buffer, std::size_t size, std::size_t count, void* userdata) {
  auto& state = *static_cast<CallState*>(userdata);
  const std::size_t length = size * count;
  try {
    std::string_view line(buffer, length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);

    if (line.size() >= 5 && line.compare(0, 5, "HTTP/") == 0) {
      // A new response begins: anything collected so far belonged to an interim one.
      state.response.headers.clear();
      state.block_status = parse_status(line);
      state.final_headers_done = false;
      return length;
    }
    if (state.final_headers_done) return length;  // trailers after a chunked body: ignored
    if (line.empty()) {
      if (state.block_status >= 200) {
        state.final_headers_done = true;
        std::uint64_t announced = 0;
        if (announced_identity_length(state.response.headers, announced)) {
          if (announced > state.max_body) {
            state.too_large = true;
            return 0;  // aborts the transfer before any of the body is read or allocated
          }
          state.response.body.reserve(static_cast<std::size_t>(announced));
        }
      }
      return length;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // Obsolete line folding: continues the previous header's value.
      if (!state.response.headers.empty()) {
        auto& value = state.response.headers.back().second;
        value += ' ';
        value += trim(line);
      }
      return length;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return length;  // not a header line
    state.response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                        std::string(trim(line.substr(colon + 1))));
    return length;
  } catch (...) {
    state.out_of_memory = true;
    return 0;
  }
}

/// Called by libcurl with (decoded) body bytes; stops the transfer at the size cap.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userdata) {
  auto& state = *static_cast<CallState*>(userdata);
  const std::size_t length = size * count;
  if (length > state.max_body - state.response.body.size()) {
    state.too_large = true;
    return 0;  // a short count: libcurl fails the transfer with CURLE_WRITE_ERROR
  }
  try {
    state.response.body.append(data, length);
  } catch (...) {
    state.out_of_memory = true;
    return 0;
  }
  return length;
}

/// Called by libcurl when a connection is ready (TLS included) and before the request is sent.
int on_prerequest(void* clientp, char* /*primary_ip*/, char* /*local_ip*/, int /*primary_port*/,
                  int /*local_port*/) {
  static_cast<CallState*>(clientp)->request_may_have_left = true;
  return CURL_PREREQFUNC_OK;
}

// ---- Error mapping ----

Kind kind_of(CURLcode code, const CallState& state) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return Kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return Kind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return Kind::tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Kind::connection_cut;
    case CURLE_WRITE_ERROR:
      return state.too_large ? Kind::too_large : Kind::other;
    default:
      return Kind::other;
  }
}

std::string describe(Kind kind, const CallState& state, const CurlTransportOptions& options) {
  switch (kind) {
    case Kind::connect:
      return "could not connect";
    case Kind::tls:
      return "TLS handshake or certificate verification failed";
    case Kind::timeout:
      return state.request_may_have_left ? "timed out waiting for the response"
                                         : "timed out before the request was sent";
    case Kind::connection_cut:
      return "the connection broke before a complete response was received";
    case Kind::too_large:
      return "the response body exceeds the limit of " +
             std::to_string(options.max_response_bytes) + " bytes";
    case Kind::other:
      break;
  }
  return state.out_of_memory ? "out of memory while receiving the response" : "transfer failed";
}

[[noreturn]] void throw_transport_error(CURLcode code, const CallState& state,
                                        const HttpRequest& request, const char* error_buffer,
                                        const CurlTransportOptions& options) {
  const Kind kind = kind_of(code, state);
  // A response that was too large was certainly received, so the request got there. Otherwise
  // the pre-request callback tells: until it runs, no byte of the request has been written.
  const bool may_have_reached_server = state.too_large || state.request_may_have_left;

  const UrlForMessages url = describe_url(request.url);
  std::string message = describe(kind, state, options) + ": " + request.method + " " +
                        url.printable + " (curl: " + curl_easy_strerror(code);
  std::string detail(error_buffer);
  // libcurl's detail text names hosts and ports, never header values; scrub anyway, so no message
  // can carry the API key, URL credentials, the query or the proxy credentials.
  for (const auto& secret : url.secrets) redact(detail, secret);
  for (const auto& header : request.headers) redact(detail, header.second);
  redact(detail, options.proxy_username);
  redact(detail, options.proxy_password);
  if (!detail.empty()) message += ": " + detail;
  message += may_have_reached_server ? "); the request may have reached the server"
                                     : "); the request was not sent";
  throw TransportError(kind, may_have_reached_server, message);
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
  if (request.method != "GET" && request.method != "POST") {
    throw UsageError("impilo: the libcurl transport sends only GET and POST requests");
  }
  if (request.method == "GET" && !request.body.empty()) {
    throw UsageError("impilo: a GET request cannot carry a body");
  }
  if (request.connect_timeout.count() <= 0) {
    throw UsageError("impilo: HttpRequest::connect_timeout must be positive");
  }
  if (request.url.empty() || has_control_or_space(request.url)) {
    throw UsageError("impilo: the request URL is empty or contains spaces or control characters");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_control_or_space(name) || name.find(':') != std::string::npos) {
      throw UsageError("impilo: an HTTP header name is empty or not a valid token");
    }
    if (has_control_character(value)) {
      // Never echo the value: it may be the API key.
      throw UsageError("impilo: the value of HTTP header '" + name +
                       "' contains a control character (such as NUL, TAB, CR, LF or DEL)");
    }
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
      throw UsageError("impilo: header '" + name + "' is set by the transport, not the request");
    }
  }
}

bool has_header(const HttpHeaders& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [name](const auto& header) { return iequals(header.first, name); });
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
  if (request.method == "POST" && !has_header(request.headers, "Content-Type")) {
    append("Content-Type:");  // not libcurl's application/x-www-form-urlencoded
  }
  return list;
}

// ---- The transport ----

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlTransportOptions& options)
      : options_(options),
        trust_(choose_trust_sources(options)),
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
      throw_transport_error(code, state, request, error_buffer, options_);
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
    } else {
      set_long(handle, CURLOPT_HTTPGET, 1L);
    }
    set_ptr(handle, CURLOPT_HTTPHEADER, headers);
    // All encodings libcurl can decode; the size cap applies to the decoded bytes.
    set_str(handle, CURLOPT_ACCEPT_ENCODING, std::string());

    // The response.
    set_ptr(handle, CURLOPT_HEADERFUNCTION, &on_header);
    set_ptr(handle, CURLOPT_HEADERDATA, static_cast<void*>(&state));
    set_ptr(handle, CURLOPT_WRITEFUNCTION, &on_body);
    set_ptr(handle, CURLOPT_WRITEDATA, static_cast<void*>(&state));
    set_ptr(handle, CURLOPT_PREREQFUNCTION, &on_prerequest);
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
