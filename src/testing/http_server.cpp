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
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "request_framing.hpp"

namespace impilo::testing::detail {
namespace {

/// Requests served on one connection before it is closed (cpp-httplib's default is 5).
constexpr std::size_t max_requests_per_connection = 1000;
/// How long an idle keep-alive connection stays open.
constexpr int keep_alive_seconds = 5;
/// Bound on waiting for the next bytes of a request, or for room to write a response.
constexpr int io_timeout_ms = 5000;
/// Time for a request line and headers to arrive, from their first byte (408 after it): a client
/// dripping its head cannot hold a connection for longer.
constexpr int head_timeout_ms = 5000;
/// Time for a request body to arrive once the head has.
constexpr int body_timeout_ms = 30000;
/// Bytes of a request line and headers together (431 above them): cpp-httplib bounds each line
/// but not their number.
constexpr std::size_t max_head_bytes = std::size_t{64} * 1024;
/// Bytes of chunk framing (sizes, extensions, trailers) allowed on top of the body cap:
/// cpp-httplib reads a chunk-size line without bound. A sender of ordinary chunks never needs it.
constexpr std::size_t max_chunk_framing_bytes = std::size_t{1} * 1024 * 1024;
/// After a refused request, how long unread request bytes are drained before the socket closes:
/// closing with unread bytes sends a reset, which can destroy the answer before the client reads
/// it.
constexpr int linger_ms = 1000;

using Clock = std::chrono::steady_clock;

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

  bool is_readable() const override { return begin_ < end_ || wait_readable(); }
  bool is_writable() const override {
    return !discarding_ && wait_for(sock_, POLLOUT, io_timeout_ms);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) {
      over_budget_ = true;
      return -1;
    }
    size = std::min(size, budget_);
    if (begin_ == end_) {
      if (!wait_readable()) return -1;
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
    budget_ -= count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (discarding_ || !wait_for(sock_, POLLOUT, io_timeout_ms)) return -1;
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

  /// From now on, reads fail once @p milliseconds have passed (each wait is still at most
  /// `io_timeout_ms`) or @p bytes have been read.
  void limit_reads(int milliseconds, std::size_t bytes) {
    read_deadline_ = Clock::now() + std::chrono::milliseconds(milliseconds);
    timed_out_ = false;
    budget_ = bytes;
    over_budget_ = false;
  }

  /// A read failed because the time given to `limit_reads()` passed.
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  /// A read failed because the bytes given to `limit_reads()` were all read.
  [[nodiscard]] bool over_budget() const { return over_budget_; }

  /// Refuses every later write, so the response is never sent; the connection then closes.
  void discard_response() { discarding_ = true; }
  [[nodiscard]] bool discarding() const { return discarding_; }

 private:
  bool discarding_{false};
  bool wait_readable() const {
    // Rounded up: poll() counts whole milliseconds, and a wait cut short of the deadline by a
    // fraction of one would end the read without saying it timed out (a 400 instead of a 408).
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(read_deadline_ - Clock::now()).count();
    const bool deadline_bound = left <= io_timeout_ms;
    if (left > 0 &&
        wait_for(sock_, POLLIN, static_cast<int>(std::min<long long>(left, io_timeout_ms)))) {
      return true;
    }
    if (deadline_bound) timed_out_ = true;  // the wait ran to the deadline (or it had passed)
    return false;
  }

  socket_t sock_;
  Clock::time_point read_deadline_{Clock::time_point::max()};
  mutable bool timed_out_{false};
  std::size_t budget_{0};
  bool over_budget_{false};
  std::array<char, 4096> buffer_{};
  std::size_t begin_{0};
  std::size_t end_{0};
};

/// The request being served on this thread (each connection has its own), for the handlers that
/// cpp-httplib calls without the stream: whether the simulator's handler ran, and whether the
/// connection must close after the answer.
struct Exchange {
  SocketStream* stream{nullptr};
  bool handled{false};  // the simulator's handler ran: its answer, whatever the status
  bool refused{false};  // refused before the handler: close, as the rest of the bytes are suspect
  std::function<void()> after;  // `HttpServer::after_response()`: run once the answer is written
};
thread_local Exchange* current_exchange = nullptr;

/// Set while the accept thread refuses a connection over `max_connections`.
thread_local bool refusing_connection = false;

static_assert(HttpLimits{}.max_body_bytes == max_body_bytes,
              "the simulator's default body cap is the one refuse_framing() checks");

/// cpp-httplib's task queue, one thread per connection: an idle keep-alive connection then never
/// keeps another one waiting. At `max_connections`, the connection idle longest is closed to make
/// room (`evict_idle`); when none is idle (or no thread can be had) the new connection is refused
/// on the accept thread, which stays quick. Finished threads are joined as new ones start;
/// `shutdown()` joins the rest.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  ConnectionThreads(std::size_t max_connections, std::function<bool()> evict_idle)
      : max_connections_(max_connections), evict_idle_(std::move(evict_idle)) {}

  void enqueue(std::function<void()> fn) override {
    auto task = std::make_shared<std::function<void()>>(std::move(fn));
    auto done = std::make_shared<std::atomic<bool>>(false);
    const std::lock_guard<std::mutex> lock(mutex_);
    join_finished();
    // An evicted connection's thread ends within moments (its socket is shut down): meanwhile
    // the threads may number a few more than the connections served.
    if (workers_.size() < max_connections_ || evict_idle_()) {
      try {
        workers_.push_back(Worker{std::thread([task, done] {
                                    (*task)();
                                    done->store(true);
                                  }),
                                  done});
        return;
      } catch (const std::system_error&) {
        // no thread to be had: refuse below
      }
    }
    refusing_connection = true;
    (*task)();
    refusing_connection = false;
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

  const std::size_t max_connections_;
  const std::function<bool()> evict_idle_;
  std::mutex mutex_;
  std::list<Worker> workers_;
};

/// Reads the body through @p reader (de-chunked and decoded by cpp-httplib) into @p body, at most
/// @p max_bytes of it. On failure answers 413, 408 or 400 and returns false.
bool read_body(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader, std::size_t max_bytes, std::string& body) {
  if (!req.has_header("Transfer-Encoding") && !req.has_header("Content-Length")) return true;
  bool too_large = false;
  const bool read = reader([&body, &too_large, max_bytes](const char* data, std::size_t size) {
    if (size > max_bytes - body.size()) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (read) return true;
  const SocketStream* stream = current_exchange != nullptr ? current_exchange->stream : nullptr;
  if (too_large || (stream != nullptr && stream->over_budget())) {
    answer_error(res, 413, "Payload too large");
  } else if (stream != nullptr && stream->timed_out()) {
    answer_error(res, 408, "Request timeout");
  } else if (res.status == 415) {
    answer_error(res, 415, "Unsupported media type");  // an unknown Content-Encoding
  } else {
    answer_error(res, 400, "Bad request");
  }
  return false;
}

/// Reads and discards what the client still sends, for at most `linger_ms`, after our side of the
/// connection has been shut down for writing.
void drain(socket_t sock) {
  const auto until = Clock::now() + std::chrono::milliseconds(linger_ms);
  std::array<char, 16384> sink{};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0 || !wait_for(sock, POLLIN, static_cast<int>(left))) return;
    ssize_t received = 0;
    do {
      received = ::recv(sock, sink.data(), sink.size(), 0);
    } while (received < 0 && errno == EINTR);
    if (received <= 0) return;
  }
}

/// Answers 503 and closes, without waiting for anything (the accept thread runs this).
void refuse_connection(socket_t sock) {
  static const std::string body = "{\"message\":\"Too many open connections\"}";
  static const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)::send(sock, answer.data(), answer.size(), send_flags | MSG_DONTWAIT);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

class HttpServer::Server final : public httplib::Server {
 public:
  explicit Server(const HttpLimits& limits) : limits_(limits) {
    new_task_queue = [this] {
      mark_started();  // called by the accept loop once it runs (is_running() is true)
      return new ConnectionThreads(limits_.max_connections, [this] { return evict_idlest(); });
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
    set_payload_max_length(limits_.max_body_bytes);
  }

  [[nodiscard]] const HttpLimits& limits() const { return limits_; }

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

  /// Closes the connection that has been idle longest (waiting for the first byte of a request)
  /// and returns true; false when none is idle. A connection whose request bytes have arrived
  /// but not been read yet is not idle.
  bool evict_idlest() {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::pair<Clock::time_point, socket_t>> idle;
    idle.reserve(idle_.size());
    for (const auto& [sock, since] : idle_) idle.emplace_back(since, sock);
    std::sort(idle.begin(), idle.end());
    for (const auto& [since, sock] : idle) {
      char byte = 0;
      if (::recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) continue;  // a request has come
      idle_.erase(sock);  // its thread sees it gone, and closes
      ::shutdown(sock, SHUT_RDWR);
      return true;
    }
    return false;
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
  /// per-connection limit is reached, a request is refused, or `close_connections()` shuts the
  /// socket down.
  bool process_and_close_socket(socket_t sock) override {
    if (refusing_connection) {
      refuse_connection(sock);
      return false;
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (closing_) {
        ::close(sock);
        return false;
      }
      open_.insert(sock);
    }
    bool ok = false;
    bool refused = false;
    Exchange exchange;
    try {
      int yes = 1;
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      SocketStream stream(sock);
      current_exchange = &exchange;
      for (std::size_t served = 0; served < max_requests_per_connection; ++served) {
        if (!stream.has_buffered_data()) {
          mark_idle(sock);
          const bool readable = wait_for(sock, POLLIN, keep_alive_seconds * 1000);
          if (!mark_busy(sock) || !readable) break;  // evicted, or idle for too long
        }
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          if (closing_) break;
        }
        exchange = Exchange{&stream, false, false, {}};
        stream.limit_reads(head_timeout_ms, max_head_bytes);  // the pre-routing handler resets it
        bool connection_closed = false;
        const bool last = served + 1 == max_requests_per_connection;
        ok = process_request(stream, last, connection_closed, &answer_uncompressed);
        refused = exchange.refused;
        run_after_response(exchange);
        if (!ok || connection_closed || refused || stream.discarding()) break;
      }
    } catch (...) {
      ok = false;
    }
    current_exchange = nullptr;
    run_after_response(exchange);
    {
      // Forget the socket before closing it, so close_connections() never touches a reused fd.
      const std::lock_guard<std::mutex> lock(mutex_);
      open_.erase(sock);
      idle_.erase(sock);
    }
    if (refused) {
      ::shutdown(sock, SHUT_WR);  // the answer is sent; the client's remaining bytes are not read
      drain(sock);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  /// Runs after a request's headers are read, before its handler. cpp-httplib 0.11 compresses
  /// every application/json answer whenever the request's Accept-Encoding names br or gzip, with
  /// brotli at its slowest quality (milliseconds per order). A loopback simulator gains nothing
  /// from compression, so the header is dropped and every answer goes out as it is.
  static void answer_uncompressed(httplib::Request& req) { req.headers.erase("Accept-Encoding"); }

  /// @p sock waits for the first byte of a request from now on: `evict_idlest()` may close it.
  void mark_idle(socket_t sock) {
    const std::lock_guard<std::mutex> lock(mutex_);
    idle_[sock] = Clock::now();
  }

  /// @p sock is no longer idle; false when `evict_idlest()` closed it meanwhile.
  bool mark_busy(socket_t sock) {
    const std::lock_guard<std::mutex> lock(mutex_);
    return idle_.erase(sock) == 1;
  }

  static void run_after_response(Exchange& exchange) noexcept {
    if (!exchange.after) return;
    const std::function<void()> then = std::move(exchange.after);
    exchange.after = nullptr;
    try {
      then();
    } catch (...) {  // a hook that throws must not take the connection's thread down
    }
  }

  const HttpLimits limits_;
  std::mutex mutex_;
  std::set<socket_t> open_;
  std::map<socket_t, Clock::time_point> idle_;  // open connections waiting for a request, since
  bool closing_{false};
  std::promise<void> started_;
  std::atomic_flag started_flag_ = ATOMIC_FLAG_INIT;
};

HttpServer::HttpServer(const Handler& handler, const HttpLimits& limits)
    : server_(std::make_unique<Server>(limits)) {
  const std::size_t max_body = limits.max_body_bytes;
  const Handler serve = [handler](const httplib::Request& req, httplib::Response& res) {
    if (current_exchange != nullptr) current_exchange->handled = true;
    handler(req, res);
  };
  // Bodies are read here rather than by cpp-httplib, which caps only a Content-Length body.
  const httplib::Server::HandlerWithContentReader serve_with_body =
      [serve, max_body](const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) {
        std::string body;
        if (!read_body(req, res, reader, max_body, body)) return;
        httplib::Request with_body = req;
        with_body.body = std::move(body);
        serve(with_body, res);
      };
  server_->Get(".*", serve);
  server_->Post(".*", serve_with_body);
  server_->Put(".*", serve_with_body);
  server_->Patch(".*", serve_with_body);
  server_->Delete(".*", serve_with_body);
  server_->Options(".*", serve);
  // Runs once the head is in, before any body byte is read.
  server_->set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    if (current_exchange != nullptr) {
      current_exchange->stream->limit_reads(body_timeout_ms, max_body + max_chunk_framing_bytes);
    }
    if (refuse_framing(req, res)) return httplib::Server::HandlerResponse::Handled;
    // refuse_framing() checked that a Content-Length is digits only, and at most 16 MiB.
    if (req.has_header("Content-Length") &&
        std::stoull(req.get_header_value("Content-Length")) > max_body) {
      answer_error(res, 413, "Payload too large");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every answer of 400 and above that the simulator's handler did not make is a refused request
  // (cpp-httplib's own, or ours above): the connection closes after it, so that no byte after
  // the refused one is taken for a request. Each gets a JSON body too.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    Exchange* exchange = current_exchange;
    if (exchange != nullptr && !exchange->handled) {
      exchange->refused = true;
      if (exchange->stream->timed_out()) res.status = 408;
      if (exchange->stream->over_budget() && res.status == 400) res.status = 431;
      res.set_header("Connection", "close");
    }
    if (!res.body.empty()) return;
    const char* message = res.status == 413   ? "Payload too large"
                          : res.status == 408 ? "Request timeout"
                          : res.status == 431 ? "Request header fields too large"
                                              : "Bad request";
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

void HttpServer::close_without_response() noexcept {
  if (current_exchange != nullptr) current_exchange->stream->discard_response();
}

void HttpServer::after_response(std::function<void()> then) {
  if (current_exchange != nullptr) current_exchange->after = std::move(then);
}

void HttpServer::stop() noexcept {
  if (!server_) return;
  server_->close_connections();
  server_->stop();
  server_->close_listener();
  if (accept_thread_.joinable()) accept_thread_.join();
}

}  // namespace impilo::testing::detail
