#pragma once
// A shared object loaded from bytes in memory, so what runs is exactly what the caller
// verified: the bytes go into a sealed anonymous memfd that is dlopen'ed through
// /proc/self/fd, and no file on disk can be swapped in between the check and the load.
//
//   auto lib = Library::load(object_bytes);                 // after the cache verified them
//   auto* fn = reinterpret_cast<int (*)(int)>((*lib)->symbol("wavs_fn_0"));
//
// Contract:
//   owns     the loaded object (dlclose on destruction) and its memfd; share the pointer
//            with everything that may still call into the object
//   threads  load() and symbol() are thread-safe; a Library may be used from any thread
//   blocking load() runs the object's constructors (the emitter writes none) and relocates it
//   cancels  nothing; the object is loaded RTLD_NOW | RTLD_LOCAL, so a missing symbol fails
//            the load and nothing it defines is visible to other objects
//   trust    loading runs native code: pass only bytes that were verified (the cache's
//            HMAC) or just compiled. Damage the checks here catch (not ELF, another word
//            size, truncated segments) is kLoadFailed; a crafted object is not caught

#include <memory>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace wavs::aot {

class Library {
 public:
  // Errors: kLoadFailed with what is wrong with the ELF headers, the loader's reason
  // (dlerror), or why the memfd failed.
  [[nodiscard]] static Result<std::shared_ptr<Library>> load(ByteView shared_object);

  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  // The address of `name`, nullptr when the object does not define it.
  [[nodiscard]] void* symbol(const char* name) const;

 private:
  Library(void* handle, int fd) : handle_(handle), fd_(fd) {}
  void* handle_;
  int fd_;
};

}  // namespace wavs::aot
