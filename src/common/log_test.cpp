#include "common/log.hpp"

#include <gtest/gtest.h>

namespace wavs {
namespace {

TEST(Log, ParsesLevels) {
  EXPECT_EQ(*parse_log_level("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*parse_log_level("warning"), LogLevel::kWarn);
  EXPECT_EQ(*parse_log_level("off"), LogLevel::kOff);
  auto bad = parse_log_level("loud");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail().find("'loud'"), std::string::npos);
  EXPECT_EQ(to_string(LogLevel::kDebug), "debug");
}

TEST(Log, ParsesFormats) {
  EXPECT_EQ(*parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(*parse_log_format("Text"), LogFormat::kText);
  EXPECT_FALSE(parse_log_format("xml"));
}

TEST(Log, InitIsRepeatable) {
  init_logging({LogLevel::kWarn, LogFormat::kJson});
  init_logging({LogLevel::kInfo, LogFormat::kText});
  SUCCEED();
}

}  // namespace
}  // namespace wavs
