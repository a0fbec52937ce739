#pragma once
// ContextPool: the I/O threads a daemon owns. N Asio io_contexts, each run by exactly
// one thread, handed out round robin. One context per thread (rather than N threads on
// one context) keeps Asio's internals free of cross-thread locking; code that needs
// ordering takes a strand (or a context of its own) per resource, as Beast's servers do.
//
// Contract:
//   owns      the io_contexts and their threads; contexts outlive every handler they run.
//   threads   handlers posted to context i run on pool thread i only.
//   blocking  handlers must not block (no libcurl, no sqlite waits, no component runs):
//             that work belongs on a WorkerPool. A blocked handler stalls every socket
//             of its context.
//   cancels   stop() stops every context: handlers not yet run are dropped (their
//             destructors run when the pool is destroyed), threads return. Code that
//             must finish cleanly closes its sockets/cancels its timers before stop().
//
// Asio stays out of this header: callers that post work include boost/asio themselves
// and use context(i) / next().

#include <cstddef>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace wavs::runtime {

class ContextPool {
 public:
  // `threads` contexts (at least 1). Nothing runs until start().
  explicit ContextPool(std::size_t threads);
  ~ContextPool();  // stop() and join()
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  // Starts one thread per context. Idempotent; a stopped pool is not restarted.
  void start();
  // Each context's run() returns as soon as its current handler ends. Idempotent, callable
  // from any thread, including a pool thread (it does not join).
  void stop();
  // Waits for the threads to end. Must not be called from a pool thread.
  void join();

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] boost::asio::io_context& context(std::size_t index);
  // Round robin over the contexts; thread-safe.
  [[nodiscard]] boost::asio::io_context& next();
  // True on one of this pool's threads.
  [[nodiscard]] bool in_pool_thread() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::runtime
