#include "storage/state_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/test_support.hpp"

namespace wavs::storage {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty()) << "cannot create a temporary directory";
    dir_ = temp_.path();
    file_ = dir_ / "state.sqlite";
  }

  std::unique_ptr<StateStore> open(OpenOptions options = {}) {
    auto store = open_sqlite_state_store(file_, options);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message());
    return store ? std::move(*store) : nullptr;
  }

  static BatchOutcome apply(StateStore& store, const Batch& batch) {
    auto outcome = store.apply(batch);
    EXPECT_TRUE(outcome.has_value()) << (outcome ? "" : outcome.error().message());
    return outcome ? *outcome : BatchOutcome{};
  }

  static std::string value(StateStore& store, std::string_view table, std::string_view key) {
    auto got = store.get(table, as_bytes(key));
    EXPECT_TRUE(got.has_value()) << (got ? "" : got.error().message());
    if (!got || !*got) return "<absent>";
    return std::string((*got)->begin(), (*got)->end());
  }

  test::TempDir temp_{"wavs-state"};
  fs::path dir_;
  fs::path file_;
};

TEST_F(StateStoreTest, RecordsAreKeptPerTableAndScannedInBytewiseOrder) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::vector<Bytes> sorted = {{0x00},      {0x00, 0x00}, {0x01}, {'a'},
                                     {'a', 0x00}, {0x7f},       {0x80}, {0xff}};
  Batch batch;
  for (std::size_t i = 0; i < sorted.size(); ++i)
    batch.put("cursors", sorted[(i * 3) % sorted.size()], b("v"));
  batch.put("other", Bytes{0x01}, b("elsewhere"));
  EXPECT_TRUE(apply(*store, batch).applied);

  auto all = store->scan("cursors", {}, 100);
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ((*all)[i].key, sorted[i]);

  // Pages by cursor cover every key once.
  std::vector<Bytes> seen;
  Bytes cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store->scan("cursors", cursor, 3);
    ASSERT_TRUE(page);
    for (const auto& r : *page) seen.push_back(r.key);
    if (page->size() < 3) break;
    cursor = page->back().key;
  }
  EXPECT_EQ(seen, sorted);

  EXPECT_EQ(value(*store, "other", "\x01"), "elsewhere");
  EXPECT_EQ(value(*store, "cursors", "nope"), "<absent>");
  // Replace and erase; erasing an absent key is fine.
  EXPECT_TRUE(apply(*store, Batch()
                                .put("other", Bytes{0x01}, b("new"))
                                .erase("cursors", Bytes{'a'})
                                .erase("cursors", b("never there")))
                  .applied);
  EXPECT_EQ(value(*store, "other", "\x01"), "new");
  auto rest = store->scan("cursors", {}, 100);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->size(), sorted.size() - 1);
}

TEST_F(StateStoreTest, InsertIfAbsentDedupesAndEnqueuesOnce) {
  auto store = open();
  ASSERT_TRUE(store);
  auto record_event = [&](std::string_view event_id, std::string_view block) {
    Batch batch;
    batch.expect_absent("seen", as_bytes(event_id))
        .put("seen", as_bytes(event_id), {})
        .put("cursors", b("chain-1"), as_bytes(block))
        .push("work", as_bytes(event_id));
    return apply(*store, batch);
  };
  auto first = record_event("event-a", "100");
  EXPECT_TRUE(first.applied);
  ASSERT_EQ(first.pushed.size(), 1u);
  auto again = record_event("event-a", "101");
  EXPECT_FALSE(again.applied);
  EXPECT_EQ(again.failed_op, 0u);
  EXPECT_TRUE(again.pushed.empty());
  // Nothing of the refused batch was written: not the cursor, not the queue item.
  EXPECT_EQ(value(*store, "cursors", "chain-1"), "100");
  auto queued = store->peek("work", 10);
  ASSERT_TRUE(queued);
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].id, first.pushed[0]);
  EXPECT_EQ((*queued)[0].payload, b("event-a"));
}

TEST_F(StateStoreTest, CompareAndSetSeesEarlierOpsOfTheBatch) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(apply(*store, Batch().put("t", b("k"), b("1"))).applied);
  // A stale expectation: the batch's first write must not stay.
  auto stale = apply(
      *store, Batch().put("t", b("side"), b("x")).expect_value("t", b("k"), b("0")).put("t", b("k"), b("2")));
  EXPECT_FALSE(stale.applied);
  EXPECT_EQ(stale.failed_op, 1u);
  EXPECT_EQ(value(*store, "t", "side"), "<absent>");
  EXPECT_EQ(value(*store, "t", "k"), "1");
  // A check after a write of the same batch sees that write.
  auto chained = apply(
      *store,
      Batch().expect_value("t", b("k"), b("1")).put("t", b("k"), b("2")).expect_value("t", b("k"), b("2")));
  EXPECT_TRUE(chained.applied);
  EXPECT_EQ(value(*store, "t", "k"), "2");
  // An empty value is a value, not an absence.
  ASSERT_TRUE(apply(*store, Batch().put("t", b("empty"), {})).applied);
  EXPECT_FALSE(apply(*store, Batch().expect_absent("t", b("empty"))).applied);
  EXPECT_TRUE(apply(*store, Batch().expect_value("t", b("empty"), {})).applied);
}

TEST_F(StateStoreTest, QueueIsFifoAndPopIsACheck) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto out = apply(*store, Batch().push("outbox", b("single-" + std::to_string(i))));
    ASSERT_EQ(out.pushed.size(), 1u);
    ids.push_back(out.pushed[0]);
  }
  auto several =
      apply(*store, Batch().push("outbox", b("many-0")).push("other", b("x")).push("outbox", b("many-1")));
  ASSERT_EQ(several.pushed.size(), 3u);
  ids.push_back(several.pushed[0]);
  ids.push_back(several.pushed[2]);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), ids.size());

  auto oldest = store->peek("outbox", 2);
  ASSERT_TRUE(oldest);
  ASSERT_EQ(oldest->size(), 2u);
  EXPECT_EQ((*oldest)[0], (QueueItem{ids[0], b("single-0")}));
  EXPECT_EQ((*oldest)[1], (QueueItem{ids[1], b("single-1")}));
  // Peeking does not remove.
  EXPECT_EQ(store->peek("outbox", 100)->size(), 5u);
  EXPECT_EQ(store->peek("other", 100)->size(), 1u);

  // Done with the oldest: record the result and pop it in one batch.
  EXPECT_TRUE(apply(*store, Batch().put("results", b("0"), b("ok")).pop("outbox", ids[0])).applied);
  // A second consumer that peeked the same item loses: nothing of its batch stays.
  auto late = apply(*store, Batch().put("results", b("0"), b("twice")).pop("outbox", ids[0]));
  EXPECT_FALSE(late.applied);
  EXPECT_EQ(late.failed_op, 1u);
  EXPECT_EQ(value(*store, "results", "0"), "ok");
  // An item of another queue cannot be popped through this one.
  EXPECT_FALSE(apply(*store, Batch().pop("outbox", several.pushed[1])).applied);

  // Ids are never reused, even after the newest item is gone.
  ASSERT_TRUE(apply(*store, Batch().pop("outbox", ids.back())).applied);
  auto next = apply(*store, Batch().push("outbox", b("later")));
  ASSERT_EQ(next.pushed.size(), 1u);
  EXPECT_GT(next.pushed[0], ids.back());
  auto left = store->peek("outbox", 100);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 4u);
  EXPECT_EQ(left->front().id, ids[1]);
  EXPECT_EQ(left->back().payload, b("later"));
}

TEST_F(StateStoreTest, BadNamesAndLimitsChangeNothing) {
  auto store = open();
  ASSERT_TRUE(store);
  auto bad = store->apply(Batch().put("ok", b("k"), b("v")).push("Bad Queue", b("x")));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(StorageErrc::kInvalid));
  EXPECT_NE(bad.error().detail().find("batch operation 1"), std::string::npos) << bad.error().detail();
  EXPECT_NE(bad.error().detail().find("queue name"), std::string::npos) << bad.error().detail();
  EXPECT_EQ(value(*store, "ok", "k"), "<absent>");
  EXPECT_TRUE(store->get("", b("k")).error().is(StorageErrc::kInvalid));
  EXPECT_TRUE(store->get(std::string(65, 'a'), b("k")).error().is(StorageErrc::kInvalid));
  EXPECT_TRUE(store->get(std::string(64, 'a'), b("k")));
  EXPECT_TRUE(store->scan("ok", {}, 0).error().is(StorageErrc::kInvalid));
  EXPECT_TRUE(store->peek("ok", 0).error().is(StorageErrc::kInvalid));
  EXPECT_TRUE(store->peek("a/b", 1).error().is(StorageErrc::kInvalid));
  EXPECT_TRUE(apply(*store, Batch()).applied);
}

TEST_F(StateStoreTest, StateSurvivesReopen) {
  std::uint64_t id = 0;
  {
    auto store = open();
    ASSERT_TRUE(store);
    auto out = apply(*store, Batch().put("t", b("k"), b("durable")).push("q", b("item")));
    ASSERT_EQ(out.pushed.size(), 1u);
    id = out.pushed[0];
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(value(*store, "t", "k"), "durable");
  auto q = store->peek("q", 1);
  ASSERT_TRUE(q && q->size() == 1u);
  EXPECT_EQ((*q)[0].id, id);
  // The file is a WAVS "state" file and nothing else opens it as its own.
  auto other = Database::open(file_, Schema{"kv store", {{1, "x", "CREATE TABLE x(y)"}}, 0, {}});
  ASSERT_FALSE(other);
  EXPECT_TRUE(other.error().is(StorageErrc::kForeign)) << other.error().message();
}

// Compare-and-set increments of one counter; lost updates would show in the total.
bool cas_increment(StateStore& store) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    auto current = store.get("counters", as_bytes("n"));
    if (!current) return false;
    std::int64_t n = *current ? std::stoll(std::string((*current)->begin(), (*current)->end())) : 0;
    Batch batch;
    if (*current) {
      batch.expect_value("counters", as_bytes("n"), **current);
    } else {
      batch.expect_absent("counters", as_bytes("n"));
    }
    batch.put("counters", as_bytes("n"), as_bytes(std::to_string(n + 1)));
    auto out = store.apply(batch);
    if (!out) return false;
    if (out->applied) return true;
  }
  return false;
}

TEST_F(StateStoreTest, ConcurrentCompareAndSetFromThreadsLosesNothing) {
  auto shared = open();
  auto second = open();
  ASSERT_TRUE(shared && second);
  constexpr int kThreads = 6;
  constexpr int kEach = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    StateStore* store = t % 3 == 2 ? second.get() : shared.get();
    threads.emplace_back([&, store] {
      for (int i = 0; i < kEach; ++i) {
        if (!cas_increment(*store)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(value(*shared, "counters", "n"), std::to_string(kThreads * kEach));
}

TEST_F(StateStoreTest, ProcessesRacingOnTheSameEventsEnqueueEachOnce) {
  { ASSERT_TRUE(open()); }
  constexpr int kChildren = 4;
  constexpr int kEvents = 150;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Contention, not the lock bound, is under test here (the bound has tests of its own):
      // a generous bound keeps a loaded machine from turning a long wait into a failure.
      OpenOptions patient;
      patient.busy_timeout = std::chrono::seconds(60);
      auto store = open_sqlite_state_store(file_, patient);
      int code = store ? 0 : 2;
      for (int i = 0; code == 0 && i < kEvents; ++i) {
        // Children start at different events so they overlap in both directions.
        int e = (i + c * 37) % kEvents;
        std::string id = "event-" + std::to_string(e);
        Batch batch;
        batch.expect_absent("seen", as_bytes(id))
            .put("seen", as_bytes(id), as_bytes(std::to_string(c)))
            .push("work", as_bytes(id));
        if (!(*store)->apply(batch)) code = 3;
      }
      if (store) store->reset();
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a child failed to open (2) or to apply (3)";
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto work = store->peek("work", kMaxScanLimit);
  ASSERT_TRUE(work);
  EXPECT_EQ(work->size(), static_cast<std::size_t>(kEvents));
  // Compared as strings: GCC 12 gives a false -Wstringop-overread on ordered byte vectors.
  std::set<std::string> payloads;
  for (const auto& item : *work) payloads.insert(std::string(as_chars(item.payload)));
  EXPECT_EQ(payloads.size(), static_cast<std::size_t>(kEvents)) << "an event was enqueued twice";
  auto seen = store->scan("seen", {}, kMaxScanLimit);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->size(), static_cast<std::size_t>(kEvents));
}

TEST_F(StateStoreTest, LockedFileFailsAfterTheBoundWithoutApplying) {
  OpenOptions options;
  options.busy_timeout = 200ms;
  auto store = open(options);
  ASSERT_TRUE(store);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto out = store->apply(Batch().put("t", b("k"), b("v")));
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().is(StorageErrc::kBusy)) << out.error().message();
  EXPECT_NE(out.error().detail().find("apply"), std::string::npos) << out.error().detail();
  // Reads go on while another writer holds the lock.
  EXPECT_EQ(value(*store, "t", "k"), "<absent>");
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(apply(*store, Batch().put("t", b("k"), b("v"))).applied);
}

}  // namespace
}  // namespace wavs::storage
