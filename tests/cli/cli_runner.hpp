#pragma once

// Runs the `impilo` binary as a child process with a controlled environment and captures its
// stdout, stderr and exit code (header-only, POSIX).
//
// * The child's environment is the test process's minus every `IMPILO_*` variable and every proxy
//   variable (libcurl would send 127.0.0.1 traffic through a proxy named there), plus what the
//   test sets.
// * stdout and stderr go to temporary files (no pipe can fill up and deadlock); stdin comes from a
//   temporary file holding the given text, or from /dev/null.
// * A child still running after the time limit is killed, and reported as exit code -SIGKILL.
// * With `stderr_terminal`, the child's stderr is a pseudo-terminal (so that isatty(2) holds), read
//   back with the terminal's "\r\n" turned into "\n".

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace impilo_cli_test {

struct RunOptions {
  /// Variables set for the child (after every IMPILO_* variable was removed).
  std::vector<std::pair<std::string, std::string>> env;
  /// The child's stdin; /dev/null when absent.
  std::optional<std::string> stdin_text;
  /// A file to write the child's stdout to instead of capturing it (such as /dev/full).
  std::optional<std::string> stdout_path;
  /// Killed after this long.
  std::chrono::milliseconds time_limit{20000};
  /// Give the child a pseudo-terminal as stderr instead of a file.
  bool stderr_terminal{false};
};

struct RunResult {
  int exit_code{-1};
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

namespace detail {

/// A temporary file, removed on destruction. The descriptor is close-on-exec; dup2 in the child
/// gives the copy it needs.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/impilo-cli-XXXXXX";
    fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("mkostemp failed: " + std::string(std::strerror(errno)));
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }

  void write_all(const std::string& text) const { std::ofstream(path_, std::ios::binary) << text; }
  [[nodiscard]] std::string read_all() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
  int fd_{-1};
};

/// The master side of a pseudo-terminal, non-blocking; the child opens `slave_path()`.
class PseudoTerminal {
 public:
  PseudoTerminal() {
    fd_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0 || ::grantpt(fd_) != 0 || ::unlockpt(fd_) != 0 || ::ptsname(fd_) == nullptr) {
      throw std::runtime_error("no pseudo-terminal: " + std::string(std::strerror(errno)));
    }
    slave_path_ = ::ptsname(fd_);
    // Held open here too, so that the child's exit does not hang up the terminal and discard
    // what it wrote but we have not read yet.
    slave_fd_ = ::open(slave_path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave_fd_ < 0) throw std::runtime_error("cannot open " + slave_path_);
  }
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;
  ~PseudoTerminal() {
    ::close(slave_fd_);
    ::close(fd_);
  }

  [[nodiscard]] const std::string& slave_path() const { return slave_path_; }

  /// Everything written so far (call while the child runs: a full terminal buffer would block it).
  void drain() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) return;  // EAGAIN: nothing more now; EIO: the child closed its side
      for (ssize_t i = 0; i < n; ++i) {
        if (buffer[i] != '\r') text_ += buffer[i];
      }
    }
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  int fd_{-1};
  int slave_fd_{-1};
  std::string slave_path_;
  std::string text_;
};

inline bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

inline bool removed_from_child_env(const std::string& entry) {
  static const char* const proxies[] = {"http_proxy=", "https_proxy=", "all_proxy=", "no_proxy=",
                                        "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=", "NO_PROXY="};
  if (starts_with(entry, "IMPILO_")) return true;
  for (const char* proxy : proxies) {
    if (starts_with(entry, proxy)) return true;
  }
  return false;
}

}  // namespace detail

/// Runs @p program with @p args and waits for it.
inline RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                             const RunOptions& options = {}) {
  detail::TempFile out;
  detail::TempFile err;
  std::optional<detail::TempFile> in;
  std::optional<detail::PseudoTerminal> terminal;
  if (options.stderr_terminal) terminal.emplace();
  if (options.stdin_text) {
    in.emplace();
    in->write_all(*options.stdin_text);
  }

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!detail::removed_from_child_env(*e)) env_strings.emplace_back(*e);
  }
  for (const auto& [name, value] : options.env) env_strings.push_back(name + "=" + value);

  std::vector<char*> argv;
  std::string program_copy = program;
  argv.push_back(program_copy.data());
  std::vector<std::string> arg_copies = args;
  for (std::string& a : arg_copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in) {
    posix_spawn_file_actions_addopen(&actions, 0, in->path().c_str(), O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (options.stdout_path) {
    posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path->c_str(), O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, out.fd(), 1);
  }
  if (terminal) {
    posix_spawn_file_actions_addopen(&actions, 2, terminal->slave_path().c_str(), O_RDWR | O_NOCTTY,
                                     0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, err.fd(), 2);
  }

  const auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("posix_spawn " + program + ": " + std::strerror(spawned));
  }

  RunResult result;
  int status = 0;
  for (;;) {
    if (terminal) terminal->drain();
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() - started > options.time_limit) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  result.out = out.read_all();
  result.err = err.read_all();
  if (terminal) {
    terminal->drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the terminal's own buffering
    terminal->drain();
    result.err = terminal->text();
  }
  return result;
}

}  // namespace impilo_cli_test
