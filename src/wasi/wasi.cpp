#include "wasi/wasi.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "wasi/abi.hpp"
#include "wasi/error.hpp"
#include "wasi/sandbox.hpp"

namespace wavs::wasi {

using wasm::Caller;
using wasm::Trap;
using wasm::Value;
using wasm::ValType;

// ---- output ------------------------------------------------------------------------

OutputSink::OutputSink(std::size_t cap, Passthrough passthrough) : cap_(cap), passthrough_(std::move(passthrough)) {}

std::string OutputSink::marker(std::size_t cap) {
  return "\n[wavs: output truncated at " + std::to_string(cap) + " bytes]\n";
}

void OutputSink::write(std::string_view data) {
  std::uint64_t kept = std::min<std::uint64_t>(total_, cap_);
  total_ += data.size();
  if (truncated_) return;
  std::size_t room = static_cast<std::size_t>(cap_ - kept);
  std::string_view part = data.substr(0, std::min(room, data.size()));
  std::string tail;
  if (part.size() < data.size()) {
    truncated_ = true;
    tail = marker(cap_);
  }
  if (passthrough_) {
    if (!part.empty()) passthrough_(part);
    if (!tail.empty()) passthrough_(tail);
  } else {
    captured_.append(part);
    captured_.append(tail);
  }
}

// ---- the context ---------------------------------------------------------------------

namespace {

enum class FdKind : std::uint8_t { kStdin, kStdout, kStderr, kFile, kDir };

struct DirEntry {
  std::string name;
  std::uint64_t ino = 0;
  std::uint8_t type = abi::kFileUnknown;
};

struct Fd {
  FdKind kind = FdKind::kFile;
  int host = -1;                  // owned, for files and directories
  std::size_t root = 0;           // index into roots: the preopen this fd lives under
  RelPath rel;                    // for directories: where, beneath the root
  std::string preopen_name;       // non-empty for preopens
  std::uint64_t rights = abi::kAllRights;
  std::uint64_t inheriting = abi::kAllRights;
  std::uint16_t flags = 0;
  std::uint8_t filetype = abi::kFileUnknown;
  std::vector<DirEntry> listing;  // fd_readdir snapshot, taken at cookie 0
};

std::uint8_t filetype_of(mode_t m) {
  if (S_ISREG(m)) return abi::kFileRegular;
  if (S_ISDIR(m)) return abi::kFileDirectory;
  if (S_ISLNK(m)) return abi::kFileSymlink;
  if (S_ISCHR(m)) return abi::kFileCharDevice;
  if (S_ISBLK(m)) return abi::kFileBlockDevice;
  if (S_ISSOCK(m)) return abi::kFileSocketStream;
  return abi::kFileUnknown;
}

// What a stdio stream is to the guest. A terminal is a character device (and stdio never
// has seek rights), which is exactly what wasi-libc's isatty() tests; anything else —
// captured output, stdin from a buffer, a host pipe or file — is "unknown", as other
// runtimes report redirected stdio, so programs that refuse binary data on a terminal
// (gzip, tar) work on captured streams.
std::uint8_t stdio_filetype(int host_fd) {
  return host_fd >= 0 && isatty(host_fd) == 1 ? abi::kFileCharDevice : abi::kFileUnknown;
}

std::uint64_t ns_of(const timespec& t) {
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(t.tv_nsec);
}

// The guest's memory, as seen by one host call. Every access is range-checked first.
class Mem {
 public:
  explicit Mem(std::span<std::uint8_t> bytes) : b_(bytes) {}
  [[nodiscard]] bool ok(std::uint32_t ptr, std::uint64_t len) const {
    return static_cast<std::uint64_t>(ptr) + len <= b_.size();
  }
  [[nodiscard]] std::uint8_t* at(std::uint32_t ptr) { return b_.data() + ptr; }
  template <class T>
  bool get(std::uint32_t ptr, T& out) const {
    if (!ok(ptr, sizeof(T))) return false;
    std::memcpy(&out, b_.data() + ptr, sizeof(T));
    return true;
  }
  template <class T>
  bool put(std::uint32_t ptr, T v) {
    if (!ok(ptr, sizeof(T))) return false;
    std::memcpy(b_.data() + ptr, &v, sizeof(T));
    return true;
  }
  bool string(std::uint32_t ptr, std::uint32_t len, std::string& out) const {
    if (!ok(ptr, len)) return false;
    out.assign(reinterpret_cast<const char*>(b_.data()) + ptr, len);
    return true;
  }

 private:
  std::span<std::uint8_t> b_;
};

// What each linked host function's user pointer refers to.
struct Binding {
  WasiContext::Impl* w = nullptr;
  std::size_t index = 0;  // into kEntries
};

struct Iovec {
  std::uint32_t ptr;
  std::uint32_t len;
};

// Reads and checks an iovec array. Lengths are clamped so the total fits in u32.
bool read_iovs(Mem& m, std::uint32_t iovs, std::uint32_t count, std::vector<Iovec>& out) {
  if (!m.ok(iovs, static_cast<std::uint64_t>(count) * abi::kIovecSize)) return false;
  out.clear();
  out.reserve(std::min<std::uint32_t>(count, 1024));
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    Iovec v{};
    std::uint32_t base = iovs + i * abi::kIovecSize;
    if (!m.get(base, v.ptr) || !m.get(base + 4, v.len)) return false;
    if (!m.ok(v.ptr, v.len)) return false;
    std::uint64_t room = 0xffffffffull - total;
    if (v.len > room) v.len = static_cast<std::uint32_t>(room);
    total += v.len;
    out.push_back(v);
  }
  return true;
}

}  // namespace

struct WasiContext::Impl {
  WasiConfig config;
  OutputSink out;
  OutputSink err;
  std::vector<int> roots;  // host fds of the preopened directories, owned
  std::vector<std::optional<Fd>> fds;
  std::size_t stdin_pos = 0;
  std::optional<Trap> pending;  // set by proc_exit and interrupted sleeps
  std::vector<Iovec> iov_scratch;
  std::vector<Binding> bindings;  // sized once by link(): the linker holds pointers into it

  Impl(WasiConfig c)
      : config(std::move(c)),
        out(config.max_stdout_bytes, config.stdout_passthrough),
        err(config.max_stderr_bytes, config.stderr_passthrough) {}
  ~Impl() {
    for (auto& f : fds) {
      if (f && f->host >= 0) close(f->host);
    }
    for (int r : roots) close(r);
  }

  Fd* fd(std::uint32_t n) {
    if (n >= fds.size() || !fds[n]) return nullptr;
    return &*fds[n];
  }
  std::optional<std::uint32_t> alloc_fd(Fd f) {
    std::size_t open = 0;
    for (auto& s : fds) open += s.has_value();
    if (open >= config.max_open_fds) return std::nullopt;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i]) {
        fds[i] = std::move(f);
        return static_cast<std::uint32_t>(i);
      }
    }
    fds.push_back(std::move(f));
    return static_cast<std::uint32_t>(fds.size() - 1);
  }
  bool interrupted() const { return config.interrupt && config.interrupt->load(std::memory_order_relaxed); }
};

WasiContext::WasiContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WasiContext::~WasiContext() = default;
OutputSink& WasiContext::stdout_sink() { return impl_->out; }
OutputSink& WasiContext::stderr_sink() { return impl_->err; }

Result<std::unique_ptr<WasiContext>> WasiContext::create(WasiConfig config) {
  for (const auto& [k, v] : config.env) {
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
        v.find('\0') != std::string::npos) {
      return Error(WasiErrc::kBadOption, "environment variable name '" + k + "'");
    }
  }
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->fds.resize(3);
  const WasiConfig& c = impl->config;
  impl->fds[0] = Fd{FdKind::kStdin, -1, 0, {}, {}, abi::kRightFdRead, 0, 0, stdio_filetype(c.stdin_host_fd), {}};
  impl->fds[1] = Fd{FdKind::kStdout, -1, 0, {}, {}, abi::kRightFdWrite, 0, 0, stdio_filetype(c.stdout_host_fd), {}};
  impl->fds[2] = Fd{FdKind::kStderr, -1, 0, {}, {}, abi::kRightFdWrite, 0, 0, stdio_filetype(c.stderr_host_fd), {}};
  for (const auto& p : impl->config.preopens) {
    int dir = open(p.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
      return Error(WasiErrc::kPreopen, p.host_path + ": " + std::strerror(errno));
    }
    impl->roots.push_back(dir);
    Fd f;
    f.kind = FdKind::kDir;
    f.root = impl->roots.size() - 1;
    f.preopen_name = p.guest_path.empty() ? "." : p.guest_path;
    f.filetype = abi::kFileDirectory;
    impl->fds.push_back(std::move(f));
  }
  return std::unique_ptr<WasiContext>(new WasiContext(std::move(impl)));
}

// ---- the functions ---------------------------------------------------------------------

namespace {

using W = WasiContext::Impl;
using Args = std::span<const Value>;
using Errno = std::uint16_t;

std::uint32_t u32(const Value& v) { return static_cast<std::uint32_t>(v.i32()); }
std::uint64_t u64(const Value& v) { return static_cast<std::uint64_t>(v.i64()); }

Errno host_err() { return errno_to_wasi(errno); }

// Writes a list of NUL-terminated strings and the pointer array to them.
Errno put_strings(Mem& m, const std::vector<std::string>& items, std::uint32_t ptrs, std::uint32_t buf) {
  std::uint64_t total = 0;
  for (const auto& s : items) total += s.size() + 1;
  if (!m.ok(ptrs, static_cast<std::uint64_t>(items.size()) * 4) || !m.ok(buf, total)) return abi::kFault;
  std::uint32_t at = buf;
  for (std::size_t i = 0; i < items.size(); ++i) {
    (void)m.put<std::uint32_t>(ptrs + static_cast<std::uint32_t>(i) * 4, at);
    std::memcpy(m.at(at), items[i].data(), items[i].size());
    m.at(at)[items[i].size()] = 0;
    at += static_cast<std::uint32_t>(items[i].size() + 1);
  }
  return abi::kSuccess;
}

Errno put_sizes(Mem& m, const std::vector<std::string>& items, std::uint32_t count_ptr, std::uint32_t size_ptr) {
  std::uint64_t total = 0;
  for (const auto& s : items) total += s.size() + 1;
  if (!m.ok(count_ptr, 4) || !m.ok(size_ptr, 4)) return abi::kFault;
  (void)m.put<std::uint32_t>(count_ptr, static_cast<std::uint32_t>(items.size()));
  (void)m.put<std::uint32_t>(size_ptr, static_cast<std::uint32_t>(total));
  return abi::kSuccess;
}

std::vector<std::string> env_strings(const W& w) {
  std::vector<std::string> out;
  out.reserve(w.config.env.size());
  for (const auto& [k, v] : w.config.env) out.push_back(k + "=" + v);
  return out;
}

Errno args_get(W& w, Mem& m, Args a) { return put_strings(m, w.config.args, u32(a[0]), u32(a[1])); }
Errno args_sizes_get(W& w, Mem& m, Args a) { return put_sizes(m, w.config.args, u32(a[0]), u32(a[1])); }
Errno environ_get(W& w, Mem& m, Args a) { return put_strings(m, env_strings(w), u32(a[0]), u32(a[1])); }
Errno environ_sizes_get(W& w, Mem& m, Args a) { return put_sizes(m, env_strings(w), u32(a[0]), u32(a[1])); }

std::optional<clockid_t> host_clock(std::uint32_t id) {
  switch (id) {
    case abi::kClockRealtime: return CLOCK_REALTIME;
    case abi::kClockMonotonic: return CLOCK_MONOTONIC;
    // The guest runs on the calling thread; its process is the host's, so both CPU
    // clocks report the thread's time.
    case abi::kClockProcessCputime: return CLOCK_THREAD_CPUTIME_ID;
    case abi::kClockThreadCputime: return CLOCK_THREAD_CPUTIME_ID;
    default: return std::nullopt;
  }
}

Errno clock_res_get(W&, Mem& m, Args a) {
  auto c = host_clock(u32(a[0]));
  if (!c) return abi::kInval;
  timespec ts{};
  clock_getres(*c, &ts);
  return m.put<std::uint64_t>(u32(a[1]), ns_of(ts)) ? abi::kSuccess : abi::kFault;
}

Errno clock_time_get(W&, Mem& m, Args a) {
  auto c = host_clock(u32(a[0]));
  if (!c) return abi::kInval;
  timespec ts{};
  clock_gettime(*c, &ts);
  return m.put<std::uint64_t>(u32(a[2]), ns_of(ts)) ? abi::kSuccess : abi::kFault;
}

// File descriptor helpers.
bool is_stdio(const Fd& f) { return f.kind == FdKind::kStdin || f.kind == FdKind::kStdout || f.kind == FdKind::kStderr; }

Errno fd_advise(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (u32(a[3]) > 5) return abi::kInval;
  return f->kind == FdKind::kFile ? abi::kSuccess : abi::kBadf;
}

Errno fd_allocate(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  return abi::kNotSup;  // would let a guest reserve arbitrary disk space
}

Errno fd_close(W& w, Mem&, Args a) {
  std::uint32_t n = u32(a[0]);
  Fd* f = w.fd(n);
  if (!f) return abi::kBadf;
  if (f->host >= 0) close(f->host);
  w.fds[n].reset();
  return abi::kSuccess;
}

Errno fd_sync_impl(W& w, std::uint32_t n, bool data_only) {
  Fd* f = w.fd(n);
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kFile) return abi::kInval;
  int r = data_only ? fdatasync(f->host) : fsync(f->host);
  return r == 0 ? abi::kSuccess : host_err();
}
Errno fd_datasync(W& w, Mem&, Args a) { return fd_sync_impl(w, u32(a[0]), true); }
Errno fd_sync(W& w, Mem&, Args a) { return fd_sync_impl(w, u32(a[0]), false); }

Errno fd_fdstat_get(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  std::uint32_t p = u32(a[1]);
  if (!m.ok(p, abi::kFdstatSize)) return abi::kFault;
  std::memset(m.at(p), 0, abi::kFdstatSize);
  (void)m.put<std::uint8_t>(p, f->filetype);
  (void)m.put<std::uint16_t>(p + 2, f->flags);
  (void)m.put<std::uint64_t>(p + 8, f->rights);
  (void)m.put<std::uint64_t>(p + 16, f->inheriting);
  return abi::kSuccess;
}

Errno fd_fdstat_set_flags(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  auto flags = static_cast<std::uint16_t>(u32(a[1]));
  if (flags & ~(abi::kFdAppend | abi::kFdDsync | abi::kFdNonblock | abi::kFdRsync | abi::kFdSync)) return abi::kInval;
  if (f->kind == FdKind::kFile) {
    int host = fcntl(f->host, F_GETFL);
    host &= ~(O_APPEND | O_NONBLOCK);
    if (flags & abi::kFdAppend) host |= O_APPEND;
    if (flags & abi::kFdNonblock) host |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, host) != 0) return host_err();
  } else if (flags & ~abi::kFdNonblock) {
    return abi::kNotSup;
  }
  f->flags = flags;
  return abi::kSuccess;
}

Errno fd_fdstat_set_rights(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  std::uint64_t base = u64(a[1]), inh = u64(a[2]);
  if ((base & ~f->rights) || (inh & ~f->inheriting)) return abi::kNotCapable;
  f->rights = base;
  f->inheriting = inh;
  return abi::kSuccess;
}

Errno put_filestat(Mem& m, std::uint32_t p, const struct stat* st, std::uint8_t stdio_type) {
  if (!m.ok(p, abi::kFilestatSize)) return abi::kFault;
  std::memset(m.at(p), 0, abi::kFilestatSize);
  if (!st) {
    (void)m.put<std::uint8_t>(p + 16, stdio_type);
    return abi::kSuccess;
  }
  (void)m.put<std::uint64_t>(p, st->st_dev);
  (void)m.put<std::uint64_t>(p + 8, st->st_ino);
  (void)m.put<std::uint8_t>(p + 16, filetype_of(st->st_mode));
  (void)m.put<std::uint64_t>(p + 24, st->st_nlink);
  (void)m.put<std::uint64_t>(p + 32, static_cast<std::uint64_t>(st->st_size));
  (void)m.put<std::uint64_t>(p + 40, ns_of(st->st_atim));
  (void)m.put<std::uint64_t>(p + 48, ns_of(st->st_mtim));
  (void)m.put<std::uint64_t>(p + 56, ns_of(st->st_ctim));
  return abi::kSuccess;
}

// The host fd to stat or modify for a file or directory descriptor.
int host_fd_of(W& w, const Fd& f) { return f.kind == FdKind::kDir && f.host < 0 ? w.roots[f.root] : f.host; }

Errno fd_filestat_get(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (is_stdio(*f)) return put_filestat(m, u32(a[1]), nullptr, f->filetype);
  struct stat st {};
  if (fstat(host_fd_of(w, *f), &st) != 0) return host_err();
  return put_filestat(m, u32(a[1]), &st, 0);
}

Errno fd_filestat_set_size(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kFile) return abi::kInval;
  if (u64(a[1]) > static_cast<std::uint64_t>(INT64_MAX)) return abi::kInval;
  return ftruncate(f->host, static_cast<off_t>(u64(a[1]))) == 0 ? abi::kSuccess : host_err();
}

bool make_times(std::uint64_t atim, std::uint64_t mtim, std::uint32_t fst, timespec out[2]) {
  if (((fst & abi::kFstAtim) && (fst & abi::kFstAtimNow)) || ((fst & abi::kFstMtim) && (fst & abi::kFstMtimNow))) {
    return false;
  }
  auto one = [](std::uint64_t ns, bool set, bool now, timespec& t) {
    if (now) {
      t = {0, UTIME_NOW};
    } else if (set) {
      t = {static_cast<time_t>(ns / 1'000'000'000ull), static_cast<long>(ns % 1'000'000'000ull)};
    } else {
      t = {0, UTIME_OMIT};
    }
  };
  one(atim, fst & abi::kFstAtim, fst & abi::kFstAtimNow, out[0]);
  one(mtim, fst & abi::kFstMtim, fst & abi::kFstMtimNow, out[1]);
  return true;
}

Errno fd_filestat_set_times(W& w, Mem&, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (is_stdio(*f)) return abi::kNotSup;
  timespec ts[2];
  if (!make_times(u64(a[1]), u64(a[2]), u32(a[3]), ts)) return abi::kInval;
  return futimens(host_fd_of(w, *f), ts) == 0 ? abi::kSuccess : host_err();
}

// Waits until a host stdin (a terminal, a pipe) has input, in slices, so a wall-clock
// limit still stops a guest that blocks on it. False when the run was interrupted.
bool wait_readable(W& w, int host) {
  pollfd p{host, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, 5);
    if (r != 0) return true;  // readable, hung up or an error: read() will tell
    if (w.interrupted()) {
      w.pending = Trap{wasm::TrapKind::kInterrupted, wasm::to_string(wasm::TrapKind::kInterrupted), 0};
      return false;
    }
  }
}

// Moves bytes between guest iovecs and a host fd with `io` (read/pread or write/pwrite),
// at `offset` when given. Stops at the first short transfer; an error after some bytes
// moved reports the partial count, as readv/writev do.
template <class Io>
Errno transfer_iovs(Mem& m, const std::vector<Iovec>& iovs, std::optional<std::uint64_t> offset,
                    std::uint64_t& total, Io io) {
  std::uint64_t pos = offset.value_or(0);
  for (const auto& v : iovs) {
    if (v.len == 0) continue;
    ssize_t n;
    do {
      n = io(m.at(v.ptr), v.len, offset ? std::optional<off_t>(static_cast<off_t>(pos)) : std::nullopt);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (total) break;
      return host_err();
    }
    total += static_cast<std::uint64_t>(n);
    pos += static_cast<std::uint64_t>(n);
    if (static_cast<std::uint32_t>(n) < v.len) break;
  }
  return abi::kSuccess;
}

// Reads into guest iovecs from stdin or a file (at `offset` when given).
Errno do_read(W& w, Mem& m, Args a, std::optional<std::uint64_t> offset, std::uint32_t nread_ptr) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (!(f->rights & abi::kRightFdRead)) return abi::kNotCapable;
  if (f->kind == FdKind::kDir) return abi::kIsDir;
  if (f->kind == FdKind::kStdout || f->kind == FdKind::kStderr) return abi::kBadf;
  auto& iovs = w.iov_scratch;
  if (!read_iovs(m, u32(a[1]), u32(a[2]), iovs)) return abi::kFault;
  if (!m.ok(nread_ptr, 4)) return abi::kFault;
  std::uint64_t total = 0;
  if (f->kind == FdKind::kStdin && w.config.stdin_host_fd < 0) {
    if (offset) return abi::kSpipe;
    const Bytes& in = w.config.stdin_bytes;
    for (const auto& v : iovs) {
      std::size_t n = std::min<std::size_t>(v.len, in.size() - w.stdin_pos);
      if (n) std::memcpy(m.at(v.ptr), in.data() + w.stdin_pos, n);
      w.stdin_pos += n;
      total += n;
      if (n < v.len) break;
    }
  } else {
    int host = f->kind == FdKind::kStdin ? w.config.stdin_host_fd : f->host;
    if (f->kind == FdKind::kStdin && !offset && !wait_readable(w, host)) return abi::kIntr;
    if (Errno e = transfer_iovs(m, iovs, offset, total, [host](void* p, std::size_t len, std::optional<off_t> at) {
          return at ? pread(host, p, len, *at) : read(host, p, len);
        });
        e != abi::kSuccess) {
      return e;
    }
  }
  (void)m.put<std::uint32_t>(nread_ptr, static_cast<std::uint32_t>(total));
  return abi::kSuccess;
}

Errno do_write(W& w, Mem& m, Args a, std::optional<std::uint64_t> offset, std::uint32_t nwritten_ptr) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (!(f->rights & abi::kRightFdWrite)) return abi::kNotCapable;
  if (f->kind == FdKind::kDir) return abi::kIsDir;
  if (f->kind == FdKind::kStdin) return abi::kBadf;
  auto& iovs = w.iov_scratch;
  if (!read_iovs(m, u32(a[1]), u32(a[2]), iovs)) return abi::kFault;
  if (!m.ok(nwritten_ptr, 4)) return abi::kFault;
  std::uint64_t total = 0;
  if (f->kind == FdKind::kStdout || f->kind == FdKind::kStderr) {
    if (offset) return abi::kSpipe;
    OutputSink& sink = f->kind == FdKind::kStdout ? w.out : w.err;
    for (const auto& v : iovs) {
      sink.write(std::string_view(reinterpret_cast<const char*>(m.at(v.ptr)), v.len));
      total += v.len;
    }
  } else {
    int host = f->host;
    if (Errno e = transfer_iovs(m, iovs, offset, total, [host](void* p, std::size_t len, std::optional<off_t> at) {
          return at ? pwrite(host, p, len, *at) : write(host, p, len);
        });
        e != abi::kSuccess) {
      return e;
    }
  }
  (void)m.put<std::uint32_t>(nwritten_ptr, static_cast<std::uint32_t>(total));
  return abi::kSuccess;
}

Errno fd_read(W& w, Mem& m, Args a) { return do_read(w, m, a, std::nullopt, u32(a[3])); }
Errno fd_pread(W& w, Mem& m, Args a) {
  if (u64(a[3]) > static_cast<std::uint64_t>(INT64_MAX)) return abi::kInval;
  return do_read(w, m, a, u64(a[3]), u32(a[4]));
}
Errno fd_write(W& w, Mem& m, Args a) { return do_write(w, m, a, std::nullopt, u32(a[3])); }
Errno fd_pwrite(W& w, Mem& m, Args a) {
  if (u64(a[3]) > static_cast<std::uint64_t>(INT64_MAX)) return abi::kInval;
  return do_write(w, m, a, u64(a[3]), u32(a[4]));
}

Errno fd_prestat_get(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f || f->preopen_name.empty()) return abi::kBadf;
  std::uint32_t p = u32(a[1]);
  if (!m.ok(p, abi::kPrestatSize)) return abi::kFault;
  std::memset(m.at(p), 0, abi::kPrestatSize);
  (void)m.put<std::uint32_t>(p + 4, static_cast<std::uint32_t>(f->preopen_name.size()));
  return abi::kSuccess;
}

Errno fd_prestat_dir_name(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f || f->preopen_name.empty()) return abi::kBadf;
  std::uint32_t p = u32(a[1]), len = u32(a[2]);
  if (len < f->preopen_name.size()) return abi::kNameTooLong;
  if (!m.ok(p, f->preopen_name.size())) return abi::kFault;
  std::memcpy(m.at(p), f->preopen_name.data(), f->preopen_name.size());
  return abi::kSuccess;
}

Errno load_listing(W& w, Fd& f) {
  int dfd = openat(w.roots[f.root], join(f.rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0) return host_err();
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return host_err();
  }
  f.listing.clear();
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry de{name, e->d_ino, abi::kFileUnknown};
    struct stat st {};
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) de.type = filetype_of(st.st_mode);
    f.listing.push_back(std::move(de));
  }
  closedir(d);
  // Sorted, so every operator's guest sees the same order.
  std::sort(f.listing.begin(), f.listing.end(), [](const DirEntry& x, const DirEntry& y) { return x.name < y.name; });
  return abi::kSuccess;
}

Errno fd_readdir(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kDir) return abi::kNotDir;
  std::uint32_t buf = u32(a[1]), len = u32(a[2]), used_ptr = u32(a[4]);
  std::uint64_t cookie = u64(a[3]);
  if (!m.ok(buf, len) || !m.ok(used_ptr, 4)) return abi::kFault;
  if (cookie == 0 || f->listing.empty()) {
    if (Errno e = load_listing(w, *f)) return e;
  }
  std::uint32_t used = 0;
  for (std::uint64_t i = cookie; i < f->listing.size() && used < len; ++i) {
    const DirEntry& e = f->listing[i];
    std::uint8_t header[abi::kDirentSize] = {};
    std::uint64_t next = i + 1;
    auto namlen = static_cast<std::uint32_t>(e.name.size());
    std::memcpy(header, &next, 8);
    std::memcpy(header + 8, &e.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = e.type;
    std::uint32_t n = std::min<std::uint32_t>(abi::kDirentSize, len - used);
    std::memcpy(m.at(buf + used), header, n);
    used += n;
    n = std::min<std::uint32_t>(namlen, len - used);
    std::memcpy(m.at(buf + used), e.name.data(), n);
    used += n;
  }
  (void)m.put<std::uint32_t>(used_ptr, used);
  return abi::kSuccess;
}

Errno fd_renumber(W& w, Mem&, Args a) {
  std::uint32_t from = u32(a[0]), to = u32(a[1]);
  if (!w.fd(from) || !w.fd(to)) return abi::kBadf;
  if (from == to) return abi::kSuccess;
  if (w.fds[to]->host >= 0) close(w.fds[to]->host);
  w.fds[to] = std::move(w.fds[from]);
  w.fds[from].reset();
  return abi::kSuccess;
}

Errno fd_seek(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kFile) return f->kind == FdKind::kDir ? abi::kBadf : abi::kSpipe;
  auto off = static_cast<std::int64_t>(u64(a[1]));
  std::uint32_t whence = u32(a[2]);
  int hw = whence == abi::kWhenceSet ? SEEK_SET : whence == abi::kWhenceCur ? SEEK_CUR : whence == abi::kWhenceEnd ? SEEK_END : -1;
  if (hw < 0) return abi::kInval;
  if (!m.ok(u32(a[3]), 8)) return abi::kFault;
  off_t r = lseek(f->host, static_cast<off_t>(off), hw);
  if (r < 0) return host_err();
  (void)m.put<std::uint64_t>(u32(a[3]), static_cast<std::uint64_t>(r));
  return abi::kSuccess;
}

Errno fd_tell(W& w, Mem& m, Args a) {
  Fd* f = w.fd(u32(a[0]));
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kFile) return f->kind == FdKind::kDir ? abi::kBadf : abi::kSpipe;
  if (!m.ok(u32(a[1]), 8)) return abi::kFault;
  off_t r = lseek(f->host, 0, SEEK_CUR);
  if (r < 0) return host_err();
  (void)m.put<std::uint64_t>(u32(a[1]), static_cast<std::uint64_t>(r));
  return abi::kSuccess;
}

// ---- paths ----

// Resolves a guest path against directory fd `dirfd`.
Errno resolve(W& w, Mem& m, std::uint32_t dirfd, std::uint32_t ptr, std::uint32_t len, bool follow, int& root,
              RelPath& out) {
  Fd* f = w.fd(dirfd);
  if (!f) return abi::kBadf;
  if (f->kind != FdKind::kDir) return abi::kNotDir;
  std::string path;
  if (!m.string(ptr, len, path)) return abi::kFault;
  Resolved r = resolve_beneath(w.roots[f->root], f->rel, path, follow);
  if (r.error) return r.error;
  root = w.roots[f->root];
  out = std::move(r.path);
  return abi::kSuccess;
}

Errno path_create_directory(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[1]), u32(a[2]), false, root, p)) return e;
  if (p.empty()) return abi::kExist;
  return mkdirat(root, join(p).c_str(), 0755) == 0 ? abi::kSuccess : host_err();
}

Errno path_filestat_get(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  bool follow = u32(a[1]) & abi::kLookupSymlinkFollow;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[2]), u32(a[3]), follow, root, p)) return e;
  struct stat st {};
  if (fstatat(root, join(p).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return host_err();
  return put_filestat(m, u32(a[4]), &st, 0);
}

Errno path_filestat_set_times(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  bool follow = u32(a[1]) & abi::kLookupSymlinkFollow;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[2]), u32(a[3]), follow, root, p)) return e;
  timespec ts[2];
  if (!make_times(u64(a[4]), u64(a[5]), u32(a[6]), ts)) return abi::kInval;
  return utimensat(root, join(p).c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? abi::kSuccess : host_err();
}

Errno path_link(W& w, Mem& m, Args a) {
  int root_a = -1, root_b = -1;
  RelPath pa, pb;
  bool follow = u32(a[1]) & abi::kLookupSymlinkFollow;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[2]), u32(a[3]), follow, root_a, pa)) return e;
  if (Errno e = resolve(w, m, u32(a[4]), u32(a[5]), u32(a[6]), false, root_b, pb)) return e;
  return linkat(root_a, join(pa).c_str(), root_b, join(pb).c_str(), 0) == 0 ? abi::kSuccess : host_err();
}

Errno path_open(W& w, Mem& m, Args a) {
  std::uint32_t dirfd = u32(a[0]);
  bool follow = u32(a[1]) & abi::kLookupSymlinkFollow;
  auto oflags = static_cast<std::uint16_t>(u32(a[4]));
  std::uint64_t rights = u64(a[5]), inheriting = u64(a[6]);
  auto fdflags = static_cast<std::uint16_t>(u32(a[7]));
  std::uint32_t out_ptr = u32(a[8]);
  if (!m.ok(out_ptr, 4)) return abi::kFault;
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, dirfd, u32(a[2]), u32(a[3]), follow, root, p)) return e;
  const Fd* parent = w.fd(dirfd);
  std::size_t root_index = parent->root;

  bool want_read = rights & (abi::kRightFdRead | abi::kRightFdReaddir);
  bool want_write = rights & (abi::kRightFdWrite | abi::kRightFdAllocate | abi::kRightFdFilestatSetSize);
  int flags = O_CLOEXEC | O_NOFOLLOW;
  if (oflags & abi::kODirectory) {
    flags |= O_DIRECTORY | O_RDONLY;
  } else if (want_write) {
    flags |= want_read ? O_RDWR : O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (oflags & abi::kOCreat) flags |= O_CREAT;
  if (oflags & abi::kOExcl) flags |= O_EXCL;
  if (oflags & abi::kOTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdNonblock) flags |= O_NONBLOCK;
  if (fdflags & (abi::kFdDsync | abi::kFdRsync)) flags |= O_DSYNC;
  if (fdflags & abi::kFdSync) flags |= O_SYNC;
  if ((oflags & (abi::kOCreat | abi::kOTrunc)) && (oflags & abi::kODirectory)) return abi::kInval;

  int host = open_beneath(root, join(p), flags, 0644);
  if (host < 0) {
    int e = -host;
    // O_NOFOLLOW on a symlink and RESOLVE_NO_SYMLINKS both say ELOOP.
    return errno_to_wasi(e);
  }
  struct stat st {};
  if (fstat(host, &st) != 0) {
    Errno e = host_err();
    close(host);
    return e;
  }
  Fd f;
  f.root = root_index;
  f.filetype = filetype_of(st.st_mode);
  f.rights = rights & abi::kAllRights;
  f.inheriting = inheriting & abi::kAllRights;
  f.flags = fdflags;
  if (S_ISDIR(st.st_mode)) {
    f.kind = FdKind::kDir;
    f.rel = std::move(p);
  } else {
    f.kind = FdKind::kFile;
  }
  f.host = host;
  auto n = w.alloc_fd(std::move(f));
  if (!n) {
    close(host);
    return abi::kMfile;
  }
  (void)m.put<std::uint32_t>(out_ptr, *n);
  return abi::kSuccess;
}

Errno path_readlink(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[1]), u32(a[2]), false, root, p)) return e;
  std::uint32_t buf = u32(a[3]), len = u32(a[4]), used_ptr = u32(a[5]);
  if (!m.ok(buf, len) || !m.ok(used_ptr, 4)) return abi::kFault;
  char tmp[4097];
  ssize_t n = readlinkat(root, join(p).c_str(), tmp, sizeof tmp);
  if (n < 0) return host_err();
  auto copy = std::min<std::uint32_t>(len, static_cast<std::uint32_t>(n));
  std::memcpy(m.at(buf), tmp, copy);
  (void)m.put<std::uint32_t>(used_ptr, copy);
  return abi::kSuccess;
}

Errno path_remove_directory(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[1]), u32(a[2]), false, root, p)) return e;
  if (p.empty()) return abi::kBusy;
  return unlinkat(root, join(p).c_str(), AT_REMOVEDIR) == 0 ? abi::kSuccess : host_err();
}

Errno path_rename(W& w, Mem& m, Args a) {
  int root_a = -1, root_b = -1;
  RelPath pa, pb;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[1]), u32(a[2]), false, root_a, pa)) return e;
  if (Errno e = resolve(w, m, u32(a[3]), u32(a[4]), u32(a[5]), false, root_b, pb)) return e;
  if (pa.empty() || pb.empty()) return abi::kBusy;
  return renameat(root_a, join(pa).c_str(), root_b, join(pb).c_str()) == 0 ? abi::kSuccess : host_err();
}

Errno path_symlink(W& w, Mem& m, Args a) {
  std::string target;
  if (!m.string(u32(a[0]), u32(a[1]), target)) return abi::kFault;
  if (target.find('\0') != std::string::npos) return abi::kIlseq;
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, u32(a[2]), u32(a[3]), u32(a[4]), false, root, p)) return e;
  if (p.empty()) return abi::kExist;
  RelPath dir(p.begin(), p.end() - 1);
  // A link that points outside could be followed by someone else on the host later.
  if (!link_target_beneath(dir, target)) return abi::kNotCapable;
  return symlinkat(target.c_str(), root, join(p).c_str()) == 0 ? abi::kSuccess : host_err();
}

Errno path_unlink_file(W& w, Mem& m, Args a) {
  int root = -1;
  RelPath p;
  if (Errno e = resolve(w, m, u32(a[0]), u32(a[1]), u32(a[2]), false, root, p)) return e;
  if (p.empty()) return abi::kIsDir;
  return unlinkat(root, join(p).c_str(), 0) == 0 ? abi::kSuccess : host_err();
}

// ---- poll, proc, random, sockets ----

std::uint64_t now_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return ns_of(ts);
}

Errno poll_oneoff(W& w, Mem& m, Args a) {
  std::uint32_t in = u32(a[0]), out = u32(a[1]), n = u32(a[2]), nevents_ptr = u32(a[3]);
  if (n == 0) return abi::kInval;
  if (!m.ok(in, static_cast<std::uint64_t>(n) * abi::kSubscriptionSize) ||
      !m.ok(out, static_cast<std::uint64_t>(n) * abi::kEventSize) || !m.ok(nevents_ptr, 4)) {
    return abi::kFault;
  }
  struct Event {
    std::uint64_t userdata;
    std::uint16_t error;
    std::uint8_t type;
    std::uint64_t nbytes;
  };
  std::vector<Event> ready;
  struct Timer {
    std::uint64_t userdata;
    std::uint64_t deadline;  // CLOCK_MONOTONIC ns
  };
  std::vector<Timer> timers;
  const std::uint64_t start = now_ns(CLOCK_MONOTONIC);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t s = in + i * abi::kSubscriptionSize;
    std::uint64_t userdata = 0;
    std::uint8_t tag = 0;
    (void)m.get(s, userdata);
    (void)m.get(s + 8, tag);
    if (tag == abi::kEventClock) {
      std::uint32_t id = 0;
      std::uint64_t timeout = 0;
      std::uint16_t flags = 0;
      (void)m.get(s + 16, id);
      (void)m.get(s + 24, timeout);
      (void)m.get(s + 40, flags);
      auto clock = host_clock(id);
      if (!clock) {
        ready.push_back({userdata, abi::kInval, tag, 0});
        continue;
      }
      std::uint64_t deadline = start;
      if (flags & abi::kSubClockAbstime) {
        std::uint64_t now = now_ns(*clock);
        deadline = timeout > now ? start + (timeout - now) : start;
      } else {
        deadline = timeout > UINT64_MAX - start ? UINT64_MAX : start + timeout;
      }
      timers.push_back({userdata, deadline});
    } else if (tag == abi::kEventFdRead || tag == abi::kEventFdWrite) {
      std::uint32_t fdn = 0;
      (void)m.get(s + 16, fdn);
      Fd* f = w.fd(fdn);
      if (!f) {
        ready.push_back({userdata, abi::kBadf, tag, 0});
        continue;
      }
      std::uint64_t nbytes = 0;
      if (tag == abi::kEventFdRead && f->kind == FdKind::kStdin && w.config.stdin_host_fd < 0) {
        nbytes = w.config.stdin_bytes.size() - w.stdin_pos;
      }
      ready.push_back({userdata, abi::kSuccess, tag, nbytes});
    } else {
      ready.push_back({userdata, abi::kInval, tag, 0});
    }
  }
  if (ready.empty() && !timers.empty()) {
    std::uint64_t first = UINT64_MAX;
    for (const auto& t : timers) first = std::min(first, t.deadline);
    // Sleep in slices so a wall-clock limit still stops a sleeping guest promptly.
    for (;;) {
      std::uint64_t now = now_ns(CLOCK_MONOTONIC);
      if (now >= first) break;
      if (w.interrupted()) {
        w.pending = Trap{wasm::TrapKind::kInterrupted, wasm::to_string(wasm::TrapKind::kInterrupted), 0};
        return abi::kIntr;
      }
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::uint64_t>(first - now, 5'000'000)));
    }
    std::uint64_t now = now_ns(CLOCK_MONOTONIC);
    for (const auto& t : timers) {
      if (t.deadline <= now) ready.push_back({t.userdata, abi::kSuccess, abi::kEventClock, 0});
    }
  }
  for (std::size_t i = 0; i < ready.size(); ++i) {
    std::uint32_t e = out + static_cast<std::uint32_t>(i) * abi::kEventSize;
    std::memset(m.at(e), 0, abi::kEventSize);
    (void)m.put<std::uint64_t>(e, ready[i].userdata);
    (void)m.put<std::uint16_t>(e + 8, ready[i].error);
    (void)m.put<std::uint8_t>(e + 10, ready[i].type);
    if (ready[i].type != abi::kEventClock) (void)m.put<std::uint64_t>(e + 16, ready[i].nbytes);
  }
  (void)m.put<std::uint32_t>(nevents_ptr, static_cast<std::uint32_t>(ready.size()));
  return abi::kSuccess;
}

Errno proc_exit(W& w, Mem&, Args a) {
  w.pending = Trap::exit(a[0].i32());
  return 0;
}
Errno proc_raise(W&, Mem&, Args) { return abi::kNoSys; }
Errno sched_yield(W&, Mem&, Args) {
  std::this_thread::yield();
  return abi::kSuccess;
}

Errno random_get(W&, Mem& m, Args a) {
  std::uint32_t buf = u32(a[0]), len = u32(a[1]);
  if (!m.ok(buf, len)) return abi::kFault;
  std::uint32_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(m.at(buf + done), len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return host_err();
    }
    done += static_cast<std::uint32_t>(n);
  }
  return abi::kSuccess;
}

Errno no_sockets(W& w, Mem&, Args a) { return w.fd(u32(a[0])) ? abi::kNoSys : abi::kBadf; }

// ---- the table ----

using HostImpl = Errno (*)(W&, Mem&, Args);

struct Entry {
  std::string_view name;
  std::string_view params;  // 'i' = i32, 'I' = i64
  bool returns_errno;
  HostImpl fn;
};

// clang-format off
constexpr Entry kEntries[] = {
    {"args_get", "ii", true, args_get},
    {"args_sizes_get", "ii", true, args_sizes_get},
    {"environ_get", "ii", true, environ_get},
    {"environ_sizes_get", "ii", true, environ_sizes_get},
    {"clock_res_get", "ii", true, clock_res_get},
    {"clock_time_get", "iIi", true, clock_time_get},
    {"fd_advise", "iIIi", true, fd_advise},
    {"fd_allocate", "iII", true, fd_allocate},
    {"fd_close", "i", true, fd_close},
    {"fd_datasync", "i", true, fd_datasync},
    {"fd_fdstat_get", "ii", true, fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", true, fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", true, fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", true, fd_filestat_get},
    {"fd_filestat_set_size", "iI", true, fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", true, fd_filestat_set_times},
    {"fd_pread", "iiiIi", true, fd_pread},
    {"fd_prestat_get", "ii", true, fd_prestat_get},
    {"fd_prestat_dir_name", "iii", true, fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi", true, fd_pwrite},
    {"fd_read", "iiii", true, fd_read},
    {"fd_readdir", "iiiIi", true, fd_readdir},
    {"fd_renumber", "ii", true, fd_renumber},
    {"fd_seek", "iIii", true, fd_seek},
    {"fd_sync", "i", true, fd_sync},
    {"fd_tell", "ii", true, fd_tell},
    {"fd_write", "iiii", true, fd_write},
    {"path_create_directory", "iii", true, path_create_directory},
    {"path_filestat_get", "iiiii", true, path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", true, path_filestat_set_times},
    {"path_link", "iiiiiii", true, path_link},
    {"path_open", "iiiiiIIii", true, path_open},
    {"path_readlink", "iiiiii", true, path_readlink},
    {"path_remove_directory", "iii", true, path_remove_directory},
    {"path_rename", "iiiiii", true, path_rename},
    {"path_symlink", "iiiii", true, path_symlink},
    {"path_unlink_file", "iii", true, path_unlink_file},
    {"poll_oneoff", "iiii", true, poll_oneoff},
    {"proc_exit", "i", false, proc_exit},
    {"proc_raise", "i", true, proc_raise},
    {"sched_yield", "", true, sched_yield},
    {"random_get", "ii", true, random_get},
    {"sock_accept", "iii", true, no_sockets},
    {"sock_recv", "iiiiii", true, no_sockets},
    {"sock_send", "iiiii", true, no_sockets},
    {"sock_shutdown", "ii", true, no_sockets},
};
// clang-format on

wasm::FuncType type_of(const Entry& e) {
  wasm::FuncType t;
  for (char c : e.params) t.params.push_back(c == 'I' ? ValType::kI64 : ValType::kI32);
  if (e.returns_errno) t.results.push_back(ValType::kI32);
  return t;
}

thread_local W* t_active = nullptr;

std::optional<Trap> call_entry(W& w, std::size_t index, Caller& caller, std::span<const Value> args,
                               std::span<Value> results) {
  Mem m(caller.memory());
  Errno e = kEntries[index].fn(w, m, args);
  if (w.pending) {
    Trap t = std::move(*w.pending);
    w.pending.reset();
    return t;
  }
  if (!results.empty()) results[0] = Value::i32(e);
  return std::nullopt;
}

std::optional<Trap> dispatch(void* user, Caller& caller, std::span<const Value> args, std::span<Value> results) {
  auto* b = static_cast<Binding*>(user);
  return call_entry(*b->w, b->index, caller, args, results);
}

// For link_active: `user` is the entry's index.
std::optional<Trap> dispatch_active(void* user, Caller& caller, std::span<const Value> args,
                                    std::span<Value> results) {
  if (!t_active) return Trap::host("WASI call with no active context");
  return call_entry(*t_active, reinterpret_cast<std::uintptr_t>(user), caller, args, results);
}

}  // namespace

void WasiContext::link(wasm::Linker& linker) {
  static_assert(std::size(kEntries) == 46, "wasi_snapshot_preview1 has 46 functions");
  if (impl_->bindings.empty()) {
    impl_->bindings.resize(std::size(kEntries));
    for (std::size_t i = 0; i < std::size(kEntries); ++i) impl_->bindings[i] = Binding{impl_.get(), i};
  }
  for (std::size_t i = 0; i < std::size(kEntries); ++i) {
    linker.define_func(std::string(kModuleName), std::string(kEntries[i].name), type_of(kEntries[i]), dispatch,
                       &impl_->bindings[i]);
  }
}

void WasiContext::link_active(wasm::Linker& linker) {
  for (std::size_t i = 0; i < std::size(kEntries); ++i) {
    linker.define_func(std::string(kModuleName), std::string(kEntries[i].name), type_of(kEntries[i]),
                       dispatch_active, reinterpret_cast<void*>(static_cast<std::uintptr_t>(i)));
  }
}

WasiContext::Scope::Scope(WasiContext& ctx) : previous_(t_active) { t_active = ctx.impl_.get(); }
WasiContext::Scope::~Scope() { t_active = previous_; }

OutputSink* WasiContext::active_stderr() { return t_active ? &t_active->err : nullptr; }

std::span<const FunctionInfo> preview1_functions() {
  static const std::vector<FunctionInfo> kInfos = [] {
    std::vector<FunctionInfo> v;
    for (const auto& e : kEntries) v.push_back({e.name, type_of(e)});
    return v;
  }();
  return kInfos;
}

}  // namespace wavs::wasi
