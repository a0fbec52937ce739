#include "wasi/run.hpp"

#include <algorithm>
#include <optional>

#include "wasi/error.hpp"
#include "wasi/watchdog.hpp"

namespace wavs::wasi {

RunLimits RunLimits::within(const RunLimits& cap) const {
  auto tighter = [](auto a, auto b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b) == *a ? a : b;
  };
  RunLimits r;
  r.fuel = tighter(fuel, cap.fuel);
  r.time = tighter(time, cap.time);
  r.max_memory_bytes = std::min(max_memory_bytes, cap.max_memory_bytes);
  r.max_table_elements = std::min(max_table_elements, cap.max_table_elements);
  r.max_call_depth = std::min(max_call_depth, cap.max_call_depth);
  r.max_stdout_bytes = std::min(max_stdout_bytes, cap.max_stdout_bytes);
  r.max_stderr_bytes = std::min(max_stderr_bytes, cap.max_stderr_bytes);
  return r;
}

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::kExited: return "exited";
    case StopReason::kTrap: return "trap";
    case StopReason::kFuelExhausted: return "fuel exhausted";
    case StopReason::kTimeLimit: return "time limit";
    case StopReason::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string RunResult::summary() const {
  std::string s = "unknown";
  switch (stop) {
    case StopReason::kExited: s = "exit " + std::to_string(exit_code); break;
    case StopReason::kTrap: s = "trap: " + (trap ? trap->message : std::string("unknown")); break;
    case StopReason::kFuelExhausted: s = "fuel exhausted after " + std::to_string(fuel_consumed) + " units"; break;
    case StopReason::kTimeLimit: s = "time limit exceeded after " + std::to_string(elapsed.count()) + " us"; break;
    case StopReason::kCancelled: s = "cancelled after " + std::to_string(elapsed.count()) + " us"; break;
  }
  if (memory_cap_hit) s += "; memory limit reached";
  return s;
}

Result<Program> prepare(const wasm::Engine& engine, ByteView wasm, bool meter_fuel) {
  Program p;
  if (meter_fuel) {
    auto metered = inject_fuel(wasm, &p.fuel_stats);
    if (metered) {
      // The same engine settings, told which global is the counter: its fused check then
      // traps as kFuelExhausted, which run() needs no counter reading to recognise.
      wasm::EngineConfig config = engine.config();
      config.fuel_global_export = std::string(kFuelExport);
      auto m = wasm::Engine(std::move(config)).compile(*metered);
      if (m) {
        p.module = std::move(*m);
        p.metered = true;
        return p;
      }
    }
    // Report against the original bytes: its offsets are the ones the author knows.
    auto original = engine.compile(wasm);
    if (!original) return original.error();
    if (!metered) return metered.error();
    return Error(WasiErrc::kInstrument, "the metered module does not validate");
  }
  auto m = engine.compile(wasm);
  if (!m) return m.error();
  p.module = std::move(*m);
  return p;
}

Result<RunResult> run(const Program& program, const RunOptions& options) {
  const RunLimits& limits = options.limits;
  std::atomic<bool> interrupt{false};
  if (limits.time && !program.module->interruptible()) {
    return Error(WasiErrc::kBadOption,
                 "a time limit needs a module compiled with interruption checks (EngineConfig::interruptible)");
  }
  if (options.cancel.stop_possible() && !program.module->interruptible()) {
    return Error(WasiErrc::kBadOption,
                 "cancellation needs a module compiled with interruption checks (EngineConfig::interruptible)");
  }

  WasiConfig config;
  config.args = options.args;
  config.env = options.env;
  config.stdin_bytes = options.stdin_bytes;
  config.stdin_host_fd = options.stdin_host_fd;
  config.preopens = options.preopens;
  config.max_stdout_bytes = limits.max_stdout_bytes;
  config.max_stderr_bytes = limits.max_stderr_bytes;
  config.stdout_passthrough = options.stdout_passthrough;
  config.stderr_passthrough = options.stderr_passthrough;
  config.stdout_host_fd = options.stdout_host_fd;
  config.stderr_host_fd = options.stderr_host_fd;
  config.interrupt = &interrupt;
  auto ctx = WasiContext::create(std::move(config));
  if (!ctx) return ctx.error();

  // WASI alone: the shared linker. Extra imports: a copy with them added.
  static const wasm::Linker kWasiLinker = [] {
    wasm::Linker l;
    WasiContext::link_active(l);
    return l;
  }();
  const wasm::Linker& base = options.linker ? *options.linker : kWasiLinker;
  std::optional<wasm::Linker> own;
  if (options.link_imports) {
    own.emplace(base);
    options.link_imports(*own);
  }
  const wasm::Linker& linker = own ? *own : base;
  WasiContext::Scope scope(**ctx);

  wasm::InstanceLimits il;
  il.max_memory_pages = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(limits.max_memory_bytes / wasm::kPageSize, wasm::kMaxPages));
  il.max_table_elements = limits.max_table_elements;
  il.max_call_depth = limits.max_call_depth;
  il.interrupt = &interrupt;

  RunResult r;
  const auto start = Watchdog::Clock::now();
  std::optional<Watchdog::Ticket> ticket;
  if (limits.time) ticket.emplace(Watchdog::shared(), start + *limits.time, &interrupt);
  // The same flag as the time limit: the engine and blocking WASI calls already watch it.
  // The token's own state tells the two apart afterwards.
  struct Cancel {
    std::atomic<bool>* interrupt;
    void operator()() const noexcept { interrupt->store(true); }
  };
  std::stop_callback<Cancel> on_cancel(options.cancel, Cancel{&interrupt});

  auto instance = linker.instantiate(*program.module, il);
  if (!instance) {
    const Error& e = instance.error();
    if (e.is(wasm::WasmErrc::kMemoryLimit)) return Error(WasiErrc::kMemoryLimit, e.detail());
    return e;
  }
  wasm::Instance& inst = **instance;

  std::shared_ptr<wasm::Global> fuel;
  const std::int64_t budget = static_cast<std::int64_t>(
      std::min<std::uint64_t>(limits.fuel.value_or(INT64_MAX), static_cast<std::uint64_t>(INT64_MAX)));
  if (program.metered) {
    fuel = inst.global(kFuelExport);
    if (fuel) fuel->set(wasm::Value::i64(budget));
  }

  std::optional<wasm::Trap> trap;
  if (program.metered && inst.func(kStartExport)) {
    auto s = inst.call(kStartExport);
    if (!s) trap = std::move(s.error());
  }
  if (!trap) {
    if (!inst.func(options.entry)) {
      return Error(WasiErrc::kNoEntry, "no exported function \"" + options.entry + "\"");
    }
    auto out = inst.call(options.entry);
    if (!out) trap = std::move(out.error());
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Watchdog::Clock::now() - start);

  std::int64_t remaining = fuel ? fuel->get().i64() : budget;
  if (program.metered && fuel) r.fuel_consumed = static_cast<std::uint64_t>(budget - remaining);
  if (!trap || trap->kind == wasm::TrapKind::kExit) {
    // Straight-line code after the last check may have overdrawn the budget.
    if (fuel && remaining < 0) {
      r.stop = StopReason::kFuelExhausted;
      r.trap = wasm::Trap{wasm::TrapKind::kFuelExhausted, "fuel exhausted", 0};
    }
  }
  if (trap && r.stop == StopReason::kExited) {
    if (trap->kind == wasm::TrapKind::kExit) {
      r.exit_code = trap->exit_code;
    } else if (trap->kind == wasm::TrapKind::kInterrupted && interrupt.load()) {
      r.stop = StopReason::kTimeLimit;
      r.trap = std::move(trap);
    } else if (trap->kind == wasm::TrapKind::kFuelExhausted ||
               (trap->kind == wasm::TrapKind::kUnreachable && fuel && remaining < 0)) {
      // The fused check says so itself; unfused (EngineConfig::fuse_instructions off) it
      // is an `unreachable` with the counter below zero.
      r.stop = StopReason::kFuelExhausted;
      r.trap = std::move(trap);
    } else {
      r.stop = StopReason::kTrap;
      r.trap = std::move(trap);
    }
  }
  // Cancelled while it ran (an interruption counted as a time limit above included):
  // whatever it did next (a host call that was cut short makes a guest exit with an
  // error, or even succeed on partial data) is not its result. The token itself, not a
  // flag our callback sets: a stop request runs its callbacks one after another, so a
  // host call's may already have returned while ours is still pending.
  if (options.cancel.stop_requested()) {
    r.stop = StopReason::kCancelled;
    if (!r.trap) r.trap = wasm::Trap{wasm::TrapKind::kInterrupted, "cancelled", 0};
  }
  if (auto mem = inst.memory()) {
    r.peak_memory_bytes = mem->size();
    r.memory_cap_hit = mem->cap_refusals() > 0;
  }
  OutputSink& out = (*ctx)->stdout_sink();
  OutputSink& err = (*ctx)->stderr_sink();
  r.stdout_truncated = out.truncated();
  r.stderr_truncated = err.truncated();
  r.stdout_data = out.take();
  r.stderr_data = err.take();
  return r;
}

EnvList component_env(const EnvList& host_env, const std::vector<std::string>& env_keys) {
  EnvList out;
  for (const auto& key : env_keys) {
    if (key.size() <= kComponentEnvPrefix.size() || key.compare(0, kComponentEnvPrefix.size(), kComponentEnvPrefix) != 0) {
      continue;
    }
    for (const auto& [name, value] : host_env) {
      if (name == key) {
        out.emplace_back(name, value);
        break;
      }
    }
  }
  return out;
}

}  // namespace wavs::wasi
