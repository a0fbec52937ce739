#include "common/json_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wavs {
namespace {

TEST(JsonText, DepthWithinLimit) {
  EXPECT_FALSE(json_too_deep("", 1));
  EXPECT_FALSE(json_too_deep("[[1]]", 2));
  EXPECT_FALSE(json_too_deep(R"({"a":[{"b":1}]})", 3));
}

TEST(JsonText, DepthOverLimitGivesTheOffset) {
  EXPECT_EQ(json_too_deep("[[[1]]]", 2), 2u);
  EXPECT_EQ(json_too_deep(std::string(100000, '['), 64), 64u);
}

TEST(JsonText, BracketsInsideStringsDoNotCount) {
  EXPECT_FALSE(json_too_deep(R"(["[[[[", "\"[[[["])", 1));
  EXPECT_EQ(json_too_deep(R"(["\\", [[]]])", 2), 8u);  // an escaped backslash ends the escape
}

}  // namespace
}  // namespace wavs
