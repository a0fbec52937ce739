#include "chain/subscriber.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wavs::chain {
namespace {

TEST(WsUrl, Parses) {
  auto u = parse_ws_url("ws://127.0.0.1:8545");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8545");
  EXPECT_EQ(u->target, "/");
  u = parse_ws_url("ws://node.example/v3/key?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "node.example");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/v3/key?x=1");
  u = parse_ws_url("ws://[::1]:9000/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9000");
}

TEST(WsUrl, Rejects) {
  EXPECT_TRUE(parse_ws_url("http://x:1").error().is(ChainErrc::kInvalidArgument));
  EXPECT_TRUE(parse_ws_url("wss://x:1").error().is(ChainErrc::kInvalidArgument));
  EXPECT_FALSE(parse_ws_url("ws://:1"));
  EXPECT_FALSE(parse_ws_url("ws://x:port"));
}

TEST(Subscriber, UnreachableEndpointReportsAndRetriesUntilStopped) {
  SubscriberConfig c;
  c.ws_endpoints = {"ws://127.0.0.1:1"};
  c.reconnect_initial = std::chrono::milliseconds(10);
  c.reconnect_max = std::chrono::milliseconds(20);
  std::atomic<int> failures{0};
  SubscriberHandlers h;
  h.on_disconnected = [&](const Error& e) {
    EXPECT_TRUE(e.is(ChainErrc::kTransport)) << e.message();
    ++failures;
  };
  Subscriber sub(c, h, true, std::nullopt);
  sub.start();
  for (int i = 0; i < 200 && failures < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sub.stop();
  EXPECT_GE(failures.load(), 3);
  EXPECT_FALSE(sub.connected());
  int after = failures.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(failures.load(), after);  // nothing runs after stop()
}

TEST(Subscriber, RestartsAfterStop) {
  SubscriberConfig c;
  c.ws_endpoints = {"ws://127.0.0.1:1"};
  c.reconnect_initial = std::chrono::milliseconds(10);
  std::atomic<int> failures{0};
  SubscriberHandlers h;
  h.on_disconnected = [&](const Error&) { ++failures; };
  Subscriber sub(c, h, true, std::nullopt);
  sub.start();
  for (int i = 0; i < 200 && failures == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sub.stop();
  int after_first = failures.load();
  ASSERT_GE(after_first, 1);
  sub.start();
  for (int i = 0; i < 200 && failures == after_first; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sub.stop();
  EXPECT_GT(failures.load(), after_first);
}

TEST(Subscriber, StopWithoutStartAndTwice) {
  Subscriber sub(SubscriberConfig{}, SubscriberHandlers{}, true, std::nullopt);
  sub.stop();
  sub.start();
  sub.stop();
  sub.stop();
}

}  // namespace
}  // namespace wavs::chain
