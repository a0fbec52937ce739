#include "chain/nonce_manager.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "chain/error.hpp"

namespace wavs::chain {
namespace {

TEST(NonceManager, SeedsOnceFromTheNode) {
  int fetches = 0;
  NonceManager m([&]() -> Result<std::uint64_t> {
    ++fetches;
    return 7;
  });
  EXPECT_FALSE(m.peek_next());
  EXPECT_EQ(*m.acquire(), 7u);
  EXPECT_EQ(*m.acquire(), 8u);
  EXPECT_EQ(fetches, 1);
}

TEST(NonceManager, FetchFailureIsReportedAndRetried) {
  bool fail = true;
  NonceManager m([&]() -> Result<std::uint64_t> {
    if (fail) return Error(ChainErrc::kTimeout, "x");
    return 3;
  });
  EXPECT_FALSE(m.acquire());
  fail = false;
  EXPECT_EQ(*m.acquire(), 3u);
}

TEST(NonceManager, ReleasedNoncesAreReusedFirst) {
  NonceManager m([]() -> Result<std::uint64_t> { return 0; });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(m.acquire());  // 0..4
  m.release(1);
  m.release(3);
  EXPECT_EQ(*m.acquire(), 1u);
  EXPECT_EQ(*m.acquire(), 3u);
  EXPECT_EQ(*m.acquire(), 5u);
}

TEST(NonceManager, ReleasingTheTopShrinksTheEnd) {
  NonceManager m([]() -> Result<std::uint64_t> { return 10; });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(m.acquire());  // 10, 11, 12
  m.release(11);
  m.release(12);
  EXPECT_EQ(*m.peek_next(), 11u);
  EXPECT_EQ(*m.acquire(), 11u);
}

TEST(NonceManager, ResyncSkipsNoncesUsedElsewhere) {
  std::uint64_t node = 0;
  NonceManager m([&]() -> Result<std::uint64_t> { return node; });
  ASSERT_EQ(*m.acquire(), 0u);
  ASSERT_EQ(*m.acquire(), 1u);
  m.release(0);
  node = 5;  // another process sent 0..4
  ASSERT_TRUE(m.resync());
  EXPECT_EQ(*m.acquire(), 5u);
  node = 2;  // a lagging node never moves us backwards
  ASSERT_TRUE(m.resync());
  EXPECT_EQ(*m.acquire(), 6u);
}

TEST(NonceManager, ConcurrentAcquireHandsOutEachNonceOnce) {
  NonceManager m([]() -> Result<std::uint64_t> { return 100; });
  std::vector<std::vector<std::uint64_t>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        auto n = m.acquire();
        if (i % 10 == 0) {
          m.release(*n);  // some sends fail and give their nonce back
        } else {
          got[t].push_back(*n);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::uint64_t> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  // Nonces still released at the end are handed out before any fresh one.
  const std::uint64_t end = *m.peek_next();
  for (auto n = *m.acquire(); n < end; n = *m.acquire()) all.push_back(n);
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), end - 100);
  EXPECT_GE(all.size(), 8u * 225u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], 100 + i) << "gap or duplicate at " << i;
}

}  // namespace
}  // namespace wavs::chain
