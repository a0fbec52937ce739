#include "aot/cache.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "aot/error.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace wavs::aot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::array<std::uint8_t, 8> kMagic = {'w', 'a', 'v', 's', '-', 'a', 'o', 't'};
constexpr std::size_t kMacSize = 32;
constexpr std::size_t kSecretSize = 32;
constexpr std::size_t kKeyLength = 64;
// Far above any module's object; a file larger than this is not read into memory.
constexpr std::uint64_t kMaxEntry = std::uint64_t{1} << 30;
constexpr const char* kKeyFile = "key";
constexpr const char* kTempInfix = ".tmp-";
constexpr auto kStaleTemp = 1h;
constexpr std::string_view kKeyDomain = "wavs-aot-cache-key/1";

std::string errno_text() { return std::strerror(errno); }

Error io_error(const std::string& what, const fs::path& path) {
  return Error(AotErrc::kCacheIo, what + " " + path.string() + ": " + errno_text());
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le(ByteView in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{in[static_cast<std::size_t>(i)]} << (8 * i);
  return v;
}

bool same_bytes(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;  // no early exit: the time does not tell where a MAC differs
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

Status check_key(std::string_view key) {
  const bool ok = key.size() == kKeyLength && std::all_of(key.begin(), key.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (!ok) {
    return Error(AotErrc::kBadKey,
                 "'" + std::string(key.substr(0, 80)) + "' is not 64 lower-case hex digits");
  }
  return {};
}

Status write_all(int fd, ByteView data, const fs::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Reads at most `limit` bytes (one more tells the caller the file is larger).
Result<Bytes> read_all(int fd, std::uint64_t limit, const fs::path& path) {
  Bytes out;
  std::array<std::uint8_t, 65536> buf{};
  while (out.size() <= limit) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", path);
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
}

// The directory's entries are durable only once the directory itself is synced.
void sync_dir(const fs::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) (void)::fsync(fd.get());
}

std::string mode_text(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Result<Secret> read_secret(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Error(AotErrc::kCorrupt, path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return Error(AotErrc::kInsecure, path.string() + " has mode " + mode_text(st.st_mode) +
                                         "; other users must not read or write it (chmod 0600)");
  }
  auto bytes = read_all(fd, kSecretSize, path);
  if (!bytes) return bytes.error();
  if (bytes->size() != kSecretSize) {
    const std::string held = bytes->size() > kSecretSize ? "more than " + std::to_string(kSecretSize)
                                                         : std::to_string(bytes->size());
    return Error(AotErrc::kCorrupt,
                 path.string() + " holds " + held + " bytes, not " + std::to_string(kSecretSize));
  }
  Secret secret(std::string(as_chars(*bytes)));
  std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
  return secret;
}

// Creates the key file whole or not at all: the secret is written to a temp file that is
// then hard-linked into place, which fails when another process got there first.
Result<bool> create_secret(const fs::path& dir, const fs::path& path) {
  std::string tmpl = (dir / (std::string(kKeyFile) + kTempInfix + "XXXXXX")).string();
  const Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));  // 0600
  if (fd.get() < 0) return io_error("cannot create a file in", dir);
  const fs::path tmp = tmpl;
  std::array<std::uint8_t, kSecretSize> secret{};
  Status st = crypto::random_bytes(secret);
  if (st) st = write_all(fd.get(), secret, tmp);
  std::fill(secret.begin(), secret.end(), std::uint8_t{0});
  if (st && ::fsync(fd.get()) != 0) st = io_error("cannot sync", tmp);
  bool created = false;
  if (st) {
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      created = true;
    } else if (errno != EEXIST) {
      st = io_error("cannot create", path);
    }
  }
  ::unlink(tmp.c_str());
  if (!st) return st.error();
  if (created) sync_dir(dir);
  return created;
}

Result<Secret> load_or_create_secret(const fs::path& dir) {
  const fs::path path = dir / kKeyFile;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() >= 0) return read_secret(fd.get(), path);
    if (errno == ELOOP) return Error(AotErrc::kCorrupt, path.string() + " is a symbolic link");
    if (errno != ENOENT) return io_error("cannot open", path);
    auto created = create_secret(dir, path);
    if (!created) return created.error();
  }
  return Error(AotErrc::kCacheIo, "cannot create " + path.string() + ": it keeps disappearing");
}

// Temp files of stores that never finished (the process died between create and rename).
void remove_stale_temps(const fs::path& dir) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - kStaleTemp;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().find(kTempInfix) == std::string::npos) continue;
    std::error_code ec2;
    if (it->is_regular_file(ec2) && fs::last_write_time(it->path(), ec2) < cutoff && !ec2) {
      fs::remove(it->path(), ec2);
    }
  }
}

Bytes mac_input(std::string_view key, ByteView signed_part) {
  Bytes in;
  in.reserve(key.size() + signed_part.size());
  in.insert(in.end(), key.begin(), key.end());
  in.insert(in.end(), signed_part.begin(), signed_part.end());
  return in;
}

// Why `file` is not a valid entry for `key`, or nullopt when it is.
std::optional<std::string> entry_problem(std::string_view key, ByteView file, const Secret& secret) {
  if (file.size() < Cache::kTrailerSize) {
    return "it is " + std::to_string(file.size()) + " bytes, shorter than the " +
           std::to_string(Cache::kTrailerSize) + "-byte trailer";
  }
  const std::size_t object_size = file.size() - Cache::kTrailerSize;
  const ByteView trailer = file.subspan(object_size);
  if (!same_bytes(trailer.first(kMagic.size()), kMagic)) {
    return std::string("its trailer has no \"wavs-aot\" magic");
  }
  const std::uint64_t version = get_le(trailer.subspan(8), 4);
  if (version != Cache::kFormatVersion) {
    return "its format version is " + std::to_string(version) + ", this build reads " +
           std::to_string(Cache::kFormatVersion);
  }
  const std::uint64_t length = get_le(trailer.subspan(12), 8);
  if (length != object_size) {
    return "its trailer gives " + std::to_string(length) + " object bytes, the file holds " +
           std::to_string(object_size);
  }
  const auto mac =
      crypto::hmac_sha256(as_bytes(secret.reveal()), mac_input(key, file.first(file.size() - kMacSize)));
  if (!same_bytes(mac.view(), trailer.subspan(20))) {
    return std::string(
        "its HMAC does not match (changed after it was written, or written under another key or secret)");
  }
  return std::nullopt;
}

// Removes the entry only if the name still refers to the file that was read: a
// concurrent store may have renamed a good entry over it meanwhile.
std::string remove_entry(const fs::path& path, const struct stat& read_st) {
  struct stat now {};
  if (::lstat(path.c_str(), &now) != 0 || now.st_dev != read_st.st_dev || now.st_ino != read_st.st_ino) {
    return "replaced meanwhile, kept";
  }
  if (::unlink(path.c_str()) != 0) return "cannot remove (" + errno_text() + ")";
  return "removed";
}

}  // namespace

Result<Cache> Cache::open(fs::path dir) {
  if (dir.empty()) return Error(AotErrc::kCacheIo, "no cache directory given");
  std::error_code ec;
  if (dir.has_parent_path() && !dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) {
      return Error(AotErrc::kCacheIo, "cannot create " + dir.parent_path().string() + ": " + ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create", dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return io_error("cannot stat", dir);
  if (!S_ISDIR(st.st_mode)) return Error(AotErrc::kCacheIo, dir.string() + " is not a directory");
  if ((st.st_mode & 022) != 0) {
    return Error(AotErrc::kInsecure, dir.string() + " has mode " + mode_text(st.st_mode) +
                                         "; other users must not write to it (chmod 0700)");
  }
  auto secret = load_or_create_secret(dir);
  if (!secret) return secret.error();
  remove_stale_temps(dir);
  return Cache(std::move(dir), std::move(*secret));
}

Result<std::string> Cache::key(std::string_view engine_version, const ToolchainConfig& config,
                               std::string_view c_source) {
  auto identity = compiler_identity(config);
  if (!identity) return identity.error();
  Bytes in;
  in.reserve(c_source.size() + identity->size() + engine_version.size() + kKeyDomain.size() + 32);
  for (std::string_view field : {kKeyDomain, engine_version, std::string_view(*identity), c_source}) {
    put_le(in, field.size(), 8);
    in.insert(in.end(), field.begin(), field.end());
  }
  return to_hex(crypto::sha256(in).view(), HexPrefix::kNone);
}

Result<std::optional<Bytes>> Cache::load(std::string_view key) const {
  if (auto st = check_key(key); !st) return st.error();
  const fs::path path = dir_ / (std::string(key) + ".so");
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  std::optional<std::string> problem;
  Bytes file;
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<Bytes>();
    if (errno != ELOOP) return io_error("cannot open", path);
    problem = "it is a symbolic link";
    if (::lstat(path.c_str(), &st) != 0) return std::optional<Bytes>();
  } else {
    if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path);
    if (!S_ISREG(st.st_mode)) {
      problem = "it is not a regular file";
    } else {
      auto read = read_all(fd.get(), kMaxEntry, path);
      if (!read) return read.error();
      file = std::move(*read);
      if (file.size() > kMaxEntry) {
        problem = "it is larger than the cache's cap of " + std::to_string(kMaxEntry) + " bytes";
      } else {
        problem = entry_problem(key, file, secret_);
      }
    }
  }
  if (problem) {
    const std::string done = remove_entry(path, st);
    spdlog::warn("aot cache: {} {}: {}", done, path.string(), *problem);
    return std::optional<Bytes>();
  }
  file.resize(file.size() - kTrailerSize);
  return std::optional<Bytes>(std::move(file));
}

Status Cache::store(std::string_view key, ByteView object) const {
  if (auto st = check_key(key); !st) return st.error();
  if (object.size() + kTrailerSize > kMaxEntry) {
    return Error(AotErrc::kCacheIo, "an object of " + std::to_string(object.size()) +
                                        " bytes is over the cache's cap of " + std::to_string(kMaxEntry) +
                                        " bytes");
  }
  const fs::path path = dir_ / (std::string(key) + ".so");
  std::string tmpl = path.string() + kTempInfix + "XXXXXX";
  Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot create a temp file in", dir_);
  const fs::path tmp = tmpl;

  Bytes file;
  file.reserve(object.size() + kTrailerSize);
  file.insert(file.end(), object.begin(), object.end());
  file.insert(file.end(), kMagic.begin(), kMagic.end());
  put_le(file, kFormatVersion, 4);
  put_le(file, object.size(), 8);
  const auto mac = crypto::hmac_sha256(as_bytes(secret_.reveal()), mac_input(key, file));
  file.insert(file.end(), mac.data.begin(), mac.data.end());

  Status st = write_all(fd.get(), file, tmp);
  if (st && ::fsync(fd.get()) != 0) st = io_error("cannot sync", tmp);
  if (st && ::close(fd.release()) != 0) st = io_error("cannot close", tmp);
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = io_error("cannot rename " + tmp.string() + " to", path);
  }
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  sync_dir(dir_);
  return {};
}

}  // namespace wavs::aot
