#include "storage/database.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wavs::storage {
namespace detail {

// A mutex handed to waiters in arrival order, with a bounded wait. std::timed_mutex lets
// a thread that unlocks and relocks in a loop take it again before a woken waiter runs,
// which can starve that waiter past its bound.
class FairLock {
 public:
  bool try_lock_for(std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    if (!held_ && waiters_.empty()) {
      held_ = true;
      return true;
    }
    Waiter me;
    waiters_.push_back(&me);
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!me.granted) {
      if (me.cv.wait_until(lock, deadline) == std::cv_status::timeout && !me.granted) {
        waiters_.remove(&me);
        return false;
      }
    }
    return true;  // handed over by unlock(); held_ stayed true
  }
  void unlock() {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
      held_ = false;
      return;
    }
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->granted = true;
    next->cv.notify_one();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  std::mutex mutex_;
  bool held_ = false;
  std::list<Waiter*> waiters_;
};

struct Connection {
  sqlite3* db = nullptr;
  std::string file;
  std::string name;  // the schema's, for errors
  OpenOptions options;
  int version = 0;

  FairLock lock;
  // The thread holding `lock` through a Transaction, to refuse nesting.
  std::atomic<std::thread::id> owner{};
  // The transaction's `doing`, for errors.
  std::string doing;
  // When the current wait for another connection's lock began (see busy_wait).
  std::chrono::steady_clock::time_point busy_since;

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  // Looked up by string_view: no string is built for a statement already cached.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> cache;
  // Transaction control, prepared once: parsing it on every call would cost more than
  // a small read itself.
  sqlite3_stmt* begin_deferred = nullptr;
  sqlite3_stmt* begin_immediate = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  std::atomic<std::uint64_t> prepares{0};
  std::atomic<std::size_t> cached{0};

  ~Connection() {
    for (auto& [sql, entry] : cache) sqlite3_finalize(entry.stmt);
    for (auto* stmt : {begin_deferred, begin_immediate, commit, rollback}) sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
  }

  // SQLite's own busy_timeout handler sleeps up to 100 ms between attempts, while a
  // writer in another process releases the lock for only microseconds between its
  // transactions: polling that rarely can starve for the whole timeout. Short sleeps
  // catch those gaps; the deadline still bounds the wait.
  static int busy_wait(void* arg, int count) {
    auto* conn = static_cast<Connection*>(arg);
    auto now = std::chrono::steady_clock::now();
    if (count == 0) conn->busy_since = now;
    if (now - conn->busy_since >= conn->options.busy_timeout) return 0;
    std::this_thread::sleep_for(count < 20 ? std::chrono::microseconds(100)
                                           : std::chrono::microseconds(1000));
    return 1;
  }

  std::string prefix() const { return name + " " + file + ": "; }

  // "<name> <file>: <doing>: <what>: <SQLite's message>".
  Error error(StorageErrc code, std::string_view what, bool with_sqlite_message = true) const {
    std::string detail = prefix();
    if (!doing.empty()) detail += doing + ": ";
    detail += what;
    if (with_sqlite_message)
      detail += std::string(": ") + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    return Error(code, std::move(detail));
  }

  // The code for SQLite's last failure on this connection.
  StorageErrc code() const {
    switch (sqlite3_errcode(db) & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return StorageErrc::kBusy;
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        return StorageErrc::kCorrupt;
      case SQLITE_FULL:
        return StorageErrc::kFull;
      case SQLITE_CONSTRAINT:
        return StorageErrc::kConstraint;
      case SQLITE_IOERR:
      case SQLITE_READONLY:
      case SQLITE_PERM:
      case SQLITE_CANTOPEN:
        return StorageErrc::kIo;
      default:
        return StorageErrc::kSql;
    }
  }

  Error fail(std::string_view what) const { return error(code(), what); }

  // Steps one of the transaction statements; SQLITE_DONE on success.
  static int step_once(sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc;
  }

  Status prepare_control() {
    const std::pair<sqlite3_stmt**, const char*> statements[] = {
        {&begin_deferred, "BEGIN DEFERRED"},
        {&begin_immediate, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
    };
    for (const auto& [stmt, sql] : statements) {
      if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
        return fail(std::string("preparing ") + sql);
      }
    }
    return {};
  }

  Status exec(std::string_view sql, std::string_view what) {
    std::string text(sql);
    if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return fail(what);
    return {};
  }

  // A one-row, one-column query outside the cache (open-time pragmas and checks).
  Result<std::optional<std::string>> query_text(const char* sql, std::string_view what) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return fail(what);
    int rc = sqlite3_step(stmt);
    std::optional<std::string> out;
    if (rc == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out = text != nullptr ? std::string(text) : std::string();
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(what);
    return out;
  }

  Result<std::int64_t> query_int(const char* sql, std::string_view what) {
    auto text = query_text(sql, what);
    if (!text) return text.error();
    if (!*text) return error(StorageErrc::kSql, what, false);
    return std::strtoll((*text)->c_str(), nullptr, 10);
  }
};

}  // namespace detail

namespace {

using detail::Connection;

std::string shorten(std::string_view sql) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (char c : sql.substr(0, kMax)) out += (c == '\n' || c == '\t') ? ' ' : c;
  if (sql.size() > kMax) out += "...";
  return "\"" + out + "\"";
}

std::string hex32(std::int64_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(static_cast<std::uint32_t>(v)));
  return buf;
}

// What open found in the file.
enum class Kind { kFresh, kLegacy, kOurs };
struct Identity {
  Kind kind = Kind::kFresh;
  int version = 0;
};

Status check_schema(const Schema& schema) {
  if (schema.name.empty()) return Error(StorageErrc::kInvalid, "schema: no name");
  for (std::size_t i = 0; i < schema.migrations.size(); ++i) {
    if (schema.migrations[i].version != static_cast<int>(i) + 1) {
      return Error(StorageErrc::kInvalid, "schema " + schema.name + ": migration " + std::to_string(i) +
                                              " has version " + std::to_string(schema.migrations[i].version) +
                                              ", expected " + std::to_string(i + 1));
    }
  }
  if (schema.legacy_version < 0 || schema.legacy_version > static_cast<int>(schema.migrations.size())) {
    return Error(StorageErrc::kInvalid, "schema " + schema.name + ": legacy_version outside its migrations");
  }
  return {};
}

// Reads the file's identity; refuses what is not ours. Only reads.
Result<Identity> identify(Connection& conn, const Schema& schema) {
  const int latest = static_cast<int>(schema.migrations.size());
  // The first read of the file is where a file that is not SQLite shows.
  auto app = conn.query_int("PRAGMA application_id", "reading the file header");
  if (!app) return app.error();
  auto version = conn.query_int("PRAGMA user_version", "reading the schema version");
  if (!version) return version.error();
  auto objects = conn.query_int("SELECT count(*) FROM sqlite_master", "reading the list of tables");
  if (!objects) return objects.error();

  if (*app == 0) {
    if (*version == 0 && *objects == 0) return Identity{Kind::kFresh, 0};
    if (*version != 0 && *version == schema.legacy_version) {
      bool fits = true;
      for (const auto& probe : schema.legacy_probe) {
        sqlite3_stmt* stmt = nullptr;
        fits = sqlite3_prepare_v2(conn.db, probe.c_str(), -1, &stmt, nullptr) == SQLITE_OK;
        sqlite3_finalize(stmt);
        if (!fits) break;
      }
      if (fits) return Identity{Kind::kLegacy, static_cast<int>(*version)};
    }
    return conn.error(StorageErrc::kForeign,
                      "not a WAVS file: it has " + std::to_string(*objects) +
                          " tables or indexes, user_version " + std::to_string(*version) +
                          " and no WAVS application_id",
                      false);
  }
  if (*app != kApplicationId) {
    return conn.error(
        StorageErrc::kForeign,
        "not a WAVS file: application_id " + hex32(*app) + ", WAVS files have " + hex32(kApplicationId),
        false);
  }
  // The history says which schema the file is of, then must be 1..version. The kind is
  // checked first: another kind of WAVS file is foreign whatever its version.
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(conn.db, "SELECT version, schema FROM wavs_migrations ORDER BY version", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    return conn.error(StorageErrc::kCorrupt, "marked as a WAVS file but its migration history is unreadable");
  }
  std::vector<std::int64_t> versions;
  std::optional<std::string> other_schema;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    versions.push_back(sqlite3_column_int64(stmt, 0));
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    std::string recorded = text != nullptr ? text : "";
    if (recorded != schema.name && !other_schema) other_schema = recorded.substr(0, 64);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return conn.fail("reading the migration history");
  if (other_schema) {
    return conn.error(StorageErrc::kForeign,
                      "a WAVS " + *other_schema + " file, not a " + schema.name + " file", false);
  }
  if (*version > latest) {
    return conn.error(StorageErrc::kTooNew,
                      "schema version " + std::to_string(*version) + " is newer than this build supports (" +
                          std::to_string(latest) + "); written by a newer build",
                      false);
  }
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (versions[i] != static_cast<std::int64_t>(i) + 1) {
      return conn.error(
          StorageErrc::kCorrupt,
          "migration history skips from version " + std::to_string(i) + " to " + std::to_string(versions[i]),
          false);
    }
  }
  if (static_cast<std::int64_t>(versions.size()) != *version) {
    return conn.error(StorageErrc::kCorrupt,
                      "user_version " + std::to_string(*version) + " but " + std::to_string(versions.size()) +
                          " migrations recorded",
                      false);
  }
  return Identity{Kind::kOurs, static_cast<int>(*version)};
}

Status quick_check(Connection& conn) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(conn.db, "PRAGMA quick_check(3)", -1, &stmt, nullptr) != SQLITE_OK) {
    return conn.error(StorageErrc::kCorrupt, "checking integrity");
  }
  std::string findings;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    std::string line = text != nullptr ? text : "";
    if (line == "ok") continue;
    if (!findings.empty()) findings += "; ";
    findings += line;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return conn.error(StorageErrc::kCorrupt, "checking integrity");
  if (!findings.empty()) {
    return conn.error(StorageErrc::kCorrupt, "damaged (quick_check: " + findings + ")", false);
  }
  return {};
}

// Brings the file to the schema's last version under the write lock taken by the caller.
Status migrate(Connection& conn, const Schema& schema, const Identity& id) {
  const int latest = static_cast<int>(schema.migrations.size());
  auto record = [&](int version, const std::string& description) -> Status {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(conn.db,
                           "INSERT INTO wavs_migrations(version, schema, description, applied_at) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           -1, &stmt, nullptr) != SQLITE_OK) {
      return conn.error(StorageErrc::kMigration, "recording migration " + std::to_string(version));
    }
    sqlite3_bind_int(stmt, 1, version);
    sqlite3_bind_text(stmt, 2, schema.name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, description.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, static_cast<sqlite3_int64>(std::time(nullptr)));
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
      return conn.error(StorageErrc::kMigration, "recording migration " + std::to_string(version));
    return {};
  };
  auto as_migration = [&](Error e) { return Error(StorageErrc::kMigration, e.detail()); };

  if (id.kind != Kind::kOurs) {
    if (auto st = conn.exec("CREATE TABLE wavs_migrations(version INTEGER PRIMARY KEY, schema TEXT NOT NULL, "
                            "description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                            "creating the migration history");
        !st) {
      return as_migration(st.error());
    }
    if (auto st = conn.exec("PRAGMA application_id=" + std::to_string(kApplicationId),
                            "marking the file as WAVS's");
        !st) {
      return as_migration(st.error());
    }
    for (int v = 1; v <= id.version; ++v) {
      const auto& m = schema.migrations[static_cast<std::size_t>(v - 1)];
      if (auto st = record(v, m.description + " (adopted: applied before migrations were recorded)"); !st)
        return st;
    }
  }
  for (int v = id.version + 1; v <= latest; ++v) {
    const auto& m = schema.migrations[static_cast<std::size_t>(v - 1)];
    if (auto st = conn.exec(m.sql, "migration " + std::to_string(v) + " (" + m.description + ")"); !st) {
      return as_migration(st.error());
    }
    if (auto st = record(v, m.description); !st) return st;
  }
  if (id.kind != Kind::kOurs || id.version != latest) {
    if (auto st = conn.exec("PRAGMA user_version=" + std::to_string(latest), "recording the schema version");
        !st) {
      return as_migration(st.error());
    }
  }
  return {};
}

}  // namespace

// ---- Statement ----

Statement::Statement(Connection* conn, sqlite3_stmt* stmt, bool* in_use)
    : conn_(conn), stmt_(stmt), in_use_(in_use) {}

std::string Statement::what() const {
  const char* sql = sqlite3_sql(stmt_);
  return shorten(sql != nullptr ? sql : "");
}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(other.in_use_),
      bind_rc_(other.bind_rc_),
      bind_index_(other.bind_index_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  // Never carry a read snapshot or a stale binding into the next use.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Status Statement::bind_status(int rc, int index) {
  if (rc != SQLITE_OK && bind_rc_ == 0) {
    bind_rc_ = rc;
    bind_index_ = index;
  }
  return {};
}

Statement& Statement::bind_blob(int index, ByteView bytes) {
  // A null pointer would bind SQL NULL; keys must stay BLOBs (TEXT sorts before BLOB).
  int rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                         : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  (void)bind_status(rc, index);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  (void)bind_status(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
  (void)bind_status(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  (void)bind_status(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != 0) {
    return conn_->error(StorageErrc::kSql,
                        "binding parameter " + std::to_string(bind_index_) + " of " + what() + ": " +
                            sqlite3_errstr(bind_rc_),
                        false);
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->fail("running " + what());
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

std::int64_t Statement::changes() const { return sqlite3_changes64(conn_->db); }

bool Statement::column_is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

Bytes Statement::column_blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || n <= 0) return {};
  return Bytes(data, data + n);
}

std::string Statement::column_text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || n <= 0) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

std::size_t Statement::column_size(int column) const {
  return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
}

// ---- Transaction ----

Transaction::Transaction(Connection* conn) : conn_(conn), held_(true), open_(true) {}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(other.conn_),
      held_(std::exchange(other.held_, false)),
      open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() { rollback(); }

void Transaction::rollback() {
  if (!held_) return;
  if (open_) {
    // Fails only when SQLite already rolled back (after some errors); then there is
    // nothing left to undo.
    (void)Connection::step_once(conn_->rollback);
    open_ = false;
  }
  conn_->doing.clear();
  conn_->owner.store(std::thread::id());
  held_ = false;
  conn_->lock.unlock();
}

Result<Statement> Transaction::statement(std::string_view sql) {
  if (!open_)
    return error(StorageErrc::kMisuse, "statement " + shorten(sql) + " after the transaction ended");
  auto it = conn_->cache.find(sql);
  if (it != conn_->cache.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(conn_, it->second.stmt, &it->second.in_use);
  }
  bool cache_it = it == conn_->cache.end();
  sqlite3_stmt* stmt = nullptr;
  unsigned flags = cache_it ? SQLITE_PREPARE_PERSISTENT : 0;
  if (sqlite3_prepare_v3(conn_->db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr) !=
      SQLITE_OK) {
    return conn_->fail("preparing " + shorten(sql));
  }
  if (stmt == nullptr)
    return error(StorageErrc::kSql, "preparing " + shorten(sql) + ": no statement in the text");
  if (!cache_it) return Statement(conn_, stmt, nullptr);
  // Elements of an unordered_map stay where they are when it rehashes.
  auto& entry = conn_->cache.emplace(std::string(sql), detail::Connection::Cached{stmt, true}).first->second;
  ++conn_->prepares;
  conn_->cached = conn_->cache.size();
  return Statement(conn_, stmt, &entry.in_use);
}

Status Transaction::exec(std::string_view sql) {
  if (!open_) return error(StorageErrc::kMisuse, "running " + shorten(sql) + " after the transaction ended");
  return conn_->exec(sql, "running " + shorten(sql));
}

Status Transaction::commit() {
  if (!open_) return error(StorageErrc::kMisuse, "commit after the transaction ended");
  if (Connection::step_once(conn_->commit) != SQLITE_DONE) {
    // The destructor rolls back what could not be committed.
    return conn_->fail("committing");
  }
  open_ = false;
  rollback();  // releases the connection
  return {};
}

Error Transaction::error(StorageErrc code, std::string_view what) const {
  return conn_->error(code, what, false);
}

// ---- Database ----

Database::Database(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}

Database::~Database() {
  // A transaction alive here would use a closed connection.
  assert(conn_->owner.load() == std::thread::id());
}

const std::string& Database::file() const { return conn_->file; }
int Database::schema_version() const { return conn_->version; }

Database::Stats Database::stats() const { return Stats{conn_->prepares.load(), conn_->cached.load()}; }

Result<Transaction> Database::begin(TxMode mode, std::string_view doing) {
  if (conn_->owner.load() == std::this_thread::get_id()) {
    return Error(StorageErrc::kMisuse, conn_->prefix() + std::string(doing) +
                                           ": this thread already holds a transaction of the file "
                                           "(transactions do not nest)");
  }
  if (!conn_->lock.try_lock_for(conn_->options.busy_timeout)) {
    return Error(StorageErrc::kBusy, conn_->prefix() + std::string(doing) +
                                         ": another thread held the connection for longer than " +
                                         std::to_string(conn_->options.busy_timeout.count()) + " ms");
  }
  conn_->owner.store(std::this_thread::get_id());
  conn_->doing = std::string(doing);
  Transaction tx(conn_.get());
  sqlite3_stmt* begin = mode == TxMode::kImmediate ? conn_->begin_immediate : conn_->begin_deferred;
  if (Connection::step_once(begin) != SQLITE_DONE) {
    Error e = conn_->fail(mode == TxMode::kImmediate ? "starting the write transaction"
                                                     : "starting the transaction");
    tx.open_ = false;
    return e;  // tx releases the connection
  }
  return tx;
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& file, const Schema& schema,
                                                 OpenOptions options) {
  if (auto st = check_schema(schema); !st) return st.error();
  auto conn = std::make_unique<Connection>();
  conn->file = file.string();
  conn->name = schema.name;
  conn->options = options;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(conn->file.c_str(), &conn->db, flags, nullptr) != SQLITE_OK) {
    return conn->error(StorageErrc::kOpen, "opening");
  }
  sqlite3_extended_result_codes(conn->db, 1);
  sqlite3_busy_handler(conn->db, &Connection::busy_wait, conn.get());

  // Identity and integrity are checked before anything is written (switching to WAL
  // rewrites the header), so a refused file is left as it was.
  auto id = identify(*conn, schema);
  if (!id) return id.error();
  if (options.quick_check && id->kind != Kind::kFresh) {
    if (auto st = quick_check(*conn); !st) return st.error();
  }

  // journal_mode answers the mode in force, which stays "delete" where WAL is impossible
  // (some network file systems); multi-process use needs WAL, so that is an error.
  auto mode = conn->query_text("PRAGMA journal_mode=WAL", "switching to WAL mode");
  if (!mode) return mode.error();
  if (!*mode || **mode != "wal") {
    return conn->error(StorageErrc::kIo,
                       "switching to WAL mode: the file system kept journal mode " +
                           (*mode ? **mode : std::string("(none)")),
                       false);
  }
  const char* sync =
      options.synchronous == Synchronous::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  if (auto st = conn->exec(sync, "setting the synchronous mode"); !st) return st.error();
  if (auto st = conn->exec("PRAGMA foreign_keys=ON", "enabling foreign keys"); !st) return st.error();

  const int latest = static_cast<int>(schema.migrations.size());
  if (id->kind != Kind::kOurs || id->version != latest) {
    // Under the write lock, and identified again: another process may have created or
    // migrated the file since it was read above.
    if (auto st = conn->exec("BEGIN IMMEDIATE", "locking the file to bring its schema up to date"); !st) {
      return st.error();
    }
    Status st;
    id = identify(*conn, schema);
    if (!id) {
      st = id.error();
    } else {
      st = migrate(*conn, schema, *id);
    }
    if (st) st = conn->exec("COMMIT", "committing the schema");
    if (!st) {
      (void)sqlite3_exec(conn->db, "ROLLBACK", nullptr, nullptr, nullptr);
      return st.error();
    }
  }
  if (auto st = conn->prepare_control(); !st) return st.error();
  conn->version = latest;
  return std::unique_ptr<Database>(new Database(std::move(conn)));
}

}  // namespace wavs::storage
