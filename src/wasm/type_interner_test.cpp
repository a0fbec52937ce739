#include "wasm/type_interner.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "wasm/test_support.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

// One exported function taking `n` f64 parameters and returning (f32 i64): a signature
// no other test uses, distinct for each n.
Bytes module_with_arity(std::size_t n) {
  Bytes params(n, F64);
  return single(params, {F32, I64}, cat({Bytes{0x43, 0, 0, 0, 0}, i64c(0)}));
}

std::shared_ptr<const Module> compile(const Bytes& b) {
  auto m = Engine().compile(b);
  EXPECT_TRUE(m) << m.error().message();
  return m ? *m : nullptr;
}

TEST(TypeInterner, EqualTypesShareAnIdAndCopiesKeepIt) {
  const std::size_t base = interned_func_type_count();
  FuncType t{{ValType::kF64, ValType::kF32, ValType::kF64}, {ValType::kF32, ValType::kF32}};
  auto a = std::make_unique<InternedFuncType>(t);
  InternedFuncType b(t);
  EXPECT_EQ(a->id(), b.id());
  EXPECT_NE(InternedFuncType(FuncType{{ValType::kF64}, {ValType::kF32, ValType::kF32}}).id(), a->id());
  EXPECT_EQ(interned_func_type_count(), base + 1);
  InternedFuncType c = b;
  InternedFuncType d;
  d = std::move(b);
  a.reset();
  EXPECT_EQ(interned_func_type_count(), base + 1);  // c and d still refer to it
  EXPECT_EQ(c.id(), d.id());
  c = InternedFuncType();
  d = InternedFuncType();
  EXPECT_EQ(interned_func_type_count(), base);
}

// A process compiling uploaded modules for months: the table holds only what is alive.
TEST(TypeInterner, DroppedModulesReleaseTheirTypes) {
  const std::size_t base = interned_func_type_count();
  constexpr std::size_t kModules = 200;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::shared_ptr<const Module>> alive;
    for (std::size_t n = 0; n < kModules; ++n) {
      alive.push_back(compile(module_with_arity(n + 100 * static_cast<std::size_t>(round))));
      ASSERT_TRUE(alive.back());
    }
    EXPECT_EQ(interned_func_type_count(), base + kModules);
    alive.clear();
    EXPECT_EQ(interned_func_type_count(), base) << "round " << round;
  }
}

TEST(TypeInterner, InstancesAndHostFunctionsHoldTheirTypes) {
  const std::size_t base = interned_func_type_count();
  auto instance = [&] {
    auto module = compile(module_with_arity(7));
    auto linker = std::make_unique<Linker>();
    linker->define_func(
        "env", "h", {{ValType::kF64, ValType::kI64, ValType::kF32}, {}},
        [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> { return {}; });
    EXPECT_EQ(interned_func_type_count(), base + 2);
    auto inst = linker->instantiate(*module);
    EXPECT_TRUE(inst);
    linker.reset();
    EXPECT_EQ(interned_func_type_count(), base + 1);  // the host function's type went with the linker
    return inst ? *inst : nullptr;
  }();
  ASSERT_TRUE(instance);
  std::vector<Value> args(7, Value::f64(1.0));
  auto r = instance->call("f", args);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(interned_func_type_count(), base + 1);  // the instance keeps its module
  instance.reset();
  EXPECT_EQ(interned_func_type_count(), base);
}

// Module A owns a table of [its (i32)->i32, its (i64)->i64, a host (i32)->i32]; module B
// imports the table and calls through it with (i32)->i32 declared at another type index.
// Ids freed by dropped modules are reused first, and still tell the types apart.
TEST(TypeInterner, CallIndirectAcrossModulesWithReusedIds) {
  {
    std::vector<std::shared_ptr<const Module>> churn;
    for (std::size_t n = 0; n < 50; ++n) churn.push_back(compile(module_with_arity(300 + n)));
  }  // their ids are free now

  ModuleSpec a;
  a.funcs.push_back({{I32}, {I32}, {}, cat({local_get(0), local_get(0), op(0x6a)}), ""});  // x + x
  a.funcs.push_back({{I64}, {I64}, {}, cat({i64c(0), local_get(0), op(0x7d)}), ""});       // -x
  a.extra_types.push_back(func_type({I32}, {I32}));
  a.imports = cat({str("env"), str("h"), Bytes{0x00}, leb_u(2)});
  a.import_count = 1;
  a.imported_funcs = 1;
  a.table = Bytes{0x01, FUNCREF, 0x00, 0x03};
  // Active segment at 0: double (1), neg (2), h (0).
  a.elem = Bytes{0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x01, 0x02, 0x00};
  a.extra_exports.push_back(cat({str("tab"), Bytes{0x01, 0x00}}));

  ModuleSpec b;
  b.funcs.push_back({{F32}, {F32}, {}, local_get(0), ""});
  // (func (param idx i32) (param x i32) (result i32) x idx call_indirect (type 2))
  b.funcs.push_back(
      {{I32, I32}, {I32}, {}, cat({local_get(1), local_get(0), Bytes{0x11, 0x02, 0x00}}), "call"});
  b.extra_types.push_back(func_type({I32}, {I32}));
  b.imports = cat({str("env"), str("tab"), Bytes{0x01, FUNCREF, 0x00, 0x03}});
  b.import_count = 1;

  auto ma = compile(build(a));
  auto mb = compile(build(b));
  ASSERT_TRUE(ma && mb);
  Linker linker;
  linker.define_func(
      "env", "h", {{ValType::kI32}, {ValType::kI32}},
      [](Caller&, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
        results[0] = Value::i32(args[0].i32() + 1000);
        return std::nullopt;
      });
  auto ia = linker.instantiate(*ma);
  ASSERT_TRUE(ia) << ia.error().message();
  linker.define_instance("env", **ia);
  auto ib = linker.instantiate(*mb);
  ASSERT_TRUE(ib) << ib.error().message();

  auto r = (*ib)->call("call", {Value::i32(0), Value::i32(21)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].i32(), 42);
  r = (*ib)->call("call", {Value::i32(2), Value::i32(5)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].i32(), 1005);
  r = (*ib)->call("call", {Value::i32(1), Value::i32(5)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TrapKind::kIndirectCallTypeMismatch);
}

TEST(TypeInterner, ConcurrentCompilesReleaseEverything) {
  const std::size_t base = interned_func_type_count();
  const Bytes bytes = module_with_arity(33);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto m = Engine().compile(bytes);
        EXPECT_TRUE(m);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(interned_func_type_count(), base);
}

}  // namespace
}  // namespace wavs::wasm
