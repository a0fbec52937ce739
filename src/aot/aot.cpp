#include "aot/aot.hpp"

#include <spdlog/spdlog.h>

#include "aot/cache.hpp"
#include "aot/error.hpp"
#include "aot/library.hpp"
#include "crypto/hash.hpp"
#include "wasi/fuel_pass.hpp"
#include "wasm/code.hpp"

namespace wavs::aot {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

// Part of every cache key: entries of another native ABI are never even looked at.
std::string engine_version() { return "wavs-native-abi-" + std::to_string(WAVS_NATIVE_ABI_VERSION); }

Result<Compiled> attach(const wasm::Module& module, const wasm::NativeOptions& native, ByteView object) {
  auto t = Clock::now();
  auto lib = Library::load(object);
  if (!lib) return lib.error();
  std::shared_ptr<const Library> owner = *lib;
  auto attached = wasm::attach_native(module, owner->symbol(WAVS_NATIVE_SYMBOL), native, owner);
  if (!attached) return attached.error();
  Compiled c;
  c.module = std::move(*attached);
  c.object_bytes = object.size();
  c.load = since(t);
  return c;
}

// What a cache entry is keyed by: the module's bytes (SHA-256), the options, the emitter
// (its own digest), so a hit needs no emitting; the toolchain joins in Cache::key.
std::string key_material(const wasm::Module& module, const wasm::NativeOptions& native) {
  return "module-sha256 " + crypto::sha256(module.impl_->data.bytes).hex(HexPrefix::kNone) + "\nfingerprint " +
         wasm::native_fingerprint(module, native) + "\nemitter " + std::string(wasm::native_emitter_version()) +
         "\n";
}

struct Prepared {
  std::string key;  // empty without a cache
  std::optional<Cache> cache;
};

Result<Prepared> open_cache(const wasm::Module& module, const wasm::NativeOptions& native,
                            const CompileOptions& options) {
  Prepared p;
  if (!options.cache_dir.empty()) {
    auto cache = Cache::open(options.cache_dir);
    if (!cache) return cache.error();
    p.cache.emplace(std::move(*cache));
    auto key = Cache::key(engine_version(), effective_toolchain(module, options), key_material(module, native));
    if (!key) return key.error();
    p.key = std::move(*key);
  }
  return p;
}

Result<std::optional<Compiled>> from_cache(const wasm::Module& module, const wasm::NativeOptions& native,
                                           const Prepared& p) {
  if (!p.cache) return std::optional<Compiled>{};
  auto object = p.cache->load(p.key);
  if (!object) return object.error();
  if (!*object) return std::optional<Compiled>{};
  auto c = attach(module, native, **object);
  if (!c) {
    // Authenticated but unusable (another loader, a stale ABI): build it again.
    spdlog::warn("aot: cached object {} does not load ({}); rebuilding it", p.key, c.error().message());
    return std::optional<Compiled>{};
  }
  c->from_cache = true;
  return std::optional<Compiled>(std::move(*c));
}

}  // namespace

Result<Tier> parse_tier(std::string_view text) {
  if (text == "interp") return Tier::kInterpreter;
  if (text == "aot") return Tier::kNative;
  if (text == "auto") return Tier::kAuto;
  return Error(AotErrc::kBadInput, "tier \"" + std::string(text) + "\": expected interp, aot or auto");
}

std::string_view to_string(Tier tier) {
  switch (tier) {
    case Tier::kInterpreter: return "interp";
    case Tier::kNative: return "aot";
    case Tier::kAuto: return "auto";
  }
  return "interp";
}

namespace {

bool is_optimization_level(const std::string& flag) {
  return flag.size() >= 2 && flag[0] == '-' && flag[1] == 'O';
}

// The last -O flag decides, as for the compiler itself.
std::string optimization_of(const ToolchainConfig& toolchain) {
  std::string level;
  for (const auto& flag : toolchain.flags) {
    if (is_optimization_level(flag)) level = flag;
  }
  return level.empty() ? "-O0" : level;
}

}  // namespace

ToolchainConfig effective_toolchain(const wasm::Module& module, const CompileOptions& options) {
  ToolchainConfig t = options.toolchain;
  if (options.large_module_bytes == 0 || module.impl_->data.bytes.size() <= options.large_module_bytes) return t;
  const std::string level = optimization_of(t);
  if (level != "-O2" && level != "-O3" && level != "-Ofast") return t;  // already cheap, or -Os: as asked
  std::erase_if(t.flags, is_optimization_level);
  t.flags.insert(t.flags.begin(), "-O1");
  return t;
}

ToolchainConfig default_toolchain() {
  ToolchainConfig t;
  t.flags.push_back("-fstack-clash-protection");
  return t;
}

Result<std::optional<Compiled>> load_cached(const wasm::Module& module, const wasm::NativeOptions& native,
                                            const CompileOptions& options) {
  auto p = open_cache(module, native, options);
  if (!p) return p.error();
  auto cached = from_cache(module, native, *p);
  if (cached && *cached) (*cached)->optimization = optimization_of(effective_toolchain(module, options));
  return cached;
}

Result<Compiled> compile(const wasm::Module& module, const wasm::NativeOptions& native,
                         const CompileOptions& options) {
  auto p = open_cache(module, native, options);
  if (!p) return p.error();
  auto cached = from_cache(module, native, *p);
  if (!cached) return cached.error();
  if (*cached) {
    (*cached)->optimization = optimization_of(effective_toolchain(module, options));
    return std::move(**cached);
  }

  auto e = Clock::now();
  auto source = wasm::emit_c(module, native);
  if (!source) return source.error();
  const auto emit_time = since(e);
  auto t = Clock::now();
  const std::string header(wasm::native_abi_header());
  const ToolchainConfig toolchain = effective_toolchain(module, options);
  auto object = compile_shared_object(toolchain, *source, {{std::string(wasm::kNativeAbiHeaderName), header}},
                                      options.cancel);
  if (!object) return object.error();
  const auto compile_time = since(t);
  if (p->cache) {
    // A full disk must not stop the service: it runs, and the next start compiles again.
    if (auto st = p->cache->store(p->key, *object); !st) {
      spdlog::warn("aot: cannot cache the compiled module: {}", st.error().message());
    }
  }
  auto c = attach(module, native, *object);
  if (!c) return c.error();
  c->emit = emit_time;
  c->compile = compile_time;
  c->optimization = optimization_of(toolchain);
  c->source_bytes = source->size();
  return std::move(*c);
}

wasm::NativeOptions native_options(const wasi::Program& program) {
  wasm::NativeOptions o;
  if (program.metered) o.fuel_global_export = std::string(wasi::kFuelExport);
  o.interruptible = program.module->interruptible();
  return o;
}

Result<wasi::Program> native_program(const wasi::Program& program, const CompileOptions& options) {
  auto c = compile(*program.module, native_options(program), options);
  if (!c) return c.error();
  wasi::Program out = program;
  out.module = std::move(c->module);
  return out;
}

BackgroundCompiler::BackgroundCompiler(CompileOptions options) : options_(std::move(options)) {
  options_.cancel = stop_source_.get_token();
  worker_ = std::thread([this] { loop(); });
}

BackgroundCompiler::~BackgroundCompiler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  stop_source_.request_stop();
  cv_.notify_all();
  worker_.join();
}

void BackgroundCompiler::submit(std::shared_ptr<const wasi::Program> program, Done done) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    queue_.emplace_back(std::move(program), std::move(done));
  }
  cv_.notify_one();
}

std::size_t BackgroundCompiler::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + (busy_ ? 1 : 0);
}

void BackgroundCompiler::wait_idle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
}

void BackgroundCompiler::loop() {
  for (;;) {
    std::pair<std::shared_ptr<const wasi::Program>, Done> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    auto result = native_program(*job.first, options_);
    if (job.second) job.second(std::move(result));
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace wavs::aot
