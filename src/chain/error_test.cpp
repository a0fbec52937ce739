#include "chain/error.hpp"

#include <gtest/gtest.h>

namespace wavs::chain {
namespace {

TEST(ChainError, RpcErrorRoundTripsThroughDetail) {
  RpcErrorInfo info{-32000, "nonce too low: next nonce 5, tx nonce 3", std::nullopt};
  Error e = make_rpc_error("eth_sendRawTransaction", info);
  EXPECT_TRUE(e.is(ChainErrc::kRpc));
  EXPECT_EQ(e.detail(), "eth_sendRawTransaction: code -32000: nonce too low: next nonce 5, tx nonce 3");
  auto back = rpc_error_info(e);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->code, -32000);
  EXPECT_EQ(back->message, info.message);
  EXPECT_FALSE(back->data);
}

TEST(ChainError, RevertCarriesDataAndSurvivesContext) {
  RpcErrorInfo info{3, "execution reverted: custom error 0xdeadbeef", Bytes{0xde, 0xad, 0xbe, 0xef, 0x01}};
  Error e = make_rpc_error("eth_call", info).with_context("http://127.0.0.1:8545");
  EXPECT_TRUE(e.is(ChainErrc::kReverted));
  EXPECT_NE(e.message().find("data 0xdeadbeef01"), std::string::npos);
  auto back = rpc_error_info(e);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->code, 3);
  EXPECT_EQ(back->message, "execution reverted: custom error 0xdeadbeef");
  ASSERT_TRUE(back->data);
  EXPECT_EQ(*back->data, (Bytes{0xde, 0xad, 0xbe, 0xef, 0x01}));
}

TEST(ChainError, RevertRecognisedByMessageAlone) {
  Error e = make_rpc_error("eth_estimateGas", {-32000, "execution reverted", std::nullopt});
  EXPECT_TRUE(e.is(ChainErrc::kReverted));
}

TEST(ChainError, OtherErrorsHaveNoRpcInfo) {
  EXPECT_FALSE(rpc_error_info(Error(ChainErrc::kTimeout, "eth_call: code 3: x")));
  EXPECT_FALSE(rpc_error_info(Error(ChainErrc::kRpc, "no code here")));
}

// Regression: kTransport is enumerator 0, and a zero error_code reads as "no error",
// so its messages came out as the generic "error: …" (WAVS_ERROR_ENUM now offsets by one).
TEST(ChainError, FirstRealCodeIsNotZero) {
  Error e(ChainErrc::kTransport, "x");
  EXPECT_TRUE(static_cast<bool>(e.code()));
  EXPECT_EQ(e.message(), "endpoint unreachable or connection broken: x");
}

TEST(ChainError, MessagesComeFromTheTable) {
  EXPECT_EQ(Error(ChainErrc::kTimeout).message(), "timed out");
  EXPECT_EQ(Error(ChainErrc::kReorg, "block 5").message(), "chain reorganization: block 5");
}

}  // namespace
}  // namespace wavs::chain
