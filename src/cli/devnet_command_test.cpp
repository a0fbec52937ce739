#include "cli/devnet_command.hpp"

#include <gtest/gtest.h>

#include "cli/test_support.hpp"
#include "common/test_support.hpp"

namespace wavs::cli {
namespace {

using test::Outcome;

Outcome devnet(const std::vector<std::string>& args) { return test::invoke_wavs({"devnet"}, args); }

// Each is refused before anything starts (no anvil, no processes): exit 2 naming the flag.
TEST(DevnetCommandTest, OutOfRangeCountsAreUsageErrorsNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--operators", "0"}, "--operators must be from 1 to 16, got 0"},
      {{"--operators", "17"}, "--operators must be from 1 to 16, got 17"},
      {{"--aggregators", "0"}, "--aggregators must be from 1 to 6"},
      {{"--aggregators", "7"}, "anvil's funded accounts 4 to 9"},
      {{"--once", "--timeout", "0"}, "--timeout must be from 1 to 3600"},
  };
  for (const auto& c : cases) {
    auto r = devnet(c.args);
    EXPECT_EQ(r.code, kExitUsage) << c.args[0];
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(DevnetCommandTest, FlagsThatDoNotParseAreUsageErrors) {
  EXPECT_EQ(devnet({"--operators", "three"}).code, kExitUsage);
  EXPECT_EQ(devnet({"--aggregators"}).code, kExitUsage);
  EXPECT_EQ(devnet({"--no-such-flag"}).code, kExitUsage);
}

TEST(DevnetCommandTest, ANonEmptyWorkDirIsRefused) {
  wavs::test::TempDir dir("wavs-devnet-dir");
  dir.write("left-over", "x");
  auto r = devnet({"--dir", dir.path().string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("is not empty"), std::string::npos) << r.err;
  auto file = devnet({"--dir", (dir.path() / "left-over").string()});
  EXPECT_EQ(file.code, kExitUsage);
  EXPECT_NE(file.err.find("is not a directory"), std::string::npos) << file.err;
}

TEST(DevnetCommandTest, AStateFileMustBeAFileInADirectoryThatExists) {
  wavs::test::TempDir dir("wavs-devnet-state");
  auto in_missing = devnet({"--state", (dir.path() / "no" / "state.json").string()});
  EXPECT_EQ(in_missing.code, kExitUsage);
  EXPECT_NE(in_missing.err.find("--state"), std::string::npos) << in_missing.err;
  auto a_dir = devnet({"--state", dir.path().string()});
  EXPECT_EQ(a_dir.code, kExitUsage);
  EXPECT_NE(a_dir.err.find("--state must name a file"), std::string::npos) << a_dir.err;
}

TEST(DevnetCommandTest, ABadServiceTemplateIsRefusedBeforeAnythingStarts) {
  wavs::test::TempDir dir("wavs-devnet-tpl");
  auto tpl = dir.write("service.json", R"({"name":"x","workflows":{"default":{"trigger":{"manual":{}},
      "component":{"source":{"digest":"${nope}"}}}},"status":"active"})");
  auto r = devnet({"--service", tpl.string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("workflows.default.component.source.digest: unknown placeholder ${nope}"),
            std::string::npos)
      << r.err;
  auto missing = devnet({"--service", (dir.path() / "missing.json").string()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("missing.json: no such file"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace wavs::cli
