#pragma once
// Tier 2 of the engine: a module's functions as native code (docs/wasm-engine.md, "Tier 2: native code").
//
//   auto source = wasm::emit_c(*module, {.fuel_global_export = "wavs_fuel"});  // C text
//   // ... the embedder compiles it with native_abi_header() beside it as
//   //     "wavs_native_abi.h" into a shared object and loads it (src/aot does all that)
//   auto fast = wasm::attach_native(*module, dlsym(handle, WAVS_NATIVE_SYMBOL), handle_owner);
//   linker.instantiate(**fast) ...                  // same API, same results, faster
//
// The emitted code implements the same semantics as the interpreter, trap for trap: the
// same checks in the same order, the same call-depth and frame-slot accounting (so deep
// recursion stops at the same call), the same treatment of the metering pass's fuel
// check (TrapKind::kFuelExhausted) and interruption checks at loop back-edges and calls.
// It is emitted from the validated module, so it never sees invalid code.

#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "wasm/wasm.hpp"

extern "C" {
#include "wasm/native_abi.h"  // WAVS_NATIVE_SYMBOL, the descriptor's layout
}

namespace wavs::wasm {

struct NativeOptions {
  // As EngineConfig::fuel_global_export: the fused fuel check of this exported i64 global
  // traps with kFuelExhausted. The emitted code also keeps this counter in a register
  // between calls (the host sees it exact at every call out and at every trap).
  std::string fuel_global_export;
  // As EngineConfig::interruptible. Off only for measuring.
  bool interruptible = true;
  // Loads and stores of a memory the module defines go unchecked into a guarded
  // reservation (Memory::create's `guarded`): an access beyond the size faults and the
  // engine turns the fault into kMemoryOutOfBounds. Off: explicit checks, as an imported
  // memory always gets. Only on 64-bit Linux.
  bool guard_pages = true;
};

// C source (C11 with GNU builtins) for the module's functions. It includes
// "wavs_native_abi.h" (native_abi_header()) and exports WAVS_NATIVE_SYMBOL. Deterministic:
// the same module and options give the same text. Errors: none expected for a module the
// engine compiled (WasmErrc::kLimit for a function too large to emit).
[[nodiscard]] Result<std::string> emit_c(const Module& module, const NativeOptions& options);

// The text of native_abi.h, to be written beside the source as "wavs_native_abi.h".
[[nodiscard]] std::string_view native_abi_header();
inline constexpr std::string_view kNativeAbiHeaderName = "wavs_native_abi.h";

// Identifies the emitter itself (a digest of its source and of native_abi.h, taken at
// build time): part of every cache key, so code from another emitter is never reused.
[[nodiscard]] std::string_view native_emitter_version();

// The hex fingerprint emit_c writes into the code: binds a library to the exact module.
[[nodiscard]] std::string native_fingerprint(const Module& module, const NativeOptions& options);

// A copy of `module` whose instances run `descriptor` (a wavs_native_module, from a
// library built from emit_c(module, options)). `keepalive` owns whatever keeps the
// descriptor's code loaded; instances hold it. Errors: WasmErrc::kLimit when the ABI
// version, function count or fingerprint does not match (a stale or foreign library).
[[nodiscard]] Result<std::shared_ptr<const Module>> attach_native(const Module& module, const void* descriptor,
                                                                  const NativeOptions& options,
                                                                  std::shared_ptr<const void> keepalive);

}  // namespace wavs::wasm
