// EngineConfig::interruptible: code without interruption checks, alone and calling (or
// called by) code with them.

#include <gtest/gtest.h>

#include <atomic>

#include "wasm/compiler.hpp"
#include "wasm/decoder.hpp"
#include "wasm/disasm.hpp"
#include "wasm/test_support.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

EngineConfig config(bool interruptible) {
  EngineConfig c;
  c.interruptible = interruptible;
  return c;
}

// "count" (n) loops n times and returns n; "div" (x) returns 100 / x.
Bytes exporter() {
  ModuleSpec m;
  Bytes count = cat({Bytes{0x03, 0x40}, local_get(1), i32c(1), op(0x6a), local_set(1), local_get(0), i32c(1),
                     op(0x6b), local_tee(0), Bytes{0x0d, 0x00}, op(0x0b), local_get(1)});
  m.funcs.push_back(FuncSpec{{I32}, {I32}, {I32}, count, "count"});
  m.funcs.push_back(FuncSpec{{I32}, {I32}, {}, cat({i32c(100), local_get(0), op(0x6d)}), "div"});
  return build(m);
}

// Imports both as env.count and env.div and calls them through "via_count" / "via_div".
Bytes importer() {
  ModuleSpec m;
  m.imported_funcs = 2;
  m.import_count = 2;
  m.extra_types = {func_type({I32}, {I32})};
  m.imports = cat({str("env"), str("count"), Bytes{0x00}, leb_u(2), str("env"), str("div"), Bytes{0x00}, leb_u(2)});
  m.funcs.push_back(FuncSpec{{I32}, {I32}, {}, cat({local_get(0), call(0)}), "via_count"});
  m.funcs.push_back(FuncSpec{{I32}, {I32}, {}, cat({local_get(0), call(1)}), "via_div"});
  return build(m);
}

TEST(WasmInterruptible, ModulesSayWhichVariantTheyAre) {
  auto on = Engine().compile(exporter());
  auto off = Engine(config(false)).compile(exporter());
  ASSERT_TRUE(on && off);
  EXPECT_TRUE((*on)->interruptible());
  EXPECT_FALSE((*off)->interruptible());
  // The listing reads either variant's handler words.
  auto d = decode(exporter());
  ASSERT_TRUE(d);
  CompileOptions options;
  options.interruptible = false;
  auto cm = compile_module(std::move(*d), std::move(options));
  ASSERT_TRUE(cm);
  std::string text = disassemble((*cm)->funcs[0]);
  EXPECT_EQ(text.find("??"), std::string::npos) << text;
  EXPECT_NE(text.find("BrIf"), std::string::npos) << text;
}

TEST(WasmInterruptible, WithoutChecksASetFlagDoesNotStopTheGuest) {
  std::atomic<bool> stop{true};
  InstanceLimits limits;
  limits.interrupt = &stop;
  for (bool interruptible : {true, false}) {
    auto m = Engine(config(interruptible)).compile(exporter());
    ASSERT_TRUE(m);
    auto inst = Linker().instantiate(**m, limits);
    ASSERT_TRUE(inst);
    auto r = (*inst)->call("count", {Value::i32(1000)});
    if (interruptible) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().kind, TrapKind::kInterrupted);
    } else {
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ((*r)[0].i32(), 1000);
    }
  }
}

TEST(WasmInterruptible, CallsBetweenVariantsWork) {
  for (bool a_checks : {true, false}) {
    for (bool b_checks : {true, false}) {
      SCOPED_TRACE(testing::Message() << "importer checks " << a_checks << ", exporter checks " << b_checks);
      auto b_mod = Engine(config(b_checks)).compile(exporter());
      auto a_mod = Engine(config(a_checks)).compile(importer());
      ASSERT_TRUE(b_mod && a_mod);
      std::atomic<bool> stop{false};
      InstanceLimits limits;
      limits.interrupt = &stop;
      auto b = Linker().instantiate(**b_mod, limits);
      ASSERT_TRUE(b);
      Linker linker;
      linker.define_instance("env", **b);
      auto a = linker.instantiate(**a_mod, limits);
      ASSERT_TRUE(a) << a.error().message();
      auto r = (*a)->call("via_count", {Value::i32(1000)});
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ((*r)[0].i32(), 1000);
      r = (*a)->call("via_div", {Value::i32(5)});
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ((*r)[0].i32(), 20);
      // A trap in the callee keeps its kind through the other variant.
      r = (*a)->call("via_div", {Value::i32(0)});
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().kind, TrapKind::kIntegerDivideByZero);
      // Only the exporter's loop can notice the flag (the importer has no back-edge).
      stop = true;
      r = (*a)->call("via_count", {Value::i32(1000)});
      EXPECT_EQ(!r, b_checks);
      if (!r) {
        EXPECT_EQ(r.error().kind, TrapKind::kInterrupted);
      }
      stop = false;
      // The thread's stacks are fine afterwards.
      r = (*a)->call("via_count", {Value::i32(3)});
      ASSERT_TRUE(r);
      EXPECT_EQ((*r)[0].i32(), 3);
    }
  }
}

}  // namespace
}  // namespace wavs::wasm
