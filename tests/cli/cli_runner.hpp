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

/// Starts @p program with @p args, its stdout and stderr going to @p out and @p err (stdout to
/// `options.stdout_path` instead when set), stdin from @p in or /dev/null; returns its pid.
inline pid_t spawn_program(const std::string& program, const std::vector<std::string>& args,
                           const RunOptions& options, const detail::TempFile& out,
                           const detail::TempFile& err, const detail::TempFile* in) {
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
  if (in != nullptr) {
    posix_spawn_file_actions_addopen(&actions, 0, in->path().c_str(), O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (options.stdout_path) {
    posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path->c_str(), O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, out.fd(), 1);
  }
  posix_spawn_file_actions_adddup2(&actions, err.fd(), 2);

  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("posix_spawn " + program + ": " + std::strerror(spawned));
  }
  return pid;
}

/// Waits for @p pid until @p deadline, then kills it; returns its exit code (-signal when a
/// signal ended it).
inline int wait_program(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  int status = 0;
  for (;;) {
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

/// Runs @p program with @p args and waits for it.
inline RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                             const RunOptions& options = {}) {
  detail::TempFile out;
  detail::TempFile err;
  std::optional<detail::TempFile> in;
  if (options.stdin_text) {
    in.emplace();
    in->write_all(*options.stdin_text);
  }
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = spawn_program(program, args, options, out, err, in ? &*in : nullptr);
  RunResult result;
  result.exit_code = wait_program(pid, started + options.time_limit);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.out = out.read_all();
  result.err = err.read_all();
  return result;
}

/// A program left running while the test talks to it (a server such as `impilo webhooks listen`):
/// read its output so far, then signal it and collect the result. Killed on destruction if still
/// running.
class BackgroundProgram {
 public:
  BackgroundProgram(const std::string& program, const std::vector<std::string>& args,
                    const RunOptions& options = {})
      : options_(options), started_(std::chrono::steady_clock::now()) {
    pid_ = spawn_program(program, args, options_, out_, err_, nullptr);
  }
  BackgroundProgram(const BackgroundProgram&) = delete;
  BackgroundProgram& operator=(const BackgroundProgram&) = delete;
  ~BackgroundProgram() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  /// What the program wrote to stdout so far.
  [[nodiscard]] std::string out() const { return out_.read_all(); }
  /// What the program wrote to stderr so far.
  [[nodiscard]] std::string err() const { return err_.read_all(); }

  /// Waits until stdout holds at least @p lines complete lines (or the time limit passes) and
  /// returns stdout.
  std::string wait_for_lines(std::size_t lines) const {
    const auto deadline = std::chrono::steady_clock::now() + options_.time_limit;
    for (;;) {
      std::string text = out();
      if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines ||
          std::chrono::steady_clock::now() > deadline) {
        return text;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  /// Sends @p signal and waits for the program to end (killed after the time limit).
  RunResult stop(int signal = SIGTERM) {
    ::kill(pid_, signal);
    RunResult result;
    result.exit_code = wait_program(pid_, started_ + options_.time_limit);
    pid_ = -1;
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    result.out = out();
    result.err = err();
    return result;
  }

 private:
  RunOptions options_;
  detail::TempFile out_;
  detail::TempFile err_;
  std::chrono::steady_clock::time_point started_;
  pid_t pid_{-1};
};

}  // namespace impilo_cli_test
