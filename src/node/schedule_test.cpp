#include "node/schedule.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wavs::node {
namespace {

// Unix seconds of a UTC date and time (Howard Hinnant's days_from_civil).
std::uint64_t utc(int y, unsigned m, unsigned d, unsigned hh = 0, unsigned mm = 0, unsigned ss = 0) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long long days = static_cast<long long>(era) * 146097 + static_cast<long long>(doe) - 719468;
  return static_cast<std::uint64_t>(days * 86400 + hh * 3600 + mm * 60 + ss);
}

service::ChainKey chain(std::string id = "31337") { return {"evm", std::move(id)}; }

service::BlockIntervalTrigger every(std::uint64_t n, std::optional<std::uint64_t> start = std::nullopt,
                                    std::optional<std::uint64_t> end = std::nullopt) {
  return {chain(), n, start, end};
}

ScheduleKey key(std::uint8_t service, std::string workflow = "default") {
  ScheduleKey k;
  k.service_id[0] = service;
  k.workflow_id = std::move(workflow);
  return k;
}

std::vector<std::uint64_t> heights(const std::vector<BlockFiring>& firings) {
  std::vector<std::uint64_t> out;
  for (const auto& f : firings) out.push_back(f.height);
  return out;
}

using H = std::vector<std::uint64_t>;

TEST(NextBlockHeight, FollowsTheGridFromStartToEnd) {
  EXPECT_EQ(next_block_height(every(5), 0), 5u);  // start absent: the grid of multiples of n
  EXPECT_EQ(next_block_height(every(5), 4), 5u);
  EXPECT_EQ(next_block_height(every(5), 5), 10u);
  EXPECT_EQ(next_block_height(every(5, 3), 0), 3u);  // start itself fires
  EXPECT_EQ(next_block_height(every(5, 3), 3), 8u);
  EXPECT_EQ(next_block_height(every(5, 3), 7), 8u);
  EXPECT_EQ(next_block_height(every(5, 3, 13), 8), 13u);  // end is inclusive
  EXPECT_EQ(next_block_height(every(5, 3, 12), 8), std::nullopt);
  EXPECT_EQ(next_block_height(every(5, 20, 10), 0), std::nullopt);  // start after end: never
  EXPECT_EQ(next_block_height(every(1), 41), 42u);
}

TEST(NextBlockHeight, NeverOverflows) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(next_block_height(every(1), kMax), std::nullopt);
  EXPECT_EQ(next_block_height(every(10), kMax - 3), std::nullopt);
  EXPECT_EQ(next_block_height(every(1), kMax - 1), kMax);
  EXPECT_EQ(next_block_height(every(0), 1), std::nullopt);
}

TEST(ScheduleBlocks, EveryBlockFiresEachHeightOnceAsHeadsArrive) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(1), 100));  // registered at head 100
  EXPECT_TRUE(s.due_blocks(chain(), 100).empty());
  for (std::uint64_t head = 101; head <= 105; ++head) {
    auto due = s.due_blocks(chain(), head);
    ASSERT_EQ(heights(due), H{head});
    EXPECT_EQ(due[0].key, key(1));
    s.commit(due[0]);
    EXPECT_TRUE(s.due_blocks(chain(), head).empty()) << "repeated " << head;
  }
  EXPECT_EQ(s.last_fired(key(1)), 105u);
}

TEST(ScheduleBlocks, AHeadThatJumpsFiresEveryHeightInBetween) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(3), 10));
  // 11..20: 12, 15, 18 on the grid of 3.
  EXPECT_EQ(heights(s.due_blocks(chain(), 20)), (H{12, 15, 18}));
}

TEST(ScheduleBlocks, UncommittedFiringsAreDueAgainCommittedOnesNever) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(2), 0));
  auto due = s.due_blocks(chain(), 6);
  ASSERT_EQ(heights(due), (H{2, 4, 6}));
  s.commit(due[0]);  // only the first was persisted
  EXPECT_EQ(heights(s.due_blocks(chain(), 6)), (H{4, 6}));
  s.commit(due[0]);  // an old commit again changes nothing
  s.commit(due[2]);
  EXPECT_TRUE(s.due_blocks(chain(), 6).empty());
}

TEST(ScheduleBlocks, RestartAtAnArbitraryPersistedHeight) {
  // Persisted last fired 1003 (armed off the grid), node back at head 1020.
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(5), 1003));
  EXPECT_EQ(heights(s.due_blocks(chain(), 1020)), (H{1005, 1010, 1015, 1020}));
  Schedule t;
  ASSERT_TRUE(t.add(key(1), every(5), 1010));  // restarted exactly on a fired height
  EXPECT_EQ(heights(t.due_blocks(chain(), 1010)), H{});
  EXPECT_EQ(heights(t.due_blocks(chain(), 1011)), H{});
  EXPECT_EQ(heights(t.due_blocks(chain(), 1015)), H{1015});
}

TEST(ScheduleBlocks, AReorgToALowerHeadFiresNothingUntilTheChainPassesTheLastFired) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(1), 0));
  for (auto& f : s.due_blocks(chain(), 10)) s.commit(f);
  EXPECT_EQ(s.last_fired(key(1)), 10u);
  EXPECT_TRUE(s.due_blocks(chain(), 7).empty());   // head went back
  EXPECT_TRUE(s.due_blocks(chain(), 10).empty());  // back to the same height
  EXPECT_EQ(heights(s.due_blocks(chain(), 11)), H{11});
}

TEST(ScheduleBlocks, StartAndEndBound) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(4, 50, 62), 0));
  EXPECT_TRUE(s.due_blocks(chain(), 49).empty());
  EXPECT_EQ(heights(s.due_blocks(chain(), 50)), H{50});
  EXPECT_EQ(heights(s.due_blocks(chain(), 1000)), (H{50, 54, 58, 62}));
  Schedule armed_late;  // registered after start: earlier heights of the grid do not fire
  ASSERT_TRUE(armed_late.add(key(1), every(4, 50, 62), 56));
  EXPECT_EQ(heights(armed_late.due_blocks(chain(), 1000)), (H{58, 62}));
  Schedule single;  // start == end: exactly one height
  ASSERT_TRUE(single.add(key(1), every(7, 30, 30), 0));
  EXPECT_EQ(heights(single.due_blocks(chain(), 100)), H{30});
}

TEST(ScheduleBlocks, CatchUpIsBoundedPerCallAndResumesWhereItStopped) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(1), 0));
  std::vector<std::uint64_t> all;
  for (int round = 0; round < 4; ++round) {
    auto due = s.due_blocks(chain(), 10, 3);
    EXPECT_LE(due.size(), 3u);
    for (auto& f : due) {
      all.push_back(f.height);
      s.commit(f);
    }
  }
  EXPECT_EQ(all, (H{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(ScheduleBlocks, OnlyTriggersOfTheHeadsChainFireSortedByHeight) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(2), 0));
  ASSERT_TRUE(s.add(key(2), every(3), 0));
  service::BlockIntervalTrigger other = every(1);
  other.chain = chain("1");
  ASSERT_TRUE(s.add(key(3), other, 0));
  auto due = s.due_blocks(chain(), 6);
  ASSERT_EQ(heights(due), (H{2, 3, 4, 6, 6}));
  EXPECT_EQ(due[1].key, key(2));
  EXPECT_EQ(due[3].key, key(1));  // same height: ordered by key
  EXPECT_EQ(due[4].key, key(2));
  EXPECT_EQ(std::get<component::BlockInterval>(due[0].data()), (component::BlockInterval{chain(), 2}));
  EXPECT_EQ(heights(s.due_blocks(chain("1"), 2)), (H{1, 2}));
}

TEST(ScheduleBlocks, RemoveAndReplace) {
  Schedule s;
  ASSERT_TRUE(s.add(key(1), every(1), 0));
  ASSERT_TRUE(s.add(key(1, "other"), every(1), 0));
  ASSERT_TRUE(s.add(key(2), every(1), 0));
  s.remove(key(1, "other"));
  EXPECT_EQ(s.size(), 2u);
  s.remove_service(key(1).service_id);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.due_blocks(chain(), 1).size(), 1u);
  // Replacing a block trigger by a cron one of the same key leaves one entry.
  ASSERT_TRUE(s.add(key(2), service::CronTrigger{"0 * * * * *", {}, {}}, 0));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.due_blocks(chain(), 5).empty());
}

TEST(ScheduleAdd, RefusesWhatItCannotSchedule) {
  Schedule s;
  auto manual = s.add(key(1), service::ManualTrigger{}, 0);
  ASSERT_FALSE(manual);
  EXPECT_TRUE(manual.error().is(NodeErrc::kBadTrigger));
  auto zero = s.add(key(1), every(0), 0);
  ASSERT_FALSE(zero);
  EXPECT_TRUE(zero.error().is(NodeErrc::kBadTrigger));
  auto bad_cron = s.add(key(1), service::CronTrigger{"0 0 24 * * *", {}, {}}, 0);
  ASSERT_FALSE(bad_cron);
  EXPECT_TRUE(bad_cron.error().is(NodeErrc::kBadTrigger));
  EXPECT_NE(bad_cron.error().message().find("hour"), std::string::npos) << bad_cron.error().message();
  EXPECT_EQ(s.size(), 0u);
}

service::CronTrigger cron(std::string schedule, std::optional<std::uint64_t> start_s = std::nullopt,
                          std::optional<std::uint64_t> end_s = std::nullopt) {
  service::CronTrigger t{std::move(schedule), {}, {}};
  if (start_s) t.start_time = *start_s * 1'000'000'000ull;
  if (end_s) t.end_time = *end_s * 1'000'000'000ull;
  return t;
}

TEST(CronPlan, DueTickIsTheLatestMissedTickOnly) {
  auto plan = CronPlan::create(cron("0 */5 * * * *"));  // every 5 minutes
  ASSERT_TRUE(plan);
  const std::uint64_t t0 = utc(2024, 3, 10, 12, 0, 0);
  EXPECT_EQ(plan->due_tick(t0, t0), std::nullopt);  // the last fired tick is not due again
  EXPECT_EQ(plan->due_tick(t0, t0 + 299), std::nullopt);
  EXPECT_EQ(plan->due_tick(t0, t0 + 300), t0 + 300);
  EXPECT_EQ(plan->due_tick(t0, t0 + 301), t0 + 300);
  // Down for two days: only the latest tick before now fires.
  EXPECT_EQ(plan->due_tick(t0, utc(2024, 3, 12, 17, 43, 10)), utc(2024, 3, 12, 17, 40, 0));
  EXPECT_EQ(plan->next_tick(t0), t0 + 300);
}

TEST(CronPlan, PerSecondScheduleAfterAYearDownAnswersAtOnce) {
  auto plan = CronPlan::create(cron("* * * * * *"));
  ASSERT_TRUE(plan);
  const std::uint64_t last = utc(2023, 1, 1);
  const std::uint64_t now = utc(2024, 1, 1, 0, 0, 7);
  EXPECT_EQ(plan->due_tick(last, now), now);
  EXPECT_EQ(plan->due_tick(now, now), std::nullopt);
  EXPECT_EQ(plan->due_tick(now - 1, now), now);
}

TEST(CronPlan, SparseTicksInsideAWideWindow) {
  // Every second of minute 0 of each hour; now at minute 30: the latest is hh:00:59.
  auto plan = CronPlan::create(cron("* 0 * * * *"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->due_tick(utc(2024, 5, 1), utc(2024, 5, 1, 9, 30, 0)), utc(2024, 5, 1, 9, 0, 59));
  // Friday the 13th only; from January to November 2024 the latest is 2024-09-13.
  auto friday13 = CronPlan::create(cron("0 0 0 13 * FRI"));
  ASSERT_TRUE(friday13);
  EXPECT_EQ(friday13->due_tick(utc(2024, 1, 1), utc(2024, 12, 1)), utc(2024, 9, 13));
  EXPECT_EQ(friday13->next_tick(utc(2024, 9, 13)), utc(2024, 12, 13));
}

TEST(CronPlan, StartAndEndTimesBoundTheTicks) {
  const std::uint64_t t0 = utc(2024, 6, 1, 0, 0, 0);
  // Every minute, from t0 + 90 s to t0 + 300 s.
  auto plan = CronPlan::create(cron("0 * * * * *", t0 + 90, t0 + 300));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->next_tick(0), t0 + 120);  // the first tick at or after start
  EXPECT_EQ(plan->due_tick(0, t0 + 119), std::nullopt);
  EXPECT_EQ(plan->due_tick(0, t0 + 120), t0 + 120);
  EXPECT_EQ(plan->due_tick(t0 + 120, t0 + 10'000), t0 + 300);  // end inclusive, coalesced
  EXPECT_EQ(plan->due_tick(t0 + 300, t0 + 10'000), std::nullopt);
  EXPECT_EQ(plan->next_tick(t0 + 300), std::nullopt);

  // Times in ns that fall inside a second: start rounds up, end rounds down.
  service::CronTrigger ns{"* * * * * *", (t0 * 1'000'000'000ull) + 1, ((t0 + 2) * 1'000'000'000ull) + 999};
  auto exact = CronPlan::create(ns);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->next_tick(0), t0 + 1);
  EXPECT_EQ(exact->due_tick(0, t0 + 100), t0 + 2);
  EXPECT_EQ(exact->next_tick(t0 + 2), std::nullopt);

  auto start_is_a_tick = CronPlan::create(cron("0 * * * * *", t0, std::nullopt));
  ASSERT_TRUE(start_is_a_tick);
  EXPECT_EQ(start_is_a_tick->next_tick(0), t0);
  EXPECT_EQ(start_is_a_tick->due_tick(0, t0), t0);
}

TEST(CronPlan, UtcOnlySoDaylightSavingChangesNothing) {
  // 2024-03-31 is the EU spring-forward night and 2024-03-10 the US one: 02:30 exists in
  // UTC every day, so a daily 02:30 tick fires on both dates, 86400 s apart from the day before.
  auto plan = CronPlan::create(cron("0 30 2 * * *"));
  ASSERT_TRUE(plan);
  for (auto day : {utc(2024, 3, 10), utc(2024, 3, 31), utc(2024, 10, 27), utc(2024, 11, 3)}) {
    EXPECT_EQ(plan->next_tick(day), day + 2 * 3600 + 30 * 60);
    EXPECT_EQ(plan->next_tick(day + 2 * 3600 + 30 * 60), day + 86400 + 2 * 3600 + 30 * 60);
  }
}

TEST(ScheduleCron, FiresOncePerDueTickAndCoalescesAfterDowntime) {
  Schedule s;
  const std::uint64_t t0 = utc(2024, 1, 1);
  ASSERT_TRUE(s.add(key(1), cron("*/10 * * * * *"), t0));
  ASSERT_TRUE(s.add(key(2), cron("0 0 * * * *"), t0));
  EXPECT_TRUE(s.due_cron(t0 + 9).empty());
  EXPECT_EQ(s.next_cron_tick(t0), t0 + 10);
  auto due = s.due_cron(t0 + 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].key, key(1));
  EXPECT_EQ(due[0].tick_s, t0 + 10);
  EXPECT_EQ(std::get<component::Cron>(due[0].data()).trigger_time, (t0 + 10) * 1'000'000'000ull);
  s.commit(due[0]);
  EXPECT_TRUE(s.due_cron(t0 + 15).empty());
  EXPECT_EQ(s.next_cron_tick(t0 + 15), t0 + 20);

  // Down for 3 hours and 5 seconds: one firing each, the latest tick.
  const std::uint64_t back = t0 + 3 * 3600 + 5;
  due = s.due_cron(back);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].tick_s, t0 + 3 * 3600);
  EXPECT_EQ(due[1].tick_s, t0 + 3 * 3600);
  for (auto& f : due) s.commit(f);
  EXPECT_TRUE(s.due_cron(back).empty());
  EXPECT_EQ(s.last_fired(key(2)), t0 + 3 * 3600);
  EXPECT_EQ(s.next_cron_tick(back), t0 + 3 * 3600 + 10);
}

TEST(ScheduleCron, NoTickLeftMeansNoWake) {
  Schedule s;
  const std::uint64_t t0 = utc(2024, 1, 1);
  ASSERT_TRUE(s.add(key(1), cron("0 * * * * *", std::nullopt, t0), t0));
  EXPECT_EQ(s.next_cron_tick(t0), std::nullopt);
  EXPECT_TRUE(s.due_cron(t0 + 1000).empty());
  ASSERT_TRUE(s.add(key(2), cron("0 0 0 30 2 *"), t0));  // Feb 30: never
  EXPECT_EQ(s.next_cron_tick(t0), std::nullopt);
}

}  // namespace
}  // namespace wavs::node
