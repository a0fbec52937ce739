#include "node/schedule.hpp"

#include <algorithm>
#include <limits>
#include <tuple>
#include <variant>

namespace wavs::node {

namespace {
constexpr std::uint64_t kNsPerSecond = 1'000'000'000ull;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
}  // namespace

std::optional<std::uint64_t> next_block_height(const service::BlockIntervalTrigger& trigger,
                                               std::uint64_t after) {
  if (trigger.n_blocks == 0 || after == kMax) return std::nullopt;
  const std::uint64_t start = trigger.start_block.value_or(0);
  const std::uint64_t from = std::max(after + 1, start);
  const std::uint64_t n = trigger.n_blocks;
  const std::uint64_t rem = (from - start) % n;
  const std::uint64_t step = rem == 0 ? 0 : n - rem;
  if (from > kMax - step) return std::nullopt;
  const std::uint64_t height = from + step;
  if (trigger.end_block && height > *trigger.end_block) return std::nullopt;
  return height;
}

Result<CronPlan> CronPlan::create(const service::CronTrigger& trigger) {
  auto schedule = service::CronSchedule::parse(trigger.schedule);
  if (!schedule) return Error(NodeErrc::kBadTrigger, "cron schedule: " + schedule.error().message());
  CronPlan plan(std::move(*schedule));
  if (trigger.start_time) {
    plan.first_s_ = *trigger.start_time / kNsPerSecond + (*trigger.start_time % kNsPerSecond != 0 ? 1 : 0);
  }
  if (trigger.end_time) plan.last_s_ = std::min(plan.last_s_, *trigger.end_time / kNsPerSecond);
  return plan;
}

std::optional<std::uint64_t> CronPlan::next_tick(std::uint64_t after_s) const {
  // next_after is strictly after its argument, so the window's first second is reached
  // from the second before it.
  const std::uint64_t from = first_s_ > 0 ? std::max(after_s, first_s_ - 1) : after_s;
  auto tick = schedule_.next_after(from);
  if (!tick || *tick > last_s_) return std::nullopt;
  return tick;
}

std::optional<std::uint64_t> CronPlan::due_tick(std::uint64_t last_fired_s, std::uint64_t now_s) const {
  const std::uint64_t hi = std::min(now_s, last_s_);
  auto first = next_tick(last_fired_s);
  if (!first || *first > hi) return std::nullopt;
  // The latest tick <= hi by bisection over "next_after(x) <= hi", which holds for x
  // below that tick and fails from it on: some 64 steps, however long the node was down
  // (walking tick by tick could take millions of steps for a per-second schedule).
  std::uint64_t a = *first, b = hi;
  if (auto n = schedule_.next_after(a); !n || *n > hi) return a;
  while (b - a > 1) {
    const std::uint64_t m = a + (b - a) / 2;
    if (auto n = schedule_.next_after(m); n && *n <= hi) {
      a = m;
    } else {
      b = m;
    }
  }
  return schedule_.next_after(a);
}

Status Schedule::add(const ScheduleKey& key, const service::Trigger& trigger, std::uint64_t last_fired) {
  if (const auto* block = std::get_if<service::BlockIntervalTrigger>(&trigger)) {
    if (block->n_blocks == 0)
      return Error(NodeErrc::kBadTrigger, "block_interval: n_blocks must be at least 1");
    crons_.erase(key);
    blocks_.insert_or_assign(key, BlockEntry{*block, last_fired});
    return {};
  }
  if (const auto* cron = std::get_if<service::CronTrigger>(&trigger)) {
    auto plan = CronPlan::create(*cron);
    if (!plan) return plan.error();
    blocks_.erase(key);
    crons_.insert_or_assign(key, CronEntry{std::move(*plan), last_fired});
    return {};
  }
  return Error(NodeErrc::kBadTrigger,
               "workflow " + key.workflow_id + ": only block_interval and cron triggers are scheduled");
}

void Schedule::remove(const ScheduleKey& key) {
  blocks_.erase(key);
  crons_.erase(key);
}

void Schedule::remove_service(const Hash256& service_id) {
  std::erase_if(blocks_, [&](const auto& e) { return e.first.service_id == service_id; });
  std::erase_if(crons_, [&](const auto& e) { return e.first.service_id == service_id; });
}

std::vector<BlockFiring> Schedule::due_blocks(const service::ChainKey& chain, std::uint64_t head,
                                              std::size_t limit) const {
  std::vector<BlockFiring> out;
  for (const auto& [key, entry] : blocks_) {
    if (entry.trigger.chain != chain) continue;
    std::uint64_t after = entry.last_fired;
    for (std::size_t i = 0; i < limit; ++i) {
      auto height = next_block_height(entry.trigger, after);
      if (!height || *height > head) break;
      out.push_back({key, chain, *height});
      after = *height;
    }
  }
  std::sort(out.begin(), out.end(), [](const BlockFiring& a, const BlockFiring& b) {
    return std::tie(a.height, a.key) < std::tie(b.height, b.key);
  });
  return out;
}

std::vector<CronFiring> Schedule::due_cron(std::uint64_t now_s) const {
  std::vector<CronFiring> out;
  for (const auto& [key, entry] : crons_) {
    if (auto tick = entry.plan.due_tick(entry.last_fired, now_s)) out.push_back({key, *tick});
  }
  return out;
}

std::optional<std::uint64_t> Schedule::next_cron_tick(std::uint64_t now_s) const {
  std::optional<std::uint64_t> earliest;
  for (const auto& [key, entry] : crons_) {
    if (auto tick = entry.plan.next_tick(std::max(now_s, entry.last_fired))) {
      if (!earliest || *tick < *earliest) earliest = tick;
    }
  }
  return earliest;
}

void Schedule::commit(const BlockFiring& firing) {
  if (auto it = blocks_.find(firing.key); it != blocks_.end()) {
    it->second.last_fired = std::max(it->second.last_fired, firing.height);
  }
}

void Schedule::commit(const CronFiring& firing) {
  if (auto it = crons_.find(firing.key); it != crons_.end()) {
    it->second.last_fired = std::max(it->second.last_fired, firing.tick_s);
  }
}

std::optional<std::uint64_t> Schedule::last_fired(const ScheduleKey& key) const {
  if (auto it = blocks_.find(key); it != blocks_.end()) return it->second.last_fired;
  if (auto it = crons_.find(key); it != crons_.end()) return it->second.last_fired;
  return std::nullopt;
}

}  // namespace wavs::node
