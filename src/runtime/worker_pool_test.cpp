#include "runtime/worker_pool.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace wavs::runtime {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPool, RunsEveryTask) {
  WorkerPool pool({.threads = 2, .queue_capacity = 1000});
  std::atomic<int> n{0};
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.submit([&](std::stop_token) { ++n; }, 5s));
  auto until = std::chrono::steady_clock::now() + 30s;
  while (pool.stats().completed < 500 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(n.load(), 500);
  EXPECT_EQ(pool.stats().completed, 500u);
  EXPECT_TRUE(pool.shutdown(10s));
  EXPECT_EQ(pool.stats().discarded, 0u);
}

TEST(WorkerPool, FullQueueIsBusyNotUnbounded) {
  WorkerPool pool({.threads = 1, .queue_capacity = 2});
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::promise<void> started;
  auto blocker = [&](std::stop_token st) {
    started.set_value();
    std::unique_lock l(mu);
    cv.wait_for(l, 30s, [&] { return go || st.stop_requested(); });
  };
  ASSERT_TRUE(pool.try_submit(blocker));
  started.get_future().wait();  // the only thread is busy now
  ASSERT_TRUE(pool.try_submit([](std::stop_token) {}));
  ASSERT_TRUE(pool.try_submit([](std::stop_token) {}));
  auto third = pool.try_submit([](std::stop_token) {});
  ASSERT_FALSE(third);
  EXPECT_TRUE(third.error().is(RuntimeErrc::kBusy));
  auto waited = pool.submit([](std::stop_token) {}, 20ms);
  ASSERT_FALSE(waited);
  EXPECT_TRUE(waited.error().is(RuntimeErrc::kBusy));
  EXPECT_EQ(pool.stats().rejected, 2u);
  EXPECT_EQ(pool.stats().queued, 2u);
  {
    std::lock_guard l(mu);
    go = true;
  }
  cv.notify_all();
  // Room comes back once the blocker ends; a waiting submit takes it.
  EXPECT_TRUE(pool.submit([](std::stop_token) {}, 10s));
}

TEST(WorkerPool, ShutdownCancelsRunningAndDiscardsQueued) {
  WorkerPool pool({.threads = 1, .queue_capacity = 10});
  std::promise<void> started;
  std::atomic<bool> saw_stop{false};
  ASSERT_TRUE(pool.try_submit([&](std::stop_token st) {
    started.set_value();
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock l(m);
    // Wakes on the stop request itself, not by polling.
    cv.wait_for(l, st, 30s, [] { return false; });
    saw_stop = st.stop_requested();
  }));
  std::atomic<bool> queued_ran{false};
  ASSERT_TRUE(pool.try_submit([&](std::stop_token) { queued_ran = true; }));
  started.get_future().wait();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(pool.shutdown(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(saw_stop.load());
  EXPECT_FALSE(queued_ran.load());
  EXPECT_EQ(pool.stats().discarded, 1u);
  auto late = pool.try_submit([](std::stop_token) {});
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(RuntimeErrc::kStopped));
  EXPECT_TRUE(pool.shutdown(1s));  // idempotent
}

TEST(WorkerPool, ShutdownReportsATaskThatIgnoresItsToken) {
  auto pool = std::make_unique<WorkerPool>(WorkerPoolConfig{.threads = 1, .queue_capacity = 1});
  std::atomic<bool> release{false};
  std::promise<void> started;
  ASSERT_TRUE(pool->try_submit([&](std::stop_token) {
    started.set_value();
    while (!release) std::this_thread::sleep_for(1ms);
  }));
  started.get_future().wait();
  auto st = pool->shutdown(50ms);
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(RuntimeErrc::kTimeout));
  EXPECT_NE(st.error().detail().find("1 worker task"), std::string::npos) << st.error().detail();
  release = true;
  pool.reset();  // the destructor waits for it
}

TEST(WorkerPool, AnExceptionInATaskDoesNotKillTheWorker) {
  WorkerPool pool({.threads = 1, .queue_capacity = 4});
  ASSERT_TRUE(pool.try_submit([](std::stop_token) { throw std::runtime_error("boom"); }));
  std::promise<void> ran;
  ASSERT_TRUE(pool.try_submit([&](std::stop_token) { ran.set_value(); }));
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace wavs::runtime
