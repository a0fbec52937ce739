// Subscriber and LogStream against a real anvil, with a proxy that cuts connections.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "anvil.hpp"
#include "chain/log_stream.hpp"
#include "chain/subscriber.hpp"
#include "evm.hpp"
#include "net_helpers.hpp"

namespace wavs::chain {
namespace {

using std::chrono::milliseconds;
using testing::Anvil;
using testing::DroppingProxy;

std::uint64_t serial_of(const Log& l) {
  std::uint64_t v = 0;
  for (std::size_t i = l.data.size() - 8; i < l.data.size(); ++i) v = (v << 8) | l.data[i];
  return v;
}

RpcConfig rpc_config(const std::string& url) {
  RpcConfig c;
  c.http_endpoints = {url};
  c.request_timeout = milliseconds(3000);
  c.connect_timeout = milliseconds(1000);
  c.call_deadline = milliseconds(10000);
  c.backoff_initial = milliseconds(10);
  c.backoff_max = milliseconds(200);
  return c;
}

SubscriberConfig ws_config(const std::string& url) {
  SubscriberConfig c;
  c.ws_endpoints = {url};
  c.connect_timeout = milliseconds(2000);
  c.request_timeout = milliseconds(2000);
  c.idle_timeout = milliseconds(5000);
  c.reconnect_initial = milliseconds(10);
  c.reconnect_max = milliseconds(200);
  return c;
}

// Collects batches from a stream's thread; waits are bounded. fail_next(n) makes it
// refuse the next n batches, as a handler whose storage write failed would.
class Sink {
 public:
  Status operator()(const LogBatch& b) {
    std::lock_guard lock(mu_);
    offered_.push_back(b);
    if (fail_next_ > 0) {
      --fail_next_;
      return Error(ChainErrc::kInvalidArgument, "storage write failed (test)");
    }
    for (const auto& l : b.retracted) retracted_.push_back(l);
    for (const auto& l : b.logs) logs_.push_back(l);
    last_cursor_ = b.cursor;
    rewound_ = rewound_ || b.rewound;
    ++batches_;
    cv_.notify_all();
    return {};
  }
  void fail_next(int n) {
    std::lock_guard lock(mu_);
    fail_next_ = n;
  }
  std::vector<LogBatch> offered() const {
    std::lock_guard lock(mu_);
    return offered_;
  }
  bool wait_for_logs(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return logs_.size() >= n; });
  }
  bool wait_for_retractions(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return retracted_.size() >= n; });
  }
  std::vector<Log> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }
  std::vector<Log> retracted() const {
    std::lock_guard lock(mu_);
    return retracted_;
  }
  std::optional<Cursor> last_cursor() const {
    std::lock_guard lock(mu_);
    return last_cursor_;
  }
  int batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Log> logs_;
  std::vector<Log> retracted_;
  std::optional<Cursor> last_cursor_;
  bool rewound_ = false;
  int batches_ = 0;
  int fail_next_ = 0;
  std::vector<LogBatch> offered_;  // every batch handed over, taken or not
};

class StreamAnvil : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    rpc_ = std::make_unique<RpcClient>(rpc_config(anvil_->http_url()));
    auto e = testing::deploy(*rpc_, testing::emitter_runtime());
    ASSERT_TRUE(e) << e.error().message();
    emitter_ = *e;
  }
  void TearDown() override {
    rpc_.reset();
    anvil_.reset();
  }

  // One transaction emitting `count` events numbered from `start`.
  void emit(std::uint64_t count, std::uint64_t start) {
    auto r = testing::send_from_account0(*rpc_, emitter_, testing::encode_two_words(count, start));
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->status);
  }

  LogStreamConfig stream_config(std::uint64_t start_block) const {
    LogStreamConfig c;
    c.filters = {LogFilter{{emitter_}, {{testing::emitter_topic()}}}};
    c.start_block = start_block;
    c.poll_interval = milliseconds(100);
    c.safety_poll = milliseconds(1000);
    c.retry_initial = milliseconds(10);
    c.retry_max = milliseconds(200);
    return c;
  }

  std::uint64_t head() { return *rpc_->block_number(); }

  static void expect_exact_sequence(const std::vector<Log>& logs, std::uint64_t n) {
    ASSERT_EQ(logs.size(), n);
    for (std::uint64_t i = 0; i < n; ++i) {
      ASSERT_EQ(serial_of(logs[i]), i) << "at position " << i;
      if (i > 0) {
        ASSERT_TRUE(log_before(logs[i - 1], logs[i])) << "out of chain order at " << i;
      }
    }
  }

  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<RpcClient> rpc_;
  Address emitter_;
};

TEST_F(StreamAnvil, SubscriberSeesHeadsAndLogs) {
  std::mutex mu;
  std::vector<BlockHeader> heads;
  std::vector<Log> logs;
  std::atomic<bool> connected{false};
  SubscriberHandlers h;
  h.on_connected = [&] { connected = true; };
  h.on_head = [&](const BlockHeader& b) {
    std::lock_guard lock(mu);
    heads.push_back(b);
  };
  h.on_log = [&](const Log& l) {
    std::lock_guard lock(mu);
    logs.push_back(l);
  };
  Subscriber sub(ws_config(anvil_->ws_url()), h, true, LogFilter{{emitter_}, {}});
  sub.start();
  for (int i = 0; i < 500 && !connected; ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(connected);
  emit(3, 0);
  emit(2, 3);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (logs.size() >= 5 && heads.size() >= 2) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  sub.stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(logs.size(), 5u);
  EXPECT_EQ(serial_of(logs[4]), 4u);
  ASSERT_GE(heads.size(), 2u);
  EXPECT_EQ(heads[1].parent_hash, heads[0].hash);
}

TEST_F(StreamAnvil, SubscriberReconnectsAfterDrop) {
  DroppingProxy proxy(anvil_->port());
  std::atomic<int> heads{0};
  std::atomic<int> drops{0};
  SubscriberHandlers h;
  h.on_head = [&](const BlockHeader&) { ++heads; };
  h.on_disconnected = [&](const Error&) { ++drops; };
  Subscriber sub(ws_config(proxy.ws_url()), h, true, std::nullopt);
  sub.start();
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 500 && !(sub.connected() && sub.connections() >= round); ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_TRUE(sub.connected() && sub.connections() >= round) << "round " << round;
    proxy.drop_all();
    for (int i = 0; i < 500 && drops.load() < round; ++i) std::this_thread::sleep_for(milliseconds(10));
  }
  for (int i = 0; i < 500 && !sub.connected(); ++i) std::this_thread::sleep_for(milliseconds(10));
  int h0 = heads.load();
  emit(1, 0);
  for (int i = 0; i < 500 && heads.load() == h0; ++i) std::this_thread::sleep_for(milliseconds(10));
  sub.stop();
  EXPECT_GT(heads.load(), h0);
  EXPECT_GE(drops.load(), 3);
  EXPECT_GE(sub.connections(), 4);
}

TEST_F(StreamAnvil, SubscriberDetectsASilentConnection) {
  DroppingProxy proxy(anvil_->port());
  std::atomic<int> timeouts{0};
  SubscriberHandlers h;
  h.on_disconnected = [&](const Error& e) {
    if (e.is(ChainErrc::kTimeout)) ++timeouts;
  };
  auto config = ws_config(proxy.ws_url());
  config.idle_timeout = milliseconds(600);
  Subscriber sub(config, h, true, std::nullopt);
  sub.start();
  for (int i = 0; i < 500 && !sub.connected(); ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(sub.connected());
  proxy.stall_all();
  // Pings go unanswered: the idle timeout ends the connection and a new one is made.
  for (int i = 0; i < 300 && (timeouts.load() == 0 || sub.connections() < 2 || !sub.connected()); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  sub.stop();
  EXPECT_GE(timeouts.load(), 1);
  EXPECT_GE(sub.connections(), 2);
}

TEST_F(StreamAnvil, ThousandEventsExactlyOnceInOrderAcrossDrops) {
  DroppingProxy proxy(anvil_->port(), /*seed=*/7);
  Sink sink;
  LogStream stream(rpc_config(proxy.http_url()), ws_config(proxy.ws_url()), stream_config(head() + 1),
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  proxy.set_random_drops(300, 30'000);
  std::atomic<bool> done{false};
  // Besides the random cuts, cut everything at short intervals.
  std::thread cutter([&] {
    while (!done) {
      std::this_thread::sleep_for(milliseconds(40));
      proxy.drop_all();
    }
  });
  constexpr std::uint64_t kTxs = 100;
  constexpr std::uint64_t kPerTx = 10;
  for (std::uint64_t t = 0; t < kTxs; ++t) emit(kPerTx, t * kPerTx);
  bool all = sink.wait_for_logs(kTxs * kPerTx, milliseconds(60'000));
  done = true;
  cutter.join();
  // A little longer, to catch any duplicate that would arrive late.
  std::this_thread::sleep_for(milliseconds(300));
  stream.stop();
  EXPECT_TRUE(all);
  expect_exact_sequence(sink.logs(), kTxs * kPerTx);
  EXPECT_TRUE(sink.retracted().empty());
  EXPECT_GE(proxy.drops(), 20);
  EXPECT_GE(stream.connections(), 5);
  // Every block of the run was covered: the cursor reached the last emitting block.
  EXPECT_GE(sink.last_cursor()->block_number, sink.logs().back().block_number);
  std::cout << "proxy drops " << proxy.drops() << ", subscriptions " << stream.connections()
            << ", failed steps " << stream.failed_steps() << ", batches " << sink.batches() << "\n";
}

TEST_F(StreamAnvil, RestartFromSavedCursorHasNoGapAndNoDuplicate) {
  const std::uint64_t start = head() + 1;
  Sink first;
  auto config = stream_config(start);
  auto stream = std::make_unique<LogStream>(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()),
                                            config, [&](const LogBatch& b) { return first(b); });
  ASSERT_TRUE(stream->start());
  std::uint64_t next = 0;
  for (int t = 0; t < 20; ++t, next += 5) emit(5, next);
  ASSERT_TRUE(first.wait_for_logs(50, milliseconds(20'000)));
  // Stop while events keep coming; the saved cursor is the last delivered batch's.
  std::thread more([&] {
    for (int t = 0; t < 20; ++t) emit(5, 100 + static_cast<std::uint64_t>(t) * 5);
  });
  std::this_thread::sleep_for(milliseconds(30));
  stream->stop();
  stream.reset();
  auto saved = first.last_cursor();
  ASSERT_TRUE(saved);
  more.join();
  for (int t = 0; t < 10; ++t) emit(5, 200 + static_cast<std::uint64_t>(t) * 5);

  Sink second;
  config.resume_from = saved;
  LogStream resumed(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()), config,
                    [&](const LogBatch& b) { return second(b); });
  ASSERT_TRUE(resumed.start());
  const std::size_t delivered_before = first.logs().size();
  ASSERT_TRUE(second.wait_for_logs(250 - delivered_before, milliseconds(20'000)))
      << "first " << delivered_before << " second " << second.logs().size();
  std::this_thread::sleep_for(milliseconds(300));
  resumed.stop();
  std::vector<Log> all = first.logs();
  for (const auto& l : second.logs()) all.push_back(l);
  expect_exact_sequence(all, 250);
  EXPECT_GT(second.logs().front().block_number, saved->block_number);
}

// The handler contract: a batch the handler refuses is not acknowledged; the cursor stays
// and the same batch comes again, so nothing is skipped.
TEST_F(StreamAnvil, RefusedBatchIsDeliveredAgain) {
  Sink sink;
  sink.fail_next(1);
  auto config = stream_config(head() + 1);
  LogStream stream(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()), config,
                   [&](const LogBatch& b) { return sink(b); });
  emit(4, 0);  // mined before the stream starts: one batch holds all four
  ASSERT_TRUE(stream.start());
  ASSERT_TRUE(sink.wait_for_logs(4, milliseconds(10'000)));
  for (std::uint64_t t = 1; t < 5; ++t) emit(2, 2 + t * 2);
  ASSERT_TRUE(sink.wait_for_logs(12, milliseconds(10'000)));
  stream.stop();
  expect_exact_sequence(sink.logs(), 12);
  EXPECT_EQ(stream.refused_batches(), 1);
  auto offered = sink.offered();
  ASSERT_GE(offered.size(), 2u);
  // The refused batch and the one after it are the same blocks and logs.
  EXPECT_EQ(offered[0].cursor, offered[1].cursor);
  ASSERT_EQ(offered[0].logs.size(), offered[1].logs.size());
  for (std::size_t i = 0; i < offered[0].logs.size(); ++i) {
    EXPECT_EQ(offered[0].logs[i].block_hash, offered[1].logs[i].block_hash);
    EXPECT_EQ(offered[0].logs[i].log_index, offered[1].logs[i].log_index);
  }
  EXPECT_EQ(stream.cursor(), sink.last_cursor());
}

// start() after stop() says so instead of restarting into a stopped RPC client.
TEST_F(StreamAnvil, StartAfterStopIsAClearError) {
  Sink sink;
  LogStream stream(rpc_config(anvil_->http_url()), std::nullopt, stream_config(head() + 1),
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  ASSERT_TRUE(stream.start());  // idempotent while running
  stream.stop();
  auto again = stream.start();
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(ChainErrc::kStopped));
  EXPECT_NE(again.error().detail().find("create a new one"), std::string::npos) << again.error().detail();
}

// LogStreamConfig::cancel ends the stream thread's waits like stop().
TEST_F(StreamAnvil, CancelTokenEndsTheStream) {
  Sink sink;
  std::stop_source source;
  auto config = stream_config(head() + 1);
  config.cancel = source.get_token();
  LogStream stream(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()), config,
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  emit(1, 0);
  ASSERT_TRUE(sink.wait_for_logs(1, milliseconds(10'000)));
  source.request_stop();
  auto t0 = std::chrono::steady_clock::now();
  stream.stop();  // joins; the thread already left its wait
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  emit(1, 1);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(sink.logs().size(), 1u);
  EXPECT_FALSE(stream.start());
}

TEST_F(StreamAnvil, HttpPollingWithoutWebSocket) {
  Sink sink;
  LogStream stream(rpc_config(anvil_->http_url()), std::nullopt, stream_config(head() + 1),
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  for (std::uint64_t t = 0; t < 10; ++t) emit(3, t * 3);
  ASSERT_TRUE(sink.wait_for_logs(30, milliseconds(10'000)));
  stream.stop();
  expect_exact_sequence(sink.logs(), 30);
  EXPECT_EQ(stream.connections(), 0);
}

TEST_F(StreamAnvil, ConfirmationDepthWaitsForBlocks) {
  Sink sink;
  auto config = stream_config(head() + 1);
  config.confirmations = 3;
  LogStream stream(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()), config,
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  emit(2, 0);
  EXPECT_FALSE(sink.wait_for_logs(1, milliseconds(600)));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rpc_->request("evm_mine", Json::array()));
  EXPECT_TRUE(sink.wait_for_logs(2, milliseconds(5'000)));
  stream.stop();
  expect_exact_sequence(sink.logs(), 2);
}

TEST_F(StreamAnvil, ReorgIsReportedAsRetraction) {
  Sink sink;
  LogStream stream(rpc_config(anvil_->http_url()), ws_config(anvil_->ws_url()), stream_config(head() + 1),
                   [&](const LogBatch& b) { return sink(b); });
  ASSERT_TRUE(stream.start());
  emit(1, 0);
  auto snapshot = rpc_->request("evm_snapshot", Json::array());
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  emit(2, 1);
  emit(2, 3);
  ASSERT_TRUE(sink.wait_for_logs(5, milliseconds(5'000)));
  // Roll the chain back two blocks and grow a different, longer fork.
  auto reverted = rpc_->request("evm_revert", Json::array({*snapshot}));
  ASSERT_TRUE(reverted) << reverted.error().message();
  emit(1, 1);
  emit(1, 2);
  emit(1, 3);
  ASSERT_TRUE(sink.wait_for_retractions(4, milliseconds(5'000)));
  ASSERT_TRUE(sink.wait_for_logs(8, milliseconds(5'000)));
  stream.stop();
  auto retracted = sink.retracted();
  ASSERT_EQ(retracted.size(), 4u);
  EXPECT_EQ(serial_of(retracted[0]), 4u);  // newest first
  EXPECT_EQ(serial_of(retracted[3]), 1u);
  for (const auto& l : retracted) EXPECT_TRUE(l.removed);
  auto logs = sink.logs();
  ASSERT_EQ(logs.size(), 8u);
  EXPECT_EQ(serial_of(logs[5]), 1u);
  EXPECT_EQ(serial_of(logs[7]), 3u);
}

}  // namespace
}  // namespace wavs::chain
