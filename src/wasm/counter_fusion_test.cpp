// The translator's fused forms of a metering pass's counter sequences (code.hpp,
// "GlobalI64" forms): the same counts and the same trap point as the plain code.

#include <gtest/gtest.h>

#include <optional>

#include "wasm/compiler.hpp"
#include "wasm/decoder.hpp"
#include "wasm/disasm.hpp"
#include "wasm/test_support.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

// Globals: 0 the counter ("fuel"), 1 an i32 count of loop iterations done (plain code,
// never fused), 2 another mutable i64.
ModuleSpec counter_module(const Bytes& code) {
  ModuleSpec m;
  m.funcs.push_back(FuncSpec{{I32}, {}, {}, code, "f"});
  m.globals = {mut_i64_global(0), cat({Bytes{I32, 0x01}, i32c(0), Bytes{0x0b}}), mut_i64_global(0)};
  m.extra_exports = {global_export("fuel", 0), global_export("iterations", 1), global_export("other", 2)};
  return m;
}

// Entry: charge + check; loop header: charge + check; after the loop a check alone and
// a charge alone, as wasi/fuel_pass.cpp lays them out.
Bytes metered_loop() {
  Bytes bump = cat({global_get(1), i32c(1), op(0x6a), global_set(1)});
  return cat({counter_add(0, -2), counter_check(0),                                                //
              Bytes{0x03, 0x40}, counter_add(0, -3), counter_check(0),                             //
              bump, local_get(0), i32c(1), op(0x6b), local_tee(0), Bytes{0x0d, 0x00}, op(0x0b),  //
              counter_check(0), counter_add(0, -1)});
}

struct Outcome3 {
  std::optional<TrapKind> trap;
  std::int64_t fuel = 0;
  std::int32_t iterations = 0;
  bool operator==(const Outcome3&) const = default;
};

EngineConfig fuel_config(bool fuse, std::string name) {
  EngineConfig c(fuse);
  c.fuel_global_export = std::move(name);
  return c;
}

Outcome3 run_metered(const Bytes& wasm, EngineConfig config, std::int64_t budget, std::int32_t n) {
  Engine engine(config);
  auto m = engine.compile(wasm);
  EXPECT_TRUE(m) << m.error().message();
  if (!m) return {};
  Linker linker;
  auto inst = linker.instantiate(**m);
  EXPECT_TRUE(inst) << inst.error().message();
  if (!inst) return {};
  (*inst)->global("fuel")->set(Value::i64(budget));
  auto r = (*inst)->call("f", {Value::i32(n)});
  Outcome3 o;
  if (!r) o.trap = r.error().kind;
  o.fuel = (*inst)->global("fuel")->get().i64();
  o.iterations = (*inst)->global("iterations")->get().i32();
  return o;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string listing(const Bytes& wasm, bool fuse) {
  auto d = decode(wasm);
  EXPECT_TRUE(d);
  if (!d) return {};
  auto cm = compile_module(std::move(*d), CompileOptions{fuse});
  EXPECT_TRUE(cm) << cm.error().message();
  return cm ? disassemble((*cm)->funcs[0]) : std::string();
}

TEST(WasmCounterFusion, EachSequenceBecomesOneInstruction) {
  Bytes wasm = build(counter_module(metered_loop()));
  std::string fused = listing(wasm, true);
  EXPECT_NE(fused.find("GlobalI64AddImmTrapIfNeg 0 -2 -1 0"), std::string::npos) << fused;
  EXPECT_NE(fused.find("GlobalI64AddImmTrapIfNeg 0 -3 -1 0"), std::string::npos) << fused;
  EXPECT_NE(fused.find("GlobalI64TrapIfNeg 0 0"), std::string::npos) << fused;
  EXPECT_NE(fused.find("GlobalI64AddImm  0 -1 -1"), std::string::npos) << fused;
  EXPECT_EQ(count(fused, "GlobalGet"), 1u) << fused;  // only the i32 bump of global 1
  std::string plain = listing(wasm, false);
  EXPECT_EQ(plain.find("GlobalI64"), std::string::npos) << plain;
  EXPECT_NE(plain.find("Trap"), std::string::npos) << plain;
}

TEST(WasmCounterFusion, FusedAndPlainCountAndTrapAlike) {
  Bytes wasm = build(counter_module(metered_loop()));
  // Entry 2, each iteration 3, after the loop 1: 10 iterations need 2 + 30 + 1 units.
  for (std::int64_t budget = -1; budget <= 36; ++budget) {
    Outcome3 fused = run_metered(wasm, EngineConfig{true}, budget, 10);
    Outcome3 plain = run_metered(wasm, EngineConfig{false}, budget, 10);
    EXPECT_EQ(fused, plain) << "budget " << budget;
    if (budget >= 32) {
      EXPECT_FALSE(fused.trap) << budget;
      EXPECT_EQ(fused.fuel, budget - 33);  // the last charge may overdraw: no check after it
      EXPECT_EQ(fused.iterations, 10);
    } else {
      ASSERT_TRUE(fused.trap) << budget;
      EXPECT_EQ(*fused.trap, TrapKind::kUnreachable);
      EXPECT_LT(fused.fuel, 0);  // the trap leaves the overdrawn count in the global
    }
  }
  // Budget 10: entry (8 left), iterations 1 and 2 (2 left), the third charge dips to -1.
  Outcome3 o = run_metered(wasm, EngineConfig{true}, 10, 10);
  EXPECT_EQ(o.iterations, 2);
  EXPECT_EQ(o.fuel, -1);
}

TEST(WasmCounterFusion, TheAddWrapsLikeI64Add) {
  Bytes wasm = build(counter_module(counter_add(0, -1)));
  Outcome3 fused = run_metered(wasm, EngineConfig{true}, INT64_MIN, 0);
  EXPECT_EQ(fused, run_metered(wasm, EngineConfig{false}, INT64_MIN, 0));
  EXPECT_EQ(fused.fuel, INT64_MAX);
  EXPECT_FALSE(fused.trap);
  // A cost beyond 32 bits keeps its high word.
  Bytes big = build(counter_module(counter_add(0, -(std::int64_t{5} << 40))));
  EXPECT_EQ(run_metered(big, EngineConfig{true}, 0, 0).fuel, -(std::int64_t{5} << 40));
}

TEST(WasmCounterFusion, NearMissesCompileAsBefore) {
  struct Case {
    const char* what;
    Bytes code;
    std::size_t fused_ops = 0;
  };
  const Case cases[] = {
      {"set of another global", cat({global_get(0), i64c(-1), op(0x7c), global_set(2)})},
      {"i64.sub", cat({global_get(0), i64c(1), op(0x7d), global_set(0)})},
      {"compare with 1", cat({global_get(0), i64c(1), op(0x53), Bytes{0x04, 0x40, 0x00, 0x0b}})},
      {"i64.le_s", cat({global_get(0), i64c(0), op(0x57), Bytes{0x04, 0x40, 0x00, 0x0b}})},
      {"nop in the if", cat({global_get(0), i64c(0), op(0x53), Bytes{0x04, 0x40, 0x01, 0x00, 0x0b}})},
      {"if with a result", cat({global_get(0), i64c(0), op(0x53), Bytes{0x04, I32, 0x00, 0x05}, i32c(0),
                                Bytes{0x0b, 0x1a}})},
      {"check of another global after a charge",
       cat({counter_add(0, -1), global_get(2), i64c(0), op(0x53), Bytes{0x04, 0x40, 0x00, 0x0b}}), 2},
  };
  for (const auto& c : cases) {
    Bytes wasm = build(counter_module(c.code));
    std::string fused = listing(wasm, true);
    // The last case is two sequences on different globals: each fuses alone.
    EXPECT_EQ(count(fused, "GlobalI64"), c.fused_ops) << c.what << "\n" << fused;
    EXPECT_EQ(count(fused, "AddImmTrapIfNeg"), 0u) << c.what << "\n" << fused;
    for (std::int64_t budget : {-5, -1, 0, 1, 5}) {
      EXPECT_EQ(run_metered(wasm, EngineConfig{true}, budget, 0), run_metered(wasm, EngineConfig{false}, budget, 0))
          << c.what << ", budget " << budget;
    }
  }
}

TEST(WasmCounterFusion, ImmutableGlobalsAreNotCounters) {
  ModuleSpec m = counter_module(cat({global_get(3), i64c(0), op(0x53), Bytes{0x04, 0x40, 0x00, 0x0b}}));
  m.globals.push_back(cat({Bytes{I64, 0x00}, i64c(-1), Bytes{0x0b}}));  // immutable, negative
  Bytes wasm = build(m);
  EXPECT_EQ(listing(wasm, true).find("GlobalI64"), std::string::npos);
  Outcome3 o = run_metered(wasm, EngineConfig{true}, 100, 0);
  ASSERT_TRUE(o.trap);
  EXPECT_EQ(*o.trap, TrapKind::kUnreachable);
}

TEST(WasmCounterFusion, UnreachableCodeIsOnlyValidated) {
  // After `unreachable`, a counter sequence is dead: nothing is emitted for it.
  Bytes wasm = build(counter_module(cat({op(0x00), counter_add(0, -1), counter_check(0)})));
  std::string fused = listing(wasm, true);
  EXPECT_EQ(fused.find("GlobalI64"), std::string::npos) << fused;
  Outcome3 o = run_metered(wasm, EngineConfig{true}, 5, 0);
  EXPECT_EQ(o.fuel, 5);
}

TEST(WasmCounterFusion, FuelTrapKindOnlyForTheNamedGlobal) {
  Bytes wasm = build(counter_module(metered_loop()));
  auto trap_of = [&](EngineConfig config) {
    Outcome3 o = run_metered(wasm, std::move(config), 10, 10);
    EXPECT_TRUE(o.trap);
    EXPECT_EQ(o.fuel, -1);  // the same point whatever the kind
    EXPECT_EQ(o.iterations, 2);
    return o.trap.value_or(TrapKind::kBadCall);
  };
  EXPECT_EQ(trap_of(fuel_config(true, "fuel")), TrapKind::kFuelExhausted);
  EXPECT_EQ(trap_of(fuel_config(true, "")), TrapKind::kUnreachable);
  EXPECT_EQ(trap_of(fuel_config(true, "other")), TrapKind::kUnreachable);    // another global
  EXPECT_EQ(trap_of(fuel_config(true, "f")), TrapKind::kUnreachable);        // a function
  EXPECT_EQ(trap_of(fuel_config(true, "missing")), TrapKind::kUnreachable);  // no such export
  EXPECT_EQ(trap_of(fuel_config(false, "fuel")), TrapKind::kUnreachable);    // plain code
  EXPECT_STREQ(to_string(TrapKind::kFuelExhausted), "fuel exhausted");

  // The check alone (no charge before it) raises the kind too; a guest's own
  // `unreachable` stays one.
  ModuleSpec m = counter_module(cat({counter_check(0), local_get(0), Bytes{0x04, 0x40, 0x00, 0x0b}}));
  Bytes alone = build(m);
  EXPECT_EQ(run_metered(alone, fuel_config(true, "fuel"), -1, 0).trap, TrapKind::kFuelExhausted);
  EXPECT_EQ(run_metered(alone, fuel_config(true, "fuel"), 0, 1).trap, TrapKind::kUnreachable);
  EXPECT_EQ(run_metered(alone, fuel_config(true, "fuel"), 0, 0).trap, std::nullopt);
}

}  // namespace
}  // namespace wavs::wasm
