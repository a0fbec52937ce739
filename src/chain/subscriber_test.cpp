#include "chain/subscriber.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

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
  EXPECT_FALSE(u->tls);
}

TEST(WsUrl, ParsesWss) {
  auto u = parse_ws_url("wss://mainnet.example.io/v3/KEY");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "mainnet.example.io");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/v3/KEY");
  u = parse_ws_url("wss://127.0.0.1:8546");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, "8546");
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(parse_ws_url("wss://:443"));
  EXPECT_FALSE(parse_ws_url("wss:/x"));
  EXPECT_FALSE(parse_ws_url("https://x"));
}

TEST(WsUrl, Rejects) {
  EXPECT_TRUE(parse_ws_url("http://x:1").error().is(ChainErrc::kInvalidArgument));
  EXPECT_TRUE(parse_ws_url("https://x:1").error().is(ChainErrc::kInvalidArgument));
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

TEST(Subscriber, UnreadableCaFileIsReportedWithItsPath) {
  SubscriberConfig c;
  c.ws_endpoints = {"wss://127.0.0.1:1/v3/SECRETKEY"};
  c.ca_file = "/nonexistent/wavs-test-ca.pem";
  c.reconnect_initial = std::chrono::milliseconds(10);
  std::mutex mu;
  std::vector<Error> errors;
  SubscriberHandlers h;
  h.on_disconnected = [&](const Error& e) {
    std::lock_guard lock(mu);
    errors.push_back(e);
  };
  Subscriber sub(c, h, true, std::nullopt);
  sub.start();
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (!errors.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  sub.stop();
  ASSERT_FALSE(errors.empty());
  EXPECT_TRUE(errors[0].is(ChainErrc::kInvalidArgument)) << errors[0].message();
  EXPECT_NE(errors[0].message().find("/nonexistent/wavs-test-ca.pem"), std::string::npos)
      << errors[0].message();
  EXPECT_EQ(errors[0].message().find("SECRETKEY"), std::string::npos) << errors[0].message();
}

TEST(Subscriber, UnreachableWssEndpointIsTransportError) {
  SubscriberConfig c;
  c.ws_endpoints = {"wss://127.0.0.1:1"};
  c.reconnect_initial = std::chrono::milliseconds(10);
  std::atomic<int> failures{0};
  std::atomic<bool> all_transport{true};
  SubscriberHandlers h;
  h.on_disconnected = [&](const Error& e) {
    if (!e.is(ChainErrc::kTransport)) all_transport = false;
    ++failures;
  };
  Subscriber sub(c, h, true, std::nullopt);
  sub.start();
  for (int i = 0; i < 200 && failures < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sub.stop();
  EXPECT_GE(failures.load(), 2);
  EXPECT_TRUE(all_transport.load());
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
