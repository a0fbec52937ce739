#include "cli/roles.hpp"

#include <set>
#include <string>

namespace wavs::cli {
namespace {

void add_shared(ConfigSchema& s) {
  s.add({"log_level", ConfigType::kString, std::string("info"), "trace, debug, info, warn, error or off"})
      .add({"log_format", ConfigType::kString, std::string("text"), "text or json (one object per line)"})
      .add({"data", ConfigType::kString, std::string("./wavs-data"), "directory for databases and components"})
      .add({"chains", ConfigType::kTable, {}, "chains by namespace and id: [default.chains.evm.<id>]"});
}

ConfigSchema node_schema() {
  ConfigSchema s;
  add_shared(s);
  s.add({"host", ConfigType::kString, std::string("127.0.0.1"), "HTTP API bind address"})
      .add({"port", ConfigType::kInt, std::int64_t{8000}, "HTTP API port"})
      .add({"signing_mnemonic", ConfigType::kString, {}, "operator mnemonic (BIP-39)", true})
      .add({"max_wasm_fuel", ConfigType::kInt, std::int64_t{10'000'000'000}, "node-wide fuel cap per run"})
      .add({"max_execution_seconds", ConfigType::kDouble, 30.0, "node-wide wall-clock cap per run"})
      .add({"max_memory_bytes", ConfigType::kInt, std::int64_t{256} << 20, "node-wide linear memory cap"})
      .add({"ipfs_gateway", ConfigType::kString, std::string("https://gateway.pinata.cloud/ipfs/"),
            "gateway for ipfs:// service URIs"})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true})
      .add({"dev_endpoints_enabled", ConfigType::kBool, false, "enable /dev/* routes"});
  return s;
}

ConfigSchema aggregator_schema() {
  ConfigSchema s;
  add_shared(s);
  s.add({"host", ConfigType::kString, std::string("127.0.0.1"), "HTTP API bind address"})
      .add({"port", ConfigType::kInt, std::int64_t{8001}, "HTTP API port"})
      .add({"aggregator_evm_credential", ConfigType::kString, {}, "0x private key or mnemonic", true})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true});
  return s;
}

ConfigSchema cli_schema() {
  ConfigSchema s;
  add_shared(s);
  s.add({"evm_credential", ConfigType::kString, {}, "0x private key or mnemonic for deployments", true})
      .add({"wavs_endpoint", ConfigType::kString, std::string("http://127.0.0.1:8000"), "node to talk to"});
  return s;
}

}  // namespace

std::string_view section_name(Role role) {
  switch (role) {
    case Role::kNode: return "wavs";
    case Role::kAggregator: return "aggregator";
    case Role::kCli: return "cli";
  }
  return "wavs";
}

std::string_view env_prefix(Role role) {
  switch (role) {
    case Role::kNode: return "WAVS_";
    case Role::kAggregator: return "WAVS_AGGREGATOR_";
    case Role::kCli: return "WAVS_CLI_";
  }
  return "WAVS_";
}

ConfigSchema schema_for(Role role) {
  ConfigSchema s = role == Role::kNode         ? node_schema()
                   : role == Role::kAggregator ? aggregator_schema()
                                               : cli_schema();
  // [default] is shared by all roles: a key any role knows is accepted there.
  for (auto other : {node_schema(), aggregator_schema(), cli_schema()}) {
    for (const auto& k : other.keys()) {
      if (!s.find(k.name)) s.tolerate(k.name);
    }
  }
  return s;
}

}  // namespace wavs::cli
