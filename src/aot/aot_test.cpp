// The native tier as products use it: WASI programs metered by the fuel pass, compiled by
// the real system C compiler, cached in a real directory, run next to the interpreter.
// Modules are written in the text format and assembled by wabt's wat2wasm.

#include "aot/aot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "aot/error.hpp"
#include "wasm/native_test_support.hpp"

namespace wavs::aot {
namespace {

namespace fs = std::filesystem;

Bytes assemble(const std::string& wat) { return wasm::test::assemble_wat(wat); }

std::string optimization_of_flags(const ToolchainConfig& t) {
  std::string level;
  for (const auto& f : t.flags) {
    if (f.rfind("-O", 0) == 0) level = f;
  }
  return level;
}

// Sums 0..n-1 (n from the first byte of stdin, times 1000), prints "sum=<decimal>\n",
// exits with the sum's low byte. A loop, calls, memory, host calls in and out.
const char kProgram[] = R"(
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $digits (param $v i64) (param $end i32) (result i32)
    (loop $l
      (local.set $end (i32.sub (local.get $end) (i32.const 1)))
      (i64.store8 (local.get $end) (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $l (i64.ne (local.get $v) (i64.const 0))))
    (local.get $end))
  (func (export "_start") (local $n i32) (local $i i32) (local $s i64) (local $p i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 1))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.set $n (i32.mul (i32.load8_u (i32.const 100)) (i32.const 1000)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store8 (i32.const 300) (i32.const 10))
    (local.set $p (call $digits (local.get $s) (i32.const 300)))
    (local.set $p (i32.sub (local.get $p) (i32.const 4)))
    (i32.store (local.get $p) (i32.const 0x3d6d7573))
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (i32.sub (i32.const 301) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $exit (i32.wrap_i64 (i64.and (local.get $s) (i64.const 255)))))
  (func (export "spin") (loop $l (br $l)))
)
)";

class NativeProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wavs-aot-cache-XXXXXX";
    cache_ = mkdtemp(tmpl);
    options_.cache_dir = cache_ / "aot";
    auto p = wasi::prepare(engine_, assemble(kProgram));
    ASSERT_TRUE(p) << p.error().message();
    interp_ = std::move(*p);
  }
  void TearDown() override { fs::remove_all(cache_); }

  static Result<wasi::RunResult> run(const wasi::Program& program, std::uint8_t n, std::optional<std::uint64_t> fuel,
                                     std::string entry = "_start") {
    wasi::RunOptions o;
    o.stdin_bytes = {n};
    o.limits.fuel = fuel;
    o.limits.time = std::chrono::seconds(20);
    o.entry = std::move(entry);
    return wasi::run(program, o);
  }

  wasm::Engine engine_;
  fs::path cache_;
  CompileOptions options_;
  wasi::Program interp_;
};

TEST_F(NativeProgram, SameOutputExitAndFuelAsTheInterpreter) {
  auto native = native_program(interp_, options_);
  ASSERT_TRUE(native) << native.error().message();
  ASSERT_TRUE(native->module->native());
  ASSERT_TRUE(native->metered);
  for (std::uint8_t n : {1, 7, 50}) {
    auto a = run(interp_, n, std::uint64_t{1} << 40);
    auto b = run(*native, n, std::uint64_t{1} << 40);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->stop, wasi::StopReason::kExited);
    EXPECT_EQ(a->stop, b->stop);
    EXPECT_EQ(a->exit_code, b->exit_code);
    EXPECT_EQ(a->stdout_data, b->stdout_data);
    EXPECT_EQ(a->fuel_consumed, b->fuel_consumed) << "n=" << int(n);
    EXPECT_GT(b->fuel_consumed, 1000u * n);
  }
  auto a = run(interp_, 7, std::nullopt);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->stdout_data, "sum=24496500\n");
}

TEST_F(NativeProgram, FuelRunsOutAtTheSameUnit) {
  auto native = native_program(interp_, options_);
  ASSERT_TRUE(native) << native.error().message();
  for (std::uint64_t limit : {100ull, 5000ull, 123457ull}) {
    auto a = run(interp_, 50, limit);
    auto b = run(*native, 50, limit);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->stop, wasi::StopReason::kFuelExhausted);
    EXPECT_EQ(b->stop, wasi::StopReason::kFuelExhausted);
    EXPECT_EQ(a->fuel_consumed, b->fuel_consumed) << limit;
  }
}

TEST_F(NativeProgram, ATimeLimitStopsARunawayLoopInNativeCode) {
  auto native = native_program(interp_, options_);
  ASSERT_TRUE(native) << native.error().message();
  wasi::RunOptions o;
  o.entry = "spin";
  o.limits.time = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  auto r = wasi::run(*native, o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, wasi::StopReason::kTimeLimit);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(NativeProgram, TheSecondCompileComesFromTheCache) {
  auto first = compile(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_FALSE(first->from_cache);
  EXPECT_GT(first->object_bytes, 0u);
  auto second = compile(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_TRUE(second->from_cache);
  auto cached = load_cached(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(cached && *cached);
  // Other options are another entry.
  wasm::NativeOptions other = native_options(interp_);
  other.guard_pages = false;
  auto miss = load_cached(*interp_.module, other, options_);
  ASSERT_TRUE(miss);
  EXPECT_FALSE(*miss);
}

// A module above large_module_bytes is compiled at -O1 (its own cache entry), runs the
// same, and one at or below it keeps the toolchain's level.
TEST_F(NativeProgram, ALargeModuleIsCompiledAtO1AndRunsTheSame) {
  EXPECT_EQ(optimization_of_flags(effective_toolchain(*interp_.module, options_)), "-O2");
  CompileOptions large = options_;
  large.large_module_bytes = 1;  // every module is larger
  const ToolchainConfig t = effective_toolchain(*interp_.module, large);
  EXPECT_EQ(optimization_of_flags(t), "-O1");
  EXPECT_EQ(std::count_if(t.flags.begin(), t.flags.end(), [](const std::string& f) { return f.rfind("-O", 0) == 0; }),
            1);
  large.large_module_bytes = std::size_t{1} << 30;
  EXPECT_EQ(optimization_of_flags(effective_toolchain(*interp_.module, large)), "-O2") << "below the bound";
  large.large_module_bytes = 0;
  EXPECT_EQ(optimization_of_flags(effective_toolchain(*interp_.module, large)), "-O2") << "0: never";
  CompileOptions small_level = options_;
  small_level.large_module_bytes = 1;
  std::replace(small_level.toolchain.flags.begin(), small_level.toolchain.flags.end(), std::string("-O2"),
               std::string("-Os"));
  EXPECT_EQ(optimization_of_flags(effective_toolchain(*interp_.module, small_level)), "-Os") << "as asked";

  large.large_module_bytes = 1;
  auto o1 = compile(*interp_.module, native_options(interp_), large);
  ASSERT_TRUE(o1) << o1.error().message();
  EXPECT_EQ(o1->optimization, "-O1");
  EXPECT_FALSE(o1->from_cache);
  auto o2 = compile(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(o2) << o2.error().message();
  EXPECT_EQ(o2->optimization, "-O2");
  EXPECT_FALSE(o2->from_cache) << "another level is another cache entry";
  auto again = compile(*interp_.module, native_options(interp_), large);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->from_cache);
  EXPECT_EQ(again->optimization, "-O1");

  wasi::Program native = interp_;
  native.module = o1->module;
  auto a = run(interp_, 3, 10'000'000);
  auto b = run(native, 3, 10'000'000);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->stdout_data, b->stdout_data);
  EXPECT_EQ(a->fuel_consumed, b->fuel_consumed);
}

TEST_F(NativeProgram, ATamperedCacheEntryIsRebuiltNotLoaded) {
  ASSERT_TRUE(compile(*interp_.module, native_options(interp_), options_));
  int entries = 0;
  for (const auto& e : fs::directory_iterator(options_.cache_dir)) {
    if (e.path().extension() != ".so") continue;
    ++entries;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');
  }
  ASSERT_EQ(entries, 1);
  auto cached = load_cached(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(cached);
  EXPECT_FALSE(*cached);
  auto again = compile(*interp_.module, native_options(interp_), options_);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_FALSE(again->from_cache);
  auto r = run(wasi::Program{again->module, true, {}}, 3, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stdout_data, "sum=4498500\n");
}

TEST_F(NativeProgram, AMissingCompilerIsAClearError) {
  options_.toolchain.cc = "/nonexistent/cc";
  auto r = native_program(interp_, options_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(AotErrc::kCompilerMissing)) << r.error().message();
}

TEST_F(NativeProgram, TheBackgroundCompilerCallsBackWithTheNativeProgram) {
  std::promise<Result<wasi::Program>> done;
  {
    BackgroundCompiler compiler(options_);
    compiler.submit(std::make_shared<const wasi::Program>(interp_),
                    [&](Result<wasi::Program> r) { done.set_value(std::move(r)); });
    compiler.wait_idle();
    EXPECT_EQ(compiler.pending(), 0u);
  }
  auto r = done.get_future().get();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->module->native());
}

// A daemon's shutdown must not wait for a compile: the destructor kills the compiler.
TEST_F(NativeProgram, DestroyingTheBackgroundCompilerStopsARunningCompile) {
  // A compiler that answers --version at once and then takes far longer than the test.
  const fs::path slow = cache_ / "slow-cc";
  std::ofstream(slow) << "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'slow-cc 1.0'; exit 0; fi\nsleep 60\n";
  fs::permissions(slow, fs::perms::owner_all);
  options_.toolchain.cc = slow.string();
  std::promise<Result<wasi::Program>> done;
  auto future = done.get_future();
  auto t0 = std::chrono::steady_clock::now();
  {
    BackgroundCompiler compiler(options_);
    compiler.submit(std::make_shared<const wasi::Program>(interp_),
                    [&](Result<wasi::Program> r) { done.set_value(std::move(r)); });
    while (compiler.pending() != 0 && future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
           std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  if (future.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
    auto r = future.get();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(AotErrc::kCancelled) || r.error().is(AotErrc::kCompilerMissing)) << r.error().message();
  }
}

TEST(Tier, ParsesItsThreeNames) {
  EXPECT_EQ(*parse_tier("interp"), Tier::kInterpreter);
  EXPECT_EQ(*parse_tier("aot"), Tier::kNative);
  EXPECT_EQ(*parse_tier("auto"), Tier::kAuto);
  auto bad = parse_tier("jit");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("interp, aot or auto"), std::string::npos);
}

}  // namespace
}  // namespace wavs::aot
