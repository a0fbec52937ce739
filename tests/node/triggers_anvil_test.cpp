// node::Triggers against a real anvil and a real NodeState file: events to exactly their
// workflows, once, across restarts and replays; a reorg that drops the work of orphaned
// events not run yet; block intervals and cron ticks once each; bad and absent workflows.
#include "node/triggers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "anvil.hpp"
#include "chain/json.hpp"
#include "chain/rpc_client.hpp"
#include "common/test_support.hpp"
#include "evm.hpp"
#include "node/metrics.hpp"
#include "node/state.hpp"

namespace wavs::node {
namespace {

using chain::testing::Anvil;
using std::chrono::milliseconds;

const service::ChainKey kChain{"evm", "31337"};  // anvil's default chain id
constexpr auto kWait = milliseconds(30'000);

// Runtime: calldata = (bytes32 topic, uint256 serial). Emits one LOG1 with that topic
// and the serial as data, so a test picks each event's topic0:
//   mstore(0, calldataload(32)); log1(0, 32, calldataload(0))
Bytes topic_emitter_runtime() {
  return {0x60, 0x20, 0x35, 0x60, 0x00, 0x52, 0x60, 0x00, 0x35, 0x60, 0x20, 0x60, 0x00, 0xa1, 0x00};
}

Hash256 topic(std::uint8_t n) {
  Hash256 t;
  t[0] = 0x7e;
  t[31] = n;
  return t;
}

Hash256 service(std::uint8_t n) {
  Hash256 id;
  id[0] = 0x5e;
  id[31] = n;
  return id;
}

std::uint64_t serial_of(const chain::Log& log) {
  std::uint64_t v = 0;
  for (std::size_t i = log.data.size() - 8; i < log.data.size(); ++i) v = (v << 8) | log.data[i];
  return v;
}

// Records what Triggers made durable; waits are bounded.
class RecordingSink : public TriggerSink {
 public:
  void enqueued(std::vector<PendingWork> work) override {
    std::lock_guard lock(mu_);
    for (auto& w : work) items_.push_back(std::move(w));
    cv_.notify_all();
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return items_.size() >= n; });
  }
  std::vector<PendingWork> items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  // Serials of the event items of `workflow`, in arrival order.
  std::vector<std::uint64_t> serials(const std::string& workflow) const {
    std::lock_guard lock(mu_);
    std::vector<std::uint64_t> out;
    for (const auto& w : items_) {
      if (w.action.workflow_id != workflow) continue;
      if (const auto* e = std::get_if<component::EvmContractEvent>(&w.action.data))
        out.push_back(serial_of(e->log));
    }
    return out;
  }
  std::vector<std::uint64_t> heights(const std::string& workflow) const {
    std::lock_guard lock(mu_);
    std::vector<std::uint64_t> out;
    for (const auto& w : items_) {
      if (w.action.workflow_id != workflow) continue;
      if (const auto* b = std::get_if<component::BlockInterval>(&w.action.data))
        out.push_back(b->block_height);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingWork> items_;
};

class TriggersAnvil : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
    auto e = chain::testing::deploy(*rpc_, topic_emitter_runtime());
    ASSERT_TRUE(e) << e.error().message();
    emitter_ = *e;
    open_state();
  }
  void TearDown() override {
    state_.reset();
    rpc_.reset();
    anvil_.reset();
  }

  void open_state() {
    state_.reset();
    auto s = NodeState::open(dir_.path() / "node.sqlite");
    ASSERT_TRUE(s) << s.error().message();
    state_ = std::move(*s);
  }

  ChainEndpoints endpoints(bool ws) const {
    ChainEndpoints c;
    c.key = kChain;
    c.http_endpoints = {anvil_->http_url()};
    if (ws) c.ws_endpoints = {anvil_->ws_url()};
    c.poll_interval = milliseconds(50);
    return c;
  }

  TriggersConfig config(bool ws = false) {
    TriggersConfig c;
    c.chains = {endpoints(ws)};
    c.retry_initial = milliseconds(10);
    c.retry_max = milliseconds(200);
    c.safety_poll = milliseconds(500);
    if (clock_) {
      c.now_s = [this] {
        ++clock_calls_;
        return clock_now_.load();
      };
    }
    return c;
  }

  std::unique_ptr<Triggers> make_triggers(bool ws = false) {
    return std::make_unique<Triggers>(*state_, metrics_, sink_, config(ws));
  }

  // The chain's current head as the persisted cursor, as a node that ran before has it.
  chain::Cursor seed_cursor() {
    auto n = rpc_->block_number();
    EXPECT_TRUE(n);
    auto header = rpc_->block_by_number(chain::BlockRef::at(*n));
    EXPECT_TRUE(header && *header);
    chain::Cursor c{(*header)->number, (*header)->hash};
    auto ok = state_->record_triggers(kChain, c, {});
    EXPECT_TRUE(ok) << ok.error().message();
    return c;
  }

  void emit(const Hash256& t, std::uint64_t serial) {
    Bytes data(t.data.begin(), t.data.end());
    Bytes word = chain::testing::encode_two_words(0, serial);
    data.insert(data.end(), word.begin() + 32, word.end());
    auto r = chain::testing::send_from_account0(*rpc_, emitter_, data);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->status);
    ASSERT_EQ(r->logs.size(), 1u);
  }

  void mine(int blocks) {
    for (int i = 0; i < blocks; ++i) ASSERT_TRUE(rpc_->request("evm_mine", chain::Json::array()));
  }

  std::uint64_t head() { return *rpc_->block_number(); }

  TriggerWorkflow event_workflow(std::uint8_t sid, const std::string& id, const Hash256& t) const {
    return {service(sid), id, service::EvmContractEventTrigger{kChain, emitter_, t}};
  }

  // Every queued work item; fails the test on duplicate event ids per service.
  std::vector<PendingWork> queued_unique() {
    auto work = state_->peek_work(10'000);
    EXPECT_TRUE(work) << work.error().message();
    std::set<std::pair<Hash256, eth::EventId>> ids;
    for (const auto& w : *work) {
      EXPECT_TRUE(ids.insert({w.action.service_id, w.event_id}).second) << "duplicate work item " << w.id;
    }
    return *work;
  }

  // Waits until `pred` holds (bounded polling).
  template <class Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 3000; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return pred();
  }

  test::TempDir dir_{"wavs-triggers"};
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  chain::Address emitter_;
  std::unique_ptr<NodeState> state_;
  Metrics metrics_{"test"};
  RecordingSink sink_;
  bool clock_ = false;
  std::atomic<std::uint64_t> clock_now_{0};
  std::atomic<std::uint64_t> clock_calls_{0};
};

TEST_F(TriggersAnvil, EventsReachExactlyTheirWorkflowsOnceAcrossRestartsAndReplays) {
  const Hash256 a = topic(1), b = topic(2);
  const std::vector<TriggerWorkflow> workflows = {event_workflow(1, "alpha", a), event_workflow(2, "beta", a),
                                                  event_workflow(1, "gamma", b)};
  const chain::Cursor seed = seed_cursor();

  auto first = make_triggers(/*ws=*/true);
  ASSERT_TRUE(first->set_workflows(workflows));
  ASSERT_TRUE(first->start());
  for (std::uint64_t s = 0; s < 3; ++s) emit(a, s);
  emit(b, 10);
  emit(b, 11);
  ASSERT_TRUE(sink_.wait_for(8)) << sink_.size();
  EXPECT_EQ(sink_.serials("alpha"), (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(sink_.serials("beta"), (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(sink_.serials("gamma"), (std::vector<std::uint64_t>{10, 11}));
  for (const auto& w : sink_.items()) {
    EXPECT_EQ(w.action.service_id, w.action.workflow_id == "beta" ? service(2) : service(1));
    EXPECT_TRUE(std::holds_alternative<service::EvmContractEventTrigger>(w.action.trigger));
  }
  auto health = first->health();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].chain, kChain);
  EXPECT_TRUE(health[0].cursor_block.has_value());
  first->stop();
  first.reset();

  // Stopped: an event meanwhile is picked up from the persisted cursor by a new instance
  // over the same state file.
  emit(a, 3);
  open_state();
  auto second = make_triggers();
  ASSERT_TRUE(second->set_workflows(workflows));
  ASSERT_TRUE(second->start());
  ASSERT_TRUE(sink_.wait_for(10)) << sink_.size();
  EXPECT_EQ(sink_.serials("alpha"), (std::vector<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(sink_.serials("beta"), (std::vector<std::uint64_t>{0, 1, 2, 3}));
  second->stop();
  second.reset();

  // A replay of everything (the cursor put back, as a crash before an acknowledgement
  // would leave it): nothing is enqueued twice, and the next event still comes.
  ASSERT_TRUE(state_->record_triggers(kChain, seed, {}));
  auto third = make_triggers();
  ASSERT_TRUE(third->set_workflows(workflows));
  ASSERT_TRUE(third->start());
  emit(b, 12);
  ASSERT_TRUE(sink_.wait_for(11)) << sink_.size();
  ASSERT_TRUE(eventually([&] {
    auto c = state_->cursor(kChain);
    return c && *c && (*c)->block_number >= head();
  }));
  EXPECT_EQ(sink_.serials("gamma"), (std::vector<std::uint64_t>{10, 11, 12}));
  EXPECT_EQ(sink_.size(), 11u);
  EXPECT_EQ(queued_unique().size(), 11u);
  // The stream's own cursor moves just after the handler's write returns: poll it too.
  EXPECT_TRUE(eventually([&] {
    auto h = third->health();
    return !h.empty() && h[0].cursor_block == head();
  }));
  third->stop();
  EXPECT_EQ(sink_.size(), 11u);
}

TEST_F(TriggersAnvil, BlockIntervalFiresEveryDueHeightOnceAcrossARestart) {
  const chain::Cursor seed = seed_cursor();
  const TriggerWorkflow every_two{service(3), "ticker", service::BlockIntervalTrigger{kChain, 2, {}, {}}};
  auto first = make_triggers();
  ASSERT_TRUE(first->set_workflows({every_two}));
  auto start = state_->block_progress(service(3), "ticker");
  ASSERT_TRUE(start && *start);
  EXPECT_EQ(**start, seed.block_number);  // started at the persisted cursor, persisted at once
  ASSERT_TRUE(first->start());
  mine(5);
  const std::uint64_t mid = seed.block_number + 5;
  auto due = [&](std::uint64_t to) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t h = seed.block_number + 1; h <= to; ++h) {
      if (h % 2 == 0) out.push_back(h);
    }
    return out;
  };
  ASSERT_TRUE(sink_.wait_for(due(mid).size())) << sink_.size();
  ASSERT_TRUE(eventually([&] { return first->health()[0].cursor_block == mid; }));
  EXPECT_EQ(sink_.heights("ticker"), due(mid));
  first->stop();
  first.reset();

  mine(4);  // while stopped
  open_state();
  auto second = make_triggers();
  ASSERT_TRUE(second->set_workflows({every_two}));
  ASSERT_TRUE(second->start());
  mine(1);
  const std::uint64_t end = seed.block_number + 10;
  ASSERT_TRUE(sink_.wait_for(due(end).size())) << sink_.size();
  ASSERT_TRUE(eventually([&] { return second->health()[0].cursor_block == end; }));
  second->stop();
  EXPECT_EQ(sink_.heights("ticker"), due(end));
  EXPECT_EQ(queued_unique().size(), due(end).size());
  auto progress = state_->block_progress(service(3), "ticker");
  ASSERT_TRUE(progress && *progress);
  EXPECT_EQ(**progress, due(end).back());
}

TEST_F(TriggersAnvil, BlockIntervalOnANewChainStartsAtItsFirstBatch) {
  // No cursor persisted: the workflow waits for the stream's first batch to start at.
  const TriggerWorkflow every_block{service(4), "each", service::BlockIntervalTrigger{kChain, 1, {}, {}}};
  auto triggers = make_triggers();
  ASSERT_TRUE(triggers->set_workflows({every_block}));
  auto none = state_->block_progress(service(4), "each");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  const std::uint64_t before = head();
  ASSERT_TRUE(triggers->start());
  ASSERT_TRUE(eventually([&] {
    mine(1);
    auto p = state_->block_progress(service(4), "each");
    return p && p->has_value();
  }));
  mine(3);
  const std::uint64_t end = head();
  ASSERT_TRUE(eventually([&] { return triggers->health()[0].cursor_block == end; }));
  ASSERT_TRUE(eventually([&] {
    auto h = sink_.heights("each");
    return !h.empty() && h.back() == end;
  }));
  triggers->stop();
  // Every height after the start fires once, in order; nothing at or before the block
  // the stream started after.
  const auto heights = sink_.heights("each");
  ASSERT_GE(heights.size(), 3u);
  EXPECT_GE(heights.front(), before + 2);
  for (std::size_t i = 1; i < heights.size(); ++i) EXPECT_EQ(heights[i], heights[i - 1] + 1) << "at " << i;
  EXPECT_EQ(queued_unique().size(), heights.size());
}

TEST_F(TriggersAnvil, CronFiresTheLatestMissedTickOnce) {
  clock_ = true;
  const std::uint64_t t0 = 1'700'000'000;  // 20 s past a whole minute
  clock_now_ = t0;
  const TriggerWorkflow minutely{service(5), "minutely", service::CronTrigger{"0 * * * * *", {}, {}}};
  auto after_a_loop = [&] {
    // Two more clock reads: one whole timer iteration ran after the change.
    const std::uint64_t c = clock_calls_.load();
    return eventually([&] { return clock_calls_.load() >= c + 2; });
  };

  auto first = make_triggers();
  ASSERT_TRUE(first->set_workflows({minutely}));
  auto started = state_->cron_progress(service(5), "minutely");
  ASSERT_TRUE(started && *started);
  EXPECT_EQ(**started, t0 * 1'000'000'000ull);
  ASSERT_TRUE(first->start());
  ASSERT_TRUE(after_a_loop());
  EXPECT_EQ(sink_.size(), 0u);  // nothing from before registration

  clock_now_ = t0 + 600;  // ten ticks missed: only the latest fires
  ASSERT_TRUE(sink_.wait_for(1));
  ASSERT_TRUE(after_a_loop());
  ASSERT_EQ(sink_.size(), 1u);
  const auto* tick = std::get_if<component::Cron>(&sink_.items()[0].action.data);
  ASSERT_NE(tick, nullptr);
  EXPECT_EQ(tick->trigger_time, (t0 + 580) * 1'000'000'000ull);
  first->stop();
  first.reset();

  // A restart over the same state does not fire that tick again…
  open_state();
  auto second = make_triggers();
  ASSERT_TRUE(second->set_workflows({minutely}));
  ASSERT_TRUE(second->start());
  ASSERT_TRUE(after_a_loop());
  EXPECT_EQ(sink_.size(), 1u);
  // …and fires the next latest one once.
  clock_now_ = t0 + 725;
  ASSERT_TRUE(sink_.wait_for(2));
  ASSERT_TRUE(after_a_loop());
  second->stop();
  ASSERT_EQ(sink_.size(), 2u);
  tick = std::get_if<component::Cron>(&sink_.items()[1].action.data);
  ASSERT_NE(tick, nullptr);
  EXPECT_EQ(tick->trigger_time, (t0 + 700) * 1'000'000'000ull);
  EXPECT_EQ(queued_unique().size(), 2u);
}

TEST_F(TriggersAnvil, BadWorkflowSetsChangeNothing) {
  const Hash256 a = topic(1);
  seed_cursor();
  auto triggers = make_triggers();
  ASSERT_TRUE(triggers->set_workflows({event_workflow(1, "alpha", a)}));
  ASSERT_TRUE(triggers->start());

  const service::ChainKey other{"evm", "1"};
  auto unconfigured =
      triggers->set_workflows({event_workflow(1, "alpha", a),
                               {service(2), "beta", service::EvmContractEventTrigger{other, emitter_, a}}});
  ASSERT_FALSE(unconfigured);
  EXPECT_TRUE(unconfigured.error().is(NodeErrc::kBadTrigger)) << unconfigured.error().message();
  EXPECT_NE(unconfigured.error().detail().find("evm:1"), std::string::npos) << unconfigured.error().detail();
  auto blocks_elsewhere =
      triggers->set_workflows({{service(2), "beta", service::BlockIntervalTrigger{other, 1, {}, {}}}});
  EXPECT_TRUE(!blocks_elsewhere && blocks_elsewhere.error().is(NodeErrc::kBadTrigger));
  auto zero_blocks =
      triggers->set_workflows({{service(2), "beta", service::BlockIntervalTrigger{kChain, 0, {}, {}}}});
  EXPECT_TRUE(!zero_blocks && zero_blocks.error().is(NodeErrc::kBadTrigger));
  auto bad_cron =
      triggers->set_workflows({{service(2), "beta", service::CronTrigger{"61 * * * * *", {}, {}}}});
  EXPECT_TRUE(!bad_cron && bad_cron.error().is(NodeErrc::kBadTrigger));
  auto twice = triggers->set_workflows({event_workflow(1, "alpha", a), event_workflow(1, "alpha", a)});
  EXPECT_TRUE(!twice && twice.error().is(NodeErrc::kBadTrigger));
  auto bad_id = triggers->set_workflows({event_workflow(1, "X", a)});
  EXPECT_TRUE(!bad_id && bad_id.error().is(NodeErrc::kBadTrigger));
  auto progress = state_->block_progress(service(2), "beta");
  ASSERT_TRUE(progress);
  EXPECT_FALSE(progress->has_value());

  // The first set still runs, and only it.
  emit(a, 0);
  ASSERT_TRUE(sink_.wait_for(1));
  ASSERT_TRUE(eventually([&] { return triggers->health()[0].cursor_block == head(); }));
  triggers->stop();
  EXPECT_EQ(sink_.serials("alpha"), std::vector<std::uint64_t>{0});
  EXPECT_EQ(sink_.size(), 1u);
}

TEST_F(TriggersAnvil, AbsentWorkflowsFireNothing) {
  const Hash256 a = topic(1), b = topic(2);
  seed_cursor();
  auto triggers = make_triggers();
  ASSERT_TRUE(triggers->set_workflows(
      {event_workflow(1, "alpha", a), event_workflow(2, "beta", a), event_workflow(1, "gamma", b)}));
  ASSERT_TRUE(triggers->start());
  emit(a, 0);
  emit(b, 10);
  ASSERT_TRUE(sink_.wait_for(3)) << sink_.size();

  // beta's service is paused and gamma's workflow gone: only alpha is left. The filter set
  // lost topic b, so the stream restarts from the persisted cursor.
  ASSERT_TRUE(triggers->set_workflows({event_workflow(1, "alpha", a)}));
  emit(b, 11);
  emit(a, 1);
  ASSERT_TRUE(sink_.wait_for(4)) << sink_.size();
  ASSERT_TRUE(eventually([&] { return triggers->health()[0].cursor_block == head(); }));
  EXPECT_EQ(sink_.serials("alpha"), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(sink_.serials("beta"), std::vector<std::uint64_t>{0});
  EXPECT_EQ(sink_.serials("gamma"), std::vector<std::uint64_t>{10});

  // Back again: beta resumes with what comes next (the cursor moved on while it was away).
  ASSERT_TRUE(triggers->set_workflows({event_workflow(1, "alpha", a), event_workflow(2, "beta", a)}));
  emit(a, 2);
  ASSERT_TRUE(sink_.wait_for(6)) << sink_.size();
  triggers->stop();
  EXPECT_EQ(sink_.serials("beta"), (std::vector<std::uint64_t>{0, 2}));
  EXPECT_EQ(sink_.size(), 6u);
  EXPECT_TRUE(triggers->health()[0].ok) << triggers->health()[0].last_error;
}

TEST_F(TriggersAnvil, AReorgDropsTheWorkOfOrphanedEventsThatHasNotRun) {
  const Hash256 a = topic(1);
  seed_cursor();
  auto triggers = make_triggers();  // confirmations 0: an event is delivered at once
  ASSERT_TRUE(triggers->set_workflows({event_workflow(1, "alpha", a)}));
  ASSERT_TRUE(triggers->start());
  auto snapshot = rpc_->request("evm_snapshot", chain::Json::array());
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  emit(a, 1);
  emit(a, 2);
  ASSERT_TRUE(sink_.wait_for(2)) << sink_.size();
  const auto delivered = sink_.items();
  ASSERT_EQ(sink_.serials("alpha"), (std::vector<std::uint64_t>{1, 2}));
  // The first ran before the reorg (no dispatcher here: completed by hand); the second is
  // still queued when its block goes.
  ASSERT_TRUE(state_->complete(delivered[0], RunResult{}));

  // Back to before both events, and a longer fork without them.
  auto reverted = rpc_->request("evm_revert", chain::Json::array({*snapshot}));
  ASSERT_TRUE(reverted) << reverted.error().message();
  mine(4);
  ASSERT_TRUE(eventually([&] { return triggers->dropped_work() == 1; })) << triggers->dropped_work();
  EXPECT_EQ(triggers->retracted_logs(), 2u);
  EXPECT_TRUE(queued_unique().empty()) << "the orphaned event's work is gone";
  auto results = state_->results(service(1));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].event_id, delivered[1].event_id);
  EXPECT_EQ((*results)[0].run.status, RunStatus::kSkipped);
  EXPECT_NE((*results)[0].run.error.find("reorged out of the chain"), std::string::npos)
      << (*results)[0].run.error;
  EXPECT_EQ((*results)[1].event_id, delivered[0].event_id);
  EXPECT_EQ((*results)[1].run.status, RunStatus::kSucceeded) << "what ran stays done";
  auto forgotten = state_->seen(service(1), delivered[1].event_id);
  ASSERT_TRUE(forgotten);
  EXPECT_FALSE(*forgotten);

  // An event on the new chain goes through as usual.
  emit(a, 3);
  ASSERT_TRUE(sink_.wait_for(3)) << sink_.size();
  ASSERT_TRUE(eventually([&] { return triggers->health()[0].cursor_block == head(); }));
  triggers->stop();
  EXPECT_EQ(sink_.serials("alpha"), (std::vector<std::uint64_t>{1, 2, 3}));
  const auto queued = queued_unique();
  ASSERT_EQ(queued.size(), 1u);
  const auto* event = std::get_if<component::EvmContractEvent>(&queued[0].action.data);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(serial_of(event->log), 3u);
  auto cursor = state_->cursor(kChain);
  ASSERT_TRUE(cursor && *cursor);
  auto tip = rpc_->block_by_number(chain::BlockRef::at((*cursor)->block_number));
  ASSERT_TRUE(tip && *tip);
  EXPECT_EQ((*cursor)->block_hash, (*tip)->hash) << "the cursor is on the new chain";
  EXPECT_EQ(triggers->dropped_work(), 1u);
  EXPECT_TRUE(triggers->health()[0].ok) << triggers->health()[0].last_error;
}

TEST_F(TriggersAnvil, StopIsIdempotentAndFinal) {
  seed_cursor();
  const std::size_t threads_before = test::thread_count();
  auto triggers = make_triggers(/*ws=*/true);
  ASSERT_TRUE(triggers->set_workflows({event_workflow(1, "alpha", topic(1))}));
  ASSERT_TRUE(triggers->start());
  ASSERT_TRUE(triggers->start());  // idempotent while running
  triggers->stop();
  triggers->stop();
  // No stream, subscriber or timer thread is left behind.
  EXPECT_TRUE(eventually([&] { return test::thread_count() == threads_before; })) << test::thread_count();
  auto again = triggers->start();
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(NodeErrc::kStopped));
  auto set = triggers->set_workflows({});
  EXPECT_TRUE(!set && set.error().is(NodeErrc::kStopped));
}

TEST_F(TriggersAnvil, CancelTokenStopsEverything) {
  seed_cursor();
  std::stop_source daemon;
  auto c = config();
  c.cancel = daemon.get_token();
  Triggers triggers(*state_, metrics_, sink_, c);
  ASSERT_TRUE(triggers.set_workflows({event_workflow(1, "alpha", topic(1))}));
  ASSERT_TRUE(triggers.start());
  daemon.request_stop();
  auto set = triggers.set_workflows({});
  EXPECT_TRUE(!set && set.error().is(NodeErrc::kStopped));
  triggers.stop();
}

}  // namespace
}  // namespace wavs::node
