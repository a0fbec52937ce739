#pragma once
// One SQLite file with the rules every durable part of WAVS follows: WAL mode,
// synchronous=FULL, foreign keys on, a bounded wait for locks, an integrity check and an
// identity check at open, numbered schema migrations recorded in the file, RAII
// transactions and a cache of prepared statements.
//
//   storage::Schema schema{"kv store", {{1, "kv table", "CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB)"}}};
//   auto db = storage::Database::open("data/kv.sqlite", schema);
//   auto tx = (*db)->begin(storage::TxMode::kImmediate, "set");
//   auto put = tx->statement("INSERT INTO kv(k, v) VALUES (?1, ?2)");
//   put->bind_blob(1, key).bind_blob(2, value);
//   if (auto st = put->run(); !st) return st;      // the transaction rolls back
//   return tx->commit();
//
// Identity. A WAVS file carries PRAGMA application_id kApplicationId and a table
// wavs_migrations (version, schema name, description, time) with one row per applied
// step; PRAGMA user_version is the current version. Open refuses, without writing to it,
// a file that is not SQLite or fails quick_check (kCorrupt), another application's file
// or a WAVS file of another schema (kForeign), and a file whose version is above the
// schema's last step (kTooNew). An empty file is initialised; pending steps are applied
// in order in one write transaction, so a file is never left between two versions. A
// file written before the identity existed (user_version = Schema::legacy_version, no
// application_id, and every Schema::legacy_probe statement prepares) is adopted: marked
// and given its history, then migrated like any other.
//
// The file's directory must exist: a data directory that was mistyped should fail, not
// start an empty state somewhere else.
//
// Threads. A Database is one connection. A Transaction holds it for its lifetime, so at
// most one thread uses the connection at a time; other threads wait in turn (first come,
// first served, so a busy thread cannot starve the others) up to busy_timeout, then get
// kBusy. A process that wants concurrent readers opens more Databases on
// the same file (WAL lets readers proceed while one writer writes). One connection per
// process component is enough for WAVS: SQLite admits one writer per file anyway, and
// the node's writes are short. Other processes are excluded by SQLite's file lock:
// kImmediate takes it at begin, waiting up to busy_timeout, polling every 0.1-1 ms.
//
// Transactions do not nest: begin() on a thread that already holds a transaction of the
// same Database is kMisuse (it would deadlock otherwise). Statements and transactions
// must not outlive their Database; a Statement must not outlive its Transaction.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "storage/error.hpp"

struct sqlite3_stmt;

namespace wavs::storage {

// "WAVS" in ASCII, big-endian: PRAGMA application_id of every WAVS file.
inline constexpr std::int32_t kApplicationId = 0x57415653;

// One numbered step: version n takes a file from n-1 to n. SQL may hold several
// statements.
struct Migration {
  int version = 0;
  std::string description;
  std::string sql;
};

struct Schema {
  // Names the kind of file in errors and in wavs_migrations ("kv store", "node state").
  std::string name;
  // Versions 1, 2, 3, ... in order, without gaps.
  std::vector<Migration> migrations;
  // Files written before application_id and wavs_migrations were used (0: none exist).
  int legacy_version = 0;
  // Statements that prepare only on such a file (naming its tables and columns).
  std::vector<std::string> legacy_probe;
};

enum class Synchronous {
  kFull,    // a committed transaction survives power loss (the default)
  kNormal,  // survives a crash of the process, not necessarily of the machine
};

struct OpenOptions {
  // Bound on every wait for a lock: another connection's (usually another process's)
  // write lock, or this connection while another thread holds it.
  std::chrono::milliseconds busy_timeout{5000};
  Synchronous synchronous = Synchronous::kFull;
  // PRAGMA quick_check at open: O(size of the file), catches damaged pages early.
  bool quick_check = true;
};

enum class TxMode {
  kDeferred,   // reads see one snapshot; the first write takes the lock (may then be kBusy)
  kImmediate,  // takes the write lock at begin: use for every read-modify-write
};

namespace detail {
struct Connection;
}

// A prepared statement in use: reset and unbound when this handle goes away. Bind
// errors are kept and returned by the next step() or run(), so binds chain.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters count from 1. Bytes bind as a BLOB even when empty, so keys compare
  // bytewise (memcmp) and never as TEXT.
  Statement& bind_blob(int index, ByteView bytes);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_int64(int index, std::int64_t value);
  Statement& bind_null(int index);

  // true while a row is available (read it with the column_* functions).
  [[nodiscard]] Result<bool> step();
  // Steps to the end, dropping any rows (INSERT, UPDATE, DELETE).
  [[nodiscard]] Status run();
  // Rows changed by the last run().
  [[nodiscard]] std::int64_t changes() const;

  // Columns count from 0 and are valid after step() returned true.
  [[nodiscard]] bool column_is_null(int column) const;
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] Bytes column_blob(int column) const;
  [[nodiscard]] std::string column_text(int column) const;
  [[nodiscard]] std::size_t column_size(int column) const;

 private:
  friend class Transaction;
  Statement(detail::Connection* conn, sqlite3_stmt* stmt, bool* in_use);
  std::string what() const;  // for errors: the SQL text, shortened
  Status bind_status(int rc, int index);
  detail::Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;      // the cache entry's flag; null: prepared for this use only
  std::string what_;  // for errors: the SQL text, shortened
  int bind_rc_ = 0;
  int bind_index_ = 0;
};

// BEGIN ... COMMIT on the connection, which it holds until it ends. Rolled back unless
// commit() succeeded, also when an exception unwinds through it.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // The cached statement for this SQL text (prepared on first use). A second handle to
  // the same text while the first is alive gets a fresh, uncached statement.
  [[nodiscard]] Result<Statement> statement(std::string_view sql);
  // One or more statements, not cached (DDL, one-off work).
  [[nodiscard]] Status exec(std::string_view sql);
  [[nodiscard]] Status commit();
  // Ends the transaction without writing (the destructor does the same).
  void rollback();

  // An error of the given code, naming the file, this transaction and `what`.
  [[nodiscard]] Error error(StorageErrc code, std::string_view what) const;

 private:
  friend class Database;
  explicit Transaction(detail::Connection* conn);
  detail::Connection* conn_;
  bool held_ = false;  // this object holds the connection
  bool open_ = false;
};

class Database {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const std::filesystem::path& file,
                                                              const Schema& schema, OpenOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // `doing` names the caller's operation in every error of the transaction ("set",
  // "persist cursor"). kBusy when the lock is not had within busy_timeout.
  [[nodiscard]] Result<Transaction> begin(TxMode mode, std::string_view doing);

  [[nodiscard]] const std::string& file() const;
  // The schema version the file is at (the schema's last step).
  [[nodiscard]] int schema_version() const;

  struct Stats {
    std::uint64_t prepares = 0;  // statements prepared for the cache, in total
    std::size_t cached = 0;      // statements in the cache now
  };
  [[nodiscard]] Stats stats() const;

 private:
  explicit Database(std::unique_ptr<detail::Connection> conn);
  std::unique_ptr<detail::Connection> conn_;
};

}  // namespace wavs::storage
