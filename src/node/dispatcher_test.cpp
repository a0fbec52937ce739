#include "node/dispatcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "component/error.hpp"
#include "node/config.hpp"
#include "runtime/daemon.hpp"
#include "runtime/worker_pool.hpp"
#include "wasi/test_support.hpp"

namespace wavs::node {
namespace {

using namespace std::chrono_literals;

// Reads its stdin (the TriggerAction JSON) and responds with it.
constexpr const char* kEcho = R"((module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 60000))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (drop (call $respond (i32.const 1024) (i32.load (i32.const 16)) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))
)";
constexpr const char* kSpin =
    R"((module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l)))))";
constexpr const char* kTrap = R"((module (memory (export "memory") 1)
  (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 0))))))";
constexpr const char* kExit3 = R"((module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 3)))))";

// Polls `pred` until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

Hash256 service(std::uint8_t n) {
  Hash256 id;
  id[0] = n;
  return id;
}

class Sink : public DispatchSink {
 public:
  void finished(RunReport report) override {
    std::lock_guard lock(mu_);
    reports_.push_back(std::move(report));
    cv_.notify_all();
  }
  void room(const Hash256& id) override {
    std::lock_guard lock(mu_);
    rooms_.push_back(id);
    cv_.notify_all();
  }
  // Waits (bounded) until `pred(reports)` holds.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(reports_); });
  }
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    return wait([n](const auto& r) { return r.size() >= n; }, timeout);
  }
  std::vector<RunReport> reports() const {
    std::lock_guard lock(mu_);
    return reports_;
  }
  std::vector<Hash256> rooms() const {
    std::lock_guard lock(mu_);
    return rooms_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RunReport> reports_;
  std::vector<Hash256> rooms_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  std::shared_ptr<const PreparedWorkflow> workflow(std::uint8_t svc, const char* wat,
                                                   std::function<void(service::Component&)> edit = {}) {
    auto prepared = std::make_shared<PreparedWorkflow>();
    prepared->context.service_id = service(svc);
    prepared->context.workflow_id = "default";
    if (edit) edit(prepared->context.component);
    const Bytes wasm = wasi::test::wat(wat);
    EXPECT_FALSE(wasm.empty()) << "wat2wasm failed";
    auto program = component::load(engine_, wasm);
    EXPECT_TRUE(program) << program.error().message();
    if (program) prepared->program = std::make_shared<const wasi::Program>(std::move(*program));
    return prepared;
  }

  WorkItem item(const std::shared_ptr<const PreparedWorkflow>& wf, std::uint32_t n) {
    WorkItem w;
    w.workflow = wf;
    w.action =
        wf->context.action(component::Raw{{static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}});
    auto id = component::event_id(w.action.service_id, w.action.workflow_id, w.action.data);
    EXPECT_TRUE(id);
    w.event_id = *id;
    return w;
  }

  static std::size_t index_of(const std::vector<RunReport>& reports, const Hash256& id) {
    for (std::size_t i = 0; i < reports.size(); ++i)
      if (reports[i].service_id == id) return i;
    return reports.size();
  }

  wasm::Engine engine_;
  component::HostServices services_;
  Sink sink_;
};

// Once a workflow's NativeSlot holds a program (the node's background compile fills it),
// the next run takes that one and says so. (The slot's program here is a second copy of
// the interpreter's: which program runs is the dispatcher's part; that native code
// behaves the same is the aot tests' and the node test's.)
TEST_F(DispatcherTest, ARunTakesTheNativeSlotsProgramOnceItIsSet) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  d.start();
  auto base = workflow(1, kEcho);
  auto slot = std::make_shared<NativeSlot>();
  auto wf = std::make_shared<PreparedWorkflow>(*base);
  wf->native = slot;
  ASSERT_TRUE(d.enqueue(item(wf, 1)));
  ASSERT_TRUE(sink_.wait_count(1));
  auto other = workflow(1, kEcho);
  slot->set(other->program);
  ASSERT_TRUE(d.enqueue(item(wf, 2)));
  ASSERT_TRUE(sink_.wait_count(2));
  const auto reports = sink_.reports();
  EXPECT_EQ(reports[0].disposition, Disposition::kSucceeded) << reports[0].error;
  EXPECT_FALSE(reports[0].native) << "the slot was empty";
  EXPECT_EQ(reports[1].disposition, Disposition::kSucceeded) << reports[1].error;
  EXPECT_TRUE(reports[1].native) << "the slot's program ran";
  EXPECT_EQ(reports[0].fuel_consumed, reports[1].fuel_consumed);
}

TEST_F(DispatcherTest, RunsAnItemAndReportsItsResponses) {
  runtime::WorkerPool pool({.threads = 2});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  d.start();
  auto wf = workflow(1, kEcho);
  const WorkItem w = item(wf, 7);
  ASSERT_TRUE(d.enqueue(w));
  ASSERT_TRUE(sink_.wait_count(1));
  const RunReport r = sink_.reports()[0];
  EXPECT_EQ(r.disposition, Disposition::kSucceeded) << r.error;
  EXPECT_EQ(r.service_id, service(1));
  EXPECT_EQ(r.workflow_id, "default");
  EXPECT_EQ(r.event_id, w.event_id);
  EXPECT_EQ(r.attempt, 1u);
  EXPECT_EQ(r.outcome, component::ExecOutcome::kSuccess);
  EXPECT_TRUE(r.error.empty());
  EXPECT_GT(r.fuel_consumed, 0u);
  EXPECT_GT(r.duration.count(), 0);
  EXPECT_FALSE(r.native) << "no native slot: the interpreter's program ran";
  ASSERT_EQ(r.responses.size(), 1u);
  const std::string seen(r.responses[0].payload.begin(), r.responses[0].payload.end());
  EXPECT_EQ(seen, component::to_json(w.action));
  EXPECT_TRUE(d.stop(2s).complete());
}

TEST_F(DispatcherTest, AFloodOnOneServiceDoesNotHoldBackAnother) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1), {.queue_capacity = 2000}));
  ASSERT_TRUE(d.add_service(service(2)));
  auto a = workflow(1, kEcho);
  auto b = workflow(2, kEcho);
  for (std::uint32_t i = 0; i < 1000; ++i) ASSERT_TRUE(d.enqueue(item(a, i)));
  d.start();  // A's flood is running
  const WorkItem late = item(b, 0);
  ASSERT_TRUE(d.enqueue(late));  // after all of A's
  // Counted after the enqueue: a report of A arriving between a count taken before it and
  // the enqueue itself would shift B's place by one without any unfairness (seen once
  // under load).
  const std::size_t before = sink_.reports().size();
  const std::size_t a_left = d.stats(service(1))->queued;
  ASSERT_TRUE(sink_.wait([&](const auto& r) { return index_of(r, service(2)) < r.size(); }));
  // One worker, so reports come in start order. Of the runs after B's enqueue, B's is at
  // most the (1 + 2 services)th: A's run in flight, at most one more of A's, then B's.
  const auto reports = sink_.reports();
  EXPECT_LE(index_of(reports, service(2)), before + 2);
  EXPECT_GT(a_left, 2u);  // the flood was still queued: B did not simply wait for its end
  EXPECT_EQ(reports[index_of(reports, service(2))].event_id, late.event_id);
  const auto left = d.stop(5s);
  EXPECT_TRUE(left.complete());
  // Every item is accounted for exactly once: reported or left pending.
  EXPECT_EQ(sink_.reports().size() + left.pending.size(), 1001u);
}

TEST_F(DispatcherTest, ServicesTakeTurnsOneItemEach) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  std::vector<std::shared_ptr<const PreparedWorkflow>> wfs;
  for (std::uint8_t s = 1; s <= 3; ++s) {
    ASSERT_TRUE(d.add_service(service(s)));
    wfs.push_back(workflow(s, kEcho));
  }
  // Queued before start, as the node does with what storage held: A's ten, then B's, then C's.
  for (std::size_t s = 0; s < 3; ++s)
    for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(d.enqueue(item(wfs[s], i)));
  d.start();
  ASSERT_TRUE(sink_.wait_count(30));
  const auto reports = sink_.reports();
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(reports[i].service_id, service(static_cast<std::uint8_t>(1 + i % 3))) << "run " << i;
    EXPECT_EQ(reports[i].disposition, Disposition::kSucceeded);
  }
}

TEST_F(DispatcherTest, AFullQueueRefusesWithBusyAndTellsWhenThereIsRoom) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1), {.queue_capacity = 3, .paused = true}));
  d.start();
  auto wf = workflow(1, kEcho);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(d.enqueue(item(wf, i)));
  auto busy = d.enqueue(item(wf, 3));
  ASSERT_FALSE(busy);
  EXPECT_TRUE(busy.error().is(NodeErrc::kBusy));
  EXPECT_NE(busy.error().message().find("3 items"), std::string::npos) << busy.error().message();
  EXPECT_EQ(d.stats(service(1))->queued, 3u);
  EXPECT_TRUE(sink_.rooms().empty());

  ASSERT_TRUE(d.resume(service(1)));
  ASSERT_TRUE(sink_.wait_count(3));
  ASSERT_TRUE(eventually([&] { return !sink_.rooms().empty(); }));
  const auto rooms = sink_.rooms();
  ASSERT_EQ(rooms.size(), 1u);  // once per refusal, not once per finished run
  EXPECT_EQ(rooms[0], service(1));
  EXPECT_TRUE(d.enqueue(item(wf, 3)));
  ASSERT_TRUE(sink_.wait_count(4));
}

TEST_F(DispatcherTest, DeterministicFailuresAreFinalAtOnce) {
  runtime::WorkerPool pool({.threads = 2});
  services_.caps.fuel = 100'000;  // the node-wide cap wins over the workflow's larger limit
  Dispatcher d(pool, services_, sink_, {.retry_base = 1ms});
  ASSERT_TRUE(d.add_service(service(1)));
  ASSERT_TRUE(d.add_service(service(2)));
  ASSERT_TRUE(d.add_service(service(3)));
  ASSERT_TRUE(d.add_service(service(4)));
  d.start();
  ASSERT_TRUE(d.enqueue(item(workflow(1, kTrap), 0)));
  ASSERT_TRUE(d.enqueue(item(workflow(2, kExit3), 0)));
  ASSERT_TRUE(d.enqueue(item(workflow(3, kSpin, [](auto& c) { c.fuel_limit = 1'000'000'000'000ull; }), 0)));
  // A context the runner refuses (a non-positive time limit): the same on every retry.
  ASSERT_TRUE(d.enqueue(item(workflow(4, kEcho, [](auto& c) { c.time_limit_seconds = -1.0; }), 0)));
  ASSERT_TRUE(sink_.wait_count(4));
  std::this_thread::sleep_for(50ms);  // a wrongly scheduled retry would report in this time
  EXPECT_TRUE(d.stop(2s).complete());
  const auto reports = sink_.reports();
  ASSERT_EQ(reports.size(), 4u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.disposition, Disposition::kFailed);
    EXPECT_EQ(r.attempt, 1u);
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(r.responses.empty());
  }
  const auto of = [&](std::uint8_t s) { return reports[index_of(reports, service(s))]; };
  EXPECT_EQ(of(1).outcome, component::ExecOutcome::kTrap);
  EXPECT_EQ(of(2).outcome, component::ExecOutcome::kExit);
  EXPECT_EQ(of(2).error, "exit 3");
  EXPECT_EQ(of(3).outcome, component::ExecOutcome::kFuelExhausted);
  EXPECT_NE(of(3).error.find("100000"), std::string::npos) << of(3).error;
  EXPECT_EQ(of(4).outcome, std::nullopt);
  EXPECT_NE(of(4).error.find("time_limit_seconds"), std::string::npos) << of(4).error;
}

TEST_F(DispatcherTest, TimeLimitIsRetriedWithBackoffThenFails) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_, {.max_attempts = 3, .retry_base = 1ms, .retry_max = 1s});
  ASSERT_TRUE(d.add_service(service(1)));
  d.start();
  ASSERT_TRUE(d.enqueue(item(workflow(1, kSpin, [](auto& c) { c.time_limit_seconds = 0.01; }), 0)));
  ASSERT_TRUE(sink_.wait_count(3));
  std::this_thread::sleep_for(50ms);
  const auto reports = sink_.reports();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].disposition, Disposition::kRetry);
  EXPECT_EQ(reports[0].attempt, 1u);
  EXPECT_EQ(reports[0].retry_in, 1ms);
  EXPECT_EQ(reports[1].disposition, Disposition::kRetry);
  EXPECT_EQ(reports[1].attempt, 2u);
  EXPECT_EQ(reports[1].retry_in, 2ms);
  EXPECT_EQ(reports[2].disposition, Disposition::kFailed);
  EXPECT_EQ(reports[2].attempt, 3u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.outcome, component::ExecOutcome::kTimeLimit);
    EXPECT_EQ(r.event_id, reports[0].event_id);
  }
  EXPECT_NE(reports[2].error.find("attempt 3 of 3"), std::string::npos) << reports[2].error;
  EXPECT_EQ(d.stats(service(1))->delayed, 0u);
}

TEST_F(DispatcherTest, HostUnavailableIsRetriedAndPersistedAttemptsCount) {
  runtime::WorkerPool pool({.threads = 1});
  // file_system without a data directory: execute fails with kUnavailable before the guest runs.
  Dispatcher d(pool, services_, sink_, {.max_attempts = 3, .retry_base = 1ms});
  ASSERT_TRUE(d.add_service(service(1)));
  ASSERT_TRUE(d.add_service(service(2)));
  d.start();
  ASSERT_TRUE(d.enqueue(item(workflow(1, kEcho, [](auto& c) { c.file_system = true; }), 0)));
  WorkItem resumed = item(workflow(2, kEcho, [](auto& c) { c.file_system = true; }), 0);
  resumed.failed_attempts = 2;  // two failures before a restart: one attempt left
  ASSERT_TRUE(d.enqueue(resumed));
  ASSERT_TRUE(sink_.wait([&](const auto& r) {
    return std::count_if(r.begin(), r.end(),
                         [](const RunReport& x) { return x.disposition == Disposition::kFailed; }) == 2;
  }));
  const auto reports = sink_.reports();
  std::vector<Disposition> first, second;
  for (const auto& r : reports) {
    EXPECT_EQ(r.outcome, std::nullopt);
    EXPECT_NE(r.error.find("file_system"), std::string::npos) << r.error;
    (r.service_id == service(1) ? first : second).push_back(r.disposition);
  }
  EXPECT_EQ(first, (std::vector{Disposition::kRetry, Disposition::kRetry, Disposition::kFailed}));
  EXPECT_EQ(second, (std::vector{Disposition::kFailed}));
  EXPECT_EQ(reports[index_of(reports, service(2))].attempt, 3u);
}

TEST(DispatcherBackoff, DoublesFromTheBaseUpToTheMaximum) {
  const DispatcherConfig c{.retry_base = 1000ms, .retry_max = 60'000ms};
  EXPECT_EQ(Dispatcher::backoff(c, 0), 0ms);
  EXPECT_EQ(Dispatcher::backoff(c, 1), 1000ms);
  EXPECT_EQ(Dispatcher::backoff(c, 2), 2000ms);
  EXPECT_EQ(Dispatcher::backoff(c, 3), 4000ms);
  EXPECT_EQ(Dispatcher::backoff(c, 6), 32'000ms);
  EXPECT_EQ(Dispatcher::backoff(c, 7), 60'000ms);
  EXPECT_EQ(Dispatcher::backoff(c, 4'000'000'000u), 60'000ms);  // no overflow
}

TEST_F(DispatcherTest, RemovingAServiceDropsItsQueueAndCancelsItsRun) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  ASSERT_TRUE(d.add_service(service(2)));
  d.start();
  auto spin = workflow(1, kSpin);  // runs until cancelled (the default cap is 30 s)
  for (std::uint32_t i = 0; i < 6; ++i) ASSERT_TRUE(d.enqueue(item(spin, i)));
  ASSERT_TRUE(eventually([&] { return d.stats(service(1))->executing == 1; }));
  ASSERT_TRUE(d.enqueue(item(workflow(2, kEcho), 0)));
  auto dropped = d.remove_service(service(1));
  ASSERT_TRUE(dropped);
  EXPECT_EQ(*dropped, 5u);
  ASSERT_TRUE(sink_.wait_count(2));
  const auto reports = sink_.reports();
  EXPECT_EQ(reports[0].service_id, service(1));
  EXPECT_EQ(reports[0].disposition, Disposition::kDropped);
  EXPECT_EQ(reports[0].outcome, component::ExecOutcome::kCancelled);
  EXPECT_EQ(reports[1].service_id, service(2));
  EXPECT_EQ(reports[1].disposition, Disposition::kSucceeded);

  auto gone = d.enqueue(item(spin, 9));
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is(NodeErrc::kUnknownService));
  EXPECT_FALSE(d.stats(service(1)));
  EXPECT_TRUE(d.remove_service(service(1)).error().is(NodeErrc::kUnknownService));
  ASSERT_TRUE(d.add_service(service(1)));  // added again: a fresh queue
  EXPECT_EQ(d.stats(service(1))->queued, 0u);
}

TEST_F(DispatcherTest, APausedServiceKeepsItsQueueWhileOthersRun) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  ASSERT_TRUE(d.add_service(service(2)));
  ASSERT_TRUE(d.pause(service(1)));
  d.start();
  auto a = workflow(1, kEcho);
  auto b = workflow(2, kEcho);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(d.enqueue(item(a, i)));
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(d.enqueue(item(b, i)));
  ASSERT_TRUE(sink_.wait_count(3));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(sink_.reports().size(), 3u);
  for (const auto& r : sink_.reports()) EXPECT_EQ(r.service_id, service(2));
  const auto paused = d.stats(service(1));
  EXPECT_TRUE(paused->paused);
  EXPECT_EQ(paused->queued, 3u);
  ASSERT_TRUE(d.resume(service(1)));
  ASSERT_TRUE(sink_.wait_count(6));
  EXPECT_FALSE(d.stats(service(1))->paused);
  EXPECT_TRUE(d.pause(service(9)).error().is(NodeErrc::kUnknownService));
}

TEST_F(DispatcherTest, StopCancelsSpinningRunsAndListsWhatIsLeft) {
  runtime::WorkerPool pool({.threads = 2});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  d.start();
  auto spin = workflow(1, kSpin);
  std::vector<WorkItem> items;
  for (std::uint32_t i = 0; i < 5; ++i) {
    items.push_back(item(spin, i));
    ASSERT_TRUE(d.enqueue(items.back()));
  }
  ASSERT_TRUE(eventually([&] { return d.stats(service(1))->executing == 2; }));
  const auto report = d.stop(5s);  // the bound: ended, not timed out
  EXPECT_TRUE(report.complete());
  ASSERT_EQ(report.pending.size(), 3u);
  const auto reports = sink_.reports();
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.disposition, Disposition::kPending);
    EXPECT_EQ(r.outcome, component::ExecOutcome::kCancelled);
  }
  // Queued ones in queue order, identified by event id.
  EXPECT_EQ(report.pending[0].event_id, items[2].event_id);
  EXPECT_EQ(report.pending[2].event_id, items[4].event_id);
  EXPECT_EQ(report.pending[0].service_id, service(1));

  auto late = d.enqueue(item(spin, 9));
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(NodeErrc::kStopped));
  EXPECT_TRUE(d.add_service(service(2)).error().is(NodeErrc::kStopped));
  EXPECT_TRUE(d.stop(1s).pending.empty());  // idempotent
}

TEST_F(DispatcherTest, DaemonShutdownStopsTheDispatcher) {
  Sink sink;
  runtime::Daemon daemon({.workers = {.threads = 1}, .shutdown_bound = 3s, .handle_signals = false});
  daemon.start();
  Dispatcher d(daemon.workers(), services_, sink, {.stop_bound = 2s});
  d.attach(daemon);
  ASSERT_TRUE(d.add_service(service(1)));
  d.start();
  ASSERT_TRUE(d.enqueue(item(workflow(1, kSpin), 0)));
  ASSERT_TRUE(d.enqueue(item(workflow(1, kSpin), 1)));
  ASSERT_TRUE(eventually([&] { return d.stats(service(1))->executing == 1; }));
  daemon.request_stop();
  auto st = daemon.run();
  EXPECT_TRUE(st) << st.error().message();
  ASSERT_EQ(sink.reports().size(), 1u);
  EXPECT_EQ(sink.reports()[0].disposition, Disposition::kPending);
  EXPECT_EQ(d.running(), 0u);
  EXPECT_TRUE(d.enqueue(item(workflow(1, kSpin), 2)).error().is(NodeErrc::kStopped));
}

TEST_F(DispatcherTest, AnItemThePoolDiscardsIsReportedPending) {
  runtime::WorkerPool pool({.threads = 1});
  // The pool's one thread is held by other work until the pool shuts down.
  ASSERT_TRUE(pool.try_submit([](std::stop_token token) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, token, 30s, [] { return false; });
  }));
  {
    Dispatcher d(pool, services_, sink_, {.max_running = 1});
    ASSERT_TRUE(d.add_service(service(1)));
    d.start();
    ASSERT_TRUE(d.enqueue(item(workflow(1, kEcho), 0)));
    ASSERT_TRUE(eventually([&] { return pool.stats().queued == 1; }));
    EXPECT_EQ(d.running(), 1u);  // handed to the pool, not started
    EXPECT_TRUE(pool.shutdown(5s));
    ASSERT_EQ(sink_.reports().size(), 1u);
    EXPECT_EQ(sink_.reports()[0].disposition, Disposition::kPending);
    EXPECT_EQ(sink_.reports()[0].outcome, std::nullopt);
    EXPECT_EQ(d.running(), 0u);
  }
}

TEST_F(DispatcherTest, BadItemsAndServicesAreRefusedByName) {
  runtime::WorkerPool pool({.threads = 1});
  Dispatcher d(pool, services_, sink_);
  ASSERT_TRUE(d.add_service(service(1)));
  auto twice = d.add_service(service(1));
  ASSERT_FALSE(twice);
  EXPECT_TRUE(twice.error().is(NodeErrc::kServiceExists));

  WorkItem none = item(workflow(1, kEcho), 0);
  none.workflow = nullptr;
  EXPECT_TRUE(d.enqueue(none).error().is(NodeErrc::kBadWorkItem));

  WorkItem other = item(workflow(1, kEcho), 0);
  other.action.service_id = service(2);
  auto mismatch = d.enqueue(other);
  ASSERT_FALSE(mismatch);
  EXPECT_TRUE(mismatch.error().is(NodeErrc::kBadWorkItem));
  EXPECT_NE(mismatch.error().message().find("its workflow is"), std::string::npos)
      << mismatch.error().message();

  EXPECT_TRUE(d.enqueue(item(workflow(3, kEcho), 0)).error().is(NodeErrc::kUnknownService));
}

TEST(RunCaps, TheNodeSettingsCapEveryRun) {
  Settings s;
  s.max_wasm_fuel = 12345;
  s.max_execution_seconds = 1.5;
  s.max_memory_bytes = 1 << 20;
  const wasi::RunLimits caps = run_caps(s);
  EXPECT_EQ(caps.fuel, 12345u);
  EXPECT_EQ(caps.time, std::chrono::microseconds(1'500'000));
  EXPECT_EQ(caps.max_memory_bytes, 1u << 20);
  wasi::RunLimits own;
  own.fuel = 99'999'999;
  EXPECT_EQ(own.within(caps).fuel, 12345u);
}

}  // namespace
}  // namespace wavs::node
