#include "crypto/random.hpp"

#include <gtest/gtest.h>

namespace wavs::crypto {
namespace {

TEST(Random, FillsAndDiffers) {
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  ASSERT_TRUE(random_bytes(a));
  ASSERT_TRUE(random_bytes(b));
  EXPECT_NE(a, b);  // 2^-256 chance of a false failure
}

TEST(Random, EmptySpanIsFine) { EXPECT_TRUE(random_bytes(std::span<std::uint8_t>())); }

}  // namespace
}  // namespace wavs::crypto
