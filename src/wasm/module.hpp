#pragma once
// The decoded form of a module: what the binary says, checked for well-formedness but
// not yet validated. Internal to the engine; embedders see wasm/wasm.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/bytes.hpp"
#include "wasm/opcodes.hpp"
#include "wasm/types.hpp"

namespace wavs::wasm {

// A constant expression. WebAssembly 2.0 allows exactly one instruction before `end`;
// a vector keeps room for the extended-const proposal.
struct ConstInstr {
  Opcode op = Opcode::kI32Const;
  std::uint64_t value = 0;               // constant bits, or the global / function index
  ValType ref_type = ValType::kFuncRef;  // for ref.null
};
struct ConstExpr {
  std::vector<ConstInstr> instrs;
  std::uint32_t offset = 0;  // byte offset in the module, for error messages
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  std::uint32_t func_type = 0;
  TableType table;
  MemoryType memory;
  GlobalType global;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  std::uint32_t index = 0;
};

enum class SegmentMode : std::uint8_t { kActive, kPassive, kDeclarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::kActive;
  std::uint32_t table = 0;
  ConstExpr offset;
  ValType type = ValType::kFuncRef;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;
  std::uint32_t memory = 0;
  ConstExpr offset;
  std::uint32_t begin = 0;  // byte range of the contents within ModuleData::bytes
  std::uint32_t size = 0;
};

struct FuncBody {
  std::vector<ValType> locals;   // declared locals, expanded (parameters not included)
  std::uint32_t code_begin = 0;  // first instruction byte within ModuleData::bytes
  std::uint32_t code_end = 0;    // one past the final `end`
};

struct ModuleData {
  Bytes bytes;
  std::vector<FuncType> types;
  std::vector<Import> imports;
  // Index spaces: imports first, then the module's own definitions.
  std::vector<std::uint32_t> funcs;  // type index of every function
  std::vector<TableType> tables;
  std::vector<MemoryType> memories;
  std::vector<GlobalType> globals;
  std::uint32_t num_imported_funcs = 0;
  std::uint32_t num_imported_tables = 0;
  std::uint32_t num_imported_memories = 0;
  std::uint32_t num_imported_globals = 0;
  std::vector<ConstExpr> global_inits;  // for the module's own globals
  std::vector<Export> exports;
  std::optional<std::uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<std::uint32_t> data_count;
  std::vector<FuncBody> bodies;
  std::unordered_map<std::uint32_t, std::string> func_names;  // from the `name` section

  [[nodiscard]] const FuncType& func_type(std::uint32_t func) const { return types[funcs[func]]; }
  // "func 3 ($name)" for messages.
  [[nodiscard]] std::string func_label(std::uint32_t func) const;
};

// Implementation limits beyond the spec's own; all bound what an attacker-supplied
// count can make us allocate.
inline constexpr std::uint32_t kMaxTypes = 1'000'000;
inline constexpr std::uint32_t kMaxFunctions = 1'000'000;
inline constexpr std::uint32_t kMaxImports = 100'000;
inline constexpr std::uint32_t kMaxExports = 100'000;
inline constexpr std::uint32_t kMaxGlobals = 1'000'000;
inline constexpr std::uint32_t kMaxSegments = 100'000;
inline constexpr std::uint32_t kMaxSegmentItems = 10'000'000;
inline constexpr std::uint32_t kMaxLocals = 50'000;
inline constexpr std::uint32_t kMaxParams = 1'000;
inline constexpr std::uint32_t kMaxTables = 100'000;
inline constexpr std::uint32_t kMaxBrTable = 65'520;

}  // namespace wavs::wasm
