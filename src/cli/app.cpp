#include "cli/app.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/deploy_command.hpp"
#include "cli/devnet_command.hpp"
#include "cli/exec_command.hpp"
#include "cli/keys_command.hpp"
#include "cli/options.hpp"
#include "cli/roles.hpp"
#include "cli/service_command.hpp"
#include "cli/run_command.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "cli/aggregator_command.hpp"
#include "cli/node_command.hpp"
#include "node/config.hpp"

#ifndef WAVS_VERSION
#define WAVS_VERSION "0.0.0"
#endif

namespace wavs::cli {
namespace {

struct GlobalOptions {
  std::string config_file;  // empty: ./wavs.toml when it exists
  std::string log_level;    // empty: from configuration
  std::string log_format;
};

// Options for every key of a role's schema (--port, --log-level…), secrets excepted:
// flags show up in `ps`, so secrets come from the file or the environment only.
struct RoleFlags {
  std::map<std::string, std::string> values;
  void attach(CLI::App& cmd, const ConfigSchema& schema) {
    for (const auto& key : schema.keys()) {
      if (key.secret) continue;
      std::string flag = key.name;
      std::replace(flag.begin(), flag.end(), '_', '-');
      cmd.add_option("--" + flag, values[key.name], key.help);
    }
  }
  std::vector<std::pair<std::string, std::string>> given(const CLI::App& cmd) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : values) {
      std::string flag = name;
      std::replace(flag.begin(), flag.end(), '_', '-');
      if (cmd.count("--" + flag) > 0) out.emplace_back(name, value);
    }
    return out;
  }
};

Result<Config> load_role(Role role, const GlobalOptions& global,
                         std::vector<std::pair<std::string, std::string>> flags) {
  ConfigInputs in;
  in.section = std::string(section_name(role));
  in.env_prefix = std::string(env_prefix(role));
  in.env = process_environment();
  in.flags = std::move(flags);
  if (!global.config_file.empty()) {
    in.file = global.config_file;
    in.file_required = true;
  } else {
    in.file = "wavs.toml";
  }
  return load_config(schema_for(role), in);
}

int apply_logging(const GlobalOptions& global, const Config& config, std::ostream& err) {
  auto level = parse_log_level(global.log_level.empty() ? config.get_string("log_level", "info")
                                                        : global.log_level);
  auto format = parse_log_format(global.log_format.empty() ? config.get_string("log_format", "text")
                                                           : global.log_format);
  if (!level || !format) {
    err << "wavs: " << (!level ? level.error() : format.error()).message() << "\n";
    return kExitUsage;
  }
  init_logging({*level, *format});
  return kExitOk;
}

// The node role's typed settings (with `flags` as the flag layer), logging applied; an
// exit code other than kExitOk when the configuration or a value is bad.
int load_node_settings(const GlobalOptions& global, std::vector<std::pair<std::string, std::string>> flags,
                       std::ostream& err, std::optional<node::Settings>& settings) {
  auto config = load_role(Role::kNode, global, std::move(flags));
  if (!config) {
    err << "wavs: " << config.error().message() << "\n";
    return kExitUsage;
  }
  if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
  auto read = node::Settings::from_config(*config);
  if (!read) {
    err << "wavs: " << read.error().message() << "\n";
    return kExitUsage;
  }
  settings = std::move(*read);
  return kExitOk;
}

struct Planned {
  const char* name;
  const char* description;
};

// Subcommands whose modules are not part of this build yet. They are listed in --help
// so the command surface is visible, and they say plainly that they are not available.
// None is planned now; the mechanism stays for the next one.
constexpr std::array<Planned, 0> kPlanned{};

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"wavs: verifiable off-chain services. Contract events, block intervals and cron\n"
               "schedules trigger sandboxed WebAssembly components; operators sign the results\n"
               "and an aggregator lands them on chain in one transaction.",
               "wavs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("wavs ") + WAVS_VERSION);
  GlobalOptions global;
  app.add_option("--config", global.config_file, "configuration file (default: ./wavs.toml if present)");
  app.add_option("--log-level", global.log_level, "override log_level");
  app.add_option("--log-format", global.log_format, "override log_format (text or json)");

  auto* config_cmd = app.add_subcommand("config", "print the effective configuration of a role and where each value came from");
  std::string role_name = "wavs";
  config_cmd->add_option("--role", role_name, "wavs (node), aggregator or cli")
      ->check(CLI::IsMember({"wavs", "aggregator", "cli"}));
  std::vector<std::string> sets;
  config_cmd->add_option("--set", sets, "override a key as a flag would: key=value (repeatable)");

  auto* run_cmd = app.add_subcommand("run", "run any WASI preview 1 command module in the sandbox");
  RunCommand run_options;
  add_run_options(*run_cmd, run_options);

  auto* exec_cmd = app.add_subcommand("exec", "run a service component once on a trigger input, as a node would");
  ExecCommand exec_options;
  add_exec_options(*exec_cmd, exec_options);

  auto* service_cmd = app.add_subcommand("service", "work with service manifests (service.json)");
  ServiceCommand service_options;
  auto* validate_cmd = add_service_options(*service_cmd, service_options);

  auto* keys_cmd = app.add_subcommand("keys", "print the operator address and per-service signing addresses");
  KeysCommand keys_options;
  add_keys_options(*keys_cmd, keys_options);

  auto* node_cmd = app.add_subcommand("node", "run an operator node: triggers, component runs, signing, HTTP API");
  NodeCommand node_options;
  add_node_options(*node_cmd, node_options);

  auto* aggregator_cmd =
      app.add_subcommand("aggregator", "run an aggregator: collect signed results, submit once quorum is reached");
  AggregatorCommand aggregator_options;
  add_aggregator_options(*aggregator_cmd, aggregator_options);

  auto* deploy_cmd = app.add_subcommand("deploy", "deploy the WAVS contracts, register operators, set a service URI");
  DeployCommand deploy_options;
  add_deploy_options(*deploy_cmd, deploy_options);

  auto* devnet_cmd = app.add_subcommand(
      "devnet", "run a whole network locally: anvil, contracts, operators' nodes, aggregators, a service");
  DevnetCommand devnet_options;
  add_devnet_options(*devnet_cmd, devnet_options);

  std::vector<std::pair<CLI::App*, const Planned*>> planned;
  for (const auto& p : kPlanned) {
    auto* cmd = app.add_subcommand(p.name, std::string(p.description) + " [not in this build yet]");
    cmd->allow_extras();
    planned.emplace_back(cmd, &p);
  }

  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (config_cmd->parsed()) {
    Role role = role_name == "aggregator" ? Role::kAggregator : role_name == "cli" ? Role::kCli : Role::kNode;
    std::vector<std::pair<std::string, std::string>> flags;
    for (const auto& s : sets) {
      auto kv = split_key_value(s, "--set");
      if (!kv) {
        err << "wavs config: " << kv.error().detail() << "\n";
        return kExitUsage;
      }
      flags.push_back(std::move(*kv));
    }
    auto config = load_role(role, global, std::move(flags));
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
    out << "# role: " << section_name(role) << " (env prefix " << env_prefix(role) << ")\n"
        << config->dump(schema_for(role));
    return kExitOk;
  }

  if (run_cmd->parsed()) {
    run_options.argv = run_cmd->remaining();
    return run_wasm(run_options, out, err);
  }

  if (exec_cmd->parsed()) {
    // Chains come from the configuration (as a node's would) plus --chain flags.
    auto config = load_role(Role::kCli, global, {});
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
    exec_options.config_chains_json = config->get_string("chains");
    return exec_component(exec_options, out, err);
  }

  if (validate_cmd->parsed()) return validate_services(service_options, out, err);

  if (keys_cmd->parsed()) {
    // The mnemonic is the node's, read as the node reads it.
    std::optional<node::Settings> settings;
    if (int rc = load_node_settings(global, {}, err, settings); rc != kExitOk) return rc;
    keys_options.config_mnemonic = std::move(settings->signing_mnemonic);
    keys_options.data_dir = settings->shared.data;
    return print_keys(keys_options, out, err);
  }

  if (node_cmd->parsed()) {
    std::optional<node::Settings> settings;
    if (int rc = load_node_settings(global, node_flags(node_options), err, settings); rc != kExitOk) return rc;
    if (!node_options.with_aggregator) return run_node(node_options, *settings, out, err);
    auto config = load_role(Role::kAggregator, global, {});
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    auto agg_settings = aggregator::Settings::from_config(*config);
    if (!agg_settings) {
      err << "wavs: " << agg_settings.error().message() << "\n";
      return kExitUsage;
    }
    return run_node(node_options, *settings, out, err, &*agg_settings);
  }

  if (aggregator_cmd->parsed()) {
    auto config = load_role(Role::kAggregator, global, aggregator_flags(aggregator_options));
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
    auto settings = aggregator::Settings::from_config(*config);
    if (!settings) {
      err << "wavs: " << settings.error().message() << "\n";
      return kExitUsage;
    }
    return run_aggregator(aggregator_options, *settings, out, err);
  }

  if (deploy_cmd->parsed()) {
    // The deployer's key is the [cli] role's evm_credential (file or environment only).
    auto config = load_role(Role::kCli, global, {});
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
    deploy_options.config_credential = Secret(config->get_string("evm_credential"));
    return run_deploy(deploy_options, out, err);
  }

  if (devnet_cmd->parsed()) {
    // Logging as the [cli] role has it; the devnet's own processes get their own files.
    auto config = load_role(Role::kCli, global, {});
    if (!config) {
      err << "wavs: " << config.error().message() << "\n";
      return kExitUsage;
    }
    if (int rc = apply_logging(global, *config, err); rc != kExitOk) return rc;
    return run_devnet(devnet_options, out, err);
  }

  for (const auto& [cmd, p] : planned) {
    if (cmd->parsed()) {
      err << "wavs " << p->name << ": not available in this build yet (" << p->description << ")\n";
      return kExitNotImplemented;
    }
  }
  return kExitUsage;
}

}  // namespace wavs::cli
