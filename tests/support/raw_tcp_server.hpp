#pragma once

// Raw TCP servers on 127.0.0.1 for misbehaviour tests (header-only, POSIX sockets).
//
// * `RawTcpServer` accepts connections and runs a handler per connection on its own thread; the
//   handler reads requests and writes whatever bytes it likes (a cut body, nothing at all, a
//   100-continue, ...). Every wait is bounded and ends early when the server stops.
// * `FullBacklogListener` listens but never accepts, and fills its accept queue, so a further
//   connect attempt hangs in SYN_SENT: a connect timeout without leaving the machine.
// * `unused_port()` is a loopback port that was bound and closed: connecting to it is refused.
//
// Nothing here ever leaves 127.0.0.1. Writes use MSG_NOSIGNAL (no SIGPIPE).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace impilo_test {

namespace raw_detail {

inline int listen_on_loopback(int backlog, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("raw server: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("raw server: cannot listen on 127.0.0.1");
  }
  port = ntohs(address.sin_port);
  return fd;
}

/// Waits until @p fd is readable, the deadline passes or @p stopping is set; polls in 20 ms slices.
inline bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline,
                          const std::atomic<bool>& stopping) {
  while (!stopping) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(std::min<long long>(left.count(), 20)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
  return false;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace raw_detail

/// One request as read off the wire.
struct RawRequest {
  std::string method;
  std::string target;
  std::string head;  ///< Request line and header lines, CRLFs included, without the blank line.
  std::string body;

  /// The first header named @p name (case-insensitive); empty when absent.
  [[nodiscard]] std::string header(std::string_view name) const {
    std::string value;
    (void)find(name, value);
    return value;
  }

  /// Whether a header named @p name was sent (with any value, empty included).
  [[nodiscard]] bool has_header(std::string_view name) const {
    std::string ignored;
    return find(name, ignored);
  }

 private:
  bool find(std::string_view name, std::string& value) const {
    std::size_t start = head.find("\r\n");
    while (start != std::string::npos && start + 2 < head.size()) {
      start += 2;
      const std::size_t end = std::min(head.find("\r\n", start), head.size());
      const std::string_view line(head.data() + start, end - start);
      const std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && raw_detail::iequals(line.substr(0, colon), name)) {
        std::string_view text = line.substr(colon + 1);
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
          text.remove_prefix(1);
        value = std::string(text);
        return true;
      }
      start = end;
    }
    return false;
  }
};

/// One accepted connection, handed to the handler. Closed when the handler returns.
class RawConnection {
 public:
  RawConnection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection(RawConnection&&) = delete;
  RawConnection& operator=(RawConnection&&) = delete;
  ~RawConnection() { close(); }

  /// Reads one request (head, then a Content-Length body). False on EOF, error, timeout or stop.
  bool read_request(RawRequest& out,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t head_end = std::string::npos;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > 64 * 1024 || !read_some(deadline)) return false;
    }
    out = RawRequest{};
    out.head = buffer_.substr(0, head_end + 2);
    buffer_.erase(0, head_end + 4);
    const std::size_t first_space = out.head.find(' ');
    const std::size_t second_space = out.head.find(' ', first_space + 1);
    if (first_space == std::string::npos || second_space == std::string::npos) return false;
    out.method = out.head.substr(0, first_space);
    out.target = out.head.substr(first_space + 1, second_space - first_space - 1);
    const std::string length_text = out.header("Content-Length");
    const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    while (buffer_.size() < length) {
      if (!read_some(deadline)) return false;
    }
    out.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return true;
  }

  /// Writes all of @p data; false when the peer is gone.
  bool send_all(std::string_view data) {
    while (!data.empty() && fd_ >= 0) {
      const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return data.empty();
  }

  /// Reads and discards until the peer closes, the server stops, or @p limit passes.
  void wait_for_close(std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (read_some(deadline)) buffer_.clear();
  }

  /// Closes the connection (FIN). Idempotent.
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  /// Aborts the connection (RST instead of FIN).
  void reset() {
    if (fd_ >= 0) {
      linger option{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
    }
    close();
  }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || !raw_detail::wait_readable(fd_, deadline, stopping_)) return false;
    char chunk[4096];
    const ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  int fd_;
  const std::atomic<bool>& stopping_;
  std::string buffer_;
};

/// Accepts connections on 127.0.0.1 and runs @p handler for each on its own thread.
class RawTcpServer {
 public:
  using Handler = std::function<void(RawConnection&)>;

  explicit RawTcpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = raw_detail::listen_on_loopback(16, port_);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  RawTcpServer(const RawTcpServer&) = delete;
  RawTcpServer& operator=(const RawTcpServer&) = delete;
  RawTcpServer(RawTcpServer&&) = delete;
  RawTcpServer& operator=(RawTcpServer&&) = delete;
  ~RawTcpServer() { stop(); }

  /// Stops accepting, ends every handler's waits, joins all threads. Idempotent.
  void stop() {
    stopping_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> workers;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& worker : workers) worker.join();
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
  }

  [[nodiscard]] int port() const { return port_; }

  [[nodiscard]] std::string url(const std::string& path_and_query = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
  }

  /// Connections accepted so far.
  [[nodiscard]] std::size_t connection_count() const { return accepted_; }

 private:
  void accept_loop() {
    constexpr std::size_t kMaxConnections = 64;
    while (!stopping_) {
      const auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
      if (!raw_detail::wait_readable(listen_fd_, slice, stopping_)) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      if (accepted_ >= kMaxConnections) {
        ::close(fd);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ++accepted_;
      const std::lock_guard<std::mutex> lock(mutex_);
      workers_.emplace_back([this, fd] {
        RawConnection connection(fd, stopping_);
        handler_(connection);
      });
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
};

/// Listens on 127.0.0.1 with an accept queue of one, never accepts, and fills the queue: the
/// kernel then drops further SYNs, so a new connect attempt neither succeeds nor is refused.
class FullBacklogListener {
 public:
  FullBacklogListener() {
    listen_fd_ = raw_detail::listen_on_loopback(0, port_);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    for (int i = 0; i < 2; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
      fillers_.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the handshakes settle
  }
  FullBacklogListener(const FullBacklogListener&) = delete;
  FullBacklogListener& operator=(const FullBacklogListener&) = delete;
  FullBacklogListener(FullBacklogListener&&) = delete;
  FullBacklogListener& operator=(FullBacklogListener&&) = delete;
  ~FullBacklogListener() {
    for (const int fd : fillers_) ::close(fd);
    ::close(listen_fd_);
  }

  [[nodiscard]] int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

/// A loopback port with no listener (bound, then closed): connecting to it is refused.
inline int unused_port() {
  int port = 0;
  const int fd = raw_detail::listen_on_loopback(1, port);
  ::close(fd);
  return port;
}

}  // namespace impilo_test
