#include "component/kv_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace wavs::component {
namespace {

// Bumped whenever the tables change shape; a file written by a newer build is refused
// rather than misread.
constexpr int kSchemaVersion = 1;
// Other processes sharing the file hold its write lock only for one short transaction;
// waiting this long before giving up covers fsync stalls without hanging a caller.
constexpr std::chrono::milliseconds kBusyTimeout{5000};
constexpr std::size_t kMaxBucketBytes = 64;

// Usage counts keys plus values only, so that the quota means the same thing as in the
// ABI document whatever the bucket names are.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kv("
    "  service BLOB NOT NULL, bucket TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    "  PRIMARY KEY (service, bucket, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS kv_usage("
    "  service BLOB NOT NULL PRIMARY KEY, bytes INTEGER NOT NULL) WITHOUT ROWID;";

// Why a counter's text is not canonical, or nullptr when it is. Shared by parse_counter
// and the kType message.
const char* counter_problem(std::string_view s) {
  if (s.empty()) return "empty";
  std::size_t digits = s.front() == '-' ? 1 : 0;
  if (digits == s.size()) return "no digits after '-'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 0 && c == '-') continue;
    if (c < '0' || c > '9') return "a character other than '-' and digits";
  }
  if (s[digits] == '0' && s.size() - digits > 1) return "a leading zero";
  if (digits == 1 && s[1] == '0') return "\"-0\"";
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return "outside the signed 64-bit range";
  return nullptr;
}

std::string bucket_problem(std::string_view bucket) {
  if (bucket.empty()) return "bucket: empty (must be 1-64 bytes of [a-z0-9_.-])";
  if (bucket.size() > kMaxBucketBytes) {
    return "bucket: " + std::to_string(bucket.size()) + " bytes, more than 64";
  }
  for (std::size_t i = 0; i < bucket.size(); ++i) {
    auto c = static_cast<unsigned char>(bucket[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex = {'0', 'x', kHex[c >> 4], kHex[c & 0xf]};
      return "bucket: byte " + std::to_string(i) + " (" + hex + ") is not in [a-z0-9_.-]";
    }
  }
  return {};
}

// Resets a cached statement when the call using it ends, whatever the path, so it
// never holds a read snapshot or a stale binding into the next call.
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace

struct KvStore::Impl {
  // One connection behind a mutex: a connection runs one transaction at a time, and
  // SQLite admits a single writer per file anyway, so more connections would only add
  // lock waits. Atomicity against other processes comes from BEGIN IMMEDIATE.
  std::mutex mutex;
  sqlite3* db = nullptr;
  std::string file;
  // When the current wait for another connection's lock began (see busy_wait).
  std::chrono::steady_clock::time_point busy_since;

  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* get_size = nullptr;
  sqlite3_stmt* put = nullptr;
  sqlite3_stmt* del = nullptr;
  sqlite3_stmt* list = nullptr;
  sqlite3_stmt* get_usage = nullptr;
  sqlite3_stmt* put_usage = nullptr;
  sqlite3_stmt* del_usage = nullptr;

  ~Impl() {
    for (auto* s :
         {begin, commit, rollback, get, get_size, put, del, list, get_usage, put_usage, del_usage}) {
      sqlite3_finalize(s);
    }
    sqlite3_close_v2(db);
  }

  // SQLite's own busy_timeout handler sleeps up to 100 ms between attempts, while a
  // writer in another process releases the lock for only microseconds between its
  // transactions: polling that rarely can starve for the whole timeout. Short sleeps
  // catch those gaps; the deadline still bounds the wait.
  static int busy_wait(void* arg, int count) {
    auto* impl = static_cast<Impl*>(arg);
    auto now = std::chrono::steady_clock::now();
    if (count == 0) impl->busy_since = now;
    if (now - impl->busy_since >= kBusyTimeout) return 0;
    std::this_thread::sleep_for(count < 20 ? std::chrono::microseconds(100)
                                           : std::chrono::microseconds(1000));
    return 1;
  }

  Error fail(std::string_view doing) const {
    return Error(ComponentErrc::kInternal,
                 "kv store " + file + ": " + std::string(doing) + ": " + sqlite3_errmsg(db));
  }

  Status exec(const char* sql, std::string_view doing) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return fail(doing);
    return {};
  }

  Status prepare(sqlite3_stmt** out, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) != SQLITE_OK) {
      return fail(std::string("preparing \"") + sql + "\"");
    }
    return {};
  }

  // Binds bytes as a BLOB even when empty: a null pointer would bind SQL NULL, and
  // keys must stay BLOBs so that ordering is memcmp (TEXT sorts before every BLOB).
  static int bind_blob(sqlite3_stmt* s, int index, ByteView bytes) {
    if (bytes.empty()) return sqlite3_bind_zeroblob(s, index, 0);
    return sqlite3_bind_blob64(s, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  }
  static int bind_text(sqlite3_stmt* s, int index, std::string_view text) {
    return sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  static Bytes column_bytes(sqlite3_stmt* s, int column) {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, column));
    int n = sqlite3_column_bytes(s, column);
    if (data == nullptr || n <= 0) return {};
    return Bytes(data, data + n);
  }

  Status bind_address(sqlite3_stmt* s, ByteView service, std::string_view bucket, ByteView key,
                      std::string_view doing) {
    if (bind_blob(s, 1, service) != SQLITE_OK || bind_text(s, 2, bucket) != SQLITE_OK ||
        bind_blob(s, 3, key) != SQLITE_OK) {
      return fail(doing);
    }
    return {};
  }

  // The stored value, nullopt when absent.
  Result<std::optional<Bytes>> read(ByteView service, std::string_view bucket, ByteView key,
                                    std::string_view op) {
    StmtUse use(get);
    if (auto st = bind_address(get, service, bucket, key, op); !st) return st.error();
    int rc = sqlite3_step(get);
    if (rc == SQLITE_DONE) return std::optional<Bytes>();
    if (rc != SQLITE_ROW) return fail(std::string(op) + ": reading the value");
    return std::optional<Bytes>(column_bytes(get, 0));
  }

  // The stored value's size, nullopt when absent; avoids copying up to a MiB only to
  // account for it.
  Result<std::optional<std::size_t>> read_size(ByteView service, std::string_view bucket, ByteView key,
                                               std::string_view op) {
    StmtUse use(get_size);
    if (auto st = bind_address(get_size, service, bucket, key, op); !st) return st.error();
    int rc = sqlite3_step(get_size);
    if (rc == SQLITE_DONE) return std::optional<std::size_t>();
    if (rc != SQLITE_ROW) return fail(std::string(op) + ": reading the value's size");
    return std::optional<std::size_t>(static_cast<std::size_t>(sqlite3_column_int64(get_size, 0)));
  }

  Result<std::uint64_t> read_usage(ByteView service, std::string_view op) {
    StmtUse use(get_usage);
    if (bind_blob(get_usage, 1, service) != SQLITE_OK) return fail(op);
    int rc = sqlite3_step(get_usage);
    if (rc == SQLITE_DONE) return std::uint64_t{0};
    if (rc != SQLITE_ROW) return fail(std::string(op) + ": reading the service's usage");
    return static_cast<std::uint64_t>(sqlite3_column_int64(get_usage, 0));
  }

  Status write_usage(ByteView service, std::uint64_t bytes, std::string_view op) {
    // A service that stores nothing leaves no row behind.
    sqlite3_stmt* s = bytes == 0 ? del_usage : put_usage;
    StmtUse use(s);
    if (bind_blob(s, 1, service) != SQLITE_OK) return fail(op);
    if (bytes != 0 && sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(bytes)) != SQLITE_OK)
      return fail(op);
    if (sqlite3_step(s) != SQLITE_DONE) return fail(std::string(op) + ": updating the service's usage");
    return {};
  }

  Status write(ByteView service, std::string_view bucket, ByteView key, ByteView value, std::string_view op) {
    StmtUse use(put);
    if (auto st = bind_address(put, service, bucket, key, op); !st) return st.error();
    if (bind_blob(put, 4, value) != SQLITE_OK) return fail(op);
    if (sqlite3_step(put) != SQLITE_DONE) return fail(std::string(op) + ": writing the value");
    return {};
  }

  Status erase(ByteView service, std::string_view bucket, ByteView key, std::string_view op) {
    StmtUse use(del);
    if (auto st = bind_address(del, service, bucket, key, op); !st) return st.error();
    if (sqlite3_step(del) != SQLITE_DONE) return fail(std::string(op) + ": deleting the key");
    return {};
  }

  // Replaces (or creates) one value with the usage row kept in step; the caller holds
  // the write transaction. Nothing is written when the quota refuses it.
  Status store(ByteView service, std::string_view bucket, ByteView key, ByteView value,
               std::optional<std::size_t> old_value_size, std::uint64_t quota, std::string_view op) {
    auto usage = read_usage(service, op);
    if (!usage) return usage.error();
    std::uint64_t without = *usage;
    if (old_value_size) {
      std::uint64_t old_bytes = key.size() + *old_value_size;
      // A usage row below its keys' size would mean a damaged file; clamp rather than wrap.
      without = without >= old_bytes ? without - old_bytes : 0;
    }
    std::uint64_t next = without + key.size() + value.size();
    // Shrinking is allowed even over quota (e.g. after the quota was lowered), so a
    // service can always work its way back under it.
    if (next > quota && next > *usage) {
      return Error(ComponentErrc::kLimit,
                   std::string(op) + ": the service would use " + std::to_string(next) +
                       " bytes of keys and values, over its quota of " + std::to_string(quota));
    }
    if (auto st = write(service, bucket, key, value, op); !st) return st;
    if (next != *usage) return write_usage(service, next, op);
    return {};
  }
  // One BEGIN IMMEDIATE ... COMMIT; rolled back unless committed, so an error anywhere
  // leaves the file unchanged.
  class Transaction {
   public:
    explicit Transaction(Impl& impl) : impl_(impl) {}
    ~Transaction() {
      if (open_) {
        sqlite3_step(impl_.rollback);
        sqlite3_reset(impl_.rollback);
      }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Status begin(std::string_view op) {
      StmtUse use(impl_.begin);
      if (sqlite3_step(impl_.begin) != SQLITE_DONE) {
        return impl_.fail(std::string(op) + ": starting the write transaction");
      }
      open_ = true;
      return {};
    }
    Status commit(std::string_view op) {
      StmtUse use(impl_.commit);
      if (sqlite3_step(impl_.commit) != SQLITE_DONE) {
        // The destructor rolls back what could not be committed.
        return impl_.fail(std::string(op) + ": committing");
      }
      open_ = false;
      return {};
    }

   private:
    Impl& impl_;
    bool open_ = false;
  };
};

KvStore::KvStore(std::unique_ptr<Impl> impl, KvLimits limits) : impl_(std::move(impl)), limits_(limits) {}
KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::open(const std::filesystem::path& file, KvLimits limits) {
  auto impl = std::make_unique<Impl>();
  impl->file = file.string();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(impl->file.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) {
    // impl->db may be null when SQLite had no memory for a handle.
    std::string why = impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory";
    return Error(ComponentErrc::kInternal, "kv store " + impl->file + ": opening: " + why);
  }
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_handler(impl->db, &Impl::busy_wait, impl.get());

  // The first statement that reads the file is where a damaged or foreign file shows.
  if (auto st = impl->exec("PRAGMA journal_mode=WAL", "switching to WAL mode"); !st) return st.error();
  // FULL: a call's effects survive power loss once it returns, as the ABI promises.
  if (auto st = impl->exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"); !st) return st.error();

  // Schema creation runs under the write lock and re-reads the version, so two
  // processes opening a new file at once do not both create it.
  if (auto st = impl->exec("BEGIN IMMEDIATE", "locking the file to check its schema"); !st) return st.error();
  sqlite3_stmt* version_stmt = nullptr;
  if (auto st = impl->prepare(&version_stmt, "PRAGMA user_version"); !st) {
    (void)impl->exec("ROLLBACK", "rolling back");
    return st.error();
  }
  int version = -1;
  if (sqlite3_step(version_stmt) == SQLITE_ROW) version = sqlite3_column_int(version_stmt, 0);
  sqlite3_finalize(version_stmt);
  Status schema_status;
  if (version < 0) {
    schema_status = impl->fail("reading the schema version");
  } else if (version > kSchemaVersion) {
    schema_status = Error(ComponentErrc::kInternal,
                          "kv store " + impl->file + ": schema version " + std::to_string(version) +
                              " is newer than this build supports (" + std::to_string(kSchemaVersion) + ")");
  } else if (version == 0) {
    schema_status = impl->exec(kSchema, "creating the schema");
    if (schema_status) {
      std::string set_version = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
      schema_status = impl->exec(set_version.c_str(), "recording the schema version");
    }
  }
  const std::pair<sqlite3_stmt**, const char*> statements[] = {
      {&impl->begin, "BEGIN IMMEDIATE"},
      {&impl->commit, "COMMIT"},
      {&impl->rollback, "ROLLBACK"},
      {&impl->get, "SELECT value FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3"},
      {&impl->get_size, "SELECT length(value) FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3"},
      {&impl->put,
       "INSERT INTO kv(service, bucket, key, value) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT(service, bucket, key) DO UPDATE SET value = excluded.value"},
      {&impl->del, "DELETE FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3"},
      {&impl->list,
       "SELECT key FROM kv WHERE service = ?1 AND bucket = ?2 AND key > ?3 ORDER BY key LIMIT ?4"},
      {&impl->get_usage, "SELECT bytes FROM kv_usage WHERE service = ?1"},
      {&impl->put_usage,
       "INSERT INTO kv_usage(service, bytes) VALUES (?1, ?2) "
       "ON CONFLICT(service) DO UPDATE SET bytes = excluded.bytes"},
      {&impl->del_usage, "DELETE FROM kv_usage WHERE service = ?1"},
  };
  // Prepared before the schema commits, so a foreign SQLite file whose tables do not fit
  // is refused without being marked with our schema version.
  for (const auto& [stmt, sql] : statements) {
    if (!schema_status) break;
    schema_status = impl->prepare(stmt, sql);
  }
  if (!schema_status) {
    (void)impl->exec("ROLLBACK", "rolling back");
    return schema_status.error();
  }
  if (auto st = impl->exec("COMMIT", "committing the schema"); !st) {
    (void)impl->exec("ROLLBACK", "rolling back");
    return st.error();
  }

  return std::unique_ptr<KvStore>(new KvStore(std::move(impl), limits));
}

namespace {

Status check_address(const KvLimits& limits, std::string_view bucket, ByteView key) {
  if (auto problem = bucket_problem(bucket); !problem.empty()) return Error(ComponentErrc::kInvalid, problem);
  if (key.empty()) {
    return Error(ComponentErrc::kInvalid,
                 "key: empty (must be 1-" + std::to_string(limits.max_key_bytes) + " bytes)");
  }
  if (key.size() > limits.max_key_bytes) {
    return Error(ComponentErrc::kInvalid, "key: " + std::to_string(key.size()) + " bytes, more than " +
                                              std::to_string(limits.max_key_bytes));
  }
  return {};
}

}  // namespace

Result<std::optional<Bytes>> KvStore::get(ByteView service, std::string_view bucket, ByteView key) {
  if (auto st = check_address(limits_, bucket, key); !st) return st.error();
  std::lock_guard lock(impl_->mutex);
  return impl_->read(service, bucket, key, "get");
}

Status KvStore::set(ByteView service, std::string_view bucket, ByteView key, ByteView value) {
  if (auto st = check_address(limits_, bucket, key); !st) return st;
  if (value.size() > limits_.max_value_bytes) {
    return Error(ComponentErrc::kLimit, "value: " + std::to_string(value.size()) + " bytes, more than " +
                                            std::to_string(limits_.max_value_bytes));
  }
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction tx(*impl_);
  if (auto st = tx.begin("set"); !st) return st;
  auto old_size = impl_->read_size(service, bucket, key, "set");
  if (!old_size) return old_size.error();
  if (auto st = impl_->store(service, bucket, key, value, *old_size, limits_.quota_bytes, "set"); !st)
    return st;
  return tx.commit("set");
}

Result<bool> KvStore::remove(ByteView service, std::string_view bucket, ByteView key) {
  if (auto st = check_address(limits_, bucket, key); !st) return st.error();
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction tx(*impl_);
  if (auto st = tx.begin("delete"); !st) return st.error();
  auto old_size = impl_->read_size(service, bucket, key, "delete");
  if (!old_size) return old_size.error();
  if (!*old_size) return false;  // nothing written; the transaction just ends
  auto usage = impl_->read_usage(service, "delete");
  if (!usage) return usage.error();
  std::uint64_t freed = key.size() + **old_size;
  if (auto st = impl_->erase(service, bucket, key, "delete"); !st) return st.error();
  if (auto st = impl_->write_usage(service, *usage >= freed ? *usage - freed : 0, "delete"); !st) {
    return st.error();
  }
  if (auto st = tx.commit("delete"); !st) return st.error();
  return true;
}

Result<std::int64_t> KvStore::increment(ByteView service, std::string_view bucket, ByteView key,
                                        std::int64_t delta) {
  if (auto st = check_address(limits_, bucket, key); !st) return st.error();
  std::lock_guard lock(impl_->mutex);
  Impl::Transaction tx(*impl_);
  if (auto st = tx.begin("increment"); !st) return st.error();
  auto old = impl_->read(service, bucket, key, "increment");
  if (!old) return old.error();
  std::int64_t current = 0;
  std::optional<std::size_t> old_size;
  if (*old) {
    old_size = (*old)->size();
    std::string_view text = as_chars(**old);
    if (const char* problem = counter_problem(text)) {
      return Error(ComponentErrc::kType, "increment: the stored value (" + std::to_string(text.size()) +
                                             " bytes) is not a counter (canonical decimal text of a signed "
                                             "64-bit integer): " +
                                             problem);
    }
    current = *parse_counter(**old);
  }
  std::int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) {
    return Error(ComponentErrc::kLimit, "increment: " + std::to_string(current) + " + " +
                                            std::to_string(delta) + " overflows a signed 64-bit counter");
  }
  std::string text = std::to_string(next);
  if (auto st =
          impl_->store(service, bucket, key, as_bytes(text), old_size, limits_.quota_bytes, "increment");
      !st) {
    return st.error();
  }
  if (auto st = tx.commit("increment"); !st) return st.error();
  return next;
}

Result<std::vector<Bytes>> KvStore::list(ByteView service, std::string_view bucket, ByteView after,
                                         std::int32_t limit) {
  if (auto problem = bucket_problem(bucket); !problem.empty()) return Error(ComponentErrc::kInvalid, problem);
  std::uint32_t max = limits_.max_list_limit;
  std::uint32_t n = limit <= 0 ? std::min(limits_.default_list_limit, max)
                               : std::min(static_cast<std::uint32_t>(limit), max);
  std::lock_guard lock(impl_->mutex);
  sqlite3_stmt* s = impl_->list;
  StmtUse use(s);
  // An empty cursor binds the empty BLOB, which every (non-empty) key sorts after.
  if (Impl::bind_blob(s, 1, service) != SQLITE_OK || Impl::bind_text(s, 2, bucket) != SQLITE_OK ||
      Impl::bind_blob(s, 3, after) != SQLITE_OK || sqlite3_bind_int64(s, 4, n) != SQLITE_OK) {
    return impl_->fail("list");
  }
  std::vector<Bytes> keys;
  keys.reserve(std::min<std::uint32_t>(n, 1024));
  for (;;) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return impl_->fail("list: reading keys");
    keys.push_back(Impl::column_bytes(s, 0));
  }
  return keys;
}

Result<std::uint64_t> KvStore::usage(ByteView service) {
  std::lock_guard lock(impl_->mutex);
  return impl_->read_usage(service, "usage");
}

bool valid_bucket(std::string_view bucket) { return bucket_problem(bucket).empty(); }

std::optional<std::int64_t> parse_counter(ByteView text) {
  std::string_view s = as_chars(text);
  if (counter_problem(s) != nullptr) return std::nullopt;
  std::int64_t value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

}  // namespace wavs::component
