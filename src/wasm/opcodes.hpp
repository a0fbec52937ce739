#pragma once
// The single source of truth for WebAssembly instructions. Every consumer (decoder,
// validator, translator, interpreter handler table, disassembler for error messages)
// expands WAVS_WASM_OPCODES with its own X.
//
//   X(Name, code, "text", Imm, P0, P1, R, Feature)
//
// code     the byte, or 0xFC00 | sub-opcode for the 0xFC prefix (0xFD, SIMD, later)
// Imm      the immediate's shape (enum Imm)
// P0 P1 R  the stack signature of simple instructions: operand types and result type
//          (V = none). Instructions whose typing depends on context (control, locals,
//          memory index, references) have P0 = X_ and are typed by hand in the validator.
// Feature  the proposal the instruction comes from (enum Feature)

#include <cstdint>
#include <string_view>

#include "wasm/types.hpp"

// clang-format off
#define WAVS_WASM_OPCODES(X) \
  X(Unreachable,      0x00, "unreachable",      None,      X_, V, V, Mvp) \
  X(Nop,              0x01, "nop",              None,      X_, V, V, Mvp) \
  X(Block,            0x02, "block",            BlockType, X_, V, V, Mvp) \
  X(Loop,             0x03, "loop",             BlockType, X_, V, V, Mvp) \
  X(If,               0x04, "if",               BlockType, X_, V, V, Mvp) \
  X(Else,             0x05, "else",             None,      X_, V, V, Mvp) \
  X(End,              0x0b, "end",              None,      X_, V, V, Mvp) \
  X(Br,               0x0c, "br",               Label,     X_, V, V, Mvp) \
  X(BrIf,             0x0d, "br_if",            Label,     X_, V, V, Mvp) \
  X(BrTable,          0x0e, "br_table",         BrTable,   X_, V, V, Mvp) \
  X(Return,           0x0f, "return",           None,      X_, V, V, Mvp) \
  X(Call,             0x10, "call",             Func,      X_, V, V, Mvp) \
  X(CallIndirect,     0x11, "call_indirect",    CallInd,   X_, V, V, Mvp) \
  X(Drop,             0x1a, "drop",             None,      X_, V, V, Mvp) \
  X(Select,           0x1b, "select",           None,      X_, V, V, Mvp) \
  X(SelectT,          0x1c, "select",           SelectT,   X_, V, V, RefTypes) \
  X(LocalGet,         0x20, "local.get",        Local,     X_, V, V, Mvp) \
  X(LocalSet,         0x21, "local.set",        Local,     X_, V, V, Mvp) \
  X(LocalTee,         0x22, "local.tee",        Local,     X_, V, V, Mvp) \
  X(GlobalGet,        0x23, "global.get",       Global,    X_, V, V, Mvp) \
  X(GlobalSet,        0x24, "global.set",       Global,    X_, V, V, Mvp) \
  X(TableGet,         0x25, "table.get",        Table,     X_, V, V, RefTypes) \
  X(TableSet,         0x26, "table.set",        Table,     X_, V, V, RefTypes) \
  X(I32Load,          0x28, "i32.load",         MemArg,    I32, V, I32, Mvp) \
  X(I64Load,          0x29, "i64.load",         MemArg,    I32, V, I64, Mvp) \
  X(F32Load,          0x2a, "f32.load",         MemArg,    I32, V, F32, Mvp) \
  X(F64Load,          0x2b, "f64.load",         MemArg,    I32, V, F64, Mvp) \
  X(I32Load8S,        0x2c, "i32.load8_s",      MemArg,    I32, V, I32, Mvp) \
  X(I32Load8U,        0x2d, "i32.load8_u",      MemArg,    I32, V, I32, Mvp) \
  X(I32Load16S,       0x2e, "i32.load16_s",     MemArg,    I32, V, I32, Mvp) \
  X(I32Load16U,       0x2f, "i32.load16_u",     MemArg,    I32, V, I32, Mvp) \
  X(I64Load8S,        0x30, "i64.load8_s",      MemArg,    I32, V, I64, Mvp) \
  X(I64Load8U,        0x31, "i64.load8_u",      MemArg,    I32, V, I64, Mvp) \
  X(I64Load16S,       0x32, "i64.load16_s",     MemArg,    I32, V, I64, Mvp) \
  X(I64Load16U,       0x33, "i64.load16_u",     MemArg,    I32, V, I64, Mvp) \
  X(I64Load32S,       0x34, "i64.load32_s",     MemArg,    I32, V, I64, Mvp) \
  X(I64Load32U,       0x35, "i64.load32_u",     MemArg,    I32, V, I64, Mvp) \
  X(I32Store,         0x36, "i32.store",        MemArg,    I32, I32, V, Mvp) \
  X(I64Store,         0x37, "i64.store",        MemArg,    I32, I64, V, Mvp) \
  X(F32Store,         0x38, "f32.store",        MemArg,    I32, F32, V, Mvp) \
  X(F64Store,         0x39, "f64.store",        MemArg,    I32, F64, V, Mvp) \
  X(I32Store8,        0x3a, "i32.store8",       MemArg,    I32, I32, V, Mvp) \
  X(I32Store16,       0x3b, "i32.store16",      MemArg,    I32, I32, V, Mvp) \
  X(I64Store8,        0x3c, "i64.store8",       MemArg,    I32, I64, V, Mvp) \
  X(I64Store16,       0x3d, "i64.store16",      MemArg,    I32, I64, V, Mvp) \
  X(I64Store32,       0x3e, "i64.store32",      MemArg,    I32, I64, V, Mvp) \
  X(MemorySize,       0x3f, "memory.size",      MemIdx,    X_, V, V, Mvp) \
  X(MemoryGrow,       0x40, "memory.grow",      MemIdx,    X_, V, V, Mvp) \
  X(I32Const,         0x41, "i32.const",        I32,       X_, V, V, Mvp) \
  X(I64Const,         0x42, "i64.const",        I64,       X_, V, V, Mvp) \
  X(F32Const,         0x43, "f32.const",        F32,       X_, V, V, Mvp) \
  X(F64Const,         0x44, "f64.const",        F64,       X_, V, V, Mvp) \
  X(I32Eqz,           0x45, "i32.eqz",          None,      I32, V, I32, Mvp) \
  X(I32Eq,            0x46, "i32.eq",           None,      I32, I32, I32, Mvp) \
  X(I32Ne,            0x47, "i32.ne",           None,      I32, I32, I32, Mvp) \
  X(I32LtS,           0x48, "i32.lt_s",         None,      I32, I32, I32, Mvp) \
  X(I32LtU,           0x49, "i32.lt_u",         None,      I32, I32, I32, Mvp) \
  X(I32GtS,           0x4a, "i32.gt_s",         None,      I32, I32, I32, Mvp) \
  X(I32GtU,           0x4b, "i32.gt_u",         None,      I32, I32, I32, Mvp) \
  X(I32LeS,           0x4c, "i32.le_s",         None,      I32, I32, I32, Mvp) \
  X(I32LeU,           0x4d, "i32.le_u",         None,      I32, I32, I32, Mvp) \
  X(I32GeS,           0x4e, "i32.ge_s",         None,      I32, I32, I32, Mvp) \
  X(I32GeU,           0x4f, "i32.ge_u",         None,      I32, I32, I32, Mvp) \
  X(I64Eqz,           0x50, "i64.eqz",          None,      I64, V, I32, Mvp) \
  X(I64Eq,            0x51, "i64.eq",           None,      I64, I64, I32, Mvp) \
  X(I64Ne,            0x52, "i64.ne",           None,      I64, I64, I32, Mvp) \
  X(I64LtS,           0x53, "i64.lt_s",         None,      I64, I64, I32, Mvp) \
  X(I64LtU,           0x54, "i64.lt_u",         None,      I64, I64, I32, Mvp) \
  X(I64GtS,           0x55, "i64.gt_s",         None,      I64, I64, I32, Mvp) \
  X(I64GtU,           0x56, "i64.gt_u",         None,      I64, I64, I32, Mvp) \
  X(I64LeS,           0x57, "i64.le_s",         None,      I64, I64, I32, Mvp) \
  X(I64LeU,           0x58, "i64.le_u",         None,      I64, I64, I32, Mvp) \
  X(I64GeS,           0x59, "i64.ge_s",         None,      I64, I64, I32, Mvp) \
  X(I64GeU,           0x5a, "i64.ge_u",         None,      I64, I64, I32, Mvp) \
  X(F32Eq,            0x5b, "f32.eq",           None,      F32, F32, I32, Mvp) \
  X(F32Ne,            0x5c, "f32.ne",           None,      F32, F32, I32, Mvp) \
  X(F32Lt,            0x5d, "f32.lt",           None,      F32, F32, I32, Mvp) \
  X(F32Gt,            0x5e, "f32.gt",           None,      F32, F32, I32, Mvp) \
  X(F32Le,            0x5f, "f32.le",           None,      F32, F32, I32, Mvp) \
  X(F32Ge,            0x60, "f32.ge",           None,      F32, F32, I32, Mvp) \
  X(F64Eq,            0x61, "f64.eq",           None,      F64, F64, I32, Mvp) \
  X(F64Ne,            0x62, "f64.ne",           None,      F64, F64, I32, Mvp) \
  X(F64Lt,            0x63, "f64.lt",           None,      F64, F64, I32, Mvp) \
  X(F64Gt,            0x64, "f64.gt",           None,      F64, F64, I32, Mvp) \
  X(F64Le,            0x65, "f64.le",           None,      F64, F64, I32, Mvp) \
  X(F64Ge,            0x66, "f64.ge",           None,      F64, F64, I32, Mvp) \
  X(I32Clz,           0x67, "i32.clz",          None,      I32, V, I32, Mvp) \
  X(I32Ctz,           0x68, "i32.ctz",          None,      I32, V, I32, Mvp) \
  X(I32Popcnt,        0x69, "i32.popcnt",       None,      I32, V, I32, Mvp) \
  X(I32Add,           0x6a, "i32.add",          None,      I32, I32, I32, Mvp) \
  X(I32Sub,           0x6b, "i32.sub",          None,      I32, I32, I32, Mvp) \
  X(I32Mul,           0x6c, "i32.mul",          None,      I32, I32, I32, Mvp) \
  X(I32DivS,          0x6d, "i32.div_s",        None,      I32, I32, I32, Mvp) \
  X(I32DivU,          0x6e, "i32.div_u",        None,      I32, I32, I32, Mvp) \
  X(I32RemS,          0x6f, "i32.rem_s",        None,      I32, I32, I32, Mvp) \
  X(I32RemU,          0x70, "i32.rem_u",        None,      I32, I32, I32, Mvp) \
  X(I32And,           0x71, "i32.and",          None,      I32, I32, I32, Mvp) \
  X(I32Or,            0x72, "i32.or",           None,      I32, I32, I32, Mvp) \
  X(I32Xor,           0x73, "i32.xor",          None,      I32, I32, I32, Mvp) \
  X(I32Shl,           0x74, "i32.shl",          None,      I32, I32, I32, Mvp) \
  X(I32ShrS,          0x75, "i32.shr_s",        None,      I32, I32, I32, Mvp) \
  X(I32ShrU,          0x76, "i32.shr_u",        None,      I32, I32, I32, Mvp) \
  X(I32Rotl,          0x77, "i32.rotl",         None,      I32, I32, I32, Mvp) \
  X(I32Rotr,          0x78, "i32.rotr",         None,      I32, I32, I32, Mvp) \
  X(I64Clz,           0x79, "i64.clz",          None,      I64, V, I64, Mvp) \
  X(I64Ctz,           0x7a, "i64.ctz",          None,      I64, V, I64, Mvp) \
  X(I64Popcnt,        0x7b, "i64.popcnt",       None,      I64, V, I64, Mvp) \
  X(I64Add,           0x7c, "i64.add",          None,      I64, I64, I64, Mvp) \
  X(I64Sub,           0x7d, "i64.sub",          None,      I64, I64, I64, Mvp) \
  X(I64Mul,           0x7e, "i64.mul",          None,      I64, I64, I64, Mvp) \
  X(I64DivS,          0x7f, "i64.div_s",        None,      I64, I64, I64, Mvp) \
  X(I64DivU,          0x80, "i64.div_u",        None,      I64, I64, I64, Mvp) \
  X(I64RemS,          0x81, "i64.rem_s",        None,      I64, I64, I64, Mvp) \
  X(I64RemU,          0x82, "i64.rem_u",        None,      I64, I64, I64, Mvp) \
  X(I64And,           0x83, "i64.and",          None,      I64, I64, I64, Mvp) \
  X(I64Or,            0x84, "i64.or",           None,      I64, I64, I64, Mvp) \
  X(I64Xor,           0x85, "i64.xor",          None,      I64, I64, I64, Mvp) \
  X(I64Shl,           0x86, "i64.shl",          None,      I64, I64, I64, Mvp) \
  X(I64ShrS,          0x87, "i64.shr_s",        None,      I64, I64, I64, Mvp) \
  X(I64ShrU,          0x88, "i64.shr_u",        None,      I64, I64, I64, Mvp) \
  X(I64Rotl,          0x89, "i64.rotl",         None,      I64, I64, I64, Mvp) \
  X(I64Rotr,          0x8a, "i64.rotr",         None,      I64, I64, I64, Mvp) \
  X(F32Abs,           0x8b, "f32.abs",          None,      F32, V, F32, Mvp) \
  X(F32Neg,           0x8c, "f32.neg",          None,      F32, V, F32, Mvp) \
  X(F32Ceil,          0x8d, "f32.ceil",         None,      F32, V, F32, Mvp) \
  X(F32Floor,         0x8e, "f32.floor",        None,      F32, V, F32, Mvp) \
  X(F32Trunc,         0x8f, "f32.trunc",        None,      F32, V, F32, Mvp) \
  X(F32Nearest,       0x90, "f32.nearest",      None,      F32, V, F32, Mvp) \
  X(F32Sqrt,          0x91, "f32.sqrt",         None,      F32, V, F32, Mvp) \
  X(F32Add,           0x92, "f32.add",          None,      F32, F32, F32, Mvp) \
  X(F32Sub,           0x93, "f32.sub",          None,      F32, F32, F32, Mvp) \
  X(F32Mul,           0x94, "f32.mul",          None,      F32, F32, F32, Mvp) \
  X(F32Div,           0x95, "f32.div",          None,      F32, F32, F32, Mvp) \
  X(F32Min,           0x96, "f32.min",          None,      F32, F32, F32, Mvp) \
  X(F32Max,           0x97, "f32.max",          None,      F32, F32, F32, Mvp) \
  X(F32Copysign,      0x98, "f32.copysign",     None,      F32, F32, F32, Mvp) \
  X(F64Abs,           0x99, "f64.abs",          None,      F64, V, F64, Mvp) \
  X(F64Neg,           0x9a, "f64.neg",          None,      F64, V, F64, Mvp) \
  X(F64Ceil,          0x9b, "f64.ceil",         None,      F64, V, F64, Mvp) \
  X(F64Floor,         0x9c, "f64.floor",        None,      F64, V, F64, Mvp) \
  X(F64Trunc,         0x9d, "f64.trunc",        None,      F64, V, F64, Mvp) \
  X(F64Nearest,       0x9e, "f64.nearest",      None,      F64, V, F64, Mvp) \
  X(F64Sqrt,          0x9f, "f64.sqrt",         None,      F64, V, F64, Mvp) \
  X(F64Add,           0xa0, "f64.add",          None,      F64, F64, F64, Mvp) \
  X(F64Sub,           0xa1, "f64.sub",          None,      F64, F64, F64, Mvp) \
  X(F64Mul,           0xa2, "f64.mul",          None,      F64, F64, F64, Mvp) \
  X(F64Div,           0xa3, "f64.div",          None,      F64, F64, F64, Mvp) \
  X(F64Min,           0xa4, "f64.min",          None,      F64, F64, F64, Mvp) \
  X(F64Max,           0xa5, "f64.max",          None,      F64, F64, F64, Mvp) \
  X(F64Copysign,      0xa6, "f64.copysign",     None,      F64, F64, F64, Mvp) \
  X(I32WrapI64,       0xa7, "i32.wrap_i64",     None,      I64, V, I32, Mvp) \
  X(I32TruncF32S,     0xa8, "i32.trunc_f32_s",  None,      F32, V, I32, Mvp) \
  X(I32TruncF32U,     0xa9, "i32.trunc_f32_u",  None,      F32, V, I32, Mvp) \
  X(I32TruncF64S,     0xaa, "i32.trunc_f64_s",  None,      F64, V, I32, Mvp) \
  X(I32TruncF64U,     0xab, "i32.trunc_f64_u",  None,      F64, V, I32, Mvp) \
  X(I64ExtendI32S,    0xac, "i64.extend_i32_s", None,      I32, V, I64, Mvp) \
  X(I64ExtendI32U,    0xad, "i64.extend_i32_u", None,      I32, V, I64, Mvp) \
  X(I64TruncF32S,     0xae, "i64.trunc_f32_s",  None,      F32, V, I64, Mvp) \
  X(I64TruncF32U,     0xaf, "i64.trunc_f32_u",  None,      F32, V, I64, Mvp) \
  X(I64TruncF64S,     0xb0, "i64.trunc_f64_s",  None,      F64, V, I64, Mvp) \
  X(I64TruncF64U,     0xb1, "i64.trunc_f64_u",  None,      F64, V, I64, Mvp) \
  X(F32ConvertI32S,   0xb2, "f32.convert_i32_s", None,     I32, V, F32, Mvp) \
  X(F32ConvertI32U,   0xb3, "f32.convert_i32_u", None,     I32, V, F32, Mvp) \
  X(F32ConvertI64S,   0xb4, "f32.convert_i64_s", None,     I64, V, F32, Mvp) \
  X(F32ConvertI64U,   0xb5, "f32.convert_i64_u", None,     I64, V, F32, Mvp) \
  X(F32DemoteF64,     0xb6, "f32.demote_f64",   None,      F64, V, F32, Mvp) \
  X(F64ConvertI32S,   0xb7, "f64.convert_i32_s", None,     I32, V, F64, Mvp) \
  X(F64ConvertI32U,   0xb8, "f64.convert_i32_u", None,     I32, V, F64, Mvp) \
  X(F64ConvertI64S,   0xb9, "f64.convert_i64_s", None,     I64, V, F64, Mvp) \
  X(F64ConvertI64U,   0xba, "f64.convert_i64_u", None,     I64, V, F64, Mvp) \
  X(F64PromoteF32,    0xbb, "f64.promote_f32",  None,      F32, V, F64, Mvp) \
  X(I32ReinterpretF32, 0xbc, "i32.reinterpret_f32", None,  F32, V, I32, Mvp) \
  X(I64ReinterpretF64, 0xbd, "i64.reinterpret_f64", None,  F64, V, I64, Mvp) \
  X(F32ReinterpretI32, 0xbe, "f32.reinterpret_i32", None,  I32, V, F32, Mvp) \
  X(F64ReinterpretI64, 0xbf, "f64.reinterpret_i64", None,  I64, V, F64, Mvp) \
  X(I32Extend8S,      0xc0, "i32.extend8_s",    None,      I32, V, I32, SignExt) \
  X(I32Extend16S,     0xc1, "i32.extend16_s",   None,      I32, V, I32, SignExt) \
  X(I64Extend8S,      0xc2, "i64.extend8_s",    None,      I64, V, I64, SignExt) \
  X(I64Extend16S,     0xc3, "i64.extend16_s",   None,      I64, V, I64, SignExt) \
  X(I64Extend32S,     0xc4, "i64.extend32_s",   None,      I64, V, I64, SignExt) \
  X(RefNull,          0xd0, "ref.null",         RefType,   X_, V, V, RefTypes) \
  X(RefIsNull,        0xd1, "ref.is_null",      None,      X_, V, V, RefTypes) \
  X(RefFunc,          0xd2, "ref.func",         Func,      X_, V, V, RefTypes) \
  X(I32TruncSatF32S,  0xfc00, "i32.trunc_sat_f32_s", None, F32, V, I32, SatConv) \
  X(I32TruncSatF32U,  0xfc01, "i32.trunc_sat_f32_u", None, F32, V, I32, SatConv) \
  X(I32TruncSatF64S,  0xfc02, "i32.trunc_sat_f64_s", None, F64, V, I32, SatConv) \
  X(I32TruncSatF64U,  0xfc03, "i32.trunc_sat_f64_u", None, F64, V, I32, SatConv) \
  X(I64TruncSatF32S,  0xfc04, "i64.trunc_sat_f32_s", None, F32, V, I64, SatConv) \
  X(I64TruncSatF32U,  0xfc05, "i64.trunc_sat_f32_u", None, F32, V, I64, SatConv) \
  X(I64TruncSatF64S,  0xfc06, "i64.trunc_sat_f64_s", None, F64, V, I64, SatConv) \
  X(I64TruncSatF64U,  0xfc07, "i64.trunc_sat_f64_u", None, F64, V, I64, SatConv) \
  X(MemoryInit,       0xfc08, "memory.init",    MemInit,   X_, V, V, Bulk) \
  X(DataDrop,         0xfc09, "data.drop",      Data,      X_, V, V, Bulk) \
  X(MemoryCopy,       0xfc0a, "memory.copy",    MemCopy,   X_, V, V, Bulk) \
  X(MemoryFill,       0xfc0b, "memory.fill",    MemIdx,    X_, V, V, Bulk) \
  X(TableInit,        0xfc0c, "table.init",     TableInit, X_, V, V, Bulk) \
  X(ElemDrop,         0xfc0d, "elem.drop",      Elem,      X_, V, V, Bulk) \
  X(TableCopy,        0xfc0e, "table.copy",     TableCopy, X_, V, V, Bulk) \
  X(TableGrow,        0xfc0f, "table.grow",     Table,     X_, V, V, RefTypes) \
  X(TableSize,        0xfc10, "table.size",     Table,     X_, V, V, RefTypes) \
  X(TableFill,        0xfc11, "table.fill",     Table,     X_, V, V, RefTypes)
// clang-format on

namespace wavs::wasm {

enum class Opcode : std::uint16_t {
#define WAVS_X(name, code, text, imm, p0, p1, r, feat) k##name = (code),
  WAVS_WASM_OPCODES(WAVS_X)
#undef WAVS_X
};

enum class Imm : std::uint8_t {
  None,
  BlockType,
  Label,
  BrTable,
  Func,
  CallInd,
  SelectT,
  Local,
  Global,
  Table,
  MemArg,
  MemIdx,
  I32,
  I64,
  F32,
  F64,
  RefType,
  MemInit,
  Data,
  MemCopy,
  TableInit,
  Elem,
  TableCopy,
};

enum class Feature : std::uint8_t { Mvp, SignExt, SatConv, MultiValue, Bulk, RefTypes, Simd };

struct OpcodeInfo {
  std::string_view text;  // empty: no such opcode
  Imm imm = Imm::None;
  bool simple = false;  // typed by p0/p1/r alone
  ValType p0 = ValType::kUnknown, p1 = ValType::kUnknown, r = ValType::kUnknown;
  Feature feature = Feature::Mvp;
};

// Information on a one-byte opcode (code < 0x100) or 0xFC-prefixed one (0xFC00 | sub);
// nullptr when the code is not an instruction.
[[nodiscard]] const OpcodeInfo* opcode_info(std::uint32_t code);

// The instruction's text name, or "<0x..>" for unknown codes. Used in error messages.
[[nodiscard]] std::string opcode_name(std::uint32_t code);

}  // namespace wavs::wasm
