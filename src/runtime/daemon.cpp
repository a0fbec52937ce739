#include "runtime/daemon.hpp"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace wavs::runtime {

namespace asio = boost::asio;

struct Daemon::Impl {
  explicit Impl(DaemonConfig c) : config(c), io(c.io_threads), workers(c.workers) {}

  DaemonConfig config;
  ContextPool io;
  WorkerPool workers;
  std::stop_source stop;
  std::optional<asio::signal_set> signals;
  std::atomic<int> signal{0};

  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
  bool started = false;
  std::vector<std::pair<std::string, std::function<void()>>> stoppers;

  std::mutex shutdown_mu;  // one shutdown at a time; later ones see its result
  std::optional<Status> shutdown_status;

  void wake() {
    {
      std::lock_guard lock(mu);
      stop_requested = true;
    }
    cv.notify_all();
  }
};

Daemon::Daemon(DaemonConfig config) : impl_(std::make_unique<Impl>(config)) {}

Daemon::~Daemon() { (void)shutdown(); }

void Daemon::start() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started) return;
    impl_->started = true;
  }
  if (impl_->config.handle_signals) {
    impl_->signals.emplace(impl_->io.context(0), SIGINT, SIGTERM);
    impl_->signals->async_wait([impl = impl_.get()](const boost::system::error_code& ec, int number) {
      if (ec) return;  // cancelled during shutdown
      impl->signal = number;
      spdlog::info("received {}; shutting down", number == SIGINT ? "SIGINT" : "SIGTERM");
      impl->wake();
    });
  }
  impl_->io.start();
}

ContextPool& Daemon::io() { return impl_->io; }
WorkerPool& Daemon::workers() { return impl_->workers; }
std::stop_token Daemon::stop_token() const { return impl_->stop.get_token(); }
bool Daemon::stop_requested() const { return impl_->stop.stop_requested(); }
int Daemon::stop_signal() const { return impl_->signal.load(); }

void Daemon::add_stopper(std::string name, std::function<void()> stop) {
  std::lock_guard lock(impl_->mu);
  impl_->stoppers.emplace_back(std::move(name), std::move(stop));
}

void Daemon::request_stop() { impl_->wake(); }

bool Daemon::wait_for_stop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->stop_requested; });
}

Status Daemon::run() {
  start();
  {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->stop_requested; });
  }
  return shutdown();
}

Status Daemon::shutdown() {
  std::lock_guard guard(impl_->shutdown_mu);
  if (impl_->shutdown_status) return *impl_->shutdown_status;
  impl_->wake();
  const auto deadline = std::chrono::steady_clock::now() + impl_->config.shutdown_bound;
  std::vector<std::string> overran;

  // 1. Everything that was handed the token stops waiting.
  impl_->stop.request_stop();

  // 2. Parts with their own threads, newest first (they may depend on older ones).
  decltype(impl_->stoppers) stoppers;
  {
    std::lock_guard lock(impl_->mu);
    stoppers.swap(impl_->stoppers);
  }
  for (auto it = stoppers.rbegin(); it != stoppers.rend(); ++it) {
    try {
      it->second();
    } catch (const std::exception& e) {
      spdlog::error("stopping {} failed: {}", it->first, e.what());
      overran.push_back(it->first);
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline) overran.push_back(it->first);
  }

  // 3. Worker tasks (their token is the pool's own; request it too).
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (auto st = impl_->workers.shutdown(std::max(left, std::chrono::milliseconds(0))); !st) {
    overran.push_back("worker pool (" + st.error().detail() + ")");
  }

  // 4. I/O. The signal set is destroyed once its context no longer runs, which restores
  // the default dispositions: a second SIGINT/SIGTERM during a stuck exit ends the process.
  impl_->io.stop();
  if (!impl_->io.in_pool_thread()) impl_->io.join();
  impl_->signals.reset();

  Status result;
  if (!overran.empty()) {
    std::string names;
    for (const auto& n : overran) names += (names.empty() ? "" : ", ") + n;
    result = Error(RuntimeErrc::kTimeout, "shutdown took longer than " +
                                              std::to_string(impl_->config.shutdown_bound.count()) +
                                              " ms: " + names);
    spdlog::warn("{}", result.error().message());
  }
  impl_->shutdown_status = result;
  return result;
}

}  // namespace wavs::runtime
