// The subscriber against a scripted WebSocket server: every misbehaviour ends the
// connection with a clear error and a reconnect, never a crash or a hang.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "chain/json.hpp"
#include "chain/subscriber.hpp"
#include "subscriber_helpers.hpp"
#include "ws_server.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::answer;
using testing::head_notification;
using testing::quick;
using testing::Recorder;
using testing::ScriptedWsServer;

TEST(SubscriberFailure, HeadsFlowFromAWellBehavedServer) {
  ScriptedWsServer server([](const std::string& m) {
    return std::vector<std::string>{answer(m, "\"0xabc\""), head_notification(7)};
  });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.heads.empty(); }));
  sub.stop();
  ASSERT_FALSE(rec.heads.empty());
  EXPECT_EQ(rec.heads[0].number, 7u);
  EXPECT_EQ(rec.connected, 1);
}

TEST(SubscriberFailure, ErrorAnswerToSubscribeIsReportedAndRetried) {
  ScriptedWsServer server([](const std::string& m) {
    auto id = Json::parse(m)["id"];
    return std::vector<std::string>{R"({"jsonrpc":"2.0","id":)" + id.dump() +
                                    R"(,"error":{"code":-32601,"message":"subscriptions not supported"}})"};
  });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return rec.errors.size() >= 2; }));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kRpc)) << rec.errors[0].message();
  EXPECT_NE(rec.errors[0].message().find("subscriptions not supported"), std::string::npos);
  EXPECT_GE(server.connections(), 2);
  EXPECT_EQ(rec.connected, 0);
}

TEST(SubscriberFailure, GarbageMessageEndsTheConnection) {
  ScriptedWsServer server([](const std::string& m) {
    return std::vector<std::string>{answer(m, "\"0xabc\""), "}{ not json"};
  });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty() && rec.connected >= 2; }));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kBadResponse)) << rec.errors[0].message();
}

TEST(SubscriberFailure, MalformedHeaderIsBadResponse) {
  ScriptedWsServer server([](const std::string& m) {
    std::string bad =
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xabc","result":{"number":"12"}}})";
    return std::vector<std::string>{answer(m, "\"0xabc\""), bad};
  });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kBadResponse)) << rec.errors[0].message();
  EXPECT_NE(rec.errors[0].message().find("newHeads"), std::string::npos);
  EXPECT_TRUE(rec.heads.empty());
}

TEST(SubscriberFailure, UnansweredSubscribeTimesOut) {
  ScriptedWsServer server([](const std::string&) { return std::vector<std::string>{}; });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }, milliseconds(2000)));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kTimeout)) << rec.errors[0].message();
}

TEST(SubscriberFailure, StalledHandshakeTimesOut) {
  ScriptedWsServer server([](const std::string&) { return std::vector<std::string>{}; }, /*handshake=*/false);
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }, milliseconds(2000)));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kTimeout) || rec.errors[0].is(ChainErrc::kTransport))
      << rec.errors[0].message();
}

TEST(SubscriberFailure, NotificationsForUnknownSubscriptionsAreIgnored) {
  ScriptedWsServer server([](const std::string& m) {
    std::string other = head_notification(3);
    auto pos = other.find("0xabc");
    other.replace(pos, 5, "0xfff");
    return std::vector<std::string>{answer(m, "\"0xabc\""), other, head_notification(4)};
  });
  Recorder rec;
  Subscriber sub(quick(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.heads.empty(); }));
  sub.stop();
  ASSERT_EQ(rec.heads.size(), 1u);
  EXPECT_EQ(rec.heads[0].number, 4u);
  EXPECT_TRUE(rec.errors.empty());
}

}  // namespace
}  // namespace wavs::chain
