#include "aggregator/aggregator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace wavs::aggregator {
namespace {

crypto::Address address(std::uint8_t n) {
  crypto::Address a;
  a.data[19] = n;
  a.data[0] = 0x42;
  return a;
}

eth::EventId event(std::uint32_t n) {
  eth::EventId id;
  for (int i = 0; i < 4; ++i) id.data[19 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return id;
}

TEST(SubmissionRank, EveryEventHasOnePrimaryAndAFullOrder) {
  const std::vector<crypto::Address> set = {address(1), address(2), address(3)};
  std::map<crypto::Address, int> primaries;
  for (std::uint32_t e = 0; e < 300; ++e) {
    std::vector<std::size_t> ranks;
    for (const auto& a : set) ranks.push_back(submission_rank(event(e), a, set));
    std::sort(ranks.begin(), ranks.end());
    EXPECT_EQ(ranks, (std::vector<std::size_t>{0, 1, 2})) << "event " << e;
    for (const auto& a : set) {
      if (submission_rank(event(e), a, set) == 0) ++primaries[a];
    }
  }
  // Each aggregator is the primary of a fair share (300 events, 3 aggregators: ~100 each).
  for (const auto& a : set) {
    EXPECT_GT(primaries[a], 60) << a.hex();
    EXPECT_LT(primaries[a], 140) << a.hex();
  }
}

TEST(SubmissionRank, TheOrderOfTheConfiguredListDoesNotMatter) {
  const std::vector<crypto::Address> one = {address(1), address(2), address(3)};
  const std::vector<crypto::Address> other = {address(3), address(1), address(2)};
  for (std::uint32_t e = 0; e < 50; ++e) {
    for (const auto& a : one) EXPECT_EQ(submission_rank(event(e), a, one), submission_rank(event(e), a, other));
  }
}

TEST(SubmissionRank, OutsideTheSetOrWithoutOneEverythingIsPrimary) {
  EXPECT_EQ(submission_rank(event(1), address(9), {address(1), address(2)}), 0u);
  EXPECT_EQ(submission_rank(event(1), address(9), {}), 0u);
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(ComponentActions, SubmitsAndTimersAddUp) {
  auto r = parse_component_actions({text(R"({"timer":{"delay_ms":250}})"),
                                    text(R"({"submit":{"chain":"evm:31337","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}})"),
                                    text(R"({"timer":{"delay_ms":50}})")});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->destinations.size(), 1u);
  EXPECT_EQ(r->destinations[0].chain.str(), "evm:31337");
  EXPECT_EQ(r->delay.count(), 300);
  auto none = parse_component_actions({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->destinations.empty());
}

TEST(ComponentActions, ErrorsNameTheResponseAndMember) {
  struct Case {
    const char* json;
    const char* needle;
  } cases[] = {
      {"not json", "response 0: expected"},
      {R"({"submit":{"chain":"evm:1"}})", "response 0.submit"},
      {R"({"submit":{"chain":"nope","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}})", "submit.chain"},
      {R"({"submit":{"chain":"evm:1","address":"0x12"}})", "submit.address"},
      {R"({"timer":{"delay_ms":-1}})", "timer.delay_ms"},
      {R"({"timer":{"delay_ms":3600001}})", "timer.delay_ms"},
      {R"({"launch":{}})", "unknown action launch"},
      {R"({"submit":{},"timer":{}})", "response 0: expected"},
  };
  for (const auto& c : cases) {
    auto r = parse_component_actions({text(c.json)});
    ASSERT_FALSE(r) << c.json;
    EXPECT_TRUE(r.error().is(AggregatorErrc::kNoDestination));
    EXPECT_NE(r.error().message().find(c.needle), std::string::npos) << c.json << ": " << r.error().message();
  }
}

}  // namespace
}  // namespace wavs::aggregator
