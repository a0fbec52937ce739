#include "component/error.hpp"

#include <gtest/gtest.h>

#include "common/bytes.hpp"

namespace wavs::component {
namespace {

TEST(ComponentError, AbiCodesFollowTheDocumentedTable) {
  EXPECT_EQ(abi_code(Error(ComponentErrc::kInvalid)), -1);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kFault)), -2);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kNotFound)), -3);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kDenied)), -4);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kLimit)), -5);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kTimeout)), -6);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kNetwork)), -7);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kRpc)), -8);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kType)), -9);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kUnavailable)), -10);
  EXPECT_EQ(abi_code(Error(ComponentErrc::kInternal)), -11);
}

TEST(ComponentError, NonAbiErrorsAreInternal) {
  EXPECT_EQ(abi_code(Error(ComponentErrc::kBadTrigger)), -11);
  EXPECT_EQ(abi_code(Error(CommonErrc::kWrongLength)), -11);
}

TEST(ComponentError, MessagesMatchKinds) {
  EXPECT_EQ(Error(ComponentErrc::kDenied, "host x").message(), "denied: host x");
  EXPECT_EQ(Error(ComponentErrc::kBadContext).message(), "bad workflow context");
}

}  // namespace
}  // namespace wavs::component
