#include "cli/roles.hpp"

#include <gtest/gtest.h>

#include "aggregator/config.hpp"
#include "node/config.hpp"

namespace wavs::cli {
namespace {

TEST(Roles, EnvPrefixesFollowUpstream) {
  EXPECT_EQ(env_prefix(Role::kNode), "WAVS_");
  EXPECT_EQ(env_prefix(Role::kAggregator), "WAVS_AGGREGATOR_");
  EXPECT_EQ(env_prefix(Role::kCli), "WAVS_CLI_");
}

TEST(Roles, SecretsAreMarked) {
  auto node = schema_for(Role::kNode);
  ASSERT_NE(node.find("signing_mnemonic"), nullptr);
  EXPECT_TRUE(node.find("signing_mnemonic")->secret);
  EXPECT_TRUE(node.find("bearer_token")->secret);
  auto agg = schema_for(Role::kAggregator);
  EXPECT_TRUE(agg.find("aggregator_evm_credential")->secret);
}

TEST(Roles, DefaultSectionToleratesOtherRolesKeys) {
  auto node = schema_for(Role::kNode);
  EXPECT_EQ(node.find("aggregator_evm_credential"), nullptr);
  EXPECT_TRUE(node.tolerated("aggregator_evm_credential"));
}

// The node's and the aggregator's keys are their libraries' schemas, unchanged.
TEST(Roles, NodeAndAggregatorSchemasComeFromTheirLibraries) {
  auto names = [](const ConfigSchema& s) {
    std::vector<std::string> out;
    for (const auto& k : s.keys()) out.push_back(k.name);
    return out;
  };
  EXPECT_EQ(names(schema_for(Role::kNode)), names(node::config_schema()));
  EXPECT_EQ(names(schema_for(Role::kAggregator)), names(aggregator::config_schema()));
  EXPECT_EQ(section_name(Role::kNode), node::kSection);
  EXPECT_EQ(section_name(Role::kAggregator), aggregator::kSection);
  EXPECT_EQ(section_name(Role::kCli), "cli");
}

TEST(Roles, EveryRoleToleratesTheOthersKeys) {
  EXPECT_TRUE(schema_for(Role::kNode).tolerated("evm_credential"));
  EXPECT_TRUE(schema_for(Role::kAggregator).tolerated("max_wasm_fuel"));
  EXPECT_TRUE(schema_for(Role::kCli).tolerated("signing_mnemonic"));
  EXPECT_FALSE(schema_for(Role::kCli).tolerated("wavs_endpoint"));  // its own key
  EXPECT_TRUE(schema_for(Role::kCli).find("evm_credential")->secret);
}

}  // namespace
}  // namespace wavs::cli
