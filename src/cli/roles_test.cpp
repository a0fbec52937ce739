#include "cli/roles.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace wavs::cli
