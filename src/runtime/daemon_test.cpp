#include "runtime/daemon.hpp"

#include <csignal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "common/test_support.hpp"

namespace wavs::runtime {
namespace {

using namespace std::chrono_literals;

using test::thread_count;

// Blocks on the token like a cancellable wait in a real task.
void wait_on(std::stop_token st) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock l(m);
  cv.wait_for(l, st, 30s, [] { return false; });
}

TEST(Daemon, SigtermShutsDownInOrderAndLeavesNoThread) {
  const auto before = thread_count();
  std::vector<std::string> order;
  std::mutex order_mu;
  auto note = [&](std::string s) {
    std::lock_guard l(order_mu);
    order.push_back(std::move(s));
  };
  {
    Daemon daemon({.io_threads = 2, .workers = {.threads = 2, .queue_capacity = 8}, .shutdown_bound = 2s});
    daemon.start();
    std::promise<void> running;
    ASSERT_TRUE(daemon.workers().try_submit([&](std::stop_token st) {
      running.set_value();
      wait_on(st);
      note("worker saw stop");
    }));
    running.get_future().wait();
    // A part with its own thread that only ends when told to.
    std::atomic<bool> part_stop{false};
    std::thread part([&] {
      while (!part_stop) std::this_thread::sleep_for(1ms);
    });
    daemon.add_stopper("first", [&] { note("first"); });
    daemon.add_stopper("part", [&] {
      part_stop = true;
      part.join();
      note("part");
    });
    EXPECT_GT(thread_count(), before);
    std::stop_callback on_stop(daemon.stop_token(), [&] { note("token"); });

    auto t0 = std::chrono::steady_clock::now();
    std::thread killer([] {
      std::this_thread::sleep_for(20ms);
      kill(getpid(), SIGTERM);
    });
    auto st = daemon.run();
    killer.join();
    EXPECT_TRUE(st) << st.error().message();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s + 20ms + 500ms);
    EXPECT_EQ(daemon.stop_signal(), SIGTERM);
    EXPECT_TRUE(daemon.stop_requested());
  }
  EXPECT_EQ(thread_count(), before);
  ASSERT_GE(order.size(), 4u);
  EXPECT_EQ(order[0], "token");
  // Stoppers newest first; the worker may end any time after the token.
  std::vector<std::string> stoppers;
  for (const auto& s : order) {
    if (s == "first" || s == "part") stoppers.push_back(s);
  }
  EXPECT_EQ(stoppers, (std::vector<std::string>{"part", "first"}));
}

TEST(Daemon, RequestStopFromAWorkerEndsRun) {
  Daemon daemon({.io_threads = 1, .workers = {.threads = 1, .queue_capacity = 1}, .handle_signals = false});
  daemon.start();
  ASSERT_TRUE(daemon.workers().try_submit([&](std::stop_token) { daemon.request_stop(); }));
  EXPECT_TRUE(daemon.run());
  EXPECT_EQ(daemon.stop_signal(), 0);
  auto late = daemon.workers().try_submit([](std::stop_token) {});
  EXPECT_TRUE(!late && late.error().is(RuntimeErrc::kStopped));
}

TEST(Daemon, OverrunIsNamed) {
  DaemonConfig config;
  config.shutdown_bound = 50ms;
  config.handle_signals = false;
  Daemon daemon(config);
  daemon.start();
  daemon.add_stopper("slow part", [] { std::this_thread::sleep_for(120ms); });
  daemon.request_stop();
  auto st = daemon.run();
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(RuntimeErrc::kTimeout));
  EXPECT_NE(st.error().detail().find("slow part"), std::string::npos) << st.error().detail();
  // Idempotent: the same answer again.
  auto again = daemon.shutdown();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().detail(), st.error().detail());
}

TEST(Daemon, IoContextsRunHandlersUntilShutdown) {
  DaemonConfig config;
  config.io_threads = 2;
  config.handle_signals = false;
  Daemon daemon(config);
  daemon.start();
  std::promise<int> p;
  boost::asio::post(daemon.io().next(), [&] { p.set_value(42); });
  EXPECT_EQ(p.get_future().get(), 42);
  EXPECT_FALSE(daemon.wait_for_stop(10ms));
  daemon.request_stop();
  EXPECT_TRUE(daemon.wait_for_stop(10ms));
  EXPECT_TRUE(daemon.shutdown());
}

}  // namespace
}  // namespace wavs::runtime
