// The node's durable state per trigger, on a real SQLite file (WAL) in a temporary
// directory on the machine's disk: what each NodeState call on the path of a trigger
// costs, and what group commit (complete_many) saves. The baseline is a bare
// pwrite + fdatasync of 4 KiB on the same file system, the floor of any durable commit.
// Every benchmark runs with synchronous=FULL (the node's setting; one fsync per commit)
// and, for reference, synchronous=NORMAL (no fsync at commit in WAL mode: durable
// against a crash of the process, not of the machine). Timed on the wall clock: the
// fsync is the cost, and it is not CPU time.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/test_support.hpp"
#include "crypto/hash.hpp"
#include "node/state.hpp"

namespace {

using namespace wavs;
using node::Completion;
using node::NodeState;
using node::PendingWork;

constexpr std::string_view kDestination = "http://127.0.0.1:8001";
constexpr std::size_t kPacketBytes = 700;      // a signed packet's JSON for a 32-byte payload
constexpr std::uint32_t kOutboxDepth = 10000;  // StateOptions' largest bound
constexpr std::size_t kRefill = 1000;          // work items enqueued per refill (one transaction)

service::Manager bench_manager() {
  service::Manager m{{"evm", "31337"}, {}};
  m.address[19] = 0x42;
  return m;
}

storage::Synchronous sync_of(const benchmark::State& state) {
  return state.range(0) == 0 ? storage::Synchronous::kFull : storage::Synchronous::kNormal;
}

void label(benchmark::State& state) { state.SetLabel(state.range(0) == 0 ? "FULL" : "NORMAL"); }

// One NodeState file with a supply of pending work; a new file when the outbox would
// overflow (refills and reopens happen with the timer paused).
class Fixture {
 public:
  explicit Fixture(benchmark::State& state) : sync_(sync_of(state)) {
    if (dir_.path().empty()) {
      state.SkipWithError("cannot create a temporary directory");
      return;
    }
    if (!reopen(state)) return;
  }

  [[nodiscard]] bool ok() const { return state_ != nullptr; }
  [[nodiscard]] std::filesystem::path file() const { return dir_.path() / "state" / "node.sqlite"; }
  NodeState& state() { return *state_; }

  // The next `n` pending items, refilling when needed (with the timer paused, unless the
  // caller paused it already).
  bool take(benchmark::State& state, std::size_t n, std::vector<PendingWork>& out, bool timed = true) {
    out.clear();
    if (queued_ + n > kOutboxDepth) {
      if (timed) state.PauseTiming();
      const bool reopened = reopen(state);
      if (timed) state.ResumeTiming();
      if (!reopened) return false;
    }
    while (out.size() < n) {
      if (next_ == pending_.size()) {
        if (timed) state.PauseTiming();
        const bool filled = refill(state);
        if (timed) state.ResumeTiming();
        if (!filled) return false;
      }
      out.push_back(std::move(pending_[next_++]));
    }
    queued_ += n;
    return true;
  }

  component::TriggerAction action() {
    Bytes data(32, 0);
    std::uint64_t v = ++counter_;
    for (int i = 31; i >= 24; --i, v >>= 8) data[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return {sid_, "default", service::ManualTrigger{}, component::Raw{std::move(data)}};
  }

  Completion completion(PendingWork item) const {
    Completion c;
    c.result.fuel = 52'881;
    c.result.duration = std::chrono::microseconds(110);
    c.packets.push_back(
        {std::string(kDestination), sid_, "default", item.event_id, Bytes(kPacketBytes, 0x7b)});
    c.item = std::move(item);
    return c;
  }

 private:
  bool reopen(benchmark::State& state) {
    state_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_.path() / "state", ec);
    std::filesystem::create_directories(dir_.path() / "state", ec);
    node::StateOptions options;
    options.max_outbox_depth = kOutboxDepth;
    storage::OpenOptions store;
    store.synchronous = sync_;
    auto opened = NodeState::open(file(), options, store);
    if (!opened) {
      state.SkipWithError(opened.error().message().c_str());
      return false;
    }
    state_ = std::move(*opened);
    pending_.clear();
    next_ = 0;
    queued_ = 0;
    return true;
  }

  bool refill(benchmark::State& state) {
    std::vector<component::TriggerAction> actions;
    for (std::size_t i = 0; i < kRefill; ++i) actions.push_back(action());
    auto work = state_->enqueue(actions);
    if (!work || work->size() != kRefill) {
      state.SkipWithError(work ? "enqueue deduplicated fresh actions" : work.error().message().c_str());
      return false;
    }
    pending_ = std::move(*work);
    next_ = 0;
    return true;
  }

  wavs::test::TempDir dir_{"wavs-node-bench"};
  storage::Synchronous sync_;
  std::unique_ptr<NodeState> state_;
  Hash256 sid_ = service::service_id(bench_manager());
  std::vector<PendingWork> pending_;
  std::size_t next_ = 0;
  std::size_t queued_ = 0;  // packets in this file's outbox
  std::uint64_t counter_ = 0;
};

void per_item(benchmark::State& state, std::size_t items_per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items_per_iteration));
}

// The baseline: the durable write every commit waits for.
void BM_FdatasyncBaseline(benchmark::State& state) {
  wavs::test::TempDir dir{"wavs-node-bench"};
  const auto file = dir.path() / "probe";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    state.SkipWithError("cannot create the probe file");
    return;
  }
  std::vector<char> page(4096, 'x');
  std::int64_t n = 0;
  for (auto _ : state) {
    const auto offset = static_cast<off_t>((n++ % 16) * 4096);
    if (::pwrite(fd, page.data(), page.size(), offset) != static_cast<ssize_t>(page.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("pwrite/fdatasync failed");
      break;
    }
  }
  ::close(fd);
  per_item(state, 1);
}

// POST /dev/triggers: one manual trigger, one transaction.
void BM_StateEnqueueOne(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok()) return;
  label(state);
  for (auto _ : state) {
    auto work = f.state().enqueue({f.action()});
    if (!work || work->size() != 1) {
      state.SkipWithError(work ? "deduplicated" : work.error().message().c_str());
      return;
    }
  }
  per_item(state, 1);
}

// A LogStream batch of 64 events: one transaction.
void BM_StateEnqueue64(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok()) return;
  label(state);
  for (auto _ : state) {
    std::vector<component::TriggerAction> actions;
    for (int i = 0; i < 64; ++i) actions.push_back(f.action());
    auto work = f.state().enqueue(actions);
    if (!work || work->size() != 64) {
      state.SkipWithError(work ? "deduplicated" : work.error().message().c_str());
      return;
    }
  }
  per_item(state, 64);
}

// What the node does after every run today: complete() with one packet.
void BM_StateCompleteOne(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok()) return;
  label(state);
  std::vector<PendingWork> items;
  for (auto _ : state) {
    if (!f.take(state, 1, items)) return;
    const Completion c = f.completion(std::move(items.front()));
    if (auto st = f.state().complete(c.item, c.result, c.packets); !st) {
      state.SkipWithError(st.error().message().c_str());
      return;
    }
  }
  per_item(state, 1);
}

// Group commit: state.range(1) completions (one packet each) in one transaction.
void BM_StateCompleteMany(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok()) return;
  label(state);
  const auto n = static_cast<std::size_t>(state.range(1));
  std::vector<PendingWork> items;
  std::vector<Completion> batch;
  for (auto _ : state) {
    if (!f.take(state, n, items)) return;
    batch.clear();
    for (auto& item : items) batch.push_back(f.completion(std::move(item)));
    auto done = f.state().complete_many(batch);
    if (!done) {
      state.SkipWithError(done.error().message().c_str());
      return;
    }
    for (const auto& st : *done) {
      if (!st) {
        state.SkipWithError(st.error().message().c_str());
        return;
      }
    }
  }
  per_item(state, n);
}

// The outbox after each 2xx: delivered(), one transaction per packet.
void BM_StateDeliveredOne(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok()) return;
  label(state);
  std::vector<node::OutboxEntry> entries;
  std::size_t next = 0;
  std::vector<PendingWork> items;
  for (auto _ : state) {
    if (next == entries.size()) {
      state.PauseTiming();
      bool ok = f.take(state, kRefill, items, /*timed=*/false);
      std::vector<Completion> batch;
      for (auto& item : items) batch.push_back(f.completion(std::move(item)));
      auto done = ok ? f.state().complete_many(batch) : Result<std::vector<Status>>(std::vector<Status>{});
      auto pending = f.state().outbox_pending(kDestination, static_cast<std::uint32_t>(kRefill));
      ok = ok && done && pending && pending->size() == kRefill;
      if (ok) entries = std::move(*pending);
      next = 0;
      state.ResumeTiming();
      if (!ok) {
        state.SkipWithError("cannot fill the outbox");
        return;
      }
    }
    if (auto st = f.state().delivered(entries[next++]); !st) {
      state.SkipWithError(st.error().message().c_str());
      return;
    }
  }
  per_item(state, 1);
}

// ---- one trigger's writes end to end ----------------------------------------------------
// kPipeline triggers per iteration through enqueue, completion, one outbox read and
// delivery, on one thread (concurrency cannot add commits: the store has one writer).

constexpr std::size_t kPipeline = 32;

enum class Grouping {
  kToday,      // enqueue, complete and delivered one by one: three commits per trigger
  kCompletes,  // completions grouped (complete_many): two commits per trigger + one
  kAll,        // enqueue, complete and delivered each once per group: three per group
};

// The hypothetical delivered_many, through storage::StateStore directly on the
// documented layout (docs/storage.md, "Node state"): each entry checked and erased,
// the destination's depth lowered once, in one batch.
Status delivered_group(storage::StateStore& store, const std::vector<node::OutboxEntry>& entries) {
  const Hash256 dk = crypto::sha256(as_bytes(kDestination));
  for (int attempt = 0; attempt < 100; ++attempt) {
    storage::Batch batch;
    for (const auto& e : entries) {
      Bytes key(dk.view().begin(), dk.view().end());
      for (int i = 7; i >= 0; --i) key.push_back(static_cast<std::uint8_t>(e.seq >> (8 * i)));
      auto old = store.get("node.outbox", key);
      if (!old) return old.error();
      if (!*old) return Error(node::StateErrc::kNotFound, "outbox entry gone");
      batch.expect_value("node.outbox", key, **old).erase("node.outbox", key);
    }
    auto dest = store.get("node.outbox_dest", dk.view());
    if (!dest) return dest.error();
    if (!*dest) return Error(node::StateErrc::kCorrupt, "no destination record");
    auto meta = nlohmann::json::parse(as_chars(**dest));
    meta["depth"] = meta["depth"].get<std::uint32_t>() - static_cast<std::uint32_t>(entries.size());
    const std::string text = meta.dump();
    batch.expect_value("node.outbox_dest", dk.view(), **dest)
        .put("node.outbox_dest", dk.view(), as_bytes(text));
    auto outcome = store.apply(batch);
    if (!outcome) return outcome.error();
    if (outcome->applied) return Status{};
  }
  return Error(node::StateErrc::kConflict, "delivered group");
}

void BM_StatePipeline(benchmark::State& state) {
  const auto grouping = static_cast<Grouping>(state.range(1));
  Fixture f(state);
  if (!f.ok()) return;
  state.SetLabel(std::string(state.range(0) == 0 ? "FULL" : "NORMAL") +
                 (grouping == Grouping::kToday       ? ", one by one"
                  : grouping == Grouping::kCompletes ? ", completes grouped"
                                                     : ", all grouped"));
  std::unique_ptr<storage::StateStore> raw;
  if (grouping == Grouping::kAll) {
    storage::OpenOptions store;
    store.synchronous = sync_of(state);
    auto opened = storage::open_sqlite_state_store(f.file(), store);
    if (!opened) {
      state.SkipWithError(opened.error().message().c_str());
      return;
    }
    raw = std::move(*opened);
  }
  auto fail = [&](const Error& e) { state.SkipWithError(e.message().c_str()); };
  for (auto _ : state) {
    std::vector<PendingWork> work;
    if (grouping == Grouping::kAll) {
      std::vector<component::TriggerAction> actions;
      for (std::size_t i = 0; i < kPipeline; ++i) actions.push_back(f.action());
      auto w = f.state().enqueue(actions);
      if (!w) return fail(w.error());
      work = std::move(*w);
    } else {
      for (std::size_t i = 0; i < kPipeline; ++i) {
        auto w = f.state().enqueue({f.action()});
        if (!w) return fail(w.error());
        work.push_back(std::move(w->front()));
      }
    }
    if (grouping == Grouping::kToday) {
      for (auto& item : work) {
        const Completion c = f.completion(std::move(item));
        if (auto st = f.state().complete(c.item, c.result, c.packets); !st) return fail(st.error());
      }
    } else {
      std::vector<Completion> batch;
      for (auto& item : work) batch.push_back(f.completion(std::move(item)));
      auto done = f.state().complete_many(batch);
      if (!done) return fail(done.error());
    }
    auto pending = f.state().outbox_pending(kDestination, kPipeline);
    if (!pending) return fail(pending.error());
    if (grouping == Grouping::kAll) {
      if (auto st = delivered_group(*raw, *pending); !st) return fail(st.error());
    } else {
      for (const auto& entry : *pending) {
        if (auto st = f.state().delivered(entry); !st) return fail(st.error());
      }
    }
  }
  per_item(state, kPipeline);
}

}  // namespace

BENCHMARK(BM_FdatasyncBaseline)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateEnqueueOne)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateEnqueue64)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateCompleteOne)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StateCompleteMany)
    ->ArgsProduct({{0, 1}, {1, 4, 16, 64}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_StateDeliveredOne)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_StatePipeline)
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->MinTime(1.0)  // a few fsync stalls otherwise decide the figure
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
