// The native tier against the interpreter on the same modules: same results, same traps
// at the same points. Modules are written in the text format and assembled by wabt's
// wat2wasm (installed by scripts/setup); native code is built by the system C compiler.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "wasm/native.hpp"
#include "wasm/native_test_support.hpp"
#include "wasm/runtime.hpp"

namespace wavs::wasm {
namespace {

Bytes assemble(const std::string& wat) { return wasm::test::assemble_wat(wat); }

const char kModule[] = R"(
(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "mem") 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load offset=2 (local.get 0)))
  (func (export "drop_load") (param i32) (drop (i64.load offset=4294967295 (local.get 0))))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "spin") (loop $l (br $l)))
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $rec (export "rec") (param i32) (result i32) (local f64 f64 f64)
    (global.set $depth (local.get 0))
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "multi") (result i32 i64 f64) (i32.const 1) (i64.const 2) (f64.const 3.5))
  (func (export "nan") (param f32) (result f32) (f32.min (local.get 0) (f32.const 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "br_table") (param i32) (result i32)
    (block $a (block $b (block $c (br_table $a $b $c (local.get 0))) (return (i32.const 30)))
      (return (i32.const 20)))
    (i32.const 10))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (type $t (func (param i32) (result i32)))
  (type $u (func (result i32)))
  (table 3 funcref) (elem (i32.const 0) $fib $rec)
  (func (export "ind") (param i32 i32) (result i32) (call_indirect (type $t) (local.get 1) (local.get 0)))
  (func (export "ind_bad") (param i32) (result i32) (call_indirect (type $u) (local.get 0)))
  (func (export "host") (param i32) (result i32) (i32.add (call $twice (local.get 0)) (i32.const 1)))
)
)";

struct Pair {
  std::shared_ptr<Instance> interp, native;
};

class NativeTier : public ::testing::Test {
 protected:
  void SetUp() override {
    Engine engine;
    auto m = engine.compile(assemble(kModule));
    ASSERT_TRUE(m) << m.error().message();
    module_ = *m;
    auto n = test::build_native(*module_);
    ASSERT_TRUE(n) << n.error().message();
    native_ = *n;
    ASSERT_TRUE(native_->native());
    linker_.define_func("env", "twice", {{ValType::kI32}, {ValType::kI32}},
                        [](Caller&, std::span<const Value> a, std::span<Value> r) -> std::optional<Trap> {
                          if (a[0].i32() == 13) return Trap::host("unlucky");
                          r[0] = Value::i32(a[0].i32() * 2);
                          return std::nullopt;
                        });
  }
  Pair instances(InstanceLimits limits = {}) {
    auto a = linker_.instantiate(*module_, limits);
    auto b = linker_.instantiate(*native_, limits);
    EXPECT_TRUE(a && b);
    return {*a, *b};
  }
  // Both tiers give the same outcome: the same values, or the same trap.
  void same(const char* name, std::vector<Value> args) {
    Pair p = instances();
    auto x = p.interp->call(name, args);
    auto y = p.native->call(name, args);
    ASSERT_EQ(x.has_value(), y.has_value()) << name;
    if (x) {
      EXPECT_EQ(*x, *y) << name;
    } else {
      EXPECT_EQ(x.error().kind, y.error().kind) << name << ": " << x.error().message << " vs " << y.error().message;
      EXPECT_EQ(x.error().message, y.error().message) << name;
    }
  }
  std::shared_ptr<const Module> module_, native_;
  Linker linker_;
};

TEST_F(NativeTier, ResultsMatchTheInterpreter) {
  same("fib", {Value::i32(20)});
  same("sum", {Value::i32(100000)});
  same("multi", {});
  same("nan", {Value::f32_bits(0x7fa00000)});
  same("nan", {Value::f32(-0.0f)});
  for (int i = 0; i < 5; ++i) same("br_table", {Value::i32(i)});
  same("host", {Value::i32(20)});
  same("ind", {Value::i32(0), Value::i32(10)});
  Pair p = instances();
  auto r = p.native->call("fib", {Value::i32(20)});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].i32(), 6765);
}

TEST_F(NativeTier, TrapsMatchTheInterpreter) {
  same("load", {Value::i32(65534)});
  same("load", {Value::i32(-1)});
  same("div", {Value::i32(1), Value::i32(0)});
  same("div", {Value::i32(INT32_MIN), Value::i32(-1)});
  same("trunc", {Value::f64(3e10)});
  same("trunc", {Value::f64_bits(0x7ff8000000000000ull)});
  same("ind", {Value::i32(2), Value::i32(1)});  // null element
  same("ind", {Value::i32(7), Value::i32(1)});  // past the end
  same("ind_bad", {Value::i32(0)});             // type mismatch
  same("host", {Value::i32(13)});               // the host function's own trap
}

// Regression: in a guarded memory the access is the check, so a load whose value is
// never used must still happen (the C compiler had dropped it).
TEST_F(NativeTier, ADroppedLoadStillTraps) {
  same("drop_load", {Value::i32(0)});
  same("drop_load", {Value::i32(-1)});
  Pair p = instances();
  auto r = p.native->call("drop_load", {Value::i32(0)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kMemoryOutOfBounds);
  EXPECT_TRUE(p.native->memory()->guarded());
}

TEST_F(NativeTier, MemoryGrowsAndStoresSeeTheNewSize) {
  Pair p = instances();
  for (auto& inst : {p.interp, p.native}) {
    EXPECT_EQ((*inst->call("grow", {Value::i32(1)}))[0].i32(), 1);
    EXPECT_EQ((*inst->call("size", {}))[0].i32(), 2);
    EXPECT_TRUE(inst->call("store", {Value::i32(70000), Value::i32(42)}));
    EXPECT_EQ((*inst->call("load", {Value::i32(69998)}))[0].i32(), 42);
  }
}

TEST_F(NativeTier, RecursionStopsAtTheSameDepth) {
  for (std::uint32_t depth : {100u, 5000u}) {
    InstanceLimits limits;
    limits.max_call_depth = depth;
    Pair p = instances(limits);
    auto x = p.interp->call("rec", {Value::i32(0)});
    auto y = p.native->call("rec", {Value::i32(0)});
    ASSERT_FALSE(x);
    ASSERT_FALSE(y);
    EXPECT_EQ(x.error().kind, TrapKind::kCallStackExhausted);
    EXPECT_EQ(y.error().kind, TrapKind::kCallStackExhausted);
    EXPECT_EQ(p.interp->global("depth")->get().i32(), p.native->global("depth")->get().i32()) << depth;
  }
  // The frame-slot limit, not the depth, ends this one: the same call on both tiers.
  InstanceLimits limits;
  limits.max_stack_slots = 4096;
  Pair p = instances(limits);
  ASSERT_FALSE(p.interp->call("rec", {Value::i32(0)}));
  ASSERT_FALSE(p.native->call("rec", {Value::i32(0)}));
  EXPECT_EQ(p.interp->global("depth")->get().i32(), p.native->global("depth")->get().i32());
  EXPECT_GT(p.native->global("depth")->get().i32(), 100);
}

// Frames the C compiler makes much larger than the interpreter's slots, with limits
// raised to the engine's ceilings: the native stack's guard ends the recursion as
// kCallStackExhausted (or the limits do first), never a crash; the thread runs again.
TEST(NativeTierStack, RunawayRecursionWithHugeFramesEndsInATrap) {
  std::string wat = "(module (func $r (export \"r\") (param f64) (result f64)";
  constexpr int kLocals = 1500;
  for (int i = 0; i < kLocals; ++i) wat += " (local f64)";
  for (int i = 1; i <= kLocals; ++i) {
    wat += " (local.set " + std::to_string(i) + " (f64.add (local.get 0) (f64.const " + std::to_string(i) + ")))";
  }
  wat += " (call $r (local.get 1))";
  for (int i = 1; i <= kLocals; ++i) wat += " (local.get " + std::to_string(i) + ") f64.add";
  wat += "))";
  Engine engine;
  auto m = engine.compile(assemble(wat));
  ASSERT_TRUE(m) << m.error().message();
  auto n = test::build_native(**m);
  ASSERT_TRUE(n) << n.error().message();
  InstanceLimits limits;
  limits.max_call_depth = 1u << 20;
  limits.max_stack_slots = 1u << 26;
  Linker linker;
  for (int round = 0; round < 2; ++round) {
    auto inst = linker.instantiate(**n, limits);
    ASSERT_TRUE(inst);
    auto r = (*inst)->call("r", {Value::f64(1)});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, TrapKind::kCallStackExhausted);
  }
}

TEST_F(NativeTier, AnInfiniteLoopIsInterruptedFromAnotherThread) {
  Pair p = instances();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.native->interrupt();
  });
  auto r = p.native->call("spin", {});
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kInterrupted);
}

TEST_F(NativeTier, AStaleLibraryIsRefused) {
  Engine engine;
  auto other = engine.compile(assemble("(module (func (export \"f\")))"));
  ASSERT_TRUE(other);
  // The descriptor of this module's code does not fit another module.
  auto r = attach_native(**other, native_->native_->module, {}, nullptr);
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace wavs::wasm
