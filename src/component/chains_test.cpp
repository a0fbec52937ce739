#include "component/chains.hpp"

#include <gtest/gtest.h>

#include "net_helpers.hpp"

namespace wavs::component {
namespace {

using chain::testing::Reply;
using chain::testing::ScriptedServer;
using Clock = std::chrono::steady_clock;

Clock::time_point soon() { return Clock::now() + std::chrono::seconds(5); }

TEST(Chains, KeysFollowTheManifestRule) {
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {"http://127.0.0.1:1"}));
  ASSERT_TRUE(chains.add(*service::parse_chain_key("cosmos:neutron-1"), {"http://127.0.0.1:2"}));
  auto k = chains.find("evm:31337");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->name_space, "evm");
  EXPECT_EQ(k->id, "31337");
  EXPECT_EQ(chains.find("cosmos:neutron-1"), service::parse_chain_key("cosmos:neutron-1").value());
  for (auto bad : {"evm", "evm:", ":1", "EVM:1", "evm:0x1", "evm:12a", "e v m:1"}) {
    auto r = chains.add(bad, {"http://127.0.0.1:1"});
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext));
    EXPECT_FALSE(chains.find(bad)) << bad;
  }
}

TEST(ChainRpcMethods, OnlyReadOnlyMethodsPass) {
  for (auto m : {"eth_call", "eth_blockNumber", "eth_getLogs", "eth_getProof", "net_version"}) {
    EXPECT_TRUE(rpc_method_allowed(m)) << m;
  }
  for (auto m : {"eth_sendRawTransaction", "eth_sendTransaction", "eth_sign", "personal_unlockAccount",
                 "anvil_setBalance", "debug_traceCall", "eth_call ", ""}) {
    EXPECT_FALSE(rpc_method_allowed(m)) << m;
  }
}

TEST(Chains, FromConfigTable) {
  auto chains = Chains::from_config_json(
      R"({"evm":{"31337":{"http_endpoint":"http://127.0.0.1:8545"},"1":{"http_endpoints":["https://a","https://b"]},
          "5":{"ws_endpoints":["ws://x"]}}})");
  ASSERT_TRUE(chains) << chains.error().message();
  EXPECT_TRUE(chains->find("evm:31337"));
  EXPECT_TRUE(chains->find("evm:1"));
  EXPECT_FALSE(chains->find("evm:5"));  // no HTTP endpoint: nothing for chain_rpc
  EXPECT_TRUE(Chains::from_config_json("")->empty());
  for (auto bad : {R"([1])", R"({"evm":3})", R"({"evm":{"1":{"http_endpoint":7}}})",
                   R"({"evm":{"x":{"http_endpoint":"http://a"}}})", R"({"evm":{"1":{"http_endpoint":"ftp://a"}}})"}) {
    auto r = Chains::from_config_json(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext)) << r.error().message();
  }
}

TEST(Chains, ConfigJsonNeverHoldsTheEndpoint) {
  Chains chains;
  ASSERT_TRUE(chains.add("evm:1", {"https://mainnet.example/v3/SECRETKEY"}));
  auto json = chains.config_json("evm:1");
  ASSERT_TRUE(json);
  EXPECT_EQ(*json, R"({"chain":"evm:1","namespace":"evm","chain_id":"1"})");
  EXPECT_TRUE(chains.config_json("evm:2").error().is(ComponentErrc::kNotFound));
}

TEST(Chains, RpcReturnsTheResultAsJsonText) {
  ScriptedServer server([](const std::string& body) {
    EXPECT_NE(body.find("\"eth_blockNumber\""), std::string::npos);
    return Reply::json(R"({"jsonrpc":"2.0","id":1,"result":"0x2a"})");
  });
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {server.url()}));
  auto r = chains.rpc("evm:31337", "eth_blockNumber", "", soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "\"0x2a\"");
}

TEST(Chains, RpcErrorObjectIsGivenAsJson) {
  ScriptedServer server([](const std::string&) {
    return Reply::json(
        R"({"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}})");
  });
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {server.url()}));
  auto r = chains.rpc("evm:31337", "eth_call", R"([{"to":"0x0000000000000000000000000000000000000001"},"latest"])",
                      soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kRpc)) << r.error().message();
  EXPECT_EQ(r.error().detail(), R"({"code":3,"message":"execution reverted","data":"0x08c379a0"})");
}

TEST(Chains, RpcRefusals) {
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {"http://127.0.0.1:1"}));
  EXPECT_TRUE(chains.rpc("evm:31337", "eth_sendRawTransaction", "[]", soon()).error().is(ComponentErrc::kDenied));
  EXPECT_TRUE(chains.rpc("evm:31337", "eth_call", "{}", soon()).error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(chains.rpc("evm:31337", "eth_call", "[1,", soon()).error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(chains.rpc("evm:31337", "eth_call", std::string(100000, '['), soon()).error().is(ComponentErrc::kInvalid));
  EXPECT_TRUE(chains.rpc("evm:9", "eth_call", "[]", soon()).error().is(ComponentErrc::kNotFound));
  EXPECT_TRUE(chains.rpc("evm:31337", "eth_chainId", "[]", Clock::now()).error().is(ComponentErrc::kTimeout));
  auto down = chains.rpc("evm:31337", "eth_chainId", "[]", soon());
  ASSERT_FALSE(down);
  EXPECT_TRUE(down.error().is(ComponentErrc::kNetwork)) << down.error().message();
}

TEST(Chains, RpcStopsAtTheDeadline) {
  ScriptedServer server([](const std::string&) { return Reply::hang(); });
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {server.url()}));
  const auto start = Clock::now();
  auto r = chains.rpc("evm:31337", "eth_chainId", "[]", start + std::chrono::milliseconds(300));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST(Chains, RpcResultOverTheCapIsALimit) {
  ScriptedServer server([](const std::string&) {
    return Reply::json(R"({"jsonrpc":"2.0","id":1,"result":")" + std::string(1000, 'a') + "\"}");
  });
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {server.url()}));
  auto r = chains.rpc("evm:31337", "eth_getCode", "[]", soon(), 100);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kLimit));
}

}  // namespace
}  // namespace wavs::component
