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

// Waits up to 5 s for `flag`; returns how long it took.
Watchdog::Clock::duration wait_for(const std::atomic<bool>& flag, Watchdog::Clock::time_point since) {
  while (!flag.load() && Watchdog::Clock::now() - since < 5s) std::this_thread::sleep_for(1ms);
  return Watchdog::Clock::now() - since;
}

TEST(Watchdog, ManyDeadlinesInAnyOrder) {
  Watchdog w;
  std::atomic<bool> flags[3] = {false, false, false};
  auto now = Watchdog::Clock::now();
  Watchdog::Ticket a(w, now + 300ms, &flags[0]);
  Watchdog::Ticket b(w, now + 10ms, &flags[1]);
  Watchdog::Ticket c(w, now + 100s, &flags[2]);
  auto b_took = wait_for(flags[1], now);
  EXPECT_TRUE(flags[1].load());
  if (Watchdog::Clock::now() - now < 290ms) {
    EXPECT_FALSE(flags[0].load());
  }
  EXPECT_GE(b_took, 10ms);
  EXPECT_GE(wait_for(flags[0], now), 300ms);
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
  EXPECT_LT(took, std::chrono::milliseconds(1000));  // idle wake-ups are 100 ms apart
}

}  // namespace
}  // namespace wavs::wasi
