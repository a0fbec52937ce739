#pragma once
// WorkerPool: a fixed set of threads for blocking work (component runs, and whatever
// else may not run on an I/O context), fed from one bounded queue.
//
// Backpressure: the queue holds at most `queue_capacity` tasks. try_submit() refuses
// with kBusy when it is full, submit() waits for room up to a timeout; nothing grows
// without bound. Callers that must not lose work keep it in durable storage and hand
// the pool only what it can take now.
//
// Contract:
//   owns      the threads and the queued tasks (a task is destroyed on the thread that
//             ran it, or in shutdown() if it never ran).
//   threads   a task runs on one of the pool's threads; tasks run in submission order
//             of start, any number of them at once up to `threads`.
//   blocking  tasks may block, but every wait in them must end when their stop_token is
//             requested (pass it to wasi::run, RpcConfig::cancel, outbound HTTP…).
//   cancels   shutdown(): no new tasks; queued ones are discarded without running;
//             running ones see stop requested on the token they were given; then the
//             threads are joined. Tasks that ignore the token make shutdown() report
//             kTimeout after its bound (the destructor still waits for them).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stop_token>

#include "common/error.hpp"
#include "runtime/error.hpp"

namespace wavs::runtime {

struct WorkerPoolConfig {
  std::size_t threads = 2;            // at least 1
  std::size_t queue_capacity = 1024;  // tasks waiting for a thread; at least 1
};

struct WorkerPoolStats {
  std::size_t queued = 0;
  std::size_t running = 0;
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;   // kBusy answers
  std::uint64_t discarded = 0;  // queued when shutdown began
};

class WorkerPool {
 public:
  using Task = std::function<void(std::stop_token)>;

  explicit WorkerPool(WorkerPoolConfig config = {});
  ~WorkerPool();  // shutdown(), then waits for every thread however long it takes
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // kBusy when the queue is full, kStopped once shutdown has begun.
  [[nodiscard]] Status try_submit(Task task);
  // Waits up to `timeout` for room: kBusy when none came, kStopped as above.
  [[nodiscard]] Status submit(Task task, std::chrono::milliseconds timeout);

  // Requested when shutdown begins; the token every task receives.
  [[nodiscard]] std::stop_token stop_token() const;

  // Stops accepting, discards queued tasks, requests stop, joins the threads. Returns
  // kTimeout (naming how many tasks were still running) when they did not all end
  // within `bound`; call again (or destroy the pool) to wait for the rest. Idempotent.
  [[nodiscard]] Status shutdown(std::chrono::milliseconds bound);

  [[nodiscard]] WorkerPoolStats stats() const;
  [[nodiscard]] const WorkerPoolConfig& config() const { return config_; }

 private:
  struct Impl;
  void join();
  WorkerPoolConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::runtime
