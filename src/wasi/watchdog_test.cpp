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
