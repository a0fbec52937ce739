#include "chain/http.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace wavs::chain {
namespace {

TEST(RedactUrl, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(redact_url("https://mainnet.example.io/v3/SECRETKEY"), "https://mainnet.example.io");
  EXPECT_EQ(redact_url("http://user:pass@127.0.0.1:8545/path?key=1"), "http://127.0.0.1:8545");
  EXPECT_EQ(redact_url("ws://127.0.0.1:8545"), "ws://127.0.0.1:8545");
  EXPECT_EQ(redact_url("localhost:1/x"), "localhost:1");
}

TEST(HttpClient, RefusedConnectionIsTransportError) {
  HttpClient http;
  // Port 1 on loopback is closed on any sane test machine.
  auto r = http.post_json("http://127.0.0.1:1/", "{}", std::chrono::milliseconds(2000),
                          std::chrono::milliseconds(1000));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kTransport)) << r.error().message();
  EXPECT_NE(r.error().detail().find("127.0.0.1:1"), std::string::npos);
}

// The chain client and the components' outbound HTTP both set libcurl up through
// ensure_curl, possibly at once from several threads; clients made in those threads work.
TEST(HttpClient, CurlSetUpFromManyThreadsAtOnce) {
  std::vector<Status> results(8);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&result] {
      ensure_curl();
      HttpClient http;
      auto r = http.post_json("http://127.0.0.1:1/", "{}", std::chrono::milliseconds(2000),
                              std::chrono::milliseconds(1000));
      result = r ? Status{} : Status(r.error());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(ChainErrc::kTransport)) << r.error().message();
  }
}

}  // namespace
}  // namespace wavs::chain
