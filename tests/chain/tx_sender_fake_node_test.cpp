// TxSender against a scripted node, for answers anvil cannot be made to give on cue.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "chain/tx_sender.hpp"
#include "net_helpers.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::Reply;

std::string result(const Json& id, const Json& value) {
  return Json({{"jsonrpc", "2.0"}, {"id", id}, {"result", value}}).dump();
}

Json receipt_for(const std::string& hash) {
  return {{"transactionHash", hash},
          {"transactionIndex", "0x0"},
          {"blockNumber", "0x5"},
          {"blockHash", "0x" + std::string(64, 'b')},
          {"from", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"},
          {"to", "0x" + std::string(40, '0')},
          {"contractAddress", nullptr},
          {"status", "0x1"},
          {"gasUsed", "0x5208"},
          {"cumulativeGasUsed", "0x5208"},
          {"effectiveGasPrice", "0x1"},
          {"logs", Json::array()}};
}

// The answers a sender needs before it broadcasts: chain id, gas, fees, nonce 0.
std::optional<Reply> fee_and_nonce_answer(const std::string& method, const Json& id) {
  if (method == "eth_chainId") return Reply::json(result(id, "0x7a69"));
  if (method == "eth_estimateGas") return Reply::json(result(id, "0x5208"));
  if (method == "eth_feeHistory") {
    return Reply::json(result(id, Json{{"oldestBlock", "0x1"},
                                       {"baseFeePerGas", {"0x10", "0x10"}},
                                       {"gasUsedRatio", {0.1}},
                                       {"reward", Json::array({Json::array({"0x1"})})}}));
  }
  if (method == "eth_maxPriorityFeePerGas") return Reply::json(result(id, "0x1"));
  if (method == "eth_getTransactionCount") return Reply::json(result(id, "0x0"));
  return std::nullopt;
}

// Regression: an eth_sendRawTransaction whose first attempt reached the node but whose
// answer was lost is retried, and the retry says "nonce too low" because the nonce is
// now used by this very transaction. The sender took that as "someone else used the
// nonce" and sent the request again with a new nonce: the request landed twice.
TEST(TxSenderFakeNode, NonceTooLowForOurOwnTransactionIsNotASecondSend) {
  std::atomic<int> raw_sends{0};
  std::string sent_hash;
  testing::ScriptedServer node([&](const std::string& body) {
    Json req = Json::parse(body);
    const std::string method = req["method"];
    const Json& id = req["id"];
    if (auto r = fee_and_nonce_answer(method, id)) return *r;
    if (method == "eth_sendRawTransaction") {
      ++raw_sends;
      return Reply::json(R"({"jsonrpc":"2.0","id":)" + id.dump() +
                         R"(,"error":{"code":-32003,"message":"nonce too low"}})");
    }
    if (method == "eth_getTransactionByHash") {
      sent_hash = req["params"][0];
      return Reply::json(result(id, Json{{"hash", sent_hash}, {"nonce", "0x0"}}));
    }
    if (method == "eth_getTransactionReceipt") {
      return Reply::json(result(id, receipt_for(req["params"][0])));
    }
    return Reply::json(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})");
  });
  RpcConfig rc;
  rc.http_endpoints = {node.url()};
  RpcClient rpc(rc);
  TxSenderConfig config;
  config.poll_interval = milliseconds(10);
  config.receipt_timeout = milliseconds(5000);
  TxSender sender(
      rpc,
      *crypto::PrivateKey::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
      config);
  TxRequest req;
  req.to = Address{};
  auto out = sender.send(req);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->nonce, 0u);
  EXPECT_EQ(raw_sends.load(), 1);
  EXPECT_EQ(out->receipt.tx_hash.hex(), sent_hash);
}


// TxSenderConfig::cancel: a send waiting for a receipt that never comes ends when the
// daemon's token is requested, not at its receipt timeout.
TEST(TxSenderFakeNode, CancelTokenEndsTheReceiptWait) {
  testing::ScriptedServer node([&](const std::string& body) {
    Json req = Json::parse(body);
    const std::string method = req["method"];
    const Json& id = req["id"];
    if (auto r = fee_and_nonce_answer(method, id)) return *r;
    if (method == "eth_sendRawTransaction") return Reply::json(result(id, "0x" + std::string(64, 'a')));
    if (method == "eth_getTransactionReceipt") return Reply::json(result(id, nullptr));  // never mined
    return Reply::json(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}})");
  });
  RpcConfig rc;
  rc.http_endpoints = {node.url()};
  RpcClient rpc(rc);
  std::stop_source source;
  TxSenderConfig config;
  config.poll_interval = milliseconds(5000);  // the wait is woken, not polled out
  config.receipt_timeout = milliseconds(120'000);
  config.bump_after = milliseconds(120'000);
  config.cancel = source.get_token();
  TxSender sender(
      rpc,
      *crypto::PrivateKey::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
      config);
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(300));
    source.request_stop();
  });
  TxRequest req;
  req.to = Address{};
  auto t0 = std::chrono::steady_clock::now();
  auto out = sender.send(req);
  canceller.join();
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().is(ChainErrc::kStopped)) << out.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  auto later = sender.send(req);
  ASSERT_FALSE(later);
  EXPECT_TRUE(later.error().is(ChainErrc::kStopped));
}

}  // namespace
}  // namespace wavs::chain
