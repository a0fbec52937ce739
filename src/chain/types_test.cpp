#include "chain/types.hpp"

#include <gtest/gtest.h>

namespace wavs::chain {
namespace {

Address addr(std::uint8_t b) {
  Address a;
  a[19] = b;
  return a;
}
Hash256 topic(std::uint8_t b) {
  Hash256 h;
  h[31] = b;
  return h;
}
Log log_of(std::uint8_t a, std::vector<Hash256> topics) {
  Log l;
  l.address = addr(a);
  l.topics = std::move(topics);
  return l;
}

TEST(BlockRef, RpcForms) {
  EXPECT_EQ(BlockRef::latest().rpc(), "latest");
  EXPECT_EQ(BlockRef::at(0).rpc(), "0x0");
  EXPECT_EQ(BlockRef::at(255).rpc(), "0xff");
}

TEST(LogFilter, EmptyMatchesEverything) { EXPECT_TRUE(LogFilter{}.matches(log_of(1, {}))); }

TEST(LogFilter, AddressAndTopicPositions) {
  LogFilter f{{addr(1), addr(2)}, {{topic(7)}, {}, {topic(9), topic(10)}}};
  EXPECT_TRUE(f.matches(log_of(2, {topic(7), topic(0), topic(10)})));
  EXPECT_FALSE(f.matches(log_of(3, {topic(7), topic(0), topic(10)})));
  EXPECT_FALSE(f.matches(log_of(1, {topic(8), topic(0), topic(10)})));
  EXPECT_FALSE(f.matches(log_of(1, {topic(7), topic(0), topic(11)})));
  // A constrained position the log does not have cannot match.
  EXPECT_FALSE(f.matches(log_of(1, {topic(7)})));
}

TEST(MergeFilters, UnionOfAddressesAndTopic0) {
  LogFilter a{{addr(1)}, {{topic(7)}, {topic(1)}}};
  LogFilter b{{addr(2)}, {{topic(8)}}};
  LogFilter m = merge_filters({a, b});
  EXPECT_EQ(m.addresses, (std::vector<Address>{addr(1), addr(2)}));
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0], (std::vector<Hash256>{topic(7), topic(8)}));
  // The merged filter accepts everything either accepts.
  for (const Log& l : {log_of(1, {topic(7), topic(1)}), log_of(2, {topic(8)})}) {
    EXPECT_TRUE(m.matches(l));
  }
}

TEST(MergeFilters, AnyUnconstrainedFilterWidens) {
  LogFilter a{{addr(1)}, {{topic(7)}}};
  LogFilter b{{}, {}};
  LogFilter m = merge_filters({a, b});
  EXPECT_TRUE(m.addresses.empty());
  EXPECT_TRUE(m.topics.empty());
}

TEST(MergeFilters, SingleFilterIsKept) {
  LogFilter a{{addr(1)}, {{topic(7)}, {topic(3)}}};
  LogFilter m = merge_filters({a});
  EXPECT_EQ(m.addresses, a.addresses);
  EXPECT_EQ(m.topics, a.topics);
}

TEST(LogOrder, BlockThenIndex) {
  Log a;
  Log b;
  a.block_number = 1;
  a.log_index = 5;
  b.block_number = 2;
  b.log_index = 0;
  EXPECT_TRUE(log_before(a, b));
  EXPECT_FALSE(log_before(b, a));
  b.block_number = 1;
  EXPECT_TRUE(log_before(b, a));
}

}  // namespace
}  // namespace wavs::chain
