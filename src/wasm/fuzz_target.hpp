#pragma once
// The body of the wasm_instantiate_fuzz target, shared with the unit test that replays
// the fuzz corpus (fuzz/corpus/wasm_instantiate_fuzz/, where every crash the fuzzer
// finds is added as a regression input).

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "wasm/native.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasm {

// Sets a flag every `period` so that runaway guests are interrupted; callers clear the
// flag before each guest call.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::milliseconds period = std::chrono::milliseconds(50))
      : thread_([this, period] {
          while (!done_.load()) {
            std::this_thread::sleep_for(period);
            flag_.store(true, std::memory_order_relaxed);
          }
        }) {}
  ~Watchdog() {
    done_.store(true);
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  std::atomic<bool>& flag() { return flag_; }

 private:
  std::atomic<bool> flag_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Decodes, validates and instantiates `bytes` (imports satisfied by stubs of the right
// type), then calls every exported function that takes no arguments. Returns how far
// it got: 0 rejected, 1 compiled, 2 instantiated.
inline int exercise_module(ByteView bytes, std::atomic<bool>& stop) {
  static const Engine engine;
  auto module = engine.compile(bytes);
  if (!module) return 0;
  // Every module the engine accepts has a native form: the emitter must neither crash
  // nor refuse it (compiling the C is the native tests' job, too slow for fuzzing).
  if (auto c = emit_c(**module, {.fuel_global_export = "fuel"}); !c || c->empty()) __builtin_trap();
  Linker linker;
  for (const auto& im : (*module)->imports()) {
    switch (im.kind) {
      case ExternKind::kFunc:
        linker.define_func(im.module, im.name, im.func,
                           [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> {
                             return std::nullopt;
                           });
        break;
      case ExternKind::kTable:
        if (im.table.limits.min > 10000) return 1;
        linker.define(im.module, im.name, Extern::of(std::make_shared<Table>(im.table, 10000)));
        break;
      case ExternKind::kMemory: {
        auto m = Memory::create(im.memory, 64);
        if (!m) return 1;
        linker.define(im.module, im.name, Extern::of(*m));
        break;
      }
      case ExternKind::kGlobal:
        linker.define(im.module, im.name,
                      Extern::of(std::make_shared<Global>(im.global, Value::zero(im.global.type))));
        break;
    }
  }
  InstanceLimits limits;
  limits.max_memory_pages = 64;
  limits.max_table_elements = 10000;
  limits.max_call_depth = 2000;
  limits.interrupt = &stop;
  stop.store(false, std::memory_order_relaxed);
  auto instance = linker.instantiate(**module, limits);
  if (!instance) return 1;
  for (const auto& ex : (*module)->exports()) {
    if (ex.kind != ExternKind::kFunc) continue;
    auto type = (*module)->export_func_type(ex.name);
    if (!type || !type->params.empty()) continue;
    stop.store(false, std::memory_order_relaxed);
    (void)(*instance)->call(ex.name, {});
  }
  return 2;
}

}  // namespace wavs::wasm
