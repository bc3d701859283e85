// The journal of `impilo orders create --once` (journal.hpp): a small RAII layer over sqlite3
// (handles closed, statements finalized, transactions rolled back unless committed, every SQLite
// failure a `JournalError` that names the file), the schema, and the claims.

#include "journal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace impilo::cli {

namespace {

/// `PRAGMA application_id` of a journal ("Impj"): what tells our file from any other database.
constexpr std::int64_t application_id = 0x496D706A;
/// `PRAGMA user_version`: the format of the schema below. A new column or table is a new version.
constexpr std::int64_t format_version = 1;

constexpr const char* schema =
    "CREATE TABLE entries ("
    " external_id TEXT NOT NULL PRIMARY KEY,"
    " ticket TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " order_id INTEGER,"
    " order_json TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " sent_at_ms INTEGER,"
    " wait_after_send_ms INTEGER NOT NULL DEFAULT 0,"
    " claim_pid INTEGER,"
    " claim_start TEXT);";

constexpr const char* entry_columns =
    "SELECT external_id, ticket, state, order_id, order_json, created_at, sent_at_ms,"
    " wait_after_send_ms, claim_pid, claim_start FROM entries";

std::string errno_text() {
  return std::strerror(errno);
}

/// `2024-05-01T09:30:00.125Z`.
std::string iso_utc(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[80];  // room for any int the format could see
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return text;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// This boot's random id; empty where /proc does not have it.
std::string boot_id() {
  static const std::string id = read_first_line("/proc/sys/kernel/random/boot_id");
  return id;
}

/// State letter and start time (clock ticks since boot) of @p pid, from /proc/PID/stat.
struct ProcStat {
  char state{'?'};
  std::string start_ticks;
};

std::optional<ProcStat> read_proc_stat(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last
  // `)`. The start time is field 22, the 20th after the comm.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> fields;
  std::size_t at = close + 1;
  while (at < text.size()) {
    while (at < text.size() && text[at] == ' ') ++at;
    const auto end = std::min(text.find(' ', at), text.size());
    if (end > at) fields.push_back(text.substr(at, end - at));
    at = end;
  }
  if (fields.size() < 20 || fields[0].empty()) return std::nullopt;
  return ProcStat{fields[0][0], fields[19]};
}

/// Creates the folders of @p folder that are missing, each 0700 (the journal holds patient data).
void make_folders(const std::string& folder) {
  struct stat st {};
  if (folder.empty() || ::stat(folder.c_str(), &st) == 0) return;
  for (std::size_t slash = folder.find('/', 1);; slash = folder.find('/', slash + 1)) {
    const std::string prefix = folder.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      throw JournalError("cannot create the folder " + prefix +
                         " for the journal: " + errno_text());
    }
    if (slash == std::string::npos) return;
  }
}

/// fsync of a folder, so that a file just created in it survives a power cut. Best effort.
void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// A folder, a device (/dev/null would swallow every commit) or a pipe is no journal.
void require_regular_file(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {
    throw JournalError(path + " is not an impilo journal (not a regular file)");
  }
}

/// Creates the journal file (mode 0600) and its folders when @p path does not exist. Whatever
/// exists is left as it is: opening it tells whether it is a journal.
void create_if_missing(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    require_regular_file(path, st);
    return;
  }
  if (errno != ENOENT) throw JournalError("cannot use the journal " + path + ": " + errno_text());
  const auto slash = path.rfind('/');
  const std::string folder =
      slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
  make_folders(folder);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;  // another process was first
    throw JournalError("cannot create the journal " + path + ": " + errno_text());
  }
  ::fchmod(fd, 0600);  // whatever the umask took away
  ::fsync(fd);
  ::close(fd);
  sync_folder(folder);
}

}  // namespace

// ---- The connection ------------------------------------------------------------------------

struct JournalConnection {
  std::string path;
  Journal::Options options;
  sqlite3* db{nullptr};
  bool has_schema{false};  // false for an empty file opened for reading

  JournalConnection(std::string p, Journal::Options o) : path(std::move(p)), options(o) {}
  JournalConnection(const JournalConnection&) = delete;
  JournalConnection& operator=(const JournalConnection&) = delete;
  ~JournalConnection() {
    sqlite3_close_v2(db);
  }  // finalizes nothing: every Statement is gone by now

  /// What SQLite's failure @p code means for the user, naming the file.
  [[nodiscard]] std::string describe(int code) const {
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    switch (code & 0xFF) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return "the journal " + path + " is locked by another process (waited " +
               std::to_string(options.busy_timeout.count()) + " ms)";
      case SQLITE_NOTADB:
        return path + " is not an impilo journal (not an SQLite database)";
      case SQLITE_READONLY:
        return "the journal " + path + " cannot be written (" + detail + ")";
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
      case SQLITE_AUTH:
        return "cannot open the journal " + path + " (" + detail + "; is its folder read-only?)";
      case SQLITE_CORRUPT:
        return "the journal " + path + " is damaged (" + detail + ")";
      case SQLITE_FULL:
        return "the journal " + path + " cannot grow: the disk is full";
      default:
        return "the journal " + path + ": " + detail;
    }
  }

  [[noreturn]] void fail(int code) const { throw JournalError(describe(code)); }

  void exec(const char* sql) const {
    const int code = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (code != SQLITE_OK) fail(code);
  }
};

namespace {

/// One prepared statement, finalized on destruction.
class Statement {
 public:
  Statement(const JournalConnection& impl, const char* sql) : impl_(impl) {
    const int code = sqlite3_prepare_v2(impl.db, sql, -1, &stmt_, nullptr);
    if (code != SQLITE_OK) impl_.fail(code);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& bind(int index, std::string_view text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind(int index, const std::optional<std::int64_t>& value) {
    check(value ? sqlite3_bind_int64(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
    return *this;
  }

  /// True while a row is there.
  bool step() {
    const int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    impl_.fail(code);
  }
  /// Runs a statement that returns no row; the number of rows it changed.
  int run() {
    while (step()) {
    }
    return sqlite3_changes(impl_.db);
  }

  [[nodiscard]] std::int64_t integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
  }
  [[nodiscard]] std::optional<std::int64_t> optional_integer(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
    return integer(column);
  }
  [[nodiscard]] std::string text(int column) const {
    const auto* bytes = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return bytes == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
  }

 private:
  void check(int code) const {
    if (code != SQLITE_OK) impl_.fail(code);
  }

  const JournalConnection& impl_;
  sqlite3_stmt* stmt_{nullptr};
};

/// `BEGIN IMMEDIATE` (the write lock, waiting up to the busy timeout), rolled back unless
/// committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(const JournalConnection& impl) : impl_(impl) {
    impl_.exec("BEGIN IMMEDIATE");
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction() {
    if (!done_) sqlite3_exec(impl_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    impl_.exec("COMMIT");
    done_ = true;
  }

 private:
  const JournalConnection& impl_;
  bool done_{false};
};

std::int64_t pragma_integer(const JournalConnection& impl, const char* sql) {
  Statement statement(impl, sql);
  return statement.step() ? statement.integer(0) : 0;
}

std::string pragma_text(const JournalConnection& impl, const char* sql) {
  Statement statement(impl, sql);
  return statement.step() ? statement.text(0) : std::string();
}

/// Switches a new journal to WAL, once per file (the mode is kept in it). The switch needs the
/// file alone, and SQLite answers BUSY at once rather than call the busy handler when other
/// processes look at a journal being created: so the busy timeout is waited out here.
void use_wal(const JournalConnection& impl) {
  const auto deadline = std::chrono::steady_clock::now() + impl.options.busy_timeout;
  for (;;) {
    if (pragma_text(impl, "PRAGMA journal_mode") == "wal") return;
    sqlite3_stmt* raw = nullptr;
    int code = sqlite3_prepare_v2(impl.db, "PRAGMA journal_mode = WAL", -1, &raw, nullptr);
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, &sqlite3_finalize);
    if (code == SQLITE_OK) code = sqlite3_step(raw);
    if (code == SQLITE_ROW) {
      const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
      if (mode != nullptr && std::string_view(mode) == "wal") return;
      throw JournalError("the journal " + impl.path + " cannot be switched to WAL mode");
    }
    if ((code & 0xFF) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      impl.fail(code);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

/// What the open file is.
enum class Content { journal, empty, other };

/// Reads only the header and the schema list: a file that is not ours is never changed.
/// @throws JournalError for a journal of another format version.
Content inspect(const JournalConnection& impl) {
  const std::int64_t app = pragma_integer(impl, "PRAGMA application_id");
  const std::int64_t version = pragma_integer(impl, "PRAGMA user_version");
  if (app == application_id) {
    if (version != format_version) {
      throw JournalError(impl.path + " is an impilo journal of format version " +
                         std::to_string(version) + "; this impilo reads version " +
                         std::to_string(format_version));
    }
    return Content::journal;
  }
  const std::int64_t objects = pragma_integer(impl, "SELECT count(*) FROM sqlite_master");
  return app == 0 && version == 0 && objects == 0 ? Content::empty : Content::other;
}

/// `inspect` in one read transaction: its three reads see one state of the file, never the
/// tables of another process's new journal without the marks committed with them.
Content inspect_alone(const JournalConnection& impl) {
  impl.exec("BEGIN");
  try {
    const Content content = inspect(impl);
    impl.exec("COMMIT");
    return content;
  } catch (...) {
    sqlite3_exec(impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

[[noreturn]] void not_a_journal(const JournalConnection& impl) {
  throw JournalError(impl.path +
                     " is not an impilo journal (an SQLite database of something else): pass "
                     "--journal with another file");
}

std::unique_ptr<JournalConnection> connect(const std::string& path, Journal::Options options,
                                           bool read_only) {
  auto impl = std::make_unique<JournalConnection>(path, options);
  // Read-write even for reading: a WAL reader may have to recover the shared-memory index.
  const int code = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE, nullptr);
  if (code != SQLITE_OK) impl->fail(code);
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(
      impl->db, static_cast<int>(std::min<std::int64_t>(options.busy_timeout.count(), INT_MAX)));
  // The file may come from anywhere: no triggers or views of its own run with our rights.
  sqlite3_db_config(impl->db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(impl->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  if (read_only) {
    impl->exec("PRAGMA query_only = 1");
  } else if (sqlite3_db_readonly(impl->db, "main") == 1) {
    throw JournalError("the journal " + path + " cannot be written (the file is read-only)");
  }
  return impl;
}

JournalEntry read_entry(const Statement& row) {
  JournalEntry entry;
  entry.external_id = row.text(0);
  entry.ticket = row.text(1);
  entry.state = row.text(2);
  entry.order_id = row.optional_integer(3);
  entry.order_json = row.text(4);
  entry.created_at = row.text(5);
  entry.sent_at_ms = row.optional_integer(6);
  entry.wait_after_send_ms = row.integer(7);
  if (const auto pid = row.optional_integer(8)) {
    entry.claimed_by = ProcessIdentity{*pid, row.text(9)};
  }
  return entry;
}

std::optional<JournalEntry> find_entry(const JournalConnection& impl,
                                       const std::string& external_id) {
  Statement select(impl, (std::string(entry_columns) + " WHERE external_id = ?").c_str());
  select.bind(1, external_id);
  if (!select.step()) return std::nullopt;
  return read_entry(select);
}

}  // namespace

// ---- Processes -----------------------------------------------------------------------------

ProcessIdentity ProcessIdentity::self() {
  ProcessIdentity me;
  me.pid = ::getpid();
  const std::string boot = boot_id();
  if (const auto stat = read_proc_stat(me.pid); stat && !boot.empty()) {
    me.start = boot + "/" + stat->start_ticks;
  }
  return me;
}

bool ProcessIdentity::is_running() const {
  if (pid <= 0 || pid > INT_MAX) return false;
  const std::string boot = boot_id();
  const auto slash = start.find('/');
  if (!boot.empty() && slash != std::string::npos && start.substr(0, slash) != boot) {
    return false;  // a claim from before a reboot
  }
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const auto stat = read_proc_stat(pid);
  if (!stat) return true;  // it exists, and /proc does not say more
  if (stat->state == 'Z' || stat->state == 'X') return false;
  return start.empty() || slash == std::string::npos ||
         start.substr(slash + 1) == stat->start_ticks;
}

// ---- The journal ---------------------------------------------------------------------------

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Journal::default_path() {
  // The XDG base directory rules: a variable that is unset, empty or relative is ignored.
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && state[0] == '/') return std::string(state) + "/impilo/journal.sqlite";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') {
    return std::string(home) + "/.local/state/impilo/journal.sqlite";
  }
  throw JournalError(
      "no journal path: pass --journal PATH, or set XDG_STATE_HOME or HOME to an absolute path");
}

Journal::Journal(std::unique_ptr<JournalConnection> impl) : impl_(std::move(impl)) {}
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;
Journal::~Journal() = default;

const std::string& Journal::path() const noexcept {
  return impl_->path;
}

Journal Journal::open(const std::string& path, Options options) {
  create_if_missing(path);
  std::unique_ptr<JournalConnection> impl = connect(path, options, false);
  if (inspect_alone(*impl) == Content::other) not_a_journal(*impl);
  // WAL: readers never wait for the writer, and a commit is one append. The mode is kept in the
  // file; setting it needs a moment alone with it, hence the busy timeout.
  use_wal(*impl);
  // FULL: each commit is on disk before it returns, so the ticket is there before the POST.
  impl->exec("PRAGMA synchronous = FULL");
  WriteTransaction transaction(*impl);
  const Content content = inspect(*impl);  // again, under the lock: another process may be first
  if (content == Content::other) not_a_journal(*impl);
  if (content == Content::empty) {
    impl->exec(schema);
    // The marks `inspect` reads, in the same transaction as the tables.
    impl->exec(("PRAGMA application_id = " + std::to_string(application_id) +
                "; PRAGMA user_version = " + std::to_string(format_version))
                   .c_str());
  }
  transaction.commit();
  impl->has_schema = true;
  return Journal(std::move(impl));
}

std::optional<Journal> Journal::open_existing(const std::string& path, Options options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw JournalError("cannot use the journal " + path + ": " + errno_text());
  }
  require_regular_file(path, st);
  std::unique_ptr<JournalConnection> impl = connect(path, options, true);
  const Content content = inspect_alone(*impl);
  if (content == Content::other) not_a_journal(*impl);
  impl->has_schema = content == Content::journal;
  return Journal(std::move(impl));
}

std::optional<JournalEntry> Journal::find(const std::string& external_id) {
  if (!impl_->has_schema) return std::nullopt;
  return find_entry(*impl_, external_id);
}

std::vector<JournalEntry> Journal::pending() {
  std::vector<JournalEntry> entries;
  if (!impl_->has_schema) return entries;
  Statement select(*impl_, (std::string(entry_columns) +
                            " WHERE state <> 'placed' ORDER BY created_at, external_id")
                               .c_str());
  while (select.step()) entries.push_back(read_entry(select));
  return entries;
}

void Journal::add(const std::string& external_id, const std::string& ticket) {
  const std::string now = iso_utc(unix_now_ms());
  WriteTransaction transaction(*impl_);
  Statement insert(*impl_,
                   "INSERT OR IGNORE INTO entries (external_id, ticket, state, created_at, "
                   "updated_at) VALUES (?, ?, 'prepared', ?, ?)");
  insert.bind(1, external_id).bind(2, ticket).bind(3, now).bind(4, now).run();
  transaction.commit();
}

Journal::Claim Journal::claim(const std::string& external_id, const ProcessIdentity& self) {
  WriteTransaction transaction(*impl_);
  std::optional<JournalEntry> entry = find_entry(*impl_, external_id);
  if (!entry) {
    throw JournalError("the journal " + impl_->path + " has no entry for external id " +
                       external_id);
  }
  Claim claim{Claim::Outcome::claimed, *entry};
  if (entry->state == entry_state::placed) {
    claim.outcome = Claim::Outcome::placed;
  } else if (entry->claimed_by && *entry->claimed_by != self && entry->claimed_by->is_running()) {
    claim.outcome = Claim::Outcome::busy;
  } else {
    Statement update(*impl_,
                     "UPDATE entries SET claim_pid = ?, claim_start = ?, updated_at = ? "
                     "WHERE external_id = ?");
    update.bind(1, self.pid).bind(2, self.start).bind(3, iso_utc(unix_now_ms()));
    update.bind(4, external_id).run();
    claim.entry.claimed_by = self;
  }
  transaction.commit();
  return claim;
}

void Journal::record_send(const std::string& external_id, const ProcessIdentity& self,
                          std::int64_t sent_at_ms, std::int64_t wait_after_send_ms) {
  WriteTransaction transaction(*impl_);
  Statement update(*impl_,
                   "UPDATE entries SET state = 'sending', sent_at_ms = ?,"
                   " wait_after_send_ms = ?, updated_at = ?"
                   " WHERE external_id = ? AND claim_pid = ? AND claim_start = ?");
  update.bind(1, sent_at_ms).bind(2, wait_after_send_ms).bind(3, iso_utc(sent_at_ms));
  update.bind(4, external_id).bind(5, self.pid).bind(6, self.start);
  if (update.run() != 1) {
    throw JournalError("this process no longer holds the journal's claim on external id " +
                       external_id + "; not sending it");
  }
  transaction.commit();
}

void Journal::record_placed(const std::string& external_id, const ProcessIdentity& self,
                            std::optional<std::int64_t> order_id, const std::string& order_json) {
  (void)self;  // recorded whoever holds the claim: the order exists either way
  WriteTransaction transaction(*impl_);
  Statement update(*impl_,
                   "UPDATE entries SET state = 'placed', order_id = ?, order_json = ?,"
                   " updated_at = ?, claim_pid = NULL, claim_start = NULL WHERE external_id = ?");
  update.bind(1, order_id).bind(2, order_json).bind(3, iso_utc(unix_now_ms()));
  update.bind(4, external_id).run();
  transaction.commit();
}

void Journal::release(const std::string& external_id, const ProcessIdentity& self,
                      std::optional<std::string_view> state) {
  WriteTransaction transaction(*impl_);
  Statement update(*impl_,
                   "UPDATE entries SET state = coalesce(?, state), updated_at = ?,"
                   " claim_pid = NULL, claim_start = NULL"
                   " WHERE external_id = ? AND claim_pid = ? AND claim_start = ?"
                   " AND state <> 'placed'");
  if (state) {
    update.bind(1, *state);
  } else {
    update.bind(1, std::optional<std::int64_t>());
  }
  update.bind(2, iso_utc(unix_now_ms())).bind(3, external_id).bind(4, self.pid);
  update.bind(5, self.start).run();
  transaction.commit();
}

}  // namespace impilo::cli
