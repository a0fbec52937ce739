#pragma once
// The on-disk cache of compiled modules: shared objects keyed by what produced them (the
// engine's version, the compiler and its flags, the C source), each authenticated with a
// secret kept beside them, so a file someone without that secret wrote or changed is
// never loaded.
//
//   auto cache = Cache::open(data_dir / "aot");
//   auto key = Cache::key(kEngineVersion, toolchain, c_source);
//   auto hit = cache->load(*key);               // verified bytes, or nullopt
//   if (!*hit) { auto so = compile_shared_object(toolchain, c_source); cache->store(*key, *so); }
//
// Files in the directory (created 0700 when missing):
//   key             32 random bytes, the HMAC secret (0600; created on first use)
//   <key>.so        the object's bytes, then a kTrailerSize-byte trailer: the magic
//                   "wavs-aot", the format version (u32 LE, kFormatVersion), the object's
//                   length (u64 LE) and HMAC-SHA256(secret, key text || every byte of the
//                   file before the MAC)
//   <key>.so.tmp-*  a store in progress (a crashed one's is removed by open() after an hour)
//
// Contract:
//   owns     only its path and the secret (wiped on destruction); copies share the directory
//   threads  every member is const and thread-safe; concurrent stores of one key, from
//            threads or processes, leave one whole entry
//   blocking file I/O; store() fsyncs the entry and the directory; key() may run
//            `cc --version` once per toolchain (compiler_identity)
//   cancels  nothing

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "aot/toolchain.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"

namespace wavs::aot {

class Cache {
 public:
  static constexpr std::size_t kTrailerSize = 8 + 4 + 8 + 32;
  static constexpr std::uint32_t kFormatVersion = 1;

  // Creates `dir` (0700, parents as needed) and its key file when missing. Errors:
  // kCacheIo naming the path and errno's text; kCorrupt when the key file is not 32
  // bytes; kInsecure when the key file can be read or written by group or others, or
  // the directory written by them.
  [[nodiscard]] static Result<Cache> open(std::filesystem::path dir);

  // Hex SHA-256 (64 lower-case digits) over a domain tag, `engine_version`,
  // compiler_identity(config) and `c_source`, each prefixed by its length. Errors: those
  // of compiler_identity.
  [[nodiscard]] static Result<std::string> key(std::string_view engine_version, const ToolchainConfig& config,
                                               std::string_view c_source);

  // The object stored under `key`, verified; nullopt when there is none. A truncated,
  // corrupt or tampered entry is deleted, logged as a warning naming the file and what
  // was wrong, and reported as nullopt: it is never returned. Errors: kBadKey (not what
  // key() returns), kCacheIo (the file exists but cannot be read).
  [[nodiscard]] Result<std::optional<Bytes>> load(std::string_view key) const;

  // Writes the entry atomically (a temp file in the directory, fsync, rename). Errors:
  // kBadKey, kCacheIo.
  [[nodiscard]] Status store(std::string_view key, ByteView object) const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  Cache(std::filesystem::path dir, Secret secret) : dir_(std::move(dir)), secret_(std::move(secret)) {}
  std::filesystem::path dir_;
  Secret secret_;  // 32 raw bytes
};

}  // namespace wavs::aot
