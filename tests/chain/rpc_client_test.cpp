// RpcClient against a scripted loopback server: every kind of bad answer yields a clear
// error or a retry, and every wait is bounded.
#include "chain/rpc_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "net_helpers.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::Reply;
using testing::ScriptedServer;
using Clock = std::chrono::steady_clock;

RpcConfig fast_config(std::vector<std::string> urls) {
  RpcConfig c;
  c.http_endpoints = std::move(urls);
  c.request_timeout = milliseconds(400);
  c.connect_timeout = milliseconds(200);
  c.call_deadline = milliseconds(3000);
  c.max_attempts = 3;
  c.backoff_initial = milliseconds(20);
  c.backoff_max = milliseconds(100);
  return c;
}

std::string ok_result(const std::string& result) {
  return R"({"jsonrpc":"2.0","id":1,"result":)" + result + "}";
}

TEST(RpcClient, TypedCallParsesResult) {
  ScriptedServer server([](const std::string& body) {
    auto req = Json::parse(body);
    EXPECT_EQ(req["method"], "eth_chainId");
    EXPECT_EQ(req["jsonrpc"], "2.0");
    return Reply::json(ok_result("\"0x7a69\""));
  });
  RpcClient rpc(fast_config({server.url()}));
  auto id = rpc.chain_id();
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, 31337u);
}

TEST(RpcClient, NoEndpointConfigured) {
  RpcClient rpc(RpcConfig{});
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kNoEndpoint));
}

TEST(RpcClient, UnreachableEndpointFailsFastAfterRetries) {
  RpcClient rpc(fast_config({"http://127.0.0.1:1"}));
  auto start = Clock::now();
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kTransport)) << r.error().message();
  EXPECT_NE(r.error().message().find("eth_blockNumber"), std::string::npos);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST(RpcClient, GarbageJsonIsRetriedThenReported) {
  ScriptedServer server([](const std::string&) { return Reply::json("this is not json {"); });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kBadResponse)) << r.error().message();
  EXPECT_NE(r.error().message().find("not JSON"), std::string::npos);
  EXPECT_EQ(server.requests(), 3);
}

TEST(RpcClient, WrongShapeIsBadResponse) {
  ScriptedServer server([](const std::string&) { return Reply::json(ok_result("{\"x\":1}")); });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kBadResponse)) << r.error().message();
}

TEST(RpcClient, RpcErrorObjectIsFinalAndStructured) {
  ScriptedServer server([](const std::string&) {
    return Reply::json(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid params"}})");
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kRpc));
  auto info = rpc_error_info(r.error());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->code, -32602);
  EXPECT_EQ(info->message, "invalid params");
  EXPECT_EQ(server.requests(), 1);  // an answer is not retried
}

TEST(RpcClient, RevertDataSurfaces) {
  ScriptedServer server([](const std::string&) {
    return Reply::json(
        R"({"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}})");
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.call(CallRequest{});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kReverted));
  EXPECT_EQ(*rpc_error_info(r.error())->data, (Bytes{0x08, 0xc3, 0x79, 0xa0}));
}

TEST(RpcClient, ConnectionClosedWithoutAnswerIsRetried) {
  int n = 0;
  ScriptedServer server([&n](const std::string&) {
    return ++n < 3 ? Reply::close_at_once() : Reply::json(ok_result("\"0x5\""));
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 5u);
}

TEST(RpcClient, DroppedMidResponseIsRetried) {
  int n = 0;
  ScriptedServer server([&n](const std::string&) {
    std::string full = ok_result("\"0x6\"");
    return ++n < 2 ? Reply::cut_mid_body(full) : Reply::json(full);
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 6u);
}

TEST(RpcClient, DroppedMidResponseEveryTimeIsAnError) {
  ScriptedServer server([](const std::string&) { return Reply::cut_mid_body(ok_result("\"0x6\"")); });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kTransport)) << r.error().message();
}

TEST(RpcClient, HangingServerTimesOutWithinDeadline) {
  ScriptedServer server([](const std::string&) { return Reply::hang(); });
  RpcConfig c = fast_config({server.url()});
  c.request_timeout = milliseconds(200);
  c.call_deadline = milliseconds(1000);
  c.max_attempts = 10;
  RpcClient rpc(c);
  auto start = Clock::now();
  auto r = rpc.block_number();
  auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kTimeout)) << r.error().message();
  EXPECT_LT(took, milliseconds(1500));
}

TEST(RpcClient, Non200WithoutJsonRpcIsRetriedAsHttpStatus) {
  ScriptedServer server([](const std::string&) { return Reply::status_code(503, "busy"); });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kHttpStatus)) << r.error().message();
  EXPECT_NE(r.error().message().find("503"), std::string::npos);
  EXPECT_EQ(server.requests(), 3);
}

TEST(RpcClient, RateLimitIsRetried) {
  int n = 0;
  ScriptedServer server([&n](const std::string&) {
    if (++n < 3) {
      return Reply::status_code(429, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"limit"}})");
    }
    return Reply::json(ok_result("\"0x8\""));
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 8u);
}

TEST(RpcClient, JsonRpcErrorOnNon200IsStillAnAnswer) {
  ScriptedServer server([](const std::string&) {
    return Reply::status_code(400, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}})");
  });
  RpcClient rpc(fast_config({server.url()}));
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kRpc));
}

TEST(RpcClient, FailsOverToSecondEndpointAndRemembers) {
  ScriptedServer bad([](const std::string&) { return Reply::json("garbage"); });
  ScriptedServer good([](const std::string&) { return Reply::json(ok_result("\"0x9\"")); });
  RpcConfig c = fast_config({bad.url(), good.url()});
  c.backoff_initial = milliseconds(2000);
  c.backoff_max = milliseconds(2000);
  RpcClient rpc(c);
  for (int i = 0; i < 5; ++i) {
    auto r = rpc.block_number();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, 9u);
  }
  // The failed endpoint sits out its back-off instead of being asked every call.
  EXPECT_EQ(bad.requests(), 1);
  EXPECT_EQ(good.requests(), 5);
}

TEST(RpcClient, StopInterruptsBackoff) {
  RpcConfig c = fast_config({"http://127.0.0.1:1"});
  c.backoff_initial = milliseconds(5000);
  c.backoff_max = milliseconds(5000);
  c.call_deadline = milliseconds(20000);
  RpcClient rpc(c);
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(200));
    rpc.stop();
  });
  auto start = Clock::now();
  auto r = rpc.block_number();
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kStopped)) << r.error().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

// An exchange with a node that accepted the request and never answers ends as soon as
// the token is requested, not when its 30 s timeout passes.
TEST(RpcClient, CancelTokenAbortsAnInFlightExchange) {
  ScriptedServer server([](const std::string&) { return Reply::hang(); });
  RpcConfig c = fast_config({server.url()});
  c.request_timeout = milliseconds(30000);
  c.call_deadline = milliseconds(60000);
  std::stop_source source;
  c.cancel = source.get_token();
  RpcClient rpc(c);
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    source.request_stop();
  });
  auto start = Clock::now();
  auto r = rpc.block_number();
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kStopped)) << r.error().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  // Stopped for good: later calls fail at once.
  auto again = rpc.block_number();
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(ChainErrc::kStopped));
}

// A per-call token (one component run's) ends that call only; the client stays usable.
TEST(RpcClient, PerCallTokenEndsOnlyThatCall) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const std::string&) {
    return calls++ == 0 ? Reply::hang() : Reply::json(ok_result("\"0x2a\""));
  });
  RpcConfig c = fast_config({server.url()});
  c.request_timeout = milliseconds(30000);
  c.call_deadline = milliseconds(60000);
  RpcClient rpc(c);
  std::stop_source source;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    source.request_stop();
  });
  auto start = Clock::now();
  auto r = rpc.request("eth_blockNumber", Json::array(), Clock::now() + std::chrono::seconds(60), source.get_token());
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kStopped)) << r.error().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  auto next = rpc.block_number();
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(*next, 42u);
}

TEST(RpcClient, ATokenStoppedBeforehandFailsTheFirstCall) {
  ScriptedServer server([](const std::string&) { return Reply::json(ok_result("\"0x1\"")); });
  RpcConfig c = fast_config({server.url()});
  std::stop_source source;
  source.request_stop();
  c.cancel = source.get_token();
  RpcClient rpc(c);
  auto r = rpc.block_number();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kStopped)) << r.error().message();
}

TEST(RpcClient, NullResultsBecomeNullopt) {
  ScriptedServer server([](const std::string&) { return Reply::json(ok_result("null")); });
  RpcClient rpc(fast_config({server.url()}));
  auto receipt = rpc.transaction_receipt(Hash256{});
  ASSERT_TRUE(receipt);
  EXPECT_FALSE(*receipt);
  auto block = rpc.block_by_number(BlockRef::at(1'000'000));
  ASSERT_TRUE(block);
  EXPECT_FALSE(*block);
}

TEST(RpcClient, ConcurrentCallsAreIndependent) {
  ScriptedServer server([](const std::string& body) {
    auto req = Json::parse(body);
    return Reply::json(R"({"jsonrpc":"2.0","id":)" + req["id"].dump() + R"(,"result":)" +
                       req["params"][0].dump() + "}");
  });
  RpcClient rpc(fast_config({server.url()}));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string v = to_quantity(static_cast<std::uint64_t>(t * 100 + i));
        auto r = rpc.request("echo", Json::array({v}));
        if (r && *r == v) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
}

}  // namespace
}  // namespace wavs::chain
