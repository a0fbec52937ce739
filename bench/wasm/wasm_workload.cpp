// Runs one benchmark workload (a freestanding module exporting `run`) in-process and
// prints "<result> <milliseconds of run> <milliseconds of compile+instantiate>", the
// same format as the native build of the workload prints. With `--native` the module
// runs on the engine's native tier (src/aot, no cache: the C compile is timed apart and
// printed as a fourth field).

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <cstring>

#include "aot/aot.hpp"
#include "wasm/wasm.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s module.wasm [--native]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  wavs::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  using Clock = std::chrono::steady_clock;
  double compile_ms = -1;
  auto t0 = Clock::now();
  wavs::wasm::Engine engine;
  auto module = engine.compile(bytes);
  if (!module) {
    std::fprintf(stderr, "%s\n", module.error().message().c_str());
    return 1;
  }
  if (argc > 2 && std::strcmp(argv[2], "--native") == 0) {
    auto c0 = Clock::now();
    auto native = wavs::aot::compile(**module, {}, {});
    if (!native) {
      std::fprintf(stderr, "%s\n", native.error().message().c_str());
      return 1;
    }
    *module = native->module;
    compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - c0).count();
    t0 = Clock::now();
  }
  wavs::wasm::Linker linker;
  auto instance = linker.instantiate(**module);
  if (!instance) {
    std::fprintf(stderr, "%s\n", instance.error().message().c_str());
    return 1;
  }
  auto t1 = Clock::now();
  auto r = (*instance)->call("run", {});
  auto t2 = Clock::now();
  if (!r) {
    std::fprintf(stderr, "trap: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("%llu %.3f %.3f", static_cast<unsigned long long>((*r)[0].i64()),
              std::chrono::duration<double, std::milli>(t2 - t1).count(),
              std::chrono::duration<double, std::milli>(t1 - t0).count());
  if (compile_ms >= 0) std::printf(" %.1f", compile_ms);
  std::printf("\n");
  return 0;
}
