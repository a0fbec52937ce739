#include "node/dispatcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "component/error.hpp"
#include "node/config.hpp"
#include "runtime/daemon.hpp"
#include "runtime/worker_pool.hpp"

namespace wavs::node {

using Clock = std::chrono::steady_clock;

std::string_view to_string(Disposition disposition) {
  switch (disposition) {
    case Disposition::kSucceeded:
      return "succeeded";
    case Disposition::kFailed:
      return "failed";
    case Disposition::kRetry:
      return "retry";
    case Disposition::kPending:
      return "pending";
    case Disposition::kDropped:
      return "dropped";
  }
  return "unknown";
}

wasi::RunLimits run_caps(const Settings& settings) {
  wasi::RunLimits caps = component::HostServices::default_caps();
  caps.fuel = settings.max_wasm_fuel;
  caps.time = std::chrono::microseconds(
      static_cast<std::int64_t>(std::min(settings.max_execution_seconds, 1e9) * 1e6));
  caps.max_memory_bytes = settings.max_memory_bytes;
  return caps;
}

std::chrono::milliseconds Dispatcher::backoff(const DispatcherConfig& config, std::uint32_t failed_attempts) {
  if (failed_attempts == 0) return std::chrono::milliseconds(0);
  auto delay = config.retry_base;
  for (std::uint32_t i = 1; i < failed_attempts && delay < config.retry_max; ++i) delay *= 2;
  return std::min(delay, config.retry_max);
}

namespace {

struct Delayed {
  WorkItem item;
  Clock::time_point due;
};

struct Service {
  Hash256 id;
  ServiceOptions options;
  std::deque<WorkItem> queue;
  std::vector<Delayed> delayed;
  std::size_t running = 0;
  std::size_t executing = 0;
  bool removed = false;
  bool in_ring = false;
  bool refused = false;  // a kBusy was given since the last room()
  std::stop_source stop;

  [[nodiscard]] std::size_t load() const { return queue.size() + delayed.size() + running; }
};

// Whether a failure depends on this host rather than on the input (see the header's table).
bool retryable(const Result<component::ExecResult>& result) {
  if (result) return result->outcome == component::ExecOutcome::kTimeLimit;
  const Error& e = result.error();
  return e.is(component::ComponentErrc::kUnavailable) || e.is(component::ComponentErrc::kInternal) ||
         e.is(component::ComponentErrc::kTimeout) || e.is(component::ComponentErrc::kNetwork);
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(runtime::WorkerPool& p, const component::HostServices& s, DispatchSink& k, DispatcherConfig c)
      : pool(p), services(s), sink(k), config(c) {
    if (config.max_running == 0) config.max_running = pool.config().threads;
    if (config.max_attempts == 0) config.max_attempts = 1;
  }

  // An item out of its queue: on its way to a worker, or running. Destroyed unrun (the
  // pool discarded it at shutdown), it still gets its one report.
  struct Taken {
    std::shared_ptr<Impl> impl;
    std::shared_ptr<Service> service;
    WorkItem item;
    bool handled = false;
    ~Taken() {
      if (!handled && impl) impl->finish(*this, pending_report(), std::nullopt);
    }
    [[nodiscard]] RunReport pending_report() const {
      RunReport r = base_report();
      r.disposition = Disposition::kPending;
      r.error = "not run: the worker pool shut down";
      return r;
    }
    [[nodiscard]] RunReport base_report() const {
      RunReport r;
      r.service_id = item.action.service_id;
      r.workflow_id = item.action.workflow_id;
      r.event_id = item.event_id;
      r.attempt = item.failed_attempts + 1;
      return r;
    }
  };

  runtime::WorkerPool& pool;
  const component::HostServices& services;
  DispatchSink& sink;
  DispatcherConfig config;

  mutable std::mutex mu;
  std::condition_variable wake_cv;  // the scheduler: work, a free slot, stop
  std::condition_variable idle_cv;  // `taken` went down
  std::map<Hash256, std::shared_ptr<Service>> by_id;
  std::deque<std::shared_ptr<Service>> ring;  // services with startable work, in turn
  std::size_t taken = 0;
  bool started = false, stopping = false, kick = false;
  std::stop_source stop_source;
  std::thread thread;
  std::mutex join_mu;

  void wake() {
    kick = true;
    wake_cv.notify_one();
  }

  void put_in_ring(const std::shared_ptr<Service>& s, bool front = false) {
    if (s->in_ring || s->removed || s->options.paused || s->queue.empty()) return;
    s->in_ring = true;
    if (front) {
      ring.push_front(s);
    } else {
      ring.push_back(s);
    }
  }

  std::shared_ptr<Service> pick() {
    while (!ring.empty()) {
      auto s = std::move(ring.front());
      ring.pop_front();
      s->in_ring = false;
      if (s->removed || s->options.paused || s->queue.empty()) continue;
      return s;
    }
    return nullptr;
  }

  // Moves retries that are due to the front of their queues; returns the next due time.
  std::optional<Clock::time_point> promote(Clock::time_point now) {
    std::optional<Clock::time_point> next;
    for (auto& [id, s] : by_id) {
      if (s->delayed.empty()) continue;
      std::size_t due = 0;
      while (due < s->delayed.size() && s->delayed[due].due <= now) ++due;
      for (std::size_t i = due; i-- > 0;) s->queue.push_front(std::move(s->delayed[i].item));
      s->delayed.erase(s->delayed.begin(), s->delayed.begin() + static_cast<std::ptrdiff_t>(due));
      if (!s->delayed.empty() && (!next || s->delayed.front().due < *next)) next = s->delayed.front().due;
      if (due > 0) put_in_ring(s);
    }
    return next;
  }

  void loop() {
    std::unique_lock lock(mu);
    // Until then the pool refused more work; the epoch: it did not.
    Clock::time_point pool_retry{};
    while (!stopping) {
      const auto now = Clock::now();
      const bool pool_full = now < pool_retry;
      const auto next_due = promote(now);
      while (!stopping && !pool_full && taken < config.max_running) {
        auto s = pick();
        if (!s) break;
        auto t = std::make_shared<Taken>();
        t->impl = shared_from_this();
        t->service = s;
        t->item = std::move(s->queue.front());
        s->queue.pop_front();
        ++s->running;
        ++taken;
        put_in_ring(s);  // to the back: the others go first
        lock.unlock();
        auto st = pool.try_submit([t](std::stop_token token) {
          t->handled = true;
          t->impl->run(*t, std::move(token));
        });
        lock.lock();
        if (!st) {
          // The pool is full of other work (kBusy) or shut down before us (kStopped): the
          // item goes back to the head of its queue and its service to the head of the turn.
          t->handled = true;
          --s->running;
          --taken;
          if (!s->removed) {
            s->queue.push_front(std::move(t->item));
            put_in_ring(s, true);
          }
          pool_retry =
              Clock::now() + std::chrono::milliseconds(st.error().is(runtime::RuntimeErrc::kBusy) ? 10 : 100);
          idle_cv.notify_all();
          break;
        }
      }
      // Every wait is bounded; a second is the longest, for a clock that jumps.
      auto until = Clock::now() + std::chrono::seconds(1);
      if (next_due) until = std::min(until, *next_due);
      if (pool_retry > Clock::now()) until = std::min(until, pool_retry);
      wake_cv.wait_until(lock, until, [&] { return stopping || kick; });
      kick = false;
    }
  }

  void run(Taken& t, std::stop_token pool_token) {
    Service& s = *t.service;
    RunReport report = t.base_report();
    bool skip = false;
    {
      std::lock_guard lock(mu);
      if (s.removed) {
        report.disposition = Disposition::kDropped;
        report.error = "not run: the service was removed";
        skip = true;
      } else if (stopping) {
        report.disposition = Disposition::kPending;
        report.error = "not run: the dispatcher is stopping";
        skip = true;
      } else {
        ++s.executing;
      }
    }
    std::optional<Delayed> retry;
    if (!skip) {
      std::stop_source cancel;
      const auto request = [&cancel] { cancel.request_stop(); };
      std::stop_callback by_pool(pool_token, request);
      std::stop_callback by_service(s.stop.get_token(), request);
      std::stop_callback by_stop(stop_source.get_token(), request);

      const PreparedWorkflow& wf = *t.item.workflow;
      const auto begin = Clock::now();
      const std::shared_ptr<const wasi::Program> program = wf.current();
      report.native = program != wf.program;
      auto result = component::execute(*program, t.item.action, wf.context, services, cancel.get_token());
      report.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begin);
      classify(result, cancel.stop_requested(), s, report);
      {
        std::lock_guard lock(mu);
        --s.executing;
      }
      if (report.disposition == Disposition::kRetry) {
        WorkItem again = t.item;
        again.failed_attempts = report.attempt;
        retry = Delayed{std::move(again), Clock::now() + report.retry_in};
      }
    }
    finish(t, std::move(report), std::move(retry));
  }

  void classify(Result<component::ExecResult>& result, bool cancelled, const Service& s, RunReport& r) const {
    if (result) {
      r.outcome = result->outcome;
      r.error = result->error;
      r.fuel_consumed = result->fuel_consumed;
    } else {
      r.error = result.error().message();
    }
    if (result && result->ok()) {
      r.disposition = Disposition::kSucceeded;
      r.responses = std::move(result->responses);
      return;
    }
    if (cancelled && (!result || result->outcome == component::ExecOutcome::kCancelled)) {
      r.disposition = s.stop.stop_requested() ? Disposition::kDropped : Disposition::kPending;
      return;
    }
    if (!retryable(result)) {
      r.disposition = Disposition::kFailed;
      return;
    }
    if (r.attempt >= config.max_attempts) {
      r.disposition = Disposition::kFailed;
      r.error +=
          " (attempt " + std::to_string(r.attempt) + " of " + std::to_string(config.max_attempts) + ")";
      return;
    }
    r.disposition = Disposition::kRetry;
    r.retry_in = Dispatcher::backoff(config, r.attempt);
  }

  // The one report of a taken item, then its slot is given back. The sink is called
  // with no lock held; `taken` goes down last, so stop() and the destructor see every
  // report made before they return.
  void finish(Taken& t, RunReport report, std::optional<Delayed> retry) {
    t.handled = true;
    try {
      sink.finished(std::move(report));
    } catch (const std::exception& e) {
      spdlog::error("dispatch sink failed with an exception: {}", e.what());
    } catch (...) {
      spdlog::error("dispatch sink failed with an unknown exception");
    }
    Service& s = *t.service;
    bool room = false;
    {
      std::lock_guard lock(mu);
      --s.running;
      if (retry && !s.removed) {
        // Kept ordered by due time at insertion (after equal ones: first failed, first retried).
        auto at = std::upper_bound(s.delayed.begin(), s.delayed.end(), retry->due,
                                   [](Clock::time_point due, const Delayed& d) { return due < d.due; });
        s.delayed.insert(at, std::move(*retry));
      }
      if (s.refused && !s.removed && s.load() < s.options.queue_capacity) {
        s.refused = false;
        room = true;
      }
    }
    if (room) {
      try {
        sink.room(s.id);
      } catch (...) {
        spdlog::error("dispatch sink failed in room()");
      }
    }
    std::lock_guard lock(mu);
    --taken;
    idle_cv.notify_all();
    wake();
  }

  StopReport stop(std::chrono::milliseconds bound) {
    {
      std::lock_guard lock(mu);
      stopping = true;
      wake();
    }
    stop_source.request_stop();  // every run's cancel, through its stop_callback
    {
      std::lock_guard join(join_mu);
      if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
    }
    std::unique_lock lock(mu);
    idle_cv.wait_for(lock, bound, [&] { return taken == 0; });
    StopReport report;
    report.still_running = taken;
    for (auto& [id, s] : by_id) {
      for (const auto& item : s->queue) report.pending.push_back({id, item.event_id});
      for (const auto& d : s->delayed) report.pending.push_back({id, d.item.event_id});
      s->queue.clear();
      s->delayed.clear();
    }
    ring.clear();
    return report;
  }
};

Dispatcher::Dispatcher(runtime::WorkerPool& pool, const component::HostServices& services, DispatchSink& sink,
                       DispatcherConfig config)
    : impl_(std::make_shared<Impl>(pool, services, sink, config)) {}

Dispatcher::~Dispatcher() {
  (void)impl_->stop(impl_->config.stop_bound);
  // The sink, the pool and the workflows are borrowed: no report may come after this.
  std::unique_lock lock(impl_->mu);
  impl_->idle_cv.wait(lock, [&] { return impl_->taken == 0; });
}

void Dispatcher::start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopping) return;
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

void Dispatcher::attach(runtime::Daemon& daemon) {
  // The stopper holds the state, not the Dispatcher: it may run after the Dispatcher is gone.
  daemon.add_stopper("dispatcher", [impl = impl_] {
    const auto report = impl->stop(impl->config.stop_bound);
    spdlog::info("dispatcher stopped: {} item(s) left pending, {} run(s) still running",
                 report.pending.size(), report.still_running);
  });
}

Status Dispatcher::add_service(const Hash256& service_id, ServiceOptions options) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return Error(NodeErrc::kStopped, "the dispatcher is stopping");
  if (impl_->by_id.count(service_id) != 0) {
    return Error(NodeErrc::kServiceExists, "service " + service_id.hex() + " is already dispatched");
  }
  auto s = std::make_shared<Service>();
  s->id = service_id;
  s->options = options;
  if (s->options.queue_capacity == 0) s->options.queue_capacity = 1;
  impl_->by_id.emplace(service_id, std::move(s));
  return {};
}

Result<std::size_t> Dispatcher::remove_service(const Hash256& service_id) {
  std::shared_ptr<Service> s;
  std::size_t dropped = 0;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->by_id.find(service_id);
    if (it == impl_->by_id.end()) return Error(NodeErrc::kUnknownService, "service " + service_id.hex());
    s = std::move(it->second);
    impl_->by_id.erase(it);
    s->removed = true;
    dropped = s->queue.size() + s->delayed.size();
    s->queue.clear();
    s->delayed.clear();
  }
  s->stop.request_stop();  // its running items end with kCancelled, reported kDropped
  return dropped;
}

Status Dispatcher::pause(const Hash256& service_id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_id.find(service_id);
  if (it == impl_->by_id.end()) return Error(NodeErrc::kUnknownService, "service " + service_id.hex());
  it->second->options.paused = true;
  return {};
}

Status Dispatcher::resume(const Hash256& service_id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_id.find(service_id);
  if (it == impl_->by_id.end()) return Error(NodeErrc::kUnknownService, "service " + service_id.hex());
  it->second->options.paused = false;
  impl_->put_in_ring(it->second);
  impl_->wake();
  return {};
}

Status Dispatcher::enqueue(WorkItem item) {
  const Hash256 id = item.action.service_id;
  if (!item.workflow || !item.workflow->program) {
    return Error(NodeErrc::kBadWorkItem, "work item " + item.event_id.hex() + ": no prepared workflow");
  }
  const auto& ctx = item.workflow->context;
  if (ctx.service_id != id || ctx.workflow_id != item.action.workflow_id) {
    return Error(NodeErrc::kBadWorkItem, "work item " + item.event_id.hex() + ": the action is for " +
                                             id.hex() + "/" + item.action.workflow_id + ", its workflow is " +
                                             ctx.service_id.hex() + "/" + ctx.workflow_id);
  }
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return Error(NodeErrc::kStopped, "the dispatcher is stopping");
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return Error(NodeErrc::kUnknownService, "service " + id.hex());
  Service& s = *it->second;
  if (s.load() >= s.options.queue_capacity) {
    s.refused = true;
    return Error(NodeErrc::kBusy, "service " + id.hex() + " has " + std::to_string(s.options.queue_capacity) +
                                      " items queued, retrying or running");
  }
  s.queue.push_back(std::move(item));
  impl_->put_in_ring(it->second);
  impl_->wake();
  return {};
}

StopReport Dispatcher::stop(std::chrono::milliseconds bound) { return impl_->stop(bound); }

std::optional<ServiceStats> Dispatcher::stats(const Hash256& service_id) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_id.find(service_id);
  if (it == impl_->by_id.end()) return std::nullopt;
  const Service& s = *it->second;
  return ServiceStats{s.queue.size(), s.delayed.size(), s.running, s.executing, s.options.paused};
}

std::size_t Dispatcher::running() const {
  std::lock_guard lock(impl_->mu);
  return impl_->taken;
}

}  // namespace wavs::node
