#include "wasm/disasm.hpp"

#include <cstdio>
#include <unordered_map>

#include "wasm/code.hpp"

namespace wavs::wasm {

namespace {

struct IOpInfo {
  const char* name;
  int words;  // including the handler word; 0 = variable (br_table)
};

// Word counts of the internal instructions (see the emitters in compiler.cpp).
int internal_words(IOp op) {
  switch (op) {
    case IOp::Copy:
    case IOp::Const32:
    case IOp::BrIf:
    case IOp::BrUnless:
    case IOp::GlobalGet:
    case IOp::GlobalSet:
    case IOp::TableSize:
    case IOp::MemoryGrow:
    case IOp::RefFunc:
    case IOp::RefIsNull:
    case IOp::Call:
    case IOp::CallImport:
      return 3;
    case IOp::GlobalI64TrapIfNeg:
      return 3;
    case IOp::GlobalI64AddImm:
      return 4;
    case IOp::GlobalI64AddImmTrapIfNeg:
      return 5;
    case IOp::Const64:
    case IOp::TableGet:
    case IOp::TableSet:
    case IOp::MemoryFill:
    case IOp::MemoryCopy:
      return 4;
    case IOp::Br:
    case IOp::Ret1:
    case IOp::ElemDrop:
    case IOp::DataDrop:
    case IOp::MemorySize:
      return 2;
    case IOp::Trap:
    case IOp::Ret:
      return 1;
    case IOp::CallIndirect:
    case IOp::Select:
    case IOp::TableGrow:
    case IOp::TableFill:
    case IOp::MemoryInit:
      return 5;
    case IOp::TableCopy:
    case IOp::TableInit:
      return 6;
    case IOp::BrTable:
      return 0;
    default:
      if (op >= IOp::BrIfI32Eq && op <= IOp::I64RotrImm) return 4;
      if (op >= IOp::I32LoadAI && op <= IOp::I32Store8AI) return 5;
      return -1;
  }
}

const std::vector<IOpInfo>& iop_infos() {
  static const std::vector<IOpInfo> infos = [] {
    std::vector<IOpInfo> v;
#define WAVS_X(name, code, text, imm, p0, p1, r, feat) \
  WAVS_IF_SIMPLE_##p0(v.push_back({text, Imm::imm == Imm::MemArg ? 4 : (#p1[0] == 'V' ? 3 : 4)});)
    WAVS_WASM_OPCODES(WAVS_X)
#undef WAVS_X
#define WAVS_Y(name) v.push_back({#name, internal_words(IOp::name)});
    WAVS_WASM_INTERNAL_OPS(WAVS_Y)
#undef WAVS_Y
    return v;
  }();
  return infos;
}

}  // namespace

std::string disassemble(const CompiledFunc& f) {
  const std::uint32_t* handlers = handler_table(f.interruptible);
  std::unordered_map<std::uint32_t, int> by_handler;
  for (int i = 0; i < static_cast<int>(IOp::kCount); ++i) by_handler.emplace(handlers[i], i);
  const auto& infos = iop_infos();
  std::string out;
  char buf[64];
  std::snprintf(buf, sizeof buf, "; params %u, locals %u, frame %u slots\n", f.num_params, f.num_locals,
                f.frame_slots);
  out += buf;
  std::size_t pc = 0;
  while (pc < f.code.size()) {
    auto it = by_handler.find(f.code[pc]);
    if (it == by_handler.end()) {
      out += "  ??\n";
      break;
    }
    const IOpInfo& info = infos[it->second];
    int words = info.words;
    if (words == 0) words = 3 + static_cast<int>(f.code[pc + 2]) + 1;
    if (words < 0) words = 1;
    std::snprintf(buf, sizeof buf, "%5zu  %-16s", pc, info.name);
    out += buf;
    for (int k = 1; k < words && pc + k < f.code.size(); ++k) {
      std::snprintf(buf, sizeof buf, " %d", static_cast<std::int32_t>(f.code[pc + k]));
      out += buf;
    }
    out += "\n";
    pc += static_cast<std::size_t>(words);
  }
  return out;
}

}  // namespace wavs::wasm
