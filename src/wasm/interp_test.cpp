// Numeric edge cases, every trap, and the translator's fused forms, run end to end.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <thread>

#include "wasm/test_support.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

struct Runner {
  std::shared_ptr<Instance> instance;
  explicit Runner(const Bytes& wasm, EngineConfig config = {}) {
    Engine engine(config);
    auto m = engine.compile(wasm);
    EXPECT_TRUE(m) << m.error().message();
    if (!m) return;
    Linker linker;
    auto i = linker.instantiate(**m);
    EXPECT_TRUE(i) << i.error().message();
    if (i) instance = *i;
  }
  Outcome<std::vector<Value>> operator()(std::initializer_list<Value> args) {
    if (!instance) return tl::unexpected(Trap{TrapKind::kBadCall, "no instance", 0});
    return instance->call("f", args);
  }
};

// Runs a binary operator `opcode` of type (t, t) -> r.
Outcome<std::vector<Value>> binop(std::uint8_t t, std::uint8_t r, std::uint8_t opcode, Value a, Value b) {
  Runner run(single({t, t}, {r}, cat({local_get(0), local_get(1), op(opcode)})));
  return run({a, b});
}
Outcome<std::vector<Value>> unop(std::uint8_t t, std::uint8_t r, Bytes opcode, Value a) {
  Runner run(single({t}, {r}, cat({local_get(0), opcode})));
  return run({a});
}

std::uint32_t f32_bits(const Outcome<std::vector<Value>>& r) {
  return static_cast<std::uint32_t>((*r)[0].bits());
}
std::uint64_t f64_bits(const Outcome<std::vector<Value>>& r) { return (*r)[0].bits(); }

TEST(WasmInterp, IntegerArithmeticEdges) {
  EXPECT_EQ((*binop(I32, I32, 0x6a, Value::i32(INT32_MAX), Value::i32(1)))[0].i32(), INT32_MIN);  // wraps
  EXPECT_EQ((*binop(I32, I32, 0x6f, Value::i32(INT32_MIN), Value::i32(-1)))[0].i32(), 0);         // rem_s
  EXPECT_EQ((*binop(I32, I32, 0x6d, Value::i32(-7), Value::i32(2)))[0].i32(), -3);  // div_s truncates
  EXPECT_EQ((*binop(I32, I32, 0x70, Value::i32(-7), Value::i32(2)))[0].i32(), 1);   // rem_u
  // Shift counts are taken modulo the width.
  EXPECT_EQ((*binop(I32, I32, 0x74, Value::i32(1), Value::i32(33)))[0].i32(), 2);
  EXPECT_EQ((*binop(I32, I32, 0x75, Value::i32(-8), Value::i32(-31)))[0].i32(), -4);
  EXPECT_EQ((*binop(I64, I64, 0x88, Value::i64(-1), Value::i64(65)))[0].i64(), INT64_MAX);
  EXPECT_EQ(
      (*binop(I32, I32, 0x77, Value::i32(static_cast<std::int32_t>(0x80000001u)), Value::i32(1)))[0].i32(),
      3);
  EXPECT_EQ((*binop(I64, I64, 0x8a, Value::i64(1), Value::i64(1)))[0].i64(), INT64_MIN);
  EXPECT_EQ((*unop(I32, I32, op(0x67), Value::i32(0)))[0].i32(), 32);  // clz 0
  EXPECT_EQ((*unop(I64, I64, op(0x7a), Value::i64(0)))[0].i64(), 64);  // ctz 0
  EXPECT_EQ((*unop(I32, I32, op(0x69), Value::i32(-1)))[0].i32(), 32);
  EXPECT_EQ((*unop(I32, I32, op(0xc0), Value::i32(0x80)))[0].i32(), -128);  // extend8_s
  EXPECT_EQ((*unop(I64, I64, op(0xc4), Value::i64(0x80000000ll)))[0].i64(), -2147483648ll);
  EXPECT_EQ((*unop(I64, I32, op(0xa7), Value::i64(0x100000005ll)))[0].i32(), 5);  // wrap
}

TEST(WasmInterp, ImmediateFormsMatchTheGeneralOnes) {
  // x op const, translated to register-immediate instructions; counts mask the same way.
  struct Case {
    std::uint8_t type, opcode;
    std::int64_t x, c, want;
  };
  const Case cases[] = {
      {I32, 0x77, static_cast<std::int32_t>(0x80000001u), 33, 3},            // rotl by 33 = by 1
      {I32, 0x78, 3, 1, static_cast<std::int32_t>(0x80000001u)},             // rotr
      {I32, 0x74, 1, 35, 8},                                                 // shl masks
      {I32, 0x75, -16, 2, -4},                                               // shr_s
      {I32, 0x6b, 5, 7, -2},                                                 // sub → add -7
      {I32, 0x48, -1, 0, 1},                                                 // lt_s
      {I32, 0x49, -1, 0, 0},                                                 // lt_u
      {I64, 0x89, static_cast<std::int64_t>(0x8000000000000001ull), 65, 3},  // i64 rotl by 65
      {I64, 0x8a, 3, 1, static_cast<std::int64_t>(0x8000000000000001ull)},   // i64 rotr
      {I64, 0x7c, 1, -2, -1},                                                // add, negative imm
      {I64, 0x7c, 1, 0x100000000ll, 0x100000001ll},                          // add, imm too wide
  };
  for (const auto& c : cases) {
    Bytes k = c.type == I32 ? i32c(static_cast<std::int32_t>(c.c)) : i64c(c.c);
    Bytes code = cat({local_get(0), k, op(c.opcode)});
    for (bool fuse : {true, false}) {
      Runner run(
          single({c.type}, {c.type == I32 && c.opcode >= 0x46 && c.opcode <= 0x4f ? I32 : c.type}, code),
          EngineConfig{fuse});
      Value x = c.type == I32 ? Value::i32(static_cast<std::int32_t>(c.x)) : Value::i64(c.x);
      auto r = run({x});
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ((*r)[0].i64() & (c.type == I32 ? 0xffffffffll : -1ll),
                c.want & (c.type == I32 ? 0xffffffffll : -1ll))
          << "opcode 0x" << std::hex << int(c.opcode) << " fuse " << fuse;
    }
  }
}

TEST(WasmInterp, FloatNaNsAndSignedZeros) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Arithmetic on NaN yields a NaN; min/max propagate it.
  auto r = binop(F32, F32, 0x92, Value::f32(nan), Value::f32(1));
  EXPECT_TRUE(std::isnan((*r)[0].f32()));
  r = binop(F32, F32, 0x96, Value::f32(1), Value::f32(nan));
  EXPECT_TRUE(std::isnan((*r)[0].f32()));
  // 0/0 produces a NaN with the quiet bit set.
  r = binop(F32, F32, 0x95, Value::f32(0), Value::f32(0));
  EXPECT_EQ(f32_bits(r) & 0x7fc00000u, 0x7fc00000u);
  // min(-0, +0) = -0, max(-0, +0) = +0.
  EXPECT_TRUE(std::signbit((*binop(F64, F64, 0xa4, Value::f64(0.0), Value::f64(-0.0)))[0].f64()));
  EXPECT_FALSE(std::signbit((*binop(F64, F64, 0xa5, Value::f64(-0.0), Value::f64(0.0)))[0].f64()));
  // neg, abs and copysign act on the sign bit alone, keeping NaN payloads.
  EXPECT_EQ(f32_bits(unop(F32, F32, op(0x8c), Value::f32_bits(0x7fa00001u))), 0xffa00001u);
  EXPECT_EQ(f64_bits(unop(F64, F64, op(0x99), Value::f64_bits(0xfff0000000000001ull))),
            0x7ff0000000000001ull);
  EXPECT_EQ(f32_bits(binop(F32, F32, 0x98, Value::f32_bits(0x7f800001u), Value::f32(-1))), 0xff800001u);
  // Rounding of a signaling NaN quiets it.
  EXPECT_NE(f32_bits(unop(F32, F32, op(0x8e), Value::f32_bits(0x7fa00000u))) & 0x00400000u, 0u);
  // nearest rounds half to even.
  EXPECT_EQ((*unop(F64, F64, op(0x9e), Value::f64(2.5)))[0].f64(), 2.0);
  EXPECT_EQ((*unop(F64, F64, op(0x9e), Value::f64(-3.5)))[0].f64(), -4.0);
  EXPECT_TRUE(std::signbit((*unop(F32, F32, op(0x90), Value::f32(-0.25f)))[0].f32()));
}

TEST(WasmInterp, Conversions) {
  // Truncation at the edges of the range.
  EXPECT_EQ((*unop(F32, I32, op(0xa8), Value::f32(-2147483648.0f)))[0].i32(), INT32_MIN);
  EXPECT_EQ((*unop(F64, I32, op(0xaa), Value::f64(-2147483648.9)))[0].i32(), INT32_MIN);
  EXPECT_EQ((*unop(F64, I32, op(0xab), Value::f64(-0.9)))[0].i32(), 0);
  EXPECT_EQ((*unop(F64, I64, op(0xb1), Value::f64(18446744073709549568.0)))[0].i64(), -2048);
  // Saturating forms.
  EXPECT_EQ((*unop(F32, I32, op_fc(0), Value::f32(std::numeric_limits<float>::quiet_NaN())))[0].i32(), 0);
  EXPECT_EQ((*unop(F32, I32, op_fc(0), Value::f32(3e9f)))[0].i32(), INT32_MAX);
  EXPECT_EQ((*unop(F64, I32, op_fc(3), Value::f64(-5.0)))[0].i32(), 0);
  EXPECT_EQ((*unop(F64, I64, op_fc(7), Value::f64(1e30)))[0].i64(), -1);
  // Integer to float rounds to nearest even.
  EXPECT_EQ((*unop(I64, F32, op(0xb5), Value::i64(-1)))[0].f32(), 18446744073709551616.0f);
  EXPECT_EQ((*unop(I64, F32, op(0xb4), Value::i64(9007199791611905ll)))[0].f32(), 9007200328482816.0f);
  EXPECT_EQ((*unop(I32, F32, op(0xb3), Value::i32(-1)))[0].f32(), 4294967296.0f);
  // Demotion of a value just above FLT_MAX rounds to FLT_MAX or infinity per IEEE.
  EXPECT_TRUE(std::isinf((*unop(F64, F32, op(0xb6), Value::f64(1e39)))[0].f32()));
  EXPECT_EQ(f32_bits(unop(I32, F32, op(0xbe), Value::i32(0x7fa00001))),
            0x7fa00001u);  // reinterpret keeps bits
}

void expect_trap(const Outcome<std::vector<Value>>& r, TrapKind kind) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, kind) << r.error().message;
  EXPECT_EQ(r.error().message, to_string(kind));
}

TEST(WasmInterp, EveryTrap) {
  expect_trap(Runner(single({}, {}, op(0x00)))({}), TrapKind::kUnreachable);
  expect_trap(binop(I32, I32, 0x6d, Value::i32(1), Value::i32(0)), TrapKind::kIntegerDivideByZero);
  expect_trap(binop(I64, I64, 0x82, Value::i64(1), Value::i64(0)), TrapKind::kIntegerDivideByZero);
  expect_trap(binop(I32, I32, 0x6d, Value::i32(INT32_MIN), Value::i32(-1)), TrapKind::kIntegerOverflow);
  expect_trap(binop(I64, I64, 0x7f, Value::i64(INT64_MIN), Value::i64(-1)), TrapKind::kIntegerOverflow);
  expect_trap(unop(F32, I32, op(0xa8), Value::f32(std::numeric_limits<float>::quiet_NaN())),
              TrapKind::kInvalidConversion);
  expect_trap(unop(F64, I32, op(0xab), Value::f64(4294967296.0)), TrapKind::kIntegerOverflow);
  expect_trap(unop(F64, I64, op(0xb0), Value::f64(9223372036854775808.0)), TrapKind::kIntegerOverflow);
  // Memory: the last byte is in bounds, one past is not, and a large offset never wraps.
  Runner mem(single({I32}, {I32}, cat({local_get(0), Bytes{0x2d, 0x00, 0x00}}), {}, true));
  EXPECT_TRUE(mem({Value::i32(65535)}));
  expect_trap(mem({Value::i32(65536)}), TrapKind::kMemoryOutOfBounds);
  expect_trap(mem({Value::i32(-1)}), TrapKind::kMemoryOutOfBounds);
  Runner off(
      single({I32}, {I32}, cat({local_get(0), Bytes{0x28, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f}}), {}, true));
  expect_trap(off({Value::i32(1)}), TrapKind::kMemoryOutOfBounds);
  // Tables: out of bounds, uninitialized element, signature mismatch.
  ModuleSpec t;
  t.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), local_get(0), Bytes{0x11, 0x00, 0x00}}), "f"});
  t.funcs.push_back({{}, {I64}, {}, i64c(7), ""});
  t.table = Bytes{0x01, FUNCREF, 0x00, 0x02};
  t.elem = cat({leb_u(1), Bytes{0x00}, i32c(0), Bytes{0x0b}, vec({leb_u(1)})});
  Runner tab(build(t));
  expect_trap(tab({Value::i32(0)}), TrapKind::kIndirectCallTypeMismatch);
  expect_trap(tab({Value::i32(1)}), TrapKind::kUninitializedElement);
  expect_trap(tab({Value::i32(2)}), TrapKind::kUndefinedElement);
  // table.get out of bounds.
  ModuleSpec tg;
  tg.funcs.push_back({{I32}, {}, {}, cat({local_get(0), Bytes{0x25, 0x00}, op(0x1a)}), "f"});
  tg.table = Bytes{0x01, FUNCREF, 0x00, 0x01};
  expect_trap(Runner(build(tg))({Value::i32(5)}), TrapKind::kTableOutOfBounds);
}

TEST(WasmInterp, DeepRecursionTrapsInsteadOfOverflowing) {
  // (func (param i32) (result i32) local.get 0 i32.const 1 i32.add call 0)
  Runner run(single({I32}, {I32}, cat({local_get(0), i32c(1), op(0x6a), call(0)})));
  expect_trap(run({Value::i32(0)}), TrapKind::kCallStackExhausted);
  // The thread's stack is usable again afterwards.
  Runner ok(single({I32}, {I32}, cat({local_get(0), i32c(2), op(0x6c)})));
  EXPECT_EQ((*ok({Value::i32(21)}))[0].i32(), 42);
}

TEST(WasmInterp, LocalsAreZeroedOnEveryCall) {
  // (func (param i32) (result i32) (local i32) local.get 1 local.get 0 local.set 1)
  Runner run(single({I32}, {I32}, cat({local_get(1), local_get(0), local_set(1)}), {I32}));
  EXPECT_EQ((*run({Value::i32(5)}))[0].i32(), 0);
  EXPECT_EQ((*run({Value::i32(6)}))[0].i32(), 0);
}

TEST(WasmInterp, LazyLocalReadsSeeTheOldValue) {
  // local.get 0 (stays on the stack) ; i32.const 9 ; local.set 0 ; local.get 0 ; i32.sub
  // = old - 9; wrong if the first read were deferred past the set.
  Bytes code = cat({local_get(0), i32c(9), local_set(0), local_get(0), op(0x6b)});
  for (bool fuse : {true, false}) {
    Runner run(single({I32}, {I32}, code), EngineConfig{fuse});
    EXPECT_EQ((*run({Value::i32(20)}))[0].i32(), 11);
  }
  // Returning two locals swapped: (local.get 1) (local.get 0) with results (i32 i32).
  Runner swap(single({I32, I32}, {I32, I32}, cat({local_get(1), local_get(0)})));
  auto r = swap({Value::i32(1), Value::i32(2)});
  EXPECT_EQ((*r)[0].i32(), 2);
  EXPECT_EQ((*r)[1].i32(), 1);
}

TEST(WasmInterp, FusedLoopCountsCorrectly) {
  // sum = 0; do { sum += n; n -= 1 } while (n > 0); return sum
  Bytes code =
      cat({Bytes{0x03, 0x40}, local_get(1), local_get(0), op(0x6a), local_set(1), local_get(0), i32c(1),
           op(0x6b), local_tee(0), i32c(0), op(0x4a), Bytes{0x0d, 0x00}, op(0x0b), local_get(1)});
  for (bool fuse : {true, false}) {
    Runner run(single({I32}, {I32}, code, {I32}), EngineConfig{fuse});
    EXPECT_EQ((*run({Value::i32(100)}))[0].i32(), 5050);
  }
}

TEST(WasmInterp, BranchesCarryValuesToTheirLabels) {
  for (bool fuse : {true, false}) {
    // br_table with a value: to the inner block (then + 100) or straight out.
    Bytes table = cat({Bytes{0x02, I32, 0x02, I32}, i32c(10), local_get(0),
                       Bytes{0x0e, 0x02, 0x00, 0x01, 0x00}, op(0x0b), i32c(100), op(0x6a), op(0x0b)});
    Runner bt(single({I32}, {I32}, table), EngineConfig{fuse});
    EXPECT_EQ((*bt({Value::i32(0)}))[0].i32(), 110);
    EXPECT_EQ((*bt({Value::i32(1)}))[0].i32(), 10);
    EXPECT_EQ((*bt({Value::i32(7)}))[0].i32(), 110);

    // A multi-value block with parameters: (a b) → (a+b, a) by `br 0`, then subtract.
    ModuleSpec mv;
    Bytes code = cat({local_get(0), local_get(1), Bytes{0x02, 0x01}, op(0x6a), local_get(0),
                      Bytes{0x0c, 0x00}, op(0x0b), op(0x6b)});
    mv.funcs.push_back({{I32, I32}, {I32}, {}, code, "f"});
    mv.extra_types.push_back(func_type({I32, I32}, {I32, I32}));
    Runner mvr(build(mv), EngineConfig{fuse});
    EXPECT_EQ((*mvr({Value::i32(7), Value::i32(5)}))[0].i32(), 5);

    // if/else with a parameter.
    ModuleSpec ie;
    Bytes ic = cat({local_get(0), local_get(1), Bytes{0x04, 0x01}, i32c(1), op(0x6a), op(0x05), i32c(2),
                    op(0x6c), op(0x0b)});
    ie.funcs.push_back({{I32, I32}, {I32}, {}, ic, "f"});
    ie.extra_types.push_back(func_type({I32}, {I32}));
    Runner ier(build(ie), EngineConfig{fuse});
    EXPECT_EQ((*ier({Value::i32(10), Value::i32(1)}))[0].i32(), 11);
    EXPECT_EQ((*ier({Value::i32(10), Value::i32(0)}))[0].i32(), 20);

    // A conditional return of two values from inside a block.
    Bytes ret = cat({Bytes{0x02, 0x40}, local_get(1), local_get(0), local_get(0), Bytes{0x0d, 0x01}, op(0x1a),
                     op(0x1a), op(0x0b), i32c(-1), i32c(-2)});
    Runner rr(single({I32}, {I32, I32}, ret, {I32}), EngineConfig{fuse});
    auto r = rr({Value::i32(3)});
    EXPECT_EQ((*r)[0].i32(), 0);  // local 1 (zero) and then local 0
    EXPECT_EQ((*r)[1].i32(), 3);
    r = rr({Value::i32(0)});
    EXPECT_EQ((*r)[0].i32(), -1);
    EXPECT_EQ((*r)[1].i32(), -2);
  }
}

TEST(WasmInterp, InterruptStopsARunawayLoop) {
  Runner run(single({}, {}, Bytes{0x03, 0x40, 0x0c, 0x00, 0x0b}));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    run.instance->interrupt();
  });
  auto r = run({});
  stopper.join();
  expect_trap(r, TrapKind::kInterrupted);
  run.instance->clear_interrupt();
}

}  // namespace
}  // namespace wavs::wasm
