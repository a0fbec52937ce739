#pragma once
// The durable state of a node or an aggregator, behind an interface small enough for a
// second backend (PostgreSQL, so several processes of one operator can share state).
//
//   auto store = storage::open_sqlite_state_store("data/node.sqlite");
//   storage::Batch batch;
//   batch.expect_absent("seen", event_id)          // dedupe: only new events
//        .put("seen", event_id, {})
//        .put("cursors", chain_key, block_bytes)    // persist the cursor ...
//        .push("work", action_json);                // ... and enqueue the work, atomically
//   auto outcome = (*store)->apply(batch);
//   if (outcome && !outcome->applied) { /* already seen: nothing was written */ }
//
// Model. Tables hold records: key → value, both bytes, keys ordered bytewise. Queues
// hold items: an id assigned at push (increasing, never reused) and a payload; the
// oldest item has the lowest id. Table and queue names are 1-64 bytes of [a-z0-9_.-];
// a table and a queue may share a name.
//
// Contract of every implementation:
// - apply() is atomic and isolated: every operation of the batch takes effect, or none
//   does, and no reader sees part of a batch. Operations run in order, so a check sees
//   the batch's earlier writes. A check that fails (expect_absent, expect_value, or a pop
//   of an item that is not there) stops the batch: nothing is written and the outcome
//   names the check. That is how insert-if-absent, compare-and-set and single-consumer
//   claims of queue items are written. Once apply() returns applied, the batch is durable.
// - get/scan/peek each read one consistent snapshot.
// - Every call is thread-safe and atomic also against other processes on the same state.
// - A call waits only for locks held by others, for at most the store's busy bound
//   (OpenOptions::busy_timeout for SQLite), then fails with kBusy and changes nothing;
//   nothing else cancels or interrupts a wait. An error from apply() means the batch was
//   not applied (a backend across a network may not know: batches with checks make a
//   retry safe).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "storage/database.hpp"
#include "storage/error.hpp"

namespace wavs::storage {

struct Record {
  Bytes key;
  Bytes value;
  bool operator==(const Record&) const = default;
};

struct QueueItem {
  std::uint64_t id = 0;
  Bytes payload;
  bool operator==(const QueueItem&) const = default;
};

class Batch {
 public:
  enum class OpKind { kPut, kErase, kExpectAbsent, kExpectValue, kPush, kPop };
  struct Op {
    OpKind kind;
    std::string name;      // table or queue
    Bytes key;             // tables
    Bytes value;           // put / expect_value / push payload
    std::uint64_t id = 0;  // pop
  };

  Batch& put(std::string_view table, ByteView key, ByteView value);
  // Absent keys are fine.
  Batch& erase(std::string_view table, ByteView key);
  // Checks.
  Batch& expect_absent(std::string_view table, ByteView key);
  Batch& expect_value(std::string_view table, ByteView key, ByteView value);
  Batch& push(std::string_view queue, ByteView payload);
  // Removes the item; a check too: fails the batch when the item is not (or no longer) queued.
  Batch& pop(std::string_view queue, std::uint64_t id);

  [[nodiscard]] const std::vector<Op>& ops() const { return ops_; }
  [[nodiscard]] bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

struct BatchOutcome {
  bool applied = false;
  // When not applied: the index in Batch::ops() of the check that failed.
  std::size_t failed_op = 0;
  // When applied: the ids given to the batch's pushes, in order.
  std::vector<std::uint64_t> pushed;
};

// The most records or items one scan or peek returns; larger limits are cut to it.
inline constexpr std::uint32_t kMaxScanLimit = 10000;

// Errors: kInvalid (a name outside the rules, a limit of 0; nothing is read or written),
// kBusy (the bound passed), and the backend's failures (kIo, kFull, kCorrupt, ...).
class StateStore {
 public:
  virtual ~StateStore() = default;

  // nullopt when the key is absent.
  [[nodiscard]] virtual Result<std::optional<Bytes>> get(std::string_view table, ByteView key) = 0;
  // Records with keys strictly after `after` (bytewise), ascending, at most `limit`.
  // An empty `after` starts at the first key.
  [[nodiscard]] virtual Result<std::vector<Record>> scan(std::string_view table, ByteView after,
                                                         std::uint32_t limit) = 0;
  // The oldest `limit` items, oldest first; they stay queued until popped.
  [[nodiscard]] virtual Result<std::vector<QueueItem>> peek(std::string_view queue, std::uint32_t limit) = 0;
  [[nodiscard]] virtual Result<BatchOutcome> apply(const Batch& batch) = 0;
};

// The rule for table and queue names; empty when `name` follows it, else why not.
[[nodiscard]] std::string name_problem(std::string_view name);

// The SQLite backend: one file (schema "state"), created when missing; see Database for
// what open checks. One connection, so calls from several threads take turns.
[[nodiscard]] Result<std::unique_ptr<StateStore>> open_sqlite_state_store(const std::filesystem::path& file,
                                                                          OpenOptions options = {});

}  // namespace wavs::storage
