#pragma once
// Where a node keeps components: binaries by content, and compiled programs by digest.
//
//   auto store = component::ComponentStore::open("data/components");
//   Hash256 digest = *(*store)->put(wasm_bytes);            // sha256; idempotent
//   component::ProgramCache cache(engine);
//   auto program = cache.get(digest, [&] { return (*store)->get(digest); });
//
// A manifest names its component by sha256 digest, so the store is content-addressed:
// <dir>/<hex>.wasm, written atomically (temporary file, fsync, rename) and checked
// against its digest whenever it is read, so a corrupted or swapped file is never run.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/error.hpp"
#include "wasi/run.hpp"
#include "wasm/wasm.hpp"

namespace wavs::component {

class ComponentStore {
 public:
  static constexpr std::size_t kMaxComponentBytes = 64 << 20;

  // Creates the directory when missing. kInternal when it cannot.
  [[nodiscard]] static Result<std::unique_ptr<ComponentStore>> open(const std::filesystem::path& dir);

  // Stores the bytes under their sha256 and returns it. kLimit over kMaxComponentBytes,
  // kInvalid when the bytes are not a WebAssembly binary (no \0asm header), kInternal on
  // I/O failure. Storing the same bytes again is a no-op.
  [[nodiscard]] Result<Hash256> put(ByteView wasm);
  // kNotFound when absent; kInternal when the file no longer matches its digest.
  [[nodiscard]] Result<Bytes> get(const Hash256& digest) const;
  [[nodiscard]] bool contains(const Hash256& digest) const;
  [[nodiscard]] Result<std::vector<Hash256>> list() const;
  // true when it existed.
  [[nodiscard]] Result<bool> remove(const Hash256& digest);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit ComponentStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] std::filesystem::path path_of(const Hash256& digest) const;
  std::filesystem::path dir_;
};

// Compiled components shared by every run: each digest is loaded (checked, metered,
// compiled) once, even when many threads ask for it at the same time, and at most
// `capacity` are kept (least recently used out). Failures are not cached. Thread-safe.
class ProgramCache {
 public:
  using Loader = std::function<Result<Bytes>()>;
  explicit ProgramCache(const wasm::Engine& engine, std::size_t capacity = 64);
  ~ProgramCache();
  ProgramCache(const ProgramCache&) = delete;
  ProgramCache& operator=(const ProgramCache&) = delete;

  // The program for `digest`, loading its bytes with `loader` on a miss. The bytes must
  // hash to `digest` (kInternal otherwise); load errors are component::load's.
  [[nodiscard]] Result<std::shared_ptr<const wasi::Program>> get(const Hash256& digest, const Loader& loader);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t compiles() const;  // loads performed so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::component
