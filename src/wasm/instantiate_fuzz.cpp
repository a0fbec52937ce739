// libFuzzer target: decode + validate + instantiate arbitrary bytes, then call every
// exported function that takes no arguments. Imports are satisfied with stubs of the
// right type, so modules with imports are exercised too. A watchdog interrupts guests
// that run longer than a moment; limits keep memories and tables small.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "wasm/wasm.hpp"

namespace {

using namespace wavs::wasm;

std::atomic<bool> g_stop{false};

void start_watchdog() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::thread([] {
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        g_stop.store(true, std::memory_order_relaxed);
      }
    }).detach();
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  start_watchdog();
  static const Engine engine;
  auto module = engine.compile(wavs::ByteView(data, size));
  if (!module) return 0;
  Linker linker;
  for (const auto& im : (*module)->imports()) {
    switch (im.kind) {
      case ExternKind::kFunc:
        linker.define_func(im.module, im.name, im.func,
                           [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> {
                             return std::nullopt;
                           });
        break;
      case ExternKind::kTable: {
        TableType t = im.table;
        if (t.limits.min > 10000) return 0;
        linker.define(im.module, im.name, Extern::of(std::make_shared<Table>(t, 10000)));
        break;
      }
      case ExternKind::kMemory: {
        auto m = Memory::create(im.memory, 64);
        if (!m) return 0;
        linker.define(im.module, im.name, Extern::of(*m));
        break;
      }
      case ExternKind::kGlobal:
        linker.define(im.module, im.name, Extern::of(std::make_shared<Global>(im.global, Value::zero(im.global.type))));
        break;
    }
  }
  InstanceLimits limits;
  limits.max_memory_pages = 64;
  limits.max_table_elements = 10000;
  limits.max_call_depth = 2000;
  limits.interrupt = &g_stop;
  g_stop.store(false, std::memory_order_relaxed);
  auto instance = linker.instantiate(**module, limits);
  if (!instance) return 0;
  for (const auto& ex : (*module)->exports()) {
    if (ex.kind != ExternKind::kFunc) continue;
    auto type = (*module)->export_func_type(ex.name);
    if (!type || !type->params.empty()) continue;
    g_stop.store(false, std::memory_order_relaxed);
    (void)(*instance)->call(ex.name, {});
  }
  return 0;
}
