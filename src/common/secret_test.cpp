#include "common/secret.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace wavs {
namespace {

TEST(Secret, StreamingNeverShowsValue) {
  Secret s("test test test junk");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "<redacted>");
  EXPECT_EQ(s.reveal(), "test test test junk");
}

TEST(Secret, MovedFromIsEmpty) {
  Secret a("key");
  Secret b(std::move(a));
  EXPECT_EQ(b.reveal(), "key");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the wipe
}

}  // namespace
}  // namespace wavs
