#pragma once

// The libcurl transport's handle pool: RAII owners for libcurl objects, and the idle easy handles
// one transport keeps for reuse (docs/performance.md: a handle keeps its connection alive).

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace impilo::curl {

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
  EasyHandle acquire();

  /// Keeps @p handle for reuse, or closes it (and its connection) when the pool is full. The
  /// handle must have been reset (no pointers to per-call data left in it).
  void release(EasyHandle handle) noexcept;

 private:
  std::mutex mutex_;
  std::vector<EasyHandle> idle_;
  std::size_t max_idle_;
};

}  // namespace impilo::curl
