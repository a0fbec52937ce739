#include "common/settings.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace wavs {
namespace {

ConfigSchema test_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  s.add({"port", ConfigType::kInt, std::int64_t{8000}, "port"})
      .add({"seconds", ConfigType::kDouble, 30.0, "seconds"})
      .add({"enabled", ConfigType::kBool, false, "flag"})
      .add({"token", ConfigType::kString, {}, "token", true});
  return s;
}

Config load(std::map<std::string, std::string> env) {
  ConfigInputs in;
  in.env = std::move(env);
  auto c = load_config(test_schema(), in);
  EXPECT_TRUE(c) << c.error().message();
  return c ? *c : Config{};
}

TEST(Settings, SharedKeysHaveTheirDefaults) {
  const auto config = load({});
  SettingsReader reader(config);
  const auto shared = SharedSettings::read(reader);
  ASSERT_TRUE(reader.status()) << reader.status().error().message();
  EXPECT_EQ(shared.log.level, LogLevel::kInfo);
  EXPECT_EQ(shared.log.format, LogFormat::kText);
  EXPECT_EQ(shared.data, "./wavs-data");
  EXPECT_EQ(shared.chains_json, "");
}

TEST(Settings, ReadsTypedValues) {
  const auto config = load({{"WAVS_PORT", "9100"},
                            {"WAVS_SECONDS", "2.5"},
                            {"WAVS_ENABLED", "yes"},
                            {"WAVS_TOKEN", "hunter2"},
                            {"WAVS_LOG_LEVEL", "DEBUG"},
                            {"WAVS_CHAINS", R"({"evm":{}})"}});
  SettingsReader reader(config);
  const auto shared = SharedSettings::read(reader);
  EXPECT_EQ(reader.integer("port", 0, 65535), 9100);
  EXPECT_DOUBLE_EQ(reader.positive_number("seconds"), 2.5);
  EXPECT_TRUE(reader.boolean("enabled"));
  EXPECT_EQ(reader.secret("token").reveal(), "hunter2");
  ASSERT_TRUE(reader.status()) << reader.status().error().message();
  EXPECT_EQ(shared.log.level, LogLevel::kDebug);
  EXPECT_EQ(shared.chains_json, R"({"evm":{}})");
}

TEST(Settings, OutOfRangeNamesKeyOriginAndValue) {
  const auto config = load({{"WAVS_PORT", "70000"}});
  SettingsReader reader(config);
  (void)reader.integer("port", 0, 65535);
  ASSERT_FALSE(reader.status());
  EXPECT_TRUE(reader.status().error().is(ConfigErrc::kBadValue));
  EXPECT_EQ(reader.status().error().detail(),
            "key 'port' (env WAVS_PORT) must be from 0 to 65535, got 70000");
}

TEST(Settings, TheFirstFailureIsKept) {
  const auto config = load({{"WAVS_LOG_FORMAT", "xml"}, {"WAVS_SECONDS", "-1"}});
  SettingsReader reader(config);
  (void)SharedSettings::read(reader);
  (void)reader.positive_number("seconds");
  ASSERT_FALSE(reader.status());
  EXPECT_EQ(
      reader.status().error().detail(),
      "key 'log_format' (env WAVS_LOG_FORMAT) is invalid: unknown log format 'xml' (expected text or json)");
}

TEST(Settings, NumbersMustBeFiniteAndPositive) {
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    Config config = load({});
    config.entries["seconds"].value = bad;
    SettingsReader reader(config);
    (void)reader.positive_number("seconds");
    ASSERT_FALSE(reader.status()) << bad;
    EXPECT_NE(reader.status().error().detail().find("key 'seconds'"), std::string::npos);
  }
}

TEST(Settings, UnsetAndWronglyTypedValuesAreErrors) {
  Config config = load({});
  config.entries.erase("data");
  config.entries["port"].value = std::string("8000");
  SettingsReader unset(config);
  (void)unset.text("data");
  ASSERT_FALSE(unset.status());
  EXPECT_EQ(unset.status().error().detail(), "key 'data' is not set");
  SettingsReader wrong(config);
  (void)wrong.integer("port", 0, 65535);
  ASSERT_FALSE(wrong.status());
  EXPECT_TRUE(wrong.status().error().is(ConfigErrc::kWrongType));
  EXPECT_EQ(wrong.status().error().detail(), "key 'port' (default) must be an integer");
}

TEST(Settings, ApiAddressKeysCarryTheRolesDefaultPort) {
  ConfigSchema schema;
  add_api_address_keys(schema, 8001);
  ConfigInputs in;
  in.env = {{"WAVS_HOST", "0.0.0.0"}};
  auto config = load_config(schema, in);
  ASSERT_TRUE(config) << config.error().message();
  SettingsReader reader(*config);
  const auto api = ApiAddress::read(reader);
  ASSERT_TRUE(reader.status()) << reader.status().error().message();
  EXPECT_EQ(api.host, "0.0.0.0");
  EXPECT_EQ(api.port, 8001);
}

TEST(Settings, EmptySecretIsAnErrorThatShowsNoValue) {
  const auto unset = load({});
  SettingsReader none(unset);
  EXPECT_TRUE(none.secret("token").empty());
  EXPECT_TRUE(none.status());

  const auto empty = load({{"WAVS_TOKEN", ""}});
  SettingsReader reader(empty);
  (void)reader.secret("token");
  ASSERT_FALSE(reader.status());
  EXPECT_EQ(reader.status().error().detail(),
            "key 'token' (env WAVS_TOKEN) is set but empty (leave it unset instead)");
}

}  // namespace
}  // namespace wavs
