#pragma once
// The per-service key-value store behind the kv_* imports, persisted in one SQLite file
// (WAL mode) for the whole node. Semantics are those of docs/component-abi.md, "The
// key-value store": buckets of [a-z0-9_.-]{1,64}, keys of 1–1024 bytes, values up to
// 1 MiB, a quota of keys plus values per service, counters stored as canonical decimal
// text.
//
//   auto store = component::KvStore::open("data/kv.sqlite");
//   (*store)->set(service, "counts", key, value);
//   auto n = (*store)->increment(service, "counts", key, 1);   // atomic read-modify-write
//
// Each call is one transaction, committed (durable) before it returns, and atomic
// across threads of this process and across processes sharing the file. A service is
// named by its id (any bytes, usually the 32-byte ServiceId); no call can reach another
// service's data. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/error.hpp"

namespace wavs::component {

struct KvLimits {
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = 1 << 20;
  std::uint64_t quota_bytes = 64ull << 20;  // keys plus values, per service
  std::uint32_t default_list_limit = 100;
  std::uint32_t max_list_limit = 1000;
};

// Errors of every call: kInvalid (bucket or key outside the rules), kLimit (value or
// quota; counter overflow), kType (increment of a non-counter), kInternal (SQLite failed,
// with its message).
class KvStore {
 public:
  // Creates the file and schema when missing. kInternal when it cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<KvStore>> open(const std::filesystem::path& file,
                                                             KvLimits limits = {});
  ~KvStore();
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // nullopt when the key is absent.
  [[nodiscard]] Result<std::optional<Bytes>> get(ByteView service, std::string_view bucket, ByteView key);
  [[nodiscard]] Status set(ByteView service, std::string_view bucket, ByteView key, ByteView value);
  // true when the key existed. Always allowed, even over quota.
  [[nodiscard]] Result<bool> remove(ByteView service, std::string_view bucket, ByteView key);
  // Adds delta to the counter (absent = 0) and returns the new value.
  [[nodiscard]] Result<std::int64_t> increment(ByteView service, std::string_view bucket, ByteView key,
                                               std::int64_t delta);
  // Keys strictly after `after` in ascending bytewise order; `limit` <= 0 means the
  // default, over the maximum means the maximum.
  [[nodiscard]] Result<std::vector<Bytes>> list(ByteView service, std::string_view bucket, ByteView after,
                                                std::int32_t limit);
  // Bytes of keys plus values the service uses now.
  [[nodiscard]] Result<std::uint64_t> usage(ByteView service);

  [[nodiscard]] const KvLimits& limits() const { return limits_; }

 private:
  struct Impl;
  KvStore(std::unique_ptr<Impl> impl, KvLimits limits);
  std::unique_ptr<Impl> impl_;
  KvLimits limits_;
};

// The bucket rule alone (for hosts that check before touching the store).
[[nodiscard]] bool valid_bucket(std::string_view bucket);
// Canonical decimal text of a signed 64-bit integer: "0", "42", "-7" (no '+', no
// leading zeros, no "-0"). nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_counter(ByteView text);

}  // namespace wavs::component
