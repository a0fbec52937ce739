#include "node/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace wavs::node {
namespace {

using namespace std::chrono_literals;

TEST(GroupCommitTest, ALoneCallerIsCommittedAtOnce) {
  std::vector<std::vector<int>> batches;
  GroupCommit<int, int> group([&](std::vector<int>& batch) {
    batches.push_back(batch);
    std::vector<int> out;
    for (int v : batch) out.push_back(v * 10);
    return out;
  });
  EXPECT_EQ(group.run(4), 40);
  EXPECT_EQ(group.run(5), 50);
  EXPECT_EQ(group.commits(), 2u);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], std::vector<int>{4});
}

// While one commit runs, the callers that arrive meanwhile go into the next one, together,
// and each gets its own answer.
TEST(GroupCommitTest, CallersArrivingDuringACommitShareTheNextOne) {
  constexpr int kCallers = 7;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> in_first{0};
  std::vector<std::size_t> sizes;
  GroupCommit<int, int> group([&](std::vector<int>& batch) {
    sizes.push_back(batch.size());
    if (sizes.size() == 1) {
      in_first = 1;
      released.wait();
    }
    std::vector<int> out;
    for (int v : batch) out.push_back(v + 1000);
    return out;
  });
  auto first = std::async(std::launch::async, [&] { return group.run(0); });
  while (in_first.load() == 0) std::this_thread::sleep_for(1ms);
  std::vector<std::future<int>> rest;
  for (int i = 1; i <= kCallers; ++i) rest.push_back(std::async(std::launch::async, [&, i] { return group.run(i); }));
  // Every caller is queued behind the running commit before it ends (a bounded wait).
  for (int spin = 0; spin < 5000 && group.queued() < static_cast<std::size_t>(kCallers); ++spin) {
    std::this_thread::sleep_for(1ms);
  }
  const std::size_t queued = group.queued();
  release.set_value();  // before any assertion: a failed one must not leave the callers hanging
  EXPECT_EQ(queued, static_cast<std::size_t>(kCallers));
  EXPECT_EQ(first.get(), 1000);
  for (int i = 1; i <= kCallers; ++i) EXPECT_EQ(rest[static_cast<std::size_t>(i - 1)].get(), 1000 + i);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, kCallers})) << "the waiting callers were committed together";
}

TEST(GroupCommitTest, AFailedCommitFailsItsCallersAndNotTheNext) {
  bool fail = true;
  GroupCommit<int, int> group([&](std::vector<int>& batch) -> std::vector<int> {
    if (fail) throw std::runtime_error("disk full");
    return std::vector<int>(batch.size(), 7);
  });
  EXPECT_THROW((void)group.run(1), std::runtime_error);
  fail = false;
  EXPECT_EQ(group.run(2), 7);
}

TEST(GroupCommitTest, AWrongNumberOfAnswersIsALogicError) {
  GroupCommit<int, int> group([](std::vector<int>&) { return std::vector<int>{}; });
  EXPECT_THROW((void)group.run(1), std::logic_error);
}

TEST(GroupCommitTest, BatchesAreCappedAtMaxBatch) {
  std::vector<std::size_t> sizes;
  std::mutex mu;
  GroupCommit<int, int> group(
      [&](std::vector<int>& batch) {
        {
          std::lock_guard lock(mu);
          sizes.push_back(batch.size());
        }
        std::this_thread::sleep_for(2ms);
        return batch;
      },
      2);
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 12; ++i) calls.push_back(std::async(std::launch::async, [&, i] { return group.run(i); }));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(calls[static_cast<std::size_t>(i)].get(), i);
  for (auto n : sizes) EXPECT_LE(n, 2u);
}

}  // namespace
}  // namespace wavs::node
