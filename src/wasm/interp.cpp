// The interpreter: executes the threaded form of wasm/code.hpp.
//
// Dispatch is computed goto where the compiler has it (each handler word is the
// handler's offset from a base label), otherwise a switch over IOp. Wasm calls do not
// recurse natively: frames live in a per-thread array bounded by the call-depth limit,
// and values in a per-thread slot stack checked at every function entry, so the
// deepest guest recursion ends in a "call stack exhausted" trap.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <mutex>

#include "wasm/runtime.hpp"

#if defined(__GNUC__) && !defined(WAVS_WASM_NO_COMPUTED_GOTO)
#define WAVS_COMPUTED_GOTO 1
#pragma GCC diagnostic ignored "-Wpedantic"
#else
#define WAVS_COMPUTED_GOTO 0
#endif

namespace wavs::wasm {

namespace {

struct Frame {
  const std::uint32_t* pc;
  std::uint64_t* fp;
  const CompiledFunc* func;
  InstanceData* inst;
};

// Per-thread execution stack, shared by nested (re-entrant) invocations.
struct ExecStack {
  std::unique_ptr<std::uint64_t[]> slots;
  std::size_t capacity = 0;
  std::uint64_t* top = nullptr;
  std::unique_ptr<Frame[]> frames;
  std::uint32_t frame_capacity = 0;
  std::uint32_t depth = 0;
  std::uint32_t nesting = 0;    // host → wasm re-entries, each using some native stack
  std::optional<Trap> pending;  // a host function's trap, carried out of run()

  // Sizes the stacks for the limits of the outermost call. They are only replaced when
  // nothing runs on them; nested calls live within what the outermost one got.
  void ensure(std::size_t slot_count, std::uint32_t frame_count) {
    if (nesting != 0) return;
    if (capacity < slot_count) {
      capacity = slot_count;
      // Left uninitialized: the OS maps pages only when they are first touched.
      slots.reset(new std::uint64_t[capacity]);
      top = slots.get();
    }
    if (frame_capacity < frame_count) {
      frame_capacity = frame_count;
      frames.reset(new Frame[frame_capacity]);
    }
  }
};

thread_local ExecStack t_stack;

// Sizes the thread's stacks for `inst`'s limits and makes the checks every entry from the
// host makes before the first instruction: false when the frame or the depth does not fit.
bool enter_fits(ExecStack& st, const InstanceData& inst, const CompiledFunc& code) {
  // Hard ceilings whatever the limits say: 512 MiB of slots, a million frames.
  st.ensure(std::clamp<std::size_t>(inst.limits.max_stack_slots, 1024, std::size_t{1} << 26),
            std::clamp<std::uint32_t>(inst.limits.max_call_depth, 16, 1u << 20) + 16);
  return st.top + code.frame_slots <= st.slots.get() + st.capacity &&
         st.depth < std::min(inst.limits.max_call_depth, st.frame_capacity);
}

template <class F>
F wasm_min(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
template <class F>
F wasm_max(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
// Rounding functions may return a signaling NaN operand unchanged; wasm wants it quiet.
template <class F>
F wasm_nearest(F a) {
  return std::isnan(a) ? a + a : std::nearbyint(a);
}
template <class F>
F wasm_ceil(F a) {
  return std::isnan(a) ? a + a : std::ceil(a);
}
template <class F>
F wasm_floor(F a) {
  return std::isnan(a) ? a + a : std::floor(a);
}
template <class F>
F wasm_trunc(F a) {
  return std::isnan(a) ? a + a : std::trunc(a);
}
template <class F>
F copysign_bits(F a, F b) {
  return std::copysign(a, b);
}

// Truncation with the spec's traps: 0 ok, 1 invalid conversion (NaN), 2 overflow.
template <class I, class F>
int trunc_checked(F x, I& out) {
  if (std::isnan(x)) return 1;
  constexpr bool is_signed = std::numeric_limits<I>::is_signed;
  constexpr int bits = std::numeric_limits<I>::digits + (is_signed ? 1 : 0);
  // Exact bounds: [lo, hi) where hi = 2^(bits-1) or 2^bits, lo = -2^(bits-1) or -1 exclusive.
  const F hi = is_signed ? std::ldexp(F(1), bits - 1) : std::ldexp(F(1), bits);
  if (is_signed) {
    const F lo = -std::ldexp(F(1), bits - 1);
    if (!(x >= lo && x < hi)) {
      // x in (lo - 1, lo) truncates to lo: only representable when F has the precision.
      if (x > lo - F(1) && x < lo) {
        out = std::numeric_limits<I>::min();
        return 0;
      }
      return 2;
    }
  } else {
    if (!(x > F(-1) && x < hi)) return 2;
  }
  out = static_cast<I>(std::trunc(x));
  return 0;
}
template <class I, class F>
I trunc_sat(F x) {
  if (std::isnan(x)) return 0;
  I out;
  int r = trunc_checked<I>(x, out);
  if (r == 0) return out;
  return x < 0 ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
}

// Function entry: most functions have a handful of locals, not worth a memset call.
inline void zero_locals(std::uint64_t* p, std::uint32_t n) {
  if (n > 8) {
    std::memset(p, 0, n * sizeof(std::uint64_t));
    return;
  }
  switch (n) {
    case 8:
      p[7] = 0;
      [[fallthrough]];
    case 7:
      p[6] = 0;
      [[fallthrough]];
    case 6:
      p[5] = 0;
      [[fallthrough]];
    case 5:
      p[4] = 0;
      [[fallthrough]];
    case 4:
      p[3] = 0;
      [[fallthrough]];
    case 3:
      p[2] = 0;
      [[fallthrough]];
    case 2:
      p[1] = 0;
      [[fallthrough]];
    case 1:
      p[0] = 0;
      [[fallthrough]];
    default:
      break;
  }
}

inline std::uint64_t load_u64(const std::uint32_t* p) {
  return p[0] | (static_cast<std::uint64_t>(p[1]) << 32);
}

enum class RunStatus { kOk, kTrap };

// Calls a host function with arguments (and room for results) at `slots`. Kept out of
// the interpreter loop: its locals have destructors, which computed goto must not skip.
[[gnu::noinline]] bool call_host(ExecStack* st, const FuncInst& f, std::uint64_t* slots, InstanceData* inst) {
  const FuncType& ft = f.type;
  Value args_buf[8], results_buf[8];
  std::vector<Value> args_vec, results_vec;
  std::span<Value> args(args_buf, std::min<std::size_t>(ft.params.size(), 8));
  std::span<Value> results(results_buf, std::min<std::size_t>(ft.results.size(), 8));
  if (ft.params.size() > 8) {
    args_vec.resize(ft.params.size());
    args = args_vec;
  }
  if (ft.results.size() > 8) {
    results_vec.resize(ft.results.size());
    results = results_vec;
  }
  for (std::size_t i = 0; i < ft.params.size(); ++i) args[i] = Value::from_bits(ft.params[i], slots[i]);
  for (std::size_t i = 0; i < ft.results.size(); ++i) results[i] = Value::zero(ft.results[i]);
  Caller caller(inst);
  std::optional<Trap> t = f.host(caller, args, results);
  if (t) {
    st->pending = std::move(*t);
    return false;
  }
  for (std::size_t i = 0; i < ft.results.size(); ++i) slots[i] = results[i].bits();
  return true;
}

}  // namespace

namespace {
// Calls wasm code translated for the other interpreter variant (EngineConfig::
// interruptible differs between the two modules) as if it were a host function: a
// nested run of its own loop, its trap passed on unchanged.
[[gnu::noinline]] bool call_other_variant(ExecStack* st, const FuncInst& f, std::uint64_t* slots) {
  std::optional<Trap> t = invoke(f, slots);
  if (t) {
    st->pending = std::move(*t);
    return false;
  }
  return true;
}
}  // namespace

// The interpreter loop. With state == nullptr it only returns its handler table.
// kInterruptible: whether loop back-edges and calls test the interrupt flag (without,
// nothing can stop a runaway guest; EngineConfig::interruptible, for measuring only).
template <bool kInterruptible>
static RunStatus run(ExecStack* st, const CompiledFunc* func, InstanceData* inst, std::uint64_t* fp,
                     TrapKind* trap_out, const std::uint32_t** table_out) {
#if WAVS_COMPUTED_GOTO
#define WAVS_LBL(name)        \
  static_cast<std::uint32_t>( \
      static_cast<std::int32_t>(static_cast<char*>(&&L_##name) - static_cast<char*>(&&L_base))),
#define WAVS_X(name, code, text, imm, p0, p1, r, feat) WAVS_IF_SIMPLE_##p0(WAVS_LBL(name))
#define WAVS_Y(name) WAVS_LBL(name)
  static const std::uint32_t kTable[] = {WAVS_WASM_OPCODES(WAVS_X) WAVS_WASM_INTERNAL_OPS(WAVS_Y) 0};
#undef WAVS_X
#undef WAVS_Y
#undef WAVS_LBL
  if (table_out) {
    *table_out = kTable;
    return RunStatus::kOk;
  }
#define OP(name) L_##name:
#define NEXT() goto*(static_cast<char*>(&&L_base) + static_cast<std::int32_t>(*pc))
#else
  static std::uint32_t kTable[static_cast<int>(IOp::kCount) + 1];
  if (table_out) {
    for (int i = 0; i <= static_cast<int>(IOp::kCount); ++i) kTable[i] = static_cast<std::uint32_t>(i);
    *table_out = kTable;
    return RunStatus::kOk;
  }
#define OP(name) case IOp::name:
#define NEXT() goto dispatch
#endif

  const std::uint32_t* pc = func->code.data();
  TrapKind trap = TrapKind::kUnreachable;
  const std::uint32_t entry_depth = st->depth;
  const std::uint32_t max_depth = std::min(inst->limits.max_call_depth, st->frame_capacity);
  std::uint64_t* const stack_end =
      st->slots.get() + std::min<std::size_t>(st->capacity, inst->limits.max_stack_slots);
  const std::atomic<bool>* interrupt = inst->limits.interrupt ? inst->limits.interrupt : &inst->interrupt;

  // Per-instance caches, reloaded when control moves to another instance.
  FuncInst* const* funcs = nullptr;
  Global* const* globals = nullptr;
  const CompiledFunc* code_base = nullptr;
  std::uint8_t* mem_base = nullptr;
  std::uint64_t mem_size = 0;
  std::uint64_t* nfp = nullptr;
  const FuncInst* target = nullptr;
  const std::uint32_t* next_pc = nullptr;

#define RELOAD_MEM()                                          \
  do {                                                        \
    mem_base = inst->memory ? inst->memory->data() : nullptr; \
    mem_size = inst->memory ? inst->memory->size() : 0;       \
  } while (0)
#define RELOAD_INST()                       \
  do {                                      \
    funcs = inst->funcs.data();             \
    globals = inst->globals.data();         \
    code_base = inst->module->funcs.data(); \
    RELOAD_MEM();                           \
  } while (0)
#define TRAP(kind)         \
  do {                     \
    trap = TrapKind::kind; \
    goto trap_exit;        \
  } while (0)
#define CHECK_INTERRUPT() \
  if (kInterruptible && interrupt->load(std::memory_order_relaxed)) TRAP(kInterrupted)
#define BRANCH(off_expr)                                     \
  do {                                                       \
    std::int32_t off_ = static_cast<std::int32_t>(off_expr); \
    pc += off_;                                              \
    if (off_ <= 0) CHECK_INTERRUPT();                        \
    NEXT();                                                  \
  } while (0)

#define SLOT(i) fp[pc[i]]
#define U32(i) static_cast<std::uint32_t>(fp[pc[i]])
#define S32(i) static_cast<std::int32_t>(fp[pc[i]])
#define U64(i) (fp[pc[i]])
#define S64(i) static_cast<std::int64_t>(fp[pc[i]])
#define F32(i) std::bit_cast<float>(static_cast<std::uint32_t>(fp[pc[i]]))
#define F64(i) std::bit_cast<double>(fp[pc[i]])
#define PUT_U32(i, v) fp[pc[i]] = static_cast<std::uint32_t>(v)
#define PUT_U64(i, v) fp[pc[i]] = static_cast<std::uint64_t>(v)
#define PUT_F32(i, v) fp[pc[i]] = std::bit_cast<std::uint32_t>(static_cast<float>(v))
#define PUT_F64(i, v) fp[pc[i]] = std::bit_cast<std::uint64_t>(static_cast<double>(v))

// [op][dst][a][b]
#define BIN(name, T, GET, PUT, expr) \
  OP(name) {                         \
    T a = GET(2);                    \
    T b = GET(3);                    \
    PUT(1, (expr));                  \
    pc += 4;                         \
    NEXT();                          \
  }
// [op][dst][a]
#define UN(name, T, GET, PUT, expr) \
  OP(name) {                        \
    T a = GET(2);                   \
    PUT(1, (expr));                 \
    pc += 3;                        \
    NEXT();                         \
  }
// [op][dst][a][imm]
#define BINIMM(name, T, GET, PUT, expr) \
  OP(name) {                            \
    T a = GET(2);                       \
    T b = static_cast<T>(pc[3]);        \
    PUT(1, (expr));                     \
    pc += 4;                            \
    NEXT();                             \
  }
#define BINIMM64(name, expr)                                                        \
  OP(name) {                                                                        \
    std::uint64_t a = U64(2);                                                       \
    std::uint64_t b = static_cast<std::uint64_t>(static_cast<std::int32_t>(pc[3])); \
    PUT_U64(1, (expr));                                                             \
    pc += 4;                                                                        \
    NEXT();                                                                         \
  }
// [op][a][b][off]
#define BRCMP(name, T, expr)      \
  OP(name) {                      \
    T a = static_cast<T>(U32(1)); \
    T b = static_cast<T>(U32(2)); \
    if (expr) BRANCH(pc[3]);      \
    pc += 4;                      \
    NEXT();                       \
  }
#define BRCMPIMM(name, T, expr)   \
  OP(name) {                      \
    T a = static_cast<T>(U32(1)); \
    T b = static_cast<T>(pc[2]);  \
    if (expr) BRANCH(pc[3]);      \
    pc += 4;                      \
    NEXT();                       \
  }
// [op][dst][addr][offset]
#define LOAD(name, T, N, PUT, conv)                                \
  OP(name) {                                                       \
    std::uint64_t ea = static_cast<std::uint64_t>(U32(2)) + pc[3]; \
    if (ea + N > mem_size) TRAP(kMemoryOutOfBounds);               \
    T v;                                                           \
    std::memcpy(&v, mem_base + ea, N);                             \
    PUT(1, conv(v));                                               \
    pc += 4;                                                       \
    NEXT();                                                        \
  }
// [op][addr][val][offset]
#define STORE(name, T, N, GET)                                     \
  OP(name) {                                                       \
    std::uint64_t ea = static_cast<std::uint64_t>(U32(1)) + pc[3]; \
    if (ea + N > mem_size) TRAP(kMemoryOutOfBounds);               \
    T v = static_cast<T>(GET(2));                                  \
    std::memcpy(mem_base + ea, &v, N);                             \
    pc += 4;                                                       \
    NEXT();                                                        \
  }
#define ID(x) (x)
#define TRUNC(name, I, F, GETF, PUT)        \
  OP(name) {                                \
    I out;                                  \
    int r = trunc_checked<I>(GETF(2), out); \
    if (r == 1) TRAP(kInvalidConversion);   \
    if (r == 2) TRAP(kIntegerOverflow);     \
    PUT(1, out);                            \
    pc += 3;                                \
    NEXT();                                 \
  }

  RELOAD_INST();
  {
    // Function entry: zero the non-parameter locals.
    std::uint32_t n = func->num_locals - func->num_params;
    if (n) std::memset(fp + func->num_params, 0, n * sizeof(std::uint64_t));
  }

#if WAVS_COMPUTED_GOTO
  NEXT();
#else
dispatch:
  switch (static_cast<IOp>(*pc)) {
#endif

#if WAVS_COMPUTED_GOTO
L_base:
#endif
  OP(Copy) {
    SLOT(1) = SLOT(2);
    pc += 3;
    NEXT();
  }
  OP(Const32) {
    SLOT(1) = pc[2];
    pc += 3;
    NEXT();
  }
  OP(Const64) {
    SLOT(1) = load_u64(pc + 2);
    pc += 4;
    NEXT();
  }
  OP(Br) { BRANCH(pc[1]); }
  OP(BrIf) {
    if (U32(1)) BRANCH(pc[2]);
    pc += 3;
    NEXT();
  }
  OP(BrUnless) {
    if (!U32(1)) BRANCH(pc[2]);
    pc += 3;
    NEXT();
  }
  OP(BrTable) {
    std::uint32_t i = U32(1);
    std::uint32_t n = pc[2];
    if (i > n) i = n;
    BRANCH(pc[3 + i]);
  }
  BRCMP(BrIfI32Eq, std::uint32_t, a == b)
  BRCMP(BrIfI32Ne, std::uint32_t, a != b)
  BRCMP(BrIfI32LtS, std::int32_t, a < b)
  BRCMP(BrIfI32LtU, std::uint32_t, a < b)
  BRCMP(BrIfI32GtS, std::int32_t, a > b)
  BRCMP(BrIfI32GtU, std::uint32_t, a > b)
  BRCMP(BrIfI32LeS, std::int32_t, a <= b)
  BRCMP(BrIfI32LeU, std::uint32_t, a <= b)
  BRCMP(BrIfI32GeS, std::int32_t, a >= b)
  BRCMP(BrIfI32GeU, std::uint32_t, a >= b)
  BRCMPIMM(BrIfI32EqImm, std::uint32_t, a == b)
  BRCMPIMM(BrIfI32NeImm, std::uint32_t, a != b)
  BRCMPIMM(BrIfI32LtSImm, std::int32_t, a < b)
  BRCMPIMM(BrIfI32LtUImm, std::uint32_t, a < b)
  BRCMPIMM(BrIfI32GtSImm, std::int32_t, a > b)
  BRCMPIMM(BrIfI32GtUImm, std::uint32_t, a > b)
  BRCMPIMM(BrIfI32LeSImm, std::int32_t, a <= b)
  BRCMPIMM(BrIfI32LeUImm, std::uint32_t, a <= b)
  BRCMPIMM(BrIfI32GeSImm, std::int32_t, a >= b)
  BRCMPIMM(BrIfI32GeUImm, std::uint32_t, a >= b)
  BINIMM(I32AddImm, std::uint32_t, U32, PUT_U32, a + b)
  BINIMM(I32MulImm, std::uint32_t, U32, PUT_U32, a * b)
  BINIMM(I32AndImm, std::uint32_t, U32, PUT_U32, a & b)
  BINIMM(I32OrImm, std::uint32_t, U32, PUT_U32, a | b)
  BINIMM(I32XorImm, std::uint32_t, U32, PUT_U32, a ^ b)
  BINIMM(I32ShlImm, std::uint32_t, U32, PUT_U32, a << (b & 31))
  BINIMM(I32ShrSImm, std::int32_t, S32, PUT_U32, a >> (b & 31))
  BINIMM(I32ShrUImm, std::uint32_t, U32, PUT_U32, a >> (b & 31))
  BINIMM(I32RotlImm, std::uint32_t, U32, PUT_U32, std::rotl(a, static_cast<int>(b & 31)))
  BINIMM(I32RotrImm, std::uint32_t, U32, PUT_U32, std::rotr(a, static_cast<int>(b & 31)))
  BINIMM(I32EqImm, std::uint32_t, U32, PUT_U32, a == b)
  BINIMM(I32NeImm, std::uint32_t, U32, PUT_U32, a != b)
  BINIMM(I32LtSImm, std::int32_t, S32, PUT_U32, a < b)
  BINIMM(I32LtUImm, std::uint32_t, U32, PUT_U32, a < b)
  BINIMM(I32GtSImm, std::int32_t, S32, PUT_U32, a > b)
  BINIMM(I32GtUImm, std::uint32_t, U32, PUT_U32, a > b)
  BINIMM(I32LeSImm, std::int32_t, S32, PUT_U32, a <= b)
  BINIMM(I32LeUImm, std::uint32_t, U32, PUT_U32, a <= b)
  BINIMM(I32GeSImm, std::int32_t, S32, PUT_U32, a >= b)
  BINIMM(I32GeUImm, std::uint32_t, U32, PUT_U32, a >= b)
  BINIMM64(I64AddImm, a + b)
  BINIMM64(I64AndImm, a & b)
  BINIMM64(I64OrImm, a | b)
  BINIMM64(I64XorImm, a ^ b)
  BINIMM64(I64ShlImm, a << (b & 63))
  BINIMM64(I64ShrSImm, static_cast<std::uint64_t>(static_cast<std::int64_t>(a) >> (b & 63)))
  BINIMM64(I64ShrUImm, a >> (b & 63))
  BINIMM64(I64RotlImm, std::rotl(a, static_cast<int>(b & 63)))
  BINIMM64(I64RotrImm, std::rotr(a, static_cast<int>(b & 63)))
  OP(Trap) { TRAP(kUnreachable); }
  OP(Ret1) {
    fp[0] = SLOT(1);
    goto do_return;
  }
  OP(Ret) { goto do_return; }
  OP(Call) {
    const CompiledFunc* callee = code_base + pc[1];
    nfp = fp + pc[2];
    if (st->depth >= max_depth || nfp + callee->frame_slots > stack_end) TRAP(kCallStackExhausted);
    st->frames[st->depth++] = Frame{pc + 3, fp, func, inst};
    fp = nfp;
    func = callee;
    pc = callee->code.data();
    zero_locals(fp + callee->num_params, callee->num_locals - callee->num_params);
    CHECK_INTERRUPT();
    NEXT();
  }
  OP(CallImport) {
    target = funcs[pc[1]];
    nfp = fp + pc[2];
    next_pc = pc + 3;
    goto call_target;
  }
  OP(CallIndirect) {
    Table* t = inst->tables[pc[1]];
    std::uint32_t i = U32(3);
    if (i >= t->elems_.size()) TRAP(kUndefinedElement);
    target = reinterpret_cast<const FuncInst*>(t->elems_[i]);
    if (!target) TRAP(kUninitializedElement);
    if (target->type_id != pc[2]) TRAP(kIndirectCallTypeMismatch);
    nfp = fp + pc[4];
    next_pc = pc + 5;
    goto call_target;
  }
  OP(Select) {
    SLOT(1) = U32(2) ? SLOT(3) : SLOT(4);
    pc += 5;
    NEXT();
  }
  OP(GlobalGet) {
    SLOT(1) = globals[pc[2]]->bits_;
    pc += 3;
    NEXT();
  }
  OP(GlobalSet) {
    globals[pc[2]]->bits_ = SLOT(1);
    pc += 3;
    NEXT();
  }
  // Counter sequences of a metering pass (code.hpp): one instruction each.
  OP(GlobalI64AddImm) {
    globals[pc[1]]->bits_ += static_cast<std::uint64_t>(pc[2]) | (static_cast<std::uint64_t>(pc[3]) << 32);
    pc += 4;
    NEXT();
  }
  OP(GlobalI64TrapIfNeg) {
    if (static_cast<std::int64_t>(globals[pc[1]]->bits_) < 0) {
      trap = static_cast<TrapKind>(pc[2]);
      goto trap_exit;
    }
    pc += 3;
    NEXT();
  }
  OP(GlobalI64AddImmTrapIfNeg) {
    Global* g = globals[pc[1]];
    g->bits_ += static_cast<std::uint64_t>(pc[2]) | (static_cast<std::uint64_t>(pc[3]) << 32);
    if (static_cast<std::int64_t>(g->bits_) < 0) {
      trap = static_cast<TrapKind>(pc[4]);
      goto trap_exit;
    }
    pc += 5;
    NEXT();
  }
  OP(TableGet) {
    Table* t = inst->tables[pc[2]];
    std::uint32_t i = U32(3);
    if (i >= t->elems_.size()) TRAP(kTableOutOfBounds);
    SLOT(1) = t->elems_[i];
    pc += 4;
    NEXT();
  }
  OP(TableSet) {
    Table* t = inst->tables[pc[1]];
    std::uint32_t i = U32(2);
    if (i >= t->elems_.size()) TRAP(kTableOutOfBounds);
    t->elems_[i] = SLOT(3);
    pc += 4;
    NEXT();
  }
  OP(TableSize) {
    PUT_U32(1, inst->tables[pc[2]]->elems_.size());
    pc += 3;
    NEXT();
  }
  OP(TableGrow) {
    Table* t = inst->tables[pc[2]];
    std::uint64_t init = SLOT(3);
    std::uint32_t n = U32(4);
    PUT_U32(1, t->grow(n, init));
    pc += 5;
    NEXT();
  }
  OP(TableFill) {
    Table* t = inst->tables[pc[1]];
    std::uint64_t i = U32(2);
    std::uint64_t v = SLOT(3);
    std::uint64_t n = U32(4);
    if (i + n > t->elems_.size()) TRAP(kTableOutOfBounds);
    std::fill_n(t->elems_.begin() + static_cast<std::ptrdiff_t>(i), n, v);
    pc += 5;
    NEXT();
  }
  OP(TableCopy) {
    Table* dt = inst->tables[pc[1]];
    Table* stb = inst->tables[pc[2]];
    std::uint64_t d = U32(3), s = U32(4), n = U32(5);
    if (d + n > dt->elems_.size() || s + n > stb->elems_.size()) TRAP(kTableOutOfBounds);
    if (n) std::memmove(dt->elems_.data() + d, stb->elems_.data() + s, n * 8);
    pc += 6;
    NEXT();
  }
  OP(TableInit) {
    Table* t = inst->tables[pc[1]];
    const auto& seg = inst->elems[pc[2]];
    std::uint64_t d = U32(3), s = U32(4), n = U32(5);
    if (s + n > seg.size() || d + n > t->elems_.size()) TRAP(kTableOutOfBounds);
    if (n) std::memcpy(t->elems_.data() + d, seg.data() + s, n * 8);
    pc += 6;
    NEXT();
  }
  OP(ElemDrop) {
    inst->elems[pc[1]].clear();
    inst->elems[pc[1]].shrink_to_fit();
    pc += 2;
    NEXT();
  }
  OP(MemorySize) {
    PUT_U32(1, mem_size / kPageSize);
    pc += 2;
    NEXT();
  }
  OP(MemoryGrow) {
    std::uint32_t delta = U32(2);
    PUT_U32(1, grow_memory(*inst->memory, delta));
    RELOAD_MEM();
    pc += 3;
    NEXT();
  }
  OP(MemoryFill) {
    std::uint64_t d = U32(1);
    std::uint8_t v = static_cast<std::uint8_t>(U32(2));
    std::uint64_t n = U32(3);
    if (d + n > mem_size) TRAP(kMemoryOutOfBounds);
    std::memset(mem_base + d, v, n);
    pc += 4;
    NEXT();
  }
  OP(MemoryCopy) {
    std::uint64_t d = U32(1), s = U32(2), n = U32(3);
    if (d + n > mem_size || s + n > mem_size) TRAP(kMemoryOutOfBounds);
    std::memmove(mem_base + d, mem_base + s, n);
    pc += 4;
    NEXT();
  }
  OP(MemoryInit) {
    const DataSegment& seg = inst->module->data.datas[pc[1]];
    std::uint64_t size = inst->data_dropped[pc[1]] ? 0 : seg.size;
    std::uint64_t d = U32(2), s = U32(3), n = U32(4);
    if (s + n > size || d + n > mem_size) TRAP(kMemoryOutOfBounds);
    if (n) std::memcpy(mem_base + d, inst->module->data.bytes.data() + seg.begin + s, n);
    pc += 5;
    NEXT();
  }
  OP(DataDrop) {
    inst->data_dropped[pc[1]] = 1;
    pc += 2;
    NEXT();
  }
  OP(RefFunc) {
    SLOT(1) = reinterpret_cast<std::uintptr_t>(funcs[pc[2]]);
    pc += 3;
    NEXT();
  }
  OP(RefIsNull) {
    PUT_U32(1, SLOT(2) == 0);
    pc += 3;
    NEXT();
  }

  // ---- memory
#define LOAD_AI(name, T, N, PUT, conv)                                                                 \
  OP(name) {                                                                                           \
    std::uint64_t ea = static_cast<std::uint64_t>(static_cast<std::uint32_t>(U32(2) + pc[3])) + pc[4]; \
    if (ea + N > mem_size) TRAP(kMemoryOutOfBounds);                                                   \
    T v;                                                                                               \
    std::memcpy(&v, mem_base + ea, N);                                                                 \
    PUT(1, conv(v));                                                                                   \
    pc += 5;                                                                                           \
    NEXT();                                                                                            \
  }
#define STORE_AI(name, T, N, GET)                                                                      \
  OP(name) {                                                                                           \
    std::uint64_t ea = static_cast<std::uint64_t>(static_cast<std::uint32_t>(U32(1) + pc[3])) + pc[4]; \
    if (ea + N > mem_size) TRAP(kMemoryOutOfBounds);                                                   \
    T v = static_cast<T>(GET(2));                                                                      \
    std::memcpy(mem_base + ea, &v, N);                                                                 \
    pc += 5;                                                                                           \
    NEXT();                                                                                            \
  }
  LOAD_AI(I32LoadAI, std::uint32_t, 4, PUT_U32, ID)
  LOAD_AI(I64LoadAI, std::uint64_t, 8, PUT_U64, ID)
  LOAD_AI(F32LoadAI, std::uint32_t, 4, PUT_U32, ID)
  LOAD_AI(F64LoadAI, std::uint64_t, 8, PUT_U64, ID)
  LOAD_AI(I32Load8UAI, std::uint8_t, 1, PUT_U32, ID)
  LOAD_AI(I32Load8SAI, std::int8_t, 1, PUT_U32, static_cast<std::int32_t>)
  LOAD_AI(I32Load16UAI, std::uint16_t, 2, PUT_U32, ID)
  STORE_AI(I32StoreAI, std::uint32_t, 4, U32)
  STORE_AI(I64StoreAI, std::uint64_t, 8, U64)
  STORE_AI(F32StoreAI, std::uint32_t, 4, U32)
  STORE_AI(F64StoreAI, std::uint64_t, 8, U64)
  STORE_AI(I32Store8AI, std::uint8_t, 1, U32)
  LOAD(I32Load, std::uint32_t, 4, PUT_U32, ID)
  LOAD(I64Load, std::uint64_t, 8, PUT_U64, ID)
  LOAD(F32Load, std::uint32_t, 4, PUT_U32, ID)
  LOAD(F64Load, std::uint64_t, 8, PUT_U64, ID)
  LOAD(I32Load8S, std::int8_t, 1, PUT_U32, static_cast<std::int32_t>)
  LOAD(I32Load8U, std::uint8_t, 1, PUT_U32, ID)
  LOAD(I32Load16S, std::int16_t, 2, PUT_U32, static_cast<std::int32_t>)
  LOAD(I32Load16U, std::uint16_t, 2, PUT_U32, ID)
  LOAD(I64Load8S, std::int8_t, 1, PUT_U64, static_cast<std::int64_t>)
  LOAD(I64Load8U, std::uint8_t, 1, PUT_U64, ID)
  LOAD(I64Load16S, std::int16_t, 2, PUT_U64, static_cast<std::int64_t>)
  LOAD(I64Load16U, std::uint16_t, 2, PUT_U64, ID)
  LOAD(I64Load32S, std::int32_t, 4, PUT_U64, static_cast<std::int64_t>)
  LOAD(I64Load32U, std::uint32_t, 4, PUT_U64, ID)
  STORE(I32Store, std::uint32_t, 4, U32)
  STORE(I64Store, std::uint64_t, 8, U64)
  STORE(F32Store, std::uint32_t, 4, U32)
  STORE(F64Store, std::uint64_t, 8, U64)
  STORE(I32Store8, std::uint8_t, 1, U32)
  STORE(I32Store16, std::uint16_t, 2, U32)
  STORE(I64Store8, std::uint8_t, 1, U64)
  STORE(I64Store16, std::uint16_t, 2, U64)
  STORE(I64Store32, std::uint32_t, 4, U64)

  // ---- i32
  UN(I32Eqz, std::uint32_t, U32, PUT_U32, a == 0)
  BIN(I32Eq, std::uint32_t, U32, PUT_U32, a == b)
  BIN(I32Ne, std::uint32_t, U32, PUT_U32, a != b)
  BIN(I32LtS, std::int32_t, S32, PUT_U32, a < b)
  BIN(I32LtU, std::uint32_t, U32, PUT_U32, a < b)
  BIN(I32GtS, std::int32_t, S32, PUT_U32, a > b)
  BIN(I32GtU, std::uint32_t, U32, PUT_U32, a > b)
  BIN(I32LeS, std::int32_t, S32, PUT_U32, a <= b)
  BIN(I32LeU, std::uint32_t, U32, PUT_U32, a <= b)
  BIN(I32GeS, std::int32_t, S32, PUT_U32, a >= b)
  BIN(I32GeU, std::uint32_t, U32, PUT_U32, a >= b)
  UN(I32Clz, std::uint32_t, U32, PUT_U32, std::countl_zero(a))
  UN(I32Ctz, std::uint32_t, U32, PUT_U32, std::countr_zero(a))
  UN(I32Popcnt, std::uint32_t, U32, PUT_U32, std::popcount(a))
  BIN(I32Add, std::uint32_t, U32, PUT_U32, a + b)
  BIN(I32Sub, std::uint32_t, U32, PUT_U32, a - b)
  BIN(I32Mul, std::uint32_t, U32, PUT_U32, a * b)
  OP(I32DivS) {
    std::int32_t a = S32(2), b = S32(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    if (a == std::numeric_limits<std::int32_t>::min() && b == -1) TRAP(kIntegerOverflow);
    PUT_U32(1, a / b);
    pc += 4;
    NEXT();
  }
  OP(I32DivU) {
    std::uint32_t a = U32(2), b = U32(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U32(1, a / b);
    pc += 4;
    NEXT();
  }
  OP(I32RemS) {
    std::int32_t a = S32(2), b = S32(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U32(1, b == -1 ? 0 : a % b);
    pc += 4;
    NEXT();
  }
  OP(I32RemU) {
    std::uint32_t a = U32(2), b = U32(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U32(1, a % b);
    pc += 4;
    NEXT();
  }
  BIN(I32And, std::uint32_t, U32, PUT_U32, a & b)
  BIN(I32Or, std::uint32_t, U32, PUT_U32, a | b)
  BIN(I32Xor, std::uint32_t, U32, PUT_U32, a ^ b)
  BIN(I32Shl, std::uint32_t, U32, PUT_U32, a << (b & 31))
  BIN(I32ShrS, std::int32_t, S32, PUT_U32, a >> (b & 31))
  BIN(I32ShrU, std::uint32_t, U32, PUT_U32, a >> (b & 31))
  BIN(I32Rotl, std::uint32_t, U32, PUT_U32, std::rotl(a, static_cast<int>(b & 31)))
  BIN(I32Rotr, std::uint32_t, U32, PUT_U32, std::rotr(a, static_cast<int>(b & 31)))

  // ---- i64
  UN(I64Eqz, std::uint64_t, U64, PUT_U32, a == 0)
  BIN(I64Eq, std::uint64_t, U64, PUT_U32, a == b)
  BIN(I64Ne, std::uint64_t, U64, PUT_U32, a != b)
  BIN(I64LtS, std::int64_t, S64, PUT_U32, a < b)
  BIN(I64LtU, std::uint64_t, U64, PUT_U32, a < b)
  BIN(I64GtS, std::int64_t, S64, PUT_U32, a > b)
  BIN(I64GtU, std::uint64_t, U64, PUT_U32, a > b)
  BIN(I64LeS, std::int64_t, S64, PUT_U32, a <= b)
  BIN(I64LeU, std::uint64_t, U64, PUT_U32, a <= b)
  BIN(I64GeS, std::int64_t, S64, PUT_U32, a >= b)
  BIN(I64GeU, std::uint64_t, U64, PUT_U32, a >= b)
  UN(I64Clz, std::uint64_t, U64, PUT_U64, std::countl_zero(a))
  UN(I64Ctz, std::uint64_t, U64, PUT_U64, std::countr_zero(a))
  UN(I64Popcnt, std::uint64_t, U64, PUT_U64, std::popcount(a))
  BIN(I64Add, std::uint64_t, U64, PUT_U64, a + b)
  BIN(I64Sub, std::uint64_t, U64, PUT_U64, a - b)
  BIN(I64Mul, std::uint64_t, U64, PUT_U64, a * b)
  OP(I64DivS) {
    std::int64_t a = S64(2), b = S64(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    if (a == std::numeric_limits<std::int64_t>::min() && b == -1) TRAP(kIntegerOverflow);
    PUT_U64(1, a / b);
    pc += 4;
    NEXT();
  }
  OP(I64DivU) {
    std::uint64_t a = U64(2), b = U64(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U64(1, a / b);
    pc += 4;
    NEXT();
  }
  OP(I64RemS) {
    std::int64_t a = S64(2), b = S64(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U64(1, b == -1 ? 0 : a % b);
    pc += 4;
    NEXT();
  }
  OP(I64RemU) {
    std::uint64_t a = U64(2), b = U64(3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    PUT_U64(1, a % b);
    pc += 4;
    NEXT();
  }
  BIN(I64And, std::uint64_t, U64, PUT_U64, a & b)
  BIN(I64Or, std::uint64_t, U64, PUT_U64, a | b)
  BIN(I64Xor, std::uint64_t, U64, PUT_U64, a ^ b)
  BIN(I64Shl, std::uint64_t, U64, PUT_U64, a << (b & 63))
  BIN(I64ShrS, std::int64_t, S64, PUT_U64, a >> (b & 63))
  BIN(I64ShrU, std::uint64_t, U64, PUT_U64, a >> (b & 63))
  BIN(I64Rotl, std::uint64_t, U64, PUT_U64, std::rotl(a, static_cast<int>(b & 63)))
  BIN(I64Rotr, std::uint64_t, U64, PUT_U64, std::rotr(a, static_cast<int>(b & 63)))

  // ---- f32 / f64 comparisons
  BIN(F32Eq, float, F32, PUT_U32, a == b)
  BIN(F32Ne, float, F32, PUT_U32, a != b)
  BIN(F32Lt, float, F32, PUT_U32, a < b)
  BIN(F32Gt, float, F32, PUT_U32, a > b)
  BIN(F32Le, float, F32, PUT_U32, a <= b)
  BIN(F32Ge, float, F32, PUT_U32, a >= b)
  BIN(F64Eq, double, F64, PUT_U32, a == b)
  BIN(F64Ne, double, F64, PUT_U32, a != b)
  BIN(F64Lt, double, F64, PUT_U32, a < b)
  BIN(F64Gt, double, F64, PUT_U32, a > b)
  BIN(F64Le, double, F64, PUT_U32, a <= b)
  BIN(F64Ge, double, F64, PUT_U32, a >= b)

  // ---- f32 arithmetic (sign operations act on bits, never canonicalizing NaNs)
  UN(F32Abs, std::uint32_t, U32, PUT_U32, a & 0x7fffffffu)
  UN(F32Neg, std::uint32_t, U32, PUT_U32, a ^ 0x80000000u)
  UN(F32Ceil, float, F32, PUT_F32, wasm_ceil(a))
  UN(F32Floor, float, F32, PUT_F32, wasm_floor(a))
  UN(F32Trunc, float, F32, PUT_F32, wasm_trunc(a))
  UN(F32Nearest, float, F32, PUT_F32, wasm_nearest(a))
  UN(F32Sqrt, float, F32, PUT_F32, std::sqrt(a))
  BIN(F32Add, float, F32, PUT_F32, a + b)
  BIN(F32Sub, float, F32, PUT_F32, a - b)
  BIN(F32Mul, float, F32, PUT_F32, a* b)
  BIN(F32Div, float, F32, PUT_F32, a / b)
  BIN(F32Min, float, F32, PUT_F32, wasm_min(a, b))
  BIN(F32Max, float, F32, PUT_F32, wasm_max(a, b))
  BIN(F32Copysign, std::uint32_t, U32, PUT_U32, (a & 0x7fffffffu) | (b & 0x80000000u))
  UN(F64Abs, std::uint64_t, U64, PUT_U64, a & 0x7fffffffffffffffull)
  UN(F64Neg, std::uint64_t, U64, PUT_U64, a ^ 0x8000000000000000ull)
  UN(F64Ceil, double, F64, PUT_F64, wasm_ceil(a))
  UN(F64Floor, double, F64, PUT_F64, wasm_floor(a))
  UN(F64Trunc, double, F64, PUT_F64, wasm_trunc(a))
  UN(F64Nearest, double, F64, PUT_F64, wasm_nearest(a))
  UN(F64Sqrt, double, F64, PUT_F64, std::sqrt(a))
  BIN(F64Add, double, F64, PUT_F64, a + b)
  BIN(F64Sub, double, F64, PUT_F64, a - b)
  BIN(F64Mul, double, F64, PUT_F64, a* b)
  BIN(F64Div, double, F64, PUT_F64, a / b)
  BIN(F64Min, double, F64, PUT_F64, wasm_min(a, b))
  BIN(F64Max, double, F64, PUT_F64, wasm_max(a, b))
  BIN(F64Copysign, std::uint64_t, U64, PUT_U64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

  // ---- conversions
  UN(I32WrapI64, std::uint64_t, U64, PUT_U32, a)
  TRUNC(I32TruncF32S, std::int32_t, float, F32, PUT_U32)
  TRUNC(I32TruncF32U, std::uint32_t, float, F32, PUT_U32)
  TRUNC(I32TruncF64S, std::int32_t, double, F64, PUT_U32)
  TRUNC(I32TruncF64U, std::uint32_t, double, F64, PUT_U32)
  UN(I64ExtendI32S, std::int32_t, S32, PUT_U64, static_cast<std::int64_t>(a))
  UN(I64ExtendI32U, std::uint32_t, U32, PUT_U64, a)
  TRUNC(I64TruncF32S, std::int64_t, float, F32, PUT_U64)
  TRUNC(I64TruncF32U, std::uint64_t, float, F32, PUT_U64)
  TRUNC(I64TruncF64S, std::int64_t, double, F64, PUT_U64)
  TRUNC(I64TruncF64U, std::uint64_t, double, F64, PUT_U64)
  UN(F32ConvertI32S, std::int32_t, S32, PUT_F32, static_cast<float>(a))
  UN(F32ConvertI32U, std::uint32_t, U32, PUT_F32, static_cast<float>(a))
  UN(F32ConvertI64S, std::int64_t, S64, PUT_F32, static_cast<float>(a))
  UN(F32ConvertI64U, std::uint64_t, U64, PUT_F32, static_cast<float>(a))
  UN(F32DemoteF64, double, F64, PUT_F32, static_cast<float>(a))
  UN(F64ConvertI32S, std::int32_t, S32, PUT_F64, static_cast<double>(a))
  UN(F64ConvertI32U, std::uint32_t, U32, PUT_F64, static_cast<double>(a))
  UN(F64ConvertI64S, std::int64_t, S64, PUT_F64, static_cast<double>(a))
  UN(F64ConvertI64U, std::uint64_t, U64, PUT_F64, static_cast<double>(a))
  UN(F64PromoteF32, float, F32, PUT_F64, static_cast<double>(a))
  UN(I32ReinterpretF32, std::uint32_t, U32, PUT_U32, a)
  UN(I64ReinterpretF64, std::uint64_t, U64, PUT_U64, a)
  UN(F32ReinterpretI32, std::uint32_t, U32, PUT_U32, a)
  UN(F64ReinterpretI64, std::uint64_t, U64, PUT_U64, a)
  UN(I32Extend8S, std::uint32_t, U32, PUT_U32, static_cast<std::int32_t>(static_cast<std::int8_t>(a)))
  UN(I32Extend16S, std::uint32_t, U32, PUT_U32, static_cast<std::int32_t>(static_cast<std::int16_t>(a)))
  UN(I64Extend8S, std::uint64_t, U64, PUT_U64, static_cast<std::int64_t>(static_cast<std::int8_t>(a)))
  UN(I64Extend16S, std::uint64_t, U64, PUT_U64, static_cast<std::int64_t>(static_cast<std::int16_t>(a)))
  UN(I64Extend32S, std::uint64_t, U64, PUT_U64, static_cast<std::int64_t>(static_cast<std::int32_t>(a)))
  UN(I32TruncSatF32S, float, F32, PUT_U32, trunc_sat<std::int32_t>(a))
  UN(I32TruncSatF32U, float, F32, PUT_U32, trunc_sat<std::uint32_t>(a))
  UN(I32TruncSatF64S, double, F64, PUT_U32, trunc_sat<std::int32_t>(a))
  UN(I32TruncSatF64U, double, F64, PUT_U32, trunc_sat<std::uint32_t>(a))
  UN(I64TruncSatF32S, float, F32, PUT_U64, trunc_sat<std::int64_t>(a))
  UN(I64TruncSatF32U, float, F32, PUT_U64, trunc_sat<std::uint64_t>(a))
  UN(I64TruncSatF64S, double, F64, PUT_U64, trunc_sat<std::int64_t>(a))
  UN(I64TruncSatF64U, double, F64, PUT_U64, trunc_sat<std::uint64_t>(a))

#if !WAVS_COMPUTED_GOTO
  default:
    TRAP(kUnreachable);
}
#endif

call_target :
    // Calls through a FuncInst: imports and call_indirect. `target`, `nfp`, `next_pc` set.
    if (!target->code || target->code->interruptible != kInterruptible) {
  if (st->depth >= max_depth) TRAP(kCallStackExhausted);
  std::uint64_t* saved_top = st->top;
  std::size_t n = std::max(target->type.params.size(), target->type.results.size());
  st->top = std::max(fp + func->frame_slots, nfp + n);
  st->frames[st->depth++] = Frame{next_pc, fp, func, inst};
  bool ok = target->code ? call_other_variant(st, *target, nfp) : call_host(st, *target, nfp, inst);
  --st->depth;
  st->top = saved_top;
  if (!ok) TRAP(kHost);
  RELOAD_MEM();
  pc = next_pc;
  NEXT();
}
{
  const CompiledFunc* callee = target->code;
  if (st->depth >= max_depth || nfp + callee->frame_slots > stack_end) TRAP(kCallStackExhausted);
  st->frames[st->depth++] = Frame{next_pc, fp, func, inst};
  fp = nfp;
  func = callee;
  if (target->instance != inst) {
    inst = target->instance;
    RELOAD_INST();
  }
  pc = callee->code.data();
  zero_locals(fp + callee->num_params, callee->num_locals - callee->num_params);
  CHECK_INTERRUPT();
  NEXT();
}

do_return : if (st->depth == entry_depth) return RunStatus::kOk;
{
  const Frame& fr = st->frames[--st->depth];
  pc = fr.pc;
  fp = fr.fp;
  func = fr.func;
  if (fr.inst != inst) {
    inst = fr.inst;
    RELOAD_INST();
  } else {
    RELOAD_MEM();
  }
  NEXT();
}

trap_exit : st->depth = entry_depth;
*trap_out = trap;
return RunStatus::kTrap;
}

const std::uint32_t* handler_table(bool interruptible) {
  static const std::uint32_t* const kTables[2] = {[] {
                                                    const std::uint32_t* t = nullptr;
                                                    run<false>(nullptr, nullptr, nullptr, nullptr, nullptr, &t);
                                                    return t;
                                                  }(),
                                                  [] {
                                                    const std::uint32_t* t = nullptr;
                                                    run<true>(nullptr, nullptr, nullptr, nullptr, nullptr, &t);
                                                    return t;
                                                  }()};
  return kTables[interruptible ? 1 : 0];
}

const char* to_string(TrapKind k) {
  switch (k) {
    case TrapKind::kUnreachable:
      return "unreachable";
    case TrapKind::kIntegerDivideByZero:
      return "integer divide by zero";
    case TrapKind::kIntegerOverflow:
      return "integer overflow";
    case TrapKind::kInvalidConversion:
      return "invalid conversion to integer";
    case TrapKind::kMemoryOutOfBounds:
      return "out of bounds memory access";
    case TrapKind::kTableOutOfBounds:
      return "out of bounds table access";
    case TrapKind::kUninitializedElement:
      return "uninitialized element";
    case TrapKind::kUndefinedElement:
      return "undefined element";
    case TrapKind::kIndirectCallTypeMismatch:
      return "indirect call type mismatch";
    case TrapKind::kNullReference:
      return "null reference";
    case TrapKind::kCallStackExhausted:
      return "call stack exhausted";
    case TrapKind::kInterrupted:
      return "interrupted";
    case TrapKind::kExit:
      return "exit";
    case TrapKind::kHost:
      return "host error";
    case TrapKind::kBadCall:
      return "bad call";
    case TrapKind::kFuelExhausted:
      return "fuel exhausted";
  }
  return "trap";
}

std::optional<Trap> invoke_native(const FuncInst& f, std::uint64_t* slots);

std::optional<Trap> invoke(const FuncInst& f, std::uint64_t* slots) {
  if (f.native_index >= 0) return invoke_native(f, slots);
  const FuncType& ft = f.type;
  if (!f.code) {
    std::vector<Value> args(ft.params.size()), results(ft.results.size());
    for (std::size_t i = 0; i < args.size(); ++i) args[i] = Value::from_bits(ft.params[i], slots[i]);
    for (std::size_t i = 0; i < results.size(); ++i) results[i] = Value::zero(ft.results[i]);
    Caller caller(nullptr);
    auto t = f.host(caller, args, results);
    if (t) return t;
    for (std::size_t i = 0; i < results.size(); ++i) slots[i] = results[i].bits();
    return std::nullopt;
  }
  ExecStack& st = t_stack;
  InstanceData* inst = f.instance;
  if (!enter_fits(st, *inst, *f.code)) {
    return Trap{TrapKind::kCallStackExhausted, to_string(TrapKind::kCallStackExhausted), 0};
  }
  std::uint64_t* fp = st.top;
  for (std::size_t i = 0; i < ft.params.size(); ++i) fp[i] = slots[i];
  // Each re-entry from a host function costs native stack: bound it well below it.
  constexpr std::uint32_t kMaxNesting = 100;
  if (st.nesting >= kMaxNesting)
    return Trap{TrapKind::kCallStackExhausted, to_string(TrapKind::kCallStackExhausted), 0};
  std::uint64_t* saved_top = st.top;
  TrapKind kind = TrapKind::kUnreachable;
  ++st.nesting;
  RunStatus rs = f.code->interruptible ? run<true>(&st, f.code, inst, fp, &kind, nullptr)
                                        : run<false>(&st, f.code, inst, fp, &kind, nullptr);
  --st.nesting;
  st.top = saved_top;
  if (rs == RunStatus::kTrap) {
    if (kind == TrapKind::kHost && st.pending) {
      Trap t = std::move(*st.pending);
      st.pending.reset();
      return t;
    }
    return Trap{kind, to_string(kind), 0};
  }
  for (std::size_t i = 0; i < ft.results.size(); ++i) slots[i] = fp[i];
  return std::nullopt;
}

}  // namespace wavs::wasm

// ---- native code (wasm/native.hpp) -----------------------------------------------------

namespace wavs::wasm {
namespace {

// Native code runs on a stack of its own, one per thread, reserved once: far larger than
// the deepest recursion the limits allow needs (call depth and frame slots bound it),
// whatever stack the embedder's thread has. Pages are committed only when touched. Below
// it lies a guard region; the code is compiled with stack-clash probes, so running out
// touches the guard, and the fault handler (running on a small alternate stack) turns
// that into kCallStackExhausted: a safety net the guest's limits keep it from reaching.
constexpr std::size_t kNativeStackBytes = std::size_t{512} << 20;
constexpr std::size_t kNativeStackGuard = std::size_t{1} << 20;
constexpr std::size_t kAltStackBytes = std::size_t{64} << 10;

struct NativeStack {
  std::uint8_t* base = nullptr;  // the guard region's start; usable stack above it
  void* alt = nullptr;
  bool active = false;  // the thread is running on it now
  ~NativeStack() {
    if (alt) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      (void)sigaltstack(&off, nullptr);
      munmap(alt, kAltStackBytes);
    }
    if (base) munmap(base, kNativeStackBytes);
  }
  bool ensure() {
    if (base) return true;
    void* p = mmap(nullptr, kNativeStackBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return false;
    if (mprotect(p, kNativeStackGuard, PROT_NONE) != 0) {
      munmap(p, kNativeStackBytes);
      return false;
    }
    // An alternate signal stack, unless the embedder set one for this thread already.
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
      void* a = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (a != MAP_FAILED) {
        stack_t ss{};
        ss.ss_sp = a;
        ss.ss_size = kAltStackBytes;
        if (sigaltstack(&ss, nullptr) == 0) {
          alt = a;
        } else {
          munmap(a, kAltStackBytes);
        }
      }
    }
    base = static_cast<std::uint8_t*>(p);
    return true;
  }
};
thread_local NativeStack t_native_stack;

struct NativeEntry {
  const wavs_native_module* module;
  wavs_native_ctx* ctx;
  std::uint32_t func;
  std::uint64_t frame;
  std::uint64_t* slots;
  std::int32_t rc;
};
thread_local NativeEntry* t_native_entry = nullptr;

void native_trampoline() {
  NativeEntry* e = t_native_entry;
  e->rc = e->module->enter(e->ctx, e->func, e->frame, e->slots);
}

std::int32_t enter_native(NativeEntry& e) {
  NativeStack& ns = t_native_stack;
  if (ns.active) return e.module->enter(e.ctx, e.func, e.frame, e.slots);
  if (!ns.ensure()) return static_cast<std::int32_t>(TrapKind::kCallStackExhausted) + 1;
  ucontext_t here{}, there{};
  if (getcontext(&there) != 0) return static_cast<std::int32_t>(TrapKind::kCallStackExhausted) + 1;
  there.uc_stack.ss_sp = ns.base;
  there.uc_stack.ss_size = kNativeStackBytes;
  there.uc_link = &here;
  makecontext(&there, native_trampoline, 0);
  NativeEntry* saved = t_native_entry;
  t_native_entry = &e;
  ns.active = true;
  e.rc = static_cast<std::int32_t>(TrapKind::kCallStackExhausted) + 1;
  (void)swapcontext(&here, &there);
  ns.active = false;
  t_native_entry = saved;
  return e.rc;
}

constexpr std::int32_t native_status(TrapKind k) { return static_cast<std::int32_t>(k) + 1; }

// The context whose native code this thread is running right now (not a host function
// it called): a fault in its guarded memory is that code's out-of-bounds access.
thread_local wavs_native_ctx* t_fault_ctx = nullptr;

struct sigaction g_old_segv;
struct sigaction g_old_bus;

void on_fault(int sig, siginfo_t* info, void* uc) {
  wavs_native_ctx* c = t_fault_ctx;
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (c && c->jump) {
    const auto base = reinterpret_cast<std::uintptr_t>(c->mem);
    const auto* inst = static_cast<const InstanceData*>(c->instance);
    const auto guard = reinterpret_cast<std::uintptr_t>(t_native_stack.base);
    if (guard && addr >= guard && addr - guard < kNativeStackGuard) {
      c->trap = static_cast<std::int32_t>(TrapKind::kCallStackExhausted);
      longjmp(*static_cast<jmp_buf*>(c->jump), 1);
    }
    if (base && addr >= base && addr - base < Memory::kGuardedBytes && inst->memory && inst->memory->guarded()) {
      // The access did not happen (a faulting instruction commits nothing); leave the
      // native code through its entry's trap target, as wv_trap does. SA_NODEFER keeps
      // the signal unblocked, so no mask needs restoring.
      c->trap = static_cast<std::int32_t>(TrapKind::kMemoryOutOfBounds);
      longjmp(*static_cast<jmp_buf*>(c->jump), 1);
    }
  }
  // Not ours: whatever was installed before, or the default action on the retry.
  const struct sigaction& old = sig == SIGSEGV ? g_old_segv : g_old_bus;
  if (old.sa_flags & SA_SIGINFO) {
    old.sa_sigaction(sig, info, uc);
  } else if (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN) {
    sigaction(sig, &old, nullptr);  // returning re-runs the access: it now ends the process
  } else {
    old.sa_handler(sig);
  }
}

void install_fault_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
  });
}

}  // namespace

std::optional<Trap> invoke_native(const FuncInst& f, std::uint64_t* slots) {
  ExecStack& st = t_stack;
  InstanceData* inst = f.instance;
  // As invoke(): the same stacks, the same checks before the first instruction.
  if (!enter_fits(st, *inst, *f.code)) {
    return Trap{TrapKind::kCallStackExhausted, to_string(TrapKind::kCallStackExhausted), 0};
  }
  std::uint64_t* fp = st.top;
  const std::uint32_t max_depth = std::min(inst->limits.max_call_depth, st.frame_capacity);
  constexpr std::uint32_t kMaxNesting = 100;
  if (st.nesting >= kMaxNesting)
    return Trap{TrapKind::kCallStackExhausted, to_string(TrapKind::kCallStackExhausted), 0};

  wavs_native_ctx& c = inst->native->ctx;
  // Re-entry (host → native → host → native) reuses the context: keep the outer values.
  const wavs_native_ctx saved = c;
  c.depth = st.depth;
  c.max_depth = max_depth;
  c.slot_limit = std::min<std::size_t>(st.capacity, inst->limits.max_stack_slots);
  if (!t_native_stack.ensure()) return Trap{TrapKind::kCallStackExhausted, "no memory for the native stack", 0};
  NativeEntry e{inst->native->code->module, &c, static_cast<std::uint32_t>(f.native_index),
                static_cast<std::uint64_t>(fp - st.slots.get()), slots, 0};
  std::uint64_t* saved_top = st.top;
  install_fault_handler();
  wavs_native_ctx* const outer_fault_ctx = t_fault_ctx;
  t_fault_ctx = &c;
  ++st.nesting;
  std::int32_t rc = enter_native(e);
  --st.nesting;
  t_fault_ctx = outer_fault_ctx;
  st.top = saved_top;
  c.depth = saved.depth;
  c.max_depth = saved.max_depth;
  c.slot_limit = saved.slot_limit;
  if (rc == 0) return std::nullopt;
  auto kind = static_cast<TrapKind>(rc - 1);
  if (kind == TrapKind::kHost && st.pending) {
    Trap t = std::move(*st.pending);
    st.pending.reset();
    return t;
  }
  return Trap{kind, to_string(kind), 0};
}

std::int32_t native_call(wavs_native_ctx* c, const void* func, std::uint32_t depth, std::uint64_t frame,
                         std::uint64_t caller_top, std::uint64_t* slots) {
  ExecStack& st = t_stack;
  const auto& target = *static_cast<const FuncInst*>(func);
  auto* inst = static_cast<InstanceData*>(c->instance);
  // interp.cpp call_target: the depth first; a wasm callee's frame must fit.
  if (depth >= c->max_depth) return native_status(TrapKind::kCallStackExhausted);
  if (target.code && frame + target.code->frame_slots > c->slot_limit) {
    return native_status(TrapKind::kCallStackExhausted);
  }
  std::uint64_t* saved_top = st.top;
  const std::uint32_t saved_depth = st.depth;
  st.depth = depth + 1;
  // Host code runs now: its faults are its own, never turned into guest traps.
  wavs_native_ctx* const fault_ctx = t_fault_ctx;
  t_fault_ctx = nullptr;
  bool ok = true;
  if (!target.code) {
    std::size_t n = std::max(target.type.params.size(), target.type.results.size());
    st.top = st.slots.get() + std::max<std::uint64_t>(caller_top, frame + n);
    ok = call_host(&st, target, slots, inst);
  } else {
    st.top = st.slots.get() + frame;
    std::optional<Trap> t = invoke(target, slots);
    if (t) {
      st.pending = std::move(*t);
      ok = false;
    }
  }
  t_fault_ctx = fault_ctx;
  st.top = saved_top;
  st.depth = saved_depth;
  return ok ? 0 : native_status(TrapKind::kHost);
}

}  // namespace wavs::wasm
