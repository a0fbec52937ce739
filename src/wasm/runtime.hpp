#pragma once
// Runtime objects shared by the instance code and the interpreter (internal).

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "wasm/code.hpp"
#include "wasm/wasm.hpp"

extern "C" {
#include "wasm/native_abi.h"
}

namespace wavs::wasm {

// A function in the store: either wasm code of some instance, or a host function.
struct FuncInst {
  FuncType type;
  std::uint32_t type_id = 0;           // canonical id of `type` (see type_interner.hpp)
  InternedFuncType host_type;          // host functions: what keeps type_id alive
  InstanceData* instance = nullptr;    // wasm functions: the defining instance
  const CompiledFunc* code = nullptr;  // wasm functions
  HostFn host;                         // host functions
  std::int32_t native_index = -1;      // >= 0: runs as the instance's native function of this index
};

// A module's native code (wasm/native.hpp): the library's descriptor and its owner.
struct NativeCode {
  const wavs_native_module* module = nullptr;
  std::shared_ptr<const void> keepalive;
};

// What an instance's native code sees of it (native_abi.h): built at instantiation.
struct NativeInstance {
  wavs_native_ctx ctx{};
  std::vector<std::uint64_t*> global_cells;
  std::vector<std::uint32_t> type_ids;
  std::shared_ptr<const NativeCode> code;
};

struct InstanceData {
  std::shared_ptr<const CompiledModule> module;
  std::vector<FuncInst*> funcs;  // the function index space
  std::vector<std::shared_ptr<FuncInst>> func_owners;
  std::vector<Global*> globals;
  std::vector<std::shared_ptr<Global>> global_owners;
  std::vector<Table*> tables;
  std::vector<std::shared_ptr<Table>> table_owners;
  Memory* memory = nullptr;
  std::shared_ptr<Memory> memory_owner;
  std::vector<std::vector<std::uint64_t>> elems;  // element segments; dropped = empty
  std::vector<std::uint8_t> data_dropped;
  InstanceLimits limits;
  std::atomic<bool> interrupt{false};
  std::vector<std::shared_ptr<InstanceData>> deps;  // instances we import from
  std::unique_ptr<NativeInstance> native;            // set when the module has native code
};

// Builds inst.native for a module with native code (native.cpp), before any code runs.
void bind_native(InstanceData& inst, std::shared_ptr<const NativeCode> code);

// The host side of native_abi.h's `call`: defined with the interpreter (interp.cpp),
// whose per-thread stacks it shares.
std::int32_t native_call(wavs_native_ctx* c, const void* func, std::uint32_t depth, std::uint64_t frame,
                         std::uint64_t caller_top, std::uint64_t* slots);

// Runs `f` with its arguments in slots[0..params); on success its results are in
// slots[0..results). `slots` must hold max(params, results) values. Returns the trap,
// if any. Re-entrant: host functions may call back into wasm.
[[nodiscard]] std::optional<Trap> invoke(const FuncInst& f, std::uint64_t* slots);

// Grows a memory within the instance's cap; -1 on failure.
std::int32_t grow_memory(Memory& m, std::uint32_t delta);

}  // namespace wavs::wasm
