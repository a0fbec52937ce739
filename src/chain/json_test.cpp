#include "chain/json.hpp"

#include <gtest/gtest.h>

namespace wavs::chain {
namespace {

// A log as anvil sends it.
const char* kLogJson = R"({
  "address": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  "topics": ["0x00000000000000000000000000000000000000000000000000000000000000aa"],
  "data": "0x0000000000000000000000000000000000000000000000000000000000000007",
  "blockHash": "0x1111111111111111111111111111111111111111111111111111111111111111",
  "blockNumber": "0x1b",
  "blockTimestamp": "0x6568f0a0",
  "transactionHash": "0x2222222222222222222222222222222222222222222222222222222222222222",
  "transactionIndex": "0x0",
  "logIndex": "0x3",
  "removed": false
})";

TEST(Quantity, ParsesAndRejects) {
  EXPECT_EQ(*parse_quantity(Json("0x0")), 0u);
  EXPECT_EQ(*parse_quantity(Json("0x1b")), 27u);
  EXPECT_EQ(*parse_quantity(Json("0xffffffffffffffff")), UINT64_MAX);
  EXPECT_TRUE(parse_quantity(Json("0x1ffffffffffffffff")).error().is(CommonErrc::kOutOfRange));
  EXPECT_TRUE(parse_quantity(Json("27")).error().is(ChainErrc::kBadResponse));
  EXPECT_TRUE(parse_quantity(Json("0x")).error().is(ChainErrc::kBadResponse));
  EXPECT_TRUE(parse_quantity(Json("0x1g")).error().is(ChainErrc::kBadResponse));
  EXPECT_TRUE(parse_quantity(Json(27)).error().is(ChainErrc::kBadResponse));
  EXPECT_EQ(to_quantity(0), "0x0");
  EXPECT_EQ(to_quantity(4096), "0x1000");
}

TEST(Data, NeedsPrefixAndEvenDigits) {
  EXPECT_EQ(*parse_data(Json("0x")), Bytes{});
  EXPECT_EQ(*parse_data(Json("0x00ff")), (Bytes{0x00, 0xff}));
  EXPECT_FALSE(parse_data(Json("00ff")));
  EXPECT_FALSE(parse_data(Json("0x0")));
  EXPECT_FALSE(parse_address(Json("0x00ff")));
}

TEST(ParseLog, AllFields) {
  auto log = parse_log(Json::parse(kLogJson));
  ASSERT_TRUE(log) << log.error().message();
  EXPECT_EQ(log->address.hex(), "0x5fbdb2315678afecb367f032d93f642f64180aa3");
  ASSERT_EQ(log->topics.size(), 1u);
  EXPECT_EQ(log->topics[0][31], 0xaa);
  EXPECT_EQ(log->data.size(), 32u);
  EXPECT_EQ(log->block_number, 27u);
  EXPECT_EQ(log->block_hash[0], 0x11);
  EXPECT_EQ(log->tx_hash[0], 0x22);
  EXPECT_EQ(log->log_index, 3u);
  EXPECT_FALSE(log->removed);
}

TEST(ParseLog, ErrorsNameTheField) {
  Json j = Json::parse(kLogJson);
  j.erase("blockNumber");
  auto r = parse_log(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("blockNumber"), std::string::npos);
  j = Json::parse(kLogJson);
  j["topics"][0] = "0x1234";
  r = parse_log(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("topics"), std::string::npos);
  j = Json::parse(kLogJson);
  j["removed"] = "yes";
  EXPECT_FALSE(parse_log(j));
}

TEST(ParseLog, PendingLogWithoutBlockIsRejected) {
  Json j = Json::parse(kLogJson);
  j["blockHash"] = nullptr;
  EXPECT_FALSE(parse_log(j));
}

TEST(ParseHeader, WithAndWithoutBaseFee) {
  Json j = {{"number", "0x10"},
            {"hash", "0x" + std::string(64, 'a')},
            {"parentHash", "0x" + std::string(64, 'b')},
            {"timestamp", "0x5"},
            {"gasLimit", "0x1c9c380"},
            {"gasUsed", "0x0"},
            {"baseFeePerGas", "0x3b9aca00"}};
  auto h = parse_header(j);
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->number, 16u);
  EXPECT_EQ(h->parent_hash[0], 0xbb);
  EXPECT_EQ(h->base_fee_per_gas, 1'000'000'000u);
  j.erase("baseFeePerGas");
  EXPECT_FALSE(parse_header(j)->base_fee_per_gas);
}

TEST(ParseReceipt, StatusAndCreation) {
  Json j = {{"transactionHash", "0x" + std::string(64, '1')},
            {"transactionIndex", "0x0"},
            {"blockNumber", "0x2"},
            {"blockHash", "0x" + std::string(64, '2')},
            {"from", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
            {"to", nullptr},
            {"contractAddress", "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
            {"status", "0x1"},
            {"gasUsed", "0x5208"},
            {"cumulativeGasUsed", "0x5208"},
            {"effectiveGasPrice", "0x3b9aca00"},
            {"logs", Json::array({Json::parse(kLogJson)})}};
  auto r = parse_receipt(j);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->status);
  EXPECT_FALSE(r->to);
  ASSERT_TRUE(r->contract_address);
  EXPECT_EQ(r->gas_used, 21000u);
  EXPECT_EQ(r->logs.size(), 1u);
  j["status"] = "0x0";
  EXPECT_FALSE(parse_receipt(j)->status);
}

TEST(ParseFeeHistory, Shape) {
  Json j = Json::parse(R"({"oldestBlock": "0x5", "baseFeePerGas": ["0x10", "0x11", "0x12"],
                           "gasUsedRatio": [0.5, 0.25], "reward": [["0x1", "0x2"], ["0x3", "0x4"]]})");
  auto h = parse_fee_history(j);
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->oldest_block, 5u);
  EXPECT_EQ(h->base_fee_per_gas.size(), 3u);
  ASSERT_EQ(h->reward.size(), 2u);
  EXPECT_EQ(h->reward[1][0], 3u);
  j["reward"] = Json::parse(R"([["bad"]])");
  EXPECT_FALSE(parse_fee_history(j));
  j["reward"] = Json::object();
  EXPECT_FALSE(parse_fee_history(j));
}

TEST(Encode, FilterDropsTrailingWildcards) {
  LogFilter f;
  Address a;
  a[19] = 1;
  Hash256 t;
  t[31] = 2;
  f.addresses = {a};
  f.topics = {{}, {t}, {}};
  Json j = to_json(f);
  EXPECT_EQ(j["address"], a.hex());
  ASSERT_EQ(j["topics"].size(), 2u);
  EXPECT_TRUE(j["topics"][0].is_null());
  EXPECT_EQ(j["topics"][1], t.hex());
  f.addresses.push_back(a);
  EXPECT_TRUE(to_json(f)["address"].is_array());
  EXPECT_FALSE(to_json(LogFilter{}).contains("topics"));
}

TEST(Encode, CallRequestAndOverrides) {
  CallRequest req;
  Address to;
  to[0] = 0xab;
  req.to = to;
  req.data = {0x12, 0x34};
  req.gas = 100000;
  Json j = to_json(req);
  EXPECT_EQ(j["to"], to.hex());
  EXPECT_EQ(j["input"], "0x1234");
  EXPECT_EQ(j["gas"], "0x186a0");
  EXPECT_FALSE(j.contains("from"));
  StateOverrides o;
  o[to].code = Bytes{0x60, 0x00};
  o[to].state_diff[Hash256{}] = Hash256{};
  Json oj = to_json(o);
  EXPECT_EQ(oj[to.hex()]["code"], "0x6000");
  EXPECT_EQ(oj[to.hex()]["stateDiff"].size(), 1u);
}

TEST(Response, ResultErrorAndGarbage) {
  auto ok = parse_response(R"({"jsonrpc":"2.0","id":1,"result":"0x7a69"})", "eth_chainId");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "0x7a69");
  auto null_result = parse_response(R"({"jsonrpc":"2.0","id":1,"result":null})", "eth_getTransactionReceipt");
  ASSERT_TRUE(null_result);
  EXPECT_TRUE(null_result->is_null());

  auto err = parse_response(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}})", "eth_foo");
  ASSERT_FALSE(err);
  EXPECT_TRUE(err.error().is(ChainErrc::kRpc));
  EXPECT_EQ(err.error().detail(), "eth_foo: code -32601: Method not found");

  auto garbage = parse_response("<html>502 Bad Gateway</html>", "eth_call");
  ASSERT_FALSE(garbage);
  EXPECT_TRUE(garbage.error().is(ChainErrc::kBadResponse));
  EXPECT_NE(garbage.error().detail().find("502 Bad Gateway"), std::string::npos);

  EXPECT_TRUE(parse_response("[1,2]", "x").error().is(ChainErrc::kBadResponse));
  EXPECT_TRUE(parse_response(R"({"id":1})", "x").error().is(ChainErrc::kBadResponse));
  EXPECT_TRUE(parse_response("", "x").error().is(ChainErrc::kBadResponse));
}

TEST(Response, RevertDataInBothShapes) {
  auto direct = parse_response(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0xcafe"}})",
      "eth_call");
  ASSERT_FALSE(direct);
  EXPECT_TRUE(direct.error().is(ChainErrc::kReverted));
  EXPECT_EQ(*rpc_error_info(direct.error())->data, (Bytes{0xca, 0xfe}));
  auto nested = parse_response(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"execution reverted","data":{"data":"0xbeef"}}})",
      "eth_estimateGas");
  ASSERT_FALSE(nested);
  EXPECT_EQ(*rpc_error_info(nested.error())->data, (Bytes{0xbe, 0xef}));
}

}  // namespace
}  // namespace wavs::chain
