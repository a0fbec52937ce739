#include "node/outbox.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "chain/http.hpp"
#include "common/bytes.hpp"
#include "node/error.hpp"
#include "node/fetch.hpp"
#include "node/metrics.hpp"
#include "node/state.hpp"
#include "runtime/daemon.hpp"

namespace wavs::node {
namespace {

using std::chrono::milliseconds;

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kMaxBatch = 10'000;  // storage::kMaxScanLimit: what one read returns at most

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

long clamp_ms(milliseconds ms) {
  return static_cast<long>(std::clamp<std::int64_t>(ms.count(), 1, std::int64_t{1} << 30));
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

// At most `max` bytes of `text`, never cutting a UTF-8 sequence, with control characters
// shown as '?' so that an aggregator's answer cannot forge log lines.
std::string shown_text(std::string_view text, std::size_t max) {
  constexpr std::string_view kEllipsis = "...";
  std::size_t n = text.size();
  const bool cut = n > max;
  if (cut) {
    n = max > kEllipsis.size() ? max - kEllipsis.size() : 0;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  std::string out(text.substr(0, n));
  for (auto& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  if (cut) out += kEllipsis;
  return out;
}

// The message of the error shape the project's servers answer with
// ({"error":{"code","message"}}), or the answer itself when it is not that shape.
std::string error_message(const std::string& answer) {
  auto j = nlohmann::json::parse(answer, nullptr, false);
  if (j.is_object()) {
    auto error = j.find("error");
    if (error != j.end() && error->is_object()) {
      auto message = error->find("message");
      if (message != error->end() && message->is_string()) return message->get<std::string>();
    }
  }
  return answer;
}

// The aggregator refuses this packet for good: sending it again can only give the same
// answer. 408, 425 and 429 are about the request's timing, not the packet.
bool refused_for_good(long status) {
  return status >= 400 && status < 500 && status != 408 && status != 425 && status != 429;
}

// State errors name a destination as stored (userinfo, query and all); logs show it as
// uri_for_errors does.
std::string scrub(std::string message, const std::string& url, const std::string& shown) {
  if (url.empty() || url == shown) return message;
  for (auto at = message.find(url); at != std::string::npos; at = message.find(url, at + shown.size())) {
    message.replace(at, url.size(), shown);
  }
  return message;
}

struct Destination;

// One request slot of a destination: its handle (one kept-alive connection) and the
// entry it carries.
struct Slot {
  Destination* dest = nullptr;
  CURL* easy = nullptr;
  std::optional<OutboxEntry> current;  // the one in flight
  std::string answer;                  // its answer's body, at most kMaxAnswerBytes
  std::optional<std::chrono::seconds> retry_after;

  Slot() = default;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

// One destination: its slots (up to OutboxConfig::window), the due entries of its
// current batch and when to look again.
struct Destination {
  std::string url;     // as stored in the outbox
  std::string shown;   // uri_for_errors(url)
  std::string target;  // packets_url(url)
  std::vector<std::unique_ptr<Slot>> slots;
  std::deque<OutboxEntry> queue;    // due, oldest first, not yet sent
  std::uint64_t hold_until_ms = 0;  // no request before (a failed attempt, a storage error)
  std::uint64_t next_due_ms = 0;    // its earliest entry not yet due; kNever: none known
  bool progress = false;            // the current batch removed something
  bool listed = true;

  Destination() = default;
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;
  [[nodiscard]] std::uint64_t due_ms() const { return std::max(hold_until_ms, next_due_ms); }
  [[nodiscard]] bool busy() const {
    return std::any_of(slots.begin(), slots.end(), [](const auto& s) { return s->current.has_value(); });
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* d = static_cast<Slot*>(user);
  const std::size_t n = size * count;
  const std::size_t room = Outbox::kMaxAnswerBytes - std::min(d->answer.size(), Outbox::kMaxAnswerBytes);
  d->answer.append(data, std::min(n, room));
  return n;  // the rest is discarded, not an error: only the status decides
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* d = static_cast<Slot*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (starts_with_nocase(line, "HTTP/")) {
    d->retry_after.reset();  // a new response (after a 100 Continue, say) starts afresh
  } else if (starts_with_nocase(line, "retry-after:")) {
    std::string_view value = line.substr(12);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    // Delay-seconds only; an HTTP-date is ignored (the backoff applies).
    if (!value.empty() && value.size() <= 10 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const auto seconds = std::stoull(std::string(value));
      d->retry_after = std::chrono::seconds(
          std::min<std::uint64_t>(seconds, static_cast<std::uint64_t>(Outbox::kMaxRetryAfter.count())));
    }
  }
  return n;
}

Status check(const OutboxConfig& c) {
  auto bad = [](std::string_view what) {
    return Error(CommonErrc::kOutOfRange, "outbox config: " + std::string(what));
  };
  if (c.retry_base < milliseconds(1)) return bad("retry_base: expected at least 1 ms");
  if (c.retry_max < c.retry_base) return bad("retry_max: expected at least retry_base");
  if (!(c.jitter >= 0.0 && c.jitter <= 1.0)) return bad("jitter: expected 0..1");
  if (c.batch < 1 || c.batch > kMaxBatch) return bad("batch: expected 1..10000");
  if (c.window < 1 || c.window > Outbox::kMaxWindow) return bad("window: expected 1..64");
  if (c.request_timeout < milliseconds(1)) return bad("request_timeout: expected at least 1 ms");
  if (c.connect_timeout < milliseconds(1)) return bad("connect_timeout: expected at least 1 ms");
  if (c.idle_poll < milliseconds(1)) return bad("idle_poll: expected at least 1 ms");
  return {};
}

}  // namespace

struct Outbox::Impl {
  // Requests the stop of the thread when the daemon's token is requested.
  struct Waker {
    Impl* impl;
    void operator()() const {
      impl->stop_source.request_stop();
      impl->wake();
    }
  };

  Impl(NodeState& s, Metrics& m, OutboxConfig c) : state(s), metrics(m), config(std::move(c)) {
    chain::ensure_curl();
    multi = curl_multi_init();
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    // Some servers stall on "Expect: 100-continue" for larger bodies.
    headers = curl_slist_append(headers, "Expect:");
  }
  ~Impl() {
    shutdown();
    if (multi != nullptr) curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void wake() {
    if (multi != nullptr) curl_multi_wakeup(multi);
  }

  Status start() {
    if (auto st = check(config); !st) return st;
    std::lock_guard lock(mu);
    if (stopped) return Error(NodeErrc::kStopped, "outbox: started after stop()");
    if (started) return {};
    if (multi == nullptr || headers == nullptr) {
      return Error(NodeErrc::kTransport, "outbox: cannot allocate libcurl handles");
    }
    started = true;
    // Runs the Waker at once when the token is already requested: the thread then ends
    // at its first check.
    on_cancel.emplace(config.cancel, Waker{this});
    thread = std::thread([this] { run(); });
    return {};
  }

  void shutdown() {
    std::lock_guard lock(mu);
    stopped = true;
    stop_source.request_stop();
    wake();
    if (thread.joinable()) thread.join();
    on_cancel.reset();
  }

  // --- the delivery thread ---

  void run() {
    rng.seed(std::random_device{}());
    while (!stop_source.stop_requested()) {
      const std::uint64_t now = unix_ms();
      if (rescan.exchange(false) || now >= next_scan_ms || idle_due(now)) scan(now);
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) {
        spdlog::error("outbox: libcurl failed to drive the transfers; trying again in {} ms",
                      config.idle_poll.count());
        pause(config.idle_poll);
        continue;
      }
      std::vector<std::pair<CURL*, CURLcode>> done;
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE) done.emplace_back(msg->easy_handle, msg->data.result);
      }
      for (auto [easy, code] : done) {
        char* user = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &user);
        curl_multi_remove_handle(multi, easy);
        if (user != nullptr) finish(*reinterpret_cast<Slot*>(user), code);
      }
      // Before the next scan, which would otherwise read these entries again.
      flush_removals();
      // A finished transfer may have started the next one: drive it before waiting.
      if (!done.empty()) continue;
      if (curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait_ms(unix_ms())), nullptr) != CURLM_OK) {
        pause(config.idle_poll);
      }
    }
    flush_removals();
    // Transfers cut here were no attempt: their entries stay as they were.
    for (auto& [url, d] : dests) {
      for (auto& slot : d->slots) {
        if (slot->current) curl_multi_remove_handle(multi, slot->easy);
      }
    }
    dests.clear();
  }

  // Only for libcurl failures, which a retry at once would repeat.
  void pause(milliseconds how_long) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop_source.get_token(), how_long, [] { return false; });
  }

  [[nodiscard]] bool idle_due(std::uint64_t now) const {
    return std::any_of(dests.begin(), dests.end(),
                       [now](const auto& kv) { return !kv.second->busy() && kv.second->due_ms() <= now; });
  }

  // Until the next scan or the earliest idle destination's due time, at most idle_poll.
  [[nodiscard]] std::int64_t wait_ms(std::uint64_t now) const {
    std::uint64_t until = next_scan_ms;
    for (const auto& [url, d] : dests) {
      if (!d->busy()) until = std::min(until, d->due_ms());
    }
    if (until <= now) return 0;
    return std::min<std::uint64_t>(until - now, static_cast<std::uint64_t>(clamp_ms(config.idle_poll)));
  }

  // A round: lists the destinations, updates the depth gauge and gives each idle one
  // that is not held back its next batch.
  void scan(std::uint64_t now) {
    next_scan_ms = now + static_cast<std::uint64_t>(config.idle_poll.count());
    auto listed = state.outbox_destinations();
    if (!listed) {
      spdlog::warn("outbox: cannot list the outbox's destinations: {}; trying again in {} ms",
                   listed.error().message(), config.idle_poll.count());
      // Destinations due now would ask for the next scan at once.
      for (auto& [url, d] : dests) {
        if (!d->busy()) hold(*d, std::max(d->hold_until_ms, next_scan_ms));
      }
      return;
    }
    std::size_t total = 0;
    for (auto& [url, d] : dests) d->listed = false;
    for (const auto& dest : *listed) {
      total += dest.depth;
      auto& slot = dests[dest.url];
      if (!slot) {
        slot = make_destination(dest.url);
        if (!slot) {
          dests.erase(dest.url);
          continue;
        }
      }
      Destination& d = *slot;
      d.listed = true;
      // A batch is read again only when all of it is answered (and its removals made), so
      // an entry in flight is never read, and sent, twice.
      if (d.busy() || !d.queue.empty() || d.hold_until_ms > now) continue;
      if (dest.depth == 0) {
        d.next_due_ms = kNever;
        continue;
      }
      refill(d, now);
    }
    metrics.set_outbox_depth(total);
    std::erase_if(dests, [](const auto& kv) { return !kv.second->listed && !kv.second->busy(); });
  }

  std::unique_ptr<Destination> make_destination(const std::string& url) {
    auto d = std::make_unique<Destination>();
    d->url = url;
    d->shown = uri_for_errors(url);
    d->target = packets_url(url);
    return d;
  }

  // A free slot of `d`, a new one while it has fewer than the window; null when all are
  // busy or libcurl cannot allocate a handle.
  Slot* free_slot(Destination& d) {
    for (auto& slot : d.slots) {
      if (!slot->current) return slot.get();
    }
    if (d.slots.size() >= config.window) return nullptr;
    auto slot = std::make_unique<Slot>();
    slot->dest = &d;
    slot->easy = curl_easy_init();
    if (slot->easy == nullptr) {
      if (d.slots.empty()) {
        spdlog::error("outbox: cannot allocate an HTTP handle for {}; trying again in {} ms", d.shown,
                      config.idle_poll.count());
      }
      return nullptr;
    }
    CURL* h = slot->easy;
    curl_easy_setopt(h, CURLOPT_URL, d.target.c_str());  // copied by libcurl
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "wavs-node");
    // Signals are not safe in a multi-threaded process; timeouts still work without them.
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, clamp_ms(config.request_timeout));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     clamp_ms(std::min(config.connect_timeout, config.request_timeout)));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, slot.get());
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, slot.get());
    curl_easy_setopt(h, CURLOPT_PRIVATE, slot.get());
    d.slots.push_back(std::move(slot));
    return d.slots.back().get();
  }

  void refill(Destination& d, std::uint64_t now) {
    auto pending = state.outbox_pending(d.url, config.batch);
    if (!pending) {
      spdlog::warn("outbox: cannot read the outbox of {}: {}; trying again in {} ms", d.shown,
                   scrub(pending.error().message(), d.url, d.shown), config.idle_poll.count());
      hold(d, now + static_cast<std::uint64_t>(config.idle_poll.count()));
      return;
    }
    d.next_due_ms = kNever;
    d.progress = false;
    for (auto& entry : *pending) {
      if (entry.next_attempt_ms <= now) {
        d.queue.push_back(std::move(entry));
      } else {
        d.next_due_ms = std::min(d.next_due_ms, entry.next_attempt_ms);
      }
    }
    start_next(d);
  }

  // No request to `d` before `until`; what was left of its batch is read again then
  // (requests already in flight finish).
  static void hold(Destination& d, std::uint64_t until) {
    d.queue.clear();
    d.hold_until_ms = until;
    d.next_due_ms = 0;
  }

  // Starts the oldest due entries on the free slots, up to the window.
  void start_next(Destination& d) {
    while (!d.queue.empty() && d.hold_until_ms <= unix_ms()) {
      Slot* slot = free_slot(d);
      if (slot == nullptr) break;
      slot->current = std::move(d.queue.front());
      d.queue.pop_front();
      slot->answer.clear();
      slot->retry_after.reset();
      const Bytes& body = slot->current->packet.body;
      // Not copied by libcurl: the body lives in slot->current until the transfer is done.
      curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS,
                       body.empty() ? "" : reinterpret_cast<const char*>(body.data()));
      curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      if (curl_multi_add_handle(multi, slot->easy) != CURLM_OK) {
        spdlog::error("outbox: cannot start a request to {}; trying again in {} ms", d.shown,
                      config.idle_poll.count());
        slot->current.reset();
        hold(d, unix_ms() + static_cast<std::uint64_t>(config.idle_poll.count()));
        return;
      }
    }
    if (d.slots.empty() && !d.queue.empty() && d.hold_until_ms <= unix_ms()) {
      // Not even one handle: try again after a pause.
      hold(d, unix_ms() + static_cast<std::uint64_t>(config.idle_poll.count()));
      return;
    }
    // The batch is done: more may wait behind it, look again at once.
    if (d.queue.empty() && !d.busy() && d.progress) d.next_due_ms = 0;
  }

  void finish(Slot& slot, CURLcode code) {
    if (!slot.current) return;
    Destination& d = *slot.dest;
    OutboxEntry entry = std::move(*slot.current);
    slot.current.reset();
    if (code != CURLE_OK) {
      std::string error = code == CURLE_OPERATION_TIMEDOUT
                              ? "no answer within " + std::to_string(clamp_ms(config.request_timeout)) + " ms"
                              : std::string(curl_easy_strerror(code));
      retry(d, entry, std::move(error), std::nullopt);
      return;
    }
    long status = 0;
    curl_easy_getinfo(slot.easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      remove(d, std::move(entry), DeliveryResult::kDelivered);
      start_next(d);
      return;
    }
    const std::string message = shown_text(error_message(slot.answer), kMaxShownError);
    if (refused_for_good(status)) {
      spdlog::warn(
          "outbox: {} refused the packet of event {} (service {}, workflow {}) with HTTP {}: {}; "
          "dropping it",
          d.shown, entry.packet.event_id.hex(), entry.packet.service_id.hex(), entry.packet.workflow_id,
          status, message.empty() ? "(no message)" : message);
      remove(d, std::move(entry), DeliveryResult::kDropped);
      start_next(d);
      return;
    }
    retry(d, entry, "HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message),
          slot.retry_after);
  }

  // A delivered or refused entry, removed from the outbox with the others that finished in
  // the same round (flush_removals): one commit for all of them, made while the next
  // requests are already on their way.
  void remove(Destination& d, OutboxEntry entry, DeliveryResult why) {
    d.progress = true;
    removals.push_back({&d, std::move(entry), why});
  }

  void flush_removals() {
    if (removals.empty()) return;
    std::vector<OutboxEntry> entries;
    entries.reserve(removals.size());
    for (const auto& r : removals) entries.push_back(r.entry);
    auto removed = state.delivered_many(entries);
    for (std::size_t i = 0; i < removals.size(); ++i) {
      Removal& r = removals[i];
      const Status* st = removed ? &(*removed)[i] : nullptr;
      if (st != nullptr && (*st || st->error().is(StateErrc::kNotFound))) {
        if (r.why == DeliveryResult::kDelivered) {
          ++delivered;
        } else {
          ++dropped;
        }
        metrics.delivery(r.why);
        continue;
      }
      const Error& error = st != nullptr ? st->error() : removed.error();
      Destination& d = *r.d;
      spdlog::warn(
          "outbox: cannot remove the packet of event {} for {} from the outbox: {}; it is sent "
          "again in {} ms (the aggregator dedupes it)",
          r.entry.packet.event_id.hex(), d.shown, scrub(error.message(), d.url, d.shown), config.idle_poll.count());
      // Its batch is read again after the pause; a request already under way goes on.
      d.queue.clear();
      d.hold_until_ms = std::max(d.hold_until_ms, unix_ms() + static_cast<std::uint64_t>(config.idle_poll.count()));
      d.next_due_ms = 0;
    }
    removals.clear();
  }

  void retry(Destination& d, const OutboxEntry& entry, std::string error,
             std::optional<std::chrono::seconds> retry_after) {
    const std::uint32_t attempts =
        entry.attempts == std::numeric_limits<std::uint32_t>::max() ? entry.attempts : entry.attempts + 1;
    milliseconds delay = backoff(config, attempts, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    if (retry_after && *retry_after > delay) delay = *retry_after;
    const std::uint64_t next = unix_ms() + static_cast<std::uint64_t>(delay.count());
    auto marked = state.mark_attempt(entry, next, error);
    if (marked) {
      ++retried;
      metrics.delivery(DeliveryResult::kRetry);
      spdlog::warn("outbox: attempt {} to deliver event {} to {} failed: {}; next attempt in {} ms", attempts,
                   entry.packet.event_id.hex(), d.shown, error, delay.count());
    } else if (!marked.error().is(StateErrc::kNotFound)) {  // not gone meanwhile
      spdlog::warn("outbox: cannot record the failed attempt to deliver event {} to {}: {}",
                   entry.packet.event_id.hex(), d.shown, scrub(marked.error().message(), d.url, d.shown));
    }
    // The aggregator is failing: the rest of its batch waits with this entry.
    hold(d, next);
  }

  NodeState& state;
  Metrics& metrics;
  const OutboxConfig config;
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;

  std::atomic<bool> rescan{true};
  std::stop_source stop_source;
  std::atomic<std::uint64_t> delivered{0}, retried{0}, dropped{0};

  std::mutex mu;  // start() and shutdown()
  bool started = false;
  bool stopped = false;
  std::thread thread;
  std::optional<std::stop_callback<Waker>> on_cancel;

  // The delivery thread's own.
  struct Removal {
    Destination* d;  // in `dests`: destinations are erased only by a scan, after the flush
    OutboxEntry entry;
    DeliveryResult why;
  };
  std::vector<Removal> removals;  // finished this round, not yet removed from the state
  std::map<std::string, std::unique_ptr<Destination>> dests;
  std::uint64_t next_scan_ms = 0;
  std::mt19937_64 rng;
};

Outbox::Outbox(NodeState& state, Metrics& metrics, OutboxConfig config)
    : impl_(std::make_shared<Impl>(state, metrics, std::move(config))) {}

Outbox::~Outbox() { stop(); }

Status Outbox::start() { return impl_->start(); }

void Outbox::stop() { impl_->shutdown(); }

void Outbox::attach(runtime::Daemon& daemon) {
  daemon.add_stopper("outbox", [impl = impl_] { impl->shutdown(); });
}

void Outbox::notify() {
  impl_->rescan.store(true);
  impl_->wake();
}

Outbox::Stats Outbox::stats() const {
  return {impl_->delivered.load(), impl_->retried.load(), impl_->dropped.load()};
}

milliseconds Outbox::backoff(const OutboxConfig& config, std::uint32_t attempts, double unit_random) {
  if (attempts == 0) return milliseconds(0);
  const milliseconds max = std::max(config.retry_max, milliseconds(0));
  milliseconds delay = std::clamp(config.retry_base, milliseconds(0), max);
  for (std::uint32_t i = 1; i < attempts && delay.count() > 0 && delay < max; ++i) {
    delay = delay > max / 2 ? max : delay * 2;
  }
  const double jitter = std::isnan(config.jitter) ? 0.0 : std::clamp(config.jitter, 0.0, 1.0);
  const double unit = std::isnan(unit_random) ? 0.0 : std::clamp(unit_random, 0.0, 1.0);
  return milliseconds(std::llround(static_cast<double>(delay.count()) * (1.0 - jitter * unit)));
}

std::string Outbox::packets_url(std::string_view destination) {
  while (!destination.empty() && destination.back() == '/') destination.remove_suffix(1);
  std::string url(destination);
  url += "/packets";
  return url;
}

}  // namespace wavs::node
