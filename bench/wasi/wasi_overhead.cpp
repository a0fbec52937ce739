// Runs one engine workload (a module exporting `run`) through the sandbox's run API in
// several modes and prints "<mode> <milliseconds>" per mode (best of `runs`):
//   plain   no fuel pass, no time limit
//   fuel    fuel-metered (unlimited budget)
//   time    a wall-clock limit armed (the watchdog), no fuel
//   both    fuel-metered and a wall-clock limit
//   nocheck no fuel pass, compiled without interruption checks
//           (EngineConfig::interruptible off): what the checks themselves cost
// Usage: wasi_overhead module.wasm [runs]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "wasi/run.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s module.wasm [runs]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  std::ifstream in(argv[1], std::ios::binary);
  wavs::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  wavs::wasm::Engine engine;
  wavs::wasm::EngineConfig unchecked_config;
  unchecked_config.interruptible = false;
  wavs::wasm::Engine unchecked(unchecked_config);
  struct Mode {
    const char* name;
    bool fuel;
    bool time;
    bool checks;
  };
  for (Mode m : {Mode{"plain", false, false, true}, Mode{"fuel", true, false, true}, Mode{"time", false, true, true},
                 Mode{"both", true, true, true}, Mode{"nocheck", false, false, false}}) {
    auto program = wavs::wasi::prepare(m.checks ? engine : unchecked, bytes, m.fuel);
    if (!program) {
      std::fprintf(stderr, "%s\n", program.error().message().c_str());
      return 1;
    }
    wavs::wasi::RunOptions opts;
    opts.entry = "run";
    if (m.time) opts.limits.time = std::chrono::hours(1);
    double best = 1e300;
    std::uint64_t fuel = 0;
    for (int i = 0; i < runs; ++i) {
      auto r = wavs::wasi::run(*program, opts);
      if (!r || r->stop != wavs::wasi::StopReason::kExited) {
        std::fprintf(stderr, "%s: %s\n", m.name, r ? r->summary().c_str() : r.error().message().c_str());
        return 1;
      }
      best = std::min(best, static_cast<double>(r->elapsed.count()) / 1000.0);
      fuel = r->fuel_consumed;
    }
    std::printf("%s %.3f %llu\n", m.name, best, static_cast<unsigned long long>(fuel));
  }
  return 0;
}
