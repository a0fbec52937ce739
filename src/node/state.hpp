#pragma once
// NodeState: the operator node's durable state on a storage::StateStore — the services it
// runs, trigger progress, the work queue, run results and the outbox of signed packets.
//
//   auto state = node::NodeState::open(data_dir / "node.sqlite");
//   auto added = (*state)->add_service({manager, canonical_json, hash});  // kAlreadyExists → 409
//   // A LogStream batch: cursor and the new work, in one transaction.
//   auto enqueued = (*state)->record_triggers(chain, batch.cursor, actions);
//   // A reorg took logs out (batch.retracted): their work, if not run yet, goes.
//   auto removed = (*state)->retract(chain, batch.cursor, {{service_id, event_id}, ...});
//   for (auto& item : *(*state)->peek_work(64)) {
//     ... run it, sign the responses ...
//     (*state)->complete(item, run_result, packets);  // dequeue + result + outbox, atomically
//   }
//   auto done = (*state)->complete_many(finished);     // or several runs' completions at once
//   for (auto& entry : *(*state)->outbox_pending(url, 16)) {
//     ... POST it; then delivered(entry) or mark_attempt(entry, next_try, error) ...
//   }
//   auto removed = (*state)->delivered_many(sent);     // or several deliveries at once
//
// Contract.
// - Every call that writes is one StateStore batch: it takes effect wholly or not at all,
//   across crashes and against other threads and processes using the same file. A call
//   that returns success has made its writes durable; anything acknowledged downstream
//   (a LogStream batch, a run, a delivery) must be acknowledged only after it returns.
// - Trigger progress (a chain's LogStream cursor, a block interval's last height, a cron
//   schedule's last tick) is written in the same batch as the work it produced.
// - Work is deduplicated by (service, EventId), persistently and for ever: an action seen
//   once is never enqueued again, whether redelivered, replayed after a crash or recorded
//   concurrently by another process. The progress of such a batch still advances. The one
//   exception is an event retract() took back before it ran: it may be recorded again.
// - retract() undoes the work of events a reorg took out of the chain: in one batch with
//   the chain's cursor, each one still pending is dequeued, forgotten by the dedupe and
//   recorded as kSkipped. Completed ones are left alone (see retract()).
// - complete() removes a work item, appends its result and enqueues its packets at once; a
//   second complete() of the same item (a redelivery) changes nothing and is kNotPending.
//   complete_many() does the same for several items in one batch (one commit).
// - HD indexes are allocated with the service's insertion, persisted, increasing and never
//   reused (not even after removal), also between processes sharing the file.
// - Bounded outbox (policy): each destination holds at most StateOptions::max_outbox_depth
//   packets. complete() with a packet for a full destination is refused (kOutboxFull) and
//   writes nothing: the work item stays pending, so nothing is lost and the dispatcher
//   holds that service back (outbox_depth()) until deliveries make room.
// - Records are versioned JSON (docs/storage.md, "Node state"); a record of a newer
//   version is refused (kTooNew), never misread.
// - Compare-and-set conflicts with concurrent writers are retried inside each call, up to
//   StateOptions::max_conflict_retries, then kConflict. Errors of the store are kStorage with
//   the store's detail (its kBusy bound applies to every call).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/log_stream.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/trigger.hpp"
#include "eth/envelope.hpp"
#include "service/manifest.hpp"
#include "storage/state_store.hpp"

WAVS_ERROR_ENUM(wavs::node, StateErrc,
                kAlreadyExists,  // a service with this id is registered
                kNotFound,       // no such service / outbox entry
                kNotPending,     // the work item is no longer queued (completed already)
                kOutboxFull,     // a destination's outbox is at its bound
                kInvalid,        // an argument outside its rules (nothing written)
                kCorrupt,        // a stored record that does not decode
                kTooNew,         // a stored record written by a newer build
                kConflict,       // concurrent writers kept winning the compare-and-set
                kStorage)        // the state store failed (detail says how)

namespace wavs::node {

enum class ServiceStatus : std::uint8_t { kActive, kPaused };
[[nodiscard]] std::string_view to_string(ServiceStatus status);  // "active", "paused"

struct ServiceRecord {
  Hash256 id;  // service::service_id(manager)
  service::Manager manager;
  std::string manifest_json;  // canonical (service::to_json)
  Hash256 manifest_hash;      // service::manifest_hash of the published bytes
  std::uint32_t hd_index = 0;
  ServiceStatus status = ServiceStatus::kActive;
  // Set when a hot swap failed; the manifest above is still the one running.
  std::optional<std::string> last_load_error;
  bool operator==(const ServiceRecord&) const = default;
};

struct NewService {
  service::Manager manager;
  std::string manifest_json;
  Hash256 manifest_hash;
  ServiceStatus status = ServiceStatus::kActive;
};

struct PendingWork {
  std::uint64_t id = 0;  // queue id: increasing, never reused
  eth::EventId event_id;
  component::TriggerAction action;
  std::uint64_t enqueued_at_ms = 0;  // Unix time
};

enum class RunStatus : std::uint8_t { kSucceeded, kFailed, kSkipped };
[[nodiscard]] std::string_view to_string(RunStatus status);  // "succeeded", "failed", "skipped"

struct RunResult {
  RunStatus status = RunStatus::kSucceeded;
  std::uint64_t fuel = 0;
  std::chrono::microseconds duration{0};
  std::string error;  // empty on success; never a secret
  std::string tier;   // what ran it: "interp" or "aot"; empty when nothing ran (or an older record)
};

// One entry of a service's results log, newest has the highest seq.
struct ResultRecord {
  std::uint64_t seq = 0;
  eth::EventId event_id;
  std::string workflow_id;
  RunResult run;
  std::uint64_t finished_at_ms = 0;
};

// A signed packet for one aggregator; `body` is what is sent, opaque to the state.
struct OutboxPacket {
  std::string destination;  // aggregator URL, 1-2048 bytes
  Hash256 service_id;
  std::string workflow_id;
  eth::EventId event_id;
  Bytes body;
};

// One completion for NodeState::complete_many: what complete() takes, by value.
struct Completion {
  PendingWork item;
  RunResult result;
  std::vector<OutboxPacket> packets;
};

struct OutboxEntry {
  std::uint64_t seq = 0;  // per destination, FIFO
  OutboxPacket packet;
  std::uint32_t attempts = 0;
  std::uint64_t next_attempt_ms = 0;  // Unix time; 0 = at once
  std::string last_error;
  std::uint64_t enqueued_at_ms = 0;
};

struct OutboxDestination {
  std::string url;
  std::uint32_t depth = 0;
};

struct StateOptions {
  std::uint32_t results_per_service = 100;  // older results are pruned (1..10000)
  std::uint32_t max_outbox_depth = 1000;    // per destination (1..10000)
  std::uint32_t first_hd_index = 1;         // index 0 stays the operator's own key
  std::uint32_t max_conflict_retries = 1000;
};

class NodeState {
 public:
  using Options = StateOptions;

  // The SQLite state file (created when missing; the directory must exist).
  [[nodiscard]] static Result<std::unique_ptr<NodeState>> open(const std::filesystem::path& file,
                                                               Options options = {},
                                                               storage::OpenOptions store_options = {});
  // kInvalid when an option is out of range.
  [[nodiscard]] static Result<std::unique_ptr<NodeState>> create(std::unique_ptr<storage::StateStore> store,
                                                                 Options options = {});

  // --- services ---
  // Allocates the next HD index with the insertion; kAlreadyExists when the id is present.
  [[nodiscard]] Result<ServiceRecord> add_service(const NewService& service);
  // Hot swap: new manifest, same id and HD index; clears last_load_error.
  [[nodiscard]] Result<ServiceRecord> replace_manifest(const Hash256& id, std::string_view manifest_json,
                                                       const Hash256& manifest_hash);
  [[nodiscard]] Result<ServiceRecord> set_load_error(const Hash256& id, std::string_view error);
  [[nodiscard]] Result<ServiceRecord> set_status(const Hash256& id, ServiceStatus status);
  // Removes the record with its trigger progress and results (not its seen events, so
  // a service added again never reruns them, nor its queued packets, which still go out).
  // Pending work stays queued; the dispatcher completes it as kSkipped.
  [[nodiscard]] Result<ServiceRecord> remove_service(const Hash256& id);
  [[nodiscard]] Result<std::optional<ServiceRecord>> get_service(const Hash256& id);
  [[nodiscard]] Result<std::vector<ServiceRecord>> list_services();  // by id
  // The next index add_service would give.
  [[nodiscard]] Result<std::uint32_t> next_hd_index();

  // --- triggers → work ---
  // Each returns the work items it enqueued (the actions not seen before, in order).
  [[nodiscard]] Result<std::vector<PendingWork>> record_triggers(
      const service::ChainKey& chain, const chain::Cursor& cursor,
      const std::vector<component::TriggerAction>& actions);
  [[nodiscard]] Result<std::vector<PendingWork>> record_block_interval(
      const Hash256& service_id, std::string_view workflow_id, std::uint64_t height,
      const std::vector<component::TriggerAction>& actions);
  [[nodiscard]] Result<std::vector<PendingWork>> record_cron_tick(
      const Hash256& service_id, std::string_view workflow_id, std::uint64_t tick_ns,
      const std::vector<component::TriggerAction>& actions);
  // Reorgs: `events` are the (service id, EventId) of logs a LogStream batch retracted,
  // `cursor` that batch's cursor (after an unwind, the common ancestor: the cursor moves
  // back with its effect, as record_triggers moves it forward). In one batch: every event
  // whose work item is still queued is dequeued, its seen record erased and a kSkipped
  // result "reorged out of the chain before it ran (block N)" appended to its service's
  // log; the cursor is written. Returns the items removed, in queue order.
  // - Seen records. An EventId covers the whole log including its block hash, tx hash
  //   and indexes (component::canonical_encoding; `removed` is not part of it), so a log
  //   re-mined into another block is a new event anyway. The seen record of a removed
  //   item is still erased: the retracted block itself can come back (a head flipping
  //   between two forks), and its log, same id, must then run rather than be dropped.
  // - Completed events (and those never seen) are untouched: their packets may be out
  //   already, and their seen record keeps the same log, should its block return, from
  //   running twice. Confirmations are what keeps a reorged-out event from running at all.
  // - Idempotent: a second call finds nothing pending and only writes the cursor. An item
  //   completed concurrently wins (its pop makes this batch retry without it).
  // - Items are looked for among the oldest storage::kMaxScanLimit queued ones (the most a
  //   store peek returns); one queued behind a deeper backlog is not found and runs.
  [[nodiscard]] Result<std::vector<PendingWork>> retract(
      const service::ChainKey& chain, const chain::Cursor& cursor,
      const std::vector<std::pair<Hash256, eth::EventId>>& events);
  // Manual triggers (no progress to keep).
  [[nodiscard]] Result<std::vector<PendingWork>> enqueue(const std::vector<component::TriggerAction>& actions);

  [[nodiscard]] Result<std::optional<chain::Cursor>> cursor(const service::ChainKey& chain);
  [[nodiscard]] Result<std::optional<std::uint64_t>> block_progress(const Hash256& service_id,
                                                                    std::string_view workflow_id);
  [[nodiscard]] Result<std::optional<std::uint64_t>> cron_progress(const Hash256& service_id,
                                                                   std::string_view workflow_id);
  [[nodiscard]] Result<bool> seen(const Hash256& service_id, const eth::EventId& event_id);

  // --- work ---
  [[nodiscard]] Result<std::vector<PendingWork>> peek_work(std::uint32_t limit);
  [[nodiscard]] Result<void> complete(const PendingWork& item, const RunResult& result,
                                      const std::vector<OutboxPacket>& packets = {});
  // Group commit: the completions in one transaction (under synchronous=FULL one fsync
  // instead of one each; docs/benchmarks.md, "Node"). Each gets, in order, the Status
  // complete() would have given it had they been completed one after the other in this
  // order: kInvalid, kNotPending (also the second of one item given twice) and
  // kOutboxFull write nothing for that completion; every other one is applied, together,
  // atomically. An outer error (kStorage, kConflict) means none was applied.
  [[nodiscard]] Result<std::vector<Status>> complete_many(const std::vector<Completion>& completions);
  // Newest first, at most results_per_service.
  [[nodiscard]] Result<std::vector<ResultRecord>> results(const Hash256& service_id);

  // --- outbox ---
  [[nodiscard]] Result<std::vector<OutboxDestination>> outbox_destinations();
  [[nodiscard]] Result<std::uint32_t> outbox_depth(std::string_view destination);
  // Oldest first.
  [[nodiscard]] Result<std::vector<OutboxEntry>> outbox_pending(std::string_view destination,
                                                                std::uint32_t limit);
  // A failed attempt: attempts + 1, the next try and the error; kNotFound when delivered meanwhile.
  [[nodiscard]] Result<OutboxEntry> mark_attempt(const OutboxEntry& entry, std::uint64_t next_attempt_ms,
                                                 std::string_view error);
  // Removes the entry; kNotFound when it is already gone.
  [[nodiscard]] Result<void> delivered(const OutboxEntry& entry);
  // Removes several in one batch (one commit): each gets the Status delivered() would
  // have given it, kNotFound also for the second of an entry given twice. An outer error
  // (kStorage, kConflict, kCorrupt) means none was removed.
  [[nodiscard]] Result<std::vector<Status>> delivered_many(const std::vector<OutboxEntry>& entries);

  ~NodeState();
  NodeState(const NodeState&) = delete;
  NodeState& operator=(const NodeState&) = delete;

 private:
  struct Impl;
  explicit NodeState(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::node
