// The transactional outbox: a clinic back end that ships each device request exactly once, whatever
// crashes (docs/retries.md, "Tickets and the transactional outbox").
//
// Intake records a device request in the clinic's own table and, in the same SQLite transaction,
// the order's ticket (`Client::prepare_order`) in an `outbox` table: there is never a request
// without its ticket, nor a ticket without its request. A worker then places every pending ticket
// (`Client::place_order`) and marks it placed. The worker is at-least-once: a crash between
// place_order and the mark makes the next run place the ticket again. The order is exactly-once:
// that second place_order finds the order the first one placed and sends nothing.
//
//   outbox [OPTION...] DB intake REQUEST_ID PATIENT_ID ITEM_ID [QUANTITY]
//   outbox [OPTION...] DB worker [--passes N] [--crash-after-place]
//   outbox [OPTION...] DB status
//
// DB is an SQLite file (created when missing). IMPILO_BASE_URL and IMPILO_API_KEY name the API;
// try it against `impilo mock --commit-then-drop 2`, which places the next two orders and then
// drops their answers, as a cut connection would (examples/outbox-demo.sh, ctest example.outbox).
// `--crash-after-place` exits right after the first place_order returns, before the row is marked
// placed: the crash this pattern is for. Run one worker at a time per DB (a lock file enforces it).
// The options `--settle-delay-ms N` and `--overall-timeout-ms N` shorten the client's waits for
// tests against the simulator; a real deployment keeps the defaults.
//
// Exit status: 0 done (worker: nothing is pending), 1 error, 2 worker: rows are still pending or
// another worker holds the lock (run it again later), 75 the simulated crash.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <impilo/impilo.hpp>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// The clinic's own prefix: external ids read "clinic-42-req-7" for its device request 7, so an
// order can always be traced back to the record it came from.
constexpr std::string_view external_id_prefix = "clinic-42-req-";

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS device_requests (
  id           INTEGER PRIMARY KEY,  -- the clinic's request number
  patient_id   INTEGER NOT NULL,
  item_id      INTEGER NOT NULL,
  quantity     INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,     -- ms since 1970
  order_id     INTEGER               -- the Impilo order, once placed
);
CREATE TABLE IF NOT EXISTS outbox (
  external_id  TEXT PRIMARY KEY,
  request_id   INTEGER NOT NULL UNIQUE REFERENCES device_requests (id),
  ticket       TEXT NOT NULL,        -- CreateTicket::to_string(): holds patient data
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'placed', 'failed')),
  order_id     INTEGER,
  created_at   INTEGER NOT NULL,     -- ms since 1970
  attempted_at INTEGER,              -- ms since 1970, stamped before each place_order
  last_error   TEXT
);
)";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- A thin SQLite wrapper -----------------------------------------------------------------------

class Database {
 public:
  explicit Database(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);  // intake and worker may write at the same moment
    exec("PRAGMA foreign_keys = ON");
    exec(schema);
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) = delete;
  Database& operator=(Database&&) = delete;

  void exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw std::runtime_error("SQLite: " + message);
    }
  }
  [[nodiscard]] sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Database& db, const char* sql) : db_(db.handle()) {
    if (sqlite3_prepare_v2(db_, sql, -1, &statement_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) fail();
    return *this;
  }
  Statement& bind(int index, const std::string& value) {
    if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
      fail();
    }
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int status = sqlite3_step(statement_);
    if (status == SQLITE_ROW) return true;
    if (status != SQLITE_DONE) fail();
    return false;
  }
  [[nodiscard]] std::optional<std::int64_t> integer(int column) const {
    if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_int64(statement_, column);
  }
  [[nodiscard]] std::string text(int column) const {
    const unsigned char* value = sqlite3_column_text(statement_, column);
    return value != nullptr ? reinterpret_cast<const char*>(value) : "";
  }

 private:
  [[noreturn]] void fail() const {
    throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when left without commit() (an exception).
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (const std::exception&) {
        // The transaction is gone with the connection anyway.
      }
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction(Transaction&&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

// --- Intake: the clinic's record and its ticket, in one transaction
// -------------------------------

int intake(Database& db, const impilo::Client& client, std::int64_t request_id,
           std::int64_t patient_id, std::int64_t item_id, std::int64_t quantity) {
  const std::string external_id = std::string(external_id_prefix) + std::to_string(request_id);
  impilo::CreateOrderRequest request;
  request.patient = impilo::Patient::with_id(patient_id);
  request.order_items = {impilo::OrderItem::of(item_id, quantity)};
  request.shipping_option = impilo::ShippingOptionValue::standard;
  request.external_order_ids = std::vector<std::string>{external_id};

  // Validates the request and notes the newest order (1 or 2 GETs); sends no order. Done before
  // the transaction so that no lock is held over the network. If the transaction then fails (the
  // request number is taken), the ticket is simply dropped: nothing was placed.
  const impilo::CreateTicket ticket = client.prepare_order(request);

  const std::int64_t now = now_ms();
  Transaction transaction(db);
  Statement(db,
            "INSERT INTO device_requests (id, patient_id, item_id, quantity, requested_at) "
            "VALUES (?, ?, ?, ?, ?)")
      .bind(1, request_id)
      .bind(2, patient_id)
      .bind(3, item_id)
      .bind(4, quantity)
      .bind(5, now)
      .step();
  Statement(db,
            "INSERT INTO outbox (external_id, request_id, ticket, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, ticket.external_id())
      .bind(2, request_id)
      .bind(3, ticket.to_string())
      .bind(4, now)
      .step();
  transaction.commit();
  std::cout << "intake: request " << request_id << " recorded, ticket " << ticket.external_id()
            << " pending\n";
  return 0;
}

// --- Worker: place every pending ticket
// -----------------------------------------------------------

// How long a pending row is left alone after its attempted_at. A place_order call must come at
// least a settle window (settle_delay * (2^settle_lookups - 1)) after the last send of an earlier
// call that may have crashed, and attempted_at is stamped *before* that call: it looks the order
// up, then sends up to 1 + max_retries times, each send bounded by overall_timeout and followed by
// a settle window of lookups. This covers all of it: about 9 minutes with the default options. A
// row waits only after a crash or an error that left it pending; nothing else is slowed down.
std::chrono::milliseconds retry_wait(const impilo::ClientOptions& options) {
  const std::chrono::milliseconds settle_window =
      options.settle_delay * ((std::int64_t{1} << options.settle_lookups) - 1);
  const std::chrono::milliseconds per_call =
      options.overall_timeout.count() > 0 ? options.overall_timeout
                                          : std::chrono::milliseconds(std::chrono::minutes(10));
  return (options.max_retries + 2) * (per_call + settle_window);
}

// A refusal: nothing was placed, and placing the same ticket again would be refused again.
bool is_refusal(const impilo::Error& e) {
  if (e.may_have_taken_effect()) return false;
  return dynamic_cast<const impilo::ValidationError*>(&e) != nullptr ||
         dynamic_cast<const impilo::BadRequestError*>(&e) != nullptr;
}

// One worker per database at a time: place_order must not run twice for one ticket at the same
// moment. The kernel releases the lock when the process ends, crash or not.
class WorkerLock {
 public:
  explicit WorkerLock(const std::string& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0) throw std::runtime_error("cannot open the lock file " + path);
    held_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~WorkerLock() { ::close(fd_); }
  WorkerLock(const WorkerLock&) = delete;
  WorkerLock& operator=(const WorkerLock&) = delete;
  WorkerLock(WorkerLock&&) = delete;
  WorkerLock& operator=(WorkerLock&&) = delete;
  [[nodiscard]] bool held() const { return held_; }

 private:
  int fd_;
  bool held_ = false;
};

void mark_failed(Database& db, const std::string& external_id, const std::string& error) {
  Statement(db, "UPDATE outbox SET state = 'failed', last_error = ? WHERE external_id = ?")
      .bind(1, error)
      .bind(2, external_id)
      .step();
}

struct PendingRow {
  std::string external_id;
  std::string ticket;
  std::optional<std::int64_t> attempted_at;
};

std::vector<PendingRow> pending_rows(Database& db) {
  std::vector<PendingRow> rows;
  Statement select(db,
                   "SELECT external_id, ticket, attempted_at FROM outbox WHERE state = 'pending' "
                   "ORDER BY created_at, external_id");
  while (select.step()) rows.push_back({select.text(0), select.text(1), select.integer(2)});
  return rows;
}

// Places one pending row. Logs the external id and order id only: the ticket holds patient data.
void place_row(Database& db, const impilo::Client& client, const PendingRow& row,
               bool crash_after_place) {
  std::optional<impilo::CreateTicket> ticket;
  try {
    ticket = impilo::CreateTicket::parse(row.ticket);
  } catch (const impilo::UsageError& e) {
    // A damaged ticket never parses: nothing can be placed from it. Someone must look.
    std::cerr << "worker: " << row.external_id << " has a damaged ticket: marked failed\n";
    mark_failed(db, row.external_id, e.what());
    return;
  }

  // Committed before the call, so that it survives a crash during the call.
  Statement(db, "UPDATE outbox SET attempted_at = ? WHERE external_id = ?")
      .bind(1, now_ms())
      .bind(2, row.external_id)
      .step();
  try {
    const impilo::Order order = client.place_order(*ticket);
    const std::int64_t order_id = order.id.value_or(0);
    if (crash_after_place) {
      std::cerr << "worker: " << row.external_id << " is order " << order_id
                << "; --crash-after-place: exiting before marking it placed\n";
      std::_Exit(75);  // no cleanup, no flush: as a crash would
    }
    Transaction transaction(db);
    Statement(db,
              "UPDATE outbox SET state = 'placed', order_id = ?, last_error = NULL "
              "WHERE external_id = ?")
        .bind(1, order_id)
        .bind(2, row.external_id)
        .step();
    Statement(db,
              "UPDATE device_requests SET order_id = ? WHERE id = "
              "(SELECT request_id FROM outbox WHERE external_id = ?)")
        .bind(1, order_id)
        .bind(2, row.external_id)
        .step();
    transaction.commit();
    std::cout << "worker: " << row.external_id << " placed as order " << order_id << "\n";
  } catch (const impilo::AmbiguousCreateError& e) {
    // The order may exist: the next place_order, after the wait, finds it or sends it.
    std::cerr << "worker: " << e.external_id() << " undecided, left pending\n";
  } catch (const impilo::Error& e) {
    if (is_refusal(e)) {
      std::cerr << "worker: " << row.external_id << " refused: marked failed\n";
      mark_failed(db, row.external_id, e.what());
    } else {
      // A 401, a 503 on a lookup, a connection never made: nothing placed, or undecided; the
      // next place_order after the wait decides.
      std::cerr << "worker: " << row.external_id << " not placed this time, left pending\n";
    }
  }
}

int worker(Database& db, const impilo::Client& client, const impilo::ClientOptions& options,
           const std::string& db_path, int passes, bool crash_after_place) {
  const WorkerLock lock(db_path + ".worker-lock");
  if (!lock.held()) {
    std::cerr << "worker: another worker is running on " << db_path << "\n";
    return 2;
  }
  const std::chrono::milliseconds wait = retry_wait(options);
  for (int pass = 1; pass <= passes; ++pass) {
    const std::vector<PendingRow> rows = pending_rows(db);
    if (rows.empty()) break;
    for (const PendingRow& row : rows) {
      if (row.attempted_at && now_ms() < *row.attempted_at + wait.count()) {
        std::cerr << "worker: " << row.external_id << " was attempted recently: not yet\n";
        continue;
      }
      place_row(db, client, row, crash_after_place);
    }
    // Sleep until the next row is due, then pass again.
    std::optional<std::int64_t> next_due;
    for (const PendingRow& row : pending_rows(db)) {
      const std::int64_t due = row.attempted_at.value_or(0) + wait.count();
      next_due = std::min(next_due.value_or(due), due);
    }
    if (!next_due || pass == passes) break;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::max<std::int64_t>(0, *next_due - now_ms())));
  }
  const std::size_t left = pending_rows(db).size();
  if (left > 0) {
    std::cerr << "worker: " << left << " ticket(s) still pending: run the worker again later\n";
    return 2;
  }
  return 0;
}

int status(Database& db) {
  Statement select(
      db, "SELECT external_id, state, order_id FROM outbox ORDER BY created_at, external_id");
  while (select.step()) {
    const std::optional<std::int64_t> order_id = select.integer(2);
    std::cout << select.text(0) << " " << select.text(1);
    if (order_id) std::cout << " order " << *order_id;
    std::cout << "\n";
  }
  return 0;
}

// --- Command line
// ---------------------------------------------------------------------------------

constexpr const char* usage =
    "usage: outbox [--settle-delay-ms N] [--overall-timeout-ms N] DB intake REQUEST_ID PATIENT_ID "
    "ITEM_ID [QUANTITY]\n"
    "       outbox [...] DB worker [--passes N] [--crash-after-place]\n"
    "       outbox [...] DB status\n";

std::int64_t number(const std::string& text) {
  std::size_t used = 0;
  const long long value = std::stoll(text, &used);
  if (used != text.size()) throw std::invalid_argument("not a number: " + text);
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    impilo::ClientOptions options = impilo::ClientOptions::from_env();
    // Each step of place_order is logged at info: external ids and order ids, never patient data.
    options.logger = [](impilo::LogLevel level, std::string_view line) {
      std::cerr << impilo::to_string(level) << ": " << line << "\n";
    };
    std::vector<std::string> words;
    int passes = 5;
    bool crash_after_place = false;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const bool has_value = i + 1 < argc;
      if (arg == "--settle-delay-ms" && has_value) {
        options.settle_delay = std::chrono::milliseconds(number(argv[++i]));
      } else if (arg == "--overall-timeout-ms" && has_value) {
        options.overall_timeout = std::chrono::milliseconds(number(argv[++i]));
      } else if (arg == "--passes" && has_value) {
        passes = static_cast<int>(number(argv[++i]));
      } else if (arg == "--crash-after-place") {
        crash_after_place = true;
      } else if (arg.rfind("--", 0) == 0) {
        std::cerr << usage;
        return 1;
      } else {
        words.push_back(arg);
      }
    }
    if (words.size() < 2) {
      std::cerr << usage;
      return 1;
    }
    Database db(words[0]);
    const std::string& command = words[1];
    if (command == "status" && words.size() == 2) return status(db);
    const impilo::Client client(options);
    if (command == "worker" && words.size() == 2) {
      return worker(db, client, options, words[0], passes, crash_after_place);
    }
    if (command == "intake" && (words.size() == 5 || words.size() == 6)) {
      return intake(db, client, number(words[2]), number(words[3]), number(words[4]),
                    words.size() == 6 ? number(words[5]) : 1);
    }
    std::cerr << usage;
    return 1;
  } catch (const impilo::Error& e) {
    std::cerr << "outbox: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "outbox: " << e.what() << "\n";
    return 1;
  }
}
