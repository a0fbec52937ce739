#include "cli/run_command.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "aot/aot.hpp"
#include "cli/options.hpp"
#include "common/json_text.hpp"
#include "wasi/error.hpp"
#include "wasi/run.hpp"
#include "wasm/wasm.hpp"

namespace wavs::cli {
namespace {

void print_stats(std::ostream& err, int exit_code, const std::string& trap, const wasi::RunResult* r,
                 std::string_view tier) {
  err << "{\"exit_code\":" << exit_code << ",\"tier\":\"" << tier << "\""
      << ",\"trap\":" << (trap.empty() ? std::string("null") : json_quote(trap))
      << ",\"fuel_consumed\":" << (r ? r->fuel_consumed : 0) << ",\"elapsed_us\":" << (r ? r->elapsed.count() : 0)
      << ",\"peak_memory_bytes\":" << (r ? r->peak_memory_bytes : 0) << "}\n";
}

}  // namespace

std::filesystem::path default_aot_cache() {
  if (const char* e = std::getenv("WAVS_AOT_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "wavs" / "aot";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "wavs" / "aot";
  return std::filesystem::temp_directory_path() / "wavs-aot";
}

bool use_native_tier(wasi::Program& program, const std::optional<std::string>& cache, std::string_view tool,
                     std::ostream& err) {
  aot::CompileOptions options;
  options.cache_dir = cache ? std::filesystem::path(*cache) : default_aot_cache();
  auto native = aot::native_program(program, options);
  if (!native) {
    err << tool << ": native code unavailable, using the interpreter: " << native.error().message() << "\n";
    return false;
  }
  program = std::move(*native);
  return true;
}

void add_run_options(CLI::App& cmd, RunCommand& o) {
  cmd.add_option("--time-limit", o.time_limit_s, "wall-clock limit in seconds (fractions allowed)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--fuel-limit", o.fuel_limit, "fuel limit in units of docs/sandbox.md's cost model");
  cmd.add_option("--max-memory", o.max_memory_bytes, "linear memory cap in bytes (whole 64 KiB pages)");
  cmd.add_option("--dir", o.dirs, "grant a host directory: HOST[::GUEST] (repeatable)")
      ->allow_extra_args(false);
  cmd.add_option("--env", o.env, "set a guest environment variable: K=V (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--stats", o.stats, "print one JSON line of run statistics to stderr at the end");
  cmd.add_option("--tier", o.tier,
                 "interp: the interpreter; aot: native code (compiled now unless cached); auto: cached native "
                 "code, else the interpreter while it compiles for the next run")
      ->check(CLI::IsMember({"interp", "aot", "auto"}))
      ->capture_default_str();
  cmd.add_option("--aot-cache", o.aot_cache, "directory of compiled native code (default ~/.cache/wavs/aot)");
  // Everything from the module's path on belongs to the guest, dashes included.
  cmd.prefix_command();
  cmd.footer(
      "Arguments: file.wasm [ARGS...] (everything from the module on goes to the guest).\n"
      "Exit code: the guest's own; 121 load error, 122 memory limit, 123 fuel exhausted,\n"
      "124 time limit, 134 trap (see docs/operations.md).\n");
}

int run_wasm(const RunCommand& o, std::ostream& out, std::ostream& err) {
  if (o.argv.empty()) {
    err << "wavs run: expected a module: wavs run [options] file.wasm [args...]\n";
    return 2;
  }
  const std::string& path = o.argv.front();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    err << "wavs run: cannot read " << path << "\n";
    return kExitRunLoad;
  }
  Bytes bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());

  wasi::RunOptions opts;
  opts.args = o.argv;
  for (const auto& text : o.env) {
    auto kv = split_key_value(text, "--env");
    if (!kv) {
      err << "wavs run: " << kv.error().detail() << "\n";
      return 2;
    }
    opts.env.push_back(std::move(*kv));
  }
  for (const auto& d : o.dirs) {
    auto sep = d.find("::");
    wasi::Preopen p;
    p.host_path = sep == std::string::npos ? d : d.substr(0, sep);
    p.guest_path = sep == std::string::npos ? d : d.substr(sep + 2);
    opts.preopens.push_back(std::move(p));
  }
  if (o.time_limit_s) {
    opts.limits.time = std::chrono::microseconds(static_cast<std::int64_t>(std::llround(*o.time_limit_s * 1e6)));
  }
  opts.limits.fuel = o.fuel_limit;
  if (o.max_memory_bytes) opts.limits.max_memory_bytes = *o.max_memory_bytes;
  opts.limits.max_stdout_bytes = std::size_t{1} << 30;
  opts.limits.max_stderr_bytes = std::size_t{1} << 30;
  opts.stdin_host_fd = STDIN_FILENO;
  opts.stdout_passthrough = [&out](std::string_view s) { out.write(s.data(), static_cast<std::streamsize>(s.size())).flush(); };
  opts.stderr_passthrough = [&err](std::string_view s) { err.write(s.data(), static_cast<std::streamsize>(s.size())).flush(); };
  // The guest sees a terminal only where the process really has one: the streams are the
  // process's own only when they are std::cout and std::cerr (tests pass string streams).
  opts.stdout_host_fd = &out == &std::cout ? STDOUT_FILENO : -1;
  opts.stderr_host_fd = &err == &std::cerr ? STDERR_FILENO : -1;

  wasm::Engine engine;
  auto program = wasi::prepare(engine, bytes);
  if (!program) {
    err << "wavs run: " << path << ": " << program.error().message() << "\n";
    if (o.stats) print_stats(err, kExitRunLoad, "load error", nullptr, o.tier);
    return kExitRunLoad;
  }

  // The tier: native code when asked for (or cached, for auto); a compile failure falls
  // back to the interpreter with a line saying why.
  auto tier = aot::parse_tier(o.tier);
  if (!tier) {
    err << "wavs run: " << tier.error().message() << "\n";
    return 2;
  }
  aot::CompileOptions aot_options;
  aot_options.cache_dir = o.aot_cache ? std::filesystem::path(*o.aot_cache) : default_aot_cache();
  std::string_view ran_on = "interp";
  std::optional<aot::BackgroundCompiler> background;
  if (*tier == aot::Tier::kNative) {
    if (use_native_tier(*program, o.aot_cache, "wavs run", err)) ran_on = "aot";
  } else if (*tier == aot::Tier::kAuto) {
    auto cached = aot::load_cached(*program->module, aot::native_options(*program), aot_options);
    if (cached && *cached) {
      program->module = (*cached)->module;
      ran_on = "aot";
    } else {
      // Fills the cache while the interpreter runs; waited for before exiting.
      background.emplace(aot_options);
      background->submit(std::make_shared<const wasi::Program>(*program), [](Result<wasi::Program>) {});
    }
  }

  auto result = wasi::run(*program, opts);
  if (!result) {
    int code = result.error().is(wasi::WasiErrc::kMemoryLimit) ? kExitRunMemoryLimit : kExitRunLoad;
    err << "wavs run: " << path << ": " << result.error().message() << "\n";
    if (o.stats) print_stats(err, code, code == kExitRunMemoryLimit ? "memory limit" : "load error", nullptr, ran_on);
    return code;
  }
  int code = result->exit_code;
  std::string trap;
  switch (result->stop) {
    case wasi::StopReason::kExited: break;
    case wasi::StopReason::kTrap: code = kExitRunTrap; trap = result->trap->message; break;
    case wasi::StopReason::kFuelExhausted: code = kExitRunFuel; trap = "fuel exhausted"; break;
    case wasi::StopReason::kTimeLimit: code = kExitRunTime; trap = "time limit"; break;
    // `wavs run` passes no cancellation token; counted as a trap should that change.
    case wasi::StopReason::kCancelled: code = kExitRunTrap; trap = "cancelled"; break;
  }
  if (result->stop != wasi::StopReason::kExited) err << "wavs run: " << result->summary() << "\n";
  if (o.stats) print_stats(err, code, trap, &*result, ran_on);
  if (background) background->wait_idle();
  return code;
}

}  // namespace wavs::cli
