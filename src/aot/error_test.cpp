#include "aot/error.hpp"

#include <gtest/gtest.h>

namespace wavs::aot {
namespace {

TEST(AotErrc, MessagesNameTheKind) {
  Error e(AotErrc::kTimeout, "'cc' did not finish within 1 s and was killed");
  EXPECT_EQ(e.message(), "C compilation timed out: 'cc' did not finish within 1 s and was killed");
  EXPECT_TRUE(e.is(AotErrc::kTimeout));
  EXPECT_FALSE(e.is(AotErrc::kCompileFailed));
  EXPECT_EQ(Error(AotErrc::kInsecure).message(), "insecure aot cache");
}

}  // namespace
}  // namespace wavs::aot
