#pragma once
// Builds a module's native code with the system C compiler for tests of the engine
// alone (the product path, with its cache and timeouts, is src/aot). Real compiler, real
// shared object: nothing is mocked.

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "wasm/native.hpp"

namespace wavs::wasm::test {

// A module in the text format, assembled by wabt's wat2wasm (installed by scripts/setup);
// empty when that fails (the caller's compile then fails visibly).
inline Bytes assemble_wat(const std::string& wat) {
  char tmpl[] = "/tmp/wavs-wat-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (!dir) return {};
  std::filesystem::path d(dir);
  std::ofstream(d / "m.wat") << wat;
  std::string cmd = "wat2wasm '" + (d / "m.wat").string() + "' -o '" + (d / "m.wasm").string() + "'";
  Bytes out;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream in(d / "m.wasm", std::ios::binary);
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::filesystem::remove_all(d);
  return out;
}

inline Result<std::shared_ptr<const Module>> build_native(const Module& module, const NativeOptions& options = {},
                                                          const std::string& opt = "-O1") {
  auto source = emit_c(module, options);
  if (!source) return source.error();
  char tmpl[] = "/tmp/wavs-native-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (!dir) return Error(WasmErrc::kLimit, "mkdtemp failed");
  std::filesystem::path d(dir);
  std::ofstream(d / "m.c") << *source;
  std::ofstream(d / std::string(kNativeAbiHeaderName)) << native_abi_header();
  std::string cmd = "cc " + opt + " -std=c11 -fPIC -shared -ffp-contract=off -fsignaling-nans -fstack-clash-protection -fno-strict-aliasing -w -o '" +
                    (d / "m.so").string() + "' '" + (d / "m.c").string() + "' 2>'" + (d / "err.txt").string() + "'";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream err(d / "err.txt");
    std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    if (text.size() > 4000) text.resize(4000);
    return Error(WasmErrc::kLimit, "cc failed (source kept in " + d.string() + "): " + text);
  }
  void* handle = dlopen((d / "m.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return Error(WasmErrc::kLimit, std::string("dlopen: ") + dlerror());
  if (!std::getenv("WAVS_KEEP_NATIVE")) std::filesystem::remove_all(d);
  std::shared_ptr<const void> owner(handle, [](const void* h) { dlclose(const_cast<void*>(h)); });
  return attach_native(module, dlsym(handle, WAVS_NATIVE_SYMBOL), options, owner);
}

}  // namespace wavs::wasm::test
