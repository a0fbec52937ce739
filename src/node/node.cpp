#include "node/node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "aot/aot.hpp"
#include "chain/rpc_client.hpp"
#include "common/config.hpp"
#include "component/chains.hpp"
#include "component/kv_store.hpp"
#include "component/manifest.hpp"
#include "component/outbound_http.hpp"
#include "component/store.hpp"
#include "contracts/service_manager.hpp"
#include "node/chain_config.hpp"
#include "node/dispatcher.hpp"
#include "node/error.hpp"
#include "node/fetch.hpp"
#include "node/group_commit.hpp"
#include "node/metrics.hpp"
#include "node/outbox.hpp"
#include "node/signer.hpp"
#include "node/triggers.hpp"
#include "node/uri_watch.hpp"
#include "runtime/daemon.hpp"
#include "wasm/wasm.hpp"

#ifndef WAVS_VERSION
#define WAVS_VERSION "dev"
#endif

namespace wavs::node {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How often the maintenance thread retries completions the outbox had no room for and
// refills queues that were full, in case no room() call came.
constexpr std::chrono::milliseconds kMaintenancePeriod{250};
// peek_work at start: everything left pending (the durable queue is the source of truth;
// what does not fit the dispatcher waits in the per-service overflow).
constexpr std::uint32_t kMaxReloadedWork = 10'000'000;

std::string manager_label(const service::Manager& m) { return m.chain.str() + "/" + m.address.hex(); }

struct WorkKey {
  Hash256 service_id;
  eth::EventId event_id;
  auto operator<=>(const WorkKey&) const = default;
};

// A registered service with its manifest parsed and its workflows compiled.
struct LoadedService {
  ServiceRecord record;
  service::Manifest manifest;
  std::map<std::string, std::shared_ptr<const PreparedWorkflow>, std::less<>> workflows;
  std::optional<std::string> load_error;  // the stored manifest itself does not load (components gone)
};


std::vector<Hash256> digests_of(const service::Manifest& manifest) {
  std::vector<Hash256> out;
  for (const auto& [id, wf] : manifest.workflows) {
    if (std::find(out.begin(), out.end(), wf.component.source.digest) == out.end()) {
      out.push_back(wf.component.source.digest);
    }
  }
  return out;
}

std::optional<service::ChainKey> chain_of(const service::Trigger& trigger) {
  if (const auto* e = std::get_if<service::EvmContractEventTrigger>(&trigger)) return e->chain;
  if (const auto* b = std::get_if<service::BlockIntervalTrigger>(&trigger)) return b->chain;
  return std::nullopt;
}

bool write_file_atomically(const fs::path& path, std::string_view bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

struct Node::Impl final : DispatchSink, TriggerSink {
  Settings settings;
  NodeOptions options;
  runtime::Daemon& daemon;
  fs::path data_dir;

  std::unique_ptr<NodeState> state;
  std::unique_ptr<component::ComponentStore> store;
  std::unique_ptr<component::KvStore> kv;
  component::OutboundHttp http;
  component::Chains chains;
  std::vector<ChainEndpoints> chain_endpoints;
  std::map<std::string, std::unique_ptr<chain::RpcClient>, std::less<>> rpcs;         // reads (getServiceURI)
  std::map<std::string, std::unique_ptr<chain::RpcClient>, std::less<>> health_rpcs;  // one short attempt
  wasm::Engine engine;
  component::ProgramCache programs{engine};
  // The native tier: one slot per component digest, filled by the background compiler.
  aot::Tier tier = aot::Tier::kAuto;
  aot::CompileOptions aot_options;
  std::mutex native_mu;
  std::map<Hash256, std::shared_ptr<NativeSlot>> native_slots;
  std::unique_ptr<aot::BackgroundCompiler> compiler;
  std::optional<Signer> signer;
  Fetcher fetcher;
  Metrics metrics{WAVS_VERSION};
  component::HostServices host;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<Triggers> triggers;
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<UriWatcher> uri_watcher;
  Node* self = nullptr;  // for reloads the watcher schedules

  mutable std::mutex mu;
  std::map<Hash256, LoadedService> services;
  std::map<WorkKey, PendingWork> in_flight;          // handed to the dispatcher (or waiting in overflow)
  std::map<Hash256, std::deque<WorkItem>> overflow;  // refused with kBusy, in order
  std::vector<Completion> stalled;  // results the outbox had no room for (or a failed write), retried

  // Group commit: the completions of concurrent runs go to NodeState in one transaction
  // (one fsync under synchronous=FULL instead of one each; docs/benchmarks.md, "Node").
  // A run's report returns at once; its item stays pending in the file until the batch
  // with its completion commits, so a crash in between only reruns it.
  static constexpr std::size_t kMaxCommitBatch = 256;
  std::mutex commit_mu;
  std::condition_variable commit_cv;
  std::deque<Completion> commit_queue;
  bool commit_stop = false;
  bool committing = false;  // the committer thread runs (under commit_mu)
  std::thread committer;
  std::mutex service_ops;  // add / remove / reload one at a time: each reads then writes the registry

  // Manual triggers (POST /dev/triggers) arriving together are enqueued in one
  // transaction: concurrent requests share the fsync.
  using ManualAnswer = Result<std::vector<PendingWork>>;
  GroupCommit<component::TriggerAction, ManualAnswer> manual{
      [this](std::vector<component::TriggerAction>& actions) { return enqueue_manual(actions); }};

  std::mutex maintenance_mu;
  std::condition_variable maintenance_cv;
  bool maintenance_stop = false;
  std::thread maintenance;
  bool started = false;
  std::atomic<std::uint16_t> api_port{0};

  Impl(const Settings& s, runtime::Daemon& d, NodeOptions o)
      : settings(s),
        options(std::move(o)),
        daemon(d),
        data_dir(s.shared.data),
        fetcher(FetcherConfig{.ipfs_gateway = s.ipfs_gateway, .limits = {}}) {
    tier = aot::parse_tier(s.tier).value_or(aot::Tier::kAuto);
    aot_options.cache_dir = data_dir / "aot";
    aot_options.toolchain.cc = s.aot_compiler;
    if (tier == aot::Tier::kAuto) compiler = std::make_unique<aot::BackgroundCompiler>(aot_options);
  }

  ~Impl() override {
    compiler.reset();  // drops queued compiles, waits for the running one
    stop_maintenance();
    stop_committer();
  }

  // The native code slot of a component: compiled now (tier aot), queued (auto), or none.
  // A failed compile leaves the slot empty, so the interpreter keeps serving.
  std::shared_ptr<const NativeSlot> native_slot(const Hash256& digest,
                                                const std::shared_ptr<const wasi::Program>& program) {
    if (tier == aot::Tier::kInterpreter) return nullptr;
    std::shared_ptr<NativeSlot> slot;
    {
      std::lock_guard lock(native_mu);
      auto& s = native_slots[digest];
      if (s) return s;
      s = std::make_shared<NativeSlot>();
      slot = s;
    }
    const std::string name = digest.hex(HexPrefix::kNone).substr(0, 16);
    auto done = [slot, name](Result<wasi::Program> r) {
      if (r) {
        slot->set(std::make_shared<const wasi::Program>(std::move(*r)));
        spdlog::info("aot: component {} now runs as native code", name);
      } else {
        spdlog::warn("aot: component {} stays on the interpreter: {}", name, r.error().message());
      }
    };
    if (compiler) {
      compiler->submit(program, std::move(done));
    } else {
      done(aot::native_program(*program, aot_options));
    }
    return slot;
  }

  void stop_maintenance() {
    {
      std::lock_guard lock(maintenance_mu);
      maintenance_stop = true;
    }
    maintenance_cv.notify_all();
    if (maintenance.joinable()) maintenance.join();
  }

  // --- loading ---

  Result<std::shared_ptr<const PreparedWorkflow>> prepare(const service::Manifest& manifest,
                                                          const std::string& id) {
    auto context = component::workflow_context(manifest, id);
    if (!context) return context.error().with_context("workflows." + id);
    const Hash256 digest = context->component.source.digest;
    auto program = programs.get(digest, [&] { return store->get(digest); });
    if (!program) return program.error().with_context("workflows." + id + ".component");
    auto prepared = std::make_shared<PreparedWorkflow>();
    prepared->context = std::move(*context);
    prepared->native = native_slot(digest, *program);
    prepared->program = std::move(*program);
    return std::shared_ptr<const PreparedWorkflow>(std::move(prepared));
  }

  // Every check a manifest must pass before the node commits to running it.
  Result<LoadedService> load(const ServiceRecord& record, const service::Manifest& manifest) {
    LoadedService loaded;
    loaded.record = record;
    loaded.manifest = manifest;
    for (const auto& [id, wf] : manifest.workflows) {
      if (auto chain = chain_of(wf.trigger)) {
        if (!chains_configured(*chain)) {
          return Error(NodeErrc::kBadTrigger, "workflows." + id + ".trigger: chain " + chain->str() +
                                                  " is not configured on this node");
        }
      }
      if (wf.submit.kind == service::Submit::Kind::kAggregator && destinations(wf.submit).empty()) {
        return Error(
            NodeErrc::kBadUri,
            "workflows." + id + ".submit.aggregator: names no url and the node has no aggregator_urls");
      }
      auto prepared = prepare(manifest, id);
      if (!prepared) return prepared.error();
      loaded.workflows.emplace(id, std::move(*prepared));
    }
    return loaded;
  }

  // Where a workflow's packets go: the 1.x manifest's aggregator, or for the 2.0 shape
  // (an aggregator component, no URL) the aggregators this node is configured with.
  std::vector<std::string> destinations(const service::Submit& submit) const {
    if (submit.kind == service::Submit::Kind::kNone) return {};
    if (!submit.url.empty()) return {submit.url};
    return settings.aggregator_urls;
  }

  bool chains_configured(const service::ChainKey& key) const {
    return std::any_of(chain_endpoints.begin(), chain_endpoints.end(),
                       [&](const ChainEndpoints& c) { return c.key == key; });
  }

  chain::RpcClient* rpc_for(const service::ChainKey& key) const {
    auto it = rpcs.find(key.str());
    return it == rpcs.end() ? nullptr : it->second.get();
  }

  // The workflows the trigger sources should fire: every workflow of every active,
  // loadable service. Caller holds mu.
  std::vector<TriggerWorkflow> active_workflows_locked() const {
    std::vector<TriggerWorkflow> out;
    for (const auto& [id, s] : services) {
      if (s.record.status != ServiceStatus::kActive || s.load_error) continue;
      for (const auto& [wid, wf] : s.manifest.workflows) {
        if (std::holds_alternative<service::ManualTrigger>(wf.trigger)) continue;
        out.push_back({id, wid, wf.trigger});
      }
    }
    return out;
  }

  // `watch_from`: UriWatcher::set_managers' fresh_from.
  Status refresh_triggers(const std::map<std::string, std::uint64_t>& watch_from = {}) {
    std::vector<TriggerWorkflow> workflows;
    {
      std::lock_guard lock(mu);
      workflows = active_workflows_locked();
    }
    std::vector<service::Manager> managers;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, s] : services) managers.push_back(s.record.manager);
    }
    metrics.set_registered_services(managers.size());
    uri_watcher->set_managers(managers, watch_from);
    return triggers->set_workflows(std::move(workflows));
  }

  // A reload on a worker, as the watcher asks (its thread must not block) and as start
  // does for every service, to find URI changes made while the node was down.
  void schedule_reload(const service::Manager& manager) {
    auto st = daemon.workers().try_submit([this, manager](std::stop_token token) {
      auto r = self->reload_service(manager, token);
      if (!r && !r.error().is(StateErrc::kNotFound)) {
        spdlog::warn("node: reload of {} failed: {}", manager_label(manager), r.error().message());
      }
    });
    if (!st)
      spdlog::warn("node: cannot schedule the reload of {}: {}", manager_label(manager),
                   st.error().message());
  }

  std::size_t services_count() const {
    std::lock_guard lock(mu);
    return services.size();
  }

  ServiceView view_of(const LoadedService& s) const {
    ServiceView v;
    v.record = s.record;
    v.name = s.manifest.name;
    if (auto a = signer->address(s.record.hd_index)) v.signing_address = *a;
    v.component_digests = digests_of(s.manifest);
    return v;
  }

  // --- work ---

  // Hands durable work to the dispatcher. Work of a service that is gone, or of a
  // workflow its current manifest no longer has, is completed as skipped.
  void submit(std::vector<PendingWork> work) {
    for (auto& item : work) {
      std::shared_ptr<const PreparedWorkflow> workflow;
      std::string skip;
      {
        std::lock_guard lock(mu);
        auto s = services.find(item.action.service_id);
        if (s == services.end()) {
          skip = "service is not registered";
        } else if (s->second.load_error) {
          skip = "service does not load: " + *s->second.load_error;
        } else if (auto w = s->second.workflows.find(item.action.workflow_id);
                   w == s->second.workflows.end()) {
          skip = "workflow " + item.action.workflow_id + " is not in the service's manifest";
        } else {
          workflow = w->second;
          auto [it, inserted] = in_flight.emplace(WorkKey{item.action.service_id, item.event_id}, item);
          if (!inserted) {
            // The same event queued again while its first item still runs: its block was
            // reorged out (retracting that item) and came back. The run in progress
            // completes the new item (same event, same input, same result).
            if (it->second.id != item.id) it->second = item;
            continue;
          }
        }
      }
      if (!workflow) {
        finish_without_run(item, RunStatus::kSkipped, skip);
        continue;
      }
      WorkItem w{item.event_id, item.action, std::move(workflow), 0};
      offer(std::move(w));
    }
  }

  void offer(WorkItem item) {
    const Hash256 sid = item.action.service_id;
    {
      // Keep the order: nothing jumps ahead of items already waiting in the overflow.
      std::lock_guard lock(mu);
      auto it = overflow.find(sid);
      if (it != overflow.end() && !it->second.empty()) {
        it->second.push_back(std::move(item));
        return;
      }
    }
    auto st = dispatcher->enqueue(item);
    if (st) return;
    if (st.error().is(NodeErrc::kBusy)) {
      std::lock_guard lock(mu);
      overflow[sid].push_back(std::move(item));
      return;
    }
    // kUnknownService (removed meanwhile) or kStopped (shutting down: it stays durable).
    if (!st.error().is(NodeErrc::kStopped)) {
      PendingWork pending;
      {
        std::lock_guard lock(mu);
        auto node = in_flight.extract(WorkKey{sid, item.event_id});
        if (node.empty()) return;
        pending = std::move(node.mapped());
      }
      finish_without_run(pending, RunStatus::kSkipped, st.error().message());
    }
  }

  void refill(const Hash256& service_id) {
    for (;;) {
      WorkItem item;
      {
        std::lock_guard lock(mu);
        auto it = overflow.find(service_id);
        if (it == overflow.end() || it->second.empty()) return;
        item = std::move(it->second.front());
        it->second.pop_front();
      }
      auto st = dispatcher->enqueue(item);
      if (!st) {
        std::lock_guard lock(mu);
        if (st.error().is(NodeErrc::kBusy) || st.error().is(NodeErrc::kStopped)) {
          overflow[service_id].push_front(std::move(item));
          return;
        }
        in_flight.erase(WorkKey{service_id, item.event_id});  // the service went away
        return;
      }
    }
  }

  // One enqueue for several callers' actions; each gets the items of its own action (none
  // when it was seen before, also the second of two equal actions).
  std::vector<ManualAnswer> enqueue_manual(const std::vector<component::TriggerAction>& actions) {
    auto work = state->enqueue(actions);
    if (!work) return std::vector<ManualAnswer>(actions.size(), ManualAnswer(work.error()));
    std::vector<ManualAnswer> answers;
    answers.reserve(actions.size());
    std::size_t next = 0;  // the items come in the order of their actions
    for (const auto& action : actions) {
      std::vector<PendingWork> mine;
      if (next < work->size()) {
        PendingWork& item = (*work)[next];
        auto id = component::event_id(action.service_id, action.workflow_id, action.data);
        if (id && *id == item.event_id && item.action.service_id == action.service_id) {
          mine.push_back(std::move(item));
          ++next;
        }
      }
      answers.emplace_back(std::move(mine));
    }
    return answers;
  }

  void finish_without_run(const PendingWork& item, RunStatus status, const std::string& why) {
    RunResult r;
    r.status = status;
    r.error = why;
    if (auto st = state->complete(item, r); !st && !st.error().is(StateErrc::kNotPending)) {
      spdlog::warn("node: recording a skipped work item failed: {}", st.error().message());
    }
  }

  // DispatchSink.
  void finished(RunReport report) override {
    const WorkKey key{report.service_id, report.event_id};
    if (report.disposition == Disposition::kRetry) {
      if (report.outcome) {
        metrics.run_finished(report.service_id.hex(HexPrefix::kNone), report.workflow_id, *report.outcome,
                             report.fuel_consumed, report.duration);
      } else {
        metrics.run_failed(report.service_id.hex(HexPrefix::kNone), report.workflow_id);
      }
      return;  // the dispatcher runs it again
    }
    PendingWork item;
    std::optional<service::Manager> manager;
    std::uint32_t hd_index = 0;
    service::Submit submit;
    {
      std::lock_guard lock(mu);
      auto node = in_flight.extract(key);
      if (node.empty()) return;
      item = std::move(node.mapped());
      if (auto s = services.find(report.service_id); s != services.end()) {
        manager = s->second.record.manager;
        hd_index = s->second.record.hd_index;
        if (auto w = s->second.manifest.workflows.find(report.workflow_id);
            w != s->second.manifest.workflows.end()) {
          submit = w->second.submit;
        }
      }
    }
    if (report.disposition == Disposition::kPending) return;  // stays durable; runs at the next start

    const std::string service_label = report.service_id.hex(HexPrefix::kNone);
    if (report.outcome) {
      metrics.run_finished(service_label, report.workflow_id, *report.outcome, report.fuel_consumed,
                           report.duration);
    } else if (report.disposition != Disposition::kDropped) {
      metrics.run_failed(service_label, report.workflow_id);
    }

    RunResult result;
    result.fuel = report.fuel_consumed;
    result.duration = report.duration;
    if (report.outcome) result.tier = report.native ? "aot" : "interp";
    std::vector<OutboxPacket> packets;
    switch (report.disposition) {
      case Disposition::kSucceeded:
        result.status = RunStatus::kSucceeded;
        if (!manager) {
          result.status = RunStatus::kSkipped;
          result.error = "service removed while it ran";
          break;
        }
        if (auto signed_packets = sign(report, *manager, hd_index, submit, item); signed_packets) {
          packets = std::move(*signed_packets);
        } else {
          result.status = RunStatus::kFailed;
          result.error = signed_packets.error().message();
        }
        break;
      case Disposition::kFailed:
        result.status = RunStatus::kFailed;
        result.error = report.error;
        break;
      default:  // kDropped
        result.status = RunStatus::kSkipped;
        result.error = report.error.empty() ? "service removed" : report.error;
        break;
    }
    complete(std::move(item), std::move(result), std::move(packets));
  }

  Result<std::vector<OutboxPacket>> sign(const RunReport& report, const service::Manager& manager,
                                         std::uint32_t hd_index, const service::Submit& submit,
                                         const PendingWork& item) {
    std::vector<OutboxPacket> packets;
    if (submit.kind == service::Submit::Kind::kNone) return packets;
    const PacketOrigin origin = origin_of(item.action.data);
    for (const auto& response : report.responses) {
      SignRequest request;
      request.service_manager = manager;
      request.workflow_id = report.workflow_id;
      request.hd_index = hd_index;
      request.event_id = response.event_id;
      request.ordering =
          response.ordering ? eth::Envelope::ordering_from_u64(*response.ordering) : eth::Ordering{};
      request.payload = response.payload;
      request.origin = origin;
      auto packet = signer->sign(request);
      if (!packet) return packet.error();
      const std::string body = to_json(*packet);
      for (const auto& destination : destinations(submit)) {
        OutboxPacket out;
        out.destination = destination;
        out.service_id = report.service_id;
        out.workflow_id = report.workflow_id;
        out.event_id = response.event_id;
        out.body.assign(body.begin(), body.end());
        packets.push_back(std::move(out));
      }
    }
    return packets;
  }

  void complete(PendingWork item, RunResult result, std::vector<OutboxPacket> packets) {
    {
      std::lock_guard lock(commit_mu);
      if (committing && !commit_stop) {
        commit_queue.push_back({std::move(item), std::move(result), std::move(packets)});
        commit_cv.notify_one();
        return;
      }
    }
    std::vector<Completion> one;
    one.push_back({std::move(item), std::move(result), std::move(packets)});
    commit(std::move(one));
  }

  void commit(std::vector<Completion> batch) {
    auto statuses = state->complete_many(batch);
    if (!statuses) {
      spdlog::error("node: recording {} result(s) failed (they are retried): {}", batch.size(),
                    statuses.error().message());
      std::lock_guard lock(mu);
      for (auto& c : batch) stalled.push_back(std::move(c));
      return;
    }
    bool delivered_packets = false;
    std::vector<Completion> held;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Status& st = (*statuses)[i];
      if (st) {
        delivered_packets = delivered_packets || !batch[i].packets.empty();
        continue;
      }
      if (st.error().is(StateErrc::kNotPending)) continue;  // completed before, or retracted by a reorg
      if (st.error().is(StateErrc::kOutboxFull)) {
        spdlog::warn("node: outbox full; holding the result of {} until deliveries make room",
                     batch[i].item.event_id.hex());
      } else {
        spdlog::error("node: recording a result failed (it is retried): {}", st.error().message());
      }
      held.push_back(std::move(batch[i]));
    }
    if (delivered_packets) outbox->notify();
    if (!held.empty()) {
      std::lock_guard lock(mu);
      for (auto& c : held) stalled.push_back(std::move(c));
    }
  }

  void run_committer() {
    std::unique_lock lock(commit_mu);
    for (;;) {
      commit_cv.wait(lock, [&] { return commit_stop || !commit_queue.empty(); });
      if (commit_queue.empty()) return;  // stopping, and everything queued is committed
      std::vector<Completion> batch;
      while (!commit_queue.empty() && batch.size() < kMaxCommitBatch) {
        batch.push_back(std::move(commit_queue.front()));
        commit_queue.pop_front();
      }
      lock.unlock();
      commit(std::move(batch));
      lock.lock();
    }
  }

  // Commits what is queued, then ends the thread; later completions commit inline.
  void stop_committer() {
    {
      std::lock_guard lock(commit_mu);
      commit_stop = true;
    }
    commit_cv.notify_all();
    if (committer.joinable() && committer.get_id() != std::this_thread::get_id()) committer.join();
  }

  void room(const Hash256& service_id) override { refill(service_id); }

  // TriggerSink.
  void enqueued(std::vector<PendingWork> work) override { submit(std::move(work)); }

  void maintain() {
    std::unique_lock lock(maintenance_mu);
    while (!maintenance_stop) {
      maintenance_cv.wait_for(lock, kMaintenancePeriod, [&] { return maintenance_stop; });
      if (maintenance_stop) break;
      lock.unlock();
      std::vector<Completion> retry;
      std::vector<Hash256> waiting;
      {
        std::lock_guard g(mu);
        retry.swap(stalled);
        for (const auto& [sid, q] : overflow) {
          if (!q.empty()) waiting.push_back(sid);
        }
      }
      for (auto& c : retry) complete(std::move(c.item), std::move(c.result), std::move(c.packets));
      for (const auto& sid : waiting) refill(sid);
      report_queues();
      lock.lock();
    }
  }

  // Gauges the maintenance tick refreshes: each service's waiting work (dispatcher queue,
  // retries and the overflow beyond its capacity) and the run slots in use.
  void report_queues() {
    std::vector<std::pair<Hash256, std::size_t>> overflowing;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, s] : services) {
        auto it = overflow.find(id);
        overflowing.emplace_back(id, it == overflow.end() ? 0 : it->second.size());
      }
    }
    for (const auto& [id, extra] : overflowing) {
      auto st = dispatcher->stats(id);
      const std::size_t depth = extra + (st ? st->queued + st->delayed : 0);
      metrics.set_queue_depth(id.hex(HexPrefix::kNone), depth);
    }
    metrics.set_worker_usage(dispatcher->running(), daemon.workers().config().threads);
  }

  // --- services ---

  Result<LoadedService> fetch_and_load(const service::Manager& manager, const ServiceRecord& base,
                                       const std::stop_token& cancel, FetchedManifest* fetched_out) {
    chain::RpcClient* rpc = rpc_for(manager.chain);
    if (!rpc) {
      return Error(NodeErrc::kBadUri, "service_manager.evm.chain: chain " + manager.chain.str() +
                                          " is not configured on this node");
    }
    contracts::ServiceManager contract(*rpc, crypto::Address(manager.address));
    auto uri = contract.get_service_uri();
    if (!uri) return uri.error();
    if (uri->empty()) {
      return Error(NodeErrc::kBadUri,
                   "the service manager " + manager_label(manager) + " has no service URI set");
    }
    auto fetched = fetcher.fetch_manifest(*uri, manager, cancel);
    if (!fetched) return fetched.error();
    auto digests = fetcher.fetch_components(fetched->manifest, *store, cancel);
    if (!digests) return digests.error();
    ServiceRecord record = base;
    record.manager = manager;
    record.manifest_json = service::to_json(fetched->manifest);
    record.manifest_hash = fetched->hash;
    auto loaded = load(record, fetched->manifest);
    if (!loaded) return loaded.error();
    if (fetched_out) *fetched_out = std::move(*fetched);
    return loaded;
  }

  // Before a manifest's workflows go to the trigger sources: every chain they need that
  // was never streamed gets its confirmed head as cursor (anchor_chain), so they start at
  // this registration or swap, not at whenever that chain's new stream first reads the
  // head (an event mined in between would be missed). Best effort: with the chain
  // unreachable the stream's first batch is the start, as the trigger sources do anyway.
  void anchor_chains(const service::Manifest& manifest) {
    std::set<std::string> done;
    for (const auto& [id, wf] : manifest.workflows) {
      auto chain = chain_of(wf.trigger);
      if (!chain || !done.insert(chain->str()).second) continue;
      auto endpoints = std::find_if(chain_endpoints.begin(), chain_endpoints.end(),
                                    [&](const ChainEndpoints& c) { return c.key == *chain; });
      chain::RpcClient* rpc = rpc_for(*chain);
      if (endpoints == chain_endpoints.end() || rpc == nullptr) continue;  // load() refused it already
      if (auto st = anchor_chain(*state, *rpc, *endpoints); !st) {
        spdlog::warn("node: {}; its workflows start at the stream's first batch", st.error().message());
      }
    }
  }

  Status install(LoadedService loaded) {
    const Hash256 id = loaded.record.id;
    const bool paused = loaded.record.status == ServiceStatus::kPaused;
    {
      std::lock_guard lock(mu);
      services[id] = std::move(loaded);
    }
    ServiceOptions so;
    so.queue_capacity = options.queue_capacity;
    so.paused = paused;
    if (auto st = dispatcher->add_service(id, so); !st && !st.error().is(NodeErrc::kServiceExists)) return st;
    return Status{};
  }
};

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::open(const Settings& settings, runtime::Daemon& daemon,
                                         NodeOptions options) {
  auto impl = std::make_unique<Impl>(settings, daemon, std::move(options));
  Impl& n = *impl;
  if (settings.shared.data.empty())
    return Error(ConfigErrc::kBadValue, "key 'data': no data directory configured");
  std::error_code ec;
  fs::create_directories(n.data_dir / "dev-services", ec);
  if (!ec) fs::create_directories(n.data_dir / "files", ec);
  if (ec)
    return Error(CommonErrc::kIo,
                 "cannot create the data directory " + n.data_dir.string() + ": " + ec.message());

  auto signer = Signer::from_mnemonic(settings.signing_mnemonic);
  if (!signer) return signer.error().with_context("key 'signing_mnemonic'");
  n.signer.emplace(std::move(*signer));

  auto endpoints = parse_chain_endpoints(settings.shared.chains_json);
  if (!endpoints) return endpoints.error();
  n.chain_endpoints = std::move(*endpoints);
  auto chains = component::Chains::from_config_json(settings.shared.chains_json);
  if (!chains) return chains.error();
  n.chains = std::move(*chains);
  for (const auto& c : n.chain_endpoints) {
    chain::RpcConfig rc = rpc_config(c, daemon.stop_token());
    n.rpcs.emplace(c.key.str(), std::make_unique<chain::RpcClient>(rc));
    chain::RpcConfig hc = rc;
    hc.max_attempts = 1;
    hc.request_timeout = std::chrono::milliseconds(3'000);
    hc.call_deadline = std::chrono::milliseconds(3'000);
    n.health_rpcs.emplace(c.key.str(), std::make_unique<chain::RpcClient>(hc));
  }

  StateOptions so = n.options.state;
  auto state = NodeState::open(n.data_dir / "node.sqlite", so);
  if (!state) return state.error();
  n.state = std::move(*state);
  auto store = component::ComponentStore::open(n.data_dir / "components");
  if (!store) return store.error();
  n.store = std::move(*store);
  auto kv = component::KvStore::open(n.data_dir / "kv.sqlite");
  if (!kv) return kv.error();
  n.kv = std::move(*kv);

  n.host.kv = n.kv.get();
  n.host.http = &n.http;
  n.host.chains = &n.chains;
  n.host.data_root = n.data_dir / "files";
  n.host.caps = run_caps(settings);
  n.host.log_to_host = true;
  // Only the variables a component may ask for (env_keys start with WAVS_ENV_): the
  // node's own WAVS_* settings, the mnemonic among them, never reach a run.
  for (const auto& [k, v] : process_environment()) {
    if (k.rfind("WAVS_ENV_", 0) == 0) n.host.host_env.emplace_back(k, v);
  }

  DispatcherConfig dc;
  dc.retry_base = n.options.retry_base;
  n.dispatcher = std::make_unique<Dispatcher>(daemon.workers(), n.host, n, dc);

  TriggersConfig tc;
  tc.chains = n.chain_endpoints;
  tc.cancel = daemon.stop_token();
  n.triggers = std::make_unique<Triggers>(*n.state, n.metrics, n, std::move(tc));

  OutboxConfig oc;
  oc.retry_base = n.options.outbox_retry_base;
  oc.cancel = daemon.stop_token();
  n.outbox = std::make_unique<Outbox>(*n.state, n.metrics, oc);
  n.uri_watcher = std::make_unique<UriWatcher>(
      n.chain_endpoints, [&n](const service::Manager& m) { n.schedule_reload(m); }, daemon.stop_token());

  auto node = std::unique_ptr<Node>(new Node(std::move(impl)));
  node->impl_->self = node.get();
  return node;
}

Status Node::start(std::uint16_t api_port) {
  Impl& n = *impl_;
  if (n.started) return Status{};
  n.started = true;
  n.api_port = api_port;

  std::vector<std::string> origins = {"http://127.0.0.1:" + std::to_string(api_port),
                                      "http://localhost:" + std::to_string(api_port)};
  if (!n.settings.api.host.empty())
    origins.push_back("http://" + n.settings.api.host + ":" + std::to_string(api_port));
  for (const auto& o : n.options.extra_dev_origins) origins.push_back(o);
  n.fetcher.set_dev_source(
      [this](const Hash256& hash) -> std::optional<std::string> {
        auto m = dev_manifest(hash);
        if (!m) return std::nullopt;
        return std::move(*m);
      },
      std::move(origins));

  auto records = n.state->list_services();
  if (!records) return records.error();
  for (const auto& record : *records) {
    LoadedService loaded;
    auto manifest = service::parse_manifest(record.manifest_json);
    if (manifest) {
      if (auto l = n.load(record, *manifest); l) {
        loaded = std::move(*l);
      } else {
        loaded.record = record;
        loaded.manifest = *manifest;
        loaded.load_error = l.error().message();
      }
    } else {
      loaded.record = record;
      loaded.load_error = manifest.error().message();
    }
    if (loaded.load_error) {
      spdlog::error("node: service {} does not load: {}", record.id.hex(HexPrefix::kNone),
                    *loaded.load_error);
    }
    if (auto st = n.install(std::move(loaded)); !st) return st;
  }

  // The committer stops after the dispatcher (stoppers run newest first), so the reports
  // of runs ending in the dispatcher's stop are still committed.
  {
    std::lock_guard lock(n.commit_mu);
    n.committing = true;
  }
  n.committer = std::thread([&n] { n.run_committer(); });
  n.daemon.add_stopper("node results", [&n] { n.stop_committer(); });
  n.dispatcher->start();
  n.dispatcher->attach(n.daemon);

  auto pending = n.state->peek_work(kMaxReloadedWork);
  if (!pending) return pending.error();
  if (!pending->empty()) spdlog::info("node: resuming {} work item(s) left pending", pending->size());
  n.submit(std::move(*pending));

  if (auto st = n.refresh_triggers(); !st) return st;
  if (auto st = n.triggers->start(); !st) return st;
  n.triggers->attach(n.daemon);
  if (auto st = n.outbox->start(); !st) return st;
  n.outbox->attach(n.daemon);

  n.daemon.add_stopper("service uri watcher", [&n] { n.uri_watcher->stop(); });
  for (const auto& record : *records) n.schedule_reload(record.manager);

  n.maintenance = std::thread([&n] { n.maintain(); });
  n.daemon.add_stopper("node maintenance", [&n] { n.stop_maintenance(); });
  spdlog::info("node: {} service(s), operator {}", records->size(),
               n.signer->operator_address().to_checksum());
  return Status{};
}

Result<ServiceView> Node::add_service(const service::Manager& manager, const std::stop_token& cancel) {
  Impl& n = *impl_;
  std::lock_guard ops(n.service_ops);
  const Hash256 id = service::service_id(manager);
  {
    auto existing = n.state->get_service(id);
    if (!existing) return existing.error();
    if (*existing)
      return Error(StateErrc::kAlreadyExists, "service " + manager_label(manager) + " is already registered");
  }
  // URI updates after the block the URI is read at below must reach the watcher, even
  // when this manager's chain gets its first watcher stream (which starts later).
  std::map<std::string, std::uint64_t> watch_from;
  if (chain::RpcClient* rpc = n.rpc_for(manager.chain)) {
    if (auto head = rpc->block_number()) watch_from[manager.chain.str()] = *head + 1;
  }
  ServiceRecord base;
  base.id = id;
  FetchedManifest fetched;
  auto loaded = n.fetch_and_load(manager, base, cancel, &fetched);
  if (!loaded) return loaded.error();
  NewService ns;
  ns.manager = manager;
  ns.manifest_json = loaded->record.manifest_json;
  ns.manifest_hash = fetched.hash;
  ns.status = fetched.manifest.active ? ServiceStatus::kActive : ServiceStatus::kPaused;
  n.anchor_chains(fetched.manifest);
  auto record = n.state->add_service(ns);
  if (!record) return record.error();
  loaded->record = *record;
  ServiceView view = n.view_of(*loaded);
  if (auto st = n.install(std::move(*loaded)); !st) return st.error();
  if (auto st = n.refresh_triggers(watch_from); !st) {
    spdlog::error("node: registering the triggers of {} failed: {}", manager_label(manager),
                  st.error().message());
    return st.error();
  }
  spdlog::info("node: registered service {} ({}), signing key index {}", manager_label(manager), view.name,
               view.record.hd_index);
  return view;
}

Result<ServiceView> Node::remove_service(const service::Manager& manager) {
  Impl& n = *impl_;
  std::lock_guard ops(n.service_ops);
  const Hash256 id = service::service_id(manager);
  auto removed = n.state->remove_service(id);
  if (!removed) return removed.error();
  ServiceView view;
  {
    std::lock_guard lock(n.mu);
    auto it = n.services.find(id);
    if (it != n.services.end()) {
      view = n.view_of(it->second);
      n.services.erase(it);
    } else {
      view.record = *removed;
    }
    n.overflow.erase(id);
  }
  (void)n.dispatcher->remove_service(id);
  n.metrics.forget_service(id.hex(HexPrefix::kNone));
  if (auto st = n.refresh_triggers(); !st) return st.error();
  spdlog::info("node: removed service {}", manager_label(manager));
  return view;
}

Result<std::vector<ServiceView>> Node::services() const {
  std::lock_guard lock(impl_->mu);
  std::vector<ServiceView> out;
  for (const auto& [id, s] : impl_->services) out.push_back(impl_->view_of(s));
  return out;
}

Result<ServiceView> Node::service(const service::Manager& manager) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->services.find(service::service_id(manager));
  if (it == impl_->services.end()) {
    return Error(StateErrc::kNotFound, "no service " + manager_label(manager) + " on this node");
  }
  return impl_->view_of(it->second);
}

Result<std::vector<ResultRecord>> Node::results(const service::Manager& manager) const {
  if (auto s = service(manager); !s) return s.error();
  return impl_->state->results(service::service_id(manager));
}

Result<ServiceView> Node::reload_service(const service::Manager& manager, const std::stop_token& cancel) {
  Impl& n = *impl_;
  std::lock_guard ops(n.service_ops);
  const Hash256 id = service::service_id(manager);
  ServiceRecord current;
  {
    std::lock_guard lock(n.mu);
    auto it = n.services.find(id);
    if (it == n.services.end())
      return Error(StateErrc::kNotFound, "no service " + manager_label(manager) + " on this node");
    current = it->second.record;
  }
  FetchedManifest fetched;
  auto loaded = n.fetch_and_load(manager, current, cancel, &fetched);
  if (!loaded) {
    const std::string why = loaded.error().message();
    if (auto r = n.state->set_load_error(id, why); r) {
      std::lock_guard lock(n.mu);
      if (auto it = n.services.find(id); it != n.services.end()) it->second.record = *r;
    }
    spdlog::warn("node: the new manifest of {} does not load; the old one keeps running: {}",
                 manager_label(manager), why);
    return loaded.error();
  }
  if (fetched.hash == current.manifest_hash && !current.last_load_error) {
    std::lock_guard lock(n.mu);
    return n.view_of(n.services.at(id));
  }
  n.anchor_chains(fetched.manifest);
  auto record = n.state->replace_manifest(id, loaded->record.manifest_json, fetched.hash);
  if (!record) return record.error();
  const auto status = fetched.manifest.active ? ServiceStatus::kActive : ServiceStatus::kPaused;
  if (record->status != status) {
    if (auto r = n.state->set_status(id, status); r) record = r;
  }
  loaded->record = *record;
  ServiceView view = n.view_of(*loaded);
  {
    std::lock_guard lock(n.mu);
    n.services[id] = std::move(*loaded);
  }
  (void)(status == ServiceStatus::kPaused ? n.dispatcher->pause(id) : n.dispatcher->resume(id));
  if (auto st = n.refresh_triggers(); !st) return st.error();
  spdlog::info("node: service {} updated to manifest {}", manager_label(manager), fetched.hash.hex());
  return view;
}

const crypto::Address& Node::operator_address() const { return impl_->signer->operator_address(); }

Result<std::pair<std::uint32_t, crypto::Address>> Node::signer_of(const service::Manager& manager) const {
  auto s = service(manager);
  if (!s) return s.error();
  return std::make_pair(s->record.hd_index, s->signing_address);
}

Result<Hash256> Node::put_dev_manifest(std::string_view json) {
  auto parsed = service::parse_manifest(json);
  if (!parsed) return parsed.error();
  const Hash256 hash = service::manifest_hash(json);
  const fs::path file = impl_->data_dir / "dev-services" / (hash.hex(HexPrefix::kNone) + ".json");
  if (!write_file_atomically(file, json)) return Error(CommonErrc::kIo, "cannot store the manifest");
  return hash;
}

Result<std::string> Node::dev_manifest(const Hash256& hash) const {
  const fs::path file = impl_->data_dir / "dev-services" / (hash.hex(HexPrefix::kNone) + ".json");
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(NodeErrc::kNotFound, "no dev manifest " + hash.hex(HexPrefix::kNone));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<Hash256> Node::put_component(ByteView wasm) {
  auto loaded = component::load(impl_->engine, wasm);
  if (!loaded) return loaded.error();
  return impl_->store->put(wasm);
}

Result<std::vector<PendingWork>> Node::fire(const service::Manager& manager, std::string_view workflow_id,
                                            component::TriggerData data) {
  Impl& n = *impl_;
  component::TriggerAction action;
  {
    std::lock_guard lock(n.mu);
    auto it = n.services.find(service::service_id(manager));
    if (it == n.services.end())
      return Error(StateErrc::kNotFound, "no service " + manager_label(manager) + " on this node");
    if (it->second.record.status != ServiceStatus::kActive) {
      return Error(StateErrc::kInvalid, "service " + manager_label(manager) + " is paused");
    }
    auto w = it->second.workflows.find(workflow_id);
    if (w == it->second.workflows.end()) {
      return Error(StateErrc::kNotFound,
                   "service " + manager_label(manager) + " has no workflow " + std::string(workflow_id));
    }
    action = w->second->context.action(std::move(data));
  }
  auto work = n.manual.run(std::move(action));
  if (!work) return work.error();
  n.metrics.trigger_received(TriggerKind::kManual);
  n.submit(*work);
  return work;
}

std::vector<ChainStatus> Node::health(std::chrono::milliseconds timeout) const {
  std::vector<ChainStatus> out;
  std::map<std::string, ChainHealth> streams;
  for (auto& h : impl_->triggers->health()) streams.emplace(h.chain.str(), h);
  for (const auto& [key, rpc] : impl_->health_rpcs) {
    ChainStatus s;
    s.chain = key;
    auto head = rpc->request("eth_blockNumber", chain::Json::array(), Clock::now() + timeout);
    if (head) {
      auto n = chain::parse_quantity(*head);
      if (n) {
        s.ok = true;
        s.head = *n;
      } else {
        s.error = n.error().message();
      }
    } else {
      s.error = head.error().message();
      impl_->metrics.rpc_error(key);
    }
    if (auto it = streams.find(key); it != streams.end()) {
      s.cursor_block = it->second.cursor_block;
      if (!it->second.ok && s.ok) {
        s.ok = false;
        s.error = "event stream: " + it->second.last_error;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

const Settings& Node::settings() const { return impl_->settings; }
std::uint16_t Node::api_port() const { return impl_->api_port.load(); }
Metrics& Node::metrics() { return impl_->metrics; }

Node::Counts Node::counts() const {
  Counts c;
  {
    std::lock_guard lock(impl_->mu);
    c.services = impl_->services.size();
    c.pending_work = impl_->in_flight.size();
  }
  if (auto d = impl_->state->outbox_destinations(); d) {
    for (const auto& dest : *d) c.outbox += dest.depth;
  }
  return c;
}

}  // namespace wavs::node
