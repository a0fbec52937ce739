#pragma once
// Schedule: which block-interval and cron triggers fire, given new chain heads and the
// clock. Pure logic — no threads, no I/O, no clock of its own — so the node's trigger
// code feeds it heads and times, and persists what fired.
//
//   node::Schedule schedule;
//   schedule.add(key, workflow.trigger, last_fired);          // from storage, or the head / now at
//   registration for (auto& f : schedule.due_blocks(chain, head)) {
//     persist(work item for f.data(), last fired = f.height);  // one transaction
//     schedule.commit(f);
//   }
//   for (auto& f : schedule.due_cron(now_s)) { persist(...); schedule.commit(f); }
//   auto wake = schedule.next_cron_tick(now_s);               // when to look again
//
// The state of each trigger is one number the caller persists with the work it
// produced: its last fired height (block intervals) or tick (cron, Unix seconds). When a
// trigger is registered the caller starts it at the current head or time, so nothing
// from before registration fires.
//
// Block intervals (docs/node.md, "Block intervals and cron"): a trigger fires at every
// height h with start <= h <= end and (h - start) % n_blocks == 0, where start is
// start_block or 0 when absent (so every operator fires the same heights from the
// manifest alone). Heights are never skipped: every due height in (last fired, head]
// fires, at most `limit` per trigger and call (call again after committing to catch up
// further). Heights at or below the last fired one never fire again, so a head that
// goes back (a reorg, another RPC node) fires nothing until the chain passes it.
//
// Cron (service::CronSchedule, UTC; start_time/end_time in ns, both inclusive): ticks
// missed while the node was down or stalled are coalesced — of the ticks in
// (last fired, now], only the latest fires, once. Every operator that was up fired that
// tick too, so it is the one a late operator can still help reach quorum on; replaying
// a backlog of stale ticks would only flood the dispatcher.
//
// Firings are returned, not applied: commit() records one after the caller persisted
// it. A firing that was not committed is due again at the next call; it has the same
// EventId, so the dispatcher's persisted dedupe drops a repeat.
//
// Contract: not thread-safe (one owner, the node's trigger code); no blocking.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/trigger.hpp"
#include "node/error.hpp"
#include "service/cron.hpp"
#include "service/manifest.hpp"

namespace wavs::node {

// The first height after `after` at which `trigger` fires; nullopt when none is left.
[[nodiscard]] std::optional<std::uint64_t> next_block_height(const service::BlockIntervalTrigger& trigger,
                                                             std::uint64_t after);

// A cron trigger with its schedule parsed and its window in whole seconds.
class CronPlan {
 public:
  // kBadTrigger naming the schedule's problem ("cron schedule: field 3 (hour): ...").
  [[nodiscard]] static Result<CronPlan> create(const service::CronTrigger& trigger);

  // The first tick strictly after `after_s` inside the window; nullopt when none is left.
  [[nodiscard]] std::optional<std::uint64_t> next_tick(std::uint64_t after_s) const;
  // The latest tick in (last_fired_s, now_s] inside the window; nullopt when none is due.
  [[nodiscard]] std::optional<std::uint64_t> due_tick(std::uint64_t last_fired_s, std::uint64_t now_s) const;

 private:
  explicit CronPlan(service::CronSchedule schedule) : schedule_(std::move(schedule)) {}
  service::CronSchedule schedule_;
  std::uint64_t first_s_ = 0;                                  // ceil(start_time / 1e9)
  std::uint64_t last_s_ = service::CronSchedule::kEndSeconds;  // floor(end_time / 1e9)
};

struct ScheduleKey {
  Hash256 service_id;
  std::string workflow_id;
  auto operator<=>(const ScheduleKey&) const = default;
};

struct BlockFiring {
  ScheduleKey key;
  service::ChainKey chain;
  std::uint64_t height = 0;
  [[nodiscard]] component::TriggerData data() const { return component::BlockInterval{chain, height}; }
};

struct CronFiring {
  ScheduleKey key;
  std::uint64_t tick_s = 0;  // Unix seconds, UTC
  [[nodiscard]] component::TriggerData data() const { return component::Cron{tick_s * 1'000'000'000ull}; }
};

class Schedule {
 public:
  static constexpr std::size_t kDefaultLimit = 1000;

  // Registers (or replaces) the trigger of `key`. `last_fired`: the last height fired
  // (block interval) or tick (cron, Unix seconds) as persisted, or the head / time at
  // registration. Event and manual triggers are not scheduled here: kBadTrigger, as for
  // n_blocks 0 or a cron schedule that does not parse.
  [[nodiscard]] Status add(const ScheduleKey& key, const service::Trigger& trigger, std::uint64_t last_fired);
  void remove(const ScheduleKey& key);
  void remove_service(const Hash256& service_id);

  // Block-interval firings on `chain` for a new head, ascending by height (then key).
  [[nodiscard]] std::vector<BlockFiring> due_blocks(const service::ChainKey& chain, std::uint64_t head,
                                                    std::size_t limit = kDefaultLimit) const;
  // Cron firings at `now_s`: at most one per trigger (missed ticks coalesced).
  [[nodiscard]] std::vector<CronFiring> due_cron(std::uint64_t now_s) const;
  // The earliest tick after `now_s` of any cron trigger: when due_cron may next return something.
  [[nodiscard]] std::optional<std::uint64_t> next_cron_tick(std::uint64_t now_s) const;

  // Records a persisted firing; one older than the recorded state changes nothing.
  void commit(const BlockFiring& firing);
  void commit(const CronFiring& firing);

  [[nodiscard]] std::optional<std::uint64_t> last_fired(const ScheduleKey& key) const;
  [[nodiscard]] std::size_t size() const { return blocks_.size() + crons_.size(); }

 private:
  struct BlockEntry {
    service::BlockIntervalTrigger trigger;
    std::uint64_t last_fired = 0;
  };
  struct CronEntry {
    CronPlan plan;
    std::uint64_t last_fired = 0;
  };
  std::map<ScheduleKey, BlockEntry> blocks_;
  std::map<ScheduleKey, CronEntry> crons_;
};

}  // namespace wavs::node
