#pragma once

// Runs the `impilo` binary as a child process with a controlled environment and captures its
// stdout, stderr and exit code (header-only, POSIX).
//
// * The child's environment is the test process's minus every `IMPILO_*` variable and every proxy
//   variable (libcurl would send 127.0.0.1 traffic through a proxy named there), plus what the
//   test sets (which replaces an inherited variable of the same name: `HOME`).
// * stdout and stderr go to temporary files (no pipe can fill up and deadlock); stdin comes from a
//   temporary file holding the given text, or from /dev/null.
// * A child still running after the time limit is killed, and reported as exit code -SIGKILL.
// * With `stderr_terminal`, the child's stderr is a pseudo-terminal (so that isatty(2) holds), read
//   back with the terminal's "\r\n" turned into "\n".

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
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

/// The child's environment: the test process's minus `IMPILO_*` and proxy variables, plus @p env
/// (whose names replace inherited ones: getenv would find the inherited one first).
inline std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const bool replaced = std::any_of(env.begin(), env.end(), [&entry](const auto& set) {
      return detail::starts_with(entry, (set.first + "=").c_str());
    });
    if (!replaced && !detail::removed_from_child_env(entry)) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  return env_strings;
}

/// Waits for child @p pid, killing it with SIGKILL at @p deadline; its exit code, or -signal.
/// Waits for @p pid until @p deadline (then kills it), calling @p on_tick while it runs; the exit
/// code, or minus the signal that ended it.
inline int wait_child(pid_t pid, std::chrono::steady_clock::time_point deadline,
                      const std::function<void()>& on_tick = {}) {
  int status = 0;
  for (;;) {
    if (on_tick) on_tick();
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/// Where a child's standard streams go.
struct Redirects {
  std::string stdin_path{"/dev/null"};
  std::optional<std::string> stdout_path;  ///< opened for writing; else `stdout_fd`
  int stdout_fd{-1};
  int stderr_fd{-1};
  std::optional<std::string> stderr_terminal;  ///< a pseudo-terminal's slave path; else `stderr_fd`
};

/// Starts @p program with @p args and the environment of `child_environment(env)`; its pid.
inline pid_t spawn_program(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           const Redirects& redirects) {
  std::vector<std::string> env_strings = child_environment(env);
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
  posix_spawn_file_actions_addopen(&actions, 0, redirects.stdin_path.c_str(), O_RDONLY, 0);
  if (redirects.stdout_path) {
    posix_spawn_file_actions_addopen(&actions, 1, redirects.stdout_path->c_str(), O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, redirects.stdout_fd, 1);
  }
  if (redirects.stderr_terminal) {
    posix_spawn_file_actions_addopen(&actions, 2, redirects.stderr_terminal->c_str(),
                                     O_RDWR | O_NOCTTY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, redirects.stderr_fd, 2);
  }
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("posix_spawn " + program + ": " + std::strerror(spawned));
  }
  return pid;
}

/// A long-running child (`impilo mock`, `impilo webhooks listen`): started at construction,
/// stopped with SIGTERM by `stop()` or the destructor (SIGKILL after 10 s).
class BackgroundProgram {
 public:
  BackgroundProgram(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::pair<std::string, std::string>>& env = {})
      : pid_(spawn_program(program, args, env,
                           Redirects{"/dev/null", {}, out_.fd(), err_.fd(), std::nullopt})) {}
  /// The same, with the environment additions of @p options (its other members are not used).
  BackgroundProgram(const std::string& program, const std::vector<std::string>& args,
                    const RunOptions& options)
      : BackgroundProgram(program, args, options.env) {}
  BackgroundProgram(const BackgroundProgram&) = delete;
  BackgroundProgram& operator=(const BackgroundProgram&) = delete;
  ~BackgroundProgram() {
    try {
      stop();
    } catch (...) {  // a destructor must not throw; the child is gone either way
    }
  }

  /// The URL of its first stdout line `listening on URL`, waiting up to 10 s; empty when the
  /// line does not come.
  std::string listening_url() {
    const std::string prefix = "listening on ";
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < limit) {
      const std::string text = out_.read_all();
      const auto line_end = text.find('\n');
      if (line_end != std::string::npos) {
        if (text.rfind(prefix, 0) != 0) return {};
        return text.substr(prefix.size(), line_end - prefix.size());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }

  /// Waits until stdout has at least @p lines lines (or @p limit passes); stdout so far.
  std::string wait_for_lines(std::size_t lines,
                             std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      std::string text = out_.read_all();
      std::size_t count = 0;
      for (const char c : text) count += c == '\n' ? 1 : 0;
      if (count >= lines || std::chrono::steady_clock::now() >= until) return text;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /// Sends @p signal and waits: the exit code (-signal when killed after 10 s). Repeated calls
  /// give the first one.
  int stop(int signal = SIGTERM) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, signal);
    exit_code_ = wait_child(pid_, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    pid_ = -1;
    return exit_code_;
  }

  /// `stop(signal)`, then everything the program wrote.
  RunResult stop_and_collect(int signal = SIGTERM) {
    RunResult result;
    result.exit_code = stop(signal);
    result.out = out();
    result.err = err();
    return result;
  }

  [[nodiscard]] std::string out() const { return out_.read_all(); }
  [[nodiscard]] std::string err() const { return err_.read_all(); }

 private:
  detail::TempFile out_;
  detail::TempFile err_;
  pid_t pid_;
  int exit_code_{-1};
};

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
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = spawn_program(
      program, args, options.env,
      Redirects{in ? in->path() : std::string("/dev/null"), options.stdout_path, out.fd(), err.fd(),
                terminal ? std::optional<std::string>(terminal->slave_path()) : std::nullopt});

  RunResult result;
  result.exit_code = wait_child(pid, started + options.time_limit, [&terminal] {
    if (terminal) terminal->drain();
  });
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
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
