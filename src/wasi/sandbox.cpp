#include "wasi/sandbox.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>

#include "wasi/abi.hpp"

namespace wavs::wasi {
namespace {

// Symlink expansions per resolution, as Linux's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;
constexpr std::size_t kMaxPathBytes = 4096;

void split_into(std::string_view path, std::deque<std::string>& out, bool at_front) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (at_front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

bool only_dots(const std::deque<std::string>& q) {
  for (const auto& c : q) {
    if (!c.empty() && c != ".") return false;
  }
  return true;
}

}  // namespace

std::string join(const RelPath& p) {
  if (p.empty()) return ".";
  std::string s;
  for (const auto& c : p) {
    if (!s.empty()) s += '/';
    s += c;
  }
  return s;
}

Resolved resolve_beneath(int root_fd, const RelPath& base, std::string_view path, bool follow_last) {
  Resolved r;
  if (path.empty()) {
    r.error = abi::kNoEnt;
    return r;
  }
  if (path.size() > kMaxPathBytes) {
    r.error = abi::kNameTooLong;
    return r;
  }
  if (path.find('\0') != std::string_view::npos) {
    r.error = abi::kIlseq;
    return r;
  }
  if (path.front() == '/') {
    r.error = abi::kNotCapable;
    return r;
  }
  if (path.back() == '/') follow_last = true;
  std::deque<std::string> queue;
  split_into(path, queue, false);
  r.path = base;
  int links = 0;
  while (!queue.empty()) {
    std::string c = std::move(queue.front());
    queue.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (r.path.empty()) {
        r.error = abi::kNotCapable;
        return r;
      }
      r.path.pop_back();
      continue;
    }
    const bool last = only_dots(queue);
    r.path.push_back(c);
    const std::string here = join(r.path);
    struct stat st {};
    if (fstatat(root_fd, here.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      int e = errno;
      if (e == ENOENT && last) return r;  // may be created by the caller
      r.error = errno_to_wasi(e);
      return r;
    }
    if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
      if (++links > kMaxSymlinks) {
        r.error = abi::kLoop;
        return r;
      }
      char buf[kMaxPathBytes + 1];
      ssize_t n = readlinkat(root_fd, here.c_str(), buf, sizeof buf);
      if (n < 0) {
        r.error = errno_to_wasi(errno);
        return r;
      }
      if (static_cast<std::size_t>(n) > kMaxPathBytes) {
        r.error = abi::kNameTooLong;
        return r;
      }
      std::string_view target(buf, static_cast<std::size_t>(n));
      if (target.empty() || target.front() == '/') {
        r.error = abi::kNotCapable;
        return r;
      }
      r.path.pop_back();
      split_into(target, queue, true);
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) {
      r.error = abi::kNotDir;
      return r;
    }
  }
  return r;
}

bool link_target_beneath(const RelPath& link_dir, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  std::size_t depth = link_dir.size();
  std::deque<std::string> parts;
  split_into(target, parts, false);
  for (const auto& c : parts) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (depth == 0) return false;
      --depth;
    } else {
      ++depth;
    }
  }
  return true;
}

int open_beneath(int root_fd, const std::string& rel, int flags, int mode) {
  static std::atomic<bool> have_openat2{true};
  if (have_openat2) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.mode = (flags & O_CREAT) ? static_cast<std::uint64_t>(mode) : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS) return -errno;
    have_openat2.store(false);
  }
  int fd = openat(root_fd, rel.c_str(), flags, mode);
  return fd >= 0 ? fd : -errno;
}

std::uint16_t errno_to_wasi(int e) {
  switch (e) {
    case 0: return abi::kSuccess;
    case E2BIG: return abi::k2Big;
    case EACCES: return abi::kAcces;
    case EAGAIN: return abi::kAgain;
    case EBADF: return abi::kBadf;
    case EBUSY: return abi::kBusy;
    case EEXIST: return abi::kExist;
    case EFAULT: return abi::kFault;
    case EFBIG: return abi::kFbig;
    case EILSEQ: return abi::kIlseq;
    case EINTR: return abi::kIntr;
    case EINVAL: return abi::kInval;
    case EIO: return abi::kIo;
    case EISDIR: return abi::kIsDir;
    case ELOOP: return abi::kLoop;
    case EMFILE: return abi::kMfile;
    case EMLINK: return abi::kMlink;
    case ENAMETOOLONG: return abi::kNameTooLong;
    case ENFILE: return abi::kNfile;
    case ENODEV: return abi::kNoDev;
    case ENOENT: return abi::kNoEnt;
    case ENOMEM: return abi::kNoMem;
    case ENOSPC: return abi::kNoSpc;
    case ENOSYS: return abi::kNoSys;
    case ENOTDIR: return abi::kNotDir;
    case ENOTEMPTY: return abi::kNotEmpty;
    case ENOTSUP: return abi::kNotSup;
    case ENXIO: return abi::kNxio;
    case EOVERFLOW: return abi::kOverflow;
    case EPERM: return abi::kPerm;
    case EPIPE: return abi::kPipe;
    case ERANGE: return abi::kRange;
    case EROFS: return abi::kRofs;
    case ESPIPE: return abi::kSpipe;
    case ETXTBSY: return abi::kTxtBsy;
    case EXDEV: return abi::kXdev;
    case EDQUOT: return abi::kDquot;
    default: return abi::kIo;
  }
}

}  // namespace wavs::wasi
