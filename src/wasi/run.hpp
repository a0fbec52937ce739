#pragma once
// Running a WASI command module under limits: the API the rest of the system uses
// (`wavs run`, the component runner, benchmarks, tests).
//
//   wasm::Engine engine;
//   auto program = wasi::prepare(engine, wasm_bytes);          // fuel pass + compile, once
//   wasi::RunOptions opts;
//   opts.stdin_bytes = input;
//   opts.limits.fuel = 10'000'000;
//   opts.limits.time = std::chrono::seconds(1);
//   auto result = wasi::run(*program, opts);
//   // result->exit_code, result->stop, result->stdout_data, result->fuel_consumed …
//
// Failures before the guest runs (malformed, missing import, memory cap below what
// the module declares: WasiErrc::kMemoryLimit, a data segment out of bounds) are Errors. Everything that
// happens while it runs (exit, trap, a limit) is in RunResult.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "wasi/fuel_pass.hpp"
#include "wasi/wasi.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasi {

struct RunLimits {
  std::optional<std::uint64_t> fuel;               // units of docs/sandbox.md; none: unmetered
  std::optional<std::chrono::microseconds> time;   // wall clock, from instantiation on
  std::uint64_t max_memory_bytes = 4ull << 30;     // rounded down to whole 64 KiB pages
  std::uint32_t max_table_elements = 1'000'000;
  std::uint32_t max_call_depth = 10'000;
  std::size_t max_stdout_bytes = 1 << 20;
  std::size_t max_stderr_bytes = 1 << 20;

  // Each limit the tighter of this and `cap`: a node-wide cap on top of a workflow's own.
  [[nodiscard]] RunLimits within(const RunLimits& cap) const;
};

// A module ready to run many times: fuel-instrumented (unless disabled) and compiled.
struct Program {
  std::shared_ptr<const wasm::Module> module;
  bool metered = false;
  FuelPassStats fuel_stats;
};

// Errors: the engine's WasmErrc (malformed, invalid) or WasiErrc::kInstrument.
[[nodiscard]] Result<Program> prepare(const wasm::Engine& engine, ByteView wasm, bool meter_fuel = true);

struct RunOptions {
  std::vector<std::string> args;                         // argv, program name first
  std::vector<std::pair<std::string, std::string>> env;  // exactly what the guest may see
  Bytes stdin_bytes;
  int stdin_host_fd = -1;                                // >= 0: pass this host fd through instead
  std::vector<Preopen> preopens;
  RunLimits limits;
  OutputSink::Passthrough stdout_passthrough;            // set: stream instead of capture
  OutputSink::Passthrough stderr_passthrough;
  int stdout_host_fd = -1;                               // where the passthroughs end, if host fds:
  int stderr_host_fd = -1;                               // only to tell the guest if it is a terminal
  // Defines more host imports (e.g. the `wavs` module) next to WASI's.
  std::function<void(wasm::Linker&)> link_imports;
  // Set: the linker to instantiate against instead of the shared WASI one. It must define
  // WASI through WasiContext::link_active; it is not copied unless link_imports is set.
  const wasm::Linker* linker = nullptr;
  std::string entry = "_start";
  // Stop requested: the guest is interrupted at its next check (as by the time limit)
  // and the run ends with StopReason::kCancelled. Needs a module compiled with
  // interruption checks (EngineConfig::interruptible), like a time limit.
  std::stop_token cancel;
};

enum class StopReason : std::uint8_t {
  kExited,         // _start returned (exit code 0) or proc_exit was called
  kTrap,           // the guest trapped (see trap)
  kFuelExhausted,  // the fuel limit ran out
  kTimeLimit,      // the wall-clock limit passed
  kCancelled,      // RunOptions::cancel was requested while it ran, however it ended
};
[[nodiscard]] const char* to_string(StopReason r);

struct RunResult {
  StopReason stop = StopReason::kExited;
  std::int32_t exit_code = 0;                  // meaningful when stop == kExited
  std::optional<wasm::Trap> trap;              // for kTrap (and the raw trap of the limits)
  std::string stdout_data, stderr_data;        // empty when passed through
  bool stdout_truncated = false, stderr_truncated = false;
  std::uint64_t fuel_consumed = 0;             // 0 when unmetered
  std::chrono::microseconds elapsed{0};        // instantiation + run
  std::uint64_t peak_memory_bytes = 0;
  // The guest asked to grow its memory past RunLimits::max_memory_bytes (within its own
  // declared maximum) and memory.grow returned -1: whatever it did next (exit with an
  // error, trap on a failed allocation), the memory limit is why.
  bool memory_cap_hit = false;

  // One line for logs and `wavs run`: "exit 3", "trap: integer divide by zero",
  // "fuel exhausted after 1000 units", "time limit of 1000000 us exceeded",
  // "cancelled after 1200 us"; with
  // memory_cap_hit, "; memory limit reached" is appended.
  [[nodiscard]] std::string summary() const;
};

[[nodiscard]] Result<RunResult> run(const Program& program, const RunOptions& options);

using EnvList = std::vector<std::pair<std::string, std::string>>;

// The environment a component may see: of `host_env`, only the variables named in
// `env_keys` that start with kComponentEnvPrefix, in the order of `env_keys`. Names
// without the prefix are never passed, whatever a workflow asks for.
inline constexpr std::string_view kComponentEnvPrefix = "WAVS_ENV_";
[[nodiscard]] EnvList component_env(const EnvList& host_env, const std::vector<std::string>& env_keys);

}  // namespace wavs::wasi
