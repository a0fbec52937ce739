#include "runtime/context_pool.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace wavs::runtime {

namespace asio = boost::asio;

struct ContextPool::Impl {
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;

  explicit Impl(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      // Concurrency hint 1: each context is run by one thread only.
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::optional<Guard>> guards;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  std::mutex mu;  // start/stop/join against each other
  bool started = false;
  bool stopped = false;
};

ContextPool::ContextPool(std::size_t threads) : impl_(std::make_unique<Impl>(threads == 0 ? 1 : threads)) {}

ContextPool::~ContextPool() {
  stop();
  join();
}

void ContextPool::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  for (auto& c : impl_->contexts) {
    // Without a guard, run() returns as soon as a context has nothing to do.
    impl_->guards.emplace_back(asio::make_work_guard(*c));
  }
  for (auto& c : impl_->contexts) {
    impl_->threads.emplace_back([ctx = c.get()] { ctx->run(); });
  }
}

void ContextPool::stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  for (auto& g : impl_->guards) g.reset();
  for (auto& c : impl_->contexts) c->stop();
}

void ContextPool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    threads.swap(impl_->threads);
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

std::size_t ContextPool::size() const { return impl_->contexts.size(); }

asio::io_context& ContextPool::context(std::size_t index) {
  return *impl_->contexts.at(index % impl_->contexts.size());
}

asio::io_context& ContextPool::next() {
  return *impl_->contexts[impl_->next.fetch_add(1, std::memory_order_relaxed) % impl_->contexts.size()];
}

bool ContextPool::in_pool_thread() const {
  for (const auto& c : impl_->contexts) {
    if (c->get_executor().running_in_this_thread()) return true;
  }
  return false;
}

}  // namespace wavs::runtime
