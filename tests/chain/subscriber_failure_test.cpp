// The subscriber against a scripted WebSocket server: every misbehaviour ends the
// connection with a clear error and a reconnect, never a crash or a hang.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "chain/json.hpp"
#include "chain/subscriber.hpp"
#include "ws_server.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::ScriptedWsServer;

SubscriberConfig quick(const std::string& url) {
  SubscriberConfig c;
  c.ws_endpoints = {url};
  c.connect_timeout = milliseconds(300);
  c.request_timeout = milliseconds(300);
  c.idle_timeout = milliseconds(2000);
  c.reconnect_initial = milliseconds(10);
  c.reconnect_max = milliseconds(50);
  return c;
}

// Records what the subscriber reports.
struct Recorder {
  std::mutex mu;
  std::vector<Error> errors;
  std::vector<BlockHeader> heads;
  int connected = 0;
  SubscriberHandlers handlers() {
    SubscriberHandlers h;
    h.on_connected = [this] {
      std::lock_guard lock(mu);
      ++connected;
    };
    h.on_disconnected = [this](const Error& e) {
      std::lock_guard lock(mu);
      errors.push_back(e);
    };
    h.on_head = [this](const BlockHeader& b) {
      std::lock_guard lock(mu);
      heads.push_back(b);
    };
    return h;
  }
  template <class Pred>
  bool wait(Pred pred, milliseconds timeout = milliseconds(3000)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard lock(mu);
        if (pred()) return true;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }
};

std::string answer(const std::string& request, const std::string& result_json) {
  auto id = Json::parse(request)["id"];
  return R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"result":)" + result_json + "}";
}

std::string head_notification(std::uint64_t number) {
  Json h = {{"number", to_quantity(number)},
            {"hash", "0x" + std::string(62, '0') + (number < 16 ? "0" : "") + to_quantity(number).substr(2)},
            {"parentHash", "0x" + std::string(64, '0')},
            {"timestamp", "0x1"},
            {"gasLimit", "0x1"},
            {"gasUsed", "0x0"}};
  Json n = {{"jsonrpc", "2.0"},
            {"method", "eth_subscription"},
            {"params", {{"subscription", "0xabc"}, {"result", h}}}};
  return n.dump();
}

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
