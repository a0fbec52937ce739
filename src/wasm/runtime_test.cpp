#include "wasm/runtime.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "wasm/test_support.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

// (import "env" "h" (func (param i32) (result i32))) ; "f" calls it with its argument.
Bytes importing_module(bool memory = false) {
  ModuleSpec m;
  m.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), call(0)}), "f"});
  m.extra_types.push_back(func_type({I32}, {I32}));
  m.imports = cat({str("env"), str("h"), Bytes{0x00}, leb_u(1)});
  m.import_count = 1;
  m.imported_funcs = 1;
  m.memory = memory;
  return build(m);
}

std::shared_ptr<const Module> compile(const Bytes& b) {
  Engine engine;
  auto m = engine.compile(b);
  EXPECT_TRUE(m) << m.error().message();
  return m ? *m : nullptr;
}

TEST(WasmRuntime, HostFunctionsSeeArgumentsAndTheCallersMemory) {
  auto module = compile(importing_module(true));
  Linker linker;
  int calls = 0;
  linker.define_func(
      "env", "h", {{ValType::kI32}, {ValType::kI32}},
      [&](Caller& c, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
        ++calls;
        auto mem = c.memory();
        EXPECT_EQ(mem.size(), kPageSize);
        mem[0] = 0x5a;
        results[0] = Value::i32(args[0].i32() * 3);
        return std::nullopt;
      });
  auto inst = linker.instantiate(*module);
  ASSERT_TRUE(inst) << inst.error().message();
  auto r = (*inst)->call("f", {Value::i32(14)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].i32(), 42);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ((*inst)->memory()->data()[0], 0x5a);
}

std::optional<Trap> exit_with_code(void* user, Caller&, std::span<const Value> args, std::span<Value>) {
  *static_cast<int*>(user) += 1;
  return Trap::exit(args[0].i32());
}

TEST(WasmRuntime, HostFunctionsCanTerminateWithAnExitCode) {
  auto module = compile(importing_module());
  Linker linker;
  int seen = 0;
  linker.define_func("env", "h", {{ValType::kI32}, {ValType::kI32}}, exit_with_code, &seen);
  auto inst = linker.instantiate(*module);
  ASSERT_TRUE(inst);
  auto r = (*inst)->call("f", {Value::i32(3)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kExit);
  EXPECT_EQ(r.error().exit_code, 3);
  EXPECT_EQ(seen, 1);
}

TEST(WasmRuntime, LinkErrors) {
  auto module = compile(importing_module());
  Linker empty;
  auto r = empty.instantiate(*module);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasmErrc::kUnlinkable));
  EXPECT_NE(r.error().message().find("unknown import: \"env\" \"h\""), std::string::npos)
      << r.error().message();
  Linker wrong;
  wrong.define_func(
      "env", "h", {{ValType::kI64}, {ValType::kI32}},
      [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> { return std::nullopt; });
  r = wrong.instantiate(*module);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("incompatible import type"), std::string::npos) << r.error().message();
}

TEST(WasmRuntime, BadCallsAreReported) {
  auto module = compile(single({I32}, {I32}, local_get(0)));
  auto inst = *Linker().instantiate(*module);
  auto r = inst->call("nope", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kBadCall);
  r = inst->call("f", {Value::i64(1)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kBadCall);
  r = inst->call("f", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kBadCall);
}

TEST(WasmRuntime, MemoryGrowFailsAboveTheInstanceCap) {
  // (func (param i32) (result i32) local.get 0 memory.grow)
  auto module = compile(single({I32}, {I32}, cat({local_get(0), Bytes{0x40, 0x00}}), {}, true));
  InstanceLimits limits;
  limits.max_memory_pages = 3;
  auto inst = *Linker().instantiate(*module, limits);
  EXPECT_EQ((*inst->call("f", {Value::i32(2)}))[0].i32(), 1);
  EXPECT_EQ(inst->memory()->cap_refusals(), 0u);
  EXPECT_EQ((*inst->call("f", {Value::i32(1)}))[0].i32(), -1);
  EXPECT_EQ(inst->memory()->pages(), 3u);
  EXPECT_EQ(inst->memory()->cap_refusals(), 1u);  // the module itself allows 65536 pages
  // A module whose minimum exceeds the cap does not instantiate, with its own code.
  limits.max_memory_pages = 0;
  auto r = Linker().instantiate(*module, limits);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasmErrc::kMemoryLimit)) << r.error().message();
  EXPECT_EQ(r.error().message(), "memory limit exceeded: memory of 1 pages exceeds the limit of 0 pages");
}

TEST(WasmRuntime, GrowRefusedByTheModulesOwnMaximumIsNotTheCap) {
  // (memory 1 4), cap 3: growing to 4 pages is the cap's refusal, to 5 the module's.
  ModuleSpec spec;
  spec.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), Bytes{0x40, 0x00}}), "f"});
  spec.memory = true;
  spec.memory_max = 4;
  auto module = compile(build(spec));
  InstanceLimits limits;
  limits.max_memory_pages = 3;
  auto inst = *Linker().instantiate(*module, limits);
  EXPECT_EQ((*inst->call("f", {Value::i32(4)}))[0].i32(), -1);  // 5 > own max 4
  EXPECT_EQ(inst->memory()->cap_refusals(), 0u);
  EXPECT_EQ((*inst->call("f", {Value::i32(3)}))[0].i32(), -1);  // 4 > cap 3
  EXPECT_EQ(inst->memory()->cap_refusals(), 1u);
  EXPECT_EQ((*inst->call("f", {Value::i32(2)}))[0].i32(), 1);
  EXPECT_EQ(inst->memory()->cap_refusals(), 1u);
  // Without a cap below its maximum, nothing is ever the cap's doing.
  auto free = *Linker().instantiate(*module);
  EXPECT_EQ((*free->call("f", {Value::i32(4)}))[0].i32(), -1);
  EXPECT_EQ(free->memory()->cap_refusals(), 0u);
  // A memory whose minimum exceeds its own maximum is not a cap problem.
  auto bad = Memory::create(MemoryType{Limits{5, 2}}, 100);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(WasmErrc::kLimit)) << bad.error().message();
}

TEST(WasmRuntime, CallDepthLimitIsPerInstance) {
  // Recursion to depth n: (if (local.get 0) (then (call 0 (local.get 0 - 1))))
  Bytes code = cat({local_get(0), Bytes{0x04, 0x40}, local_get(0), i32c(1), op(0x6b), call(0), op(0x0b)});
  auto module = compile(single({I32}, {}, code));
  InstanceLimits limits;
  limits.max_call_depth = 100;
  auto inst = *Linker().instantiate(*module, limits);
  EXPECT_TRUE(inst->call("f", {Value::i32(50)}));
  auto r = inst->call("f", {Value::i32(500)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kCallStackExhausted);
}

TEST(WasmRuntime, StartFunctionTrapMakesInstantiationFail) {
  ModuleSpec m;
  m.funcs.push_back({{}, {}, {}, op(0x00), ""});
  m.start = 0;
  auto module = compile(build(m));
  auto r = Linker().instantiate(*module);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasmErrc::kUninstantiable));
  EXPECT_NE(r.error().message().find("unreachable"), std::string::npos);
}

TEST(WasmRuntime, ModulesAreSharedAcrossThreads) {
  auto module = compile(single({I32}, {I32}, cat({local_get(0), i32c(1), op(0x6a)}), {}, true));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto inst = Linker().instantiate(*module);
        if (inst && (*(*inst)->call("f", {Value::i32(t * 100 + i)}))[0].i32() == t * 100 + i + 1) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(WasmRuntime, ReentrantHostCallbacks) {
  // The host function calls back into the instance's other export.
  ModuleSpec m;
  m.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), call(0)}), "f"});
  m.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), i32c(10), op(0x6c)}), "g"});
  m.extra_types.push_back(func_type({I32}, {I32}));
  m.imports = cat({str("env"), str("h"), Bytes{0x00}, leb_u(2)});
  m.import_count = 1;
  m.imported_funcs = 1;
  auto module = compile(build(m));
  Linker linker;
  std::shared_ptr<Instance> self;
  linker.define_func(
      "env", "h", {{ValType::kI32}, {ValType::kI32}},
      [&](Caller&, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
        auto r = self->call("g", {args[0]});
        if (!r) return r.error();
        results[0] = (*r)[0];
        return std::nullopt;
      });
  self = *linker.instantiate(*module);
  EXPECT_EQ((*self->call("f", {Value::i32(4)}))[0].i32(), 40);
}

TEST(WasmRuntime, EndlessHostReentryTraps) {
  // The host function calls "f" again: guest → host → guest → ... must end in a trap,
  // not a native stack overflow.
  auto module = compile(importing_module());
  Linker linker;
  std::shared_ptr<Instance> self;
  linker.define_func(
      "env", "h", {{ValType::kI32}, {ValType::kI32}},
      [&](Caller&, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
        auto r = self->call("f", {args[0]});
        if (!r) return r.error();
        results[0] = (*r)[0];
        return std::nullopt;
      });
  self = *linker.instantiate(*module);
  auto r = self->call("f", {Value::i32(1)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kCallStackExhausted);
}

TEST(WasmRuntime, ReusedMemoryReservationsStartZeroed) {
  ModuleSpec m;
  // store: (param i32) local.get 0, i32.const 0xab, i32.store8 ; load: (param i32) (result i32) i32.load8_u
  m.funcs.push_back({{I32}, {}, {}, cat({local_get(0), i32c(0xab), Bytes{0x3a, 0x00, 0x00}}), "store"});
  m.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), Bytes{0x2d, 0x00, 0x00}}), "load"});
  m.memory = true;
  m.memory_pages = 1;
  m.memory_max = 4;
  auto module = compile(build(m));
  for (int round = 0; round < 3; ++round) {
    auto inst = *Linker().instantiate(*module);
    EXPECT_EQ((*inst->call("load", {Value::i32(100)}))[0].i32(), 0) << "round " << round;
    EXPECT_TRUE(inst->call("store", {Value::i32(100)}));
    EXPECT_EQ((*inst->call("load", {Value::i32(100)}))[0].i32(), 0xab);
  }
}

TEST(WasmRuntime, ValuesPrintTheirType) {
  EXPECT_EQ(Value::i32(-3).to_string(), "i32:-3");
  EXPECT_EQ(Value::null(ValType::kExternRef).to_string(), "externref:null");
  EXPECT_EQ(Value::f32(1.5f).f32(), 1.5f);
}

}  // namespace
}  // namespace wavs::wasm
