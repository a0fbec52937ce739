// Runs a WASI command module like `wavs run` (argv, stdout and stderr passed through, no
// preopens, no limits) but lets bench/large.sh choose whether the fuel pass runs, and
// reports on stderr, after the guest's own output, one line
//   large_run prepare_ms <ms> run_ms <ms> fuel <units>
// (prepare: fuel pass + decode + validate + translate; run: instantiate + _start).
// With --prepare-only it stops after prepare, without instantiating.
// Usage: large_run [--no-fuel] [--prepare-only] module.wasm [args...]
// Exit code: the guest's; 1 when the module cannot be read, prepared or run, 2 on a trap
// or any other stop than an exit.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "wasi/run.hpp"

int main(int argc, char** argv) {
  int first = 1;
  bool fuel = true;
  bool prepare_only = false;
  for (; first < argc; ++first) {
    std::string_view flag = argv[first];
    if (flag == "--no-fuel") {
      fuel = false;
    } else if (flag == "--prepare-only") {
      prepare_only = true;
    } else {
      break;
    }
  }
  if (argc <= first) {
    std::fprintf(stderr, "usage: %s [--no-fuel] [--prepare-only] module.wasm [args...]\n", argv[0]);
    return 1;
  }
  std::ifstream in(argv[first], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "large_run: cannot read %s\n", argv[first]);
    return 1;
  }
  wavs::Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  wavs::wasm::Engine engine;
  auto start = std::chrono::steady_clock::now();
  auto program = wavs::wasi::prepare(engine, bytes, fuel);
  auto prepared = std::chrono::steady_clock::now();
  if (!program) {
    std::fprintf(stderr, "large_run: %s: %s\n", argv[first], program.error().message().c_str());
    return 1;
  }
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  if (prepare_only) {
    std::fprintf(stderr, "large_run prepare_ms %.1f\n", ms(prepared - start));
    return 0;
  }
  wavs::wasi::RunOptions opts;
  for (int i = first; i < argc; ++i) opts.args.emplace_back(argv[i]);
  opts.limits.max_stdout_bytes = std::size_t{1} << 30;
  opts.limits.max_stderr_bytes = std::size_t{1} << 30;
  opts.stdout_passthrough = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
  opts.stderr_passthrough = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };
  auto result = wavs::wasi::run(*program, opts);
  auto done = std::chrono::steady_clock::now();
  if (!result) {
    std::fprintf(stderr, "large_run: %s: %s\n", argv[first], result.error().message().c_str());
    return 1;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "large_run prepare_ms %.1f run_ms %.1f fuel %llu\n", ms(prepared - start),
               ms(done - prepared), static_cast<unsigned long long>(result->fuel_consumed));
  if (result->stop != wavs::wasi::StopReason::kExited) {
    std::fprintf(stderr, "large_run: %s\n", result->summary().c_str());
    return 2;
  }
  return result->exit_code;
}
