#include "component/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <random>

#include "component/runner.hpp"
#include "crypto/hash.hpp"

namespace wavs::component {
namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

// Writes all of `data` to a new file and makes it durable before it gets its name, so a
// crash leaves either no file or a whole one.
Status write_atomically(const fs::path& target, ByteView data) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const fs::path tmp = target.string() + ".tmp-" + std::to_string(rng());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error(ComponentErrc::kInternal, "cannot create " + tmp.string() + ": " + errno_text());
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(ComponentErrc::kInternal, "cannot write " + tmp.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error(ComponentErrc::kInternal, "cannot sync " + tmp.string() + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return Error(ComponentErrc::kInternal, "cannot rename into " + target.string() + ": " + why);
  }
  // The rename itself is durable once the directory is synced.
  if (const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return {};
}

Hash256 digest_of(ByteView bytes) { return crypto::sha256(bytes); }

}  // namespace

Result<std::unique_ptr<ComponentStore>> ComponentStore::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Error(ComponentErrc::kInternal, "cannot create component directory " + dir.string() +
                                               (ec ? ": " + ec.message() : ""));
  }
  return std::unique_ptr<ComponentStore>(new ComponentStore(dir));
}

fs::path ComponentStore::path_of(const Hash256& digest) const {
  return dir_ / (digest.hex(HexPrefix::kNone) + ".wasm");
}

Result<Hash256> ComponentStore::put(ByteView wasm) {
  if (wasm.size() > kMaxComponentBytes) {
    return Error(ComponentErrc::kLimit, "component of " + std::to_string(wasm.size()) + " bytes is over the limit of " +
                                            std::to_string(kMaxComponentBytes));
  }
  static constexpr std::uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
  if (wasm.size() < 8 || !std::equal(std::begin(kMagic), std::end(kMagic), wasm.begin())) {
    return Error(ComponentErrc::kInvalid, "not a WebAssembly binary (no \\0asm header)");
  }
  const Hash256 digest = digest_of(wasm);
  if (contains(digest)) return digest;
  if (auto ok = write_atomically(path_of(digest), wasm); !ok) return ok.error();
  return digest;
}

Result<Bytes> ComponentStore::get(const Hash256& digest) const {
  const fs::path p = path_of(digest);
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(ComponentErrc::kNotFound, "no component " + digest.hex(HexPrefix::kNone));
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (digest_of(bytes) != digest) {
    return Error(ComponentErrc::kInternal, "stored component " + p.string() + " does not match its digest");
  }
  return bytes;
}

bool ComponentStore::contains(const Hash256& digest) const {
  std::error_code ec;
  return fs::is_regular_file(path_of(digest), ec);
}

Result<std::vector<Hash256>> ComponentStore::list() const {
  std::vector<Hash256> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.size() != 64 + 5 || it->path().extension() != ".wasm") continue;  // temporaries, strays
    if (auto d = Hash256::from_hex(name.substr(0, 64))) out.push_back(*d);
  }
  if (ec) return Error(ComponentErrc::kInternal, "cannot list " + dir_.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<bool> ComponentStore::remove(const Hash256& digest) {
  std::error_code ec;
  const bool existed = fs::remove(path_of(digest), ec);
  if (ec) return Error(ComponentErrc::kInternal, "cannot remove " + path_of(digest).string() + ": " + ec.message());
  return existed;
}

// One entry per digest; a loading entry makes other askers wait for the first one
// instead of compiling the same module again.
struct ProgramCache::Impl {
  const wasm::Engine& engine;
  std::size_t capacity;
  mutable std::mutex mu;
  std::condition_variable cv;
  struct Entry {
    std::shared_ptr<const wasi::Program> program;
    bool loading = false;
    std::list<Hash256>::iterator lru;
  };
  std::map<Hash256, Entry> entries;
  std::list<Hash256> lru;  // front: most recently used
  std::uint64_t compiles = 0;

  Impl(const wasm::Engine& e, std::size_t c) : engine(e), capacity(std::max<std::size_t>(c, 1)) {}

  void touch(Entry& e, const Hash256& d) {
    lru.erase(e.lru);
    lru.push_front(d);
    e.lru = lru.begin();
  }
  void evict() {
    while (entries.size() > capacity) {
      // The least recently used entry that is not being loaded.
      auto victim = std::find_if(lru.rbegin(), lru.rend(), [&](const Hash256& d) { return !entries.at(d).loading; });
      if (victim == lru.rend()) return;
      const Hash256 d = *victim;
      lru.erase(std::next(victim).base());
      entries.erase(d);
    }
  }
};

ProgramCache::ProgramCache(const wasm::Engine& engine, std::size_t capacity)
    : impl_(std::make_unique<Impl>(engine, capacity)) {}
ProgramCache::~ProgramCache() = default;

Result<std::shared_ptr<const wasi::Program>> ProgramCache::get(const Hash256& digest, const Loader& loader) {
  std::unique_lock lock(impl_->mu);
  for (;;) {
    auto it = impl_->entries.find(digest);
    if (it == impl_->entries.end()) break;
    if (!it->second.loading) {
      impl_->touch(it->second, digest);
      return it->second.program;
    }
    impl_->cv.wait(lock);  // another thread is loading it; then look again
  }
  impl_->lru.push_front(digest);
  impl_->entries.emplace(digest, Impl::Entry{nullptr, true, impl_->lru.begin()});
  lock.unlock();

  Result<std::shared_ptr<const wasi::Program>> result = [&]() -> Result<std::shared_ptr<const wasi::Program>> {
    auto bytes = loader();
    if (!bytes) return bytes.error();
    if (crypto::sha256(*bytes) != digest) {
      return Error(ComponentErrc::kInternal, "component bytes do not match digest " + digest.hex(HexPrefix::kNone));
    }
    auto program = component::load(impl_->engine, *bytes);
    if (!program) return program.error();
    return std::make_shared<const wasi::Program>(std::move(*program));
  }();

  lock.lock();
  auto it = impl_->entries.find(digest);
  if (result) {
    it->second.program = *result;
    it->second.loading = false;
    ++impl_->compiles;
    impl_->evict();
  } else {
    impl_->lru.erase(it->second.lru);
    impl_->entries.erase(it);
  }
  impl_->cv.notify_all();
  return result;
}

std::size_t ProgramCache::size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->entries.size();
}

std::uint64_t ProgramCache::compiles() const {
  std::lock_guard lock(impl_->mu);
  return impl_->compiles;
}

}  // namespace wavs::component
