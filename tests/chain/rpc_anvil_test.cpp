// RpcClient's typed calls against a real anvil.
#include <gtest/gtest.h>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "evm.hpp"

namespace wavs::chain {
namespace {

using testing::Anvil;

class RpcAnvil : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
  }
  static void TearDownTestSuite() { anvil_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(anvil_);
    RpcConfig c;
    c.http_endpoints = {anvil_->http_url()};
    c.request_timeout = std::chrono::milliseconds(5000);
    rpc_ = std::make_unique<RpcClient>(c);
  }
  static std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<RpcClient> rpc_;
};
std::unique_ptr<Anvil> RpcAnvil::anvil_;

Address account0() { return *Address::from_hex(testing::kAccount0); }

TEST_F(RpcAnvil, ChainIdAndBlocks) {
  EXPECT_EQ(*rpc_->chain_id(), 31337u);
  auto n = rpc_->block_number();
  ASSERT_TRUE(n);
  auto genesis = rpc_->block_by_number(BlockRef::at(0));
  ASSERT_TRUE(genesis && *genesis) << (genesis ? "null" : genesis.error().message());
  EXPECT_EQ((*genesis)->number, 0u);
  auto latest = rpc_->block_by_number(BlockRef::latest());
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->number, *n);
  EXPECT_TRUE((*latest)->base_fee_per_gas);
  auto future = rpc_->block_by_number(BlockRef::at(*n + 1000));
  ASSERT_TRUE(future);
  EXPECT_FALSE(*future);
}

TEST_F(RpcAnvil, DeployEmitAndReadLogs) {
  auto emitter = testing::deploy(*rpc_, testing::emitter_runtime());
  ASSERT_TRUE(emitter) << emitter.error().message();
  auto code = rpc_->get_code(*emitter);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, testing::emitter_runtime());

  auto receipt = testing::send_from_account0(*rpc_, *emitter, testing::encode_two_words(3, 40));
  ASSERT_TRUE(receipt) << receipt.error().message();
  EXPECT_TRUE(receipt->status);
  ASSERT_EQ(receipt->logs.size(), 3u);
  EXPECT_EQ(receipt->logs[2].data.back(), 42);

  LogFilter f{{*emitter}, {{testing::emitter_topic()}}};
  auto logs = rpc_->get_logs(f, receipt->block_number, receipt->block_number);
  ASSERT_TRUE(logs) << logs.error().message();
  ASSERT_EQ(logs->size(), 3u);
  EXPECT_EQ((*logs)[0], receipt->logs[0]);
  auto by_hash = rpc_->get_logs_at(f, receipt->block_hash);
  ASSERT_TRUE(by_hash);
  EXPECT_EQ(*by_hash, *logs);
  LogFilter other{{*emitter}, {{Hash256{}}}};
  EXPECT_TRUE(rpc_->get_logs(other, receipt->block_number, receipt->block_number)->empty());
}

TEST_F(RpcAnvil, CallRevertCarriesData) {
  auto reverter = testing::deploy(*rpc_, testing::reverter_runtime());
  ASSERT_TRUE(reverter) << reverter.error().message();
  CallRequest req;
  req.to = *reverter;
  req.data = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
  auto r = rpc_->call(req);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kReverted)) << r.error().message();
  auto info = rpc_error_info(r.error());
  ASSERT_TRUE(info && info->data) << r.error().message();
  EXPECT_EQ(*info->data, req.data);

  auto gas = rpc_->estimate_gas(req);
  ASSERT_FALSE(gas);
  EXPECT_TRUE(gas.error().is(ChainErrc::kReverted)) << gas.error().message();
  ASSERT_TRUE(rpc_error_info(gas.error())->data);
  EXPECT_EQ(*rpc_error_info(gas.error())->data, req.data);
}

TEST_F(RpcAnvil, CallWithStateOverride) {
  // Code that returns 32 bytes of 0x2a: MSTORE(0, 42) RETURN(0, 32).
  Bytes code = {0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
  Address target;
  target[19] = 0x77;
  StateOverrides overrides;
  overrides[target].code = code;
  CallRequest req;
  req.to = target;
  auto r = rpc_->call(req, BlockRef::latest(), &overrides);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 32u);
  EXPECT_EQ(r->back(), 0x2a);
  auto plain = rpc_->call(req);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->empty());
}

TEST_F(RpcAnvil, FeesNoncesAndGas) {
  auto history = rpc_->fee_history(4, BlockRef::latest(), {25.0, 75.0});
  ASSERT_TRUE(history) << history.error().message();
  EXPECT_FALSE(history->base_fee_per_gas.empty());
  auto tip = rpc_->max_priority_fee_per_gas();
  ASSERT_TRUE(tip) << tip.error().message();
  auto nonce = rpc_->transaction_count(account0());
  ASSERT_TRUE(nonce);
  CallRequest transfer;
  transfer.from = account0();
  transfer.to = Address{};
  auto gas = rpc_->estimate_gas(transfer);
  ASSERT_TRUE(gas) << gas.error().message();
  EXPECT_EQ(*gas, 21000u);
}

TEST_F(RpcAnvil, SendRawGarbageIsRpcError) {
  auto r = rpc_->send_raw_transaction(Bytes{0x02, 0x01, 0x02});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kRpc)) << r.error().message();
}

TEST_F(RpcAnvil, UnknownMethodIsRpcError) {
  auto r = rpc_->request("eth_noSuchMethod", Json::array());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kRpc)) << r.error().message();
  EXPECT_TRUE(rpc_error_info(r.error()));
}

}  // namespace
}  // namespace wavs::chain
