#include "cli/options.hpp"

#include <gtest/gtest.h>

#include "common/bytes.hpp"

namespace wavs::cli {
namespace {

TEST(Options, SplitsAtTheFirstEquals) {
  auto kv = split_key_value("evm:31337=http://127.0.0.1:8545/?a=b", "--chain");
  ASSERT_TRUE(kv) << kv.error().message();
  EXPECT_EQ(kv->first, "evm:31337");
  EXPECT_EQ(kv->second, "http://127.0.0.1:8545/?a=b");
}

TEST(Options, AnEmptyValueIsAllowed) {
  auto kv = split_key_value("greeting=", "--config");
  ASSERT_TRUE(kv) << kv.error().message();
  EXPECT_EQ(kv->first, "greeting");
  EXPECT_EQ(kv->second, "");
}

TEST(Options, MissingEqualsOrEmptyKeyNamesTheFlagAndTheValue) {
  for (const std::string bad : {"port", "=8000", ""}) {
    auto kv = split_key_value(bad, "--set");
    ASSERT_FALSE(kv) << bad;
    EXPECT_TRUE(kv.error().is(CommonErrc::kParse));
    EXPECT_EQ(kv.error().detail(), "--set expects KEY=VALUE, got '" + bad + "'");
  }
}

}  // namespace
}  // namespace wavs::cli
