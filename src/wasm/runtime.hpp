#pragma once
// Runtime objects shared by the instance code and the interpreter (internal).

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "wasm/code.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {

// A function in the store: either wasm code of some instance, or a host function.
struct FuncInst {
  FuncType type;
  std::uint32_t type_id = 0;           // canonical id of `type` (see type_interner.hpp)
  InternedFuncType host_type;          // host functions: what keeps type_id alive
  InstanceData* instance = nullptr;    // wasm functions: the defining instance
  const CompiledFunc* code = nullptr;  // wasm functions
  HostFn host;                         // host functions
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
};

// Runs `f` with its arguments in slots[0..params); on success its results are in
// slots[0..results). `slots` must hold max(params, results) values. Returns the trap,
// if any. Re-entrant: host functions may call back into wasm.
[[nodiscard]] std::optional<Trap> invoke(const FuncInst& f, std::uint64_t* slots);

// Grows a memory within the instance's cap; -1 on failure.
std::int32_t grow_memory(Memory& m, std::uint32_t delta);

}  // namespace wavs::wasm
