#pragma once
// `wavs exec`: runs a service component once on a trigger input, with the same host
// (wavs_v1 imports, sandbox, limits) a node uses, and prints its responses, logs, fuel
// and time. The tool for writing and debugging components without a chain.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace wavs::cli {

struct ExecCommand {
  std::string component;                  // path to the .wasm
  std::string input;                      // trigger data or TriggerAction JSON, or @file
  std::string input_raw;                  // 0xhex: raw trigger bytes
  std::string service;                    // a service manifest (service.json) to take the workflow from
  std::string service_id;                 // 64 hex; default zeros (or the manifest's)
  std::string workflow_id;                // default "default"
  std::vector<std::string> config;        // KEY=VALUE
  std::vector<std::string> env_keys;      // WAVS_ENV_*
  std::vector<std::string> allow_http;    // only-list entries
  bool allow_http_all = false;
  std::string kv;                         // SQLite file
  std::vector<std::string> chains;        // KEY=URL
  std::string data_dir;                   // grants file_system: service dirs under it
  std::optional<std::uint64_t> fuel_limit;
  std::string tier = "interp";            // interp | aot (native code, docs/operations.md)
  std::optional<std::string> aot_cache;   // as `wavs run --aot-cache`
  std::optional<double> time_limit_s;
  std::optional<std::uint64_t> max_memory_bytes;
  bool json = false;
  std::string config_chains_json;         // the configuration's `chains` table (JSON)
};

void add_exec_options(CLI::App& cmd, ExecCommand& options);

// Exit codes: 0 success, 1 the component exited non-zero, 2 usage or bad input, and
// those of `wavs run` for load (121), memory (122), fuel (123), time (124), trap (134).
int exec_component(const ExecCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
