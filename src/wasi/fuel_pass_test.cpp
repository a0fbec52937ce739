#include "wasi/fuel_pass.hpp"

#include <gtest/gtest.h>

#include "wasi/error.hpp"
#include "wasi/test_support.hpp"

namespace wavs::wasi {
namespace {

// Instruments, instantiates, sets the budget and calls "f"; returns units spent.
std::int64_t spent(std::string_view text, std::vector<wasm::Value> args = {}, std::int64_t budget = 1'000'000) {
  Bytes bytes = test::wat(text);
  auto metered = inject_fuel(bytes);
  if (!metered) {
    ADD_FAILURE() << metered.error().message();
    return -2;
  }
  auto m = wasm::Engine().compile(*metered);
  if (!m) {
    ADD_FAILURE() << m.error().message();
    return -2;
  }
  auto inst = wasm::Linker().instantiate(**m);
  if (!inst) {
    ADD_FAILURE() << inst.error().message();
    return -2;
  }
  auto g = (*inst)->global(kFuelExport);
  g->set(wasm::Value::i64(budget));
  auto r = (*inst)->call("f", std::span<const wasm::Value>(args));
  if (!r) return -1;
  return budget - g->get().i64();
}

TEST(FuelPass, StraightLineCostsOnePerInstruction) {
  // i32.const, i32.const, i32.add, end = 4
  EXPECT_EQ(spent(R"((module (func (export "f") (result i32) (i32.add (i32.const 1) (i32.const 2)))))"), 4);
}

TEST(FuelPass, LoopsPayPerIteration) {
  const char* kLoop = R"((module (func (export "f") (param i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get 1) (local.get 0)))))))";
  std::int64_t ten = spent(kLoop, {wasm::Value::i32(10)});
  std::int64_t twenty = spent(kLoop, {wasm::Value::i32(20)});
  ASSERT_GT(ten, 0);
  // Each extra iteration costs the loop body: 8 instructions.
  EXPECT_EQ(twenty - ten, 10 * 8);
}

TEST(FuelPass, TakenBranchSkipsTheRest) {
  const char* kIf = R"((module (func (export "f") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 1))
      (else (i32.add (i32.const 2) (i32.mul (i32.const 3) (i32.const 4))))))))";
  EXPECT_LT(spent(kIf, {wasm::Value::i32(1)}), spent(kIf, {wasm::Value::i32(0)}));
}

TEST(FuelPass, ExhaustionTrapsWithNegativeCounter) {
  Bytes bytes = test::wat(R"((module (func (export "f") (loop (br 0)))))");
  auto metered = inject_fuel(bytes);
  ASSERT_TRUE(metered);
  auto m = wasm::Engine().compile(*metered);
  ASSERT_TRUE(m);
  auto inst = wasm::Linker().instantiate(**m);
  ASSERT_TRUE(inst);
  auto g = (*inst)->global(kFuelExport);
  g->set(wasm::Value::i64(1000));
  auto r = (*inst)->call("f");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, wasm::TrapKind::kUnreachable);
  EXPECT_LT(g->get().i64(), 0);
}

TEST(FuelPass, KeepsExistingGlobalsAndExports) {
  Bytes bytes = test::wat(R"((module
    (import "env" "g" (global i32))
    (global $mine (mut i32) (i32.const 7))
    (func (export "f") (result i32) (global.get $mine))
    (export "mine" (global $mine))))");
  auto metered = inject_fuel(bytes);
  ASSERT_TRUE(metered);
  auto m = wasm::Engine().compile(*metered);
  ASSERT_TRUE(m) << m.error().message();
  wasm::Linker l;
  l.define("env", "g", wasm::Extern::of(std::make_shared<wasm::Global>(wasm::GlobalType{}, wasm::Value::i32(1))));
  auto inst = l.instantiate(**m);
  ASSERT_TRUE(inst) << inst.error().message();
  EXPECT_EQ((*inst)->global("mine")->get().i32(), 7);
  ASSERT_TRUE((*inst)->global(kFuelExport));
  auto r = (*inst)->call("f");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].i32(), 7);
}

TEST(FuelPass, StartSectionBecomesAnExport) {
  Bytes bytes = test::wat(R"((module (func $s) (start $s)))");
  FuelPassStats stats;
  auto metered = inject_fuel(bytes, &stats);
  ASSERT_TRUE(metered);
  auto m = wasm::Engine().compile(*metered);
  ASSERT_TRUE(m);
  EXPECT_TRUE((*m)->export_func_type(kStartExport));
  EXPECT_EQ(stats.functions, 1u);
}

TEST(FuelPass, MalformedInputIsAnErrorNotACrash) {
  Bytes good = test::wat(R"((module (func (export "f") (result i32) (i32.const 1))))");
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    auto r = inject_fuel(ByteView(good.data(), cut));
    if (!r) {
      EXPECT_TRUE(r.error().is(WasiErrc::kInstrument));
    }
  }
  Bytes junk{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_FALSE(inject_fuel(junk));
}

TEST(FuelPass, UnknownInstructionIsReported) {
  // A code section whose body holds 0xfd (SIMD prefix).
  Bytes m{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
          0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type () -> ()
          0x03, 0x02, 0x01, 0x00,              // one function
          0x0a, 0x06, 0x01, 0x04, 0x00, 0xfd, 0x0c, 0x0b};
  auto r = inject_fuel(m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("0xfd"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace wavs::wasi
