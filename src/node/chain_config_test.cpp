#include "node/chain_config.hpp"

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "common/test_support.hpp"

namespace wavs::node {
namespace {

using std::chrono::milliseconds;

TEST(ChainConfig, EmptyTextIsNoChains) {
  auto parsed = parse_chain_endpoints("");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->empty());
  parsed = parse_chain_endpoints(R"({"evm":{}})");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->empty());
}

TEST(ChainConfig, ReadsAGoodTable) {
  test::TempDir dir("wavs-chain-config");
  ASSERT_FALSE(dir.path().empty());
  const auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string json = R"({"evm":{
      "31337":{"http_endpoint":"http://127.0.0.1:8545","http_endpoints":["https://b.example/v3/KEY"],
               "ws_endpoints":["ws://127.0.0.1:8545"],"ca_file":")" +
                           ca.string() + R"(","confirmations":2,"poll_interval_ms":250},
      "1":{"http_endpoints":["https://mainnet.example"],"ws_endpoint":"wss://mainnet.example/ws"}},
    "cosmos":{"hub":{"rpc":"whatever"}}})";
  auto parsed = parse_chain_endpoints(json);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2u);  // cosmos is not read here
  const ChainEndpoints& mainnet = (*parsed)[0];
  EXPECT_EQ(mainnet.key.str(), "evm:1");
  EXPECT_EQ(mainnet.http_endpoints, std::vector<std::string>{"https://mainnet.example"});
  EXPECT_EQ(mainnet.ws_endpoints, std::vector<std::string>{"wss://mainnet.example/ws"});
  EXPECT_EQ(mainnet.confirmations, 0u);
  EXPECT_EQ(mainnet.poll_interval, milliseconds(1000));
  const ChainEndpoints& local = (*parsed)[1];
  EXPECT_EQ(local.key.str(), "evm:31337");
  EXPECT_EQ(local.http_endpoints,
            (std::vector<std::string>{"http://127.0.0.1:8545", "https://b.example/v3/KEY"}));
  EXPECT_EQ(local.ws_endpoints, std::vector<std::string>{"ws://127.0.0.1:8545"});
  EXPECT_EQ(local.ca_file, ca.string());
  EXPECT_EQ(local.confirmations, 2u);
  EXPECT_EQ(local.poll_interval, milliseconds(250));

  auto rpc = rpc_config(local);
  EXPECT_EQ(rpc.http_endpoints, local.http_endpoints);
  auto ws = subscriber_config(local);
  ASSERT_TRUE(ws.has_value());
  EXPECT_EQ(ws->ws_endpoints, local.ws_endpoints);
  EXPECT_EQ(ws->ca_file, ca.string());
  ChainEndpoints http_only = local;
  http_only.ws_endpoints.clear();
  EXPECT_FALSE(subscriber_config(http_only).has_value());
}

TEST(ChainConfig, UnknownKeyIsNamed) {
  auto parsed = parse_chain_endpoints(R"({"evm":{"31337":{"http_endpoint":"http://a:1","confirmation":3}}})");
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().is(ConfigErrc::kUnknownKey));
  EXPECT_NE(parsed.error().detail().find("chains.evm.31337.confirmation"), std::string::npos)
      << parsed.error().detail();
}

TEST(ChainConfig, BadConfirmations) {
  for (const char* value : {"1001", "-1", "\"2\"", "1.5", "18446744073709551615"}) {
    auto parsed = parse_chain_endpoints(
        std::string(R"({"evm":{"31337":{"http_endpoint":"http://a:1","confirmations":)") + value + "}}}");
    ASSERT_FALSE(parsed) << value;
    EXPECT_NE(parsed.error().detail().find("chains.evm.31337.confirmations"), std::string::npos)
        << parsed.error().detail();
  }
  auto max =
      parse_chain_endpoints(R"({"evm":{"31337":{"http_endpoint":"http://a:1","confirmations":1000}}})");
  ASSERT_TRUE(max) << max.error().message();
  EXPECT_EQ((*max)[0].confirmations, 1000u);
}

TEST(ChainConfig, BadPollInterval) {
  for (const char* value : {"49", "60001", "true"}) {
    auto parsed = parse_chain_endpoints(
        std::string(R"({"evm":{"31337":{"http_endpoint":"http://a:1","poll_interval_ms":)") + value + "}}}");
    ASSERT_FALSE(parsed) << value;
    EXPECT_NE(parsed.error().detail().find("chains.evm.31337.poll_interval_ms"), std::string::npos)
        << parsed.error().detail();
  }
}

TEST(ChainConfig, NeedsAnHttpEndpoint) {
  for (const char* entry :
       {R"({})", R"({"ws_endpoints":["ws://127.0.0.1:8545"]})", R"({"http_endpoints":[]})"}) {
    auto parsed = parse_chain_endpoints(std::string(R"({"evm":{"31337":)") + entry + "}}");
    ASSERT_FALSE(parsed) << entry;
    EXPECT_TRUE(parsed.error().is(ConfigErrc::kBadValue)) << parsed.error().message();
    EXPECT_NE(parsed.error().detail().find("chains.evm.31337"), std::string::npos) << parsed.error().detail();
    EXPECT_NE(parsed.error().detail().find("http_endpoint"), std::string::npos) << parsed.error().detail();
  }
}

TEST(ChainConfig, WrongSchemesAndTypesNameTheKeyWithoutSecrets) {
  auto ws_as_http =
      parse_chain_endpoints(R"({"evm":{"31337":{"http_endpoint":"wss://u:pw@a.example/v3/SECRET"}}})");
  ASSERT_FALSE(ws_as_http);
  EXPECT_NE(ws_as_http.error().detail().find("chains.evm.31337.http_endpoint"), std::string::npos);
  EXPECT_EQ(ws_as_http.error().detail().find("SECRET"), std::string::npos) << ws_as_http.error().detail();
  EXPECT_EQ(ws_as_http.error().detail().find("pw"), std::string::npos) << ws_as_http.error().detail();

  auto http_as_ws = parse_chain_endpoints(
      R"({"evm":{"31337":{"http_endpoint":"http://a:1","ws_endpoints":["ws://a:1","https://b.example/?key=SECRET"]}}})");
  ASSERT_FALSE(http_as_ws);
  EXPECT_NE(http_as_ws.error().detail().find("chains.evm.31337.ws_endpoints[1]"), std::string::npos)
      << http_as_ws.error().detail();
  EXPECT_EQ(http_as_ws.error().detail().find("SECRET"), std::string::npos) << http_as_ws.error().detail();

  auto not_list = parse_chain_endpoints(R"({"evm":{"31337":{"http_endpoints":"http://a:1"}}})");
  ASSERT_FALSE(not_list);
  EXPECT_TRUE(not_list.error().is(ConfigErrc::kWrongType));

  auto not_table = parse_chain_endpoints(R"({"evm":{"31337":"http://a:1"}})");
  ASSERT_FALSE(not_table);
  EXPECT_TRUE(not_table.error().is(ConfigErrc::kWrongType));
}

TEST(ChainConfig, ChainIdMustBeDecimal) {
  auto parsed = parse_chain_endpoints(R"({"evm":{"mainnet":{"http_endpoint":"http://a:1"}}})");
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().is(ConfigErrc::kBadValue));
  EXPECT_NE(parsed.error().detail().find("chains.evm.mainnet"), std::string::npos) << parsed.error().detail();
}

TEST(ChainConfig, MissingCaFile) {
  auto parsed = parse_chain_endpoints(
      R"({"evm":{"31337":{"http_endpoint":"http://a:1","ca_file":"/nonexistent/wavs-ca.pem"}}})");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().detail().find("chains.evm.31337.ca_file"), std::string::npos)
      << parsed.error().detail();
}

}  // namespace
}  // namespace wavs::node
