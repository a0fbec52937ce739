// The component layer's costs, each next to a baseline measured in the same run:
//   - per trigger: component::execute of a trivial component against wasi::run of the
//     same module with its respond replaced by a 4-byte fd_write (same limits), plus the
//     parts the difference is made of (TriggerAction JSON, HostRun, the linker copy);
//   - per host call: wavs_v1.config_var against WASI clock_time_get in the same loop;
//   - the key-value store on a real SQLite file, directly and through kv_increment;
//   - the example components of the build, executed and loaded;
//   - the trigger codec on the SDK's evm_contract_event document.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "component/host.hpp"
#include "component/kv_store.hpp"
#include "component/runner.hpp"
#include "component/trigger.hpp"
#include "wasi/run.hpp"
#include "wasi/test_support.hpp"
#include "wasi/wasi.hpp"

namespace {

using namespace wavs;

constexpr int kHostCalls = 10'000;  // wavs_v1 or WASI calls in one run of the loop modules
constexpr int kKvIncrements = 100;  // kv_increment calls in one run of the KV component

std::filesystem::path source_dir() {
  const char* dir = std::getenv("WAVS_SOURCE_DIR");
  return dir ? dir : WAVS_BENCH_SOURCE_DIR;
}
std::filesystem::path binary_dir() {
  const char* dir = std::getenv("WAVS_BINARY_DIR");
  return dir ? dir : WAVS_BENCH_BINARY_DIR;
}

Hash256 bench_service_id() {
  Hash256 id;
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0xa0 + i);
  return id;
}

// abi.encode(uint64 7): what square-c expects, and 32 bytes for the echo components.
component::TriggerAction raw_action() {
  component::TriggerAction action;
  action.service_id = bench_service_id();
  Bytes data(32, 0);
  data.back() = 7;
  action.data = component::Raw{std::move(data)};
  return action;
}

component::WorkflowContext workflow_for(const component::TriggerAction& action) {
  component::WorkflowContext workflow;
  workflow.service_id = action.service_id;
  workflow.workflow_id = action.workflow_id;
  workflow.component.config = {{"k", "value-01"}};
  return workflow;
}

component::HostServices quiet_services() {
  component::HostServices services;
  // Guest logs would go to the process log (the console here) and time the terminal.
  services.log_to_host = false;
  return services;
}

// Reads stdin to its end, then emits 4 bytes: through wavs_v1.respond (the component)
// or as an fd_write to stdout (the baseline), and returns from _start (exit 0).
std::string trivial_wat(bool component) {
  const std::string emit_import =
      component
          ? R"W((import "wavs_v1" "respond" (func $emit (param i32 i32 i64 i32 i32 i32) (result i32))))W"
          : R"W((import "wasi_snapshot_preview1" "fd_write" (func $emit (param i32 i32 i32 i32) (result i32))))W";
  const std::string emit_call =
      component ? "(call $emit (i32.const 16) (i32.const 4) (i64.const 0) (i32.const 0) (i32.const 0) "
                  "(i32.const 0))"
                : "(call $emit (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40))";
  return R"W((module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  )W" + emit_import +
         R"W(
  (memory (export "memory") 1)
  (data (i32.const 16) "\2a\00\00\00")
  (data (i32.const 32) "\10\00\00\00\04\00\00\00")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (block $eof
      (loop $more
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $more (i32.load (i32.const 8)))))
    (if )W" +
         emit_call + R"W( (then unreachable))))
)W";
}

// `count` iterations of `body` (which traps when a call did not give what it should).
std::string loop_wat(std::string_view imports, std::string_view data, std::string_view body, int count) {
  return "(module\n" + std::string(imports) + "\n(memory (export \"memory\") 1)\n" + std::string(data) +
         "\n(func (export \"_start\") (local $i i32)\n"
         "  (local.set $i (i32.const " +
         std::to_string(count) +
         "))\n"
         "  (loop $next\n    " +
         std::string(body) +
         "\n    (local.set $i (i32.sub (local.get $i) (i32.const 1)))\n"
         "    (br_if $next (local.get $i)))))\n";
}

// config_var("k") into a 64-byte buffer; the value is 8 bytes.
std::string config_var_loop_wat() {
  return loop_wat(
      R"W((import "wavs_v1" "config_var" (func $cv (param i32 i32 i32 i32) (result i64))))W",
      R"W((data (i32.const 0) "k"))W",
      "(if (i64.ne (call $cv (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 64)) (i64.const 8))"
      " (then unreachable))",
      kHostCalls);
}

// clock_time_get(monotonic, precision 1) into offset 64.
std::string clock_loop_wat() {
  return loop_wat(
      R"W((import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32))))W",
      "", "(if (call $clock (i32.const 1) (i64.const 1) (i32.const 64)) (then unreachable))", kHostCalls);
}

std::string empty_loop_wat() { return loop_wat("", "", "(nop)", kHostCalls); }

// kv_increment("bench", "counter", 1) into offset 32.
std::string kv_increment_loop_wat() {
  return loop_wat(
      R"W((import "wavs_v1" "kv_increment" (func $inc (param i32 i32 i32 i32 i64 i32) (result i32))))W",
      R"W((data (i32.const 0) "bench") (data (i32.const 16) "counter"))W",
      "(if (call $inc (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 7) (i64.const 1) (i32.const 32))"
      " (then unreachable))",
      kKvIncrements);
}

Bytes assemble(benchmark::State& state, const std::string& wat) {
  Bytes wasm = wasi::test::wat(wat);
  if (wasm.empty()) state.SkipWithError("wat2wasm failed (is it on PATH?)");
  return wasm;
}

std::optional<wasi::Program> load_component(benchmark::State& state, ByteView wasm) {
  auto program = component::load(wasm::Engine(), wasm);
  if (!program) {
    state.SkipWithError(program.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*program);
}

// One execute() per iteration; every run must succeed with `responses` responses and
// `host_calls` wavs_v1 calls (when given). Returns the fuel of the last run.
std::uint64_t execute_loop(benchmark::State& state, const wasi::Program& program,
                           const component::TriggerAction& action, const component::HostServices& services,
                           std::size_t responses, std::optional<std::uint32_t> host_calls = std::nullopt) {
  const auto workflow = workflow_for(action);
  std::uint64_t fuel = 0;
  for (auto _ : state) {
    auto r = component::execute(program, action, workflow, services);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      return 0;
    }
    if (!r->ok() || r->responses.size() != responses || (host_calls && r->host_calls != *host_calls)) {
      state.SkipWithError(("unexpected run: " + r->error + " " + r->stderr_data).c_str());
      return 0;
    }
    fuel = r->fuel_consumed;
    benchmark::DoNotOptimize(r->responses);
  }
  return fuel;
}

void per_call_counters(benchmark::State& state, int calls_per_iteration) {
  state.SetItemsProcessed(state.iterations() * calls_per_iteration);
  state.counters["per_call"] = benchmark::Counter(
      calls_per_iteration, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- 1. per-trigger overhead ----------------------------------------------------------

void BM_TrivialComponentExecute(benchmark::State& state) {
  Bytes wasm = assemble(state, trivial_wat(true));
  if (wasm.empty()) return;
  auto program = load_component(state, wasm);
  if (!program) return;
  state.counters["fuel"] =
      static_cast<double>(execute_loop(state, *program, raw_action(), quiet_services(), 1));
}

// The baseline: the same module through the sandbox alone, with the stdin document
// made once and the limits execute() would apply.
void trivial_wasi_run(benchmark::State& state, bool empty_link_imports) {
  Bytes wasm = assemble(state, trivial_wat(false));
  if (wasm.empty()) return;
  auto program = wasi::prepare(wasm::Engine(), wasm, /*meter_fuel=*/true);
  if (!program) {
    state.SkipWithError(program.error().message().c_str());
    return;
  }
  const std::string input = component::to_json(raw_action());
  wasi::RunOptions opts;
  opts.args = {"component"};
  opts.stdin_bytes.assign(input.begin(), input.end());
  opts.limits = component::HostServices::default_caps();
  if (empty_link_imports) opts.link_imports = [](wasm::Linker&) {};
  for (auto _ : state) {
    auto r = wasi::run(*program, opts);
    if (!r || r->stop != wasi::StopReason::kExited || r->exit_code != 0 || r->stdout_data.size() != 4) {
      state.SkipWithError("run failed");
      return;
    }
    benchmark::DoNotOptimize(r->stdout_data);
  }
}
void BM_TrivialWasiRunBaseline(benchmark::State& state) { trivial_wasi_run(state, false); }
// The baseline plus a private copy of the WASI linker, as any run with extra imports makes.
void BM_TrivialWasiRunLinkerCopy(benchmark::State& state) { trivial_wasi_run(state, true); }

// The parts execute() adds, one at a time.
void BM_PartToJsonRaw(benchmark::State& state) {
  const auto action = raw_action();
  for (auto _ : state) benchmark::DoNotOptimize(component::to_json(action));
}

void BM_PartHostRunCreate(benchmark::State& state) {
  const auto action = raw_action();
  const auto workflow = workflow_for(action);
  const auto services = quiet_services();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (auto _ : state) {
    auto host = component::HostRun::create(action, workflow, services, deadline);
    if (!host) {
      state.SkipWithError(host.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(host->calls());
  }
}

void BM_PartWasiLinkerCopy(benchmark::State& state) {
  wasm::Linker wasi_linker;
  wasi::WasiContext::link_active(wasi_linker);
  for (auto _ : state) {
    wasm::Linker copy(wasi_linker);
    benchmark::DoNotOptimize(&copy);
  }
}

void BM_PartWasiLinkerCopyAndLinkWavs(benchmark::State& state) {
  const auto action = raw_action();
  const auto workflow = workflow_for(action);
  const auto services = quiet_services();
  auto host =
      component::HostRun::create(action, workflow, services, std::chrono::steady_clock::time_point::max());
  if (!host) {
    state.SkipWithError(host.error().message().c_str());
    return;
  }
  wasm::Linker wasi_linker;
  wasi::WasiContext::link_active(wasi_linker);
  for (auto _ : state) {
    wasm::Linker copy(wasi_linker);
    host->link(copy);
    benchmark::DoNotOptimize(&copy);
  }
}

// ---- 2. host call cost ----------------------------------------------------------------

void host_call_loop(benchmark::State& state, const std::string& wat,
                    std::optional<std::uint32_t> wavs_calls) {
  Bytes wasm = assemble(state, wat);
  if (wasm.empty()) return;
  auto program = load_component(state, wasm);
  if (!program) return;
  execute_loop(state, *program, raw_action(), quiet_services(), 0, wavs_calls);
  per_call_counters(state, kHostCalls);
}
void BM_HostCallConfigVar(benchmark::State& state) {
  host_call_loop(state, config_var_loop_wat(), kHostCalls);
}
void BM_HostCallClockTimeGetBaseline(benchmark::State& state) { host_call_loop(state, clock_loop_wat(), 0); }
// The loop and the run without any call, to subtract.
void BM_HostCallEmptyLoop(benchmark::State& state) { host_call_loop(state, empty_loop_wat(), 0); }

// ---- 3. key-value store ---------------------------------------------------------------
// Timed on the wall clock (UseRealTime): every write commits with synchronous=FULL, and
// the fsync it waits for is the cost, not CPU.

struct KvFixture {
  wasi::test::TempDir dir;
  std::unique_ptr<component::KvStore> store;
  Hash256 service = bench_service_id();

  explicit KvFixture(benchmark::State& state) {
    auto opened = component::KvStore::open(dir.path() / "kv.sqlite");
    if (!opened) {
      state.SkipWithError(opened.error().message().c_str());
      return;
    }
    store = std::move(*opened);
  }
};

ByteView text_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void BM_KvStoreIncrement(benchmark::State& state) {
  KvFixture kv(state);
  if (!kv.store) return;
  for (auto _ : state) {
    auto n = kv.store->increment(kv.service.view(), "bench", text_bytes("counter"), 1);
    if (!n) {
      state.SkipWithError(n.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(*n);
  }
}

// 100-byte values over 1000 keys, so the table stays small and each call replaces a row
// once the keys have been made.
void BM_KvStoreSet(benchmark::State& state) {
  KvFixture kv(state);
  if (!kv.store) return;
  const Bytes value(100, 0x5a);
  std::uint32_t i = 0;
  for (auto _ : state) {
    const std::string key = "key-" + std::to_string(i++ % 1000);
    auto done = kv.store->set(kv.service.view(), "bench", text_bytes(key), value);
    if (!done) {
      state.SkipWithError(done.error().message().c_str());
      return;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(value.size()));
}

void BM_KvStoreGet(benchmark::State& state) {
  KvFixture kv(state);
  if (!kv.store) return;
  const Bytes value(100, 0x5a);
  if (auto done = kv.store->set(kv.service.view(), "bench", text_bytes("key"), value); !done) {
    state.SkipWithError(done.error().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto got = kv.store->get(kv.service.view(), "bench", text_bytes("key"));
    if (!got || !*got || (*got)->size() != value.size()) {
      state.SkipWithError("get failed");
      return;
    }
    benchmark::DoNotOptimize(**got);
  }
}

// kv_increment from a guest: one run makes kKvIncrements calls; per_call is per increment.
void BM_KvIncrementComponent(benchmark::State& state) {
  KvFixture kv(state);
  if (!kv.store) return;
  Bytes wasm = assemble(state, kv_increment_loop_wat());
  if (wasm.empty()) return;
  auto program = load_component(state, wasm);
  if (!program) return;
  auto services = quiet_services();
  services.kv = kv.store.get();
  execute_loop(state, *program, raw_action(), services, 0, kKvIncrements);
  per_call_counters(state, kKvIncrements);
}

// ---- 4. the example components --------------------------------------------------------

Bytes example_wasm(benchmark::State& state, const std::string& name) {
  const auto path = binary_dir() / "examples" / (name + ".wasm");
  Bytes wasm = wasi::test::read_file(path);
  if (wasm.empty()) state.SkipWithError((path.string() + " not built (set WAVS_BINARY_DIR)").c_str());
  return wasm;
}

void BM_ExampleExecute(benchmark::State& state, const std::string& name) {
  Bytes wasm = example_wasm(state, name);
  if (wasm.empty()) return;
  auto program = load_component(state, wasm);
  if (!program) return;
  const std::uint64_t fuel = execute_loop(state, *program, raw_action(), quiet_services(), 1);
  state.counters["module_kb"] = static_cast<double>(wasm.size()) / 1024.0;
  state.counters["fuel"] = static_cast<double>(fuel);
}

void BM_ExampleLoad(benchmark::State& state, const std::string& name) {
  Bytes wasm = example_wasm(state, name);
  if (wasm.empty()) return;
  wasm::Engine engine;
  for (auto _ : state) {
    auto program = component::load(engine, wasm);
    if (!program) {
      state.SkipWithError(program.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(program->module);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wasm.size()));
}

// The baselines of load(): the sandbox's own preparation (fuel pass + one compile), and
// a plain compile of the original module.
void BM_ExamplePrepareBaseline(benchmark::State& state, const std::string& name) {
  Bytes wasm = example_wasm(state, name);
  if (wasm.empty()) return;
  wasm::Engine engine;
  for (auto _ : state) {
    auto program = wasi::prepare(engine, wasm, /*meter_fuel=*/true);
    if (!program) {
      state.SkipWithError(program.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(program->module);
  }
}

void BM_ExampleCompileOnly(benchmark::State& state, const std::string& name) {
  Bytes wasm = example_wasm(state, name);
  if (wasm.empty()) return;
  wasm::Engine engine;
  for (auto _ : state) {
    auto module = engine.compile(wasm);
    if (!module) {
      state.SkipWithError(module.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(*module);
  }
}

// ---- 5. the trigger codec -------------------------------------------------------------

std::string evm_event_document(benchmark::State& state) {
  const auto path = source_dir() / "sdk/tests/triggers/evm_contract_event.json";
  Bytes text = wasi::test::read_file(path);
  if (text.empty()) state.SkipWithError((path.string() + " not found (set WAVS_SOURCE_DIR)").c_str());
  return {text.begin(), text.end()};
}

std::optional<component::TriggerAction> evm_event_action(benchmark::State& state) {
  const std::string text = evm_event_document(state);
  if (text.empty()) return std::nullopt;
  auto action = component::parse_trigger_action(text);
  if (!action) {
    state.SkipWithError(action.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*action);
}

void BM_ParseTriggerActionEvm(benchmark::State& state) {
  const std::string text = evm_event_document(state);
  if (text.empty()) return;
  for (auto _ : state) {
    auto action = component::parse_trigger_action(text);
    if (!action) {
      state.SkipWithError(action.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(action->data);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_ToJsonEvm(benchmark::State& state) {
  auto action = evm_event_action(state);
  if (!action) return;
  for (auto _ : state) benchmark::DoNotOptimize(component::to_json(*action));
}

void BM_EventIdEvm(benchmark::State& state) {
  auto action = evm_event_action(state);
  if (!action) return;
  for (auto _ : state) {
    auto id = component::event_id(action->service_id, action->workflow_id, action->data);
    if (!id) {
      state.SkipWithError(id.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(*id);
  }
}

}  // namespace

BENCHMARK(BM_TrivialComponentExecute)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrivialWasiRunBaseline)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrivialWasiRunLinkerCopy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PartToJsonRaw)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PartHostRunCreate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PartWasiLinkerCopy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PartWasiLinkerCopyAndLinkWavs)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_HostCallConfigVar)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HostCallClockTimeGetBaseline)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HostCallEmptyLoop)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_KvStoreIncrement)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_KvStoreSet)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_KvStoreGet)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_KvIncrementComponent)->Unit(benchmark::kMicrosecond)->UseRealTime();

BENCHMARK_CAPTURE(BM_ExampleExecute, square_c, std::string("square-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleExecute, echo_c, std::string("echo-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleExecute, echo_rust, std::string("echo-rust"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleLoad, square_c, std::string("square-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleLoad, echo_c, std::string("echo-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleLoad, echo_rust, std::string("echo-rust"))->Unit(benchmark::kMicrosecond);

BENCHMARK_CAPTURE(BM_ExamplePrepareBaseline, square_c, std::string("square-c"))
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExamplePrepareBaseline, echo_c, std::string("echo-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExamplePrepareBaseline, echo_rust, std::string("echo-rust"))
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleCompileOnly, square_c, std::string("square-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleCompileOnly, echo_c, std::string("echo-c"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ExampleCompileOnly, echo_rust, std::string("echo-rust"))->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_ParseTriggerActionEvm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ToJsonEvm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EventIdEvm)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
