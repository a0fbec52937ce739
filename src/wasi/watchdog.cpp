#include "wasi/watchdog.hpp"

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
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    deadlines_.emplace(deadline, std::make_pair(id, flag));
  }
  cv_.notify_all();
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
  while (!stop_) {
    if (deadlines_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = deadlines_.begin();
    if (Clock::now() >= first->first) {
      first->second.second->store(true, std::memory_order_relaxed);
      deadlines_.erase(first);
      continue;
    }
    cv_.wait_until(lock, first->first);
  }
}

}  // namespace wavs::wasi
