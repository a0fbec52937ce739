#pragma once
// Tier 2 for products: a module's native code built by the system C compiler, cached on
// disk, loaded verified (docs/wasm-engine.md, "Tier 2: native code").
//
//   aot::CompileOptions options;                 // cc, flags, timeout, cache directory
//   options.cache_dir = data_dir / "aot";
//   auto program = wasi::prepare(engine, wasm);  // the fuel pass, the interpreter's form
//   auto native = aot::native_program(*program, options);   // Result<wasi::Program>
//   // same fuel, same traps, same results; runs as native code
//
//   aot::BackgroundCompiler compiler(options);   // the node's: one compile at a time
//   compiler.submit(program, [](Result<wasi::Program> r) { ... swap it in ... });
//
// The cache key covers the module's bytes (SHA-256), the options, the emitter's own digest
// and the compiler's identity and flags, so a hit needs neither emitting nor compiling;
// entries are authenticated (aot/cache.hpp), so a corrupt or tampered entry is rebuilt,
// never loaded.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "aot/toolchain.hpp"
#include "common/error.hpp"
#include "wasi/run.hpp"
#include "wasm/native.hpp"
#include "wasm/wasm.hpp"

namespace wavs::aot {

// Which tier runs a module. kAuto: the interpreter until native code is ready.
enum class Tier : std::uint8_t { kInterpreter, kNative, kAuto };
// "interp", "aot" or "auto". Errors: AotErrc::kBadInput naming the accepted values.
[[nodiscard]] Result<Tier> parse_tier(std::string_view text);
[[nodiscard]] std::string_view to_string(Tier tier);

// The toolchain flags the emitted code needs on top of optimisation: exact float
// semantics, stack-clash probes (the native stack's guard must be touched, not skipped).
[[nodiscard]] ToolchainConfig default_toolchain();

struct CompileOptions {
  ToolchainConfig toolchain = default_toolchain();
  std::filesystem::path cache_dir;  // empty: no cache, compile every time
  std::stop_token cancel;           // a requested stop kills the compiler (AotErrc::kCancelled)
  // A module of more bytes than this is compiled at -O1 in place of the toolchain's -O2
  // or -O3: GCC's time at -O2 grows faster than the code (SQLite's 1.3 MB module did not
  // finish within the 300 s timeout), and native code at -O1 is still many times the
  // interpreter's speed. 0: never. The flags used are part of the cache key.
  std::size_t large_module_bytes = 1024 * 1024;
};

// The toolchain `compile` uses for `module` under `options` (large_module_bytes applied).
[[nodiscard]] ToolchainConfig effective_toolchain(const wasm::Module& module, const CompileOptions& options);

struct Compiled {
  std::shared_ptr<const wasm::Module> module;  // the same module, running native code
  bool from_cache = false;
  std::chrono::milliseconds emit{0}, compile{0}, load{0};
  std::size_t source_bytes = 0, object_bytes = 0;
  std::string optimization;  // the -O flag it was compiled with ("-O2"; "-O1" for a large module)
};

// Emits, finds in the cache or compiles (and stores), loads and attaches. Blocks for the
// compile (seconds for a component, minutes for a large program). Thread-safe; two
// callers compiling the same module both compile, and the cache keeps one. Errors:
// AotErrc (no compiler, compile failed, timeout, load failed; cache I/O only when storing
// fails is logged, not returned) and the engine's errors from emit_c/attach_native.
[[nodiscard]] Result<Compiled> compile(const wasm::Module& module, const wasm::NativeOptions& native,
                                       const CompileOptions& options);

// The same without running the compiler: nullopt when the cache has no valid entry.
[[nodiscard]] Result<std::optional<Compiled>> load_cached(const wasm::Module& module,
                                                          const wasm::NativeOptions& native,
                                                          const CompileOptions& options);

// The NativeOptions that give `program` the interpreter's fuel semantics.
[[nodiscard]] wasm::NativeOptions native_options(const wasi::Program& program);

// `program` (from wasi::prepare) on the native tier: the same metering, native code.
[[nodiscard]] Result<wasi::Program> native_program(const wasi::Program& program, const CompileOptions& options);

// One worker thread compiling programs in submission order, for a daemon that serves on
// the interpreter meanwhile.
//
// Contract:
//   owns     a copy of each submitted program until its callback ran
//   threads  submit() from any thread; callbacks run on the worker thread, one at a time
//   blocking submit() never blocks; a callback must not block for long (it holds up the
//            next compile)
//   cancels  the destructor drops what has not started and stops the compile that runs
//            (its compiler is killed; it gets kCancelled); dropped work gets no callback
class BackgroundCompiler {
 public:
  using Done = std::function<void(Result<wasi::Program>)>;
  explicit BackgroundCompiler(CompileOptions options);
  ~BackgroundCompiler();
  BackgroundCompiler(const BackgroundCompiler&) = delete;
  BackgroundCompiler& operator=(const BackgroundCompiler&) = delete;

  void submit(std::shared_ptr<const wasi::Program> program, Done done);
  [[nodiscard]] std::size_t pending() const;  // queued or compiling
  // Blocks until everything submitted so far has been compiled (its callback ran).
  void wait_idle();

 private:
  void loop();
  CompileOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::shared_ptr<const wasi::Program>, Done>> queue_;
  std::stop_source stop_source_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace wavs::aot
