// The prefetch worker behind `PageRange` (docs/adr/0007-paging-prefetch.md): one thread per range,
// at most `max_prefetch_threads` in the process, cancelled (not joined) with its range, and a gate
// that keeps a cancelled worker from calling the user's `logger` and `sleep`.

#include "prefetch.hpp"

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <impilo/client.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

namespace impilo::detail {

/// What a range and its worker share. Everything but `job` is guarded by `mutex`.
struct PrefetchState {
  std::mutex mutex;
  std::condition_variable wake;  // a page was asked for, or the range is gone
  std::condition_variable done;  // the page asked for has run, or a user callback returned
  std::optional<std::int64_t> asked;
  bool ready{false};
  bool cancelled{false};             // the range is gone: no more pages, no more user callbacks
  int callbacks{0};                  // user callbacks (logger, sleep) in progress on the worker
  bool finished{false};              // the thread's function has returned: it may be joined at once
  std::shared_ptr<PrefetchJob> job;  // the worker's own reference: a range may go mid-fetch
};

namespace {

/// The worker's state on a worker thread; null on every other thread.
thread_local PrefetchState* current_worker = nullptr;

void run_worker(const std::shared_ptr<PrefetchState>& state) {
#if defined(__linux__)
  // 15 characters, the limit: lets a test (or a user's `top -H`) count prefetch threads.
  pthread_setname_np(pthread_self(), "impilo-prefetch");
#endif
  current_worker = state.get();
  std::unique_lock<std::mutex> lock(state->mutex);
  for (;;) {
    state->wake.wait(lock, [&] { return state->cancelled || state->asked.has_value(); });
    if (state->cancelled) break;
    const std::int64_t page = *state->asked;
    state->asked.reset();
    lock.unlock();
    state->job->run(page);
    lock.lock();
    state->ready = true;
    state->done.notify_all();
  }
  // Let go of the fetch (and so of the client's state it shares) before counting as finished.
  std::shared_ptr<PrefetchJob> job = std::move(state->job);
  lock.unlock();
  job.reset();
  current_worker = nullptr;
  lock.lock();
  state->finished = true;
}

/// Every prefetch thread of the process, until joined. Threads are joined once finished (by the
/// next start or cancel), so that a counted thread is one the system may still hold; never
/// destroyed, so that threads still running at exit are not joined (or terminate()d) then.
class PrefetchThreads {
 public:
  static PrefetchThreads& instance() {
    static auto* const threads = new PrefetchThreads;  // NOLINT: deliberately never destroyed
    return *threads;
  }

  PrefetchThreads() {
    // Registered after the runtime's own handlers, so it runs before them (a thread checker
    // looks for joinable threads that have ended in its handler).
    std::atexit([] { instance().release_at_exit(); });
  }

  std::shared_ptr<PrefetchState> start(std::shared_ptr<PrefetchJob> job) {
    const std::lock_guard<std::mutex> lock(mutex_);
    join_finished();
    if (exiting_ || threads_.size() >= max_prefetch_threads) return nullptr;
    auto state = std::make_shared<PrefetchState>();
    state->job = std::move(job);
    try {
      threads_.emplace_back(std::thread(run_worker, state), state);
    } catch (const std::system_error&) {  // no thread to be had: the caller fetches itself
      return nullptr;
    }
    return state;
  }

  void join_finished() noexcept {
    for (auto it = threads_.begin(); it != threads_.end();) {
      bool done = false;
      {
        const std::lock_guard<std::mutex> state_lock(it->second->mutex);
        done = it->second->finished;
      }
      if (done) {
        it->first.join();  // its function has returned: this waits for the thread's exit only
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void reap() noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    join_finished();
  }

  // At exit no thread is left joinable: one that has finished is joined (it is only returning),
  // any other detached, to end with the process. Without this, the threads of the last ranges,
  // which no later start or cancel joins, stay joinable and ended: a leak to a thread checker.
  // A range used during exit fetches on its own thread.
  void release_at_exit() noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    exiting_ = true;
    join_finished();
    for (Entry& entry : threads_) entry.first.detach();
    threads_.clear();
  }

 private:
  using Entry = std::pair<std::thread, std::shared_ptr<PrefetchState>>;
  std::mutex mutex_;
  std::vector<Entry> threads_;
  bool exiting_{false};
};

/// Holds a user callback's place on a worker: while one is held, cancelling waits for it.
class CallbackGate {
 public:
  CallbackGate() : state_(current_worker) {
    if (state_ == nullptr) return;
    const std::lock_guard<std::mutex> lock(state_->mutex);
    open_ = !state_->cancelled;
    if (open_) ++state_->callbacks;
  }
  CallbackGate(const CallbackGate&) = delete;
  CallbackGate& operator=(const CallbackGate&) = delete;
  ~CallbackGate() {
    if (state_ == nullptr || !open_) return;
    const std::lock_guard<std::mutex> lock(state_->mutex);
    --state_->callbacks;
    state_->done.notify_all();
  }
  /// Whether the callback may be called: always off a worker; on one, until its range is gone.
  [[nodiscard]] bool open() const noexcept { return open_; }

 private:
  PrefetchState* state_;
  bool open_{true};
};

/// Whether this thread is a worker whose range is gone.
bool cancelled_here() {
  PrefetchState* const state = current_worker;
  if (state == nullptr) return false;
  const std::lock_guard<std::mutex> lock(state->mutex);
  return state->cancelled;
}

/// The default `sleep`: on a worker, cut short when its range goes.
void default_sleep(std::chrono::milliseconds duration) {
  PrefetchState* const state = current_worker;
  if (state == nullptr) {
    std::this_thread::sleep_for(duration);
    return;
  }
  std::unique_lock<std::mutex> lock(state->mutex);
  if (state->wake.wait_for(lock, duration, [&] { return state->cancelled; })) {
    throw PrefetchCancelled{};
  }
}

}  // namespace

PrefetchJob::~PrefetchJob() = default;

Prefetcher::Prefetcher(std::shared_ptr<PrefetchState> state) noexcept : state_(std::move(state)) {}

Prefetcher Prefetcher::start(std::shared_ptr<PrefetchJob> job) {
  return Prefetcher(PrefetchThreads::instance().start(std::move(job)));
}

Prefetcher::Prefetcher(Prefetcher&& other) noexcept : state_(std::move(other.state_)) {}

Prefetcher& Prefetcher::operator=(Prefetcher&& other) noexcept {
  if (this != &other) {
    cancel();
    state_ = std::move(other.state_);
  }
  return *this;
}

Prefetcher::~Prefetcher() {
  cancel();
}

void Prefetcher::ask(std::int64_t page) {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  state_->asked = page;
  state_->ready = false;
  state_->wake.notify_all();
}

void Prefetcher::wait() {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->done.wait(lock, [&] { return state_->ready; });
  state_->ready = false;
}

void Prefetcher::cancel() noexcept {
  if (!state_) return;
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->cancelled = true;
    state_->wake.notify_all();
    // A logger or sleep call in progress finishes first; after this, none starts. (A range
    // destroyed by its own worker's callback cannot wait for itself.)
    if (current_worker != state_.get()) {
      state_->done.wait(lock, [&] { return state_->callbacks == 0; });
    }
  }
  state_.reset();
  PrefetchThreads::instance().reap();
}

ClientOptions with_prefetch_gates(ClientOptions options) {
  if (options.logger) {
    options.logger = [logger = std::move(options.logger)](LogLevel level,
                                                          std::string_view message) {
      const CallbackGate gate;
      if (gate.open()) logger(level, message);
    };
  }
  if (options.sleep) {
    options.sleep = [sleep = std::move(options.sleep)](std::chrono::milliseconds duration) {
      {
        const CallbackGate gate;
        if (gate.open()) sleep(duration);
      }
      // Cancelled before or during the wait: no further attempt for a range that is gone.
      if (cancelled_here()) throw PrefetchCancelled{};
    };
  } else {
    options.sleep = default_sleep;
  }
  return options;
}

}  // namespace impilo::detail
