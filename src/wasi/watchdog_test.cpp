#include "wasi/watchdog.hpp"

#include <gtest/gtest.h>

namespace wavs::wasi {
namespace {

using namespace std::chrono_literals;

TEST(Watchdog, SetsTheFlagAtTheDeadline) {
  Watchdog w;
  std::atomic<bool> flag{false};
  auto t0 = Watchdog::Clock::now();
  Watchdog::Ticket t(w, t0 + 30ms, &flag);
  while (!flag.load() && Watchdog::Clock::now() - t0 < 2s) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(flag.load());
  EXPECT_GE(Watchdog::Clock::now() - t0, 30ms);
}

TEST(Watchdog, DisarmedTicketsNeverFire) {
  Watchdog w;
  std::atomic<bool> flag{false};
  { Watchdog::Ticket t(w, Watchdog::Clock::now() + 20ms, &flag); }
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(flag.load());
}

TEST(Watchdog, ManyDeadlinesInAnyOrder) {
  Watchdog w;
  std::atomic<bool> flags[3] = {false, false, false};
  auto now = Watchdog::Clock::now();
  Watchdog::Ticket a(w, now + 60ms, &flags[0]);
  Watchdog::Ticket b(w, now + 10ms, &flags[1]);
  Watchdog::Ticket c(w, now + 10s, &flags[2]);
  std::this_thread::sleep_for(30ms);
  EXPECT_TRUE(flags[1].load());
  EXPECT_FALSE(flags[0].load());
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(flags[0].load());
  EXPECT_FALSE(flags[2].load());
}

}  // namespace
}  // namespace wavs::wasi

namespace wavs::wasi {
namespace {

// Regression: arming a deadline later than the thread's next wake-up does not notify
// it; the deadline must still fire on time.
TEST(Watchdog, LaterDeadlineArmedWhileIdleStillFires) {
  Watchdog w;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // thread idles
  std::atomic<bool> flag{false};
  auto t0 = Watchdog::Clock::now();
  Watchdog::Ticket t(w, t0 + std::chrono::milliseconds(250), &flag);
  while (!flag.load() && Watchdog::Clock::now() - t0 < std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto took = Watchdog::Clock::now() - t0;
  EXPECT_TRUE(flag.load());
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace wavs::wasi
