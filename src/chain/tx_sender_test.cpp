#include "chain/tx_sender.hpp"

#include <gtest/gtest.h>

namespace wavs::chain {
namespace {

Error rpc(std::int64_t code, const std::string& message) {
  return make_rpc_error("eth_sendRawTransaction", {code, message, std::nullopt});
}

TEST(ClassifySendError, NodeMessages) {
  EXPECT_EQ(classify_send_error(rpc(-32000, "nonce too low")), SendFailure::kNonceTooLow);
  EXPECT_EQ(classify_send_error(rpc(-32003, "Nonce too low: next nonce 4, tx nonce 2")),
            SendFailure::kNonceTooLow);
  EXPECT_EQ(classify_send_error(rpc(-32000, "already known")), SendFailure::kAlreadyKnown);
  EXPECT_EQ(classify_send_error(rpc(-32000, "replacement transaction underpriced")),
            SendFailure::kUnderpriced);
  EXPECT_EQ(classify_send_error(rpc(-32000, "transaction underpriced")), SendFailure::kUnderpriced);
  EXPECT_EQ(classify_send_error(rpc(-32000, "max fee per gas less than block base fee")),
            SendFailure::kUnderpriced);
  EXPECT_EQ(classify_send_error(rpc(-32003, "Insufficient funds for gas * price + value")),
            SendFailure::kInsufficientFunds);
  EXPECT_EQ(classify_send_error(rpc(-32602, "invalid params")), SendFailure::kOther);
  EXPECT_EQ(classify_send_error(Error(ChainErrc::kTimeout, "x")), SendFailure::kTransient);
  EXPECT_EQ(classify_send_error(Error(ChainErrc::kTransport, "x")), SendFailure::kTransient);
  EXPECT_EQ(classify_send_error(Error(ChainErrc::kStopped, "x")), SendFailure::kOther);
}

TEST(RevertReason, DecodesCustomErrorFromTheErrorDetail) {
  auto err = eth::AbiError::parse("InsufficientQuorum(uint256,uint256,uint256)");
  ASSERT_TRUE(err) << err.error().message();
  std::vector<eth::AbiValue> args = {eth::AbiValue::uint(1), eth::AbiValue::uint(2), eth::AbiValue::uint(3)};
  auto data = err->encode(args);
  ASSERT_TRUE(data);
  Error e = make_rpc_error("eth_call", {3, "execution reverted", *data});
  std::vector<eth::AbiError> known = {*err};
  auto reason = revert_reason(e, known);
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->kind, eth::RevertReason::Kind::kCustom);
  EXPECT_EQ(reason->error_name, "InsufficientQuorum");
  ASSERT_EQ(reason->args.size(), 3u);
  EXPECT_EQ(*reason->args[2].as_uint(), 3);
  // Without the error list the selector is unknown but the data is kept.
  auto unknown = revert_reason(e);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->kind, eth::RevertReason::Kind::kUnknown);
  EXPECT_EQ(unknown->data, *data);
  EXPECT_FALSE(revert_reason(Error(ChainErrc::kTimeout, "x")));
}

}  // namespace
}  // namespace wavs::chain
