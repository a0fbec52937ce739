#include "component/runner.hpp"

namespace wavs::component {
wasi::RunLimits HostServices::default_caps() { return {}; }
Result<wasi::Program> load(const wasm::Engine& engine, ByteView wasm) { return wasi::prepare(engine, wasm); }
Result<ExecResult> execute(const wasi::Program&, const TriggerAction&, const WorkflowContext&, const HostServices&) {
  return Error(ComponentErrc::kUnavailable, "todo");
}
std::string stderr_tail(std::string_view s) { return std::string(s); }
std::string_view to_string(LogLevel) { return "info"; }
std::string_view to_string(ExecOutcome) { return "success"; }
}  // namespace wavs::component
