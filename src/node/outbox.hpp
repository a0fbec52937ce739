#pragma once
// Outbox: delivers the signed packets NodeState keeps in its outbox to their aggregators
// and removes what was delivered. docs/node.md ("Outbox delivery") has the policy.
//
//   node::Outbox outbox(*state, metrics, {.cancel = daemon.stop_token()});
//   if (auto st = outbox.start(); !st) return st;
//   outbox.attach(daemon);                          // stopped in the daemon's shutdown
//   ...
//   (void)state->complete(item, result, packets);   // packets are durable now
//   outbox.notify();                                // deliver them soon
//
// Each OutboxPacket's destination is the aggregator's base URL from the manifest
// (submit.aggregator.url, "http://127.0.0.1:8001"); its body (JSON, opaque here) is
// POSTed to packets_url(destination) = "<url>/packets" with Content-Type:
// application/json. By the answer:
//   2xx                                   delivered(): removed; metric kDelivered
//   408, 425, 429, 5xx, 3xx (redirects    mark_attempt(): attempts + 1, next attempt at now +
//   are not followed), a transport        backoff(attempts) (or Retry-After seconds, when
//   error, a timeout                      larger, at most kMaxRetryAfter); metric kRetry
//   any other 4xx                         the aggregator refuses the packet for good (bad
//                                         signature, unknown service): removed with a
//                                         warning naming destination, event id and the
//                                         answer's error message; metric kDropped
// The entries answered in one round of the transfer loop are removed together
// (NodeState::delivered_many, one commit), while the next requests are already under way.
// Delivery is at least once: a crash (or a storage error) between a 2xx and that removal
// sends the packet again, which is harmless because the aggregator dedupes packets (an
// idempotent receiver). A transfer cut by stop() is not an attempt: the packet stays
// queued as it was.
//
// Order and fairness: per destination, up to OutboxConfig::window requests at a time,
// started oldest first (FIFO) among the entries that are due; entries whose
// next_attempt_ms is in the future are skipped. With a window above 1 the answers (and
// the aggregator's arrivals) may come in another order: the aggregator keys packets by
// event and does not depend on it; window 1 keeps the order strict. A batch (up to
// `batch` entries) is read again only when all of it is answered, so an entry in flight
// is never sent twice. After a retryable failure the destination gets no further request
// until that entry's next attempt (requests already in flight finish), so a failing
// aggregator sees about one request per backoff period, not its whole queue. All
// destinations are driven together by one thread on one libcurl multi handle (one easy
// handle, hence one kept-alive connection, per slot): a destination that hangs occupies
// only its own slots, for at most request_timeout per request, and never delays the others.
//
// Storage errors are logged and retried after idle_poll (never a crash nor a busy loop).
// Metrics::set_outbox_depth gets the total depth after each scan of the outbox. Logs and
// stored errors never carry a packet's body; URLs appear as uri_for_errors shows them.
//
// Contract:
//   owns      one delivery thread (start() to stop()), the libcurl handles; borrows the
//             NodeState and the Metrics, which must outlive it.
//   threads   notify(), stats() and stop() are thread-safe; start() and attach() are
//             called once, from the thread that owns the Outbox.
//   blocking  notify() never blocks; stop() joins the thread, which leaves at once
//             (a state call under way, bounded by the store's busy timeout, ends first).
//   cancels   stop(), the daemon's shutdown (attach) and OutboxConfig::cancel end every
//             transfer in flight at once (curl_multi_wakeup) and the thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace wavs::runtime {
class Daemon;
}

namespace wavs::node {

class NodeState;
class Metrics;

struct OutboxConfig {
  std::chrono::milliseconds retry_base{500};    // first retry delay
  std::chrono::milliseconds retry_max{60'000};  // cap of the exponential backoff
  double jitter = 0.5;                          // delay is multiplied by uniform [1-jitter, 1]
  std::uint32_t batch = 32;                     // entries read per destination per round (1..10000)
  std::uint32_t window = 8;                     // requests in flight per destination (1..kMaxWindow)
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds idle_poll{1'000};  // re-scan even without notify()
  std::stop_token cancel;                      // the daemon's token
};

class Outbox {
 public:
  // The most requests in flight to one destination.
  static constexpr std::uint32_t kMaxWindow = 64;
  // A Retry-After above this is taken as this.
  static constexpr std::chrono::seconds kMaxRetryAfter{3'600};
  // What is kept of an answer's body (to read its error message); the rest is discarded.
  static constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
  // What a dropped packet's warning shows of the aggregator's error message.
  static constexpr std::size_t kMaxShownError = 512;

  Outbox(NodeState& state, Metrics& metrics, OutboxConfig config = {});
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Starts the delivery thread, which scans the outbox at once. CommonErrc::kOutOfRange
  // naming a config value out of range, NodeErrc::kTransport when libcurl cannot
  // allocate its handles, NodeErrc::kStopped after stop(). Idempotent while running.
  [[nodiscard]] Status start();
  // Cancels the transfers in flight and joins the thread. Idempotent.
  void stop();
  // Registers stop() as a stopper of the daemon (shutdown step 2).
  void attach(runtime::Daemon& daemon);
  // New packets were enqueued (complete() returned): scan soon. Never blocks.
  void notify();

  // Counters since construction, for tests and operators.
  struct Stats {
    std::uint64_t delivered = 0, retried = 0, dropped = 0;
  };
  [[nodiscard]] Stats stats() const;

  // The delay before the next attempt of an entry after its attempt number `attempts`
  // (1 for the first) failed: retry_base · 2^(attempts-1), at most retry_max, times
  // (1 - jitter · unit_random) for unit_random in [0, 1]. 0 when attempts is 0.
  [[nodiscard]] static std::chrono::milliseconds backoff(const OutboxConfig& config, std::uint32_t attempts,
                                                         double unit_random);
  // "<destination without trailing '/'>/packets".
  [[nodiscard]] static std::string packets_url(std::string_view destination);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with the daemon's stopper, which may outlive the Outbox
};

}  // namespace wavs::node
