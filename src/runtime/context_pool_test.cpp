#include "runtime/context_pool.hpp"

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace wavs::runtime {
namespace {

namespace asio = boost::asio;

TEST(ContextPool, RunsEachContextOnItsOwnThread) {
  ContextPool pool(3);
  pool.start();
  std::set<std::thread::id> ids;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    std::promise<std::thread::id> p;
    asio::post(pool.context(i), [&] { p.set_value(std::this_thread::get_id()); });
    ids.insert(p.get_future().get());
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_FALSE(pool.in_pool_thread());
}

TEST(ContextPool, NextIsRoundRobin) {
  ContextPool pool(2);
  auto* a = &pool.next();
  auto* b = &pool.next();
  auto* c = &pool.next();
  EXPECT_NE(a, b);
  EXPECT_EQ(a, c);
}

TEST(ContextPool, ZeroThreadsMeansOne) {
  ContextPool pool(0);
  EXPECT_EQ(pool.size(), 1u);
}

TEST(ContextPool, StopEndsThreadsWithPendingTimers) {
  ContextPool pool(2);
  pool.start();
  // A timer an hour away would keep run() going forever without stop().
  asio::steady_timer timer(pool.context(0), std::chrono::hours(1));
  std::atomic<bool> fired{false};
  timer.async_wait([&](const boost::system::error_code&) { fired = true; });
  std::promise<bool> in_pool;
  asio::post(pool.context(1), [&] { in_pool.set_value(pool.in_pool_thread()); });
  EXPECT_TRUE(in_pool.get_future().get());
  pool.stop();
  pool.join();
  EXPECT_FALSE(fired.load());
  pool.start();  // a stopped pool stays stopped
  pool.join();
}

TEST(ContextPool, StopFromAPoolThreadDoesNotDeadlock) {
  ContextPool pool(1);
  pool.start();
  asio::post(pool.context(0), [&] { pool.stop(); });
  pool.join();
  SUCCEED();
}

}  // namespace
}  // namespace wavs::runtime
