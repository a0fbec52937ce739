#include "common/json_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

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

TEST(JsonText, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
  EXPECT_EQ(json_escape("\b\f\r\t\x1f"), "\\b\\f\\r\\t\\u001f");
  EXPECT_EQ(json_escape(std::string_view("\0", 1)), "\\u0000");
  EXPECT_EQ(json_quote("trap: unreachable"), "\"trap: unreachable\"");
  EXPECT_EQ(json_quote(""), "\"\"");
}

TEST(JsonText, KeepsUtf8AndDel) {
  EXPECT_EQ(json_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f");
}

TEST(JsonText, ReplacesIllFormedUtf8SoTheResultParses) {
  EXPECT_EQ(json_escape("a\xff"
                        "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(json_escape("\xe2\x82"), "\xef\xbf\xbd");  // a truncated sequence is one U+FFFD
  EXPECT_EQ(json_escape("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  auto parsed = nlohmann::json::parse(json_quote("x\xc0\xafy\n"), nullptr, false);
  ASSERT_TRUE(parsed.is_string());
  EXPECT_EQ(parsed.get<std::string>(), "x\xef\xbf\xbd\xef\xbf\xbdy\n");
}

// The trigger codec's TriggerAction JSON was written by nlohmann; json_quote must give the
// same bytes so ids and documents built either way agree.
TEST(JsonText, MatchesNlohmannDumpOnEveryInput) {
  const std::string alphabet =
      std::string("\0\x01\x08\x0c\n\r\t\x1f \"\\aZ\x7f", 15) +
      "\x80\xbf\xc0\xc2\xc3\xa9\xe0\xa0\xe2\x82\xac\xed\x9f\xa0\xef\xf0\x90\x9f\xf4\x8f\x90\xf5\xff";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> length(0, 10);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    for (std::size_t i = length(rng); i > 0; --i) text.push_back(alphabet[pick(rng)]);
    const auto expected = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ASSERT_EQ(json_quote(text), expected)
        << nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace
}  // namespace wavs
