#include "common/bytes.hpp"

#include <gtest/gtest.h>

namespace wavs {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0x0001abff");
  EXPECT_EQ(to_hex(b, HexPrefix::kNone), "0001abff");
  auto back = from_hex("0x0001abff");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, b);
}

TEST(Hex, AcceptsUpperCaseAndNoPrefix) {
  auto b = from_hex("0XABcd");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (Bytes{0xab, 0xcd}));
  auto c = from_hex("abCD");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (Bytes{0xab, 0xcd}));
}

TEST(Hex, EmptyIsZeroBytes) {
  EXPECT_TRUE(from_hex("")->empty());
  EXPECT_TRUE(from_hex("0x")->empty());
  EXPECT_EQ(to_hex(Bytes{}), "0x");
}

TEST(Hex, OddLengthIsError) {
  auto r = from_hex("0xabc");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CommonErrc::kHexOddLength));
  EXPECT_NE(r.error().message().find("3 digits"), std::string::npos);
}

TEST(Hex, BadDigitNamesOffset) {
  auto r = from_hex("0x12g4");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CommonErrc::kHexBadDigit));
  EXPECT_EQ(r.error().detail(), "'g' at offset 4");
  auto nonprint = from_hex(std::string("0\x01", 2));
  ASSERT_FALSE(nonprint);
  EXPECT_EQ(nonprint.error().detail(), "byte 0x01 at offset 1");
}

TEST(FixedBytes, RequiresExactLength) {
  auto ok = FixedBytes<4>::from_hex("0x01020304");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->hex(), "0x01020304");
  EXPECT_FALSE(ok->is_zero());
  auto short_ = FixedBytes<4>::from_hex("0x010203");
  ASSERT_FALSE(short_);
  EXPECT_TRUE(short_.error().is(CommonErrc::kWrongLength));
  EXPECT_EQ(short_.error().detail(), "expected 4 bytes, got 3");
}

TEST(FixedBytes, OrderedAndZero) {
  FixedBytes<2> a{{0x00, 0x01}}, b{{0x00, 0x02}}, z{};
  EXPECT_LT(a, b);
  EXPECT_TRUE(z.is_zero());
  EXPECT_EQ(a, a);
}

TEST(Bytes, ConcatAndViews) {
  auto joined = concat({as_bytes("ab"), as_bytes("c")});
  EXPECT_EQ(as_chars(joined), "abc");
}

}  // namespace
}  // namespace wavs
