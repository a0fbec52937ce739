#include "wasm/compiler.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "wasm/decoder.hpp"
#include "wasm/reader.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {

IOp simple_iop(Opcode op) {
  switch (op) {
#define WAVS_X(name, code, text, imm, p0, p1, r, feat) \
  WAVS_IF_SIMPLE_##p0(case Opcode::k##name : return IOp::name;)
    WAVS_WASM_OPCODES(WAVS_X)
#undef WAVS_X
    default:
      return IOp::kCount;
  }
}

namespace {

constexpr std::uint32_t kNone = ~0u;

Error invalid(std::string msg) { return Error(WasmErrc::kInvalid, std::move(msg)); }

std::uint32_t natural_align_log2(Opcode op) {
  switch (op) {
    case Opcode::kI32Load8S:
    case Opcode::kI32Load8U:
    case Opcode::kI64Load8S:
    case Opcode::kI64Load8U:
    case Opcode::kI32Store8:
    case Opcode::kI64Store8:
      return 0;
    case Opcode::kI32Load16S:
    case Opcode::kI32Load16U:
    case Opcode::kI64Load16S:
    case Opcode::kI64Load16U:
    case Opcode::kI32Store16:
    case Opcode::kI64Store16:
      return 1;
    case Opcode::kI32Load:
    case Opcode::kF32Load:
    case Opcode::kI32Store:
    case Opcode::kF32Store:
    case Opcode::kI64Load32S:
    case Opcode::kI64Load32U:
    case Opcode::kI64Store32:
      return 2;
    default:
      return 3;
  }
}

// The register-immediate form of a binary i32/i64 op, when there is one.
IOp imm_form(IOp op) {
  switch (op) {
    case IOp::I32Add:
      return IOp::I32AddImm;
    case IOp::I32Mul:
      return IOp::I32MulImm;
    case IOp::I32And:
      return IOp::I32AndImm;
    case IOp::I32Or:
      return IOp::I32OrImm;
    case IOp::I32Xor:
      return IOp::I32XorImm;
    case IOp::I32Shl:
      return IOp::I32ShlImm;
    case IOp::I32ShrS:
      return IOp::I32ShrSImm;
    case IOp::I32ShrU:
      return IOp::I32ShrUImm;
    case IOp::I32Rotl:
      return IOp::I32RotlImm;
    case IOp::I32Rotr:
      return IOp::I32RotrImm;
    case IOp::I64Rotl:
      return IOp::I64RotlImm;
    case IOp::I64Rotr:
      return IOp::I64RotrImm;
    case IOp::I32Eq:
      return IOp::I32EqImm;
    case IOp::I32Ne:
      return IOp::I32NeImm;
    case IOp::I32LtS:
      return IOp::I32LtSImm;
    case IOp::I32LtU:
      return IOp::I32LtUImm;
    case IOp::I32GtS:
      return IOp::I32GtSImm;
    case IOp::I32GtU:
      return IOp::I32GtUImm;
    case IOp::I32LeS:
      return IOp::I32LeSImm;
    case IOp::I32LeU:
      return IOp::I32LeUImm;
    case IOp::I32GeS:
      return IOp::I32GeSImm;
    case IOp::I32GeU:
      return IOp::I32GeUImm;
    case IOp::I64Add:
      return IOp::I64AddImm;
    case IOp::I64And:
      return IOp::I64AndImm;
    case IOp::I64Or:
      return IOp::I64OrImm;
    case IOp::I64Xor:
      return IOp::I64XorImm;
    case IOp::I64Shl:
      return IOp::I64ShlImm;
    case IOp::I64ShrS:
      return IOp::I64ShrSImm;
    case IOp::I64ShrU:
      return IOp::I64ShrUImm;
    default:
      return IOp::kCount;
  }
}

// i32 comparisons that fuse with a following br_if / if. Index 0..9 in the order
// Eq Ne LtS LtU GtS GtU LeS LeU GeS GeU; -1 when `op` is not one.
int cmp_index(IOp op) {
  switch (op) {
    case IOp::I32Eq:
    case IOp::I32EqImm:
      return 0;
    case IOp::I32Ne:
    case IOp::I32NeImm:
      return 1;
    case IOp::I32LtS:
    case IOp::I32LtSImm:
      return 2;
    case IOp::I32LtU:
    case IOp::I32LtUImm:
      return 3;
    case IOp::I32GtS:
    case IOp::I32GtSImm:
      return 4;
    case IOp::I32GtU:
    case IOp::I32GtUImm:
      return 5;
    case IOp::I32LeS:
    case IOp::I32LeSImm:
      return 6;
    case IOp::I32LeU:
    case IOp::I32LeUImm:
      return 7;
    case IOp::I32GeS:
    case IOp::I32GeSImm:
      return 8;
    case IOp::I32GeU:
    case IOp::I32GeUImm:
      return 9;
    default:
      return -1;
  }
}
bool is_imm_cmp(IOp op) { return op >= IOp::I32EqImm && op <= IOp::I32GeUImm; }
constexpr int kNegate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
constexpr IOp kBrCmp[10] = {IOp::BrIfI32Eq,  IOp::BrIfI32Ne,  IOp::BrIfI32LtS, IOp::BrIfI32LtU,
                            IOp::BrIfI32GtS, IOp::BrIfI32GtU, IOp::BrIfI32LeS, IOp::BrIfI32LeU,
                            IOp::BrIfI32GeS, IOp::BrIfI32GeU};
constexpr IOp kBrCmpImm[10] = {IOp::BrIfI32EqImm,  IOp::BrIfI32NeImm,  IOp::BrIfI32LtSImm, IOp::BrIfI32LtUImm,
                               IOp::BrIfI32GtSImm, IOp::BrIfI32GtUImm, IOp::BrIfI32LeSImm, IOp::BrIfI32LeUImm,
                               IOp::BrIfI32GeSImm, IOp::BrIfI32GeUImm};

struct Context {
  const ModuleData& m;
  std::unordered_set<std::uint32_t> refs;  // functions that ref.func may name
  std::uint32_t fuel_global = ~0u;         // CompileOptions::fuel_global_export, resolved
  const std::vector<InternedFuncType>* type_ids = nullptr;  // the module's canonical type ids
};

class FuncCompiler {
 public:
  FuncCompiler(const Context& ctx, std::uint32_t func_index, CompiledFunc& out, bool fuse, bool interruptible)
      : ctx_(ctx),
        m_(ctx.m),
        func_index_(func_index),
        out_(out),
        code_(out.code),
        fuse_(fuse),
        fuel_global_(ctx.fuel_global),
        handlers_(handler_table(interruptible)),
        r_(m_.bytes.data(), m_.bodies[func_index - m_.num_imported_funcs].code_begin,
           m_.bodies[func_index - m_.num_imported_funcs].code_end) {}

  Status run();

 private:
  enum Kind : std::uint8_t { kStack, kLocal, kConst };
  struct Entry {
    ValType type;
    Kind kind = kStack;
    std::uint32_t local = 0;
    std::uint64_t cval = 0;
  };
  struct Operand {
    Entry e;
    std::uint32_t pos;  // stack position; kNone when synthesized in unreachable code
  };
  struct Fixup {
    std::uint32_t instr, word;
  };
  struct Ctl {
    Opcode op = Opcode::kBlock;
    std::vector<ValType> params, results;
    std::uint32_t height;
    bool unreachable = false;
    bool dead = false;            // entered from unreachable code: validated, never emitted
    std::uint32_t label_pos = 0;  // loops: where a branch lands
    std::vector<Fixup> fixups;    // forward branches to patch at `end`
    Fixup else_fixup{kNone, kNone};
    [[nodiscard]] const std::vector<ValType>& label_types() const {
      return op == Opcode::kLoop ? params : results;
    }
  };

  // ---- errors
  Error fail(const std::string& what) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " at offset 0x%x", op_offset_);
    return invalid(what + " (" + opcode_name(op_code_) + buf + " in " + m_.func_label(func_index_) + ")");
  }
  Error malformed(const std::string& what) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " at offset 0x%x", op_offset_);
    return Error(WasmErrc::kMalformed,
                 what + " (" + opcode_name(op_code_) + buf + " in " + m_.func_label(func_index_) + ")");
  }

  // ---- type stack
  [[nodiscard]] bool live() const { return !ctl_.back().unreachable && !ctl_.back().dead; }
  [[nodiscard]] std::uint32_t slot_of(std::uint32_t pos) const { return nlocals_ + pos; }

  void push(ValType t) { push_entry(Entry{t, kStack, 0, 0}); }
  void push_entry(Entry e) {
    if (e.kind != kStack) ++lazy_;
    stack_.push_back(e);
    max_slots_ = std::max<std::uint64_t>(max_slots_, nlocals_ + stack_.size());
  }
  Result<Operand> pop(ValType expected) {
    auto& c = ctl_.back();
    if (stack_.size() == c.height) {
      if (c.unreachable) return Operand{Entry{ValType::kUnknown, kStack, 0, 0}, kNone};
      return fail(std::string("type mismatch: expected ") + to_string(expected) + " but the stack is empty");
    }
    Entry e = stack_.back();
    stack_.pop_back();
    if (e.kind != kStack) --lazy_;
    if (expected != ValType::kUnknown && e.type != ValType::kUnknown && e.type != expected) {
      return fail(std::string("type mismatch: expected ") + to_string(expected) + ", found " +
                  to_string(e.type));
    }
    return Operand{e, static_cast<std::uint32_t>(stack_.size())};
  }
  Status pop_types(const std::vector<ValType>& types) {
    for (std::size_t i = types.size(); i-- > 0;) {
      auto o = pop(types[i]);
      if (!o) return o.error();
    }
    return {};
  }
  // Checks the top of the stack against `types`, leaving it in place (typed).
  // With `refine`, values of unknown type (unreachable code) take the checked types;
  // br_table leaves them unknown, as each of its labels may expect different ones.
  Status check_top(const std::vector<ValType>& types, bool refine = true) {
    std::vector<Operand> ops(types.size());
    for (std::size_t i = types.size(); i-- > 0;) {
      auto o = pop(types[i]);
      if (!o) return o.error();
      ops[i] = *o;
      if (refine && ops[i].e.type == ValType::kUnknown) ops[i].e.type = types[i];
    }
    for (auto& o : ops) push_entry(o.e);
    return {};
  }
  void set_unreachable() {
    auto& c = ctl_.back();
    while (stack_.size() > c.height) {
      if (stack_.back().kind != kStack) --lazy_;
      stack_.pop_back();
    }
    c.unreachable = true;
  }

  // ---- emission
  std::uint32_t begin(IOp op) {
    prod_pos_ = kNone;
    cmp_ = -1;
    eqz_ = false;
    auto pos = static_cast<std::uint32_t>(code_.size());
    code_.push_back(handlers_[static_cast<int>(op)]);
    return pos;
  }
  void word(std::uint32_t w) { code_.push_back(w); }
  void producer(std::uint32_t pos, std::uint32_t dst_word) {
    prod_pos_ = pos;
    prod_dst_word_ = dst_word;
  }
  void emit_const(std::uint32_t dst, ValType t, std::uint64_t v) {
    if (t == ValType::kI32 || t == ValType::kF32) {
      auto p = begin(IOp::Const32);
      word(dst);
      word(static_cast<std::uint32_t>(v));
      producer(p, p + 1);
    } else {
      auto p = begin(IOp::Const64);
      word(dst);
      word(static_cast<std::uint32_t>(v));
      word(static_cast<std::uint32_t>(v >> 32));
      producer(p, p + 1);
    }
  }
  void emit_copy(std::uint32_t dst, std::uint32_t src) {
    if (dst == src) return;
    auto p = begin(IOp::Copy);
    word(dst);
    word(src);
    producer(p, p + 1);
  }
  // Where an operand's value is now; constants are first written to their own slot.
  std::uint32_t src(const Operand& o) {
    switch (o.e.kind) {
      case kLocal:
        return o.e.local;
      case kConst:
        emit_const(slot_of(o.pos), o.e.type, o.e.cval);
        return slot_of(o.pos);
      default:
        return slot_of(o.pos);
    }
  }
  void materialize(std::uint32_t pos) {
    Entry& e = stack_[pos];
    if (e.kind == kStack) return;
    if (e.kind == kLocal)
      emit_copy(slot_of(pos), e.local);
    else
      emit_const(slot_of(pos), e.type, e.cval);
    e.kind = kStack;
    --lazy_;
  }
  void materialize_from(std::size_t from) {
    if (lazy_ == 0) return;
    for (std::size_t i = from; i < stack_.size(); ++i) materialize(static_cast<std::uint32_t>(i));
  }
  void barrier() {
    prod_pos_ = kNone;
    cmp_ = -1;
  }
  void patch(Fixup f, std::uint32_t target) {
    code_[f.word] =
        static_cast<std::uint32_t>(static_cast<std::int32_t>(target) - static_cast<std::int32_t>(f.instr));
  }

  // Values for a branch to `target` (the top `arity` entries) must sit in the label's
  // slots; true when they already do.
  bool in_place(const Ctl& target, std::size_t arity) const {
    std::size_t first = stack_.size() - arity;
    for (std::size_t k = 0; k < arity; ++k) {
      const Entry& e = stack_[first + k];
      if (e.kind != kStack || first + k != target.height + k) return false;
    }
    return true;
  }
  void emit_branch_copies(const Ctl& target, std::size_t arity) {
    std::size_t first = stack_.size() - arity;
    for (std::size_t k = 0; k < arity; ++k) {
      const Entry& e = stack_[first + k];
      std::uint32_t dst = slot_of(static_cast<std::uint32_t>(target.height + k));
      if (e.kind == kLocal)
        emit_copy(dst, e.local);
      else if (e.kind == kConst)
        emit_const(dst, e.type, e.cval);
      else
        emit_copy(dst, slot_of(static_cast<std::uint32_t>(first + k)));
    }
  }
  void emit_return() {
    std::size_t n = out_.num_results;
    std::size_t first = stack_.size() - n;
    if (n == 1) {
      Operand o{stack_[first], static_cast<std::uint32_t>(first)};
      std::uint32_t s = src(o);
      begin(IOp::Ret1);
      word(s);
      return;
    }
    // Without changing the entries (this may be one path of a conditional): locals
    // that the result copies would overwrite are read into stack slots first.
    std::vector<std::uint32_t> srcs(n);
    for (std::size_t k = 0; k < n; ++k) {
      const Entry& e = stack_[first + k];
      auto own = slot_of(static_cast<std::uint32_t>(first + k));
      if (e.kind == kLocal && e.local < n) {
        emit_copy(own, e.local);
        srcs[k] = own;
      } else {
        srcs[k] = e.kind == kLocal ? e.local : own;
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      const Entry& e = stack_[first + k];
      if (e.kind == kConst)
        emit_const(static_cast<std::uint32_t>(k), e.type, e.cval);
      else
        emit_copy(static_cast<std::uint32_t>(k), srcs[k]);
    }
    begin(IOp::Ret);
  }
  // An unconditional jump to the label of ctl_[depth] (values already in place).
  void emit_jump(Ctl& target) {
    auto p = begin(IOp::Br);
    word(0);
    if (target.op == Opcode::kLoop)
      patch({p, p + 1}, target.label_pos);
    else
      target.fixups.push_back({p, p + 1});
  }
  // A conditional jump taken when `cond` is `when`; returns its offset word to patch.
  Fixup emit_cond_jump(const Operand& cond, bool when) {
    if (fuse_ && cond.e.kind == kStack && cond.pos != kNone && prod_pos_ != kNone && cmp_ >= 0 &&
        code_[prod_dst_word_] == slot_of(cond.pos)) {
      // Replace the compare just emitted by a compare-and-branch.
      std::uint32_t a = cmp_a_, b = cmp_b_;
      int ci = when ? cmp_ : kNegate[cmp_];
      bool imm = cmp_imm_;
      code_.resize(prod_pos_);
      auto p = begin(imm ? kBrCmpImm[ci] : kBrCmp[ci]);
      word(a);
      word(b);
      word(0);
      return {p, p + 3};
    }
    if (fuse_ && cond.e.kind == kStack && cond.pos != kNone && prod_pos_ != kNone && eqz_ &&
        code_[prod_dst_word_] == slot_of(cond.pos)) {
      std::uint32_t a = eqz_src_;
      code_.resize(prod_pos_);
      auto p = begin(when ? IOp::BrUnless : IOp::BrIf);
      word(a);
      word(0);
      return {p, p + 2};
    }
    std::uint32_t c = src(cond);
    auto p = begin(when ? IOp::BrIf : IOp::BrUnless);
    word(c);
    word(0);
    return {p, p + 2};
  }

  // True when `o` is the result of the I32AddImm just emitted (which may be dropped).
  bool produced_by_add_imm(const Operand& o) const {
    return fuse_ && o.e.kind == kStack && o.pos != kNone && prod_pos_ != kNone &&
           code_[prod_pos_] == handlers_[static_cast<int>(IOp::I32AddImm)] &&
           code_[prod_dst_word_] == slot_of(o.pos);
  }

  // ---- counter sequences (code.hpp, "GlobalI64" forms)
  // After `global.get g` (a mutable i64): whether the bytes that follow at `r` are
  // `i64.const c; i64.add; global.set g`; sets `c` and moves `r` past them.
  static bool match_charge(Reader& r, std::uint32_t g, std::int64_t& c) {
    auto b = r.u8();
    if (!b || *b != 0x42) return false;
    auto v = r.s64();
    if (!v) return false;
    b = r.u8();
    if (!b || *b != 0x7c) return false;
    b = r.u8();
    if (!b || *b != 0x24) return false;
    auto x = r.u32();
    if (!x || *x != g) return false;
    c = *v;
    return true;
  }
  // ... `i64.const 0; i64.lt_s; if (empty block type) unreachable end`.
  static bool match_check(Reader& r) {
    auto b = r.u8();
    if (!b || *b != 0x42) return false;
    auto v = r.s64();
    if (!v || *v != 0) return false;
    for (std::uint8_t want : {0x53, 0x04, 0x40, 0x00, 0x0b}) {
      b = r.u8();
      if (!b || *b != want) return false;
    }
    return true;
  }
  // Emits one instruction for a charge, a check, or a charge directly followed by a
  // check on global `g`, whose `global.get` was just read. The sequences are valid in
  // any context (they leave the stack as they found it, and `g` is a mutable i64), so
  // nothing needs validating; anything else returns false with the reader untouched.
  bool fuse_global_counter(std::uint32_t g) {
    Reader r = r_;
    std::int64_t c = 0;
    bool charge = match_charge(r, g, c);
    if (!charge) r = r_;
    bool check = false;
    if (charge) {
      Reader next = r;
      auto b = next.u8();
      if (b && *b == 0x23) {
        auto x = next.u32();
        check = x && *x == g && match_check(next);
      }
      if (check) r = next;
    } else {
      check = match_check(r);
    }
    if (!charge && !check) return false;
    r_ = r;
    const auto kind = static_cast<std::uint32_t>(g == fuel_global_ ? TrapKind::kFuelExhausted : TrapKind::kUnreachable);
    const auto bits = static_cast<std::uint64_t>(c);
    begin(charge ? (check ? IOp::GlobalI64AddImmTrapIfNeg : IOp::GlobalI64AddImm) : IOp::GlobalI64TrapIfNeg);
    word(g);
    if (charge) {
      word(static_cast<std::uint32_t>(bits));
      word(static_cast<std::uint32_t>(bits >> 32));
    }
    if (check) word(kind);
    return true;
  }

  // ---- reading immediates
  Result<std::uint32_t> read_u32() {
    auto v = r_.u32();
    if (!v) return Error(WasmErrc::kMalformed, v.error().detail() + " in " + m_.func_label(func_index_));
    return *v;
  }
  Status read_block_type(std::vector<ValType>& params, std::vector<ValType>& results);
  Status zero_byte() {
    auto b = r_.u8();
    if (!b) return b.error();
    if (*b != 0) return malformed("zero byte expected");
    return {};
  }
  Status op_simple(Opcode op, const OpcodeInfo& info);
  Status op_memarg(Opcode op, const OpcodeInfo& info);
  Status op_local_set(std::uint32_t x, bool tee);
  Status op_branch(std::uint32_t depth, bool conditional);
  Status op_br_table();
  Status op_call(std::uint32_t type_index, bool indirect, std::uint32_t func_or_table);
  Status op_end();
  Status op_misc(Opcode op);
  Status op_bulk(Opcode op);
  Result<const Ctl*> label(std::uint32_t depth) {
    if (depth >= ctl_.size()) return fail("unknown label " + std::to_string(depth));
    return &ctl_[ctl_.size() - 1 - depth];
  }
  Status need_memory() {
    if (m_.memories.empty()) return fail("unknown memory 0");
    return {};
  }
  // memory.init and data.drop need the data count section; without any data segment
  // the index is simply unknown.
  Status need_data_count(std::uint32_t seg) {
    if (m_.data_count) return {};
    if (m_.datas.empty()) return fail("unknown data segment " + std::to_string(seg));
    return malformed("data count section required");
  }
  Status need_table(std::uint32_t t) {
    if (t >= m_.tables.size()) return fail("unknown table " + std::to_string(t));
    return {};
  }

  const Context& ctx_;
  const ModuleData& m_;
  std::uint32_t func_index_;
  CompiledFunc& out_;
  std::vector<std::uint32_t>& code_;
  bool fuse_;
  // The global whose fused negative check traps with kFuelExhausted, not kUnreachable.
  std::uint32_t fuel_global_ = kNone;
  const std::uint32_t* handlers_;
  Reader r_;
  std::vector<ValType> locals_;
  std::uint32_t nlocals_ = 0;
  std::uint64_t max_slots_ = 0;
  std::vector<Entry> stack_;
  std::vector<Ctl> ctl_;
  std::size_t lazy_ = 0;
  std::uint32_t op_offset_ = 0;
  std::uint32_t op_code_ = 0;
  // Peephole state: the last instruction, when it wrote one slot and nothing since.
  std::uint32_t prod_pos_ = kNone;
  std::uint32_t prod_dst_word_ = 0;
  int cmp_ = -1;  // ... and it was an i32 comparison: which, and its operands
  bool cmp_imm_ = false;
  std::uint32_t cmp_a_ = 0, cmp_b_ = 0;
  bool eqz_ = false;  // ... or an i32.eqz of eqz_src_
  std::uint32_t eqz_src_ = 0;
};

Status FuncCompiler::read_block_type(std::vector<ValType>& params, std::vector<ValType>& results) {
  if (r_.at_end()) return malformed("unexpected end");
  std::uint8_t b = m_.bytes[r_.pos()];
  if (b == 0x40) {
    (void)r_.u8();
    return {};
  }
  if (b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x70 || b == 0x6f || b == 0x7b) {
    auto t = read_val_type(r_);
    if (!t) return t.error();
    results.push_back(*t);
    return {};
  }
  auto idx = r_.s33();
  if (!idx) return idx.error();
  if (*idx < 0) return malformed("malformed block type");
  if (static_cast<std::uint64_t>(*idx) >= m_.types.size())
    return fail("unknown type " + std::to_string(*idx));
  params = m_.types[*idx].params;
  results = m_.types[*idx].results;
  return {};
}

Status FuncCompiler::run() {
  const FuncType& ft = m_.func_type(func_index_);
  const FuncBody& body = m_.bodies[func_index_ - m_.num_imported_funcs];
  locals_ = ft.params;
  locals_.insert(locals_.end(), body.locals.begin(), body.locals.end());
  nlocals_ = static_cast<std::uint32_t>(locals_.size());
  out_.num_params = static_cast<std::uint32_t>(ft.params.size());
  out_.num_locals = nlocals_;
  out_.num_results = static_cast<std::uint32_t>(ft.results.size());
  out_.type_index = m_.funcs[func_index_];
  max_slots_ = std::max<std::uint64_t>(nlocals_, out_.num_results);
  {
    Ctl fc;
    fc.op = Opcode::kBlock;
    fc.results = ft.results;
    fc.height = 0;
    ctl_.push_back(std::move(fc));
  }
  code_.reserve((body.code_end - body.code_begin) * 2 + 8);

  while (!ctl_.empty()) {
    if (r_.at_end()) return malformed("unexpected end of section or function");
    op_offset_ = static_cast<std::uint32_t>(r_.pos());
    auto b = r_.u8();
    if (!b) return b.error();
    std::uint32_t code = *b;
    if (code == 0xfc) {
      auto sub = read_u32();
      if (!sub) return sub.error();
      if (*sub > 0xff) return malformed("illegal opcode 0xfc " + std::to_string(*sub));
      code = 0xfc00 | *sub;
    }
    op_code_ = code;
    const OpcodeInfo* info = opcode_info(code);
    if (!info) return malformed("illegal opcode " + opcode_name(code));
    auto op = static_cast<Opcode>(code);
    Status st;
    if (info->simple) {
      st = info->imm == Imm::MemArg ? op_memarg(op, *info) : op_simple(op, *info);
    } else {
      st = op_misc(op);
    }
    if (!st) return st;
  }
  if (!r_.at_end()) return malformed("operators remaining after the end of the function");
  if (max_slots_ > (1u << 24)) return fail("function frame too large");
  out_.frame_slots = static_cast<std::uint32_t>(max_slots_);
  return {};
}

Status FuncCompiler::op_simple(Opcode op, const OpcodeInfo& info) {
  IOp iop = simple_iop(op);
  if (info.p1 != ValType::kUnknown) {
    auto b = pop(info.p1);
    if (!b) return b.error();
    auto a = pop(info.p0);
    if (!a) return a.error();
    if (!live()) {
      push(info.r);
      return {};
    }
    std::uint32_t dst = slot_of(a->pos);
    IOp imm = fuse_ && b->e.kind == kConst ? imm_form(iop) : IOp::kCount;
    if (imm == IOp::kCount && fuse_ && iop == IOp::I32Sub && b->e.kind == kConst) imm = IOp::I32AddImm;
    std::uint32_t sa = src(*a);
    std::uint32_t p;
    std::uint32_t sb;
    if (imm != IOp::kCount && (info.p0 == ValType::kI32 || static_cast<std::int64_t>(b->e.cval) ==
                                                               static_cast<std::int32_t>(b->e.cval))) {
      std::uint32_t v = static_cast<std::uint32_t>(b->e.cval);
      if (iop == IOp::I32Sub) v = 0u - v;
      sb = v;
      p = begin(imm);
      iop = imm;
    } else {
      sb = src(*b);
      p = begin(iop);
    }
    word(dst);
    word(sa);
    word(sb);
    producer(p, p + 1);
    if (int ci = cmp_index(iop); ci >= 0) {
      cmp_ = ci;
      cmp_imm_ = is_imm_cmp(iop);
      cmp_a_ = sa;
      cmp_b_ = sb;
    }
    push(info.r);
    return {};
  }
  auto a = pop(info.p0);
  if (!a) return a.error();
  if (live()) {
    std::uint32_t dst = slot_of(a->pos);
    std::uint32_t sa = src(*a);
    auto p = begin(iop);
    word(dst);
    word(sa);
    producer(p, p + 1);
    if (iop == IOp::I32Eqz) {
      eqz_ = true;
      eqz_src_ = sa;
    } else {
      eqz_ = false;
    }
  }
  push(info.r);
  return {};
}

// The add-immediate form of a load or store, if there is one.
IOp add_imm_form(IOp op) {
  switch (op) {
    case IOp::I32Load:
      return IOp::I32LoadAI;
    case IOp::I64Load:
      return IOp::I64LoadAI;
    case IOp::F32Load:
      return IOp::F32LoadAI;
    case IOp::F64Load:
      return IOp::F64LoadAI;
    case IOp::I32Load8U:
      return IOp::I32Load8UAI;
    case IOp::I32Load8S:
      return IOp::I32Load8SAI;
    case IOp::I32Load16U:
      return IOp::I32Load16UAI;
    case IOp::I32Store:
      return IOp::I32StoreAI;
    case IOp::I64Store:
      return IOp::I64StoreAI;
    case IOp::F32Store:
      return IOp::F32StoreAI;
    case IOp::F64Store:
      return IOp::F64StoreAI;
    case IOp::I32Store8:
      return IOp::I32Store8AI;
    default:
      return IOp::kCount;
  }
}

Status FuncCompiler::op_memarg(Opcode op, const OpcodeInfo& info) {
  auto align = read_u32();
  if (!align) return align.error();
  auto offset = read_u32();
  if (!offset) return offset.error();
  if (auto st = need_memory(); !st) return st;
  if (*align > natural_align_log2(op)) return fail("alignment must not be larger than natural");
  IOp iop = simple_iop(op);
  if (info.p1 != ValType::kUnknown) {  // store
    auto v = pop(info.p1);
    if (!v) return v.error();
    auto a = pop(info.p0);
    if (!a) return a.error();
    if (live()) {
      IOp ai = add_imm_form(iop);
      // The value must not be the add's own result slot we are about to drop: it is
      // computed after the address, so the add is the last instruction only when the
      // value is a local or constant.
      if (ai != IOp::kCount && v->e.kind == kLocal && produced_by_add_imm(*a)) {
        std::uint32_t base = code_[prod_pos_ + 2], imm = code_[prod_pos_ + 3];
        code_.resize(prod_pos_);
        begin(ai);
        word(base);
        word(v->e.local);
        word(imm);
        word(*offset);
      } else {
        std::uint32_t sa = src(*a), sv = src(*v);
        begin(iop);
        word(sa);
        word(sv);
        word(*offset);
      }
    }
    return {};
  }
  auto a = pop(info.p0);
  if (!a) return a.error();
  if (live()) {
    std::uint32_t dst = slot_of(a->pos);
    IOp ai = add_imm_form(iop);
    if (ai != IOp::kCount && produced_by_add_imm(*a)) {
      std::uint32_t base = code_[prod_pos_ + 2], imm = code_[prod_pos_ + 3];
      code_.resize(prod_pos_);
      auto p = begin(ai);
      word(dst);
      word(base);
      word(imm);
      word(*offset);
      producer(p, p + 1);
    } else {
      std::uint32_t sa = src(*a);
      auto p = begin(iop);
      word(dst);
      word(sa);
      word(*offset);
      producer(p, p + 1);
    }
  }
  push(info.r);
  return {};
}

Status FuncCompiler::op_local_set(std::uint32_t x, bool tee) {
  if (x >= locals_.size()) return fail("unknown local " + std::to_string(x));
  ValType t = locals_[x];
  auto v = pop(t);
  if (!v) return v.error();
  if (live()) {
    bool patched = false;
    // Entries still reading the old value of x must take a copy first.
    if (lazy_) {
      for (std::size_t i = 0; i < stack_.size(); ++i) {
        if (stack_[i].kind == kLocal && stack_[i].local == x) materialize(static_cast<std::uint32_t>(i));
      }
    }
    if (fuse_ && v->e.kind == kStack && v->pos != kNone && prod_pos_ != kNone &&
        code_[prod_dst_word_] == slot_of(v->pos)) {
      code_[prod_dst_word_] = x;  // the producer writes the local directly
      barrier();
      patched = true;
    }
    if (!patched) {
      if (v->e.kind == kConst)
        emit_const(x, t, v->e.cval);
      else
        emit_copy(x, src(*v));
      barrier();
    }
  }
  if (tee) {
    if (live())
      push_entry(Entry{t, kLocal, x, 0});
    else
      push(t);
  }
  return {};
}

Status FuncCompiler::op_branch(std::uint32_t depth, bool conditional) {
  if (conditional) {
    auto c = pop(ValType::kI32);
    if (!c) return c.error();
    auto target = label(depth);
    if (!target) return target.error();
    Ctl& t = const_cast<Ctl&>(**target);
    const auto types = t.label_types();
    if (auto st = check_top(types); !st) return st;
    if (!live()) return {};
    bool is_func = &t == &ctl_[0];
    if (!is_func && in_place(t, types.size())) {
      Fixup f = emit_cond_jump(*c, true);
      if (t.op == Opcode::kLoop)
        patch(f, t.label_pos);
      else
        t.fixups.push_back(f);
      barrier();
      return {};
    }
    Fixup skip = emit_cond_jump(*c, false);
    if (is_func)
      emit_return();
    else {
      emit_branch_copies(t, types.size());
      emit_jump(t);
    }
    patch(skip, static_cast<std::uint32_t>(code_.size()));
    barrier();
    return {};
  }
  auto target = label(depth);
  if (!target) return target.error();
  Ctl& t = const_cast<Ctl&>(**target);
  const auto types = t.label_types();
  if (auto st = check_top(types); !st) return st;
  if (live()) {
    if (&t == &ctl_[0])
      emit_return();
    else {
      if (!in_place(t, types.size())) emit_branch_copies(t, types.size());
      emit_jump(t);
    }
  }
  set_unreachable();
  return {};
}

Status FuncCompiler::op_br_table() {
  auto n = r_.count("br_table targets", kMaxBrTable);
  if (!n) return n.error();
  std::vector<std::uint32_t> depths(*n + 1);
  for (auto& d : depths) {
    auto v = read_u32();
    if (!v) return v.error();
    d = *v;
  }
  auto idx = pop(ValType::kI32);
  if (!idx) return idx.error();
  auto def = label(depths.back());
  if (!def) return def.error();
  std::size_t arity = (*def)->label_types().size();
  for (auto d : depths) {
    auto t = label(d);
    if (!t) return t.error();
    if ((*t)->label_types().size() != arity)
      return fail("type mismatch: br_table targets have different arities");
    if (auto st = check_top((*t)->label_types(), false); !st) return st;
  }
  if (live()) {
    std::uint32_t si = src(*idx);
    auto p = begin(IOp::BrTable);
    word(si);
    word(*n);
    std::uint32_t first = static_cast<std::uint32_t>(code_.size());
    code_.resize(code_.size() + depths.size(), 0);
    for (std::size_t i = 0; i < depths.size(); ++i) {
      Ctl& t = ctl_[ctl_.size() - 1 - depths[i]];
      Fixup f{p, static_cast<std::uint32_t>(first + i)};
      if (&t != &ctl_[0] && in_place(t, arity)) {
        if (t.op == Opcode::kLoop)
          patch(f, t.label_pos);
        else
          t.fixups.push_back(f);
        continue;
      }
      // A stub that moves the values, then jumps (or returns).
      patch(f, static_cast<std::uint32_t>(code_.size()));
      if (&t == &ctl_[0])
        emit_return();
      else {
        emit_branch_copies(t, arity);
        emit_jump(t);
      }
    }
  }
  set_unreachable();
  return {};
}

Status FuncCompiler::op_call(std::uint32_t type_index, bool indirect, std::uint32_t func_or_table) {
  const FuncType& ft = m_.types[type_index];
  Operand index{};
  if (indirect) {
    auto i = pop(ValType::kI32);
    if (!i) return i.error();
    index = *i;
  }
  std::size_t n = ft.params.size();
  if (live() && stack_.size() >= ctl_.back().height + n) {
    if (indirect && index.e.kind != kStack) {
      // The index must not live in an argument slot we are about to overwrite.
      (void)0;
    }
    materialize_from(stack_.size() - n);
  }
  std::uint32_t si = 0;
  if (indirect && live()) si = src(index);
  if (auto st = pop_types(ft.params); !st) return st;
  if (live()) {
    std::uint32_t base = slot_of(static_cast<std::uint32_t>(stack_.size()));
    if (indirect) {
      begin(IOp::CallIndirect);
      word(func_or_table);
      word((*ctx_.type_ids)[type_index].id());
      word(si);
      word(base);
    } else {
      begin(func_or_table < m_.num_imported_funcs ? IOp::CallImport : IOp::Call);
      word(func_or_table < m_.num_imported_funcs ? func_or_table : func_or_table - m_.num_imported_funcs);
      word(base);
    }
    barrier();
  }
  for (ValType t : ft.results) push(t);
  return {};
}

Status FuncCompiler::op_end() {
  Ctl& c = ctl_.back();
  bool was_live = live();
  if (auto st = check_top(c.results); !st) return st;
  if (stack_.size() != c.height + c.results.size()) {
    return fail("type mismatch: values remain on the stack at the end of a block");
  }
  if (c.op == Opcode::kIf && c.params != c.results) {
    return fail("type mismatch: if without else must not change the stack type");
  }
  if (ctl_.size() == 1) {
    if (was_live) emit_return();
    ctl_.pop_back();
    return {};
  }
  if (was_live) materialize_from(c.height);
  barrier();
  auto here = static_cast<std::uint32_t>(code_.size());
  if (!c.dead) {
    if (c.else_fixup.instr != kNone) patch(c.else_fixup, here);
    for (auto f : c.fixups) patch(f, c.op == Opcode::kLoop ? c.label_pos : here);
  }
  std::vector<ValType> results = c.results;
  std::uint32_t height = c.height;
  // Drop the frame's entries (all kStack now, or dead) and push the results.
  while (stack_.size() > height) {
    if (stack_.back().kind != kStack) --lazy_;
    stack_.pop_back();
  }
  ctl_.pop_back();
  for (ValType t : results) push(t);
  return {};
}

Status FuncCompiler::op_misc(Opcode op) {
  switch (op) {
    case Opcode::kUnreachable:
      if (live()) begin(IOp::Trap);
      set_unreachable();
      return {};
    case Opcode::kNop:
      return {};
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf: {
      Ctl c;
      c.op = op;
      c.height = 0;
      if (auto st = read_block_type(c.params, c.results); !st) return st;
      bool was_live = live();
      Operand cond{};
      if (op == Opcode::kIf) {
        auto cv = pop(ValType::kI32);
        if (!cv) return cv.error();
        cond = *cv;
      }
      // Everything below the new label lives in its own slot from here on.
      if (was_live) {
        std::size_t keep = stack_.size();
        materialize_from(0);
        (void)keep;
      }
      if (auto st = check_top(c.params); !st) return st;
      c.height = static_cast<std::uint32_t>(stack_.size() - c.params.size());
      if (op == Opcode::kIf && was_live) {
        // The condition may be a constant or local: src() emits nothing that disturbs
        // the materialized stack.
        c.else_fixup = emit_cond_jump(cond, false);
      }
      barrier();
      c.label_pos = static_cast<std::uint32_t>(code_.size());
      c.dead = !was_live;
      ctl_.push_back(std::move(c));
      return {};
    }
    case Opcode::kElse: {
      Ctl& c = ctl_.back();
      if (c.op != Opcode::kIf) return malformed("else without matching if");
      bool was_live = live();
      if (auto st = check_top(c.results); !st) return st;
      if (stack_.size() != c.height + c.results.size()) {
        return fail("type mismatch: values remain on the stack at the end of the then branch");
      }
      if (was_live) {
        materialize_from(c.height);
        emit_jump(c);
      }
      barrier();
      if (!c.dead && c.else_fixup.instr != kNone)
        patch(c.else_fixup, static_cast<std::uint32_t>(code_.size()));
      c.else_fixup = {kNone, kNone};
      c.op = Opcode::kElse;
      while (stack_.size() > c.height) {
        if (stack_.back().kind != kStack) --lazy_;
        stack_.pop_back();
      }
      c.unreachable = false;
      for (ValType t : c.params) push(t);
      return {};
    }
    case Opcode::kEnd:
      return op_end();
    case Opcode::kBr:
    case Opcode::kBrIf: {
      auto d = read_u32();
      if (!d) return d.error();
      return op_branch(*d, op == Opcode::kBrIf);
    }
    case Opcode::kBrTable:
      return op_br_table();
    case Opcode::kReturn: {
      if (auto st = check_top(ctl_[0].results); !st) return st;
      if (live()) emit_return();
      set_unreachable();
      return {};
    }
    case Opcode::kCall: {
      auto f = read_u32();
      if (!f) return f.error();
      if (*f >= m_.funcs.size()) return fail("unknown function " + std::to_string(*f));
      return op_call(m_.funcs[*f], false, *f);
    }
    case Opcode::kCallIndirect: {
      auto t = read_u32();
      if (!t) return t.error();
      auto table = read_u32();
      if (!table) return table.error();
      if (auto st = need_table(*table); !st) return st;
      if (*t >= m_.types.size()) return fail("unknown type " + std::to_string(*t));
      if (m_.tables[*table].elem != ValType::kFuncRef)
        return fail("type mismatch: call_indirect through a table of externref");
      return op_call(*t, true, *table);
    }
    case Opcode::kDrop: {
      auto v = pop(ValType::kUnknown);
      if (!v) return v.error();
      return {};
    }
    case Opcode::kSelect:
    case Opcode::kSelectT: {
      ValType want = ValType::kUnknown;
      if (op == Opcode::kSelectT) {
        auto n = read_u32();
        if (!n) return n.error();
        if (*n != 1) return fail("invalid result arity for select");
        auto t = read_val_type(r_);
        if (!t) return t.error();
        want = *t;
      }
      auto c = pop(ValType::kI32);
      if (!c) return c.error();
      auto b = pop(want);
      if (!b) return b.error();
      auto a = pop(want);
      if (!a) return a.error();
      ValType t = want;
      if (op == Opcode::kSelect) {
        ValType ta = a->pos == kNone ? ValType::kUnknown : a->e.type;
        ValType tb = b->pos == kNone ? ValType::kUnknown : b->e.type;
        if ((ta != ValType::kUnknown && !is_num(ta)) || (tb != ValType::kUnknown && !is_num(tb))) {
          return fail("type mismatch: select without a type needs numeric operands");
        }
        if (ta != ValType::kUnknown && tb != ValType::kUnknown && ta != tb) {
          return fail("type mismatch: select operands differ");
        }
        t = ta != ValType::kUnknown ? ta : tb;
      }
      if (live()) {
        std::uint32_t dst = slot_of(a->pos);
        std::uint32_t sa = src(*a), sb = src(*b), sc = src(*c);
        auto p = begin(IOp::Select);
        word(dst);
        word(sc);
        word(sa);
        word(sb);
        producer(p, p + 1);
      }
      push(t);
      return {};
    }
    case Opcode::kLocalGet: {
      auto x = read_u32();
      if (!x) return x.error();
      if (*x >= locals_.size()) return fail("unknown local " + std::to_string(*x));
      if (live())
        push_entry(Entry{locals_[*x], kLocal, *x, 0});
      else
        push(locals_[*x]);
      return {};
    }
    case Opcode::kLocalSet:
    case Opcode::kLocalTee: {
      auto x = read_u32();
      if (!x) return x.error();
      return op_local_set(*x, op == Opcode::kLocalTee);
    }
    case Opcode::kGlobalGet: {
      auto x = read_u32();
      if (!x) return x.error();
      if (*x >= m_.globals.size()) return fail("unknown global " + std::to_string(*x));
      if (fuse_ && live() && m_.globals[*x].type == ValType::kI64 && m_.globals[*x].mut &&
          fuse_global_counter(*x)) {
        return {};
      }
      if (live()) {
        auto p = begin(IOp::GlobalGet);
        word(slot_of(static_cast<std::uint32_t>(stack_.size())));
        word(*x);
        producer(p, p + 1);
      }
      push(m_.globals[*x].type);
      return {};
    }
    case Opcode::kGlobalSet: {
      auto x = read_u32();
      if (!x) return x.error();
      if (*x >= m_.globals.size()) return fail("unknown global " + std::to_string(*x));
      if (!m_.globals[*x].mut) return fail("global is immutable");
      auto v = pop(m_.globals[*x].type);
      if (!v) return v.error();
      if (live()) {
        std::uint32_t s = src(*v);
        begin(IOp::GlobalSet);
        word(s);
        word(*x);
      }
      return {};
    }
    case Opcode::kTableGet:
    case Opcode::kTableSet: {
      auto x = read_u32();
      if (!x) return x.error();
      if (auto st = need_table(*x); !st) return st;
      ValType et = m_.tables[*x].elem;
      if (op == Opcode::kTableGet) {
        auto i = pop(ValType::kI32);
        if (!i) return i.error();
        if (live()) {
          std::uint32_t si = src(*i);
          auto p = begin(IOp::TableGet);
          word(slot_of(i->pos));
          word(*x);
          word(si);
          producer(p, p + 1);
        }
        push(et);
      } else {
        auto v = pop(et);
        if (!v) return v.error();
        auto i = pop(ValType::kI32);
        if (!i) return i.error();
        if (live()) {
          std::uint32_t si = src(*i), sv = src(*v);
          begin(IOp::TableSet);
          word(*x);
          word(si);
          word(sv);
        }
      }
      return {};
    }
    case Opcode::kMemorySize:
    case Opcode::kMemoryGrow: {
      if (auto st = zero_byte(); !st) return st;
      if (auto st = need_memory(); !st) return st;
      if (op == Opcode::kMemorySize) {
        if (live()) {
          auto p = begin(IOp::MemorySize);
          word(slot_of(static_cast<std::uint32_t>(stack_.size())));
          producer(p, p + 1);
        }
      } else {
        auto d = pop(ValType::kI32);
        if (!d) return d.error();
        if (live()) {
          std::uint32_t sd = src(*d);
          auto p = begin(IOp::MemoryGrow);
          word(slot_of(d->pos));
          word(sd);
          producer(p, p + 1);
        }
      }
      push(ValType::kI32);
      return {};
    }
    case Opcode::kI32Const: {
      auto v = r_.s32();
      if (!v) return v.error();
      push_entry(Entry{ValType::kI32, live() ? kConst : kStack, 0, static_cast<std::uint32_t>(*v)});
      return {};
    }
    case Opcode::kI64Const: {
      auto v = r_.s64();
      if (!v) return v.error();
      push_entry(Entry{ValType::kI64, live() ? kConst : kStack, 0, static_cast<std::uint64_t>(*v)});
      return {};
    }
    case Opcode::kF32Const: {
      auto v = r_.fixed32();
      if (!v) return v.error();
      push_entry(Entry{ValType::kF32, live() ? kConst : kStack, 0, *v});
      return {};
    }
    case Opcode::kF64Const: {
      auto v = r_.fixed64();
      if (!v) return v.error();
      push_entry(Entry{ValType::kF64, live() ? kConst : kStack, 0, *v});
      return {};
    }
    case Opcode::kRefNull: {
      auto at = r_.pos();
      auto b = r_.u8();
      if (!b) return b.error();
      if (*b != 0x70 && *b != 0x6f) return r_.fail_at(at, "malformed reference type");
      push_entry(Entry{static_cast<ValType>(*b), live() ? kConst : kStack, 0, 0});
      return {};
    }
    case Opcode::kRefIsNull: {
      auto v = pop(ValType::kUnknown);
      if (!v) return v.error();
      if (v->pos != kNone && !is_ref(v->e.type) && v->e.type != ValType::kUnknown) {
        return fail(std::string("type mismatch: ref.is_null needs a reference, found ") +
                    to_string(v->e.type));
      }
      if (live()) {
        std::uint32_t s = src(*v);
        auto p = begin(IOp::RefIsNull);
        word(slot_of(v->pos));
        word(s);
        producer(p, p + 1);
      }
      push(ValType::kI32);
      return {};
    }
    case Opcode::kRefFunc: {
      auto f = read_u32();
      if (!f) return f.error();
      if (*f >= m_.funcs.size()) return fail("unknown function " + std::to_string(*f));
      if (!ctx_.refs.count(*f)) return fail("undeclared function reference " + std::to_string(*f));
      if (live()) {
        auto p = begin(IOp::RefFunc);
        word(slot_of(static_cast<std::uint32_t>(stack_.size())));
        word(*f);
        producer(p, p + 1);
      }
      push(ValType::kFuncRef);
      return {};
    }
    default:
      return op_bulk(op);
  }
}

Status FuncCompiler::op_bulk(Opcode op) {
  // Pops `n` i32 operands (the last one on top) and returns their slots in push order.
  auto pop_i32s = [&](std::size_t n, std::uint32_t* slots, ValType middle = ValType::kI32,
                      std::size_t middle_index = ~std::size_t{0}) -> Status {
    std::vector<Operand> ops(n);
    for (std::size_t i = n; i-- > 0;) {
      auto o = pop(i == middle_index ? middle : ValType::kI32);
      if (!o) return o.error();
      ops[i] = *o;
    }
    if (live()) {
      for (std::size_t i = 0; i < n; ++i) slots[i] = src(ops[i]);
    }
    return {};
  };
  std::uint32_t s[3] = {0, 0, 0};
  switch (op) {
    case Opcode::kMemoryInit: {
      auto seg = read_u32();
      if (!seg) return seg.error();
      if (auto st = zero_byte(); !st) return st;
      if (auto st = need_memory(); !st) return st;
      if (auto st = need_data_count(*seg); !st) return st;
      if (*seg >= *m_.data_count) return fail("unknown data segment " + std::to_string(*seg));
      if (auto st = pop_i32s(3, s); !st) return st;
      if (live()) {
        begin(IOp::MemoryInit);
        word(*seg);
        word(s[0]);
        word(s[1]);
        word(s[2]);
      }
      return {};
    }
    case Opcode::kDataDrop: {
      auto seg = read_u32();
      if (!seg) return seg.error();
      if (auto st = need_data_count(*seg); !st) return st;
      if (*seg >= *m_.data_count) return fail("unknown data segment " + std::to_string(*seg));
      if (live()) {
        begin(IOp::DataDrop);
        word(*seg);
      }
      return {};
    }
    case Opcode::kMemoryCopy:
    case Opcode::kMemoryFill: {
      if (auto st = zero_byte(); !st) return st;
      if (op == Opcode::kMemoryCopy) {
        if (auto st = zero_byte(); !st) return st;
      }
      if (auto st = need_memory(); !st) return st;
      if (auto st = pop_i32s(3, s); !st) return st;
      if (live()) {
        begin(op == Opcode::kMemoryCopy ? IOp::MemoryCopy : IOp::MemoryFill);
        word(s[0]);
        word(s[1]);
        word(s[2]);
      }
      return {};
    }
    case Opcode::kTableInit: {
      auto seg = read_u32();
      if (!seg) return seg.error();
      auto t = read_u32();
      if (!t) return t.error();
      if (auto st = need_table(*t); !st) return st;
      if (*seg >= m_.elems.size()) return fail("unknown elem segment " + std::to_string(*seg));
      if (m_.elems[*seg].type != m_.tables[*t].elem) return fail("type mismatch: table.init element type");
      if (auto st = pop_i32s(3, s); !st) return st;
      if (live()) {
        begin(IOp::TableInit);
        word(*t);
        word(*seg);
        word(s[0]);
        word(s[1]);
        word(s[2]);
      }
      return {};
    }
    case Opcode::kElemDrop: {
      auto seg = read_u32();
      if (!seg) return seg.error();
      if (*seg >= m_.elems.size()) return fail("unknown elem segment " + std::to_string(*seg));
      if (live()) {
        begin(IOp::ElemDrop);
        word(*seg);
      }
      return {};
    }
    case Opcode::kTableCopy: {
      auto dt = read_u32();
      if (!dt) return dt.error();
      auto src_table = read_u32();
      if (!src_table) return src_table.error();
      if (auto st = need_table(*dt); !st) return st;
      if (auto st = need_table(*src_table); !st) return st;
      if (m_.tables[*dt].elem != m_.tables[*src_table].elem)
        return fail("type mismatch: table.copy element types differ");
      if (auto st = pop_i32s(3, s); !st) return st;
      if (live()) {
        begin(IOp::TableCopy);
        word(*dt);
        word(*src_table);
        word(s[0]);
        word(s[1]);
        word(s[2]);
      }
      return {};
    }
    case Opcode::kTableGrow:
    case Opcode::kTableFill: {
      auto t = read_u32();
      if (!t) return t.error();
      if (auto st = need_table(*t); !st) return st;
      ValType et = m_.tables[*t].elem;
      if (op == Opcode::kTableGrow) {
        auto n = pop(ValType::kI32);
        if (!n) return n.error();
        auto init = pop(et);
        if (!init) return init.error();
        if (live()) {
          std::uint32_t si = src(*init), sn = src(*n);
          auto p = begin(IOp::TableGrow);
          word(slot_of(init->pos));
          word(*t);
          word(si);
          word(sn);
          producer(p, p + 1);
        }
        push(ValType::kI32);
        return {};
      }
      if (auto st = pop_i32s(3, s, et, 1); !st) return st;
      if (live()) {
        begin(IOp::TableFill);
        word(*t);
        word(s[0]);
        word(s[1]);
        word(s[2]);
      }
      return {};
    }
    case Opcode::kTableSize: {
      auto t = read_u32();
      if (!t) return t.error();
      if (auto st = need_table(*t); !st) return st;
      if (live()) {
        auto p = begin(IOp::TableSize);
        word(slot_of(static_cast<std::uint32_t>(stack_.size())));
        word(*t);
        producer(p, p + 1);
      }
      push(ValType::kI32);
      return {};
    }
    default:
      return malformed("illegal opcode " + opcode_name(static_cast<std::uint32_t>(op)));
  }
}

// ---- module-level validation ---------------------------------------------------------

Status check_limits(const Limits& l, std::uint64_t bound, const char* what) {
  if (l.min > bound) return invalid(std::string(what) + " size must be at most " + std::to_string(bound));
  if (l.max && *l.max > bound)
    return invalid(std::string(what) + " size must be at most " + std::to_string(bound));
  if (l.max && l.min > *l.max)
    return invalid(std::string(what) + " size minimum must not be greater than maximum");
  return {};
}

// Validates a constant expression of type `want`. Global initializers may read only
// imported globals (`max_global`), and only immutable ones.
Status check_const(const ModuleData& m, const ConstExpr& e, ValType want, std::uint32_t max_global,
                   std::unordered_set<std::uint32_t>* refs) {
  const std::string where = " (constant expression at offset " + std::to_string(e.offset) + ")";
  if (e.instrs.size() != 1)
    return invalid("type mismatch: constant expression must produce exactly one value" + where);
  const ConstInstr& in = e.instrs[0];
  ValType got = ValType::kI32;
  switch (in.op) {
    case Opcode::kI32Const:
      got = ValType::kI32;
      break;
    case Opcode::kI64Const:
      got = ValType::kI64;
      break;
    case Opcode::kF32Const:
      got = ValType::kF32;
      break;
    case Opcode::kF64Const:
      got = ValType::kF64;
      break;
    case Opcode::kRefNull:
      got = in.ref_type;
      break;
    case Opcode::kRefFunc:
      if (in.value >= m.funcs.size()) return invalid("unknown function " + std::to_string(in.value) + where);
      if (refs) refs->insert(static_cast<std::uint32_t>(in.value));
      got = ValType::kFuncRef;
      break;
    case Opcode::kGlobalGet:
      if (in.value >= max_global) return invalid("unknown global " + std::to_string(in.value) + where);
      if (m.globals[in.value].mut)
        return invalid("constant expression required: global.get of a mutable global" + where);
      got = m.globals[in.value].type;
      break;
    default:
      return invalid("constant expression required" + where);
  }
  if (got != want) {
    return invalid(std::string("type mismatch: constant expression is ") + to_string(got) + ", expected " +
                   to_string(want) + where);
  }
  return {};
}

Status validate_module(const ModuleData& m, Context& ctx) {
  for (std::uint32_t t : m.funcs) {
    if (t >= m.types.size()) return invalid("unknown type " + std::to_string(t));
  }
  for (const auto& t : m.tables) {
    if (auto st = check_limits(t.limits, 0xffffffffull, "table"); !st) return st;
  }
  if (m.memories.size() > 1) return invalid("multiple memories");
  for (const auto& mem : m.memories) {
    if (auto st = check_limits(mem.limits, kMaxPages, "memory"); !st) return st;
  }
  // Function references outside function bodies declare what ref.func may name.
  for (const auto& e : m.exports) {
    if (e.kind == ExternKind::kFunc && e.index < m.funcs.size()) ctx.refs.insert(e.index);
  }
  for (std::size_t i = 0; i < m.global_inits.size(); ++i) {
    const auto& g = m.globals[m.num_imported_globals + i];
    if (auto st = check_const(m, m.global_inits[i], g.type, m.num_imported_globals, &ctx.refs); !st)
      return st;
  }
  for (const auto& seg : m.elems) {
    for (const auto& item : seg.items) {
      if (auto st = check_const(m, item, seg.type, m.num_imported_globals, &ctx.refs); !st) return st;
    }
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table >= m.tables.size()) return invalid("unknown table " + std::to_string(seg.table));
      if (m.tables[seg.table].elem != seg.type)
        return invalid("type mismatch: element segment type differs from its table");
      if (auto st = check_const(m, seg.offset, ValType::kI32, m.num_imported_globals, nullptr); !st)
        return st;
    }
  }
  for (const auto& seg : m.datas) {
    if (seg.mode == SegmentMode::kActive) {
      if (seg.memory >= m.memories.size()) return invalid("unknown memory " + std::to_string(seg.memory));
      if (auto st = check_const(m, seg.offset, ValType::kI32, m.num_imported_globals, nullptr); !st)
        return st;
    }
  }
  std::unordered_set<std::string> names;
  for (const auto& e : m.exports) {
    if (!names.insert(e.name).second) return invalid("duplicate export name \"" + e.name + "\"");
    std::size_t bound = 0;
    switch (e.kind) {
      case ExternKind::kFunc:
        bound = m.funcs.size();
        break;
      case ExternKind::kTable:
        bound = m.tables.size();
        break;
      case ExternKind::kMemory:
        bound = m.memories.size();
        break;
      case ExternKind::kGlobal:
        bound = m.globals.size();
        break;
    }
    if (e.index >= bound) {
      const char* kind = e.kind == ExternKind::kFunc ? "function" : to_string(e.kind);
      return invalid(std::string("unknown ") + kind + " " + std::to_string(e.index) + " in export \"" +
                     e.name + "\"");
    }
  }
  if (m.start) {
    if (*m.start >= m.funcs.size())
      return invalid("unknown function " + std::to_string(*m.start) + " (start)");
    const auto& ft = m.func_type(*m.start);
    if (!ft.params.empty() || !ft.results.empty()) return invalid("start function must have type [] -> []");
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<CompiledModule>> compile_module(ModuleData data, CompileOptions options) {
  auto cm = std::make_shared<CompiledModule>();
  cm->data = std::move(data);
  const ModuleData& m = cm->data;
  Context ctx{m, {}};
  if (auto st = validate_module(m, ctx); !st) return st.error();
  if (!options.fuel_global_export.empty()) {
    for (const Export& e : m.exports) {
      if (e.kind == ExternKind::kGlobal && e.name == options.fuel_global_export) ctx.fuel_global = e.index;
    }
  }
  cm->interruptible = options.interruptible;
  // Before translation: call_indirect embeds these ids in the code.
  cm->type_ids.reserve(m.types.size());
  for (const auto& t : m.types) cm->type_ids.emplace_back(t);
  ctx.type_ids = &cm->type_ids;
  cm->funcs.resize(m.bodies.size());
  for (std::size_t i = 0; i < m.bodies.size(); ++i) {
    auto idx = static_cast<std::uint32_t>(m.num_imported_funcs + i);
    cm->funcs[i].interruptible = options.interruptible;
    FuncCompiler fc(ctx, idx, cm->funcs[i], options.fuse, options.interruptible);
    if (auto st = fc.run(); !st) return st.error();
    cm->funcs[i].code.shrink_to_fit();
  }
  for (std::size_t i = 0; i < m.exports.size(); ++i)
    cm->export_index[m.exports[i].name] = static_cast<std::uint32_t>(i);
  return cm;
}

}  // namespace wavs::wasm
