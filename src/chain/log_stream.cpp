#include "chain/log_stream.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

namespace wavs::chain {

LogSyncer::LogSyncer(ChainSource& source, LogStreamConfig config)
    : source_(source), config_(std::move(config)), merged_(merge_filters(config_.filters)) {
  if (config_.max_range == 0) config_.max_range = 1;
  range_ = config_.max_range;
  cursor_ = config_.resume_from;
  // A cursor handed in from storage may come from a chain that changed meanwhile.
  check_cursor_ = cursor_.has_value();
}

Result<std::optional<LogBatch>> LogSyncer::initialise() {
  std::uint64_t first = 0;
  if (config_.start_block) {
    first = *config_.start_block;
  } else {
    auto head = source_.head();
    if (!head) return head.error();
    first = *head >= config_.confirmations ? *head - config_.confirmations + 1 : 1;
  }
  first = std::max<std::uint64_t>(first, 1);
  auto before = source_.header(first - 1);
  if (!before) return before.error();
  if (!*before) {
    return Error(ChainErrc::kInvalidArgument,
                 "start block " + std::to_string(first) + " is beyond the chain head");
  }
  cursor_ = Cursor{first - 1, (*before)->hash};
  remember(cursor_->block_number, cursor_->block_hash, {});
  return std::optional<LogBatch>();
}

void LogSyncer::remember(std::uint64_t number, const Hash256& hash, std::vector<Log> logs) {
  if (!recent_.empty() && recent_.back().number == number) {
    auto& back = recent_.back();
    back.hash = hash;
    if (!logs.empty()) {
      // A new vector: a snapshot taken for rollback() may share the old one.
      auto merged = back.logs ? std::make_shared<std::vector<Log>>(*back.logs) : std::make_shared<std::vector<Log>>();
      for (auto& l : logs) merged->push_back(std::move(l));
      back.logs = std::move(merged);
    }
  } else {
    recent_.push_back({number, hash,
                       logs.empty() ? nullptr : std::make_shared<const std::vector<Log>>(std::move(logs))});
  }
  while (!recent_.empty() && recent_.front().number + config_.reorg_window < number) recent_.pop_front();
}

Result<LogBatch> LogSyncer::unwind() {
  // Find the newest remembered block that is still on the chain; everything delivered
  // above it is retracted. Nothing changes until every lookup has succeeded.
  std::size_t keep = recent_.size();
  std::optional<Cursor> ancestor;
  while (keep > 0) {
    const auto& r = recent_[keep - 1];
    auto h = source_.header(r.number);
    if (!h) return h.error();
    if (*h && (*h)->hash == r.hash) {
      ancestor = Cursor{r.number, r.hash};
      break;
    }
    --keep;
  }
  LogBatch batch;
  for (std::size_t i = recent_.size(); i > keep; --i) {
    if (!recent_[i - 1].logs) continue;
    const auto& logs = *recent_[i - 1].logs;
    for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
      Log l = *it;
      l.removed = true;
      batch.retracted.push_back(std::move(l));
    }
  }
  if (!ancestor) {
    std::uint64_t n =
        cursor_->block_number > config_.reorg_window ? cursor_->block_number - config_.reorg_window : 0;
    auto h = source_.header(n);
    if (!h) return h.error();
    if (!*h) return Error(ChainErrc::kReorg, "block " + std::to_string(n) + " missing while rewinding");
    ancestor = Cursor{n, (*h)->hash};
    batch.rewound = true;
    recent_.clear();
    spdlog::warn("log stream: no remembered block is on the chain any more; rewinding to block {}", n);
  } else {
    recent_.resize(keep);
  }
  spdlog::info("log stream: reorg below block {}; resuming after block {} ({} logs retracted)",
               cursor_->block_number + 1, ancestor->block_number, batch.retracted.size());
  cursor_ = ancestor;
  if (recent_.empty()) remember(cursor_->block_number, cursor_->block_hash, {});
  batch.cursor = *cursor_;
  return batch;
}

void LogSyncer::rollback() {
  if (!before_) return;
  cursor_ = std::move(before_->cursor);
  check_cursor_ = before_->check_cursor;
  recent_ = std::move(before_->recent);
  before_.reset();
}

Result<std::optional<LogBatch>> LogSyncer::step() {
  // Cheap: remembered logs are shared, not copied.
  before_ = State{cursor_, check_cursor_, recent_};
  if (!cursor_) return initialise();
  if (check_cursor_) {
    auto h = source_.header(cursor_->block_number);
    if (!h) return h.error();
    check_cursor_ = false;
    if (!*h || (*h)->hash != cursor_->block_hash) {
      auto b = unwind();
      if (!b) {
        check_cursor_ = true;
        return b.error();
      }
      return std::optional<LogBatch>(std::move(*b));
    }
    if (recent_.empty()) remember(cursor_->block_number, cursor_->block_hash, {});
  }
  auto head = source_.head();
  if (!head) return head.error();
  if (*head < config_.confirmations) return std::optional<LogBatch>();
  std::uint64_t target = *head - config_.confirmations;
  if (target <= cursor_->block_number) {
    // A head below the cursor means a shorter chain won (or a lagging endpoint
    // answered); check that the cursor still stands on the next step.
    if (target < cursor_->block_number) check_cursor_ = true;
    return std::optional<LogBatch>();
  }
  const std::uint64_t from = cursor_->block_number + 1;
  const std::uint64_t to = std::min(target, cursor_->block_number + range_);
  auto first = source_.header(from);
  if (!first) return first.error();
  if (!*first) return std::optional<LogBatch>();  // the endpoint has not seen it yet
  const BlockHeader first_header = **first;
  if (first_header.parent_hash != cursor_->block_hash) {
    auto b = unwind();
    if (!b) return b.error();
    return std::optional<LogBatch>(std::move(*b));
  }
  std::optional<BlockHeader> last = first_header;
  if (to != from) {
    auto l = source_.header(to);
    if (!l) return l.error();
    if (!*l) return std::optional<LogBatch>();
    last = **l;
  }
  auto logs = source_.logs(merged_, from, to);
  if (!logs) {
    range_ = std::max<std::uint64_t>(1, range_ / 2);
    return logs.error();
  }
  range_ = std::min(config_.max_range, range_ * 2);

  std::vector<Log> out;
  out.reserve(logs->size());
  for (auto& log : *logs) {
    if (log.block_number < from || log.block_number > to) {
      return Error(ChainErrc::kBadResponse, "eth_getLogs returned a log of block " +
                                                std::to_string(log.block_number) + " for range " +
                                                std::to_string(from) + ".." + std::to_string(to));
    }
    // The ends of the range must be the blocks whose hashes we hold; otherwise the
    // chain moved between the calls and the range is read again.
    if ((log.block_number == from && log.block_hash != first_header.hash) ||
        (log.block_number == to && log.block_hash != last->hash) || log.removed) {
      return Error(ChainErrc::kReorg,
                   "chain changed while reading blocks " + std::to_string(from) + ".." + std::to_string(to));
    }
    if (config_.filters.size() > 1 && std::none_of(config_.filters.begin(), config_.filters.end(),
                                                   [&](const LogFilter& f) { return f.matches(log); })) {
      continue;
    }
    out.push_back(std::move(log));
  }
  std::sort(out.begin(), out.end(), log_before);
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Log& a, const Log& b) {
                          return a.block_number == b.block_number && a.log_index == b.log_index;
                        }),
            out.end());

  // Remember the range's ends and every block that carried logs, for retractions.
  remember(from, first_header.hash, {});
  for (std::size_t i = 0; i < out.size();) {
    std::size_t j = i;
    while (j < out.size() && out[j].block_number == out[i].block_number) ++j;
    remember(out[i].block_number, out[i].block_hash,
             {out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(j)});
    i = j;
  }
  remember(to, last->hash, {});
  cursor_ = Cursor{to, last->hash};
  LogBatch batch;
  batch.logs = std::move(out);
  batch.cursor = *cursor_;
  return std::optional<LogBatch>(std::move(batch));
}

namespace {
class RpcSource final : public ChainSource {
 public:
  explicit RpcSource(RpcClient& rpc) : rpc_(rpc) {}
  Result<std::uint64_t> head() override { return rpc_.block_number(); }
  Result<std::optional<BlockHeader>> header(std::uint64_t number) override {
    return rpc_.block_by_number(BlockRef::at(number));
  }
  Result<std::vector<Log>> logs(const LogFilter& filter, std::uint64_t from, std::uint64_t to) override {
    return rpc_.get_logs(filter, from, to);
  }

 private:
  RpcClient& rpc_;
};
}  // namespace

struct LogStream::Impl {
  Impl(RpcConfig rpc_config, std::optional<SubscriberConfig> ws_config, LogStreamConfig c, Handler h)
      : rpc(std::move(rpc_config)),
        source(rpc),
        syncer(source, c),
        config(std::move(c)),
        handler(std::move(h)) {
    if (ws_config && !ws_config->ws_endpoints.empty()) {
      SubscriberHandlers handlers;
      handlers.on_connected = [this] { wake(); };
      handlers.on_head = [this](const BlockHeader& head) {
        {
          // A head at or below the cursor is a competing block at a height already
          // delivered: check the cursor even though the chain did not grow.
          std::lock_guard lock(mu);
          if (last_cursor && head.number <= last_cursor->block_number) recheck = true;
        }
        wake();
      };
      handlers.on_log = [this](const Log& log) {
        if (log.removed) {
          std::lock_guard lock(mu);
          recheck = true;
        }
        wake();
      };
      subscriber = std::make_unique<Subscriber>(std::move(*ws_config), std::move(handlers), true,
                                                merge_filters(config.filters));
    }
  }

  RpcClient rpc;
  RpcSource source;
  LogSyncer syncer;
  LogStreamConfig config;
  Handler handler;
  std::unique_ptr<Subscriber> subscriber;
  std::thread thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool signalled = false;
  bool recheck = false;
  bool stopping = false;  // stop() ran or the token fired; never reset: no restart
  std::optional<Cursor> last_cursor;
  std::atomic<int> failed{0};
  std::atomic<int> refused{0};
  // LogStreamConfig::cancel → request_stop(); set last in the constructor.
  std::optional<std::stop_callback<std::function<void()>>> on_cancel;

  // Ends the stream thread's waits without joining; safe from any thread.
  void request_stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    rpc.stop();  // cuts short any RPC exchange or back-off the thread is in
    cv.notify_all();
  }

  void wake() {
    {
      std::lock_guard lock(mu);
      signalled = true;
    }
    cv.notify_all();
  }

  void run() {
    auto retry = config.retry_initial;
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
        signalled = false;
        if (recheck) {
          recheck = false;
          syncer.check_cursor();
        }
      }
      auto step = syncer.step();
      if (!step && step.error().is(ChainErrc::kStopped)) return;
      Status delivered;
      if (step && *step) {
        delivered = handler(**step);
        if (!delivered) {
          // Not taken: the cursor stays, the same batch comes again after the back-off.
          syncer.rollback();
          ++refused;
        }
      }
      if (!step || !delivered) {
        ++failed;
        const Error& e = step ? delivered.error() : step.error();
        spdlog::warn("log stream: {}{} (retrying in {} ms)", step ? "handler refused the batch: " : "",
                     e.message(), retry.count());
        std::unique_lock lock(mu);
        cv.wait_for(lock, retry, [&] { return stopping; });
        retry = std::min(retry * 2, config.retry_max);
        continue;
      }
      retry = config.retry_initial;
      if (*step) {
        std::lock_guard lock(mu);
        last_cursor = (*step)->cursor;
        continue;  // there may be more to back-fill
      }
      {
        std::lock_guard lock(mu);
        if (auto c = syncer.cursor()) last_cursor = c;
      }
      bool live = subscriber && subscriber->connected();
      std::unique_lock lock(mu);
      cv.wait_for(lock, live ? config.safety_poll : config.poll_interval,
                  [&] { return stopping || signalled; });
    }
  }
};

LogStream::LogStream(RpcConfig rpc, std::optional<SubscriberConfig> ws, LogStreamConfig config,
                     Handler handler)
    : impl_(std::make_unique<Impl>(std::move(rpc), std::move(ws), std::move(config), std::move(handler))) {
  impl_->last_cursor = impl_->config.resume_from;
  impl_->on_cancel.emplace(impl_->config.cancel, std::function<void()>([impl = impl_.get()] { impl->request_stop(); }));
}

LogStream::~LogStream() {
  impl_->on_cancel.reset();
  stop();
}

Status LogStream::start() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) {
      return Error(ChainErrc::kStopped,
                   "this log stream was stopped and cannot be restarted; create a new one from its cursor()");
    }
    if (impl_->thread.joinable()) return {};
  }
  if (impl_->subscriber) impl_->subscriber->start();
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  return {};
}

void LogStream::stop() {
  impl_->request_stop();
  if (impl_->subscriber) impl_->subscriber->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<Cursor> LogStream::cursor() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_cursor;
}

int LogStream::failed_steps() const { return impl_->failed.load(); }
int LogStream::refused_batches() const { return impl_->refused.load(); }
int LogStream::connections() const { return impl_->subscriber ? impl_->subscriber->connections() : 0; }

}  // namespace wavs::chain
