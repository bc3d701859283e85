// The libcurl transport's handle pool (see curl_handles.hpp): taking and giving back handles.

#include "curl_handles.hpp"

#include <new>
#include <utility>

namespace impilo::curl {

EasyHandle HandlePool::acquire() {
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

void HandlePool::release(EasyHandle handle) noexcept {
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

}  // namespace impilo::curl
