#include "wasi/run.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "wasi/error.hpp"
#include "wasi/test_support.hpp"

namespace wavs::wasi {
namespace {

using namespace std::chrono_literals;

const char* kHello = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
)";

Program load(std::string_view text, bool meter = true) {
  Bytes bytes = test::wat(text);
  EXPECT_FALSE(bytes.empty()) << text;
  auto p = prepare(wasm::Engine(), bytes, meter);
  EXPECT_TRUE(p) << p.error().message();
  return p ? std::move(*p) : Program{};
}

// Spins forever: `loop br 0`.
const char* kSpin = R"((module (memory (export "memory") 1) (func (export "_start") (loop br 0))))";

// Asks poll_oneoff for an hour's sleep on the monotonic clock.
const char* kSleepAnHour = R"((module
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.const 3600000000000))
      (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))))))";

// After each hostile guest: the host can still run an ordinary one.
void expect_host_healthy() {
  static const Program kProgram = load(kHello);
  auto r = run(kProgram, RunOptions{});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kExited);
  EXPECT_EQ(r->stdout_data, "hello\n");
}

TEST(Run, HelloCapturesOutputAndReportsStats) {
  Program p = load(kHello);
  auto r = run(p, RunOptions{});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kExited);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_data, "hello\n");
  EXPECT_GT(r->fuel_consumed, 0u);
  EXPECT_EQ(r->peak_memory_bytes, 65536u);
  EXPECT_EQ(r->summary(), "exit 0");
}

TEST(Run, ProcExitCodeIsTheExitCode) {
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 42)) unreachable)))");
  auto r = run(p, RunOptions{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kExited);
  EXPECT_EQ(r->exit_code, 42);
}

TEST(Hostile, InfiniteLoopStoppedByTimeLimit) {
  Program p = load(kSpin, false);
  RunOptions o;
  o.limits.time = 1s;
  auto t0 = std::chrono::steady_clock::now();
  auto r = run(p, o);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTimeLimit);
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 1500ms);
  expect_host_healthy();
}

TEST(Run, TimeLimitNeedsInterruptionChecks) {
  // Without the checks nothing could stop the guest when the deadline passes.
  wasm::EngineConfig config;
  config.interruptible = false;
  Bytes bytes = test::wat(R"((module (memory (export "memory") 1) (func (export "_start"))))");
  auto p = prepare(wasm::Engine(config), bytes);
  ASSERT_TRUE(p) << p.error().message();
  RunOptions o;
  o.limits.time = 1s;
  auto r = run(*p, o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasiErrc::kBadOption)) << r.error().message();
  o.limits.time.reset();
  r = run(*p, o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kExited);
}

TEST(Hostile, SleepingGuestStoppedByTimeLimit) {
  Program p = load(kSleepAnHour);
  RunOptions o;
  o.limits.time = 200ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTimeLimit);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

// RunOptions::cancel: the daemon's shutdown (or a removed service) ends a run that has
// no time limit at all, whether it spins or sleeps in the host.
TEST(Cancel, StopRequestEndsASpinningGuest) {
  Program p = load(kSpin, false);
  std::stop_source source;
  RunOptions o;
  o.cancel = source.get_token();
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    source.request_stop();
  });
  auto r = run(p, o);
  canceller.join();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kCancelled);
  EXPECT_EQ(r->summary().rfind("cancelled after ", 0), 0u) << r->summary();
  expect_host_healthy();
}

TEST(Cancel, StopRequestedBeforeTheRunStopsItAtOnce) {
  Program p = load(kSpin);
  std::stop_source source;
  source.request_stop();
  RunOptions o;
  o.cancel = source.get_token();
  auto r = run(p, o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kCancelled);
}

TEST(Cancel, StopRequestWakesASleepingGuest) {
  Program p = load(kSleepAnHour);
  std::stop_source source;
  RunOptions o;
  o.cancel = source.get_token();
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    source.request_stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = run(p, o);
  canceller.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);  // not the hour it asked for
}

TEST(Cancel, AnUnstoppableModuleRefusesAToken) {
  wasm::EngineConfig config;
  config.interruptible = false;
  auto p = prepare(wasm::Engine(config), test::wat(R"((module (memory (export "memory") 1) (func (export "_start"))))"));
  ASSERT_TRUE(p) << p.error().message();
  std::stop_source source;
  RunOptions o;
  o.cancel = source.get_token();
  auto r = run(*p, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("cancellation needs"), std::string::npos) << r.error().message();
}

TEST(Hostile, FuelExhaustionIsDeterministic) {
  Program p = load(R"((module (memory (export "memory") 1)
    (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "_start") (local i32)
      (loop (local.set 0 (call $f (local.get 0))) (br 0)))))");
  RunOptions o;
  o.limits.fuel = 100'000;
  auto first = run(p, o);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->stop, StopReason::kFuelExhausted);
  EXPECT_GE(first->fuel_consumed, 100'000u);
  for (int i = 0; i < 100; ++i) {
    auto r = run(p, o);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->stop, StopReason::kFuelExhausted);
    ASSERT_EQ(r->fuel_consumed, first->fuel_consumed) << "run " << i;
  }
  expect_host_healthy();
}

TEST(Run, FusedAndPlainMeteringCountAlike) {
  // Calls, a loop, branches: the engine fuses the pass's sequences (wasm/code.hpp) or
  // runs them as written; both must stop at the same point with the same count.
  Bytes bytes = test::wat(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func $fib (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "_start") (local i32 i32)
      (loop
        (local.set 1 (i32.add (local.get 1) (call $fib (local.get 0))))
        (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 15))))
      (call $exit (i32.and (local.get 1) (i32.const 127))))))");
  ASSERT_FALSE(bytes.empty());
  auto fused = prepare(wasm::Engine(), bytes);
  auto plain = prepare(wasm::Engine(wasm::EngineConfig{false}), bytes);
  ASSERT_TRUE(fused && plain);
  RunOptions o;
  auto full = run(*fused, o);
  ASSERT_TRUE(full);
  ASSERT_EQ(full->stop, StopReason::kExited);
  const std::uint64_t need = full->fuel_consumed;
  ASSERT_GT(need, 1000u);
  for (std::uint64_t budget : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7}, need / 3, need / 2 + 1, need - 1,
                               need, need + 1}) {
    o.limits.fuel = budget;
    auto a = run(*fused, o);
    auto b = run(*plain, o);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->stop, b->stop) << "budget " << budget;
    EXPECT_EQ(a->fuel_consumed, b->fuel_consumed) << "budget " << budget;
    EXPECT_EQ(a->exit_code, b->exit_code) << "budget " << budget;
    EXPECT_EQ(a->stop, budget >= need ? StopReason::kExited : StopReason::kFuelExhausted) << "budget " << budget;
    if (a->stop == StopReason::kFuelExhausted) {
      // Fused, the check itself names the cause; plain, it is the pass's `unreachable`
      // (or, overdrawn after the last check, the runner's own verdict).
      ASSERT_TRUE(a->trap && b->trap);
      EXPECT_EQ(a->trap->kind, wasm::TrapKind::kFuelExhausted) << "budget " << budget;
      EXPECT_EQ(a->trap->message, "fuel exhausted");
      EXPECT_TRUE(b->trap->kind == wasm::TrapKind::kUnreachable || b->trap->kind == wasm::TrapKind::kFuelExhausted);
      if (budget == 0) {
        EXPECT_EQ(b->trap->kind, wasm::TrapKind::kUnreachable);
      }
    }
  }
}

TEST(Run, PrepareNamesTheFuelCounterOnlyWhenMetering) {
  // Unmetered there is no counter: an `unreachable` stays a trap whatever the module
  // looks like, even a lookalike of the pass's check on its own exported global.
  Program p = load(R"((module (memory (export "memory") 1)
    (global $g (export "__wavs_fuel") (mut i64) (i64.const -1))
    (func (export "_start") (if (i64.lt_s (global.get $g) (i64.const 0)) (then unreachable)))))",
                   false);
  auto r = run(p, RunOptions{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTrap);
  EXPECT_EQ(r->trap->kind, wasm::TrapKind::kUnreachable);
}

TEST(Hostile, GuestUnreachableIsATrapNotFuel) {
  Program p = load(R"((module (memory (export "memory") 1) (func (export "_start") unreachable)))");
  RunOptions o;
  o.limits.fuel = 1000;
  auto r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTrap);
  EXPECT_EQ(r->trap->kind, wasm::TrapKind::kUnreachable);
}

TEST(Hostile, MemoryGrowPastTheCapFails) {
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (call $exit (i32.add (i32.const 100) (memory.grow (i32.const 16)))))))");
  RunOptions o;
  o.limits.max_memory_bytes = 8 * 65536;
  auto r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 99) << "memory.grow must return -1";
  EXPECT_EQ(r->peak_memory_bytes, 65536u);
  EXPECT_TRUE(r->memory_cap_hit);
  EXPECT_EQ(r->summary(), "exit 99; memory limit reached");
  o.limits.max_memory_bytes = 17 * 65536;
  r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 101);
  EXPECT_EQ(r->peak_memory_bytes, 17u * 65536u);
  EXPECT_FALSE(r->memory_cap_hit);
  EXPECT_EQ(r->summary(), "exit 101");
  expect_host_healthy();
}

TEST(Hostile, MemoryGrowPastItsOwnMaximumIsNotTheCap) {
  // (memory 1 4): growing by 8 fails because of the module, whatever the cap; by 2 it
  // fails only because of a cap of 2 pages. A failed grow that the guest then traps on
  // is still reported as the memory limit.
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1 4)
    (func (export "_start")
      (if (i32.lt_s (memory.grow (i32.const 8)) (i32.const 0)) (then nop) (else unreachable))
      (call $exit (i32.add (i32.const 100) (memory.grow (i32.const 2)))))))");
  RunOptions o;
  auto r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 101);
  EXPECT_FALSE(r->memory_cap_hit);
  o.limits.max_memory_bytes = 2 * 65536;
  r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 99);
  EXPECT_TRUE(r->memory_cap_hit);
  Program trapping = load(R"((module (memory (export "memory") 1)
    (func (export "_start") (if (i32.lt_s (memory.grow (i32.const 4)) (i32.const 0)) (then unreachable)))))");
  r = run(trapping, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTrap);
  EXPECT_TRUE(r->memory_cap_hit);
  EXPECT_EQ(r->summary(), "trap: unreachable; memory limit reached");
}

TEST(Hostile, MemoryDeclaredPastTheCapFailsInstantiation) {
  Program p = load(R"((module (memory (export "memory") 32)
    (data (i32.const 2000000) "x") (func (export "_start"))))");
  RunOptions o;
  o.limits.max_memory_bytes = 16 * 65536;
  auto r = run(p, o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasiErrc::kMemoryLimit)) << r.error().message();
  EXPECT_NE(r.error().detail().find("memory of 32 pages exceeds the limit of 16 pages"), std::string::npos)
      << r.error().detail();
  expect_host_healthy();
}

TEST(Hostile, DataSegmentPastMemoryFailsInstantiation) {
  Program p = load(R"((module (memory (export "memory") 1)
    (data (i32.const 65535) "xy") (func (export "_start"))))");
  auto r = run(p, RunOptions{});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(wasm::WasmErrc::kUninstantiable)) << r.error().message();
}

TEST(Hostile, UnboundedRecursionTraps) {
  Program p = load(R"((module (memory (export "memory") 1)
    (func $r (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1))))
    (func (export "_start") (drop (call $r (i32.const 0))))))");
  auto r = run(p, RunOptions{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTrap);
  EXPECT_EQ(r->trap->message, "call stack exhausted");
  expect_host_healthy();
}

TEST(Hostile, HundredMegabytesOfStdoutAreCut) {
  // 100 MiB as 1,600 writes of one 64 KiB page.
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 2)
    (func (export "_start") (local i32)
      (memory.fill (i32.const 65536) (i32.const 65) (i32.const 65536))
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 65536))
      (loop
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (br_if 0 (i32.lt_u (local.get 0) (i32.const 1600)))))))");
  RunOptions o;
  o.limits.max_stdout_bytes = 1 << 20;
  auto r = run(p, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kExited);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_EQ(r->stdout_data.size(), (1u << 20) + OutputSink::marker(1 << 20).size());
  expect_host_healthy();
}

TEST(Hostile, UnknownImportFailsToLinkNamingIt) {
  Program p = load(R"((module (import "env" "launch_missiles" (func (param i32)))
    (memory (export "memory") 1) (func (export "_start"))))");
  auto r = run(p, RunOptions{});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(wasm::WasmErrc::kUnlinkable));
  EXPECT_NE(r.error().message().find("launch_missiles"), std::string::npos) << r.error().message();
}

TEST(Hostile, DeepTableIsCapped) {
  Program p = load(R"((module (memory (export "memory") 1) (table 2000000 funcref) (func (export "_start"))))");
  RunOptions o;
  o.limits.max_table_elements = 1000;
  auto r = run(p, o);
  EXPECT_FALSE(r);
}

TEST(Run, ExtraHostImportsAreLinked) {
  Program p = load(R"((module (import "wavs" "answer" (func $a (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1) (func (export "_start") (call $exit (call $a)))))");
  RunOptions o;
  o.link_imports = [](wasm::Linker& l) {
    l.define_func("wavs", "answer", {{}, {wasm::ValType::kI32}},
                  [](wasm::Caller&, std::span<const wasm::Value>, std::span<wasm::Value> out) -> std::optional<wasm::Trap> {
                    out[0] = wasm::Value::i32(42);
                    return std::nullopt;
                  });
  };
  auto r = run(p, o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 42);
}

TEST(Run, MissingStartIsNoEntry) {
  Program p = load(R"((module (memory (export "memory") 1)))");
  auto r = run(p, RunOptions{});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(WasiErrc::kNoEntry));
}

TEST(Run, StartSectionRunsMeteredBeforeEntry) {
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1) (global $g (mut i32) (i32.const 0))
    (func $init (global.set $g (i32.const 5)))
    (start $init)
    (func (export "_start") (call $exit (global.get $g)))))");
  auto r = run(p, RunOptions{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 5);
}

TEST(RunLimits, WithinTakesTheTighterOfEach) {
  RunLimits workflow;
  workflow.fuel = 1000;
  workflow.max_memory_bytes = 1 << 20;
  RunLimits node;
  node.fuel = 500;
  node.time = std::chrono::seconds(2);
  node.max_memory_bytes = 1 << 30;
  RunLimits r = workflow.within(node);
  EXPECT_EQ(r.fuel, 500u);
  EXPECT_EQ(r.time, std::chrono::microseconds(2'000'000));
  EXPECT_EQ(r.max_memory_bytes, 1u << 20);
}

}  // namespace
}  // namespace wavs::wasi

namespace wavs::wasi {
namespace {

// Runs share one linker whose functions find their context through the calling
// thread: concurrent runs must each see only their own stdin and stdout.
TEST(Run, ConcurrentRunsKeepTheirOwnContexts) {
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 64))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (i32.store (i32.const 4) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        RunOptions o;
        std::string in = "thread " + std::to_string(t) + " run " + std::to_string(i);
        o.stdin_bytes = Bytes(in.begin(), in.end());
        auto r = run(p, o);
        if (!r || r->stdout_data != in) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(WasiContext, ActiveLinkerWithoutContextTraps) {
  wasm::Linker l;
  WasiContext::link_active(l);
  Bytes b = test::wat(R"((module
    (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
    (func (export "f") (result i32) (call $y))))");
  auto m = wasm::Engine().compile(b);
  ASSERT_TRUE(m);
  auto inst = l.instantiate(**m);
  ASSERT_TRUE(inst);
  auto r = (*inst)->call("f");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, wasm::TrapKind::kHost);
}

}  // namespace
}  // namespace wavs::wasi

namespace wavs::wasi {
namespace {

TEST(ComponentEnv, OnlyPrefixedAndListedVariables) {
  EnvList host = {{"HOME", "/root"}, {"WAVS_ENV_API_KEY", "k"}, {"WAVS_ENV_OTHER", "o"}, {"WAVS_ENV_", "bare"}};
  EnvList got = component_env(host, {"WAVS_ENV_API_KEY", "HOME", "WAVS_ENV_MISSING", "WAVS_ENV_"});
  EXPECT_EQ(got, (EnvList{{"WAVS_ENV_API_KEY", "k"}}));
  EXPECT_TRUE(component_env(host, {}).empty());
}

}  // namespace
}  // namespace wavs::wasi

namespace wavs::wasi {
namespace {

// A guest blocked reading a host stdin that never delivers (wavs run on a terminal)
// is still stopped by the wall-clock limit.
TEST(Hostile, BlockedHostStdinStoppedByTimeLimit) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  Program p = load(R"((module
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 64))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))))))");
  RunOptions o;
  o.stdin_host_fd = fds[0];
  o.limits.time = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  auto r = run(p, o);
  auto took = std::chrono::steady_clock::now() - t0;
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stop, StopReason::kTimeLimit);
  EXPECT_LT(took, std::chrono::seconds(2));
}

}  // namespace
}  // namespace wavs::wasi
