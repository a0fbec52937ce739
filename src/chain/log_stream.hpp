#pragma once
// LogStream: the one source of contract events for triggers. It delivers every log that
// matches its filters exactly once and in chain order, across WebSocket drops, node
// fail-over and process restarts, and reports reorganisations as retractions.
//
// How: the stream keeps a cursor, the last block it has fully delivered (number and
// hash). Each step reads the next range of blocks (at most max_range) with eth_getLogs,
// up to `confirmations` blocks below the head, checks that the range's first block
// builds on the cursor's hash, and hands the logs over as one LogBatch whose cursor the
// caller persists together with the batch's effects. A restart passes that cursor back
// in and resumes with no gap and no duplicate. After every (re)connect the same steps
// back-fill whatever was missed, in bounded ranges, before following the head again.
//
// New heads and logs from the WebSocket subscription (or, without a WebSocket endpoint,
// a poll timer) only say "there is something new"; the logs themselves always come from
// eth_getLogs. Nodes do not order notifications across subscriptions, so a live `logs`
// notification cannot prove that a block's logs are complete; a range query can. A live
// log with removed=true makes the stream re-check its cursor at once.
//
// Reorgs: when the next block does not build on the cursor (or the cursor's block is
// gone), the stream walks back through the blocks it remembers (reorg_window) to the
// newest one still on the chain, retracts the logs it delivered above it (removed=true,
// newest first) and resumes from there. If nothing it remembers is still on the chain
// (a deep reorg, or a restart onto a changed chain) it rewinds reorg_window blocks and
// marks the batch `rewound`: the caller must then drop its own state above the cursor.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

#include "chain/error.hpp"
#include "chain/rpc_client.hpp"
#include "chain/subscriber.hpp"
#include "chain/types.hpp"

namespace wavs::chain {

// The last fully delivered block. Persist it with the effects of the batch it came with.
struct Cursor {
  std::uint64_t block_number = 0;
  Hash256 block_hash;
  bool operator==(const Cursor&) const = default;
};

struct LogBatch {
  std::vector<Log> retracted;  // earlier deliveries undone by a reorg, newest first, removed = true
  std::vector<Log> logs;       // new logs in chain order
  Cursor cursor;               // everything up to and including this block is delivered
  bool rewound = false;        // retractions were not possible; drop state above `cursor`
};

struct LogStreamConfig {
  std::vector<LogFilter> filters;   // a log matching any of them is delivered (once)
  std::uint64_t confirmations = 0;  // deliver a block once the head is this many blocks past it
  // Blocks per eth_getLogs. A failed query halves the range for the next try and
  // successes double it again, so a provider's result cap or a flaky link that cannot
  // carry a large answer slows the back-fill down instead of stalling it.
  std::uint64_t max_range = 500;
  std::optional<Cursor> resume_from;
  // Without a cursor: the first block to deliver. Default: the first block that becomes
  // deliverable after start. Block 0 (genesis) has no logs, so 0 behaves like 1.
  std::optional<std::uint64_t> start_block;
  std::uint64_t reorg_window = 128;                // blocks remembered for retractions
  std::chrono::milliseconds poll_interval{1'000};  // without a live WebSocket
  std::chrono::milliseconds safety_poll{15'000};   // with one, in case a notification is lost
  std::chrono::milliseconds retry_initial{200};    // after a failed step, doubling…
  std::chrono::milliseconds retry_max{5'000};      // …up to this
  // Stop requested: the stream thread ends its current step and delivers nothing more,
  // as stop() but without joining (the owner still calls stop() or destroys the stream).
  std::stop_token cancel;
};

// What the stream needs from a node; RpcClient provides it. A seam for tests.
class ChainSource {
 public:
  virtual ~ChainSource() = default;
  [[nodiscard]] virtual Result<std::uint64_t> head() = 0;
  [[nodiscard]] virtual Result<std::optional<BlockHeader>> header(std::uint64_t number) = 0;
  [[nodiscard]] virtual Result<std::vector<Log>> logs(const LogFilter& filter, std::uint64_t from,
                                                      std::uint64_t to) = 0;
};

// The stream's engine, without threads: each step() does one bounded unit of work.
class LogSyncer {
 public:
  LogSyncer(ChainSource& source, LogStreamConfig config);

  // A batch when there was something to deliver or retract, nullopt when caught up.
  // Errors leave the state unchanged; call again later.
  [[nodiscard]] Result<std::optional<LogBatch>> step();
  // Undoes the last step() that returned a batch: the cursor and the remembered blocks go
  // back to where they were, so the next step() produces the same batch again (from the
  // chain as it is then). For a batch its consumer could not take.
  void rollback();
  // Re-verify the cursor's block on the next step (a removed log was seen).
  void check_cursor() { check_cursor_ = true; }
  [[nodiscard]] std::optional<Cursor> cursor() const { return cursor_; }

 private:
  struct Remembered {
    std::uint64_t number = 0;
    Hash256 hash;
    // Delivered logs of this block; shared so that the snapshot for rollback() is a
    // cheap copy (replaced, never changed in place).
    std::shared_ptr<const std::vector<Log>> logs;
  };
  struct State {
    std::optional<Cursor> cursor;
    bool check_cursor = false;
    std::deque<Remembered> recent;
  };
  Result<std::optional<LogBatch>> initialise();
  Result<LogBatch> unwind();
  void remember(std::uint64_t number, const Hash256& hash, std::vector<Log> logs);

  ChainSource& source_;
  LogStreamConfig config_;
  LogFilter merged_;
  std::optional<Cursor> cursor_;
  bool check_cursor_ = false;
  std::uint64_t range_ = 1;        // current blocks per query, 1..max_range
  std::deque<Remembered> recent_;  // ascending block numbers, at most reorg_window back
  std::optional<State> before_;    // state before the last step, for rollback()
};

// Contract:
//   owns      its RpcClient, its Subscriber and one thread (the stream thread).
//   threads   the handler runs on the stream thread, one batch at a time, in order.
//   blocking  the handler may block (it normally writes the batch's effects and the
//             cursor to storage in one transaction); the stream waits for it. Its
//             waits should end when LogStreamConfig::cancel is requested.
//   failure   a handler that returns an error did not take the batch: the cursor does not
//             move, and the same batch (re-read from the chain, so a reorg in between is
//             honoured) is delivered again after the retry back-off. Nothing is skipped.
//   cancels   stop(), the destructor, or LogStreamConfig::cancel.
//
// Why a thread of its own rather than a daemon's io_context: every step is a blocking
// libcurl exchange, which would stall whatever else shares the context.
class LogStream {
 public:
  using Handler = std::function<Status(const LogBatch&)>;

  // Reads with its own RpcClient over `rpc`; follows heads over `ws` when given,
  // otherwise polls every poll_interval.
  LogStream(RpcConfig rpc, std::optional<SubscriberConfig> ws, LogStreamConfig config, Handler handler);
  ~LogStream();  // stop()
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  // Starts the stream thread. Idempotent while running; kStopped once the stream has
  // been stopped (stop(), or a cancelled token): a stopped stream is not restarted,
  // create a new one from its cursor().
  [[nodiscard]] Status start();
  // Returns once the stream thread has ended; no handler runs afterwards. A batch that
  // was being delivered completes first. Idempotent.
  void stop();

  // The cursor of the last delivered batch (or the starting cursor).
  [[nodiscard]] std::optional<Cursor> cursor() const;
  // Steps that failed and were retried (handler failures included); (re)connections of
  // the subscription; batches the handler refused.
  [[nodiscard]] int failed_steps() const;
  [[nodiscard]] int connections() const;
  [[nodiscard]] int refused_batches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::chain
