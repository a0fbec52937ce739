#include "component/runner.hpp"

#include <algorithm>
#include <cmath>
#include <system_error>

#include "common/utf8.hpp"
#include "component/host.hpp"
#include "wasi/error.hpp"
#include "wasi/wasi.hpp"
#include "wasm/types.hpp"

namespace wavs::component {
namespace {

constexpr std::size_t kStderrTailBytes = 1024;
constexpr std::string_view kDataGuestPath = "/data";

Error link_error(std::string detail) { return Error(wasm::WasmErrc::kUnlinkable, std::move(detail)); }

std::string import_name(const wasm::ImportDesc& im) { return im.module + "." + im.name; }

// Checks imports against what this host offers, before anything runs: a component
// built for another host (or a later ABI) is refused naming the first import we lack.
Status check_imports(const wasm::Module& module) {
  const auto wasi_fns = wasi::preview1_functions();
  const auto wavs_fns = wavs_v1_functions();
  for (const auto& im : module.imports()) {
    const bool is_wasi = im.module == wasi::kModuleName;
    const bool is_wavs = im.module == kImportModule;
    if (!is_wasi && !is_wavs) {
      return link_error("unknown import " + import_name(im) + " (a component may import only " +
                        std::string(wasi::kModuleName) + " and " + std::string(kImportModule) + ")");
    }
    if (im.kind != wasm::ExternKind::kFunc) {
      return link_error("import " + import_name(im) + " must be a function");
    }
    const wasm::FuncType* want = nullptr;
    if (is_wasi) {
      auto it = std::find_if(wasi_fns.begin(), wasi_fns.end(), [&](const auto& f) { return f.name == im.name; });
      if (it != wasi_fns.end()) want = &it->type;
    } else {
      auto it = std::find_if(wavs_fns.begin(), wavs_fns.end(), [&](const auto& f) { return f.name == im.name; });
      if (it != wavs_fns.end()) want = &it->type;
    }
    if (want == nullptr) return link_error("unknown import " + import_name(im));
    if (!(*want == im.func)) {
      return link_error("import " + import_name(im) + " has type " + wasm::to_string(im.func) + ", the host's is " +
                        wasm::to_string(*want));
    }
  }
  return {};
}

Status check_exports(const wasm::Module& module) {
  bool memory = false;
  for (const auto& ex : module.exports()) {
    if (ex.name == "memory" && ex.kind == wasm::ExternKind::kMemory) memory = true;
  }
  if (!memory) return Error(wasi::WasiErrc::kNoEntry, "a component must export its memory as \"memory\"");
  auto start = module.export_func_type("_start");
  if (!start) return Error(wasi::WasiErrc::kNoEntry, "no exported function \"_start\" (is it a WASI command?)");
  if (!start->params.empty() || !start->results.empty()) {
    return Error(wasi::WasiErrc::kNoEntry, "\"_start\" must take and return nothing, has " + wasm::to_string(*start));
  }
  return {};
}

std::string seconds_text(std::chrono::microseconds us) {
  const double s = static_cast<double>(us.count()) / 1e6;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

wasi::RunLimits HostServices::default_caps() {
  wasi::RunLimits caps;
  caps.fuel = 10'000'000'000ull;
  caps.time = std::chrono::seconds(30);
  caps.max_memory_bytes = 256ull << 20;
  return caps;
}

wavs::LogLevel to_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return wavs::LogLevel::kError;
    case LogLevel::kWarn:
      return wavs::LogLevel::kWarn;
    case LogLevel::kInfo:
      return wavs::LogLevel::kInfo;
    case LogLevel::kDebug:
      return wavs::LogLevel::kDebug;
    case LogLevel::kTrace:
      return wavs::LogLevel::kTrace;
  }
  return wavs::LogLevel::kInfo;
}

std::string_view to_string(ExecOutcome outcome) {
  switch (outcome) {
    case ExecOutcome::kSuccess: return "success";
    case ExecOutcome::kExit: return "exit";
    case ExecOutcome::kTrap: return "trap";
    case ExecOutcome::kFuelExhausted: return "fuel_exhausted";
    case ExecOutcome::kTimeLimit: return "time_limit";
    case ExecOutcome::kCancelled: return "cancelled";
  }
  return "success";
}

std::string stderr_tail(std::string_view stderr_data) {
  std::string_view tail = stderr_data.substr(utf8_suffix_start(stderr_data, kStderrTailBytes));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ' || tail.back() == '\t')) {
    tail.remove_suffix(1);
  }
  return sanitize_utf8(tail);
}

Result<wasi::Program> load(const wasm::Engine& engine, ByteView wasm) {
  // The fuel pass keeps imports and exports (it only adds its own exports), and prepare
  // reports a malformed module against the original bytes: one compile serves both.
  auto program = wasi::prepare(engine, wasm, /*meter_fuel=*/true);
  if (!program) return program.error();
  if (auto ok = check_imports(*program->module); !ok) return ok.error();
  if (auto ok = check_exports(*program->module); !ok) return ok.error();
  return program;
}

Result<ExecResult> execute(const wasi::Program& program, const TriggerAction& action, const WorkflowContext& workflow,
                           const HostServices& services, std::stop_token cancel) {
  if (action.service_id != workflow.service_id || action.workflow_id != workflow.workflow_id) {
    return Error(ComponentErrc::kBadContext, "the trigger action is for " + action.service_id.hex(HexPrefix::kNone) +
                                                 "/" + action.workflow_id + ", the workflow is " +
                                                 workflow.service_id.hex(HexPrefix::kNone) + "/" + workflow.workflow_id);
  }
  if (auto ok = check_workflow_id(workflow.workflow_id); !ok) return ok.error();

  const service::Component& component = workflow.component;
  wasi::RunLimits own;
  own.fuel = component.fuel_limit;
  if (component.time_limit_seconds) {
    const double s = *component.time_limit_seconds;
    if (!(s > 0) || !std::isfinite(s)) {
      return Error(ComponentErrc::kBadContext, "time_limit_seconds must be a positive number");
    }
    own.time = std::chrono::microseconds(static_cast<std::int64_t>(std::min(s, 1e9) * 1e6));
  }
  const wasi::RunLimits limits = own.within(services.caps);

  wasi::RunOptions options;
  options.args = {"component"};
  options.env = wasi::component_env(services.host_env, component.env_keys);
  const std::string input = to_json(action);
  options.stdin_bytes.assign(input.begin(), input.end());
  options.limits = limits;
  options.cancel = cancel;
  if (component.file_system) {
    if (!services.data_root) {
      return Error(ComponentErrc::kUnavailable, "the workflow asks for file_system but this host has no data directory");
    }
    // One directory per service, shared by its workflows and kept across runs.
    const auto dir = *services.data_root / workflow.service_id.hex(HexPrefix::kNone);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error(ComponentErrc::kInternal, "cannot create the service directory: " + ec.message());
    options.preopens.push_back({dir.string(), std::string(kDataGuestPath)});
  }

  // The run's wall clock starts at instantiation inside wasi::run; host calls use the
  // same end so none outlives the run.
  const auto deadline = limits.time ? std::chrono::steady_clock::now() + *limits.time
                                    : std::chrono::steady_clock::time_point::max();
  auto host = HostRun::create(action, workflow, services, deadline, HostLimits{}, cancel);
  if (!host) return host.error();
  static const wasm::Linker kLinker = [] {
    wasm::Linker l;
    wasi::WasiContext::link_active(l);
    HostRun::link_active(l);
    return l;
  }();
  options.linker = &kLinker;
  HostRun::Scope scope(*host);

  auto run = wasi::run(program, options);
  if (!run) return run.error();

  ExecResult r;
  r.stdout_data = std::move(run->stdout_data);
  r.stderr_data = std::move(run->stderr_data);
  r.stdout_truncated = run->stdout_truncated;
  r.stderr_truncated = run->stderr_truncated;
  r.fuel_consumed = run->fuel_consumed;
  r.elapsed = run->elapsed;
  r.peak_memory_bytes = run->peak_memory_bytes;
  r.memory_cap_hit = run->memory_cap_hit;
  r.host_calls = host->calls();
  r.logs = host->take_logs();
  const std::string tail = stderr_tail(r.stderr_data);
  const auto with_tail = [&](std::string head) { return tail.empty() ? head : head + ": " + tail; };
  switch (run->stop) {
    case wasi::StopReason::kExited:
      r.exit_code = run->exit_code;
      if (run->exit_code == 0) {
        r.outcome = ExecOutcome::kSuccess;
        r.responses = host->take_responses();
      } else {
        r.outcome = ExecOutcome::kExit;
        r.error = with_tail("exit " + std::to_string(run->exit_code));
      }
      break;
    case wasi::StopReason::kTrap:
      r.outcome = ExecOutcome::kTrap;
      r.error = with_tail("trap: " + (run->trap ? run->trap->message : std::string("unknown")));
      break;
    case wasi::StopReason::kFuelExhausted:
      r.outcome = ExecOutcome::kFuelExhausted;
      r.error = "fuel exhausted after " + std::to_string(limits.fuel.value_or(0)) + " units";
      break;
    case wasi::StopReason::kTimeLimit:
      r.outcome = ExecOutcome::kTimeLimit;
      r.error = "time limit of " + seconds_text(limits.time.value_or(std::chrono::microseconds(0))) + " s exceeded";
      break;
    case wasi::StopReason::kCancelled:
      r.outcome = ExecOutcome::kCancelled;
      r.error = "cancelled (the node is shutting down or the service was removed)";
      break;
  }
  return r;
}

}  // namespace wavs::component
