#pragma once
// GroupCommit: callers on many threads hand in one request each; one of them (the
// leader) commits every request waiting at that moment in one go, the others wait for
// their answers. A commit under synchronous=FULL costs one fsync whatever it holds, so N
// concurrent callers pay about one fsync instead of N; a lone caller pays nothing extra
// (no thread, no timer: a batch is whatever queued up while the previous one ran).
//
//   GroupCommit<Action, Result<Work>> enqueue([&](std::vector<Action>& batch) {
//     return write_all(batch);                      // one transaction; an answer per request, in order
//   });
//   Result<Work> mine = enqueue.run(action);        // from any thread
//
// Contract:
//   owns      its queue; no thread of its own.
//   threads   run() is thread-safe; `commit` runs on one caller's thread at a time, with
//             no lock of this class held.
//   blocking  run() blocks for the commit that holds its request, and at most for the
//             one running when it arrived. The waits are as bounded as `commit` is.
//   commit    gets up to max_batch waiting requests in arrival order and returns one
//             answer per request, in that order. An exception it throws (or a wrong
//             number of answers, std::logic_error) is rethrown to every caller of that
//             batch; the next batch is not affected.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace wavs::node {

template <class Request, class Answer>
class GroupCommit {
 public:
  using Commit = std::function<std::vector<Answer>(std::vector<Request>&)>;

  explicit GroupCommit(Commit commit, std::size_t max_batch = 256)
      : commit_(std::move(commit)), max_batch_(max_batch == 0 ? 1 : max_batch) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  [[nodiscard]] Answer run(Request request) {
    Slot slot{std::move(request), std::nullopt, nullptr, false};
    std::unique_lock lock(mu_);
    queue_.push_back(&slot);
    while (!slot.done) {
      if (leading_) {
        cv_.wait(lock);
        continue;
      }
      leading_ = true;
      std::vector<Slot*> batch;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      commit_batch(batch);
      lock.lock();
      for (Slot* s : batch) s->done = true;
      leading_ = false;
      cv_.notify_all();
    }
    if (slot.failure) std::rethrow_exception(slot.failure);
    return std::move(*slot.answer);
  }

  // Requests waiting for a leader (for tests and metrics).
  [[nodiscard]] std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // Batches committed so far (for tests and metrics).
  [[nodiscard]] std::size_t commits() const {
    std::lock_guard lock(mu_);
    return commits_;
  }

 private:
  struct Slot {
    Request request;
    std::optional<Answer> answer;
    std::exception_ptr failure;
    bool done;
  };

  void commit_batch(const std::vector<Slot*>& batch) {
    std::vector<Request> requests;
    requests.reserve(batch.size());
    for (Slot* s : batch) requests.push_back(std::move(s->request));
    std::exception_ptr failure;
    try {
      std::vector<Answer> answers = commit_(requests);
      if (answers.size() != batch.size()) {
        throw std::logic_error("group commit: " + std::to_string(answers.size()) + " answers for " +
                               std::to_string(batch.size()) + " requests");
      }
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->answer.emplace(std::move(answers[i]));
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard lock(mu_);
    ++commits_;
    if (failure) {
      for (Slot* s : batch) s->failure = failure;
    }
  }

  Commit commit_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Slot*> queue_;
  bool leading_ = false;
  std::size_t commits_ = 0;
};

}  // namespace wavs::node
