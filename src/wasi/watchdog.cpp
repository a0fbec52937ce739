#include "wasi/watchdog.hpp"

#include <algorithm>

namespace wavs::wasi {

Watchdog::Watchdog() : thread_([this] { loop(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Watchdog& Watchdog::shared() {
  static Watchdog w;
  return w;
}

std::uint64_t Watchdog::arm(Clock::time_point deadline, std::atomic<bool>* flag) {
  std::uint64_t id;
  bool wake;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    deadlines_.emplace(deadline, std::make_pair(id, flag));
    wake = deadline < wake_at_;
  }
  if (wake) cv_.notify_all();
  return id;
}

void Watchdog::disarm(std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  for (auto it = deadlines_.begin(); it != deadlines_.end(); ++it) {
    if (it->second.first == ticket) {
      deadlines_.erase(it);
      return;
    }
  }
}

void Watchdog::loop() {
  std::unique_lock lock(mu_);
  // With nothing due, wake every kIdle to pick up deadlines armed without a notify.
  constexpr auto kIdle = std::chrono::milliseconds(100);
  while (!stop_) {
    auto now = Clock::now();
    if (!deadlines_.empty() && now >= deadlines_.begin()->first) {
      deadlines_.begin()->second.second->store(true, std::memory_order_relaxed);
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    wake_at_ = now + kIdle;
    if (!deadlines_.empty()) wake_at_ = std::min(wake_at_, deadlines_.begin()->first);
    cv_.wait_until(lock, wake_at_);
  }
}

}  // namespace wavs::wasi
