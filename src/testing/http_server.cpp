#include "http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <future>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <utility>

namespace impilo::testing::detail {
namespace {

/// Requests served on one connection before it is closed (cpp-httplib's default is 5).
constexpr std::size_t max_requests_per_connection = 1000;
/// How long an idle keep-alive connection stays open.
constexpr int keep_alive_seconds = 5;
/// Bound on waiting for the next bytes of a request, or for room to write a response.
constexpr int io_timeout_ms = 5000;
/// Largest request body accepted (413 above it).
constexpr std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;

#ifdef MSG_NOSIGNAL
constexpr int send_flags = MSG_NOSIGNAL;  // a peer that went away must not raise SIGPIPE
#else
constexpr int send_flags = 0;
#endif

/// Waits until @p fd has @p events (or an error or hang-up); false on timeout.
bool wait_for(int fd, short events, int timeout_ms) {
  pollfd entry{};
  entry.fd = fd;
  entry.events = events;
  for (;;) {
    const int ready = ::poll(&entry, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

/// The numeric address and port of one end of @p fd.
void describe_end(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  const int result = peer ? ::getpeername(fd, raw, &length) : ::getsockname(fd, raw, &length);
  if (result != 0) return;
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> service{};
  if (::getnameinfo(raw, length, host.data(), static_cast<socklen_t>(host.size()), service.data(),
                    static_cast<socklen_t>(service.size()), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host.data();
    port = std::atoi(service.data());
  }
}

/// A buffered stream over one accepted socket (cpp-httplib reads request lines byte by byte).
class SocketStream final : public httplib::Stream {
 public:
  explicit SocketStream(socket_t sock) : sock_(sock) {}

  bool is_readable() const override {
    return begin_ < end_ || wait_for(sock_, POLLIN, io_timeout_ms);
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, io_timeout_ms); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (!wait_for(sock_, POLLIN, io_timeout_ms)) return -1;
      ssize_t received = 0;
      do {
        received = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (received < 0 && errno == EINTR);
      if (received <= 0) return received;
      begin_ = 0;
      end_ = static_cast<std::size_t>(received);
    }
    const std::size_t count = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, count);
    begin_ += count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!wait_for(sock_, POLLOUT, io_timeout_ms)) return -1;
    ssize_t sent = 0;
    do {
      sent = ::send(sock_, ptr, size, send_flags);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    describe_end(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    describe_end(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

  /// Bytes of a next (pipelined) request already read.
  [[nodiscard]] bool has_buffered_data() const { return begin_ < end_; }

 private:
  socket_t sock_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_{0};
  std::size_t end_{0};
};

/// cpp-httplib's task queue, one thread per connection: an idle keep-alive connection then never
/// keeps another one waiting. Finished threads are joined as new ones start; `shutdown()` joins
/// the rest.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override {
    auto task = std::make_shared<std::function<void()>>(std::move(fn));
    auto done = std::make_shared<std::atomic<bool>>(false);
    const std::lock_guard<std::mutex> lock(mutex_);
    join_finished();
    try {
      workers_.push_back(Worker{std::thread([task, done] {
                                  (*task)();
                                  done->store(true);
                                }),
                                done});
    } catch (const std::system_error&) {
      (*task)();  // no thread to be had: serve the connection here rather than drop it
    }
  }

  void shutdown() override {
    std::list<Worker> workers;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      workers.swap(workers_);
    }
    for (Worker& worker : workers) worker.thread.join();
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void join_finished() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::mutex mutex_;
  std::list<Worker> workers_;
};

}  // namespace

class HttpServer::Server final : public httplib::Server {
 public:
  Server() {
    new_task_queue = [this] {
      mark_started();  // called by the accept loop once it runs (is_running() is true)
      return new ConnectionThreads();
    };
    set_tcp_nodelay(true);  // without it keep-alive requests stall ~40 ms on delayed ACKs
    // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which would let a second
    // simulator bind a port that is already in use.
    set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    set_keep_alive_max_count(max_requests_per_connection);  // announced in Keep-Alive headers
    set_keep_alive_timeout(keep_alive_seconds);
    set_read_timeout(io_timeout_ms / 1000, 0);
    set_write_timeout(io_timeout_ms / 1000, 0);
    set_payload_max_length(max_body_bytes);
  }

  /// cpp-httplib listens with a backlog of 5; a burst of concurrent clients needs more.
  void raise_backlog() {
    const socket_t sock = svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
  }

  /// Resolves once the accept loop runs (or has ended).
  std::future<void> started() { return started_.get_future(); }

  void mark_started() {
    if (!started_flag_.test_and_set()) started_.set_value();
  }

  /// Refuses new connections and wakes every open one, which then closes.
  void close_connections() {
    const std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    for (const socket_t sock : open_) ::shutdown(sock, SHUT_RDWR);
  }

  /// Closes the listening socket if `stop()` did not (the accept loop never ran).
  void close_listener() {
    const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) {
      ::shutdown(sock, SHUT_RDWR);
      ::close(sock);
    }
  }

 private:
  /// One connection: requests until the client closes, the keep-alive idle time passes, the
  /// per-connection limit is reached, or `close_connections()` shuts the socket down.
  bool process_and_close_socket(socket_t sock) override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (closing_) {
        ::close(sock);
        return false;
      }
      open_.insert(sock);
    }
    bool ok = false;
    try {
      int yes = 1;
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      SocketStream stream(sock);
      for (std::size_t served = 0; served < max_requests_per_connection; ++served) {
        if (!stream.has_buffered_data() && !wait_for(sock, POLLIN, keep_alive_seconds * 1000)) {
          break;  // idle for too long
        }
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          if (closing_) break;
        }
        bool connection_closed = false;
        const bool last = served + 1 == max_requests_per_connection;
        ok = process_request(stream, last, connection_closed, nullptr);
        if (!ok || connection_closed) break;
      }
    } catch (...) {
      ok = false;
    }
    {
      // Forget the socket before closing it, so close_connections() never touches a reused fd.
      const std::lock_guard<std::mutex> lock(mutex_);
      open_.erase(sock);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  std::mutex mutex_;
  std::set<socket_t> open_;
  bool closing_{false};
  std::promise<void> started_;
  std::atomic_flag started_flag_ = ATOMIC_FLAG_INIT;
};

HttpServer::HttpServer(const Handler& handler) : server_(std::make_unique<Server>()) {
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  server_->Options(".*", handler);
  // Answers cpp-httplib makes itself (a malformed request, a body over the limit) get a JSON
  // body too.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* message = res.status == 413 ? "Payload too large" : "Bad request";
    res.set_content(std::string("{\"message\":\"") + message + "\"}", "application/json");
  });
}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::bind(const std::string& host, int port) {
  int bound = -1;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
  } else if (server_->bind_to_port(host, port)) {
    bound = port;
  }
  if (bound < 0) return -1;
  server_->raise_backlog();
  return bound;
}

void HttpServer::serve() {
  auto started = server_->started();
  Server* server = server_.get();
  accept_thread_ = std::thread([server] {
    server->listen_after_bind();
    server->mark_started();  // in case the loop ended before it began
  });
  started.wait();
}

void HttpServer::close_connections() noexcept {
  if (server_) server_->close_connections();
}

void HttpServer::stop() noexcept {
  if (!server_) return;
  server_->close_connections();
  server_->stop();
  server_->close_listener();
  if (accept_thread_.joinable()) accept_thread_.join();
}

}  // namespace impilo::testing::detail
