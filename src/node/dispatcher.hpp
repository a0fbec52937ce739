#pragma once
// Dispatcher: runs ready work items (a TriggerAction for one workflow of one service)
// on the daemon's worker pool with component::execute, fairly across services, and
// hands every finished run to the caller's sink.
//
//   node::Dispatcher dispatcher(daemon.workers(), host_services, sink, {});
//   dispatcher.attach(daemon);                     // stopped in the daemon's shutdown
//   (void)dispatcher.add_service(service_id);
//   for (auto& item : pending_from_storage) (void)dispatcher.enqueue(std::move(item));
//   dispatcher.start();
//   auto st = dispatcher.enqueue(item);            // kBusy: keep it durable, retry on sink.room()
//
// It knows nothing of storage: the node keeps every work item durable until the sink
// reports it finished (kSucceeded, kFailed) or dropped, dedupes by EventId before
// enqueueing, and re-enqueues what was left pending at the next start.
//
// Scheduling: each service has a bounded queue (ServiceOptions::queue_capacity counts
// its queued, waiting-to-retry and running items); enqueue() refuses with kBusy when it
// is full. A run slot (at most DispatcherConfig::max_running at once, by default the
// pool's thread count) goes to the services in turn, one item each, round-robin: with N
// services holding work, an item at the head of its queue starts within N runs, whatever
// the others have queued.
//
// Limits: the node-wide caps are HostServices::caps (see run_caps), applied by
// component::execute over each workflow's own limits (wasi::RunLimits::within).
//
// Retry policy (docs/node.md, "Dispatch and retries"), by how a run ended:
//   success                               kSucceeded
//   exit != 0, trap, fuel exhausted       kFailed at once: deterministic, the same input
//                                         fails the same way on every retry and operator
//   time limit; execute's kUnavailable,   kRetry with backoff (retry_base · 2^(attempt-1),
//   kInternal, kTimeout, kNetwork         at most retry_max) while attempt < max_attempts,
//                                         then kFailed: wall time and host services
//                                         depend on this host's load, not the input
//   execute's other errors (kBadContext,  kFailed at once
//   kInvalid, a module that does not load)
//   cancelled by stop or pool shutdown    kPending: not an attempt; re-enqueue it at the next start
//   cancelled by remove_service           kDropped
//
// Contract:
//   owns      its queues and one scheduling thread (from start() to stop()); borrows the
//             pool, the HostServices and the sink, which must outlive it.
//   threads   every public method is thread-safe. The sink is called on the worker
//             thread that took the item, or, for an item the pool discarded unrun at its
//             own shutdown, on the thread that shut the pool down.
//   blocking  enqueue(), pause(), resume(), remove_service() never block; stop() waits up
//             to its bound; the destructor stops and then waits for every taken item's
//             report (runs honour cancellation, so this is prompt).
//   cancels   remove_service() cancels its running items through the service's own
//             std::stop_source; stop() and the pool's shutdown cancel every run.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/runner.hpp"
#include "eth/envelope.hpp"
#include "node/error.hpp"
#include "wasi/run.hpp"

namespace wavs::runtime {
class Daemon;
class WorkerPool;
}  // namespace wavs::runtime

namespace wavs::node {

struct Settings;

// The native code of a component, filled in by the background compile (node `tier`,
// docs/configuration.md) while the interpreter serves. Thread-safe.
class NativeSlot {
 public:
  [[nodiscard]] std::shared_ptr<const wasi::Program> get() const {
    std::lock_guard lock(mu_);
    return program_;
  }
  void set(std::shared_ptr<const wasi::Program> program) {
    std::lock_guard lock(mu_);
    program_ = std::move(program);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const wasi::Program> program_;
};

// A workflow ready to run: its context and its compiled component, shared by its items.
struct PreparedWorkflow {
  component::WorkflowContext context;
  std::shared_ptr<const wasi::Program> program;  // the interpreter's
  std::shared_ptr<const NativeSlot> native;      // set unless the tier is interp

  // What the next run uses: native code once it is ready (same results, same fuel).
  [[nodiscard]] std::shared_ptr<const wasi::Program> current() const {
    if (native) {
      if (auto p = native->get()) return p;
    }
    return program;
  }
};

struct WorkItem {
  eth::EventId event_id;  // the caller's dedupe key (component::event_id of the action)
  component::TriggerAction action;
  std::shared_ptr<const PreparedWorkflow> workflow;
  std::uint32_t failed_attempts = 0;  // retryable failures so far, as the caller persisted them
};

enum class Disposition : std::uint8_t {
  kSucceeded,  // final: responses to sign
  kFailed,     // final: recorded with its error, never retried
  kRetry,      // this attempt failed; the dispatcher runs it again after retry_in
  kPending,    // stopped before it finished: not an attempt; enqueue again at the next start
  kDropped,    // its service was removed
};
[[nodiscard]] std::string_view to_string(Disposition disposition);

struct RunReport {
  Hash256 service_id;
  std::string workflow_id;
  eth::EventId event_id;
  Disposition disposition = Disposition::kFailed;
  std::uint32_t attempt = 0;                      // 1 for the first run; failed_attempts + 1
  std::optional<component::ExecOutcome> outcome;  // none when execute returned an error or it did not run
  std::string error;                              // empty on success
  std::uint64_t fuel_consumed = 0;
  std::chrono::microseconds duration{0};       // wall clock of the execute call
  bool native = false;                         // the run was native code (PreparedWorkflow::current())
  std::vector<component::Response> responses;  // kSucceeded only
  std::chrono::milliseconds retry_in{0};       // kRetry only
};

// The caller's side: persistence of results, refilling from the durable queue.
class DispatchSink {
 public:
  virtual ~DispatchSink() = default;
  // Exactly one report per item the dispatcher took from a queue. May block briefly
  // (a database write); it holds a run slot meanwhile. May call the dispatcher, except
  // stop() and the destructor.
  virtual void finished(RunReport report) = 0;
  // A service whose enqueue() was refused with kBusy has room again.
  virtual void room(const Hash256& /*service_id*/) {}
};

struct DispatcherConfig {
  std::size_t max_running = 0;     // runs at once; 0: the pool's thread count
  std::uint32_t max_attempts = 3;  // runs of one item, retries included
  std::chrono::milliseconds retry_base{1'000};
  std::chrono::milliseconds retry_max{60'000};
  std::chrono::milliseconds stop_bound{1'500};  // attach(): within the daemon's shutdown_bound
};

struct ServiceOptions {
  std::size_t queue_capacity = 1024;  // queued + waiting to retry + running; at least 1
  bool paused = false;
};

struct ServiceStats {
  std::size_t queued = 0;     // waiting for a run slot
  std::size_t delayed = 0;    // waiting for a retry
  std::size_t running = 0;    // taken from the queue, report not yet made
  std::size_t executing = 0;  // of those, inside component::execute
  bool paused = false;
};

struct StopReport {
  struct Left {
    Hash256 service_id;
    eth::EventId event_id;
  };
  std::vector<Left> pending;      // queued or waiting to retry, never reported: enqueue at the next start
  std::size_t still_running = 0;  // runs that had not ended within the bound
  [[nodiscard]] bool complete() const { return still_running == 0; }
};

// The node-wide caps of `settings` (max_wasm_fuel, max_execution_seconds,
// max_memory_bytes), for HostServices::caps.
[[nodiscard]] wasi::RunLimits run_caps(const Settings& settings);

class Dispatcher {
 public:
  Dispatcher(runtime::WorkerPool& pool, const component::HostServices& services, DispatchSink& sink,
             DispatcherConfig config = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the scheduling thread; items enqueued before wait for it. Idempotent.
  void start();
  // Registers stop(config.stop_bound) as a stopper of the daemon (shutdown step 2).
  void attach(runtime::Daemon& daemon);

  // kServiceExists when present; kStopped after stop().
  [[nodiscard]] Status add_service(const Hash256& service_id, ServiceOptions options = {});
  // Drops its queued items (returns how many) and cancels its running ones, whose
  // reports say kDropped. kUnknownService when absent.
  [[nodiscard]] Result<std::size_t> remove_service(const Hash256& service_id);
  // A paused service keeps its queue and accepts items but starts none; running items go on.
  [[nodiscard]] Status pause(const Hash256& service_id);
  [[nodiscard]] Status resume(const Hash256& service_id);

  // Queues an item of service item.action.service_id. kBusy when its queue is full,
  // kUnknownService, kStopped, kBadWorkItem (no workflow or program, or ids that disagree).
  [[nodiscard]] Status enqueue(WorkItem item);

  // Stops accepting, drops the queues (listed in the report), cancels every run and
  // waits up to `bound` for their reports. Idempotent; later calls wait again.
  [[nodiscard]] StopReport stop(std::chrono::milliseconds bound);

  [[nodiscard]] std::optional<ServiceStats> stats(const Hash256& service_id) const;
  [[nodiscard]] std::size_t running() const;

  // The delay before attempt `failed_attempts + 1` under `config`.
  [[nodiscard]] static std::chrono::milliseconds backoff(const DispatcherConfig& config,
                                                         std::uint32_t failed_attempts);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace wavs::node
