#include "common/config.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace wavs {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wavs_config_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    schema_.add({"port", ConfigType::kInt, std::int64_t{8000}, "HTTP port"})
        .add({"host", ConfigType::kString, std::string("127.0.0.1"), "bind address"})
        .add({"log_level", ConfigType::kString, std::string("info"), "log level"})
        .add({"dev_endpoints_enabled", ConfigType::kBool, false, "dev routes"})
        .add({"max_execution_seconds", ConfigType::kDouble, 30.0, "time cap"})
        .add({"ws_endpoints", ConfigType::kStringList, {}, "ws"})
        .add({"chains", ConfigType::kTable, {}, "chains"})
        .add({"signing_mnemonic", ConfigType::kString, {}, "mnemonic", true})
        .tolerate("aggregator_evm_credential");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) {
    auto p = dir_ / "wavs.toml";
    std::ofstream(p) << text;
    return p;
  }

  Result<Config> load(std::optional<fs::path> file, std::map<std::string, std::string> env = {},
                      std::vector<std::pair<std::string, std::string>> flags = {}) {
    ConfigInputs in;
    in.file = std::move(file);
    in.env = std::move(env);
    in.flags = std::move(flags);
    return load_config(schema_, in);
  }

  fs::path dir_;
  ConfigSchema schema_;
};

TEST_F(ConfigTest, DefaultsApplyWithoutAnything) {
  auto c = load(std::nullopt);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 8000);
  EXPECT_EQ(c->entry("port")->source, ConfigSource::kDefault);
  EXPECT_FALSE(c->has("signing_mnemonic"));
}

TEST_F(ConfigTest, FileOverridesDefault) {
  auto c = load(write("[default]\nport = 9000\n"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 9000);
  EXPECT_EQ(c->entry("port")->source, ConfigSource::kFile);
  EXPECT_NE(c->entry("port")->origin.find("wavs.toml:2"), std::string::npos);
}

TEST_F(ConfigTest, RoleSectionOverridesDefaultSection) {
  auto c = load(write("[default]\nport = 9000\n[wavs]\nport = 9100\n"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 9100);
}

TEST_F(ConfigTest, OtherRoleSectionIsIgnored) {
  auto c = load(write("[aggregator]\nport = 1\nwhatever = 2\n"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 8000);
}

TEST_F(ConfigTest, EnvOverridesFile) {
  auto c = load(write("[wavs]\nport = 9100\n"), {{"WAVS_PORT", "9200"}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 9200);
  EXPECT_EQ(c->entry("port")->origin, "WAVS_PORT");
}

TEST_F(ConfigTest, FlagOverridesEnv) {
  auto c = load(write("[wavs]\nport = 9100\n"), {{"WAVS_PORT", "9200"}}, {{"port", "9300"}});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->get_int("port"), 9300);
  EXPECT_EQ(c->entry("port")->source, ConfigSource::kFlag);
}

TEST_F(ConfigTest, UnrelatedEnvIsIgnored) {
  auto c = load(std::nullopt, {{"WAVS_ENV_API_KEY", "x"}, {"WAVS_AGGREGATOR_PORT", "1"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->get_int("port"), 8000);
}

TEST_F(ConfigTest, TypedValues) {
  auto c = load(write("[wavs]\ndev_endpoints_enabled = true\nmax_execution_seconds = 5\n"
                      "ws_endpoints = [\"ws://a\", \"ws://b\"]\n"
                      "[default.chains.evm.31337]\nhttp_endpoint = \"http://127.0.0.1:8545\"\n"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->get_bool("dev_endpoints_enabled"));
  EXPECT_DOUBLE_EQ(c->get_double("max_execution_seconds"), 5.0);
  EXPECT_EQ(c->get_list("ws_endpoints"), (std::vector<std::string>{"ws://a", "ws://b"}));
  EXPECT_EQ(c->get_string("chains"), R"({"evm":{"31337":{"http_endpoint":"http://127.0.0.1:8545"}}})");
}

TEST_F(ConfigTest, SyntaxErrorNamesFileAndLine) {
  auto c = load(write("[wavs]\nport = = 3\n"));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kSyntax));
  EXPECT_NE(c.error().detail().find("wavs.toml:2:"), std::string::npos) << c.error().detail();
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndKey) {
  auto c = load(write("[wavs]\nport = 1\nprot = 2\n"));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kUnknownKey));
  EXPECT_NE(c.error().detail().find("wavs.toml:3:"), std::string::npos) << c.error().detail();
  EXPECT_NE(c.error().detail().find("'prot'"), std::string::npos);
}

TEST_F(ConfigTest, UnknownSectionIsError) {
  auto c = load(write("[wavz]\nport = 1\n"));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kUnknownKey));
  EXPECT_NE(c.error().detail().find("'wavz'"), std::string::npos);
}

TEST_F(ConfigTest, ToleratedKeyOnlyInDefault) {
  EXPECT_TRUE(load(write("[default]\naggregator_evm_credential = \"0x1\"\n")));
  EXPECT_FALSE(load(write("[wavs]\naggregator_evm_credential = \"0x1\"\n")));
}

TEST_F(ConfigTest, WrongTypeNamesKeyAndTypes) {
  auto c = load(write("[wavs]\n\nport = \"eighty\"\n"));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kWrongType));
  const auto& d = c.error().detail();
  EXPECT_NE(d.find("wavs.toml:3:"), std::string::npos) << d;
  EXPECT_NE(d.find("'port'"), std::string::npos) << d;
  EXPECT_NE(d.find("must be an integer, got a string"), std::string::npos) << d;
}

TEST_F(ConfigTest, WrongTypeInEnvNamesVariable) {
  auto c = load(std::nullopt, {{"WAVS_PORT", "lots"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail().find("WAVS_PORT"), std::string::npos);
}

TEST_F(ConfigTest, UnknownFlagIsError) {
  auto c = load(std::nullopt, {}, {{"nope", "1"}});
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kUnknownKey));
}

TEST_F(ConfigTest, MissingRequiredFileIsError) {
  ConfigInputs in;
  in.file = dir_ / "absent.toml";
  in.file_required = true;
  auto c = load_config(schema_, in);
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(ConfigErrc::kFileNotFound));
}

TEST_F(ConfigTest, SecretsAreRedactedInDumpAndErrors) {
  auto c = load(write("[wavs]\nsigning_mnemonic = \"test test junk\"\n"));
  ASSERT_TRUE(c);
  auto text = c->dump(schema_);
  EXPECT_EQ(text.find("junk"), std::string::npos) << text;
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
  EXPECT_EQ(c->get_string("signing_mnemonic"), "test test junk");
}

// Regression: dump() used to hand strings to nlohmann's strict serializer, which throws
// on ill-formed UTF-8, so `wavs config` crashed on such a value in the environment.
TEST_F(ConfigTest, DumpOfIllFormedUtf8DoesNotThrow) {
  auto c = load(std::nullopt, {{"WAVS_HOST", "bad\xff"}, {"WAVS_WS_ENDPOINTS", "ws://a,\xc0x"}});
  ASSERT_TRUE(c) << c.error().message();
  std::string text;
  ASSERT_NO_THROW(text = c->dump(schema_));
  EXPECT_NE(text.find("host = \"bad\xef\xbf\xbd\"  # env (WAVS_HOST)"), std::string::npos) << text;
  EXPECT_NE(text.find("ws_endpoints = [\"ws://a\",\"\xef\xbf\xbdx\"]  # env"), std::string::npos) << text;
}

TEST(ConfigText, ParsesEachType) {
  EXPECT_EQ(std::get<std::int64_t>(*parse_config_text(ConfigType::kInt, "0x10")), 16);
  EXPECT_FALSE(parse_config_text(ConfigType::kInt, "12a"));
  EXPECT_FALSE(parse_config_text(ConfigType::kInt, ""));
  EXPECT_EQ(std::get<bool>(*parse_config_text(ConfigType::kBool, "yes")), true);
  EXPECT_FALSE(parse_config_text(ConfigType::kBool, "maybe"));
  EXPECT_EQ(std::get<std::vector<std::string>>(*parse_config_text(ConfigType::kStringList, "a, b,c")),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(std::get<std::vector<std::string>>(*parse_config_text(ConfigType::kStringList, R"(["x"])")),
            (std::vector<std::string>{"x"}));
  EXPECT_FALSE(parse_config_text(ConfigType::kTable, "[1]"));
  EXPECT_DOUBLE_EQ(std::get<double>(*parse_config_text(ConfigType::kDouble, "2.5")), 2.5);
}

}  // namespace
}  // namespace wavs
