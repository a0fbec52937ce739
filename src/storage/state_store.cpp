#include "storage/state_store.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace wavs::storage {

Batch& Batch::put(std::string_view table, ByteView key, ByteView value) {
  ops_.push_back({OpKind::kPut, std::string(table), Bytes(key.begin(), key.end()),
                  Bytes(value.begin(), value.end()), 0});
  return *this;
}

Batch& Batch::erase(std::string_view table, ByteView key) {
  ops_.push_back({OpKind::kErase, std::string(table), Bytes(key.begin(), key.end()), {}, 0});
  return *this;
}

Batch& Batch::expect_absent(std::string_view table, ByteView key) {
  ops_.push_back({OpKind::kExpectAbsent, std::string(table), Bytes(key.begin(), key.end()), {}, 0});
  return *this;
}

Batch& Batch::expect_value(std::string_view table, ByteView key, ByteView value) {
  ops_.push_back({OpKind::kExpectValue, std::string(table), Bytes(key.begin(), key.end()),
                  Bytes(value.begin(), value.end()), 0});
  return *this;
}

Batch& Batch::push(std::string_view queue, ByteView payload) {
  ops_.push_back({OpKind::kPush, std::string(queue), {}, Bytes(payload.begin(), payload.end()), 0});
  return *this;
}

Batch& Batch::pop(std::string_view queue, std::uint64_t id) {
  ops_.push_back({OpKind::kPop, std::string(queue), {}, {}, id});
  return *this;
}

std::string name_problem(std::string_view name) {
  if (name.empty()) return "empty (must be 1-64 bytes of [a-z0-9_.-])";
  if (name.size() > 64) return std::to_string(name.size()) + " bytes, more than 64";
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return "byte " + std::to_string(i) + " is not in [a-z0-9_.-]";
  }
  return {};
}

namespace {

// Records of every table in one table: names are data, so no DDL runs after open and a
// PostgreSQL backend can use the same two tables.
const Schema& state_schema() {
  static const Schema kSchema{
      "state",
      {
          {1, "records and queues",
           "CREATE TABLE state_records(tbl TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
           "  PRIMARY KEY (tbl, key)) WITHOUT ROWID;"
           // AUTOINCREMENT: ids are never reused, even after the newest item was popped.
           "CREATE TABLE state_queue(id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL,"
           "  payload BLOB NOT NULL);"
           "CREATE INDEX state_queue_by_name ON state_queue(queue, id);"},
      },
      0,
      {}};
  return kSchema;
}

constexpr const char* kGet = "SELECT value FROM state_records WHERE tbl = ?1 AND key = ?2";
constexpr const char* kPut =
    "INSERT INTO state_records(tbl, key, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(tbl, key) DO UPDATE SET value = excluded.value";
constexpr const char* kErase = "DELETE FROM state_records WHERE tbl = ?1 AND key = ?2";
constexpr const char* kScan =
    "SELECT key, value FROM state_records WHERE tbl = ?1 AND key > ?2 ORDER BY key LIMIT ?3";
constexpr const char* kPush = "INSERT INTO state_queue(queue, payload) VALUES (?1, ?2) RETURNING id";
constexpr const char* kPop = "DELETE FROM state_queue WHERE queue = ?1 AND id = ?2";
constexpr const char* kPeek = "SELECT id, payload FROM state_queue WHERE queue = ?1 ORDER BY id LIMIT ?2";

Status check_name(std::string_view what, std::string_view name) {
  if (auto problem = name_problem(name); !problem.empty()) {
    return Error(StorageErrc::kInvalid, std::string(what) + " name: " + problem);
  }
  return {};
}

Result<std::uint32_t> check_limit(std::uint32_t limit) {
  if (limit == 0) return Error(StorageErrc::kInvalid, "limit: 0 (must be at least 1)");
  return std::min(limit, kMaxScanLimit);
}

class SqliteStateStore final : public StateStore {
 public:
  explicit SqliteStateStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<std::optional<Bytes>> get(std::string_view table, ByteView key) override {
    if (auto st = check_name("table", table); !st) return st.error();
    auto tx = db_->begin(TxMode::kDeferred, "get");
    if (!tx) return tx.error();
    return read(*tx, table, key);
  }

  Result<std::vector<Record>> scan(std::string_view table, ByteView after, std::uint32_t limit) override {
    if (auto st = check_name("table", table); !st) return st.error();
    auto n = check_limit(limit);
    if (!n) return n.error();
    auto tx = db_->begin(TxMode::kDeferred, "scan");
    if (!tx) return tx.error();
    auto s = tx->statement(kScan);
    if (!s) return s.error();
    s->bind_text(1, table).bind_blob(2, after).bind_int64(3, *n);
    std::vector<Record> out;
    for (;;) {
      auto row = s->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back({s->column_blob(0), s->column_blob(1)});
    }
    return out;
  }

  Result<std::vector<QueueItem>> peek(std::string_view queue, std::uint32_t limit) override {
    if (auto st = check_name("queue", queue); !st) return st.error();
    auto n = check_limit(limit);
    if (!n) return n.error();
    auto tx = db_->begin(TxMode::kDeferred, "peek");
    if (!tx) return tx.error();
    auto s = tx->statement(kPeek);
    if (!s) return s.error();
    s->bind_text(1, queue).bind_int64(2, *n);
    std::vector<QueueItem> out;
    for (;;) {
      auto row = s->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back({static_cast<std::uint64_t>(s->column_int64(0)), s->column_blob(1)});
    }
    return out;
  }

  Result<BatchOutcome> apply(const Batch& batch) override {
    const auto& ops = batch.ops();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      bool queue = ops[i].kind == Batch::OpKind::kPush || ops[i].kind == Batch::OpKind::kPop;
      if (auto st = check_name(queue ? "queue" : "table", ops[i].name); !st) {
        return Error(StorageErrc::kInvalid,
                     "batch operation " + std::to_string(i) + ": " + st.error().detail());
      }
    }
    BatchOutcome outcome;
    if (ops.empty()) {
      outcome.applied = true;
      return outcome;
    }
    auto tx = db_->begin(TxMode::kImmediate, "apply");
    if (!tx) return tx.error();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      auto held = run(*tx, ops[i], outcome.pushed);
      if (!held) return held.error();
      if (!*held) {
        // Nothing of the batch stays: the transaction rolls back as it goes.
        BatchOutcome failed;
        failed.failed_op = i;
        return failed;
      }
    }
    if (auto st = tx->commit(); !st) return st.error();
    outcome.applied = true;
    return outcome;
  }

 private:
  static Result<std::optional<Bytes>> read(Transaction& tx, std::string_view table, ByteView key) {
    auto s = tx.statement(kGet);
    if (!s) return s.error();
    s->bind_text(1, table).bind_blob(2, key);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Bytes>();
    return std::optional<Bytes>(s->column_blob(0));
  }

  // false when the operation is a check that does not hold.
  static Result<bool> run(Transaction& tx, const Batch::Op& op, std::vector<std::uint64_t>& pushed) {
    using Kind = Batch::OpKind;
    switch (op.kind) {
      case Kind::kExpectAbsent:
      case Kind::kExpectValue: {
        auto current = read(tx, op.name, op.key);
        if (!current) return current.error();
        if (op.kind == Kind::kExpectAbsent) return !current->has_value();
        return current->has_value() && **current == op.value;
      }
      case Kind::kPut:
      case Kind::kErase: {
        auto s = tx.statement(op.kind == Kind::kPut ? kPut : kErase);
        if (!s) return s.error();
        s->bind_text(1, op.name).bind_blob(2, op.key);
        if (op.kind == Kind::kPut) s->bind_blob(3, op.value);
        if (auto st = s->run(); !st) return st.error();
        return true;
      }
      case Kind::kPush: {
        auto s = tx.statement(kPush);
        if (!s) return s.error();
        s->bind_text(1, op.name).bind_blob(2, op.value);
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) return tx.error(StorageErrc::kSql, "push: no id returned");
        pushed.push_back(static_cast<std::uint64_t>(s->column_int64(0)));
        if (auto st = s->run(); !st) return st.error();
        return true;
      }
      case Kind::kPop: {
        auto s = tx.statement(kPop);
        if (!s) return s.error();
        // Ids above int64 cannot be queued; they fail the check like any absent id.
        if (op.id > static_cast<std::uint64_t>(INT64_MAX)) return false;
        s->bind_text(1, op.name).bind_int64(2, static_cast<std::int64_t>(op.id));
        if (auto st = s->run(); !st) return st.error();
        return s->changes() == 1;
      }
    }
    return tx.error(StorageErrc::kMisuse, "unknown batch operation");
  }

  std::unique_ptr<Database> db_;
};

}  // namespace

Result<std::unique_ptr<StateStore>> open_sqlite_state_store(const std::filesystem::path& file,
                                                            OpenOptions options) {
  auto db = Database::open(file, state_schema(), options);
  if (!db) return db.error();
  return std::unique_ptr<StateStore>(new SqliteStateStore(std::move(*db)));
}

}  // namespace wavs::storage
