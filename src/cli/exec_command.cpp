#include "cli/exec_command.hpp"

#include <fstream>
#include <iterator>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/options.hpp"
#include "cli/run_command.hpp"
#include "common/config.hpp"
#include "common/utf8.hpp"
#include "component/chains.hpp"
#include "component/kv_store.hpp"
#include "component/manifest.hpp"
#include "component/runner.hpp"
#include "service/manifest.hpp"
#include "wasi/error.hpp"
#include "wasm/types.hpp"

namespace wavs::cli {
namespace {

using Json = nlohmann::ordered_json;

struct UsageError {
  std::string message;
};

std::pair<std::string, std::string> split_pair(const std::string& s, std::string_view flag) {
  auto kv = split_key_value(s, flag);
  if (!kv) throw UsageError{kv.error().detail()};
  return std::move(*kv);
}

std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError{"cannot read " + std::string(what) + " " + path};
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The trigger: whole TriggerAction documents keep their ids and trigger unless a manifest
// or flags override them.
component::TriggerAction build_action(const ExecCommand& o,
                                      const std::optional<component::WorkflowContext>& m) {
  component::TriggerAction action;
  if (!o.input.empty() && !o.input_raw.empty()) throw UsageError{"give --input or --input-raw, not both"};
  if (!o.input_raw.empty()) {
    auto bytes = from_hex(o.input_raw);
    if (!bytes) throw UsageError{"--input-raw: " + bytes.error().message()};
    action.data = component::Raw{std::move(*bytes)};
  } else if (!o.input.empty()) {
    const std::string text = o.input[0] == '@' ? read_text_file(o.input.substr(1), "input file") : o.input;
    auto doc = nlohmann::json::parse(text, nullptr, false);
    const bool whole = doc.is_object() && doc.contains("config") && doc.contains("data");
    if (whole) {
      auto parsed = component::parse_trigger_action(text);
      if (!parsed) throw UsageError{"--input: " + parsed.error().message()};
      action = std::move(*parsed);
    } else {
      auto parsed = component::parse_trigger_data(text);
      if (!parsed) throw UsageError{"--input: " + parsed.error().message()};
      action.data = std::move(*parsed);
    }
  }
  if (m) action = m->action(std::move(action.data));
  if (!o.service_id.empty()) {
    auto id = Hash256::from_hex(o.service_id);
    if (!id) throw UsageError{"--service-id: " + id.error().message()};
    action.service_id = *id;
  }
  if (!o.workflow_id.empty()) action.workflow_id = o.workflow_id;
  if (auto ok = component::check_workflow_id(action.workflow_id); !ok) {
    throw UsageError{"workflow id: " + ok.error().message()};
  }
  return action;
}

// The workflow: the manifest's when one is given, with flags adding to or overriding it.
component::WorkflowContext build_workflow(const ExecCommand& o, const component::TriggerAction& action,
                                          const std::optional<component::WorkflowContext>& m) {
  component::WorkflowContext w;
  if (m) {
    w = *m;
  } else {
    Json service = Json::object();
    service["name"] = "wavs-exec";
    service["workflows"] = Json::object();
    service["status"] = "active";
    service["manager"] = nullptr;
    w.service_json = service.dump();
  }
  w.service_id = action.service_id;
  w.workflow_id = action.workflow_id;
  w.trigger = action.trigger;
  service::Component& c = w.component;
  for (const auto& kv : o.config) {
    auto [k, v] = split_pair(kv, "--config");
    c.config[k] = v;
  }
  if (o.allow_http_all && !o.allow_http.empty()) throw UsageError{"give --allow-http or --allow-http-all, not both"};
  if (o.allow_http_all) {
    c.allowed_http_hosts = service::HttpHosts::all();
  } else if (!o.allow_http.empty()) {
    c.allowed_http_hosts = service::HttpHosts::only(o.allow_http);
  }
  for (const auto& k : o.env_keys) {
    if (k.rfind(wasi::kComponentEnvPrefix, 0) != 0) {
      throw UsageError{"--env-key " + k + ": component variables must start with " +
                       std::string(wasi::kComponentEnvPrefix)};
    }
  }
  c.env_keys.insert(c.env_keys.end(), o.env_keys.begin(), o.env_keys.end());
  if (!o.data_dir.empty()) c.file_system = true;
  if (o.fuel_limit) c.fuel_limit = o.fuel_limit;
  if (o.time_limit_s) c.time_limit_seconds = o.time_limit_s;
  return w;
}

int exit_code_for_load(const Error& e) {
  if (e.is(wasi::WasiErrc::kMemoryLimit)) return kExitRunMemoryLimit;
  if (e.code().category() == component::ComponentErrc_category()) return kExitUsage;
  return kExitRunLoad;
}

int exit_code_for(const component::ExecResult& r) {
  switch (r.outcome) {
    case component::ExecOutcome::kSuccess: return kExitOk;
    case component::ExecOutcome::kExit: return kExitFailure;
    case component::ExecOutcome::kTrap: return kExitRunTrap;
    case component::ExecOutcome::kFuelExhausted: return kExitRunFuel;
    case component::ExecOutcome::kTimeLimit: return kExitRunTime;
    case component::ExecOutcome::kCancelled: return kExitRunTrap;  // wavs exec passes no token
  }
  return kExitFailure;
}

// A payload shown as text only when it reads as text.
std::optional<std::string> as_text(const Bytes& payload) {
  std::string_view s(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (s.empty() || !valid_utf8(s)) return std::nullopt;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') return std::nullopt;
    if (c == 0x7f) return std::nullopt;
  }
  return std::string(s);
}

Json to_json(const component::ExecResult& r) {
  Json j = Json::object();
  j["ok"] = r.ok();
  j["outcome"] = std::string(component::to_string(r.outcome));
  // An exit status exists only when the component ended by itself.
  const bool exited = r.outcome == component::ExecOutcome::kSuccess || r.outcome == component::ExecOutcome::kExit;
  j["exit_code"] = exited ? Json(r.exit_code) : Json(nullptr);
  j["error"] = r.error.empty() ? Json(nullptr) : Json(r.error);
  Json responses = Json::array();
  for (const auto& resp : r.responses) {
    Json x = Json::object();
    x["payload"] = to_hex(resp.payload, HexPrefix::kWith);
    auto text = as_text(resp.payload);
    x["text"] = text ? Json(*text) : Json(nullptr);
    x["ordering"] = resp.ordering ? Json(std::to_string(*resp.ordering)) : Json(nullptr);
    x["salt"] = resp.salt ? Json(to_hex(*resp.salt, HexPrefix::kWith)) : Json(nullptr);
    x["event_id"] = resp.event_id.hex();
    responses.push_back(std::move(x));
  }
  j["responses"] = std::move(responses);
  Json logs = Json::array();
  for (const auto& l : r.logs) {
    logs.push_back(Json{{"level", std::string(wavs::to_string(component::to_log_level(l.level)))},
                        {"message", l.message}});
  }
  j["logs"] = std::move(logs);
  j["stdout"] = sanitize_utf8(r.stdout_data);
  j["stderr"] = sanitize_utf8(r.stderr_data);
  j["stdout_truncated"] = r.stdout_truncated;
  j["stderr_truncated"] = r.stderr_truncated;
  j["fuel_consumed"] = r.fuel_consumed;
  j["elapsed_us"] = r.elapsed.count();
  j["peak_memory_bytes"] = r.peak_memory_bytes;
  j["memory_cap_hit"] = r.memory_cap_hit;
  j["host_calls"] = r.host_calls;
  return j;
}

void print_human(const component::ExecResult& r, std::ostream& out) {
  out << "responses: " << r.responses.size() << "\n";
  for (std::size_t i = 0; i < r.responses.size(); ++i) {
    const auto& resp = r.responses[i];
    out << "  [" << i << "] " << to_hex(resp.payload, HexPrefix::kWith) << "\n";
    if (auto text = as_text(resp.payload)) out << "      text: " << *text << "\n";
    out << "      event id: " << resp.event_id.hex();
    if (resp.ordering) out << "  ordering: " << *resp.ordering;
    if (resp.salt) out << "  salt: " << to_hex(*resp.salt, HexPrefix::kWith);
    out << "\n";
  }
  for (const auto& l : r.logs)
    out << "log [" << wavs::to_string(component::to_log_level(l.level)) << "] " << l.message << "\n";
  if (!r.stdout_data.empty()) out << "stdout:\n" << sanitize_utf8(r.stdout_data) << (r.stdout_data.back() == '\n' ? "" : "\n");
  out << "outcome: " << component::to_string(r.outcome);
  if (!r.error.empty()) out << " (" << r.error << ")";
  out << "\nfuel: " << r.fuel_consumed << "  elapsed: " << static_cast<double>(r.elapsed.count()) / 1000.0
      << " ms  memory: " << r.peak_memory_bytes / 1024 << " KiB" << (r.memory_cap_hit ? " (memory limit reached)" : "")
      << "  host calls: " << r.host_calls << "\n";
}

}  // namespace

void add_exec_options(CLI::App& cmd, ExecCommand& o) {
  cmd.add_option("--component", o.component, "the component (.wasm)")->required();
  cmd.add_option("--input", o.input, "trigger data JSON ({\"raw\":\"0x07\"}, …), a whole TriggerAction, or @FILE");
  cmd.add_option("--input-raw", o.input_raw, "raw trigger bytes as 0x hex");
  cmd.add_option("--service", o.service,
                 "take the workflow (config, permissions, env keys, limits, ids) from this service.json");
  cmd.add_option("--service-id", o.service_id, "service id (64 hex; default zeros)");
  cmd.add_option("--workflow-id", o.workflow_id, "workflow id (default: default)");
  cmd.add_option("--config", o.config, "component config variable KEY=VALUE (repeatable)")->allow_extra_args(false);
  cmd.add_option("--env-key", o.env_keys, "let the component read this WAVS_ENV_* variable (repeatable)")
      ->allow_extra_args(false);
  cmd.add_option("--allow-http", o.allow_http, "allow HTTP to HOST[:PORT] or *.DOMAIN (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--allow-http-all", o.allow_http_all, "allow HTTP to any public host");
  cmd.add_option("--kv", o.kv, "key-value store: a SQLite file (created when missing)");
  cmd.add_option("--chain", o.chains, "chain for chain_rpc: KEY=URL, e.g. evm:31337=http://127.0.0.1:8545")
      ->allow_extra_args(false);
  cmd.add_option("--data-dir", o.data_dir, "grant file_system: the service's directory under DIR is /data");
  cmd.add_option("--fuel-limit", o.fuel_limit, "fuel limit (default 10^10)");
  cmd.add_option("--time-limit", o.time_limit_s, "wall-clock limit in seconds (default 30)")->check(CLI::PositiveNumber);
  cmd.add_option("--max-memory", o.max_memory_bytes, "linear memory cap in bytes (default 256 MiB)");
  cmd.add_flag("--json", o.json, "print one JSON object instead of a listing");
  cmd.add_option("--tier", o.tier, "interp: the interpreter; aot: native code (compiled unless cached)")
      ->check(CLI::IsMember({"interp", "aot"}))
      ->capture_default_str();
  cmd.add_option("--aot-cache", o.aot_cache, "directory of compiled native code (default ~/.cache/wavs/aot)");
  cmd.footer(
      "Exit code: 0 success, 1 the component exited non-zero, 2 bad usage or input, 121 load error,\n"
      "122 memory limit, 123 fuel exhausted, 124 time limit, 134 trap (see docs/operations.md).\n");
}

int exec_component(const ExecCommand& o, std::ostream& out, std::ostream& err) {
  try {
    std::optional<component::WorkflowContext> manifest;
    if (!o.service.empty()) {
      const std::string text = read_text_file(o.service, "service manifest");
      auto parsed = service::parse_manifest(text);
      if (!parsed) throw UsageError{o.service + ": " + parsed.error().message()};
      auto wf = component::workflow_context(*parsed, o.workflow_id.empty() ? "default" : o.workflow_id);
      if (!wf) throw UsageError{o.service + ": " + wf.error().message()};
      manifest = std::move(*wf);
    }
    const auto action = build_action(o, manifest);
    const auto workflow = build_workflow(o, action, manifest);

    component::HostServices services;
    services.log_to_host = false;  // logs are printed with the result
    services.host_env.clear();
    for (const auto& [k, v] : process_environment()) services.host_env.emplace_back(k, v);
    if (o.fuel_limit) services.caps.fuel = *o.fuel_limit;
    if (o.time_limit_s) services.caps.time = std::chrono::microseconds(static_cast<std::int64_t>(*o.time_limit_s * 1e6));
    if (o.max_memory_bytes) services.caps.max_memory_bytes = *o.max_memory_bytes;
    if (!o.data_dir.empty()) services.data_root = o.data_dir;

    auto chains = component::Chains::from_config_json(o.config_chains_json);
    if (!chains) throw UsageError{"configuration: " + chains.error().message()};
    for (const auto& c : o.chains) {
      auto [key, url] = split_pair(c, "--chain");
      if (auto ok = chains->add(key, {url}); !ok) throw UsageError{"--chain: " + ok.error().message()};
    }
    if (!chains->empty()) services.chains = &*chains;

    std::unique_ptr<component::KvStore> kv;
    if (!o.kv.empty()) {
      auto opened = component::KvStore::open(o.kv);
      if (!opened) throw UsageError{"--kv: " + opened.error().message()};
      kv = std::move(*opened);
      services.kv = kv.get();
    }
    component::OutboundHttp http;
    services.http = &http;

    std::ifstream file(o.component, std::ios::binary);
    if (!file) {
      err << "wavs exec: cannot read " << o.component << "\n";
      return kExitRunLoad;
    }
    Bytes bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    wasm::Engine engine;
    auto program = component::load(engine, bytes);
    if (!program) {
      err << "wavs exec: " << o.component << ": " << program.error().message() << "\n";
      return exit_code_for_load(program.error());
    }
    if (o.tier == "aot") (void)use_native_tier(*program, o.aot_cache, "wavs exec", err);
    auto result = component::execute(*program, action, workflow, services);
    if (!result) {
      err << "wavs exec: " << result.error().message() << "\n";
      return exit_code_for_load(result.error());
    }
    if (o.json) {
      out << to_json(*result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      print_human(*result, out);
      if (!result->ok() && !result->stderr_data.empty()) {
        err << "component stderr:\n" << sanitize_utf8(result->stderr_data);
        if (result->stderr_data.back() != '\n') err << "\n";
      }
    }
    return exit_code_for(*result);
  } catch (const UsageError& e) {
    err << "wavs exec: " << e.message << "\n";
    return kExitUsage;
  }
}

}  // namespace wavs::cli
