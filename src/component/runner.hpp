#pragma once
// Running a component once for one trigger: the ABI of docs/component-abi.md over the
// sandbox of src/wasi. Used alike by `wavs exec` and the node.
//
//   wasm::Engine engine;
//   auto program = component::load(engine, wasm_bytes);       // checks imports, meters, compiles
//   component::HostServices services;                         // node-lifetime: KV, HTTP, chains
//   auto workflow = component::workflow_context(manifest, "default");  // component/manifest.hpp
//   auto action = workflow->action(component::Raw{bytes});     // or any TriggerData
//   auto result = component::execute(*program, action, *workflow, services);
//   if (result && result->ok()) for (auto& r : result->responses) ...;
//
// Failures before the guest runs (malformed module, an import the host does not offer,
// no `_start`, memory over the cap, a bad context) are Errors. Everything that happens
// while it runs is in ExecResult: a failed run (non-zero exit, trap, fuel, time) has
// `error` set and no responses, whatever `respond` accepted before.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "component/error.hpp"
#include "component/outbound_http.hpp"
#include "component/trigger.hpp"
#include "eth/envelope.hpp"
#include "service/manifest.hpp"
#include "wasi/run.hpp"
#include "wasm/wasm.hpp"

namespace wavs::component {

class KvStore;
class Chains;

// The import module this host provides.
inline constexpr std::string_view kImportModule = "wavs_v1";

// One workflow of a service as a run sees it: the manifest's typed values, not its text.
// component::workflow_context (component/manifest.hpp) builds it from a parsed manifest;
// `wavs exec` without a manifest fills it from flags.
struct WorkflowContext {
  Hash256 service_id;
  std::string workflow_id = "default";
  std::string service_json = "{}";                      // the whole manifest, for service_info
  service::Trigger trigger = service::ManualTrigger{};  // what starts it (config.trigger)
  service::Component component;                         // config, permissions, env keys, limits

  // The TriggerAction of this workflow for `data`: the ids and trigger are this context's.
  [[nodiscard]] TriggerAction action(TriggerData data) const {
    return {service_id, workflow_id, trigger, std::move(data)};
  }
};

// Shared by all runs of a node (or one `wavs exec`); each may be absent, and then its
// imports return WAVS_E_UNAVAILABLE.
struct HostServices {
  KvStore* kv = nullptr;
  OutboundHttp* http = nullptr;
  const Chains* chains = nullptr;
  wasi::EnvList host_env;                          // filtered per run by env_keys
  std::optional<std::filesystem::path> data_root;  // per-service directories for file_system
  wasi::RunLimits caps = default_caps();           // node-wide caps over each workflow's own
  bool log_to_host = true;                         // also write guest logs to the process log

  // max_wasm_fuel 10^10, max_execution_seconds 30, max_memory_bytes 256 MiB.
  [[nodiscard]] static wasi::RunLimits default_caps();
};

// The `log` import's level argument: a wire value of ABI v1 (0 error .. 4 trace).
enum class LogLevel : std::uint8_t { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };
// The one mapping between the ABI's levels and the process's: a guest's line is logged
// (and printed) at wavs::LogLevel, named by wavs::to_string.
[[nodiscard]] wavs::LogLevel to_log_level(LogLevel level);

struct LogLine {
  LogLevel level = LogLevel::kInfo;
  std::string message;
};

struct Response {
  Bytes payload;
  std::optional<std::uint64_t> ordering;
  std::optional<Bytes> salt;
  eth::EventId event_id;
};

enum class ExecOutcome : std::uint8_t { kSuccess, kExit, kTrap, kFuelExhausted, kTimeLimit, kCancelled };
[[nodiscard]] std::string_view to_string(ExecOutcome outcome);

struct ExecResult {
  ExecOutcome outcome = ExecOutcome::kSuccess;
  std::int32_t exit_code = 0;   // for kExit (non-zero)
  std::string error;            // empty on success: "exit 3: <stderr tail>", "trap: …", …
  std::vector<Response> responses;  // only on success
  std::vector<LogLine> logs;
  std::string stdout_data, stderr_data;
  bool stdout_truncated = false, stderr_truncated = false;
  std::uint64_t fuel_consumed = 0;
  std::chrono::microseconds elapsed{0};
  std::uint64_t peak_memory_bytes = 0;
  bool memory_cap_hit = false;   // a memory.grow was refused by the memory cap
  std::uint32_t host_calls = 0;  // wavs_v1 calls made

  [[nodiscard]] bool ok() const { return outcome == ExecOutcome::kSuccess; }
};

// Prepares a component: checks it is a WASI command that imports only
// wasi_snapshot_preview1 and wavs_v1 functions this host offers (with the documented
// signatures), exports `memory` and `_start`; then meters and compiles it. Errors name
// the cause ("unknown import wavs_v1.kv_gett", "no exported memory").
[[nodiscard]] Result<wasi::Program> load(const wasm::Engine& engine, ByteView wasm);

// Runs `program` once with `action` on stdin. A stop request on `cancel` ends the run
// promptly with ExecOutcome::kCancelled.
[[nodiscard]] Result<ExecResult> execute(const wasi::Program& program, const TriggerAction& action,
                                         const WorkflowContext& workflow, const HostServices& services,
                                         std::stop_token cancel = {});

// The last 1 KiB of stderr, cut at a UTF-8 boundary, trailing whitespace trimmed.
[[nodiscard]] std::string stderr_tail(std::string_view stderr_data);

}  // namespace wavs::component
