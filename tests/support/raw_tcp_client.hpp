#pragma once

// A raw TCP client on 127.0.0.1 for tests that speak malformed or hostile HTTP to a server
// (header-only, POSIX sockets): write any bytes, read what comes back with a deadline, and tell
// an answer from a closed connection. Writes use MSG_NOSIGNAL (no SIGPIPE).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace impilo_test {

/// One TCP connection to 127.0.0.1:port; closed by the destructor.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("raw client: socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      throw std::runtime_error("raw client: cannot connect to 127.0.0.1:" + std::to_string(port));
    }
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  /// Writes all of @p bytes; false when the peer has closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  /// True when bytes (or an end of stream) can be read now.
  bool readable(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) const {
    pollfd entry{fd_, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(wait.count())) > 0;
  }

  /// Reads until the server closes the connection (or resets it) or @p limit passes; `closed()`
  /// then says which.
  std::string read_until_closed(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::string received;
    char buffer[16384];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !readable(left)) return received;
      const ssize_t count = ::recv(fd_, buffer, sizeof buffer, 0);
      if (count < 0 && errno == EINTR) continue;
      if (count <= 0) {
        closed_ = true;
        return received;
      }
      received.append(buffer, static_cast<std::size_t>(count));
    }
  }

  /// The server closed (or reset) the connection during the last `read_until_closed()`.
  [[nodiscard]] bool closed() const { return closed_; }

 private:
  int fd_{-1};
  bool closed_{false};
};

/// The status code of the first HTTP response in @p bytes, or 0.
inline int first_status(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(0, 5) != "HTTP/") return 0;
  const auto space = bytes.find(' ');
  if (space == std::string_view::npos || space + 4 > bytes.size()) return 0;
  return std::stoi(std::string(bytes.substr(space + 1, 3)));
}

/// How many HTTP responses @p bytes hold (status lines at the start of a line).
inline std::size_t response_count(std::string_view bytes) {
  std::size_t count = bytes.substr(0, 5) == "HTTP/" ? 1 : 0;
  for (std::size_t at = bytes.find("\nHTTP/1."); at != std::string_view::npos;
       at = bytes.find("\nHTTP/1.", at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace impilo_test
