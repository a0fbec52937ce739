#include "common/error.hpp"

#include <gtest/gtest.h>

#include "common/bytes.hpp"

namespace wavs {
namespace {

Result<int> half(int x) {
  if (x % 2) return Error(CommonErrc::kOutOfRange, "odd: " + std::to_string(x));
  return x / 2;
}

TEST(Error, MessageCombinesCategoryTableAndDetail) {
  Error e(CommonErrc::kHexBadDigit, "'g' at offset 3");
  EXPECT_EQ(e.message(), "invalid hex digit: 'g' at offset 3");
  EXPECT_TRUE(e.is(CommonErrc::kHexBadDigit));
  EXPECT_FALSE(e.is(CommonErrc::kHexOddLength));
  EXPECT_STREQ(e.code().category().name(), "common");
}

TEST(Error, WithContextPrefixesDetail) {
  Error e(CommonErrc::kParse, "bad value");
  EXPECT_EQ(e.with_context("wavs.toml").detail(), "wavs.toml: bad value");
  EXPECT_EQ(Error(CommonErrc::kParse).with_context("field").detail(), "field");
}

TEST(Result, CarriesValueOrError) {
  auto ok = half(8);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail(), "odd: 3");
}

TEST(Result, VoidStatus) {
  Status ok;
  EXPECT_TRUE(ok);
  Status bad = Error(CommonErrc::kIo, "disk");
  EXPECT_FALSE(bad);
}

// Regression: an enumerator of 0 made the error_code falsy ("no error"), and the
// message lost its kind.
TEST(Error, ZeroValuedEnumIsStillAnError) {
  static_assert(static_cast<int>(CommonErrc::kHexOddLength) == 0);
  Error e(CommonErrc::kHexOddLength, "3 digits");
  EXPECT_TRUE(static_cast<bool>(e.code()));
  EXPECT_EQ(e.message(), "odd number of hex digits: 3 digits");
  EXPECT_EQ(Error(CommonErrc::kIo).message(), "i/o error");
  EXPECT_EQ(Error().message(), "error");
}

TEST(TableErrorCategory, OutOfTableValueStillHasMessage) {
  std::error_code ec(99, CommonErrc_category());
  EXPECT_EQ(std::error_code(1, CommonErrc_category()).message(), "odd number of hex digits");
  EXPECT_EQ(ec.message(), "common error 99");
}

}  // namespace
}  // namespace wavs
