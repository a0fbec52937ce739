#include "aot/library.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "aot/error.hpp"

namespace wavs::aot {
namespace {

constexpr int kMaxRenames = 16;

Error memfd_error(const char* what) {
  return Error(AotErrc::kLoadFailed, std::string(what) + ": " + std::strerror(errno));
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

bool within(ByteView file, std::uint64_t offset, std::uint64_t size) {
  return offset <= file.size() && size <= file.size() - offset;
}

// The loader maps segments without checking them against the file's size, and touching
// a page past the end of the file is SIGBUS: a truncated object must fail here. This is
// no defence against a crafted object (which can run anything once loaded), only against
// one that is damaged.
std::optional<std::string> elf_problem(ByteView file) {
  ElfW(Ehdr) eh{};
  if (file.size() < sizeof eh) {
    return "it is " + std::to_string(file.size()) + " bytes, too short for an ELF header";
  }
  std::memcpy(&eh, file.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return std::string("it is not an ELF file");
  const unsigned char native_class = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
  const unsigned char native_data = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (eh.e_ident[EI_CLASS] != native_class || eh.e_ident[EI_DATA] != native_data) {
    return std::string("it is an ELF file of another word size or byte order");
  }
  if (eh.e_type != ET_DYN) return std::string("it is not a shared object");
  if (eh.e_phentsize != sizeof(ElfW(Phdr))) return std::string("its program headers have the wrong size");
  if (!within(file, eh.e_phoff, std::uint64_t{eh.e_phnum} * sizeof(ElfW(Phdr)))) {
    return std::string("its program headers run past the end of the file");
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    ElfW(Phdr) ph{};
    std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (!within(file, ph.p_offset, ph.p_filesz)) {
      return "segment " + std::to_string(i) + " runs past the end of the file (" +
             std::to_string(file.size()) + " bytes)";
    }
    if (ph.p_type == PT_LOAD && ph.p_filesz > ph.p_memsz) {
      return "segment " + std::to_string(i) + " holds more bytes in the file than in memory";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::shared_ptr<Library>> Library::load(ByteView shared_object) {
  if (auto problem = elf_problem(shared_object)) return Error(AotErrc::kLoadFailed, *problem);
  const int fd = ::memfd_create("wavs-aot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return memfd_error("memfd_create");
  std::vector<int> fds{fd};
  const auto close_all_but = [&fds](int keep) {
    for (int f : fds) {
      if (f != keep) ::close(f);
    }
  };
  std::size_t done = 0;
  while (done < shared_object.size()) {
    const ssize_t n = ::write(fd, shared_object.data() + done, shared_object.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = memfd_error("writing the object into a memfd");
      close_all_but(-1);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  // Best effort: a kernel without seals still loads the bytes written above, and only
  // this process holds the descriptor.
  (void)::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);

  // The loader takes an object whose *name* matches one already loaded for that object,
  // without opening the file. A Library keeps its descriptor until after dlclose, so its
  // name is unique while it is loaded; an object the loader kept after dlclose may still
  // own a name, and then the memfd is loaded through another descriptor number.
  int use = fd;
  for (int renames = 0;; ++renames) {
    void* existing = ::dlopen(fd_path(use).c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
    if (existing == nullptr) break;
    ::dlclose(existing);
    const int again = renames < kMaxRenames ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (again < 0) {
      close_all_but(-1);
      return Error(AotErrc::kLoadFailed, "no free name under /proc/self/fd for the object");
    }
    fds.push_back(again);
    use = again;
  }
  ::dlerror();
  void* handle = ::dlopen(fd_path(use).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    close_all_but(-1);
    return Error(AotErrc::kLoadFailed, why != nullptr ? why : "dlopen failed");
  }
  close_all_but(use);
  return std::shared_ptr<Library>(new Library(handle, use));
}

Library::~Library() {
  ::dlclose(handle_);
  ::close(fd_);
}

void* Library::symbol(const char* name) const { return ::dlsym(handle_, name); }

}  // namespace wavs::aot
