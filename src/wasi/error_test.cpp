#include "wasi/error.hpp"

#include <gtest/gtest.h>

namespace wavs::wasi {
namespace {

TEST(WasiErrc, MessagesNameTheKind) {
  Error e(WasiErrc::kMemoryLimit, "needs 32 pages");
  EXPECT_EQ(e.message(), "memory limit exceeded: needs 32 pages");
  EXPECT_TRUE(e.is(WasiErrc::kMemoryLimit));
  EXPECT_EQ(Error(WasiErrc::kBadOption).message(), "bad run option");
}

}  // namespace
}  // namespace wavs::wasi
