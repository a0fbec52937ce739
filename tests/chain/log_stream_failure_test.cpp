// LogStream when the node is unreachable or talks nonsense: it retries, never crashes,
// and stop() still returns promptly.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "chain/log_stream.hpp"
#include "net_helpers.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

LogStreamConfig quick() {
  LogStreamConfig c;
  c.poll_interval = milliseconds(50);
  c.retry_initial = milliseconds(10);
  c.retry_max = milliseconds(50);
  return c;
}

RpcConfig rpc_to(const std::string& url) {
  RpcConfig c;
  c.http_endpoints = {url};
  c.request_timeout = milliseconds(300);
  c.call_deadline = milliseconds(1000);
  c.backoff_initial = milliseconds(10);
  c.backoff_max = milliseconds(50);
  return c;
}

TEST(LogStreamFailure, UnreachableNodeRetriesAndStopsPromptly) {
  SubscriberConfig ws;
  ws.ws_endpoints = {"ws://127.0.0.1:1"};
  ws.reconnect_initial = milliseconds(10);
  ws.reconnect_max = milliseconds(50);
  int batches = 0;
  LogStream stream(rpc_to("http://127.0.0.1:1"), ws, quick(), [&](const LogBatch&) {
    ++batches;
    return Status{};
  });
  ASSERT_TRUE(stream.start());
  std::this_thread::sleep_for(milliseconds(400));
  auto t0 = Clock::now();
  stream.stop();
  EXPECT_LT(Clock::now() - t0, milliseconds(1500));
  EXPECT_GT(stream.failed_steps(), 0);
  EXPECT_EQ(batches, 0);
  EXPECT_FALSE(stream.cursor());
}

TEST(LogStreamFailure, GarbageAnswersAreRetriedNotDelivered) {
  testing::ScriptedServer server([](const std::string&) {
    return testing::Reply::json("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,2");
  });
  int batches = 0;
  LogStream stream(rpc_to(server.url()), std::nullopt, quick(), [&](const LogBatch&) {
    ++batches;
    return Status{};
  });
  ASSERT_TRUE(stream.start());
  std::this_thread::sleep_for(milliseconds(300));
  stream.stop();
  EXPECT_GT(stream.failed_steps(), 0);
  EXPECT_EQ(batches, 0);
}

TEST(LogStreamFailure, HangingNodeDoesNotBlockStop) {
  testing::ScriptedServer server([](const std::string&) { return testing::Reply::hang(); });
  RpcConfig rpc = rpc_to(server.url());
  rpc.request_timeout = milliseconds(500);
  LogStream stream(rpc, std::nullopt, quick(), [](const LogBatch&) { return Status{}; });
  ASSERT_TRUE(stream.start());
  std::this_thread::sleep_for(milliseconds(100));
  auto t0 = Clock::now();
  stream.stop();
  // At most one exchange's timeout.
  EXPECT_LT(Clock::now() - t0, milliseconds(1500));
}

}  // namespace
}  // namespace wavs::chain
