// LogSyncer against an in-memory chain that can reorganise at will.
#include "chain/log_stream.hpp"

#include <gtest/gtest.h>

#include <map>

namespace wavs::chain {
namespace {

Address contract(std::uint8_t b) {
  Address a;
  a[19] = b;
  return a;
}
Hash256 topic(std::uint8_t b) {
  Hash256 t;
  t[0] = b;
  return t;
}

class FakeChain final : public ChainSource {
 public:
  FakeChain() { blocks_.push_back({make_hash(), Hash256{}, {}}); }

  // Appends a block with `n` logs from `address` (topic 1), numbered by a global serial
  // carried in the data so tests can check order and uniqueness.
  void mine(int n = 1, Address address = contract(1), Hash256 t0 = topic(1)) {
    Block b{make_hash(), blocks_.back().hash, {}};
    std::uint64_t number = blocks_.size();
    for (int i = 0; i < n; ++i) {
      Log l;
      l.address = address;
      l.topics = {t0};
      l.data = {static_cast<std::uint8_t>(serial_ >> 8), static_cast<std::uint8_t>(serial_)};
      ++serial_;
      l.block_number = number;
      l.block_hash = b.hash;
      l.log_index = static_cast<std::uint64_t>(i);
      b.logs.push_back(l);
    }
    blocks_.push_back(std::move(b));
  }
  void mine_many(int blocks, int logs_each) {
    for (int i = 0; i < blocks; ++i) mine(logs_each);
  }
  // Drops the newest `depth` blocks (new blocks are mined by the caller).
  void drop(std::size_t depth) { blocks_.resize(blocks_.size() - depth); }

  Result<std::uint64_t> head() override {
    if (fail_next_ > 0 && fail_next_-- > 0) return Error(ChainErrc::kTransport, "injected");
    return blocks_.size() - 1;
  }
  Result<std::optional<BlockHeader>> header(std::uint64_t n) override {
    if (n >= blocks_.size()) return std::optional<BlockHeader>();
    BlockHeader h;
    h.number = n;
    h.hash = blocks_[n].hash;
    h.parent_hash = blocks_[n].parent;
    return std::optional<BlockHeader>(h);
  }
  Result<std::vector<Log>> logs(const LogFilter& f, std::uint64_t from, std::uint64_t to) override {
    ++log_queries_;
    if (fail_logs_ > 0 && fail_logs_-- > 0) return Error(ChainErrc::kTimeout, "injected");
    if (to - from + 1 > max_span_) return Error(ChainErrc::kRpc, "range too large");
    if (on_logs_) on_logs_();
    std::vector<Log> out;
    for (std::uint64_t n = from; n <= to && n < blocks_.size(); ++n) {
      for (const auto& l : blocks_[n].logs) {
        if (f.matches(l)) out.push_back(l);
      }
    }
    return out;
  }

  int fail_next_ = 0;
  int fail_logs_ = 0;
  int log_queries_ = 0;
  std::uint64_t max_span_ = UINT64_MAX;
  std::function<void()> on_logs_;

 private:
  struct Block {
    Hash256 hash;
    Hash256 parent;
    std::vector<Log> logs;
  };
  Hash256 make_hash() {
    Hash256 h;
    ++hash_serial_;
    for (int i = 0; i < 8; ++i) h[31 - i] = static_cast<std::uint8_t>(hash_serial_ >> (8 * i));
    return h;
  }
  std::vector<Block> blocks_;
  std::uint64_t serial_ = 0;
  std::uint64_t hash_serial_ = 0;
};

int serial_of(const Log& l) { return l.data[0] * 256 + l.data[1]; }

// Runs steps until caught up; collects everything.
struct Collected {
  std::vector<Log> logs;
  std::vector<Log> retracted;
  int batches = 0;
  bool rewound = false;
};
Collected drain(LogSyncer& s, int max_steps = 1000) {
  Collected c;
  for (int i = 0; i < max_steps; ++i) {
    auto r = s.step();
    if (!r) continue;
    if (!*r) {
      // initialise() returns nullopt once; keep going until a second nullopt.
      auto again = s.step();
      if (again && !*again) break;
      if (again && *again)
        r = std::move(again);
      else
        continue;
    }
    ++c.batches;
    c.rewound = c.rewound || (*r)->rewound;
    for (auto& l : (*r)->retracted) c.retracted.push_back(l);
    for (auto& l : (*r)->logs) c.logs.push_back(l);
  }
  return c;
}

LogStreamConfig from_block(std::uint64_t start) {
  LogStreamConfig c;
  c.start_block = start;
  return c;
}

TEST(LogSyncer, DeliversEverythingOnceInOrderInBoundedRanges) {
  FakeChain chain;
  chain.mine_many(50, 3);
  auto cfg = from_block(1);
  cfg.max_range = 7;
  LogSyncer s(chain, cfg);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 150u);
  for (std::size_t i = 0; i < c.logs.size(); ++i) EXPECT_EQ(serial_of(c.logs[i]), static_cast<int>(i));
  EXPECT_EQ(c.batches, 8);  // ceil(50 / 7)
  EXPECT_EQ(s.cursor()->block_number, 50u);
  chain.mine_many(2, 1);
  auto more = drain(s);
  ASSERT_EQ(more.logs.size(), 2u);
  EXPECT_EQ(serial_of(more.logs[0]), 150);
}

// Regression: a back-fill whose range could never be answered (provider result cap, or
// a link that cuts every large answer) retried the same range forever.
TEST(LogSyncer, RangeShrinksWhenQueriesFailAndGrowsBack) {
  FakeChain chain;
  chain.mine_many(100, 1);
  chain.max_span_ = 6;
  auto cfg = from_block(1);
  cfg.max_range = 64;
  LogSyncer s(chain, cfg);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 100u);
  for (std::size_t i = 0; i < c.logs.size(); ++i) EXPECT_EQ(serial_of(c.logs[i]), static_cast<int>(i));
  chain.max_span_ = UINT64_MAX;
  chain.mine_many(100, 1);
  int before = chain.log_queries_;
  c = drain(s);
  EXPECT_EQ(c.logs.size(), 100u);
  EXPECT_LE(chain.log_queries_ - before, 8);  // back to large ranges
}

TEST(LogSyncer, DefaultStartIsTheNextBlock) {
  FakeChain chain;
  chain.mine_many(5, 1);
  LogSyncer s(chain, LogStreamConfig{});
  EXPECT_TRUE(drain(s).logs.empty());
  EXPECT_EQ(s.cursor()->block_number, 5u);
  chain.mine(2);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 2u);
  EXPECT_EQ(c.logs[0].block_number, 6u);
}

TEST(LogSyncer, ConfirmationDepthHoldsBackRecentBlocks) {
  FakeChain chain;
  auto cfg = from_block(1);
  cfg.confirmations = 3;
  chain.mine_many(5, 1);
  LogSyncer s(chain, cfg);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 2u);  // blocks 1 and 2; head 5
  EXPECT_EQ(s.cursor()->block_number, 2u);
  chain.mine(1);
  c = drain(s);
  ASSERT_EQ(c.logs.size(), 1u);
  EXPECT_EQ(c.logs[0].block_number, 3u);
}

TEST(LogSyncer, ResumeFromCursorHasNoGapAndNoDuplicate) {
  FakeChain chain;
  chain.mine_many(10, 2);
  LogSyncer first(chain, from_block(1));
  auto a = drain(first);
  Cursor saved = *first.cursor();
  chain.mine_many(10, 2);
  auto cfg = from_block(1);
  cfg.resume_from = saved;
  LogSyncer second(chain, cfg);
  auto b = drain(second);
  ASSERT_EQ(a.logs.size() + b.logs.size(), 40u);
  std::vector<Log> all = a.logs;
  all.insert(all.end(), b.logs.begin(), b.logs.end());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(serial_of(all[i]), static_cast<int>(i));
  EXPECT_FALSE(b.rewound);
}

TEST(LogSyncer, ShallowReorgRetractsNewestFirstThenDeliversTheNewFork) {
  FakeChain chain;
  chain.mine_many(6, 2);
  LogSyncer s(chain, from_block(1));
  auto a = drain(s);
  ASSERT_EQ(a.logs.size(), 12u);
  chain.drop(2);  // blocks 5 and 6 vanish
  chain.mine(1);
  chain.mine(1);
  chain.mine(1);
  auto b = drain(s);
  ASSERT_EQ(b.retracted.size(), 4u);
  EXPECT_EQ(b.retracted[0].block_number, 6u);
  EXPECT_EQ(b.retracted[0].log_index, 1u);
  EXPECT_EQ(b.retracted[3].block_number, 5u);
  EXPECT_EQ(b.retracted[3].log_index, 0u);
  for (const auto& l : b.retracted) EXPECT_TRUE(l.removed);
  ASSERT_EQ(b.logs.size(), 3u);
  EXPECT_EQ(b.logs[0].block_number, 5u);
  EXPECT_FALSE(b.rewound);
  EXPECT_EQ(s.cursor()->block_number, 7u);
}

// rollback(): a batch its consumer refused comes again, identical, and nothing after it
// is skipped.
TEST(LogSyncer, RollbackRedeliversTheSameBatch) {
  FakeChain chain;
  chain.mine_many(10, 2);
  auto cfg = from_block(1);
  cfg.max_range = 4;
  LogSyncer s(chain, cfg);
  ASSERT_TRUE(s.step());  // initialise
  auto first = s.step();
  ASSERT_TRUE(first && *first);
  const auto before = s.cursor();
  s.rollback();
  EXPECT_NE(s.cursor(), before);
  auto again = s.step();
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->cursor, (*first)->cursor);
  ASSERT_EQ((*again)->logs.size(), (*first)->logs.size());
  for (std::size_t i = 0; i < (*first)->logs.size(); ++i) {
    EXPECT_EQ(serial_of((*again)->logs[i]), serial_of((*first)->logs[i]));
  }
  // Refuse every other batch from here on: still everything once, in order.
  std::vector<Log> all((*again)->logs);
  bool refuse = true;
  for (int i = 0; i < 100; ++i) {
    auto r = s.step();
    ASSERT_TRUE(r);
    if (!*r) break;
    if (refuse) {
      s.rollback();
    } else {
      for (auto& l : (*r)->logs) all.push_back(l);
    }
    refuse = !refuse;
  }
  ASSERT_EQ(all.size(), 20u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(serial_of(all[i]), static_cast<int>(i));
}

TEST(LogSyncer, RollbackOfARetractionRetractsAgain) {
  FakeChain chain;
  chain.mine_many(6, 2);
  LogSyncer s(chain, from_block(1));
  ASSERT_EQ(drain(s).logs.size(), 12u);
  chain.drop(2);
  chain.mine(1);
  chain.mine(1);
  chain.mine(1);
  auto r = s.step();
  ASSERT_TRUE(r && *r);
  ASSERT_EQ((*r)->retracted.size(), 4u);
  s.rollback();
  auto again = s.step();
  ASSERT_TRUE(again && *again);
  ASSERT_EQ((*again)->retracted.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(serial_of((*again)->retracted[i]), serial_of((*r)->retracted[i]));
  }
  auto rest = drain(s);
  EXPECT_EQ(rest.logs.size(), 3u);
  EXPECT_EQ(s.cursor()->block_number, 7u);
}

TEST(LogSyncer, ReorgToShorterChainIsNoticed) {
  FakeChain chain;
  chain.mine_many(6, 1);
  LogSyncer s(chain, from_block(1));
  drain(s);
  chain.drop(3);
  chain.mine(1);  // head 4 < cursor 6
  auto b = drain(s);
  EXPECT_EQ(b.retracted.size(), 3u);
  ASSERT_EQ(b.logs.size(), 1u);
  EXPECT_EQ(b.logs[0].block_number, 4u);
}

TEST(LogSyncer, SameHeightReorgIsFoundWhenTheCursorIsChecked) {
  FakeChain chain;
  chain.mine_many(5, 1);
  LogSyncer s(chain, from_block(1));
  drain(s);
  chain.drop(1);
  chain.mine(2);  // a different block 5; the height does not change
  auto quiet = s.step();
  ASSERT_TRUE(quiet);
  EXPECT_FALSE(*quiet);  // nothing to read above the cursor, so nothing noticed yet
  s.check_cursor();
  auto b = drain(s);
  ASSERT_EQ(b.retracted.size(), 1u);
  EXPECT_EQ(b.retracted[0].block_number, 5u);
  ASSERT_EQ(b.logs.size(), 2u);
  EXPECT_EQ(b.logs[0].block_number, 5u);
}

TEST(LogSyncer, ReorgBeyondMemoryRewinds) {
  FakeChain chain;
  chain.mine_many(30, 1);
  auto cfg = from_block(1);
  cfg.reorg_window = 4;
  LogSyncer s(chain, cfg);
  drain(s);
  chain.drop(20);
  chain.mine_many(25, 1);
  auto b = drain(s);
  EXPECT_TRUE(b.rewound);
  // Rewound to block 26: everything after is delivered again from the new fork.
  EXPECT_EQ(b.logs.front().block_number, 27u);
  EXPECT_EQ(s.cursor()->block_number, 35u);
}

TEST(LogSyncer, RestartOntoChangedChainRewinds) {
  FakeChain chain;
  chain.mine_many(10, 1);
  auto cfg = from_block(1);
  cfg.resume_from = Cursor{8, topic(99)};  // a hash this chain never had
  cfg.reorg_window = 3;
  LogSyncer s(chain, cfg);
  auto b = drain(s);
  EXPECT_TRUE(b.rewound);
  ASSERT_EQ(b.logs.size(), 5u);  // blocks 6..10
  EXPECT_EQ(b.logs.front().block_number, 6u);
}

TEST(LogSyncer, FailuresLeaveStateUnchanged) {
  FakeChain chain;
  chain.mine_many(4, 1);
  LogSyncer s(chain, from_block(1));
  ASSERT_TRUE(s.step());  // initialise
  chain.fail_next_ = 1;
  EXPECT_FALSE(s.step());  // no head
  chain.fail_logs_ = 2;
  auto r = s.step();
  EXPECT_FALSE(r);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 4u);
  EXPECT_EQ(serial_of(c.logs[0]), 0);
}

TEST(LogSyncer, ChainMovingDuringTheReadIsRetried) {
  FakeChain chain;
  chain.mine_many(3, 1);
  auto cfg = from_block(1);
  LogSyncer s(chain, cfg);
  ASSERT_TRUE(s.step());  // initialise
  // Between the header reads and eth_getLogs, block 3 is replaced.
  chain.on_logs_ = [&] {
    chain.on_logs_ = nullptr;
    chain.drop(1);
    chain.mine(1);
  };
  auto r = s.step();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kReorg)) << r.error().message();
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 3u);
  EXPECT_EQ(serial_of(c.logs[2]), 3);  // the replacement block's log, not the original
}

TEST(LogSyncer, SeveralFiltersShareOneQueryAndStillFilter) {
  FakeChain chain;
  chain.mine(1, contract(1), topic(1));
  chain.mine(1, contract(2), topic(2));
  chain.mine(1, contract(1), topic(2));  // matches neither filter exactly
  chain.mine(1, contract(3), topic(3));
  auto cfg = from_block(1);
  cfg.filters = {LogFilter{{contract(1)}, {{topic(1)}}}, LogFilter{{contract(2)}, {{topic(2)}}}};
  LogSyncer s(chain, cfg);
  auto c = drain(s);
  ASSERT_EQ(c.logs.size(), 2u);
  EXPECT_EQ(c.logs[0].address, contract(1));
  EXPECT_EQ(c.logs[1].address, contract(2));
  EXPECT_EQ(chain.log_queries_, 1);
}

TEST(LogSyncer, StartBeyondHeadIsAnError) {
  FakeChain chain;
  LogSyncer s(chain, from_block(10));
  auto r = s.step();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ChainErrc::kInvalidArgument));
}

}  // namespace
}  // namespace wavs::chain
