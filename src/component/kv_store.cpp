#include "component/kv_store.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "storage/database.hpp"

namespace wavs::component {
namespace {

constexpr std::size_t kMaxBucketBytes = 64;

// Usage counts keys plus values only, so that the quota means the same thing as in the
// ABI document whatever the bucket names are.
constexpr const char* kTables =
    "CREATE TABLE kv("
    "  service BLOB NOT NULL, bucket TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    "  PRIMARY KEY (service, bucket, key)) WITHOUT ROWID;"
    "CREATE TABLE kv_usage("
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

// Error codes stay those of the ABI: every storage failure is the host's (kInternal),
// with the storage detail (file, operation, SQLite's message) kept.
Error internal(const Error& e) { return Error(ComponentErrc::kInternal, e.detail()); }

constexpr const char* kGet = "SELECT value FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3";
constexpr const char* kGetSize =
    "SELECT length(value) FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3";
constexpr const char* kPut =
    "INSERT INTO kv(service, bucket, key, value) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(service, bucket, key) DO UPDATE SET value = excluded.value";
constexpr const char* kDelete = "DELETE FROM kv WHERE service = ?1 AND bucket = ?2 AND key = ?3";
constexpr const char* kList =
    "SELECT key FROM kv WHERE service = ?1 AND bucket = ?2 AND key > ?3 ORDER BY key LIMIT ?4";
constexpr const char* kGetUsage = "SELECT bytes FROM kv_usage WHERE service = ?1";
constexpr const char* kPutUsage =
    "INSERT INTO kv_usage(service, bytes) VALUES (?1, ?2) ON CONFLICT(service) DO UPDATE SET bytes = "
    "excluded.bytes";
constexpr const char* kDeleteUsage = "DELETE FROM kv_usage WHERE service = ?1";

// Version 1 is the schema of the files written before storage::Database existed (by
// PRAGMA user_version alone): they are adopted as they are.
const storage::Schema& kv_schema() {
  static const storage::Schema kSchema{
      "kv store",
      {{1, "kv and kv_usage tables", kTables}},
      1,
      {"SELECT service, bucket, key, value FROM kv", "SELECT service, bytes FROM kv_usage"}};
  return kSchema;
}

// The statement for `sql` with the address bound as ?1-?3.
Result<storage::Statement> addressed(storage::Transaction& tx, const char* sql, ByteView service,
                                     std::string_view bucket, ByteView key) {
  auto s = tx.statement(sql);
  if (!s) return internal(s.error());
  s->bind_blob(1, service).bind_text(2, bucket).bind_blob(3, key);
  return s;
}

// The stored value, nullopt when absent.
Result<std::optional<Bytes>> read(storage::Transaction& tx, ByteView service, std::string_view bucket,
                                  ByteView key) {
  auto s = addressed(tx, kGet, service, bucket, key);
  if (!s) return s.error();
  auto row = s->step();
  if (!row) return internal(row.error());
  if (!*row) return std::optional<Bytes>();
  return std::optional<Bytes>(s->column_blob(0));
}

// The stored value's size, nullopt when absent; avoids copying up to a MiB only to
// account for it.
Result<std::optional<std::size_t>> read_size(storage::Transaction& tx, ByteView service,
                                             std::string_view bucket, ByteView key) {
  auto s = addressed(tx, kGetSize, service, bucket, key);
  if (!s) return s.error();
  auto row = s->step();
  if (!row) return internal(row.error());
  if (!*row) return std::optional<std::size_t>();
  return std::optional<std::size_t>(static_cast<std::size_t>(s->column_int64(0)));
}

Result<std::uint64_t> read_usage(storage::Transaction& tx, ByteView service) {
  auto s = tx.statement(kGetUsage);
  if (!s) return internal(s.error());
  s->bind_blob(1, service);
  auto row = s->step();
  if (!row) return internal(row.error());
  if (!*row) return std::uint64_t{0};
  return static_cast<std::uint64_t>(s->column_int64(0));
}

Status write_usage(storage::Transaction& tx, ByteView service, std::uint64_t bytes) {
  // A service that stores nothing leaves no row behind.
  auto s = tx.statement(bytes == 0 ? kDeleteUsage : kPutUsage);
  if (!s) return internal(s.error());
  s->bind_blob(1, service);
  if (bytes != 0) s->bind_int64(2, static_cast<std::int64_t>(bytes));
  if (auto st = s->run(); !st) return internal(st.error());
  return {};
}

Status run_addressed(storage::Transaction& tx, const char* sql, ByteView service, std::string_view bucket,
                     ByteView key, const ByteView* value) {
  auto s = addressed(tx, sql, service, bucket, key);
  if (!s) return s.error();
  if (value != nullptr) s->bind_blob(4, *value);
  if (auto st = s->run(); !st) return internal(st.error());
  return {};
}

// Replaces (or creates) one value with the usage row kept in step; the caller holds
// the write transaction. Nothing is written when the quota refuses it.
Status store(storage::Transaction& tx, ByteView service, std::string_view bucket, ByteView key,
             ByteView value, std::optional<std::size_t> old_value_size, std::uint64_t quota,
             std::string_view op) {
  auto usage = read_usage(tx, service);
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
    return Error(ComponentErrc::kLimit, std::string(op) + ": the service would use " + std::to_string(next) +
                                            " bytes of keys and values, over its quota of " +
                                            std::to_string(quota));
  }
  if (auto st = run_addressed(tx, kPut, service, bucket, key, &value); !st) return st;
  if (next != *usage) return write_usage(tx, service, next);
  return {};
}

}  // namespace

// One connection (storage::Database serialises this process's threads on it; SQLite's
// file lock serialises processes). Every mutating call is one BEGIN IMMEDIATE
// transaction, rolled back unless committed, so an error anywhere leaves the file
// unchanged.
struct KvStore::Impl {
  std::unique_ptr<storage::Database> db;

  Result<storage::Transaction> begin(storage::TxMode mode, std::string_view op) {
    auto tx = db->begin(mode, op);
    if (!tx) return internal(tx.error());
    return tx;
  }
};

KvStore::KvStore(std::unique_ptr<Impl> impl, KvLimits limits) : impl_(std::move(impl)), limits_(limits) {}
KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::open(const std::filesystem::path& file, KvLimits limits) {
  // Other processes sharing the file hold its write lock only for one short
  // transaction; the default 5 s bound covers fsync stalls without hanging a caller.
  // synchronous=FULL: a call's effects survive power loss once it returns, as the ABI
  // promises.
  auto db = storage::Database::open(file, kv_schema());
  if (!db) return internal(db.error());
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
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
  auto tx = impl_->begin(storage::TxMode::kDeferred, "get");
  if (!tx) return tx.error();
  return read(*tx, service, bucket, key);
}

Status KvStore::set(ByteView service, std::string_view bucket, ByteView key, ByteView value) {
  if (auto st = check_address(limits_, bucket, key); !st) return st;
  if (value.size() > limits_.max_value_bytes) {
    return Error(ComponentErrc::kLimit, "value: " + std::to_string(value.size()) + " bytes, more than " +
                                            std::to_string(limits_.max_value_bytes));
  }
  auto tx = impl_->begin(storage::TxMode::kImmediate, "set");
  if (!tx) return tx.error();
  auto old_size = read_size(*tx, service, bucket, key);
  if (!old_size) return old_size.error();
  if (auto st = store(*tx, service, bucket, key, value, *old_size, limits_.quota_bytes, "set"); !st)
    return st;
  if (auto st = tx->commit(); !st) return internal(st.error());
  return {};
}

Result<bool> KvStore::remove(ByteView service, std::string_view bucket, ByteView key) {
  if (auto st = check_address(limits_, bucket, key); !st) return st.error();
  auto tx = impl_->begin(storage::TxMode::kImmediate, "delete");
  if (!tx) return tx.error();
  auto old_size = read_size(*tx, service, bucket, key);
  if (!old_size) return old_size.error();
  if (!*old_size) return false;  // nothing written; the transaction just ends
  auto usage = read_usage(*tx, service);
  if (!usage) return usage.error();
  std::uint64_t freed = key.size() + **old_size;
  if (auto st = run_addressed(*tx, kDelete, service, bucket, key, nullptr); !st) return st.error();
  if (auto st = write_usage(*tx, service, *usage >= freed ? *usage - freed : 0); !st) return st.error();
  if (auto st = tx->commit(); !st) return internal(st.error());
  return true;
}

Result<std::int64_t> KvStore::increment(ByteView service, std::string_view bucket, ByteView key,
                                        std::int64_t delta) {
  if (auto st = check_address(limits_, bucket, key); !st) return st.error();
  auto tx = impl_->begin(storage::TxMode::kImmediate, "increment");
  if (!tx) return tx.error();
  auto old = read(*tx, service, bucket, key);
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
  if (auto st = store(*tx, service, bucket, key, as_bytes(text), old_size, limits_.quota_bytes, "increment");
      !st) {
    return st.error();
  }
  if (auto st = tx->commit(); !st) return internal(st.error());
  return next;
}

Result<std::vector<Bytes>> KvStore::list(ByteView service, std::string_view bucket, ByteView after,
                                         std::int32_t limit) {
  if (auto problem = bucket_problem(bucket); !problem.empty()) return Error(ComponentErrc::kInvalid, problem);
  std::uint32_t max = limits_.max_list_limit;
  std::uint32_t n = limit <= 0 ? std::min(limits_.default_list_limit, max)
                               : std::min(static_cast<std::uint32_t>(limit), max);
  auto tx = impl_->begin(storage::TxMode::kDeferred, "list");
  if (!tx) return tx.error();
  auto s = tx->statement(kList);
  if (!s) return internal(s.error());
  // An empty cursor binds the empty BLOB, which every (non-empty) key sorts after.
  s->bind_blob(1, service).bind_text(2, bucket).bind_blob(3, after).bind_int64(4, n);
  std::vector<Bytes> keys;
  keys.reserve(std::min<std::uint32_t>(n, 1024));
  for (;;) {
    auto row = s->step();
    if (!row) return internal(row.error());
    if (!*row) break;
    keys.push_back(s->column_blob(0));
  }
  return keys;
}

Result<std::uint64_t> KvStore::usage(ByteView service) {
  auto tx = impl_->begin(storage::TxMode::kDeferred, "usage");
  if (!tx) return tx.error();
  return read_usage(*tx, service);
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
