#pragma once

// What the pooled handles of one libcurl transport share: the TLS session and DNS caches (a
// CURLSH) and where trusted CA certificates come from, chosen so that libcurl caches the CA store
// (see the top of curl_transport.cpp and docs/tls-and-proxies.md).

#include <curl/curl.h>

#include <array>
#include <cstddef>
#include <impilo/transport.hpp>
#include <mutex>
#include <string>

namespace impilo::curl {

/// A CURLSH holding the TLS session and DNS caches of every handle of one transport. libcurl calls
/// the lock functions from whichever thread runs a transfer; one mutex per kind of data keeps a
/// DNS lookup from waiting on a session store. Must outlive every handle that uses it.
class SharedCaches {
 public:
  SharedCaches();
  SharedCaches(const SharedCaches&) = delete;
  SharedCaches& operator=(const SharedCaches&) = delete;
  SharedCaches(SharedCaches&&) = delete;
  SharedCaches& operator=(SharedCaches&&) = delete;
  ~SharedCaches() { curl_share_cleanup(share_); }

  [[nodiscard]] CURLSH* get() const noexcept { return share_; }

 private:
  static std::mutex& mutex_for(void* userptr, curl_lock_data data);
  static void lock(CURL* handle, curl_lock_data data, curl_lock_access access, void* userptr);
  static void unlock(CURL* handle, curl_lock_data data, void* userptr);

  CURLSH* share_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

/// Where trusted CA certificates come from, decided once per transport (see
/// docs/tls-and-proxies.md).
struct TrustSources {
  std::string ca_file;        // empty: libcurl's built-in bundle
  std::string ca_path;        // empty: see clear_ca_path
  bool clear_ca_path{false};  // drop libcurl's built-in CA directory, so the CA store is cached
};

/// The trust sources for @p options: a CA file alone where possible, so the store is cached.
TrustSources choose_trust_sources(const CurlTransportOptions& options);

}  // namespace impilo::curl
