#include "aggregator/config.hpp"

#include <gtest/gtest.h>

namespace wavs::aggregator {
namespace {

Result<Settings> settings(std::map<std::string, std::string> env) {
  ConfigInputs in;
  in.section = std::string(kSection);
  in.env_prefix = std::string(kEnvPrefix);
  in.env = std::move(env);
  auto config = load_config(config_schema(), in);
  if (!config) return config.error();
  return Settings::from_config(*config);
}

TEST(AggregatorConfig, SectionAndPrefixFollowUpstream) {
  EXPECT_EQ(kSection, "aggregator");
  EXPECT_EQ(kEnvPrefix, "WAVS_AGGREGATOR_");
}

TEST(AggregatorConfig, SchemaListsSharedKeysFirstAndMarksSecrets) {
  const auto schema = config_schema();
  std::vector<std::string> names;
  for (const auto& k : schema.keys()) names.push_back(k.name);
  EXPECT_EQ(names, (std::vector<std::string>{"log_level", "log_format", "data", "chains", "host", "port",
                                             "aggregator_evm_credential", "bearer_token", "aggregator_set",
                                             "takeover_ms"}));
  EXPECT_TRUE(schema.find("aggregator_evm_credential")->secret);
  EXPECT_TRUE(schema.find("bearer_token")->secret);
}

TEST(AggregatorConfig, DefaultsMakeValidSettings) {
  auto s = settings({});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->api.host, "127.0.0.1");
  EXPECT_EQ(s->api.port, 8001);
  EXPECT_TRUE(s->aggregator_evm_credential.empty());
  EXPECT_TRUE(s->bearer_token.empty());
}

TEST(AggregatorConfig, ReadsItsOwnPrefixOnly) {
  auto s = settings({{"WAVS_PORT", "9000"},
                     {"WAVS_AGGREGATOR_PORT", "9001"},
                     {"WAVS_AGGREGATOR_AGGREGATOR_EVM_CREDENTIAL", "0x01"}});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->api.port, 9001);
  EXPECT_EQ(s->aggregator_evm_credential.reveal(), "0x01");
}

TEST(AggregatorConfig, RangeErrorNamesKeyAndOrigin) {
  auto s = settings({{"WAVS_AGGREGATOR_PORT", "123456"}});
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(ConfigErrc::kBadValue));
  EXPECT_EQ(s.error().detail(), "key 'port' (env WAVS_AGGREGATOR_PORT) must be from 0 to 65535, got 123456");
}

TEST(AggregatorConfig, SecretsStayOutOfErrors) {
  auto s = settings(
      {{"WAVS_AGGREGATOR_AGGREGATOR_EVM_CREDENTIAL", ""}, {"WAVS_AGGREGATOR_BEARER_TOKEN", "s3cret"}});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail().find("key 'aggregator_evm_credential'"), std::string::npos);
  EXPECT_EQ(s.error().message().find("s3cret"), std::string::npos);
}

TEST(AggregatorConfig, AggregatorSetTakesAddressesOnly) {
  auto s = settings({{"WAVS_AGGREGATOR_AGGREGATOR_SET",
                      "0x70997970c51812dc3a010c7d01b50e0d17dc79c8,0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"},
                     {"WAVS_AGGREGATOR_TAKEOVER_MS", "2500"}});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->aggregator_set.size(), 2u);
  EXPECT_EQ(s->takeover_ms, 2500);
  auto bad = settings({{"WAVS_AGGREGATOR_AGGREGATOR_SET", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8,nope"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("aggregator_set"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("nope"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace wavs::aggregator
