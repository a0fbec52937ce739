// End-to-end cost of a trivial WASI command in-process: instantiate (with all 46 WASI
// imports linked), feed stdin, run _start, collect stdout. The per-trigger overhead a
// component pays before its own work.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "wasi/run.hpp"
#include "wasi/test_support.hpp"

namespace {

using namespace wavs;

// Reads up to 64 bytes of stdin and writes them back to stdout.
constexpr const char* kEcho = R"((module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))";

void run_command(benchmark::State& state, const Bytes& wasm, bool fuel, bool time_limit) {
  auto program = wasi::prepare(wasm::Engine(), wasm, fuel);
  if (!program) {
    state.SkipWithError(program.error().message().c_str());
    return;
  }
  wasi::RunOptions opts;
  opts.args = {"echo"};
  opts.stdin_bytes = Bytes{'{', '"', 'x', '"', ':', '1', '}', '\n'};
  if (time_limit) opts.limits.time = std::chrono::seconds(10);
  for (auto _ : state) {
    auto r = wasi::run(*program, opts);
    if (!r || r->stop != wasi::StopReason::kExited) {
      state.SkipWithError("run failed");
      return;
    }
    benchmark::DoNotOptimize(r->stdout_data);
  }
}

void BM_TrivialCommand(benchmark::State& state) { run_command(state, wasi::test::wat(kEcho), false, false); }
void BM_TrivialCommandFuel(benchmark::State& state) { run_command(state, wasi::test::wat(kEcho), true, false); }
void BM_TrivialCommandFuelTimeLimit(benchmark::State& state) {
  run_command(state, wasi::test::wat(kEcho), true, true);
}

// The C hello world of tests/wasi (wasi-libc start-up, printf, 144 KB module).
void BM_CHello(benchmark::State& state) {
  const char* dir = std::getenv("WAVS_BINARY_DIR");
  std::filesystem::path p = std::filesystem::path(dir ? dir : "build/release") / "tests/wasi/guests/c_hello.wasm";
  Bytes wasm = wasi::test::read_file(p);
  if (wasm.empty()) {
    state.SkipWithError("tests/wasi/guests/c_hello.wasm not built (set WAVS_BINARY_DIR)");
    return;
  }
  run_command(state, wasm, true, true);
}

void BM_PrepareTrivial(benchmark::State& state) {
  Bytes wasm = wasi::test::wat(kEcho);
  wasm::Engine engine;
  for (auto _ : state) benchmark::DoNotOptimize(wasi::prepare(engine, wasm));
}

}  // namespace

BENCHMARK(BM_TrivialCommand)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrivialCommandFuel)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrivialCommandFuelTimeLimit)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CHello)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrepareTrivial)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
