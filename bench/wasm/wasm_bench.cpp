// In-process costs of the engine: instantiate + call of a trivial module (the
// per-trigger overhead), with and without a one-page memory.

#include <benchmark/benchmark.h>

#include "wasm/wasm.hpp"

namespace {

using wavs::Bytes;
using namespace wavs::wasm;

// (module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
const Bytes kTrivial = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01,
                        0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00,
                        0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b};
// The same with (memory 1) and a 16-byte data segment.
const Bytes kWithMemory = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
                           0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05, 0x01,
                           0x01, 0x66, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a,
                           0x0b, 0x0b, 0x16, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x10, 'h',  'e',  'l',  'l',  'o',
                           ' ',  'w',  'o',  'r',  'l',  'd',  '!',  '!',  '!',  '!',  '!'};

void instantiate_and_call(benchmark::State& state, const Bytes& wasm) {
  Engine engine;
  auto module = engine.compile(wasm);
  if (!module) {
    state.SkipWithError(module.error().message().c_str());
    return;
  }
  Linker linker;
  const Value args[] = {Value::i32(41)};
  for (auto _ : state) {
    auto instance = linker.instantiate(**module);
    auto r = (*instance)->call("f", args);
    benchmark::DoNotOptimize(r);
  }
}

void BM_InstantiateCallTrivial(benchmark::State& state) { instantiate_and_call(state, kTrivial); }
void BM_InstantiateCallWithMemory(benchmark::State& state) { instantiate_and_call(state, kWithMemory); }

void BM_CallOnly(benchmark::State& state) {
  Engine engine;
  auto module = engine.compile(kTrivial);
  Linker linker;
  auto instance = linker.instantiate(**module);
  Func f = (*instance)->func("f");
  const Value args[] = {Value::i32(41)};
  for (auto _ : state) benchmark::DoNotOptimize(f.call(args));
}

void BM_Compile(benchmark::State& state) {
  Engine engine;
  for (auto _ : state) benchmark::DoNotOptimize(engine.compile(kTrivial));
}

BENCHMARK(BM_InstantiateCallTrivial);
BENCHMARK(BM_InstantiateCallWithMemory);
BENCHMARK(BM_CallOnly);
BENCHMARK(BM_Compile);

}  // namespace

BENCHMARK_MAIN();
