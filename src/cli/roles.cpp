#include "cli/roles.hpp"

#include <string>

#include "aggregator/config.hpp"
#include "common/settings.hpp"
#include "node/config.hpp"

namespace wavs::cli {
namespace {

ConfigSchema cli_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  s.add({"evm_credential", ConfigType::kString, {}, "0x private key or mnemonic for deployments", true})
      .add({"wavs_endpoint", ConfigType::kString, std::string("http://127.0.0.1:8000"), "node to talk to"});
  return s;
}

ConfigSchema own_schema(Role role) {
  switch (role) {
    case Role::kNode:
      return node::config_schema();
    case Role::kAggregator:
      return aggregator::config_schema();
    case Role::kCli:
      return cli_schema();
  }
  return node::config_schema();
}

}  // namespace

std::string_view section_name(Role role) {
  switch (role) {
    case Role::kNode:
      return node::kSection;
    case Role::kAggregator:
      return aggregator::kSection;
    case Role::kCli:
      return "cli";
  }
  return node::kSection;
}

std::string_view env_prefix(Role role) {
  switch (role) {
    case Role::kNode:
      return node::kEnvPrefix;
    case Role::kAggregator:
      return aggregator::kEnvPrefix;
    case Role::kCli:
      return "WAVS_CLI_";
  }
  return node::kEnvPrefix;
}

ConfigSchema schema_for(Role role) {
  ConfigSchema s = own_schema(role);
  // [default] is shared by all roles: a key any role knows is accepted there.
  for (auto other : {Role::kNode, Role::kAggregator, Role::kCli}) {
    const ConfigSchema theirs = own_schema(other);
    for (const auto& k : theirs.keys()) {
      if (!s.find(k.name)) s.tolerate(k.name);
    }
  }
  return s;
}

}  // namespace wavs::cli
