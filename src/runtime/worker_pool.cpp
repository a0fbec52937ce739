#include "runtime/worker_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace wavs::runtime {

struct WorkerPool::Impl {
  std::mutex mu;
  std::condition_variable work_cv;  // a task arrived, or stopping
  std::condition_variable room_cv;  // a queue slot freed, or stopping
  std::condition_variable idle_cv;  // a worker ended
  std::deque<Task> queue;
  std::vector<std::thread> threads;
  std::stop_source stop;
  std::mutex join_mu;  // shutdown() may be called from several threads at once
  bool stopping = false;
  std::size_t running = 0;
  std::size_t alive = 0;
  std::uint64_t completed = 0, rejected = 0, discarded = 0;

  void work() {
    std::unique_lock lock(mu);
    for (;;) {
      work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) break;
      Task task = std::move(queue.front());
      queue.pop_front();
      ++running;
      room_cv.notify_one();
      lock.unlock();
      try {
        task(stop.get_token());
      } catch (const std::exception& e) {
        // A task's own bug must not take the daemon down with it; it is reported.
        spdlog::error("worker task failed with an exception: {}", e.what());
      } catch (...) {
        spdlog::error("worker task failed with an unknown exception");
      }
      task = nullptr;  // destroyed here, on the worker, outside the lock
      lock.lock();
      --running;
      ++completed;
    }
    --alive;
    idle_cv.notify_all();
  }
};

WorkerPool::WorkerPool(WorkerPoolConfig config) : config_(config), impl_(std::make_unique<Impl>()) {
  if (config_.threads == 0) config_.threads = 1;
  if (config_.queue_capacity == 0) config_.queue_capacity = 1;
  impl_->alive = config_.threads;
  for (std::size_t i = 0; i < config_.threads; ++i)
    impl_->threads.emplace_back([impl = impl_.get()] { impl->work(); });
}

WorkerPool::~WorkerPool() {
  (void)shutdown(std::chrono::milliseconds(0));
  join();
}

void WorkerPool::join() {
  std::lock_guard lock(impl_->join_mu);
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

Status WorkerPool::try_submit(Task task) { return submit(std::move(task), std::chrono::milliseconds(0)); }

Status WorkerPool::submit(Task task, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  auto has_room = [&] { return impl_->stopping || impl_->queue.size() < config_.queue_capacity; };
  if (!has_room() && timeout.count() > 0) impl_->room_cv.wait_for(lock, timeout, has_room);
  if (impl_->stopping) return Error(RuntimeErrc::kStopped, "worker pool is shutting down");
  if (impl_->queue.size() >= config_.queue_capacity) {
    ++impl_->rejected;
    return Error(RuntimeErrc::kBusy,
                 "worker queue full (" + std::to_string(config_.queue_capacity) + " tasks)");
  }
  impl_->queue.push_back(std::move(task));
  impl_->work_cv.notify_one();
  return {};
}

std::stop_token WorkerPool::stop_token() const { return impl_->stop.get_token(); }

Status WorkerPool::shutdown(std::chrono::milliseconds bound) {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->stopping = true;
      dropped.swap(impl_->queue);
      impl_->discarded += dropped.size();
    }
  }
  impl_->stop.request_stop();  // runs the tasks' stop callbacks on this thread
  impl_->work_cv.notify_all();
  impl_->room_cv.notify_all();
  dropped.clear();  // outside the lock: a task's destructor may do anything

  std::unique_lock lock(impl_->mu);
  if (!impl_->idle_cv.wait_for(lock, bound, [&] { return impl_->alive == 0; })) {
    return Error(RuntimeErrc::kTimeout, std::to_string(impl_->running) +
                                            " worker task(s) still running after " +
                                            std::to_string(bound.count()) + " ms");
  }
  lock.unlock();
  join();
  return {};
}

WorkerPoolStats WorkerPool::stats() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->queue.size(), impl_->running, impl_->completed, impl_->rejected, impl_->discarded};
}

}  // namespace wavs::runtime
