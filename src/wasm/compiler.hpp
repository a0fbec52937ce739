#pragma once
// Validation and translation: checks a decoded module against WebAssembly 2.0's type
// system and translates each function body, in the same single pass, into the internal
// threaded form (wasm/code.hpp).

#include <memory>
#include <string>

#include "wasm/code.hpp"
#include "wasm/module.hpp"

namespace wavs::wasm {

struct CompileOptions {
  CompileOptions() = default;
  explicit CompileOptions(bool f) : fuse(f) {}

  bool fuse = true;  // peephole fusion of common instruction pairs
  // EngineConfig::fuel_global_export: the exported global whose fused negative check
  // traps with kFuelExhausted.
  std::string fuel_global_export;
  bool interruptible = true;  // EngineConfig::interruptible
};

[[nodiscard]] Result<std::shared_ptr<CompiledModule>> compile_module(ModuleData data,
                                                                     CompileOptions options = {});

}  // namespace wavs::wasm
