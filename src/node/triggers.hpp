#pragma once
// Triggers: the node's trigger sources. They turn contract events, block heights and cron
// ticks into durable work items (NodeState) and hand what was just made durable to a
// TriggerSink (the node's bridge to the Dispatcher).
//
//   node::Triggers triggers(state, metrics, sink, {.chains = *parse_chain_endpoints(json),
//                                                 .cancel = daemon.stop_token()});
//   triggers.attach(daemon);                           // stopped in the daemon's shutdown
//   auto st = triggers.set_workflows(active_workflows); // kBadTrigger: nothing changed
//   st = triggers.start();
//   ...                                                // a service added, paused, removed:
//   st = triggers.set_workflows(active_workflows);     // the complete set again
//
// Sources (docs/node.md, "Trigger sources"):
// - Events: one chain::LogStream per configured chain that has event or block-interval
//   workflows, filtering on the union of the chain's (address, topic0) pairs. For each
//   batch, every log gives one TriggerAction per workflow whose pair it matches, and
//   NodeState::record_triggers writes them with the batch's cursor in ONE transaction;
//   only then is the batch acknowledged. A failed write refuses the batch, which the
//   stream delivers again (re-read from the chain) after its back-off. A restart resumes
//   from the persisted cursor: nothing missed, and what was recorded twice is dropped by
//   the persisted EventId dedupe.
// - Block intervals ride on the same stream: a batch's cursor is a confirmed height, so
//   after recording the events the handler fires Schedule::due_blocks up to it (one
//   record_block_interval transaction per firing, the height with its work item). Each
//   workflow's last fired height is its own persisted progress, independent of the
//   chain cursor, so a crash between the two writes skips nothing: the next batch fires
//   (last fired, cursor]. A chain with block-interval workflows but no event workflow
//   still gets a stream, filtering on the zero address: no log can come from it (no code
//   runs at 0x0), so each step is one empty eth_getLogs, and the stream's confirmations,
//   reorg checks, WebSocket heads and back-off come for free. (A bare head poller would
//   have to re-implement all of those; the cost of the empty query is a few bytes per block.)
// - Cron: one timer thread waking at Schedule::next_cron_tick (at least every second, so
//   a clock step or an injected test clock is noticed), on stop and on set_workflows;
//   due_cron(now) → record_cron_tick (tick and work item in one transaction) → sink.
//   The same thread copies stream counters into Metrics (rpc_error, log_stream_reconnected).
//
// Starts: a block or cron workflow without persisted progress starts at the chain's
// persisted stream cursor (the confirmed head the node has reached; with the stream
// caught up that is the current confirmed head) or at now_s(), and that start is
// persisted at once (record_block_interval / record_cron_tick with no work), so a restart
// neither skips nor repeats. Why the cursor rather than an eth_blockNumber call in
// set_workflows: it needs no RPC (set_workflows never blocks on a chain and works while
// one is down), and it is the same point the chain's event workflows start from. A chain
// without any persisted cursor (never streamed) starts such workflows at its first
// delivered batch. An event workflow starts at the chain's persisted cursor likewise.
// That first batch comes whenever the stream's thread first reads the head, so the node
// anchors a never-streamed chain when it registers a service on it (anchor_chain, which
// is blocking): the registration, not the stream's start, is then where nothing before
// fires and nothing after is missed.
//
// Changes: set_workflows takes the complete set of workflows that may fire now (paused
// and removed services are simply absent). A stream whose filter set changed is
// stopped and a new one started from the persisted cursor; unchanged streams go on.
// Unchanged block/cron workflows keep their in-memory state; changed or new ones are
// (re)read from storage. A chain whose last workflow went away keeps its cursor: a later
// workflow on it resumes from there, back-filling the gap as after a restart.
//
// Reorgs: a batch's `retracted` logs are matched to workflows by the same (address,
// topic0) rule as new logs, each gives its EventId (component::event_id; a log's
// `removed` flag is not part of it) and NodeState::retract drops the work of those not
// run yet (kSkipped results) with the batch's cursor, in one transaction; what ran
// already stays done (its packet may be out: confirmations are what prevents that).
// LogStream's retraction batches have no new logs; a batch with both records the new
// ones first (a crash in between loses the retraction, never an event). A `rewound`
// batch (deep reorg) retracts what the stream still remembered and resumes below: what
// is re-read of blocks still on the chain has the same EventIds and the dedupe drops it,
// logs of the new chain are new events; work of orphaned blocks the stream could not
// name (beyond its reorg_window, or before a restart) stays queued and runs. So does the
// work of a workflow that left the set (paused, removed) between delivery and retraction.
//
// Contract:
//   owns      one LogStream (its RpcClient, Subscriber and thread) per streamed chain, and
//             the timer thread; borrows the NodeState, Metrics and sink, which must outlive
//             it (attach()'s stopper holds only the inner state, so it may run later).
//   threads   set_workflows(), health() and stop() are thread-safe. The sink is called on
//             a stream thread or the timer thread, after the write returned, never under
//             an internal lock. The workflow maps and the Schedule are guarded by a mutex
//             that is never held across RPC, storage writes or a stream's stop.
//   blocking  set_workflows() reads and writes SQLite (bounded by the store's busy limit)
//             and may stop a stream (its current step is cut short); never an RPC.
//             stop() is bounded by the streams' stops and a storage write in flight.
//   cancels   stop(), the destructor, or TriggersConfig::cancel (the daemon's token),
//             which stops the streams and the timer at once; stop() then joins.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "node/chain_config.hpp"
#include "node/error.hpp"
#include "node/metrics.hpp"
#include "node/state.hpp"
#include "service/manifest.hpp"

namespace wavs::runtime {
class Daemon;
}
namespace wavs::chain {
class RpcClient;
}

namespace wavs::node {

struct TriggerWorkflow {
  Hash256 service_id;
  std::string workflow_id;
  service::Trigger trigger;
};

class TriggerSink {
 public:
  virtual ~TriggerSink() = default;
  // Work just made durable by a record_* call; called on a trigger thread after the write
  // returned. Must not block long (a stream or the timer waits meanwhile) and must not
  // call Triggers::stop() or set_workflows() (either may wait for the calling thread).
  virtual void enqueued(std::vector<PendingWork> work) = 0;
};

struct TriggersConfig {
  std::vector<ChainEndpoints> chains;
  std::stop_token cancel;                // the daemon's
  std::uint64_t max_range = 500;         // LogStream: blocks per eth_getLogs
  std::function<std::uint64_t()> now_s;  // clock for cron (Unix seconds); default system_clock
  // LogStream timings (tests shorten them); poll_interval comes from each chain.
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{5'000};
  std::chrono::milliseconds safety_poll{15'000};
};

struct ChainHealth {
  service::ChainKey chain;
  // No step failed and no batch was refused since the last delivered batch (or the
  // stream's start); true for a chain that has nothing to stream.
  bool ok = true;
  std::optional<std::uint64_t> cursor_block;  // last delivered (or resumed-from) block
  std::string last_error;                     // the last refusal or failure; "" while ok
  int failed_steps = 0;                       // over every stream of this chain so far
  int connections = 0;                        // WebSocket connections, likewise
};

class Triggers {
 public:
  Triggers(NodeState& state, Metrics& metrics, TriggerSink& sink, TriggersConfig config);
  ~Triggers();  // stop()
  Triggers(const Triggers&) = delete;
  Triggers& operator=(const Triggers&) = delete;

  // Starts the timer thread and the streams of the current workflows. Idempotent while
  // running; kStopped after stop() (create a new Triggers over the same state instead).
  // A storage error reading a cursor is returned (what started keeps running).
  [[nodiscard]] Status start();
  // Stops the streams and the timer; returns once no handler or sink call runs. Bounded
  // and idempotent.
  void stop();
  // Registers stop() as a stopper of the daemon (shutdown step 2).
  void attach(runtime::Daemon& daemon);

  // The complete set of workflows that may fire now (the node leaves paused services
  // out; manual triggers are accepted and ignored). kBadTrigger for a workflow on a chain
  // that is not configured, a bad cron schedule or n_blocks, an invalid workflow id or a
  // workflow listed twice; nothing changes then. A storage error reading or persisting
  // progress is returned likewise (starts already persisted are harmless: the same
  // values are written again next time). kStopped after stop().
  [[nodiscard]] Status set_workflows(std::vector<TriggerWorkflow> workflows);

  // One entry per configured chain, in configuration order.
  [[nodiscard]] std::vector<ChainHealth> health() const;
  // Logs that reorgs took out after they were delivered, and the work items of theirs
  // that NodeState::retract removed before they ran (see "Reorgs" above).
  [[nodiscard]] std::uint64_t retracted_logs() const;
  [[nodiscard]] std::uint64_t dropped_work() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Gives `chain` a persisted cursor at its current confirmed head (head - confirmations)
// when it has none yet, so the stream a new workflow starts resumes from there and
// block-interval workflows start there. Nothing changes when a cursor exists. Blocking:
// one eth_blockNumber and one eth_getBlockByNumber on `rpc` (that chain's client), then a
// storage write. Errors name the chain; the caller may go on without the anchor (the
// chain then starts at its stream's first batch, as before).
[[nodiscard]] Status anchor_chain(NodeState& state, chain::RpcClient& rpc, const ChainEndpoints& chain);

}  // namespace wavs::node
