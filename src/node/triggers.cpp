#include "node/triggers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <variant>

#include "chain/log_stream.hpp"
#include "chain/rpc_client.hpp"
#include "component/trigger.hpp"
#include "node/schedule.hpp"
#include "runtime/daemon.hpp"

namespace wavs::node {
namespace {

using Clock = std::chrono::steady_clock;
using EventKey = std::pair<FixedBytes<20>, Hash256>;  // (address, topic0)

constexpr std::uint64_t kNsPerSecond = 1'000'000'000ull;
// The timer thread looks at the clock at least this often, so a tick is late by at most
// this much, and a clock step (NTP, a suspended VM, a test's injected clock) is noticed.
constexpr std::chrono::milliseconds kTimerPeriod{250};

std::string workflow_name(const ScheduleKey& key) { return key.service_id.hex() + "/" + key.workflow_id; }

std::uint64_t system_now_s() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// The chain a trigger needs a source on, if any.
const service::ChainKey* chain_of(const service::Trigger& trigger) {
  if (const auto* e = std::get_if<service::EvmContractEventTrigger>(&trigger)) return &e->chain;
  if (const auto* b = std::get_if<service::BlockIntervalTrigger>(&trigger)) return &b->chain;
  return nullptr;
}

bool scheduled(const service::Trigger& trigger) {
  return std::holds_alternative<service::BlockIntervalTrigger>(trigger) ||
         std::holds_alternative<service::CronTrigger>(trigger);
}

// A filter no log can match: nothing runs at the zero address, so nothing there can emit
// a log. It keeps a stream (and so confirmed heights) for chains with block-interval
// workflows and no event workflow.
chain::LogFilter no_log_filter() { return chain::LogFilter{{chain::Address{}}, {}}; }

}  // namespace

struct Triggers::Impl {
  // One configured chain. Everything but `endpoints` and `key` is guarded by Impl::mu.
  struct ChainRuntime {
    ChainEndpoints endpoints;
    std::string key;  // endpoints.key.str()

    std::unique_ptr<chain::LogStream> stream;
    std::uint64_t generation = 0;  // of `stream`; a handler of an older one leaves counters alone
    std::set<EventKey> stream_filters;
    bool has_stream_wanted = false;  // what `stream` was built for (it may be null after a failed start)

    std::optional<std::uint64_t> cursor_block;
    std::string last_error;
    int failed_at_batch = 0;  // the stream's failed_steps() at its last delivered batch
    // Totals of earlier streams of this chain, for health().
    int failed_base = 0;
    int connections_base = 0;
    // What the current stream's counters were when last reported to Metrics.
    int reported_failed = 0;
    int reported_refused = 0;
    int reported_reconnects = 0;

    // Block-interval workflows on this chain waiting for a first cursor to start at.
    std::map<ScheduleKey, service::BlockIntervalTrigger> pending_starts;
  };

  Impl(NodeState& s, Metrics& m, TriggerSink& k, TriggersConfig c)
      : state(s), metrics(m), sink(k), config(std::move(c)) {
    if (!config.now_s) config.now_s = system_now_s;
    for (auto& endpoints : config.chains) {
      auto rt = std::make_unique<ChainRuntime>();
      rt->key = endpoints.key.str();
      rt->endpoints = endpoints;
      chains.push_back(std::move(rt));
    }
  }

  ~Impl() {
    // Normally stop_all() ran already; this only guards against a thread left joinable.
    if (timer.joinable()) {
      request_stop();
      timer.join();
    }
  }

  NodeState& state;
  Metrics& metrics;
  TriggerSink& sink;
  TriggersConfig config;

  // Serialises start(), stop() and set_workflows(): the threads Triggers owns never take
  // it, so it may be held while a stream is stopped (joined).
  std::mutex control_mu;
  bool started = false;  // guarded by control_mu
  bool stopped = false;  // guarded by control_mu

  mutable std::mutex mu;
  std::condition_variable cv;  // the timer's wake-ups
  bool stopping = false;
  bool timer_wake = false;
  std::optional<std::uint64_t> next_cron_due;  // nullopt: look at once
  std::map<ScheduleKey, TriggerWorkflow> workflows;
  std::map<std::string, std::map<EventKey, std::vector<ScheduleKey>>> events;  // by chain key
  Schedule schedule;
  std::vector<std::unique_ptr<ChainRuntime>> chains;  // fixed after construction

  std::stop_source stop_src;  // cancels every stream and the timer
  std::thread timer;
  std::atomic<std::uint64_t> retracted_total{0};  // logs
  std::atomic<std::uint64_t> dropped{0};          // work items retract() removed
  std::optional<std::stop_callback<std::function<void()>>> on_cancel;

  ChainRuntime* find_chain(const service::ChainKey& key) {
    const std::string k = key.str();
    for (auto& rt : chains) {
      if (rt->key == k) return rt.get();
    }
    return nullptr;
  }

  std::string configured_chains() const {
    std::string out;
    for (const auto& rt : chains) out += (out.empty() ? "" : ", ") + rt->key;
    return out.empty() ? "none" : out;
  }

  // Ends every wait at once, without joining; safe from any thread.
  void request_stop() {
    stop_src.request_stop();
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
  }

  void deliver(std::vector<PendingWork> work) {
    if (work.empty()) return;
    try {
      sink.enqueued(std::move(work));
    } catch (const std::exception& e) {
      // The work is durable; the node re-reads the queue at its next start.
      spdlog::error("trigger sink failed with an exception: {}", e.what());
    } catch (...) {
      spdlog::error("trigger sink failed with an unknown exception");
    }
  }

  // Metrics for a record_* call: every action was received; those not in `work` were
  // already seen by their service.
  void count(TriggerKind kind, const std::string& chain, const std::vector<component::TriggerAction>& actions,
             const std::vector<PendingWork>& work) {
    std::map<Hash256, std::size_t> fresh;
    for (const auto& w : work) ++fresh[w.action.service_id];
    for (const auto& a : actions) {
      metrics.trigger_received(kind, chain);
      auto it = fresh.find(a.service_id);
      if (it != fresh.end() && it->second > 0) {
        --it->second;
      } else {
        metrics.trigger_deduplicated(a.service_id.hex());
      }
    }
  }

  // --- the stream handler (stream thread) ---

  Status refuse(ChainRuntime& rt, std::uint64_t generation, const Error& error) {
    // A batch cut short by stop() is no failure worth counting; it is redelivered after restart.
    if (!stop_src.stop_requested()) metrics.log_batch_refused(rt.key);
    std::lock_guard lock(mu);
    if (rt.generation == generation) rt.last_error = error.message();
    return error;
  }

  Status handle_batch(ChainRuntime& rt, std::uint64_t generation, const chain::LogBatch& batch) {
    std::vector<component::TriggerAction> actions;
    std::vector<std::pair<Hash256, eth::EventId>> retracted;
    {
      std::lock_guard lock(mu);
      auto index = events.find(rt.key);
      // The workflows a log matches: the same (address, topic0) rule for new and retracted logs.
      auto matching = [&](const chain::Log& log) -> const std::vector<ScheduleKey>* {
        if (index == events.end() || log.topics.empty()) return nullptr;
        auto hit = index->second.find(EventKey{log.address, log.topics[0]});
        return hit == index->second.end() ? nullptr : &hit->second;
      };
      for (const auto& log : batch.logs) {
        const auto* keys = matching(log);
        if (keys == nullptr) continue;
        for (const auto& key : *keys) {
          auto wf = workflows.find(key);
          if (wf == workflows.end()) continue;
          actions.push_back(component::TriggerAction{key.service_id, key.workflow_id, wf->second.trigger,
                                                     component::EvmContractEvent{rt.endpoints.key, log}});
        }
      }
      // A retracted log's EventId is the one it was recorded with: `removed` is not part
      // of the encoding it is derived from.
      for (const auto& log : batch.retracted) {
        const auto* keys = matching(log);
        if (keys == nullptr) continue;
        for (const auto& key : *keys) {
          auto id = component::event_id(key.service_id, key.workflow_id,
                                        component::EvmContractEvent{rt.endpoints.key, log});
          if (id) retracted.emplace_back(key.service_id, *id);  // ids were checked by set_workflows
        }
      }
    }
    // LogStream's retraction batches carry no new logs (their cursor is the common
    // ancestor), so normally only one of the two writes below runs. Were both present, the
    // new work goes first: a crash between the two then loses only the retraction (that
    // work runs, as if it had completed before the reorg), never a new event.
    if (!actions.empty() || retracted.empty()) {
      auto work = state.record_triggers(rt.endpoints.key, batch.cursor, actions);
      if (!work)
        return refuse(rt, generation, work.error().with_context("chain " + rt.key + ": record events"));
      count(TriggerKind::kEvmEvent, rt.key, actions, *work);
      deliver(std::move(*work));
    }
    if (!retracted.empty()) {
      auto removed = state.retract(rt.endpoints.key, batch.cursor, retracted);
      if (!removed)
        return refuse(rt, generation, removed.error().with_context("chain " + rt.key + ": retract events"));
      dropped += removed->size();
      spdlog::warn(
          "chain {}: a reorg took out {} log(s) down to block {}: {} work item(s) dropped before they ran, "
          "{} ran already or were not queued",
          rt.key, batch.retracted.size(), batch.cursor.block_number, removed->size(),
          retracted.size() - removed->size());
    } else if (!batch.retracted.empty()) {
      spdlog::warn("chain {}: a reorg took out {} log(s) down to block {}, none of a current workflow",
                   rt.key, batch.retracted.size(), batch.cursor.block_number);
    }
    retracted_total += batch.retracted.size();
    if (batch.rewound) {
      spdlog::warn(
          "chain {}: deep reorg, the stream rewound to block {} and reads on from there; work of orphaned "
          "blocks it could not name stays queued",
          rt.key, batch.cursor.block_number);
    }
    {
      std::lock_guard lock(mu);
      if (rt.generation == generation) rt.cursor_block = batch.cursor.block_number;
    }
    if (auto fired = fire_blocks(rt, batch.cursor.block_number); !fired) {
      return refuse(rt, generation, fired.error());
    }
    std::lock_guard lock(mu);
    if (rt.generation == generation) {
      rt.last_error.clear();
      if (rt.stream) rt.failed_at_batch = rt.stream->failed_steps();
    }
    return {};
  }

  // Block-interval workflows of `rt`'s chain up to confirmed height `height`.
  Status fire_blocks(ChainRuntime& rt, std::uint64_t height) {
    std::map<ScheduleKey, service::BlockIntervalTrigger> pending;
    {
      std::lock_guard lock(mu);
      pending = rt.pending_starts;
    }
    for (const auto& [key, trigger] : pending) {
      // The first cursor of a chain that had none: the workflow starts here.
      auto started_at = state.record_block_interval(key.service_id, key.workflow_id, height, {});
      if (!started_at) return started_at.error().with_context("start of " + workflow_name(key));
      std::lock_guard lock(mu);
      auto it = rt.pending_starts.find(key);
      if (it != rt.pending_starts.end() && it->second == trigger) {
        (void)schedule.add(key, service::Trigger{trigger}, height);  // checked by set_workflows
        rt.pending_starts.erase(it);
      }
    }
    for (bool first_pass = true;; first_pass = false) {
      std::vector<BlockFiring> due;
      {
        std::lock_guard lock(mu);
        due = schedule.due_blocks(rt.endpoints.key, height);
      }
      if (due.empty()) return {};
      // A long catch-up (limit per trigger and pass) yields to stop() between passes; the
      // batch is then refused and redelivered after the restart, from its own progress.
      if (!first_pass && stop_src.stop_requested()) return Error(NodeErrc::kStopped, "triggers are stopping");
      std::vector<PendingWork> out;
      bool progressed = false;
      for (const auto& firing : due) {
        component::TriggerAction action;
        {
          std::lock_guard lock(mu);
          auto wf = workflows.find(firing.key);
          if (wf == workflows.end()) continue;  // removed meanwhile (and off the schedule)
          action = {firing.key.service_id, firing.key.workflow_id, wf->second.trigger, firing.data()};
        }
        std::vector<component::TriggerAction> actions{action};
        auto work = state.record_block_interval(firing.key.service_id, firing.key.workflow_id, firing.height,
                                                actions);
        if (!work) {
          deliver(std::move(out));
          return work.error().with_context("block " + std::to_string(firing.height) + " of " +
                                           workflow_name(firing.key));
        }
        {
          std::lock_guard lock(mu);
          schedule.commit(firing);
        }
        progressed = true;
        count(TriggerKind::kBlockInterval, rt.key, actions, *work);
        for (auto& w : *work) out.push_back(std::move(w));
      }
      deliver(std::move(out));
      if (!progressed) return {};
    }
  }

  // --- the timer thread ---

  void timer_loop() {
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      const std::uint64_t now = config.now_s();
      std::vector<CronFiring> due;
      {
        std::lock_guard lock(mu);
        timer_wake = false;
        if (!next_cron_due || now >= *next_cron_due) {
          due = schedule.due_cron(now);
          next_cron_due = schedule.next_cron_tick(now);
          if (!next_cron_due) next_cron_due = std::numeric_limits<std::uint64_t>::max();
        }
      }
      fire_cron(due, now);
      report_stream_metrics();
      std::unique_lock lock(mu);
      cv.wait_for(lock, kTimerPeriod, [&] { return stopping || timer_wake; });
    }
  }

  void fire_cron(const std::vector<CronFiring>& due, std::uint64_t now) {
    std::vector<PendingWork> out;
    for (const auto& firing : due) {
      if (stop_src.stop_requested()) break;
      component::TriggerAction action;
      {
        std::lock_guard lock(mu);
        auto wf = workflows.find(firing.key);
        if (wf == workflows.end()) continue;
        action = {firing.key.service_id, firing.key.workflow_id, wf->second.trigger, firing.data()};
      }
      std::vector<component::TriggerAction> actions{action};
      auto work = state.record_cron_tick(firing.key.service_id, firing.key.workflow_id,
                                         firing.tick_s * kNsPerSecond, actions);
      if (!work) {
        // Not committed: due again; look again in a second rather than at the next tick.
        spdlog::warn("cron tick {} of {}: {} (retrying)", firing.tick_s, workflow_name(firing.key),
                     work.error().message());
        std::lock_guard lock(mu);
        next_cron_due = std::min(next_cron_due.value_or(now + 1), now + 1);
        continue;
      }
      {
        std::lock_guard lock(mu);
        schedule.commit(firing);
      }
      count(TriggerKind::kCron, {}, actions, *work);
      for (auto& w : *work) out.push_back(std::move(w));
    }
    deliver(std::move(out));
  }

  // Copies the new part of a stream's counters into Metrics. Caller holds mu.
  void account(ChainRuntime& rt, const chain::LogStream& stream) {
    const int failed = stream.failed_steps();
    const int refused = stream.refused_batches();
    const int reconnects = std::max(0, stream.connections() - 1);
    // Refusals are failed steps too; they were reported as log_batch_refused already.
    const int rpc_failures = (failed - rt.reported_failed) - (refused - rt.reported_refused);
    for (int i = 0; i < rpc_failures; ++i) metrics.rpc_error(rt.key);
    for (int i = rt.reported_reconnects; i < reconnects; ++i) metrics.log_stream_reconnected(rt.key);
    rt.reported_failed = failed;
    rt.reported_refused = refused;
    rt.reported_reconnects = std::max(reconnects, rt.reported_reconnects);
  }

  void report_stream_metrics() {
    std::lock_guard lock(mu);
    for (auto& rt : chains) {
      if (rt->stream) account(*rt, *rt->stream);
    }
  }

  // --- streams (control thread, under control_mu) ---

  struct Wanted {
    bool stream = false;
    std::set<EventKey> filters;
  };

  // What each chain needs now. Caller holds mu.
  Wanted wanted(const ChainRuntime& rt) const {
    Wanted w;
    if (auto it = events.find(rt.key); it != events.end()) {
      for (const auto& [k, keys] : it->second) w.filters.insert(k);
    }
    w.stream = !w.filters.empty() || !rt.pending_starts.empty();
    if (!w.stream) {
      for (const auto& [key, wf] : workflows) {
        const auto* b = std::get_if<service::BlockIntervalTrigger>(&wf.trigger);
        if (b != nullptr && b->chain == rt.endpoints.key) {
          w.stream = true;
          break;
        }
      }
    }
    return w;
  }

  // Brings every chain's stream in line with the workflows: stops those whose filter set
  // changed (or that are no longer needed) and starts new ones from the persisted cursor.
  Status reconcile_streams() {
    struct Change {
      ChainRuntime* rt;
      Wanted want;
      std::unique_ptr<chain::LogStream> old;
    };
    std::vector<Change> changes;
    {
      std::lock_guard lock(mu);
      for (auto& rt : chains) {
        Wanted want = wanted(*rt);
        const bool same = want.stream == rt->has_stream_wanted && want.filters == rt->stream_filters &&
                          (rt->stream != nullptr || !want.stream);
        if (same) continue;
        changes.push_back({rt.get(), std::move(want), std::move(rt->stream)});
        ++rt->generation;
      }
    }
    Status result;
    for (auto& change : changes) {
      ChainRuntime& rt = *change.rt;
      if (change.old) {
        change.old->stop();  // joins: no handler of it runs afterwards
        std::lock_guard lock(mu);
        account(rt, *change.old);
        rt.failed_base += change.old->failed_steps();
        rt.connections_base += change.old->connections();
        rt.reported_failed = rt.reported_refused = rt.reported_reconnects = 0;
        change.old.reset();
      }
      {
        std::lock_guard lock(mu);
        rt.has_stream_wanted = change.want.stream;
        rt.stream_filters = change.want.filters;
      }
      if (!change.want.stream) {
        std::lock_guard lock(mu);
        rt.last_error.clear();
        continue;
      }
      // Read after the old stream stopped: its last batch is in the persisted cursor.
      auto cursor = state.cursor(rt.endpoints.key);
      if (!cursor) {
        auto e = cursor.error().with_context("chain " + rt.key + ": read the stream cursor");
        std::lock_guard lock(mu);
        rt.last_error = e.message();
        if (result) result = e;
        continue;
      }
      chain::LogStreamConfig sc;
      for (const auto& [address, topic0] : change.want.filters) {
        sc.filters.push_back(chain::LogFilter{{chain::Address(address)}, {{topic0}}});
      }
      if (sc.filters.empty()) sc.filters.push_back(no_log_filter());
      sc.confirmations = rt.endpoints.confirmations;
      sc.max_range = config.max_range;
      sc.resume_from = *cursor;
      sc.poll_interval = rt.endpoints.poll_interval;
      sc.safety_poll = config.safety_poll;
      sc.retry_initial = config.retry_initial;
      sc.retry_max = config.retry_max;
      sc.cancel = stop_src.get_token();
      std::uint64_t generation = 0;
      {
        std::lock_guard lock(mu);
        generation = rt.generation;
        if (*cursor) rt.cursor_block = (*cursor)->block_number;
      }
      auto stream = std::make_unique<chain::LogStream>(
          rpc_config(rt.endpoints, stop_src.get_token()), subscriber_config(rt.endpoints), std::move(sc),
          [this, rt_ptr = &rt, generation](const chain::LogBatch& batch) {
            return handle_batch(*rt_ptr, generation, batch);
          });
      chain::LogStream* raw = stream.get();
      {
        // Installed before start(): the handler reads rt.stream on the stream thread.
        std::lock_guard lock(mu);
        rt.stream = std::move(stream);
        rt.failed_at_batch = 0;
        rt.last_error.clear();
      }
      if (auto ok = raw->start(); !ok) {
        std::lock_guard lock(mu);
        rt.last_error = ok.error().message();
        if (result) result = ok.error().with_context("chain " + rt.key);
      }
    }
    return result;
  }

  void stop_all() {
    request_stop();
    std::lock_guard control(control_mu);
    if (timer.joinable()) timer.join();
    std::vector<std::unique_ptr<chain::LogStream>> streams;
    {
      std::lock_guard lock(mu);
      for (auto& rt : chains) {
        if (rt->stream) streams.push_back(std::move(rt->stream));
        ++rt->generation;
      }
    }
    for (auto& s : streams) s->stop();  // all were cancelled above, so each ends at once
    stopped = true;
  }
};

Triggers::Triggers(NodeState& state, Metrics& metrics, TriggerSink& sink, TriggersConfig config)
    : impl_(std::make_shared<Impl>(state, metrics, sink, std::move(config))) {
  // Set last: the callback may run at once when the token is already requested.
  impl_->on_cancel.emplace(impl_->config.cancel,
                           std::function<void()>([impl = impl_.get()] { impl->request_stop(); }));
}

Triggers::~Triggers() {
  impl_->on_cancel.reset();
  stop();
}

Status Triggers::start() {
  std::lock_guard control(impl_->control_mu);
  if (impl_->stopped || impl_->stop_src.stop_requested()) {
    return Error(NodeErrc::kStopped, "the trigger sources were stopped; create new ones over the same state");
  }
  if (!impl_->started) {
    impl_->started = true;
    impl_->timer = std::thread([impl = impl_.get()] { impl->timer_loop(); });
  }
  return impl_->reconcile_streams();
}

void Triggers::stop() { impl_->stop_all(); }

void Triggers::attach(runtime::Daemon& daemon) {
  // The stopper holds the state, not the Triggers: it may run after the Triggers is gone.
  daemon.add_stopper("triggers", [impl = impl_] { impl->stop_all(); });
}

Status Triggers::set_workflows(std::vector<TriggerWorkflow> list) {
  Impl& im = *impl_;
  std::lock_guard control(im.control_mu);
  if (im.stopped || im.stop_src.stop_requested())
    return Error(NodeErrc::kStopped, "the trigger sources were stopped");

  // 1. Check everything before changing anything.
  std::map<ScheduleKey, TriggerWorkflow> next;
  for (auto& w : list) {
    ScheduleKey key{w.service_id, w.workflow_id};
    const std::string name = workflow_name(key);
    if (auto ok = component::check_workflow_id(w.workflow_id); !ok) {
      return Error(NodeErrc::kBadTrigger, "workflow " + name + ": " + ok.error().detail());
    }
    if (const auto* chain = chain_of(w.trigger); chain != nullptr && im.find_chain(*chain) == nullptr) {
      return Error(NodeErrc::kBadTrigger, "workflow " + name + ": chain " + chain->str() +
                                              " is not configured (configured: " + im.configured_chains() +
                                              ")");
    }
    if (scheduled(w.trigger)) {
      Schedule probe;
      if (auto ok = probe.add(key, w.trigger, 0); !ok) return ok.error().with_context("workflow " + name);
    }
    if (next.count(key) != 0) return Error(NodeErrc::kBadTrigger, "workflow " + name + " is listed twice");
    next.emplace(key, std::move(w));
  }

  // 2. Which scheduled workflows are new or changed (unchanged ones keep their state).
  std::vector<ScheduleKey> fresh;
  {
    std::lock_guard lock(im.mu);
    for (const auto& [key, w] : next) {
      if (!scheduled(w.trigger)) continue;
      auto old = im.workflows.find(key);
      if (old == im.workflows.end() || !(old->second.trigger == w.trigger)) fresh.push_back(key);
    }
  }

  // 3. Their persisted progress, or a start persisted now (storage only, no lock).
  std::map<ScheduleKey, std::uint64_t> starts;  // last fired height / tick (s)
  std::set<ScheduleKey> pending;                // block intervals on a chain with no cursor yet
  for (const auto& key : fresh) {
    const auto& trigger = next.at(key).trigger;
    const std::string name = workflow_name(key);
    if (const auto* b = std::get_if<service::BlockIntervalTrigger>(&trigger)) {
      auto progress = im.state.block_progress(key.service_id, key.workflow_id);
      if (!progress) return progress.error().with_context("workflow " + name);
      if (*progress) {
        starts[key] = **progress;
        continue;
      }
      auto cursor = im.state.cursor(b->chain);
      if (!cursor) return cursor.error().with_context("workflow " + name);
      if (!*cursor) {
        pending.insert(key);
        continue;
      }
      const std::uint64_t at = (*cursor)->block_number;
      if (auto ok = im.state.record_block_interval(key.service_id, key.workflow_id, at, {}); !ok) {
        return ok.error().with_context("workflow " + name);
      }
      starts[key] = at;
    } else {
      auto progress = im.state.cron_progress(key.service_id, key.workflow_id);
      if (!progress) return progress.error().with_context("workflow " + name);
      if (*progress) {
        starts[key] = **progress / kNsPerSecond;
        continue;
      }
      const std::uint64_t now = im.config.now_s();
      if (auto ok = im.state.record_cron_tick(key.service_id, key.workflow_id, now * kNsPerSecond, {}); !ok) {
        return ok.error().with_context("workflow " + name);
      }
      starts[key] = now;
    }
  }

  // 4. Swap the set in.
  {
    std::lock_guard lock(im.mu);
    for (const auto& [key, w] : im.workflows) {
      auto it = next.find(key);
      if (it == next.end() || !scheduled(it->second.trigger)) im.schedule.remove(key);
    }
    for (auto& rt : im.chains) {
      for (auto it = rt->pending_starts.begin(); it != rt->pending_starts.end();) {
        auto n = next.find(it->first);
        const bool still = n != next.end() && n->second.trigger == service::Trigger{it->second};
        it = still ? std::next(it) : rt->pending_starts.erase(it);
      }
    }
    for (const auto& [key, at] : starts)
      (void)im.schedule.add(key, next.at(key).trigger, at);  // checked in 1
    for (const auto& key : pending) {
      im.schedule.remove(key);
      const auto& b = std::get<service::BlockIntervalTrigger>(next.at(key).trigger);
      im.find_chain(b.chain)->pending_starts[key] = b;
    }
    im.events.clear();
    for (const auto& [key, w] : next) {
      if (const auto* e = std::get_if<service::EvmContractEventTrigger>(&w.trigger)) {
        im.events[e->chain.str()][EventKey{e->address, e->event_hash}].push_back(key);
      }
    }
    im.workflows = std::move(next);
    im.next_cron_due.reset();
    im.timer_wake = true;
  }
  im.cv.notify_all();

  // 5. Streams follow (only once started; start() builds them otherwise).
  if (!im.started) return {};
  return im.reconcile_streams();
}

std::vector<ChainHealth> Triggers::health() const {
  std::lock_guard lock(impl_->mu);
  std::vector<ChainHealth> out;
  for (const auto& rt : impl_->chains) {
    ChainHealth h;
    h.chain = rt->endpoints.key;
    h.cursor_block = rt->cursor_block;
    h.last_error = rt->last_error;
    h.failed_steps = rt->failed_base;
    h.connections = rt->connections_base;
    if (rt->stream) {
      const int failed = rt->stream->failed_steps();
      h.failed_steps += failed;
      h.connections += rt->stream->connections();
      if (h.last_error.empty() && failed > rt->failed_at_batch) {
        h.last_error = std::to_string(failed - rt->failed_at_batch) +
                       " step(s) failed since the last delivered batch (RPC errors; see the log)";
      }
    }
    h.ok = h.last_error.empty();
    out.push_back(std::move(h));
  }
  return out;
}

std::uint64_t Triggers::retracted_logs() const { return impl_->retracted_total.load(); }

std::uint64_t Triggers::dropped_work() const { return impl_->dropped.load(); }

Status anchor_chain(NodeState& state, chain::RpcClient& rpc, const ChainEndpoints& chain) {
  const std::string where = "chain " + chain.key.str() + ": anchor the stream cursor";
  auto existing = state.cursor(chain.key);
  if (!existing) return existing.error().with_context(where);
  if (*existing) return {};
  auto head = rpc.block_number();
  if (!head) return head.error().with_context(where);
  // The same block a cursorless stream starts after (LogSyncer::initialise).
  const std::uint64_t at = *head >= chain.confirmations ? *head - chain.confirmations : 0;
  auto header = rpc.block_by_number(chain::BlockRef::at(at));
  if (!header) return header.error().with_context(where);
  if (!*header)
    return Error(chain::ChainErrc::kBadResponse,
                 where + ": block " + std::to_string(at) + " is below the head but not on the chain");
  auto recorded = state.record_triggers(chain.key, chain::Cursor{at, (*header)->hash}, {});
  if (!recorded) return recorded.error().with_context(where);
  return {};
}

}  // namespace wavs::node
