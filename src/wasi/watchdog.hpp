#pragma once
// One background thread that enforces wall-clock limits for every run in the process:
// each run arms a deadline with the flag it passed to the engine as its interrupt flag,
// and the thread sets that flag when the deadline passes. The engine checks the flag
// at loop back-edges and function entries, so even `loop br 0` stops promptly.
//
// Why a thread of its own rather than a daemon's executor: wall-clock limits apply to
// every run in the process (the node's workers, `wavs run`, tests), one sorted timer
// list serves them all, and a deadline must fire even while every I/O thread is busy.
// Arming and disarming never block on it; shared() lives until the process exits.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace wavs::wasi {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The process-wide instance (its thread starts on first use).
  static Watchdog& shared();

  // Sets *flag at `deadline` unless disarmed first. *flag must outlive the ticket.
  [[nodiscard]] std::uint64_t arm(Clock::time_point deadline, std::atomic<bool>* flag);
  void disarm(std::uint64_t ticket);

  // Disarms on destruction.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Watchdog& w, Clock::time_point deadline, std::atomic<bool>* flag) : w_(&w), id_(w.arm(deadline, flag)) {}
    ~Ticket() {
      if (w_) w_->disarm(id_);
    }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    Watchdog* w_ = nullptr;
    std::uint64_t id_ = 0;
  };

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::pair<std::uint64_t, std::atomic<bool>*>> deadlines_;
  std::uint64_t next_id_ = 1;
  // When the thread will next wake by itself: arming a later deadline need not wake it
  // (a context switch per run), it picks that deadline up then.
  Clock::time_point wake_at_ = Clock::time_point::max();
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wavs::wasi
