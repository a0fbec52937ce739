#pragma once
// The internal threaded form that validated function bodies are translated into.
//
// A function's code is an array of 32-bit words. Each instruction starts with its
// handler word (with computed goto: the handler's address as an offset from a base
// label; otherwise the IOp number) followed by operand words. Operands are slot
// indices into the function's frame (a window of 8-byte slots: parameters, then other
// locals, then the value stack), immediates, and branch offsets in words relative to
// the instruction's start. Nothing is decoded at run time.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/module.hpp"
#include "wasm/opcodes.hpp"
#include "wasm/type_interner.hpp"

// Expands its arguments only for the "simple" opcodes of the table (P0 is a type).
#define WAVS_IF_SIMPLE_X_(...)
#define WAVS_IF_SIMPLE_I32(...) __VA_ARGS__
#define WAVS_IF_SIMPLE_I64(...) __VA_ARGS__
#define WAVS_IF_SIMPLE_F32(...) __VA_ARGS__
#define WAVS_IF_SIMPLE_F64(...) __VA_ARGS__

// Instructions that exist only in the internal form (control flow with resolved
// targets, calls, fused pairs). The simple opcodes of the table come first in IOp.
// clang-format off
#define WAVS_WASM_INTERNAL_OPS(Y) \
  Y(Copy) Y(Const32) Y(Const64) \
  Y(Br) Y(BrIf) Y(BrUnless) Y(BrTable) \
  Y(BrIfI32Eq) Y(BrIfI32Ne) Y(BrIfI32LtS) Y(BrIfI32LtU) Y(BrIfI32GtS) Y(BrIfI32GtU) \
  Y(BrIfI32LeS) Y(BrIfI32LeU) Y(BrIfI32GeS) Y(BrIfI32GeU) \
  Y(BrIfI32EqImm) Y(BrIfI32NeImm) Y(BrIfI32LtSImm) Y(BrIfI32LtUImm) Y(BrIfI32GtSImm) Y(BrIfI32GtUImm) \
  Y(BrIfI32LeSImm) Y(BrIfI32LeUImm) Y(BrIfI32GeSImm) Y(BrIfI32GeUImm) \
  Y(I32AddImm) Y(I32MulImm) Y(I32AndImm) Y(I32OrImm) Y(I32XorImm) Y(I32ShlImm) Y(I32ShrSImm) Y(I32ShrUImm) \
  Y(I32RotlImm) Y(I32RotrImm) \
  Y(I32EqImm) Y(I32NeImm) Y(I32LtSImm) Y(I32LtUImm) Y(I32GtSImm) Y(I32GtUImm) \
  Y(I32LeSImm) Y(I32LeUImm) Y(I32GeSImm) Y(I32GeUImm) \
  Y(I64AddImm) Y(I64AndImm) Y(I64OrImm) Y(I64XorImm) Y(I64ShlImm) Y(I64ShrSImm) Y(I64ShrUImm) \
  Y(I64RotlImm) Y(I64RotrImm) \
  Y(Trap) Y(Ret) Y(Ret1) Y(Call) Y(CallImport) Y(CallIndirect) Y(Select) \
  Y(GlobalGet) Y(GlobalSet) \
  Y(TableGet) Y(TableSet) Y(TableSize) Y(TableGrow) Y(TableFill) Y(TableCopy) Y(TableInit) Y(ElemDrop) \
  Y(MemorySize) Y(MemoryGrow) Y(MemoryFill) Y(MemoryCopy) Y(MemoryInit) Y(DataDrop) \
  Y(RefFunc) Y(RefIsNull) \
  Y(I32LoadAI) Y(I64LoadAI) Y(F32LoadAI) Y(F64LoadAI) Y(I32Load8UAI) Y(I32Load8SAI) Y(I32Load16UAI) \
  Y(I32StoreAI) Y(I64StoreAI) Y(F32StoreAI) Y(F64StoreAI) Y(I32Store8AI) \
  Y(GlobalI64AddImm) Y(GlobalI64TrapIfNeg) Y(GlobalI64AddImmTrapIfNeg)
// clang-format on

namespace wavs::wasm {

enum class IOp : std::uint16_t {
#define WAVS_X(name, code, text, imm, p0, p1, r, feat) WAVS_IF_SIMPLE_##p0(name, )
  WAVS_WASM_OPCODES(WAVS_X)
#undef WAVS_X
#define WAVS_Y(name) name,
      WAVS_WASM_INTERNAL_OPS(WAVS_Y)
#undef WAVS_Y
          kCount
};

// "AI" forms fuse `i32.add (x, imm)` into the following load or store: the address is
// the 32-bit wrapped sum, then the memarg offset is added without wrapping, exactly as
// the two instructions would compute it.

// The "GlobalI64" forms are a counter kept in a mutable i64 global, as a metering pass
// injects it (wasi/fuel_pass.hpp); each replaces a whole sequence, only when fusing:
//   GlobalI64AddImm          [g][lo][hi]        global.get g; i64.const c; i64.add; global.set g
//   GlobalI64TrapIfNeg       [g][kind]          global.get g; i64.const 0; i64.lt_s;
//                                               if (empty) unreachable end
//   GlobalI64AddImmTrapIfNeg [g][lo][hi][kind]  the first directly followed by the second
// The add wraps like i64.add, and the global keeps the sum when the trap fires. `kind`
// is the TrapKind raised: kUnreachable, as the unfused code would, unless the global is
// the one EngineConfig::fuel_global_export names.

// The IOp of a simple opcode (its numeric handler).
[[nodiscard]] IOp simple_iop(Opcode op);

struct CompiledFunc {
  std::vector<std::uint32_t> code;
  std::uint32_t type_index = 0;
  std::uint32_t num_params = 0;
  std::uint32_t num_locals = 0;   // parameters included
  std::uint32_t frame_slots = 0;  // locals + the deepest value stack
  std::uint32_t num_results = 0;
  bool interruptible = true;  // which interpreter variant's handler words `code` holds
};

// A module after validation and translation: immutable, shared by every instance.
struct CompiledModule {
  ModuleData data;
  std::vector<CompiledFunc> funcs;                              // the module's own functions (not imports)
  std::vector<InternedFuncType> type_ids;                       // canonical id of every type in data.types
  std::unordered_map<std::string, std::uint32_t> export_index;  // name → index in data.exports
  bool interruptible = true;                                    // CompileOptions::interruptible
};

// The interpreter's handler word for each IOp (label offsets with computed goto).
// Two interpreter variants exist, with and without interruption checks
// (EngineConfig::interruptible); code holds the handler words of one of them.
[[nodiscard]] const std::uint32_t* handler_table(bool interruptible = true);

}  // namespace wavs::wasm
