#include "cli/app.hpp"
#include "cli/test_support.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;

using test::Outcome;

Outcome invoke(const std::vector<std::string>& args) { return test::invoke_wavs({}, args); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wavs_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    auto p = dir_ / "wavs.toml";
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(CliTest, VersionPrintsName) {
  auto r = invoke({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("wavs "), std::string::npos);
}

TEST_F(CliTest, HelpListsSubcommands) {
  auto r = invoke({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  for (auto name : {"config", "node", "aggregator", "exec", "run", "devnet"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

TEST_F(CliTest, NoSubcommandIsUsageError) { EXPECT_EQ(invoke({}).code, kExitUsage); }

TEST_F(CliTest, ConfigShowsLayeredValues) {
  auto file = write("[wavs]\nport = 9100\n");
  auto r = invoke({"--config", file, "config", "--set", "host=0.0.0.0"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("port = 9100  # file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("host = \"0.0.0.0\"  # flag (--host)"), std::string::npos) << r.out;
}

// The same KEY=VALUE rule and error text as `wavs run --env` and `wavs exec --config`;
// an empty key used to reach the loader as a flag named "--".
TEST_F(CliTest, ConfigSetWithoutKeyOrEqualsIsUsageNamingTheFlag) {
  for (const std::string bad : {"port", "=9100"}) {
    auto r = invoke({"config", "--set", bad});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_EQ(r.err, "wavs config: --set expects KEY=VALUE, got '" + bad + "'\n");
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(CliTest, BadTomlExitsTwoNamingFileLineAndKey) {
  auto file = write("[wavs]\nport = \"x\"\n");
  auto r = invoke({"--config", file, "config"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find(file + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'port'"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one clear line: " << r.err;
}

TEST_F(CliTest, SyntaxErrorExitsTwo) {
  auto file = write("[wavs\n");
  auto r = invoke({"--config", file, "config"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find(file + ":1:"), std::string::npos) << r.err;
}

TEST_F(CliTest, UnknownKeyExitsTwo) {
  auto file = write("[default]\nlog_levle = \"debug\"\n");
  auto r = invoke({"--config", file, "config"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("'log_levle'"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingNamedConfigExitsTwo) {
  auto r = invoke({"--config", (dir_ / "nope.toml").string(), "config"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("nope.toml"), std::string::npos);
}

TEST_F(CliTest, SecretsNeverPrinted) {
  auto file = write("[wavs]\nsigning_mnemonic = \"test test test test test test test test test test test junk\"\n");
  auto r = invoke({"--config", file, "config"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("junk"), std::string::npos);
  EXPECT_NE(r.out.find("signing_mnemonic = \"<redacted>\""), std::string::npos) << r.out;
}

// devnet was the last planned subcommand: it is a real one now, and nothing in --help
// is marked as missing from this build.
TEST_F(CliTest, DevnetIsNoLongerPlanned) {
  auto r = invoke({"devnet", "--operators", "0"});
  EXPECT_EQ(r.code, kExitUsage) << r.err;
  EXPECT_EQ(r.err.find("not available in this build yet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--operators"), std::string::npos) << r.err;
  auto help = invoke({"--help"});
  EXPECT_EQ(help.out.find("not in this build yet"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace wavs::cli
