#pragma once
// Helpers for the wasi module's tests: WAT → wasm through wabt's wat2wasm, and a
// harness that calls any WASI function directly with chosen arguments.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/test_support.hpp"
#include "wasi/wasi.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasi::test {

using wavs::test::TempDir;

inline Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Assembles WebAssembly text with wat2wasm; empty on failure.
inline Bytes wat(std::string_view text) {
  TempDir dir;
  auto src = dir.write("m.wat", text);
  auto out = dir.path() / "m.wasm";
  std::string cmd = "wat2wasm '" + src.string() + "' -o '" + out.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  return read_file(out);
}

// A module that imports every function of `functions` (elements with .name and .type)
// from `module` and exports a wasm wrapper of each under the same name, so a test can
// call a host function with any arguments through a real Caller.
template <class Functions>
std::string wrapper_module_wat(std::string_view module, const Functions& functions, std::uint32_t pages) {
  auto types = [](const std::vector<wasm::ValType>& ts) {
    std::string out;
    for (auto t : ts) out += t == wasm::ValType::kI64 ? " i64" : " i32";
    return out;
  };
  std::string imports, wrappers;
  for (const auto& f : functions) {
    std::string gets;
    for (std::size_t i = 0; i < f.type.params.size(); ++i) gets += " local.get " + std::to_string(i);
    const std::string params = " (param" + types(f.type.params) + ")";
    const std::string result = f.type.results.empty() ? "" : " (result" + types(f.type.results) + ")";
    const std::string name(f.name);
    imports += "(import \"" + std::string(module) + "\" \"" + name + "\" (func $" + name + params + result + "))\n";
    wrappers += "(func (export \"" + name + "\")" + params + result + gets + " call $" + name + ")\n";
  }
  return "(module\n" + imports + "(memory (export \"memory\") " + std::to_string(pages) + ")\n" + wrappers + ")\n";
}

// Every WASI function, wrapped (see wrapper_module_wat).
inline std::string all_functions_wat(std::uint32_t pages = 2) {
  return wrapper_module_wat(kModuleName, preview1_functions(), pages);
}

class Harness {
 public:
  explicit Harness(WasiConfig config) {
    auto ctx = WasiContext::create(std::move(config));
    if (!ctx) {
      error = ctx.error().message();
      return;
    }
    ctx_ = std::move(*ctx);
    static const Bytes kWasm = wat(all_functions_wat());
    static const auto kModule = *wasm::Engine().compile(kWasm);
    ctx_->link(linker_);
    auto inst = linker_.instantiate(*kModule);
    if (!inst) {
      error = inst.error().message();
      return;
    }
    instance_ = std::move(*inst);
  }
  [[nodiscard]] bool ok() const { return instance_ != nullptr; }
  WasiContext& ctx() { return *ctx_; }
  wasm::Instance& instance() { return *instance_; }
  std::uint8_t* mem() { return instance_->memory()->data(); }
  std::uint64_t mem_size() { return instance_->memory()->size(); }

  // Calls a WASI function; returns its errno, or -1 when it trapped (see last_trap).
  int call(std::string_view name, std::initializer_list<wasm::Value> args) {
    auto r = instance_->call(name, args);
    if (!r) {
      last_trap = r.error();
      return -1;
    }
    return r->empty() ? 0 : (*r)[0].i32();
  }
  void put_u32(std::uint32_t at, std::uint32_t v) { std::memcpy(mem() + at, &v, 4); }
  std::uint32_t get_u32(std::uint32_t at) {
    std::uint32_t v;
    std::memcpy(&v, mem() + at, 4);
    return v;
  }
  std::uint64_t get_u64(std::uint32_t at) {
    std::uint64_t v;
    std::memcpy(&v, mem() + at, 8);
    return v;
  }
  void put_str(std::uint32_t at, std::string_view s) { std::memcpy(mem() + at, s.data(), s.size()); }
  std::string get_str(std::uint32_t at, std::size_t n) { return std::string(reinterpret_cast<char*>(mem() + at), n); }

  std::string error;
  wasm::Trap last_trap;

 private:
  std::unique_ptr<WasiContext> ctx_;
  wasm::Linker linker_;
  std::shared_ptr<wasm::Instance> instance_;
};

inline wasm::Value i32(std::int64_t v) { return wasm::Value::i32(static_cast<std::int32_t>(v)); }
inline wasm::Value i64(std::int64_t v) { return wasm::Value::i64(v); }

}  // namespace wavs::wasi::test
