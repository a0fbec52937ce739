// The subscriber over wss:// against a loopback TLS server with a CA made at test start:
// subscriptions work as over ws://, and every certificate problem, stalled handshake or
// dropped connection ends in a clear, bounded error and a reconnect.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "chain/json.hpp"
#include "chain/subscriber.hpp"
#include "subscriber_helpers.hpp"
#include "tls_pki.hpp"
#include "ws_server.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::answer;
using testing::head_notification;
using testing::log_notification;
using testing::quick;
using testing::Recorder;
using testing::ScriptedWsServer;
using testing::TestPki;

// One CA for the whole binary: key generation is cheap, but there is no need to repeat it.
const TestPki& pki() {
  static const TestPki instance;
  return instance;
}

SubscriberConfig trusting(const std::string& url) {
  SubscriberConfig c = quick(url);
  c.ca_file = pki().ca_file();
  return c;
}

// A node that confirms each subscription and follows up with one notification of its kind.
ScriptedWsServer::Handler node(std::atomic<int>* requests = nullptr) {
  return [requests](const std::string& m) {
    if (requests != nullptr) ++*requests;
    auto kind = Json::parse(m)["params"][0].get<std::string>();
    if (kind == "logs")
      return std::vector<std::string>{answer(m, "\"0xl0g\""), log_notification(9, 3, "0xl0g")};
    return std::vector<std::string>{answer(m, "\"0xabc\""), head_notification(7)};
  };
}

std::string first_error(Recorder& rec) {
  std::lock_guard lock(rec.mu);
  return rec.errors.empty() ? "" : rec.errors[0].message();
}

TEST(SubscriberTls, HeadsFlowOverWss) {
  ScriptedWsServer server(node(), pki().server());
  ASSERT_EQ(server.url().substr(0, 6), "wss://");
  Recorder rec;
  Subscriber sub(trusting(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.heads.empty(); })) << first_error(rec);
  EXPECT_TRUE(sub.connected());
  sub.stop();
  ASSERT_FALSE(rec.heads.empty());
  EXPECT_EQ(rec.heads[0].number, 7u);
  EXPECT_EQ(rec.connected, 1);
  EXPECT_TRUE(rec.errors.empty()) << rec.errors[0].message();
  // An IP address is never sent as SNI (RFC 6066).
  EXPECT_EQ(server.last_server_name(), "");
}

TEST(SubscriberTls, HeadsAndLogsTogetherOverWssByHostName) {
  ScriptedWsServer server(node(), pki().server());
  Recorder rec;
  auto url = "wss://localhost:" + std::to_string(server.port()) + "/v3/SECRETKEY";
  LogFilter filter;
  filter.addresses.push_back(*crypto::Address::from_hex("0x" + std::string(38, '0') + "42"));
  Subscriber sub(trusting(url), rec.handlers(), true, filter);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.heads.empty() && !rec.logs.empty(); })) << first_error(rec);
  sub.stop();
  ASSERT_FALSE(rec.logs.empty());
  EXPECT_EQ(rec.logs[0].block_number, 9u);
  EXPECT_EQ(rec.logs[0].log_index, 3u);
  EXPECT_EQ(rec.logs[0].data, (std::vector<std::uint8_t>{1, 2, 3, 4}));
  ASSERT_FALSE(rec.heads.empty());
  EXPECT_EQ(rec.heads[0].number, 7u);
  EXPECT_EQ(rec.connected, 1);
  EXPECT_EQ(server.last_server_name(), "localhost");  // SNI carries the host name
}

TEST(SubscriberTls, UntrustedCertificateIsRefusedPromptly) {
  std::atomic<int> requests{0};
  ScriptedWsServer server(node(&requests), pki().server());
  Recorder rec;
  auto url = server.url() + "/v3/SECRETKEY";
  SubscriberConfig c = quick(url);  // no ca_file: the test CA is in no system store
  c.connect_timeout = milliseconds(2000);
  c.request_timeout = milliseconds(2000);
  Subscriber sub(c, rec.handlers(), true, std::nullopt);
  auto started = std::chrono::steady_clock::now();
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(rec.wait([&] { return rec.errors.size() >= 2; }));  // and it keeps retrying
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  const Error& e = rec.errors[0];
  EXPECT_TRUE(e.is(ChainErrc::kTransport)) << e.message();
  EXPECT_NE(e.message().find("certificate verify failed"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("unable to get local issuer certificate"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find(server.url()), std::string::npos) << e.message();
  EXPECT_EQ(e.message().find("SECRETKEY"), std::string::npos) << e.message();
  // A refusal, not a timeout: well under the 2 s the handshake would be allowed.
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(rec.connected, 0);
  EXPECT_EQ(server.upgraded(), 0);
  EXPECT_EQ(requests.load(), 0);
}

TEST(SubscriberTls, CertificateForAnotherHostIsRefused) {
  auto other = pki().issue("other", {"other.example"}, {"10.9.8.7"});
  ScriptedWsServer server(node(), other);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    Recorder rec;
    auto url = "wss://" + host + ":" + std::to_string(server.port());
    Subscriber sub(trusting(url), rec.handlers(), true, std::nullopt);
    sub.start();
    EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }));
    sub.stop();
    ASSERT_FALSE(rec.errors.empty());
    const Error& e = rec.errors[0];
    EXPECT_TRUE(e.is(ChainErrc::kTransport)) << e.message();
    EXPECT_NE(e.message().find("certificate verify failed"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("mismatch"), std::string::npos) << e.message();
    EXPECT_EQ(rec.connected, 0);
  }
  EXPECT_EQ(server.upgraded(), 0);
}

TEST(SubscriberTls, ExpiredCertificateIsRefused) {
  ScriptedWsServer server(node(), pki().issue("expired", {"localhost"}, {"127.0.0.1"}, /*expired=*/true));
  Recorder rec;
  Subscriber sub(trusting(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }));
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  const Error& e = rec.errors[0];
  EXPECT_TRUE(e.is(ChainErrc::kTransport)) << e.message();
  EXPECT_NE(e.message().find("certificate has expired"), std::string::npos) << e.message();
  EXPECT_EQ(rec.connected, 0);
  EXPECT_EQ(server.upgraded(), 0);
}

TEST(SubscriberTls, StalledTlsHandshakeTimesOut) {
  // Accepts TCP, never says a word: the TLS handshake alone must give up.
  ScriptedWsServer server(node(), pki().server(), /*handshake=*/false);
  SubscriberConfig c = trusting(server.url());
  c.connect_timeout = milliseconds(300);
  c.request_timeout = milliseconds(3000);  // so the overall deadline cannot be what fires
  Recorder rec;
  Subscriber sub(c, rec.handlers(), true, std::nullopt);
  auto started = std::chrono::steady_clock::now();
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return !rec.errors.empty(); }, milliseconds(3000)));
  auto took = std::chrono::steady_clock::now() - started;
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  const Error& e = rec.errors[0];
  EXPECT_TRUE(e.is(ChainErrc::kTimeout)) << e.message();
  EXPECT_NE(e.message().find("TLS handshake"), std::string::npos) << e.message();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_GE(server.connections(), 1);
}

TEST(SubscriberTls, ReconnectsAfterTheServerDropsTheConnection) {
  ScriptedWsServer server(node(), pki().server());
  Recorder rec;
  Subscriber sub(trusting(server.url()), rec.handlers(), true, std::nullopt);
  sub.start();
  ASSERT_TRUE(rec.wait([&] { return rec.connected == 1 && !rec.heads.empty(); })) << first_error(rec);
  server.drop_connections();
  EXPECT_TRUE(rec.wait([&] { return rec.connected >= 2 && rec.heads.size() >= 2; })) << first_error(rec);
  sub.stop();
  ASSERT_FALSE(rec.errors.empty());
  EXPECT_TRUE(rec.errors[0].is(ChainErrc::kTransport)) << rec.errors[0].message();
  EXPECT_NE(rec.errors[0].message().find(server.url()), std::string::npos) << rec.errors[0].message();
  EXPECT_GE(server.upgraded(), 2);
  EXPECT_GE(sub.connections(), 2);
}

TEST(SubscriberTls, PlainClientUrlAgainstTlsServerFails) {
  // ws:// to a TLS port: the HTTP upgrade meets a TLS server, which must end in an error
  // and a retry, not a hang.
  ScriptedWsServer server(node(), pki().server());
  Recorder rec;
  Subscriber sub(trusting("ws://127.0.0.1:" + std::to_string(server.port())), rec.handlers(), true,
                 std::nullopt);
  sub.start();
  EXPECT_TRUE(rec.wait([&] { return rec.errors.size() >= 2; }));
  sub.stop();
  EXPECT_EQ(rec.connected, 0);
  EXPECT_EQ(server.upgraded(), 0);
}

}  // namespace
}  // namespace wavs::chain
