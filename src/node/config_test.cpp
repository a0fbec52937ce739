#include "node/config.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/test_support.hpp"

namespace wavs::node {
namespace {

namespace fs = std::filesystem;

Result<Config> load(std::map<std::string, std::string> env, std::optional<fs::path> file = std::nullopt) {
  ConfigInputs in;
  in.section = std::string(kSection);
  in.env_prefix = std::string(kEnvPrefix);
  in.env = std::move(env);
  in.file = std::move(file);
  return load_config(config_schema(), in);
}

Result<Settings> settings(std::map<std::string, std::string> env) {
  auto config = load(std::move(env));
  if (!config) return config.error();
  return Settings::from_config(*config);
}

TEST(NodeConfig, SectionAndPrefixFollowUpstream) {
  EXPECT_EQ(kSection, "wavs");
  EXPECT_EQ(kEnvPrefix, "WAVS_");
}

TEST(NodeConfig, SchemaListsSharedKeysFirstAndMarksSecrets) {
  const auto schema = config_schema();
  std::vector<std::string> names;
  for (const auto& k : schema.keys()) names.push_back(k.name);
  EXPECT_EQ(names, (std::vector<std::string>{"log_level", "log_format", "data", "chains", "host", "port",
                                             "signing_mnemonic", "signing_mnemonic_file", "max_wasm_fuel", "max_execution_seconds",
                                             "max_memory_bytes", "ipfs_gateway", "bearer_token",
                                             "dev_endpoints_enabled", "workers", "aggregator_urls", "tier",
                                             "aot_compiler"}));
  EXPECT_TRUE(schema.find("signing_mnemonic")->secret);
  EXPECT_TRUE(schema.find("bearer_token")->secret);
  EXPECT_FALSE(schema.find("host")->secret);
}

TEST(NodeConfig, DefaultsMakeValidSettings) {
  auto s = settings({});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->api.host, "127.0.0.1");
  EXPECT_EQ(s->api.port, 8000);
  EXPECT_EQ(s->max_wasm_fuel, 10'000'000'000u);
  EXPECT_DOUBLE_EQ(s->max_execution_seconds, 30.0);
  EXPECT_EQ(s->max_memory_bytes, 256u << 20);
  EXPECT_EQ(s->ipfs_gateway, "https://gateway.pinata.cloud/ipfs/");
  EXPECT_TRUE(s->signing_mnemonic.empty());
  EXPECT_TRUE(s->bearer_token.empty());
  EXPECT_FALSE(s->dev_endpoints_enabled);
  EXPECT_EQ(s->shared.log.level, LogLevel::kInfo);
  EXPECT_EQ(s->shared.data, "./wavs-data");
}

TEST(NodeConfig, ReadsEveryKey) {
  auto s = settings({{"WAVS_HOST", "0.0.0.0"},
                     {"WAVS_PORT", "0"},
                     {"WAVS_SIGNING_MNEMONIC", "test test junk"},
                     {"WAVS_MAX_WASM_FUEL", "1000"},
                     {"WAVS_MAX_EXECUTION_SECONDS", "0.5"},
                     {"WAVS_MAX_MEMORY_BYTES", "65536"},
                     {"WAVS_IPFS_GATEWAY", "http://127.0.0.1:8080/ipfs/"},
                     {"WAVS_BEARER_TOKEN", "t0ken"},
                     {"WAVS_DEV_ENDPOINTS_ENABLED", "true"},
                     {"WAVS_LOG_FORMAT", "json"}});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->api.host, "0.0.0.0");
  EXPECT_EQ(s->api.port, 0);
  EXPECT_EQ(s->signing_mnemonic.reveal(), "test test junk");
  EXPECT_EQ(s->max_wasm_fuel, 1000u);
  EXPECT_DOUBLE_EQ(s->max_execution_seconds, 0.5);
  EXPECT_EQ(s->max_memory_bytes, 65536u);
  EXPECT_EQ(s->ipfs_gateway, "http://127.0.0.1:8080/ipfs/");
  EXPECT_EQ(s->bearer_token.reveal(), "t0ken");
  EXPECT_TRUE(s->dev_endpoints_enabled);
  EXPECT_EQ(s->shared.log.format, LogFormat::kJson);
}

TEST(NodeConfig, RangeErrorsNameKeyAndOrigin) {
  struct Case {
    const char* var;
    const char* value;
    const char* expected;
  };
  const Case cases[] = {
      {"WAVS_PORT", "65536", "key 'port' (env WAVS_PORT) must be from 0 to 65535, got 65536"},
      {"WAVS_PORT", "-1", "key 'port' (env WAVS_PORT) must be from 0 to 65535, got -1"},
      {"WAVS_MAX_WASM_FUEL", "0", "key 'max_wasm_fuel' (env WAVS_MAX_WASM_FUEL) must be from 1 to"},
      {"WAVS_MAX_MEMORY_BYTES", "1024",
       "key 'max_memory_bytes' (env WAVS_MAX_MEMORY_BYTES) must be from 65536 to"},
      {"WAVS_MAX_MEMORY_BYTES", "0x100000001",
       "key 'max_memory_bytes' (env WAVS_MAX_MEMORY_BYTES) must be from"},
      {"WAVS_MAX_EXECUTION_SECONDS", "0",
       "key 'max_execution_seconds' (env WAVS_MAX_EXECUTION_SECONDS) must be a"},
      {"WAVS_HOST", "", "key 'host' (env WAVS_HOST) must not be empty"},
      {"WAVS_IPFS_GATEWAY", "ftp://x/",
       "key 'ipfs_gateway' (env WAVS_IPFS_GATEWAY) must be an http:// or https://"},
      {"WAVS_LOG_LEVEL", "loud", "key 'log_level' (env WAVS_LOG_LEVEL) is invalid: unknown log level 'loud'"},
  };
  for (const auto& c : cases) {
    auto s = settings({{c.var, c.value}});
    ASSERT_FALSE(s) << c.var << "=" << c.value;
    EXPECT_TRUE(s.error().is(ConfigErrc::kBadValue)) << s.error().message();
    EXPECT_EQ(s.error().detail().rfind(c.expected, 0), 0u) << s.error().detail();
  }
}

TEST(NodeConfig, FileOriginIsNamed) {
  const auto path = fs::temp_directory_path() / ("wavs_node_config_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[default]\nlog_level = \"info\"\n[wavs]\nport = 70000\n";
  auto config = load({}, path);
  fs::remove(path);
  ASSERT_TRUE(config) << config.error().message();
  auto s = Settings::from_config(*config);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail(),
            "key 'port' (file " + path.string() + ":4) must be from 0 to 65535, got 70000");
}

TEST(NodeConfig, SecretsStayOutOfErrors) {
  auto s = settings({{"WAVS_SIGNING_MNEMONIC", "test test junk"}, {"WAVS_BEARER_TOKEN", ""}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail(),
            "key 'bearer_token' (env WAVS_BEARER_TOKEN) is set but empty (leave it unset instead)");
  EXPECT_EQ(s.error().message().find("junk"), std::string::npos);
}

}  // namespace
}  // namespace wavs::node

namespace wavs::node {
namespace {

TEST(NodeConfig, TierIsOneOfThreeAndDefaultsToAuto) {
  ConfigInputs in;
  auto config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  auto s = Settings::from_config(*config);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->tier, "auto");
  EXPECT_EQ(s->aot_compiler, "cc");
  for (const char* t : {"interp", "aot", "auto"}) {
    in.flags = {{"tier", t}, {"aot_compiler", "gcc-12"}};
    config = load_config(config_schema(), in);
    ASSERT_TRUE(config);
    s = Settings::from_config(*config);
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(s->tier, t);
    EXPECT_EQ(s->aot_compiler, "gcc-12");
  }
  in.flags = {{"tier", "jit"}};
  config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  s = Settings::from_config(*config);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("tier"), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("interp, aot or auto"), std::string::npos) << s.error().message();
}

TEST(NodeConfig, WorkersAndAggregatorUrlsAreChecked) {
  ConfigInputs in;
  in.flags = {{"workers", "3"}, {"aggregator_urls", "http://127.0.0.1:8001,https://agg.example"}};
  auto config = load_config(config_schema(), in);
  ASSERT_TRUE(config) << config.error().message();
  auto s = Settings::from_config(*config);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->workers, 3u);
  EXPECT_EQ(s->aggregator_urls, (std::vector<std::string>{"http://127.0.0.1:8001", "https://agg.example"}));

  in.flags = {{"aggregator_urls", "ftp://x"}};
  config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  s = Settings::from_config(*config);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("aggregator_urls"), std::string::npos) << s.error().message();

  in.flags = {{"workers", "1000"}};
  config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  EXPECT_FALSE(Settings::from_config(*config));
}

}  // namespace
}  // namespace wavs::node

namespace wavs::node {
namespace {

TEST(NodeConfig, MnemonicFromAFile) {
  wavs::test::TempDir dir;
  const auto file = (dir.path() / "mnemonic").string();
  {
    std::ofstream out(file);
    out << "  test test test test test test test test test test test junk\n";
  }
  ConfigInputs in;
  in.flags = {{"signing_mnemonic_file", file}};
  auto config = load_config(config_schema(), in);
  ASSERT_TRUE(config) << config.error().message();
  auto s = Settings::from_config(*config);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->signing_mnemonic.reveal(), "test test test test test test test test test test test junk");

  in.flags = {{"signing_mnemonic_file", (dir.path() / "absent").string()}};
  config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  s = Settings::from_config(*config);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("signing_mnemonic_file"), std::string::npos) << s.error().message();

  in.env = {{"WAVS_SIGNING_MNEMONIC", "abandon abandon"}};
  in.flags = {{"signing_mnemonic_file", file}};
  config = load_config(config_schema(), in);
  ASSERT_TRUE(config);
  s = Settings::from_config(*config);
  ASSERT_FALSE(s);  // both: ambiguous
  EXPECT_EQ(s.error().message().find("abandon"), std::string::npos);
}

}  // namespace
}  // namespace wavs::node
