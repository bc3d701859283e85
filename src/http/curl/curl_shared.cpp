// The caches shared by one libcurl transport's handles (see curl_shared.hpp): the CURLSH and its
// locks, and the choice of CA sources.

#include "curl_shared.hpp"

#include <unistd.h>

#include <impilo/errors.hpp>
#include <new>

#include "curl_handles.hpp"

namespace impilo::curl {

SharedCaches::SharedCaches() : share_(curl_share_init()) {
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

std::mutex& SharedCaches::mutex_for(void* userptr, curl_lock_data data) {
  auto& self = *static_cast<SharedCaches*>(userptr);
  const auto index = static_cast<std::size_t>(data);
  return self.mutexes_[index < self.mutexes_.size() ? index : 0];
}

void SharedCaches::lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/,
                        void* userptr) {
  mutex_for(userptr, data).lock();
}

void SharedCaches::unlock(CURL* /*handle*/, curl_lock_data data, void* userptr) {
  mutex_for(userptr, data).unlock();
}

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

}  // namespace impilo::curl
