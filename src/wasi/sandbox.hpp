#pragma once
// Path resolution confined to a preopened directory.
//
// A guest path is resolved one component at a time against the directory the host
// granted: "." is skipped, ".." may not climb above the root, absolute paths are
// refused, and symbolic links are expanded here, by us, so a link whose target is
// absolute or climbs out of the root is refused (ENOTCAPABLE) instead of followed.
// The result names a file beneath the root with no symlink left in it except,
// when the caller asked not to follow, the final component. Operations then use
// *at() calls on the root's descriptor; path_open additionally opens through
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a link swapped in between
// resolution and use by another host process is refused by the kernel.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wavs::wasi {

// A path beneath a root, as components (empty = the root itself).
using RelPath = std::vector<std::string>;

[[nodiscard]] std::string join(const RelPath& p);  // "." for the root

struct Resolved {
  std::uint16_t error = 0;  // a WASI errno; 0 on success
  RelPath path;
};

// Resolves `path` relative to `base` (a directory beneath the root `root_fd`).
// follow_last: expand a symlink in the final component too (a trailing '/' implies it).
[[nodiscard]] Resolved resolve_beneath(int root_fd, const RelPath& base, std::string_view path, bool follow_last);

// True when a symlink at `link_dir` with contents `target` stays beneath the root.
[[nodiscard]] bool link_target_beneath(const RelPath& link_dir, std::string_view target);

// Opens `rel` beneath `root_fd` with the kernel's RESOLVE_BENEATH check when available.
// Returns the host fd or -errno.
[[nodiscard]] int open_beneath(int root_fd, const std::string& rel, int flags, int mode);

// Maps a host errno to the WASI errno of the same meaning.
[[nodiscard]] std::uint16_t errno_to_wasi(int host_errno);

}  // namespace wavs::wasi
