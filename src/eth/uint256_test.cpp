#include "eth/uint256.hpp"

#include "eth/error.hpp"

#include <gtest/gtest.h>

namespace wavs::eth {
namespace {

TEST(U256, ParseDecimalAndHex) {
  EXPECT_EQ(*parse_u256("0"), 0);
  EXPECT_EQ(*parse_u256("12345"), 12345);
  EXPECT_EQ(*parse_u256("0xff"), 255);
  EXPECT_EQ(*parse_u256("0XFF"), 255);
  auto max = parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639935");
  ASSERT_TRUE(max);
  EXPECT_EQ(*max, ~U256(0));
  EXPECT_EQ(*parse_u256("0x" + std::string(64, 'f')), ~U256(0));
}

TEST(U256, ParseRejectsOverflowAndJunk) {
  EXPECT_TRUE(parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639936")
                  .error()
                  .is(EthErrc::kNumber));
  EXPECT_FALSE(parse_u256("0x1" + std::string(64, '0')));
  EXPECT_FALSE(parse_u256(""));
  EXPECT_FALSE(parse_u256("0x"));
  EXPECT_FALSE(parse_u256("-1"));
  EXPECT_FALSE(parse_u256("12a"));
  EXPECT_FALSE(parse_u256(" 1"));
}

TEST(I256, ParseRange) {
  EXPECT_EQ(*parse_i256("-1"), -1);
  auto min = parse_i256("-57896044618658097711785492504343953926634992332820282019728792003956564819968");
  ASSERT_TRUE(min);
  EXPECT_EQ(*min, -(I256(1) << 255));
  EXPECT_FALSE(parse_i256("57896044618658097711785492504343953926634992332820282019728792003956564819968"));
  EXPECT_FALSE(parse_i256("-57896044618658097711785492504343953926634992332820282019728792003956564819969"));
  EXPECT_FALSE(parse_i256("-"));
}

TEST(U256, BigEndianRoundTrip) {
  U256 v = *parse_u256("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  EXPECT_EQ(u256_to_be32(v).hex(), "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  EXPECT_EQ(*u256_from_be(u256_to_be32(v).view()), v);
  EXPECT_TRUE(u256_to_be_minimal(0).empty());
  EXPECT_EQ(u256_to_be_minimal(0x1234), (Bytes{0x12, 0x34}));
  EXPECT_EQ(*u256_from_be(Bytes{}), 0);
  EXPECT_FALSE(u256_from_be(Bytes(33, 1)));
}

TEST(U256, Formatting) {
  EXPECT_EQ(to_decimal(U256(1000)), "1000");
  EXPECT_EQ(to_decimal(I256(-5)), "-5");
  EXPECT_EQ(to_quantity(0), "0x0");
  EXPECT_EQ(to_quantity(0x1f), "0x1f");
  EXPECT_EQ(to_quantity(0x100), "0x100");
}

}  // namespace
}  // namespace wavs::eth
