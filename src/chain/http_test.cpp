#include "chain/http.hpp"

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

}  // namespace
}  // namespace wavs::chain
