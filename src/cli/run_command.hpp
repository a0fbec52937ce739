#pragma once
// `wavs run`: runs any WASI preview 1 command module in the sandbox, the way
// `wasmtime run` does: stdin, stdout and stderr pass through (still capped), the
// guest's exit code becomes the process's, and traps and limits get their own codes.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace wavs::wasi {
struct Program;
}

namespace wavs::cli {

// Exit codes of `wavs run` beyond the guest's own (documented in docs/operations.md).
enum RunExitCode : int {
  kExitRunLoad = 121,         // unreadable, malformed or invalid module; unknown import; bad segment
  kExitRunMemoryLimit = 122,  // the module needs more memory than --max-memory allows
  kExitRunFuel = 123,         // --fuel-limit ran out
  kExitRunTime = 124,         // --time-limit passed (as coreutils `timeout`)
  kExitRunTrap = 134,         // the guest trapped (128 + SIGABRT, as wasmtime)
};

struct RunCommand {
  std::optional<double> time_limit_s;
  std::optional<std::uint64_t> fuel_limit;
  std::optional<std::uint64_t> max_memory_bytes;
  std::vector<std::string> dirs;  // HOST[::GUEST]
  std::vector<std::string> env;   // K=V
  bool stats = false;
  // interp | aot | auto (docs/operations.md): auto runs cached native code, or else the
  // interpreter while the native code is compiled into the cache for the next run.
  std::string tier = "auto";
  std::optional<std::string> aot_cache;  // default: $WAVS_AOT_CACHE, else ~/.cache/wavs/aot
  std::vector<std::string> argv;  // file.wasm, then the guest's arguments
};

// Where native code is cached unless --aot-cache says otherwise: $WAVS_AOT_CACHE, else
// $XDG_CACHE_HOME/wavs/aot, else ~/.cache/wavs/aot.
[[nodiscard]] std::filesystem::path default_aot_cache();

// Moves `program` to native code (compiled now unless cached in `cache`, else
// default_aot_cache()); when that fails, one line "<tool>: native code unavailable, using
// the interpreter: <why>" on `err` and `program` stays as it is. True when it moved.
bool use_native_tier(wasi::Program& program, const std::optional<std::string>& cache, std::string_view tool,
                     std::ostream& err);

// Adds the `run` subcommand's options to `cmd`.
void add_run_options(CLI::App& cmd, RunCommand& options);

// Runs it. Guest stdin is the process's stdin; guest output goes to `out` and `err`.
int run_wasm(const RunCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
