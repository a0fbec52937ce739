#pragma once
// Daemon: the executors a long-running role (the node, the aggregator) owns, and its
// structured shutdown. The shape follows the usual one for Asio servers: the process
// owns its executors; shutdown cancels and joins.
//
//   runtime::Daemon daemon({.io_threads = 2, .workers = {.threads = 2}});
//   daemon.start();                                   // I/O threads, SIGINT/SIGTERM handlers
//   auto token = daemon.stop_token();                 // hand it to everything that waits
//   daemon.add_stopper("log stream evm:1", [&] { stream.stop(); });
//   auto st = daemon.run();                           // blocks until a signal or request_stop()
//
// Shutdown, in order: (1) the stop token is requested, which ends component runs
// (wasi::RunOptions::cancel), RPC waits and exchanges (RpcConfig::cancel), outbound HTTP
// and log streams that were given it; (2) the stoppers run, newest first, for parts with
// threads of their own; (3) the worker pool discards queued tasks and joins its threads;
// (4) the I/O contexts stop and their threads are joined. Steps 2–3 share one bound
// (DaemonConfig::shutdown_bound); what overran it is named in the returned kTimeout.
//
// Contract:
//   owns      the ContextPool and the WorkerPool; stoppers are borrowed callables.
//   threads   signals are handled on I/O context 0; stoppers run on the thread that
//             runs shutdown() (run()'s caller, normally main).
//   blocking  run() blocks; request_stop() never does and may be called from any
//             thread, including an I/O or worker thread.
//   cancels   request_stop(), SIGINT, SIGTERM.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "common/error.hpp"
#include "runtime/context_pool.hpp"
#include "runtime/error.hpp"
#include "runtime/worker_pool.hpp"

namespace wavs::runtime {

struct DaemonConfig {
  std::size_t io_threads = 1;
  WorkerPoolConfig workers;
  std::chrono::milliseconds shutdown_bound{2'000};
  bool handle_signals = true;  // SIGINT and SIGTERM begin shutdown
};

class Daemon {
 public:
  explicit Daemon(DaemonConfig config = {});
  ~Daemon();  // shutdown()
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the I/O threads and installs the signal handlers. Idempotent.
  void start();

  [[nodiscard]] ContextPool& io();
  [[nodiscard]] WorkerPool& workers();
  // Requested when shutdown begins.
  [[nodiscard]] std::stop_token stop_token() const;
  [[nodiscard]] bool stop_requested() const;

  // A part with threads of its own, stopped in step 2. `stop` must end within the bound;
  // an exception from it is logged and counted as an overrun.
  void add_stopper(std::string name, std::function<void()> stop);

  // Begins shutdown: wakes run(). Thread-safe, never blocks.
  void request_stop();
  // Blocks until request_stop() or a signal, then shuts down; returns shutdown()'s status.
  [[nodiscard]] Status run();
  // Waits until stop is requested or `timeout` passes; true when requested.
  [[nodiscard]] bool wait_for_stop(std::chrono::milliseconds timeout);
  // Steps 1–4 above; idempotent (later calls return the first one's status).
  [[nodiscard]] Status shutdown();

  // The signal that began shutdown (SIGINT, SIGTERM), 0 when none did.
  [[nodiscard]] int stop_signal() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::runtime
