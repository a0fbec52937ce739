#include "node/state.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/test_support.hpp"
#include "crypto/hash.hpp"

namespace wavs::node {
namespace {

namespace fs = std::filesystem;

const service::ChainKey kChain{"evm", "31337"};
constexpr std::string_view kAggregator = "http://127.0.0.1:1/packets";

service::Manager manager(int n) {
  service::Manager m{kChain, {}};
  m.address[0] = static_cast<std::uint8_t>(n >> 8);
  m.address[19] = static_cast<std::uint8_t>(n);
  return m;
}

NewService new_service(int n, std::string manifest = "{\"name\":\"s\"}") {
  Hash256 hash;
  hash[0] = static_cast<std::uint8_t>(n);
  return {manager(n), std::move(manifest), hash, ServiceStatus::kActive};
}

Hash256 sid(int n) { return service::service_id(manager(n)); }

component::TriggerAction action(const Hash256& service, std::uint64_t height,
                                std::string workflow = "default") {
  return {service, std::move(workflow), service::ManualTrigger{}, component::BlockInterval{kChain, height}};
}

eth::EventId event_of(const component::TriggerAction& a) {
  auto id = component::event_id(a.service_id, a.workflow_id, a.data);
  return id ? *id : eth::EventId{};
}

chain::Cursor cursor_at(std::uint64_t n) {
  chain::Cursor c{n, {}};
  c.block_hash[0] = static_cast<std::uint8_t>(n);
  c.block_hash[31] = 0xab;
  return c;
}

std::string key(const eth::EventId& id) { return id.hex(); }

// A contract event of `block` on `fork` (forks differ in the block's hash, as a re-mined
// block does), at position `index`.
component::TriggerAction evm_action(const Hash256& service, std::uint64_t block, std::uint8_t fork,
                                    std::uint64_t index = 0) {
  chain::Log log;
  log.address[19] = 0x42;
  log.topics = {Hash256{}};
  log.data = {static_cast<std::uint8_t>(block), static_cast<std::uint8_t>(index)};
  log.block_number = block;
  log.block_hash[0] = static_cast<std::uint8_t>(block);
  log.block_hash[1] = static_cast<std::uint8_t>(block >> 8);
  log.block_hash[2] = fork;
  log.tx_hash[0] = static_cast<std::uint8_t>(index);
  log.log_index = index;
  return {service, "default", service::ManualTrigger{}, component::EvmContractEvent{kChain, log}};
}

// What a LogStream hands back for an action's log after a reorg: the same log, removed.
std::pair<Hash256, eth::EventId> retracted(component::TriggerAction a) {
  std::get<component::EvmContractEvent>(a.data).log.removed = true;
  return {a.service_id, event_of(a)};
}

class NodeStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty()) << "cannot create a temporary directory";
    dir_ = temp_.path();
    file_ = dir_ / "node.sqlite";
  }

  std::unique_ptr<NodeState> open(StateOptions options = {}) {
    auto state = NodeState::open(file_, options);
    EXPECT_TRUE(state.has_value()) << (state ? "" : state.error().message());
    return state ? std::move(*state) : nullptr;
  }

  test::TempDir temp_{"wavs-nodestate"};
  fs::path dir_;
  fs::path file_;
};

TEST_F(NodeStateTest, ServicesAreAddedOnceWithIncreasingHdIndexesNeverReused) {
  auto state = open();
  ASSERT_TRUE(state);
  auto first = state->add_service(new_service(1));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->hd_index, 1u);
  EXPECT_EQ(first->id, sid(1));
  auto again = state->add_service(new_service(1, "{\"other\":1}"));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(StateErrc::kAlreadyExists)) << again.error().message();
  auto second = state->add_service(new_service(2));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->hd_index, 2u);

  auto removed = state->remove_service(sid(1));
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, *first);
  auto gone = state->get_service(sid(1));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto missing = state->remove_service(sid(1));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(StateErrc::kNotFound));

  auto readded = state->add_service(new_service(1));
  ASSERT_TRUE(readded);
  EXPECT_EQ(readded->hd_index, 3u) << "a removed service's index is never given again";
  auto next = state->next_hd_index();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 4u);
}

TEST_F(NodeStateTest, HotSwapKeepsIdAndIndexAndClearsTheLoadError) {
  auto state = open();
  ASSERT_TRUE(state);
  auto added = state->add_service(new_service(5));
  ASSERT_TRUE(added);
  auto failed = state->set_load_error(added->id, "component abc: digest mismatch");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->manifest_json, added->manifest_json) << "the old manifest keeps running";
  EXPECT_EQ(failed->last_load_error, "component abc: digest mismatch");

  Hash256 new_hash;
  new_hash[5] = 9;
  auto swapped = state->replace_manifest(added->id, "{\"name\":\"v2\"}", new_hash);
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->hd_index, added->hd_index);
  EXPECT_EQ(swapped->manifest_json, "{\"name\":\"v2\"}");
  EXPECT_EQ(swapped->manifest_hash, new_hash);
  EXPECT_FALSE(swapped->last_load_error.has_value());

  auto paused = state->set_status(added->id, ServiceStatus::kPaused);
  ASSERT_TRUE(paused);
  auto unknown = state->replace_manifest(sid(99), "{}", new_hash);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is(StateErrc::kNotFound));

  // What one build wrote, the next reads (here: the same build after a reopen).
  state.reset();
  state = open();
  ASSERT_TRUE(state);
  auto got = state->get_service(added->id);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, *paused);
  auto listed = state->list_services();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().status, ServiceStatus::kPaused);
}

TEST_F(NodeStateTest, RecordTriggersPersistsCursorAndEnqueuesEachEventOnce) {
  auto state = open();
  ASSERT_TRUE(state);
  std::vector<component::TriggerAction> actions{action(sid(1), 10), action(sid(2), 10), action(sid(1), 10)};
  auto first = state->record_triggers(kChain, cursor_at(10), actions);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->size(), 2u) << "the duplicate inside the batch is queued once";
  EXPECT_EQ((*first)[0].event_id, event_of(actions[0]));
  EXPECT_LT((*first)[0].id, (*first)[1].id);

  // Redelivery (a crash after the batch, or a refused handler): nothing twice.
  auto again = state->record_triggers(kChain, cursor_at(11), actions);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  auto cursor = state->cursor(kChain);
  ASSERT_TRUE(cursor);
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ(**cursor, cursor_at(11)) << "the cursor still advances";

  auto work = state->peek_work(100);
  ASSERT_TRUE(work);
  ASSERT_EQ(work->size(), 2u);
  EXPECT_EQ((*work)[0].action, actions[0]);
  EXPECT_EQ((*work)[1].action, actions[1]);
  auto seen = state->seen(sid(2), event_of(actions[1]));
  ASSERT_TRUE(seen);
  EXPECT_TRUE(*seen);

  auto manual = state->enqueue({action(sid(1), 10)});
  ASSERT_TRUE(manual);
  EXPECT_TRUE(manual->empty());
  auto bad = state->enqueue({action(sid(1), 1, "X")});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StateErrc::kInvalid)) << bad.error().message();
}

TEST_F(NodeStateTest, BlockIntervalAndCronProgressGoWithTheirWork) {
  auto state = open();
  ASSERT_TRUE(state);
  auto none = state->block_progress(sid(1), "default");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto blocks = state->record_block_interval(sid(1), "default", 20, {action(sid(1), 20)});
  ASSERT_TRUE(blocks);
  EXPECT_EQ(blocks->size(), 1u);
  component::TriggerAction tick{sid(1), "ticker", service::ManualTrigger{},
                                component::Cron{1'700'000'000'000'000'000}};
  auto cron = state->record_cron_tick(sid(1), "ticker", 1'700'000'000'000'000'000, {tick});
  ASSERT_TRUE(cron);
  EXPECT_EQ(cron->size(), 1u);
  auto height = state->block_progress(sid(1), "default");
  ASSERT_TRUE(height);
  EXPECT_EQ(*height, 20u);
  auto last_tick = state->cron_progress(sid(1), "ticker");
  ASSERT_TRUE(last_tick);
  EXPECT_EQ(*last_tick, 1'700'000'000'000'000'000u);
  auto other = state->cron_progress(sid(1), "default");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  auto bad = state->record_cron_tick(sid(1), "A", 1, {});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StateErrc::kInvalid));

  // Removing the service drops its progress (a new registration starts afresh).
  ASSERT_TRUE(state->add_service(new_service(1)));
  ASSERT_TRUE(state->remove_service(sid(1)));
  auto dropped = state->block_progress(sid(1), "default");
  ASSERT_TRUE(dropped);
  EXPECT_FALSE(dropped->has_value());
}

// A store that lets another writer in between NodeState's read and its batch, once.
class InterferingStore : public storage::StateStore {
 public:
  explicit InterferingStore(std::unique_ptr<storage::StateStore> inner) : inner_(std::move(inner)) {}
  Result<std::optional<Bytes>> get(std::string_view t, ByteView k) override { return inner_->get(t, k); }
  Result<std::vector<storage::Record>> scan(std::string_view t, ByteView a, std::uint32_t l) override {
    return inner_->scan(t, a, l);
  }
  Result<std::vector<storage::QueueItem>> peek(std::string_view q, std::uint32_t l) override {
    return inner_->peek(q, l);
  }
  Result<storage::BatchOutcome> apply(const storage::Batch& batch) override {
    if (interfere) {
      interfere = false;
      if (!inner_->apply(interference)) return Error(StateErrc::kStorage, "interference failed");
      auto outcome = inner_->apply(batch);
      first_outcome = outcome ? std::optional(*outcome) : std::nullopt;
      if (outcome && !outcome->applied) {
        auto cursor = inner_->get("node.cursors", as_bytes(kChain.str()));
        auto work = inner_->peek("node.work", 100);
        wrote_nothing = cursor && !*cursor && work && work->size() == 1;
      }
      return outcome;
    }
    return inner_->apply(batch);
  }

  bool interfere = true;
  storage::Batch interference;
  std::optional<storage::BatchOutcome> first_outcome;
  bool wrote_nothing = false;

 private:
  std::unique_ptr<storage::StateStore> inner_;
};

TEST_F(NodeStateTest, ABatchWhoseDedupeCheckFailsWritesNothingAndIsRetried) {
  auto inner = storage::open_sqlite_state_store(file_);
  ASSERT_TRUE(inner);
  auto store = std::make_unique<InterferingStore>(std::move(*inner));
  InterferingStore* spy = store.get();
  std::vector<component::TriggerAction> actions{action(sid(1), 7), action(sid(2), 7), action(sid(3), 7)};
  // Another process queues actions[1] between the seen-check and the batch.
  Bytes seen = concat({sid(2).view(), event_of(actions[1]).view()});
  spy->interference.put("node.seen", seen, as_bytes("{\"v\":1,\"state\":\"pending\",\"at_ms\":0}"))
      .push("node.work", as_bytes("other"));

  auto state = NodeState::create(std::move(store));
  ASSERT_TRUE(state);
  auto items = (*state)->record_triggers(kChain, cursor_at(7), actions);
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_TRUE(spy->first_outcome.has_value());
  EXPECT_FALSE(spy->first_outcome->applied);
  EXPECT_TRUE(spy->wrote_nothing) << "the failed batch left a cursor or work behind";
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].event_id, event_of(actions[0]));
  EXPECT_EQ((*items)[1].event_id, event_of(actions[2]));
  auto cursor = (*state)->cursor(kChain);
  ASSERT_TRUE(cursor);
  EXPECT_EQ(*cursor, cursor_at(7));
}

TEST_F(NodeStateTest, ARetractionRacingACompletionLeavesTheCompletedItemAlone) {
  auto inner = storage::open_sqlite_state_store(file_);
  ASSERT_TRUE(inner);
  auto store = std::make_unique<InterferingStore>(std::move(*inner));
  InterferingStore* spy = store.get();
  spy->interfere = false;
  auto state = NodeState::create(std::move(store));
  ASSERT_TRUE(state);
  const auto a0 = evm_action(sid(1), 5, 0, 0), a1 = evm_action(sid(1), 5, 0, 1);
  auto items = (*state)->record_triggers(kChain, cursor_at(5), {a0, a1});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  // Another process completes a0 between the retraction's reads and its batch.
  spy->interference.pop("node.work", (*items)[0].id)
      .put("node.seen", concat({sid(1).view(), event_of(a0).view()}),
           as_bytes("{\"v\":1,\"state\":\"done\",\"at_ms\":0}"));
  spy->interfere = true;

  auto removed = (*state)->retract(kChain, cursor_at(4), {retracted(a0), retracted(a1)});
  ASSERT_TRUE(removed) << removed.error().message();
  ASSERT_TRUE(spy->first_outcome.has_value());
  EXPECT_FALSE(spy->first_outcome->applied) << "the first batch should have lost to the completion";
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->front().event_id, event_of(a1));
  auto seen = (*state)->seen(sid(1), event_of(a0));
  ASSERT_TRUE(seen);
  EXPECT_TRUE(*seen) << "the completed event is still known";
  auto results = (*state)->results(sid(1));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ(results->front().event_id, event_of(a1));
  auto work = (*state)->peek_work(10);
  ASSERT_TRUE(work);
  EXPECT_TRUE(work->empty());
  auto cursor = (*state)->cursor(kChain);
  ASSERT_TRUE(cursor && *cursor);
  EXPECT_EQ(**cursor, cursor_at(4));
}

TEST_F(NodeStateTest, CompleteDequeuesRecordsTheResultAndQueuesPacketsAtOnce) {
  StateOptions options;
  options.results_per_service = 3;
  auto state = open(options);
  ASSERT_TRUE(state);
  std::vector<component::TriggerAction> actions;
  for (std::uint64_t h = 1; h <= 5; ++h) actions.push_back(action(sid(1), h));
  auto items = state->record_triggers(kChain, cursor_at(5), actions);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 5u);

  for (std::size_t i = 0; i < 5; ++i) {
    const auto& item = (*items)[i];
    RunResult run{i == 2 ? RunStatus::kFailed : RunStatus::kSucceeded, 1000 + i,
                  std::chrono::microseconds(40 + i), i == 2 ? "trap: unreachable" : "", i == 4 ? "aot" : "interp"};
    std::vector<OutboxPacket> packets;
    if (run.status == RunStatus::kSucceeded) {
      packets.push_back(
          {std::string(kAggregator), sid(1), "default", item.event_id, Bytes{1, 2, std::uint8_t(i)}});
    }
    auto done = state->complete(item, run, packets);
    ASSERT_TRUE(done) << done.error().message();
  }
  auto again =
      state->complete((*items)[4], RunResult{}, {{std::string(kAggregator), sid(1), "default", {}, {}}});
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(StateErrc::kNotPending)) << again.error().message();

  auto work = state->peek_work(10);
  ASSERT_TRUE(work);
  EXPECT_TRUE(work->empty());
  auto results = state->results(sid(1));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3u) << "pruned to the newest results_per_service";
  EXPECT_EQ((*results)[0].event_id, (*items)[4].event_id);
  EXPECT_EQ((*results)[0].seq, 4u);
  EXPECT_EQ((*results)[2].event_id, (*items)[2].event_id);
  EXPECT_EQ((*results)[2].run.status, RunStatus::kFailed);
  EXPECT_EQ((*results)[2].run.error, "trap: unreachable");
  EXPECT_EQ((*results)[2].run.fuel, 1002u);
  EXPECT_EQ((*results)[2].run.duration, std::chrono::microseconds(42));
  EXPECT_EQ((*results)[2].run.tier, "interp");
  EXPECT_EQ((*results)[0].run.tier, "aot");

  auto pending = state->outbox_pending(kAggregator, 100);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 4u);
  EXPECT_EQ((*pending)[0].packet.event_id, (*items)[0].event_id);
  EXPECT_EQ((*pending)[3].packet.body, (Bytes{1, 2, 4}));
  auto depth = state->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 4u);
  auto dests = state->outbox_destinations();
  ASSERT_TRUE(dests);
  ASSERT_EQ(dests->size(), 1u);
  EXPECT_EQ(dests->front().url, kAggregator);
}

TEST_F(NodeStateTest, RetractDropsPendingWorkAsSkippedAndMovesTheCursorWithIt) {
  auto state = open();
  ASSERT_TRUE(state);
  const auto older = evm_action(sid(1), 9, 0);
  const auto a0 = evm_action(sid(1), 10, 0, 0), a1 = evm_action(sid(1), 10, 0, 1),
             a2 = evm_action(sid(2), 10, 0, 0);
  ASSERT_TRUE(state->record_triggers(kChain, cursor_at(9), {older}));
  auto items = state->record_triggers(kChain, cursor_at(10), {a0, a1, a2});
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_EQ(items->size(), 3u);
  // a1 ran before the reorg was seen: its packet may be out already.
  ASSERT_TRUE(
      state->complete((*items)[1], RunResult{},
                      {{std::string(kAggregator), sid(1), "default", (*items)[1].event_id, Bytes{1}}}));

  // The ids of the retracted logs are those they were recorded with: `removed` is not
  // part of an EventId.
  EXPECT_EQ(retracted(a0).second, event_of(a0));
  const std::pair<Hash256, eth::EventId> unknown{sid(3), event_of(evm_action(sid(3), 10, 0))};
  auto removed = state->retract(kChain, cursor_at(9),
                                {retracted(a0), retracted(a1), retracted(a2), retracted(a2), unknown});
  ASSERT_TRUE(removed) << removed.error().message();
  ASSERT_EQ(removed->size(), 2u) << "the pending ones, each once";
  EXPECT_EQ((*removed)[0].id, (*items)[0].id);
  EXPECT_EQ((*removed)[0].action, a0);
  EXPECT_EQ((*removed)[1].id, (*items)[2].id);
  EXPECT_EQ((*removed)[1].event_id, event_of(a2));
  auto cursor = state->cursor(kChain);
  ASSERT_TRUE(cursor && *cursor);
  EXPECT_EQ(**cursor, cursor_at(9)) << "the cursor moves back with the retraction";

  auto work = state->peek_work(10);
  ASSERT_TRUE(work);
  ASSERT_EQ(work->size(), 1u);
  EXPECT_EQ(work->front().action, older) << "other work is untouched";
  auto results = state->results(sid(1));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].event_id, event_of(a0));
  EXPECT_EQ((*results)[0].run.status, RunStatus::kSkipped);
  EXPECT_EQ((*results)[0].run.error, "reorged out of the chain before it ran (block 10)");
  EXPECT_EQ((*results)[1].event_id, event_of(a1));
  EXPECT_EQ((*results)[1].run.status, RunStatus::kSucceeded) << "a completed item stays completed";
  auto other = state->results(sid(2));
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->front().run.status, RunStatus::kSkipped);
  auto packets = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 1u);
  EXPECT_EQ(packets->front().packet.event_id, event_of(a1));
  // A dispatcher that had the item in hand finds it gone: its result is dropped.
  auto late =
      state->complete((*items)[0], RunResult{},
                      {{std::string(kAggregator), sid(1), "default", (*items)[0].event_id, Bytes{2}}});
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(StateErrc::kNotPending)) << late.error().message();

  // Idempotent: again, nothing is left to drop; the cursor is still written.
  auto again = state->retract(kChain, cursor_at(8), {retracted(a0), retracted(a1), retracted(a2)});
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->empty());
  cursor = state->cursor(kChain);
  ASSERT_TRUE(cursor && *cursor);
  EXPECT_EQ(**cursor, cursor_at(8));
  results = state->results(sid(1));
  ASSERT_TRUE(results);
  EXPECT_EQ(results->size(), 2u);
  packets = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(packets);
  EXPECT_EQ(packets->size(), 1u);

  // The new fork's block 10 has another hash, so its events are new ones…
  const auto b0 = evm_action(sid(1), 10, 1, 0);
  EXPECT_NE(event_of(b0), event_of(a0));
  auto fork = state->record_triggers(kChain, cursor_at(10), {b0});
  ASSERT_TRUE(fork);
  EXPECT_EQ(fork->size(), 1u);
  // …and should the old block come back (a head flipping between forks), its dropped
  // events run after all, while the one that ran already is still not run twice.
  auto back = state->record_triggers(kChain, cursor_at(10), {a0, a1, a2});
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].event_id, event_of(a0));
  EXPECT_EQ((*back)[1].event_id, event_of(a2));

  auto bad = state->retract({}, cursor_at(1), {});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StateErrc::kInvalid));
}

TEST_F(NodeStateTest, AFullOutboxRefusesCompletionAndKeepsTheWork) {
  StateOptions options;
  options.max_outbox_depth = 2;
  auto state = open(options);
  ASSERT_TRUE(state);
  auto items =
      state->record_triggers(kChain, cursor_at(3), {action(sid(1), 1), action(sid(1), 2), action(sid(1), 3)});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3u);
  auto packet = [&](const PendingWork& item) {
    return std::vector<OutboxPacket>{{std::string(kAggregator), sid(1), "default", item.event_id, Bytes{7}}};
  };
  ASSERT_TRUE(state->complete((*items)[0], RunResult{}, packet((*items)[0])));
  ASSERT_TRUE(state->complete((*items)[1], RunResult{}, packet((*items)[1])));
  auto full = state->complete((*items)[2], RunResult{}, packet((*items)[2]));
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.error().is(StateErrc::kOutboxFull)) << full.error().message();
  auto work = state->peek_work(10);
  ASSERT_TRUE(work);
  ASSERT_EQ(work->size(), 1u) << "the refused item stays pending";
  auto results = state->results(sid(1));
  ASSERT_TRUE(results);
  EXPECT_EQ(results->size(), 2u);
  // A redelivered completion of a done item is kNotPending, not kOutboxFull.
  auto redelivered = state->complete((*items)[0], RunResult{}, packet((*items)[0]));
  ASSERT_FALSE(redelivered);
  EXPECT_TRUE(redelivered.error().is(StateErrc::kNotPending));
  // A delivery makes room.
  auto pending = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(pending);
  ASSERT_TRUE(state->delivered(pending->front()));
  ASSERT_TRUE(state->complete((*items)[2], RunResult{}, packet((*items)[2])));
  auto depth = state->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 2u);
}

TEST_F(NodeStateTest, OutboxAttemptsAndDeliveryAreIdempotent) {
  auto state = open();
  ASSERT_TRUE(state);
  auto items = state->record_triggers(kChain, cursor_at(1), {action(sid(1), 1)});
  ASSERT_TRUE(items);
  ASSERT_TRUE(state->complete(
      items->front(), RunResult{},
      {{std::string(kAggregator), sid(1), "default", items->front().event_id, Bytes{9}},
       {"http://127.0.0.1:2/packets", sid(1), "default", items->front().event_id, Bytes{9}}}));
  auto pending = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  auto tried = state->mark_attempt(pending->front(), 12345, "connect: refused");
  ASSERT_TRUE(tried);
  EXPECT_EQ(tried->attempts, 1u);
  tried = state->mark_attempt(pending->front(), 23456, "HTTP 503");
  ASSERT_TRUE(tried);
  auto reread = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(reread);
  ASSERT_EQ(reread->size(), 1u);
  EXPECT_EQ(reread->front().attempts, 2u);
  EXPECT_EQ(reread->front().next_attempt_ms, 23456u);
  EXPECT_EQ(reread->front().last_error, "HTTP 503");

  ASSERT_TRUE(state->delivered(reread->front()));
  auto twice = state->delivered(reread->front());
  ASSERT_FALSE(twice);
  EXPECT_TRUE(twice.error().is(StateErrc::kNotFound));
  auto late = state->mark_attempt(reread->front(), 1, "x");
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(StateErrc::kNotFound));
  auto depth = state->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 0u);
  auto other = state->outbox_depth("http://127.0.0.1:2/packets");
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, 1u) << "destinations are counted apart";
}

TEST_F(NodeStateTest, DeliveredManyRemovesEachEntryOnceInOneCall) {
  auto state = open();
  ASSERT_TRUE(state);
  constexpr std::string_view kOther = "http://127.0.0.1:2/packets";
  auto items = state->record_triggers(kChain, cursor_at(1), {action(sid(1), 1), action(sid(1), 2)});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  for (const auto& item : *items) {
    ASSERT_TRUE(state->complete(item, RunResult{},
                                {{std::string(kAggregator), sid(1), "default", item.event_id, Bytes{1}},
                                 {std::string(kOther), sid(1), "default", item.event_id, Bytes{2}}}));
  }
  auto first = state->outbox_pending(kAggregator, 10);
  auto second = state->outbox_pending(kOther, 10);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->size(), 2u);
  ASSERT_EQ(second->size(), 2u);
  ASSERT_TRUE(state->delivered((*second)[1]));  // gone before the call

  auto statuses = state->delivered_many({(*first)[0], (*second)[0], (*first)[0], (*second)[1]});
  ASSERT_TRUE(statuses) << statuses.error().message();
  ASSERT_EQ(statuses->size(), 4u);
  EXPECT_TRUE((*statuses)[0]);
  EXPECT_TRUE((*statuses)[1]);
  ASSERT_FALSE((*statuses)[2]) << "the same entry twice: the second finds it gone";
  EXPECT_TRUE((*statuses)[2].error().is(StateErrc::kNotFound));
  ASSERT_FALSE((*statuses)[3]);
  EXPECT_TRUE((*statuses)[3].error().is(StateErrc::kNotFound));

  auto depth = state->outbox_depth(kAggregator);
  auto other = state->outbox_depth(kOther);
  ASSERT_TRUE(depth && other);
  EXPECT_EQ(*depth, 1u);
  EXPECT_EQ(*other, 0u);
  auto left = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().seq, (*first)[1].seq);
  auto none = state->delivered_many({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// Bodies are stored as raw bytes after the entry's JSON members (version 2); entries of
// version 1 (hex body) written by earlier builds still read, and a damaged framing is
// kCorrupt rather than a truncated packet.
TEST_F(NodeStateTest, OutboxBodiesKeepEveryByteAndVersionOneEntriesStillRead) {
  const Bytes body{0x00, 0xff, '"', '\\', 0x00, '{', 0x80, '\n'};
  const Hash256 dk = crypto::sha256(as_bytes(kAggregator));
  const auto entry_key = [&](std::uint64_t seq) {
    Bytes k(dk.view().begin(), dk.view().end());
    for (int i = 7; i >= 0; --i) k.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
    return k;
  };
  eth::EventId event;
  {
    auto state = open();
    ASSERT_TRUE(state);
    auto items = state->record_triggers(kChain, cursor_at(1), {action(sid(1), 1), action(sid(1), 2)});
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 2u);
    event = (*items)[0].event_id;
    for (const auto& item : *items) {
      ASSERT_TRUE(
          state->complete(item, RunResult{}, {{std::string(kAggregator), sid(1), "default", item.event_id, body}}));
    }
    auto pending = state->outbox_pending(kAggregator, 10);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[0].packet.body, body) << "every byte, NULs included";
    auto marked = state->mark_attempt((*pending)[1], 5, "HTTP 503");
    ASSERT_TRUE(marked);
    auto reread = state->outbox_pending(kAggregator, 10);
    ASSERT_TRUE(reread);
    EXPECT_EQ((*reread)[1].packet.body, body) << "rewritten by mark_attempt";
    EXPECT_EQ((*reread)[1].attempts, 1u);
  }
  {
    // Entry 0 as an earlier build wrote it.
    auto store = storage::open_sqlite_state_store(file_);
    ASSERT_TRUE(store);
    const std::string v1 = R"({"v":1,"seq":0,"destination":")" + std::string(kAggregator) +
                           R"(","service_id":")" + sid(1).hex() + R"(","workflow_id":"default","event_id":")" +
                           event.hex() + R"(","body":")" + to_hex(body) +
                           R"(","attempts":2,"next_attempt_ms":7,"last_error":"x","enqueued_at_ms":1})";
    storage::Batch batch;
    batch.put("node.outbox", entry_key(0), as_bytes(v1));
    ASSERT_TRUE((*store)->apply(batch));
  }
  auto state = open();
  ASSERT_TRUE(state);
  auto pending = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(pending) << pending.error().message();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].packet.body, body);
  EXPECT_EQ((*pending)[0].attempts, 2u);
  EXPECT_EQ((*pending)[0].packet.event_id, event);
  ASSERT_TRUE(state->delivered((*pending)[0]));

  // Entry 1 damaged: a body shorter than its body_size, then a version from the future.
  auto raw = [&](std::string_view members, const Bytes& tail) {
    auto store = storage::open_sqlite_state_store(file_);
    ASSERT_TRUE(store);
    Bytes value(members.begin(), members.end());
    value.push_back(0);
    value.insert(value.end(), tail.begin(), tail.end());
    storage::Batch batch;
    batch.put("node.outbox", entry_key(1), value);
    ASSERT_TRUE((*store)->apply(batch));
  };
  const std::string members = R"({"v":2,"seq":1,"destination":")" + std::string(kAggregator) +
                              R"(","service_id":")" + sid(1).hex() +
                              R"(","workflow_id":"default","event_id":")" + event.hex() +
                              R"(","body_size":9,"attempts":0,"next_attempt_ms":0,"last_error":"","enqueued_at_ms":1})";
  raw(members, body);
  auto short_body = state->outbox_pending(kAggregator, 10);
  ASSERT_FALSE(short_body);
  EXPECT_TRUE(short_body.error().is(StateErrc::kCorrupt)) << short_body.error().message();
  EXPECT_NE(short_body.error().message().find("body_size 9"), std::string::npos) << short_body.error().message();
  std::string newer = members;
  newer.replace(newer.find("\"v\":2"), 5, "\"v\":3");
  raw(newer, body);
  auto too_new = state->outbox_pending(kAggregator, 10);
  ASSERT_FALSE(too_new);
  EXPECT_TRUE(too_new.error().is(StateErrc::kTooNew)) << too_new.error().message();
}

TEST_F(NodeStateTest, CompleteManyWritesEveryCompletionAsCompleteWouldInOneBatch) {
  StateOptions options;
  options.results_per_service = 3;
  auto state = open(options);
  ASSERT_TRUE(state);
  std::vector<component::TriggerAction> actions;
  for (std::uint64_t h = 1; h <= 5; ++h) actions.push_back(action(sid(1), h));
  actions.push_back(action(sid(2), 1));
  auto items = state->record_triggers(kChain, cursor_at(5), actions);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 6u);

  std::vector<Completion> batch;
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& item = (*items)[i];
    Completion c{item,
                 {i == 2 ? RunStatus::kFailed : RunStatus::kSucceeded, 1000 + i,
                  std::chrono::microseconds(40 + i), i == 2 ? "trap: unreachable" : "", "interp"},
                 {}};
    if (i != 2) {
      c.packets.push_back({std::string(kAggregator), item.action.service_id, "default", item.event_id,
                           Bytes{1, std::uint8_t(i)}});
    }
    batch.push_back(std::move(c));
  }
  batch.push_back(batch[1]);  // the same item again: a redelivery
  Completion bad_destination;
  bad_destination.item = (*items)[3];
  bad_destination.packets.push_back({"", sid(1), "default", {}, {}});
  batch.push_back(std::move(bad_destination));
  auto done = state->complete_many(batch);
  ASSERT_TRUE(done) << done.error().message();
  ASSERT_EQ(done->size(), batch.size());
  for (std::size_t i = 0; i < 6; ++i) EXPECT_TRUE((*done)[i]) << i << ": " << (*done)[i].error().message();
  ASSERT_FALSE((*done)[6]);
  EXPECT_TRUE((*done)[6].error().is(StateErrc::kNotPending)) << (*done)[6].error().message();
  ASSERT_FALSE((*done)[7]);
  EXPECT_TRUE((*done)[7].error().is(StateErrc::kInvalid)) << (*done)[7].error().message();

  auto work = state->peek_work(10);
  ASSERT_TRUE(work);
  EXPECT_TRUE(work->empty());
  auto results = state->results(sid(1));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3u) << "pruned to the newest results_per_service";
  EXPECT_EQ((*results)[0].seq, 4u);
  EXPECT_EQ((*results)[0].event_id, (*items)[4].event_id);
  EXPECT_EQ((*results)[2].seq, 2u);
  EXPECT_EQ((*results)[2].run.status, RunStatus::kFailed);
  EXPECT_EQ((*results)[2].run.error, "trap: unreachable");
  EXPECT_EQ((*results)[2].run.fuel, 1002u);
  auto other = state->results(sid(2));
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].seq, 0u) << "each service has its own log";

  auto pending = state->outbox_pending(kAggregator, 100);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 5u);
  for (std::size_t k = 0; k < pending->size(); ++k) EXPECT_EQ((*pending)[k].seq, k) << "FIFO, in batch order";
  EXPECT_EQ((*pending)[0].packet.event_id, (*items)[0].event_id);
  EXPECT_EQ((*pending)[2].packet.event_id, (*items)[3].event_id);
  auto depth = state->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 5u);

  // Once more: every item is done.
  auto again = state->complete_many({batch[0], batch[5]});
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 2u);
  for (const auto& st : *again) {
    ASSERT_FALSE(st);
    EXPECT_TRUE(st.error().is(StateErrc::kNotPending));
  }
  auto none = state->complete_many({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  // And complete() agrees.
  auto single = state->complete((*items)[0], RunResult{});
  ASSERT_FALSE(single);
  EXPECT_TRUE(single.error().is(StateErrc::kNotPending));
}

TEST_F(NodeStateTest, CompleteManyRefusesOnlyTheCompletionsThatDoNotFitTheOutbox) {
  StateOptions options;
  options.max_outbox_depth = 2;
  auto state = open(options);
  ASSERT_TRUE(state);
  auto items = state->record_triggers(
      kChain, cursor_at(4), {action(sid(1), 1), action(sid(1), 2), action(sid(1), 3), action(sid(1), 4)});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 4u);
  const std::string elsewhere = "http://127.0.0.1:2/packets";
  auto to = [&](const PendingWork& item, const std::string& url) {
    return Completion{item, RunResult{}, {{url, sid(1), "default", item.event_id, Bytes{7}}}};
  };
  auto done = state->complete_many({to((*items)[0], std::string(kAggregator)),
                                    to((*items)[1], std::string(kAggregator)),
                                    to((*items)[2], std::string(kAggregator)), to((*items)[3], elsewhere)});
  ASSERT_TRUE(done) << done.error().message();
  ASSERT_EQ(done->size(), 4u);
  EXPECT_TRUE((*done)[0]);
  EXPECT_TRUE((*done)[1]);
  ASSERT_FALSE((*done)[2]);
  EXPECT_TRUE((*done)[2].error().is(StateErrc::kOutboxFull)) << (*done)[2].error().message();
  EXPECT_TRUE((*done)[3]) << "another destination has room";
  auto work = state->peek_work(10);
  ASSERT_TRUE(work);
  ASSERT_EQ(work->size(), 1u) << "the refused item stays pending";
  EXPECT_EQ(work->front().id, (*items)[2].id);
  // A done item among refused ones is kNotPending, not kOutboxFull.
  auto redelivered = state->complete_many(
      {to((*items)[0], std::string(kAggregator)), to((*items)[2], std::string(kAggregator))});
  ASSERT_TRUE(redelivered);
  ASSERT_FALSE((*redelivered)[0]);
  EXPECT_TRUE((*redelivered)[0].error().is(StateErrc::kNotPending)) << (*redelivered)[0].error().message();
  ASSERT_FALSE((*redelivered)[1]);
  EXPECT_TRUE((*redelivered)[1].error().is(StateErrc::kOutboxFull));
  // A delivery makes room.
  auto pending = state->outbox_pending(kAggregator, 10);
  ASSERT_TRUE(pending);
  ASSERT_TRUE(state->delivered(pending->front()));
  auto last = state->complete_many({to((*items)[2], std::string(kAggregator))});
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->front()) << last->front().error().message();
  auto depth = state->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 2u);
}

// The same completions, one by one through complete() on one file and in batches on
// another, leave the same results logs and outboxes.
TEST_F(NodeStateTest, CompleteManyLeavesWhatCompleteOneByOneLeaves) {
  StateOptions options;
  options.results_per_service = 7;
  auto one = open(options);
  ASSERT_TRUE(one);
  auto many = NodeState::open(dir_ / "batched.sqlite", options);
  ASSERT_TRUE(many);
  std::vector<component::TriggerAction> actions;
  for (std::uint64_t h = 1; h <= 40; ++h) actions.push_back(action(sid(static_cast<int>(h % 3)), h));
  auto a = one->record_triggers(kChain, cursor_at(40), actions);
  auto b = (*many)->record_triggers(kChain, cursor_at(40), actions);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), 40u);
  std::mt19937 rng(7);
  auto completion = [&](const PendingWork& item, std::size_t i) {
    Completion c{item, {RunStatus::kSucceeded, i, std::chrono::microseconds(i), "", "interp"}, {}};
    for (std::size_t k = 0; k < i % 3; ++k) {
      c.packets.push_back({k == 0 ? std::string(kAggregator) : "http://127.0.0.1:2/packets",
                           item.action.service_id, "default", item.event_id, Bytes{std::uint8_t(i)}});
    }
    return c;
  };
  std::size_t i = 0;
  while (i < a->size()) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 9, a->size() - i);
    std::vector<Completion> batch;
    for (std::size_t k = i; k < i + n; ++k) {
      auto c = completion((*a)[k], k);
      ASSERT_TRUE(one->complete(c.item, c.result, c.packets));
      batch.push_back(completion((*b)[k], k));
    }
    auto done = (*many)->complete_many(batch);
    ASSERT_TRUE(done) << done.error().message();
    for (const auto& st : *done) ASSERT_TRUE(st) << st.error().message();
    i += n;
  }
  for (int s = 0; s < 3; ++s) {
    auto ra = one->results(sid(s));
    auto rb = (*many)->results(sid(s));
    ASSERT_TRUE(ra && rb);
    ASSERT_EQ(ra->size(), rb->size());
    for (std::size_t k = 0; k < ra->size(); ++k) {
      EXPECT_EQ((*ra)[k].seq, (*rb)[k].seq);
      EXPECT_EQ((*ra)[k].event_id, (*rb)[k].event_id);
      EXPECT_EQ((*ra)[k].run.fuel, (*rb)[k].run.fuel);
    }
  }
  for (const std::string& url : {std::string(kAggregator), std::string("http://127.0.0.1:2/packets")}) {
    auto pa = one->outbox_pending(url, 1000);
    auto pb = (*many)->outbox_pending(url, 1000);
    ASSERT_TRUE(pa && pb);
    ASSERT_EQ(pa->size(), pb->size()) << url;
    for (std::size_t k = 0; k < pa->size(); ++k) {
      EXPECT_EQ((*pa)[k].seq, (*pb)[k].seq);
      EXPECT_EQ((*pa)[k].packet.event_id, (*pb)[k].packet.event_id);
      EXPECT_EQ((*pa)[k].packet.body, (*pb)[k].packet.body);
    }
  }
}

// Two connections complete overlapping batches at once: each item is completed exactly
// once, and the counters the batches share (results log, outbox) stay exact.
TEST_F(NodeStateTest, ConcurrentCompleteManyCompletesEachItemOnce) {
  constexpr std::size_t kItems = 200;
  std::vector<std::unique_ptr<NodeState>> states;
  for (int i = 0; i < 2; ++i) states.push_back(open());
  ASSERT_TRUE(states[0] && states[1]);
  std::vector<component::TriggerAction> actions;
  for (std::uint64_t h = 1; h <= kItems; ++h) actions.push_back(action(sid(1), h));
  auto items = states[0]->record_triggers(kChain, cursor_at(kItems), actions);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), kItems);
  std::vector<std::size_t> won(2, 0);
  std::vector<std::size_t> errors(2, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      // Thread 0 goes forwards, thread 1 backwards, in batches of 10: they meet midway.
      for (std::size_t start = 0; start < kItems; start += 10) {
        std::vector<Completion> batch;
        for (std::size_t k = start; k < start + 10; ++k) {
          const auto& item = (*items)[t == 0 ? k : kItems - 1 - k];
          batch.push_back(
              {item, RunResult{}, {{std::string(kAggregator), sid(1), "default", item.event_id, Bytes{1}}}});
        }
        auto done = states[t]->complete_many(batch);
        if (!done) {
          ++errors[t];
          continue;
        }
        for (const auto& st : *done) {
          if (st) {
            ++won[t];
          } else if (!st.error().is(StateErrc::kNotPending)) {
            ++errors[t];
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors[0] + errors[1], 0u);
  EXPECT_EQ(won[0] + won[1], kItems) << "an item was completed twice or not at all";
  auto depth = states[0]->outbox_depth(kAggregator);
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, kItems);
  auto pending = states[0]->outbox_pending(kAggregator, 1000);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), kItems);
  std::set<std::string> events;
  for (std::size_t k = 0; k < pending->size(); ++k) {
    EXPECT_EQ((*pending)[k].seq, k) << "outbox sequence numbers without gaps";
    events.insert(key((*pending)[k].packet.event_id));
  }
  EXPECT_EQ(events.size(), kItems);
  auto work = states[0]->peek_work(10);
  ASSERT_TRUE(work);
  EXPECT_TRUE(work->empty());
}

TEST_F(NodeStateTest, RecordsOfANewerBuildOrDamagedAreRefused) {
  {
    auto store = storage::open_sqlite_state_store(file_);
    ASSERT_TRUE(store);
    storage::Batch batch;
    batch.put("node.services", sid(1).view(), as_bytes("{\"v\":2,\"id\":\"0x00\"}"))
        .put("node.services", sid(2).view(), as_bytes("not json"))
        .put("node.services", sid(3).view(), as_bytes("{\"v\":1,\"id\":7}"));
    ASSERT_TRUE((*store)->apply(batch));
  }
  auto state = open();
  ASSERT_TRUE(state);
  auto newer = state->get_service(sid(1));
  ASSERT_FALSE(newer);
  EXPECT_TRUE(newer.error().is(StateErrc::kTooNew)) << newer.error().message();
  auto garbage = state->get_service(sid(2));
  ASSERT_FALSE(garbage);
  EXPECT_TRUE(garbage.error().is(StateErrc::kCorrupt));
  auto wrong_type = state->get_service(sid(3));
  ASSERT_FALSE(wrong_type);
  EXPECT_TRUE(wrong_type.error().is(StateErrc::kCorrupt)) << wrong_type.error().message();
}

TEST_F(NodeStateTest, OptionsOutOfRangeAreRefused) {
  StateOptions options;
  options.results_per_service = 0;
  auto bad = NodeState::open(file_, options);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StateErrc::kInvalid));
  options = {};
  options.max_outbox_depth = 10001;
  bad = NodeState::open(file_, options);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StateErrc::kInvalid));
}

TEST_F(NodeStateTest, ConcurrentRegistrationsOnThreadsGetDistinctIndexes) {
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::unique_ptr<NodeState>> states;
  for (int i = 0; i < 2; ++i) states.push_back(open());  // two connections to one file
  ASSERT_TRUE(states[0] && states[1]);
  std::vector<std::vector<std::uint32_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto added = states[static_cast<std::size_t>(t % 2)]->add_service(new_service(t * kEach + i));
        if (added) got[static_cast<std::size_t>(t)].push_back(added->hd_index);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint32_t> all;
  std::size_t count = 0;
  for (const auto& g : got) {
    count += g.size();
    all.insert(g.begin(), g.end());
  }
  EXPECT_EQ(count, static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(all.size(), count) << "an index was given twice";
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint32_t>(kThreads * kEach));
}

TEST_F(NodeStateTest, ConcurrentRegistrationsInProcessesGetDistinctIndexes) {
  { ASSERT_TRUE(open()); }
  constexpr int kChildren = 4;
  constexpr int kEach = 15;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Contention, not the lock bound, is under test here: a generous bound keeps a
      // loaded machine from turning a long wait into a failure.
      storage::OpenOptions patient;
      patient.busy_timeout = std::chrono::seconds(60);
      auto state = NodeState::open(file_, {}, patient);
      int code = state ? 0 : 2;
      // Every child also tries its neighbour's services: each must be added exactly once.
      for (int i = 0; code == 0 && i < 2 * kEach; ++i) {
        int n = ((c * kEach) + i) % (kChildren * kEach);
        auto added = (*state)->add_service(new_service(n));
        if (!added && !added.error().is(StateErrc::kAlreadyExists)) code = 3;
      }
      if (state) state->reset();
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a child failed to open (2) or to add (3)";
  }
  auto state = open();
  ASSERT_TRUE(state);
  auto services = state->list_services();
  ASSERT_TRUE(services);
  ASSERT_EQ(services->size(), static_cast<std::size_t>(kChildren * kEach));
  std::set<std::uint32_t> indexes;
  for (const auto& s : *services) indexes.insert(s.hd_index);
  EXPECT_EQ(indexes.size(), services->size()) << "an index was given twice";
  auto next = state->next_hd_index();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, static_cast<std::uint32_t>(kChildren * kEach + 1)) << "an index was skipped";
}

// The crash test: a child records trigger batches and completes work in a loop until it
// is killed at a random point; the parent reopens and checks that nothing was lost,
// doubled or left inconsistent, then starts the next child from where the state says.
constexpr int kCrashServices = 2;
constexpr std::uint64_t kMaxBlocks = 4000;

std::vector<component::TriggerAction> block_actions(std::uint64_t block) {
  std::vector<component::TriggerAction> out;
  for (int s = 0; s < kCrashServices; ++s) out.push_back(action(sid(s), block));
  return out;
}

[[noreturn]] void crash_child(const fs::path& file, int progress_fd, unsigned seed) {
  StateOptions options;
  options.results_per_service = 10000;
  options.max_outbox_depth = 10000;
  auto state = NodeState::open(file, options);
  if (!state) _exit(2);
  std::mt19937 rng(seed);
  auto cursor = (*state)->cursor(kChain);
  if (!cursor) _exit(3);
  std::uint64_t block = *cursor ? (*cursor)->block_number : 0;
  // The stream redelivers the batch of the cursor's block after a restart: nothing new.
  if (block > 0) {
    auto again = (*state)->record_triggers(kChain, cursor_at(block), block_actions(block));
    if (!again || !again->empty()) _exit(4);
  }
  for (;;) {
    if (block < kMaxBlocks) {
      ++block;
      auto items = (*state)->record_triggers(kChain, cursor_at(block), block_actions(block));
      if (!items || items->size() != kCrashServices) _exit(5);
      char byte = 1;
      (void)!write(progress_fd, &byte, 1);
    }
    auto work = (*state)->peek_work(1 + rng() % 3);
    if (!work) _exit(6);
    for (const auto& item : *work) {
      bool ok = rng() % 4 != 0;
      RunResult run{ok ? RunStatus::kSucceeded : RunStatus::kFailed, item.id, std::chrono::microseconds(1),
                    ok ? "" : "exit 1", "interp"};
      std::vector<OutboxPacket> packets;
      if (ok)
        packets.push_back(
            {std::string(kAggregator), item.action.service_id, "default", item.event_id, Bytes{1}});
      auto done = (*state)->complete(item, run, packets);
      if (!done) _exit(7);
      if (rng() % 8 == 0) {
        // A redelivered completion changes nothing.
        auto twice = (*state)->complete(item, run, packets);
        if (twice || !twice.error().is(StateErrc::kNotPending)) _exit(8);
      }
    }
  }
}

TEST_F(NodeStateTest, CrashesAtRandomPointsLoseAndDoubleNothing) {
  { ASSERT_TRUE(open()); }
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  constexpr int kRounds = 16;
  std::uint64_t last_cursor = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ASSERT_EQ(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);  // the child never blocks on progress reports
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      crash_child(file_, fds[1], seed + static_cast<unsigned>(round));
    }
    close(fds[1]);
    // Wait (bounded) until the child has recorded a block, then let it run a random while.
    pollfd pfd{fds[0], POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, 30'000), 1) << "the child made no progress";
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 150'000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status)
                                     << " (an invariant broke inside it)";

    StateOptions options;
    options.results_per_service = 10000;
    options.max_outbox_depth = 10000;
    auto state = open(options);
    ASSERT_TRUE(state);
    auto cursor = state->cursor(kChain);
    ASSERT_TRUE(cursor);
    ASSERT_TRUE(cursor->has_value());
    const std::uint64_t top = (*cursor)->block_number;
    EXPECT_EQ(**cursor, cursor_at(top));
    EXPECT_GE(top, last_cursor) << "the cursor went backwards";
    last_cursor = top;

    std::map<std::string, int> pending, completed, outboxed;
    auto work = state->peek_work(storage::kMaxScanLimit);
    ASSERT_TRUE(work);
    for (const auto& item : *work) ++pending[key(item.event_id)];
    for (int s = 0; s < kCrashServices; ++s) {
      auto results = state->results(sid(s));
      ASSERT_TRUE(results);
      for (const auto& r : *results) ++completed[key(r.event_id)];
    }
    auto packets = state->outbox_pending(kAggregator, storage::kMaxScanLimit);
    ASSERT_TRUE(packets);
    for (const auto& p : *packets) ++outboxed[key(p.packet.event_id)];
    auto depth = state->outbox_depth(kAggregator);
    ASSERT_TRUE(depth);
    EXPECT_EQ(*depth, packets->size()) << "the outbox counter disagrees with its entries";

    // Every event of a block up to the cursor is pending or completed, exactly once;
    // no event of a block above the cursor exists.
    std::size_t expected = 0;
    for (std::uint64_t b = 1; b <= top; ++b) {
      for (const auto& a : block_actions(b)) {
        std::string k = key(event_of(a));
        ++expected;
        int p = pending.count(k) ? pending[k] : 0;
        int c = completed.count(k) ? completed[k] : 0;
        ASSERT_EQ(p + c, 1) << "block " << b << ": event " << k << " pending " << p << " times, completed "
                            << c;
      }
    }
    EXPECT_EQ(pending.size() + completed.size(), expected) << "events beyond the cursor";
    for (const auto& a : block_actions(top + 1)) {
      auto seen = state->seen(a.service_id, event_of(a));
      ASSERT_TRUE(seen);
      EXPECT_FALSE(*seen) << "work above the cursor";
    }
    // Each succeeded completion left exactly one packet.
    std::size_t succeeded = 0;
    for (int s = 0; s < kCrashServices; ++s) {
      auto results = state->results(sid(s));
      ASSERT_TRUE(results);
      for (const auto& r : *results) {
        if (r.run.status != RunStatus::kSucceeded) continue;
        ++succeeded;
        EXPECT_EQ(outboxed[key(r.event_id)], 1) << "event " << key(r.event_id);
      }
    }
    EXPECT_EQ(packets->size(), succeeded);
  }
}

// The crash test for reorgs: every third block is delivered on fork 0, some of its work
// runs, then a reorg retracts it (the cursor back to the block before) and the block
// comes again on fork 1. Whenever the child is killed, each event must be exactly one of
// pending, completed or retracted, and no fork-0 event of a reorged block below the
// cursor may still be pending.
constexpr std::uint64_t kReorgEvery = 3;

bool reorged(std::uint64_t block) { return block % kReorgEvery == 0; }

std::vector<component::TriggerAction> fork_actions(std::uint64_t block, std::uint8_t fork) {
  std::vector<component::TriggerAction> out;
  for (int s = 0; s < kCrashServices; ++s) out.push_back(evm_action(sid(s), block, fork));
  return out;
}

chain::Cursor fork_cursor(std::uint64_t block, std::uint8_t fork) {
  chain::Cursor c = cursor_at(block);
  c.block_hash[1] = fork;
  return c;
}

std::vector<std::pair<Hash256, eth::EventId>> retracted_of(
    const std::vector<component::TriggerAction>& actions) {
  std::vector<std::pair<Hash256, eth::EventId>> out;
  for (const auto& a : actions) out.push_back(retracted(a));
  return out;
}

[[noreturn]] void reorg_child(const fs::path& file, int progress_fd, unsigned seed) {
  StateOptions options;
  options.results_per_service = 10000;
  options.max_outbox_depth = 10000;
  auto state = NodeState::open(file, options);
  if (!state) _exit(2);
  std::mt19937 rng(seed);
  auto cursor = (*state)->cursor(kChain);
  if (!cursor) _exit(3);
  std::uint64_t block = *cursor ? (*cursor)->block_number : 0;
  // Killed between fork 0 of a reorged block and its retraction: the stream, restarted,
  // finds the cursor's block gone and retracts first.
  if (*cursor && reorged(block) && (*cursor)->block_hash[1] == 0) {
    auto removed = (*state)->retract(kChain, fork_cursor(block - 1, 0), retracted_of(fork_actions(block, 0)));
    if (!removed) _exit(4);
    --block;
  }
  // Resuming below a reorged block: the chain changed while we were down, fork 1 only.
  bool fork0_gone = reorged(block + 1);
  char byte = 1;
  for (;;) {
    if (block < kMaxBlocks) {
      ++block;
      if (reorged(block) && !fork0_gone) {
        auto first = (*state)->record_triggers(kChain, fork_cursor(block, 0), fork_actions(block, 0));
        if (!first || first->size() != kCrashServices) _exit(5);
        (void)!write(progress_fd, &byte, 1);
        std::size_t ran = 0;
        for (const auto& item : *first) {
          if (rng() % 2 != 0) continue;
          auto done = (*state)->complete(
              item, RunResult{},
              {{std::string(kAggregator), item.action.service_id, "default", item.event_id, Bytes{1}}});
          if (!done) _exit(6);
          ++ran;
        }
        auto removed =
            (*state)->retract(kChain, fork_cursor(block - 1, 0), retracted_of(fork_actions(block, 0)));
        if (!removed || removed->size() != kCrashServices - ran) _exit(7);
      }
      fork0_gone = false;
      const std::uint8_t fork = reorged(block) ? 1 : 0;
      auto items = (*state)->record_triggers(kChain, fork_cursor(block, fork), fork_actions(block, fork));
      if (!items || items->size() != kCrashServices) _exit(8);
      (void)!write(progress_fd, &byte, 1);
    }
    auto work = (*state)->peek_work(1 + rng() % 3);
    if (!work) _exit(9);
    for (const auto& item : *work) {
      bool ok = rng() % 4 != 0;
      RunResult run{ok ? RunStatus::kSucceeded : RunStatus::kFailed, item.id, std::chrono::microseconds(1),
                    ok ? "" : "exit 1", "interp"};
      std::vector<OutboxPacket> packets;
      if (ok)
        packets.push_back(
            {std::string(kAggregator), item.action.service_id, "default", item.event_id, Bytes{1}});
      if (!(*state)->complete(item, run, packets)) _exit(10);
    }
  }
}

TEST_F(NodeStateTest, CrashesAroundReorgsLeaveEachEventPendingCompletedOrRetractedOnce) {
  { ASSERT_TRUE(open()); }
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ASSERT_EQ(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      reorg_child(file_, fds[1], seed + static_cast<unsigned>(round));
    }
    close(fds[1]);
    pollfd pfd{fds[0], POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, 30'000), 1) << "the child made no progress";
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 150'000));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status)
                                     << " (an invariant broke inside it)";

    StateOptions options;
    options.results_per_service = 10000;
    options.max_outbox_depth = 10000;
    auto state = open(options);
    ASSERT_TRUE(state);
    auto cursor = state->cursor(kChain);
    ASSERT_TRUE(cursor);
    ASSERT_TRUE(cursor->has_value());
    const std::uint64_t top = (*cursor)->block_number;
    const std::uint8_t top_fork = (*cursor)->block_hash[1];
    EXPECT_EQ(**cursor, fork_cursor(top, top_fork));
    ASSERT_TRUE(top_fork == 0 || reorged(top)) << "fork 1 only exists for reorged blocks";

    std::map<std::string, int> pending, ran, skipped, outboxed;
    auto work = state->peek_work(storage::kMaxScanLimit);
    ASSERT_TRUE(work);
    for (const auto& item : *work) ++pending[key(item.event_id)];
    std::size_t succeeded = 0;
    for (int s = 0; s < kCrashServices; ++s) {
      auto results = state->results(sid(s));
      ASSERT_TRUE(results);
      for (const auto& r : *results) {
        if (r.run.status == RunStatus::kSkipped) {
          EXPECT_NE(r.run.error.find("reorged out"), std::string::npos) << r.run.error;
          ++skipped[key(r.event_id)];
        } else {
          ++ran[key(r.event_id)];
          if (r.run.status == RunStatus::kSucceeded) ++succeeded;
        }
      }
    }
    auto packets = state->outbox_pending(kAggregator, storage::kMaxScanLimit);
    ASSERT_TRUE(packets);
    for (const auto& p : *packets) ++outboxed[key(p.packet.event_id)];
    EXPECT_EQ(packets->size(), succeeded) << "each succeeded run left one packet";

    auto count = [](std::map<std::string, int>& m, const std::string& k) { return m.count(k) ? m[k] : 0; };
    std::size_t accounted = 0;
    for (std::uint64_t b = 1; b <= top + 1; ++b) {
      // Fork 0 of a reorged block is live only while the cursor stands on it.
      const bool live0 = !reorged(b) || (b == top && top_fork == 0);
      for (std::uint8_t fork : {std::uint8_t{0}, std::uint8_t{1}}) {
        if (fork == 1 && !reorged(b)) continue;
        for (const auto& a : fork_actions(b, fork)) {
          const std::string k = key(event_of(a));
          const int p = count(pending, k), r = count(ran, k), x = count(skipped, k);
          auto seen = state->seen(a.service_id, event_of(a));
          ASSERT_TRUE(seen);
          accounted += static_cast<std::size_t>(p + r + x);
          SCOPED_TRACE("block " + std::to_string(b) + " fork " + std::to_string(fork) + " top " +
                       std::to_string(top) + "/" + std::to_string(top_fork));
          ASSERT_LE(p + r + x, 1) << "pending " << p << ", ran " << r << ", retracted " << x;
          EXPECT_EQ(*seen, p + r == 1) << "the dedupe knows exactly what is queued or ran";
          if (b > top) {
            EXPECT_EQ(p, 0) << "work above the cursor";
            // Only a reorged block's fork 0 can be known above the cursor (it moved back).
            if (fork == 1 || !reorged(b)) {
              EXPECT_EQ(r + x, 0) << "work above the cursor";
            }
          } else if (fork == 0 && !live0) {
            EXPECT_EQ(p, 0) << "work of a reorged-out block still queued";
          } else if (fork == 1 && b == top && top_fork == 0) {
            EXPECT_EQ(p + r + x, 0) << "fork 1 before its block was delivered";
          } else {
            EXPECT_EQ(p + r, 1) << "an event of the chain lost";
          }
        }
      }
    }
    std::size_t stored = work->size();
    for (const auto& [k, c] : ran) stored += static_cast<std::size_t>(c);
    for (const auto& [k, c] : skipped) stored += static_cast<std::size_t>(c);
    EXPECT_EQ(accounted, stored) << "events that no block up to the cursor explains";
  }
}

}  // namespace
}  // namespace wavs::node
