#include "node/outbox.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/bytes.hpp"
#include "common/test_support.hpp"
#include "httpd/server.hpp"
#include "node/error.hpp"
#include "node/metrics.hpp"
#include "node/state.hpp"
#include "runtime/context_pool.hpp"
#include "runtime/daemon.hpp"
#include "runtime/worker_pool.hpp"
#include "storage/state_store.hpp"

namespace wavs::node {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 20s;

template <class Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// An aggregator on loopback: the project's HTTP server with POST /packets answered by
// `answer`, recording every body it was sent, in arrival order.
class Aggregator {
 public:
  using Answer = std::function<httpd::Response(const httpd::Request&)>;

  // With `workers`, POST /packets is a blocking route run on that many threads, so
  // requests can be answered concurrently (and the answer may block).
  explicit Aggregator(Answer answer, std::size_t workers = 0) : answer_(std::move(answer)) {
    if (workers > 0) pool_ = std::make_unique<runtime::WorkerPool>(runtime::WorkerPoolConfig{workers, 1024});
    auto added = router_.add({.method = httpd::Method::kPost,
                              .path = "/packets",
                              .handler =
                                  [this](const httpd::Request& r) {
                                    {
                                      std::lock_guard lock(mu_);
                                      bodies_.push_back(r.body);
                                      content_types_.emplace_back(r.headers.get("content-type").value_or(""));
                                    }
                                    return answer_(r);
                                  },
                              .write = true,
                              .blocking = workers > 0});
    EXPECT_TRUE(added);
    io_.start();
    server_ = std::make_unique<httpd::Server>(httpd::ServerConfig{}, router_, io_, pool_.get());
    auto started = server_->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message());
  }
  ~Aggregator() { (void)server_->stop(); }
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  [[nodiscard]] std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  [[nodiscard]] std::vector<std::string> content_types() const {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
  Answer answer_;
  // Destroyed in reverse: the server stops (destructor) before the router, the workers
  // and the I/O threads go.
  std::unique_ptr<runtime::WorkerPool> pool_;
  runtime::ContextPool io_{1};
  httpd::Router router_;
  std::unique_ptr<httpd::Server> server_;
};

httpd::Response ok(const httpd::Request&) { return httpd::Response::json(200, "{\"accepted\":true}"); }

// A loopback server that accepts connections and reads what comes, and never answers.
class HangingListener {
 public:
  HangingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HangingListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  HangingListener(const HangingListener&) = delete;
  HangingListener& operator=(const HangingListener&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Bytes received so far, over every connection.
  [[nodiscard]] std::size_t received() const { return received_.load(); }

 private:
  void serve() {
    std::vector<int> clients;
    while (!stop_) {
      std::vector<pollfd> fds{{fd_, POLLIN, 0}};
      for (int c : clients) fds.push_back({c, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if ((fds[0].revents & POLLIN) != 0) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c >= 0) clients.push_back(c);
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        char buf[4096];
        const auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n > 0) {
          received_ += static_cast<std::size_t>(n);
        } else {
          ::close(fds[i].fd);
          std::erase(clients, fds[i].fd);
        }
      }
    }
    for (int c : clients) ::close(c);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0};
  std::thread thread_;
};

// A real store that fails on demand: reads (get, scan), writes (apply) or both, with kIo.
class FlakyStore final : public storage::StateStore {
 public:
  explicit FlakyStore(std::unique_ptr<storage::StateStore> inner) : inner_(std::move(inner)) {}

  std::atomic<bool> fail_reads{false};
  std::atomic<bool> fail_writes{false};
  std::atomic<int> failures{0};

  Result<std::optional<Bytes>> get(std::string_view table, ByteView key) override {
    if (fail_reads) return fail();
    return inner_->get(table, key);
  }
  Result<std::vector<storage::Record>> scan(std::string_view table, ByteView after,
                                            std::uint32_t limit) override {
    if (fail_reads) return fail();
    return inner_->scan(table, after, limit);
  }
  Result<std::vector<storage::QueueItem>> peek(std::string_view queue, std::uint32_t limit) override {
    if (fail_reads) return fail();
    return inner_->peek(queue, limit);
  }
  Result<storage::BatchOutcome> apply(const storage::Batch& batch) override {
    if (fail_writes) return fail();
    return inner_->apply(batch);
  }

 private:
  Error fail() {
    ++failures;
    return Error(storage::StorageErrc::kIo, "disk I/O error (injected)");
  }
  std::unique_ptr<storage::StateStore> inner_;
};

const service::ChainKey kChain{"evm", "31337"};

Hash256 service_id() {
  service::Manager m{kChain, {}};
  m.address[19] = 7;
  return service::service_id(m);
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(temp_.path().empty()) << "cannot create a temporary directory";
    auto state = NodeState::open(temp_.path() / "node.sqlite");
    ASSERT_TRUE(state) << state.error().message();
    state_ = std::move(*state);
  }

  // Puts one packet per body into `destination`'s outbox the way the node does: a work
  // item is enqueued, taken and completed with its packet. Returns the event ids in order.
  std::vector<eth::EventId> put(const std::string& destination, const std::vector<std::string>& bodies) {
    std::vector<component::TriggerAction> actions;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      actions.push_back({service_id(), "default", service::ManualTrigger{},
                         component::BlockInterval{kChain, next_height_++}});
    }
    std::vector<eth::EventId> ids;
    auto enqueued = state_->enqueue(actions);
    EXPECT_TRUE(enqueued) << enqueued.error().message();
    if (!enqueued) return ids;
    std::map<eth::EventId, std::string> body_of;
    for (std::size_t i = 0; i < enqueued->size(); ++i) {
      body_of[(*enqueued)[i].event_id] = bodies[i];
      ids.push_back((*enqueued)[i].event_id);
    }
    auto work = state_->peek_work(1000);
    EXPECT_TRUE(work) << work.error().message();
    if (!work) return ids;
    for (const auto& item : *work) {
      auto body = body_of.find(item.event_id);
      if (body == body_of.end()) continue;
      OutboxPacket packet{destination, service_id(), "default", item.event_id, bytes_of(body->second)};
      auto done = state_->complete(item, RunResult{}, {packet});
      EXPECT_TRUE(done) << done.error().message();
    }
    return ids;
  }

  std::vector<OutboxEntry> pending(const std::string& destination) {
    auto got = state_->outbox_pending(destination, 1000);
    EXPECT_TRUE(got) << got.error().message();
    return got ? *got : std::vector<OutboxEntry>{};
  }

  // Quick retries and no periodic scan, so that only notify() and due times drive delivery.
  static OutboxConfig config() {
    OutboxConfig c;
    c.retry_base = 20ms;
    c.retry_max = 200ms;
    c.jitter = 0.0;
    c.request_timeout = 5s;
    c.connect_timeout = 2s;
    c.idle_poll = 60s;
    c.window = 1;  // strict order, so that arrivals can be compared as lists
    return c;
  }

  test::TempDir temp_{"wavs-outbox"};
  std::unique_ptr<NodeState> state_;
  Metrics metrics_{"test"};
  std::uint64_t next_height_ = 1;
};

TEST_F(OutboxTest, DeliversInFifoOrderPerDestinationAndRemoves) {
  Aggregator agg(ok);
  auto cfg = config();
  cfg.batch = 2;  // five packets take three reads: the outbox is read again after progress
  Outbox outbox(*state_, metrics_, cfg);
  ASSERT_TRUE(outbox.start());
  put(agg.url() + "/", {"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"});
  outbox.notify();  // idle_poll is a minute: only this wakes the thread
  ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 5; }));
  EXPECT_EQ(agg.bodies(),
            (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}"}));
  for (const auto& type : agg.content_types()) EXPECT_EQ(type, "application/json");
  EXPECT_TRUE(pending(agg.url() + "/").empty());
  auto depth = state_->outbox_depth(agg.url() + "/");
  ASSERT_TRUE(depth);
  EXPECT_EQ(*depth, 0u);
  EXPECT_EQ(outbox.stats().retried, 0u);
  EXPECT_EQ(outbox.stats().dropped, 0u);
  EXPECT_NE(metrics_.render().find("wavs_outbox_deliveries_total{result=\"delivered\"} 5"),
            std::string::npos);
}

// Up to `window` requests to one destination at a time, never more, each packet sent once.
TEST_F(OutboxTest, KeepsUpToTheWindowInFlightPerDestination) {
  for (std::uint32_t window : {1u, 4u}) {
    std::atomic<int> inside{0}, most{0};
    Aggregator agg(
        [&](const httpd::Request& r) {
          const int now = ++inside;
          for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          std::this_thread::sleep_for(40ms);  // long enough for the others to arrive meanwhile
          --inside;
          return ok(r);
        },
        8);
    auto cfg = config();
    cfg.window = window;
    Outbox outbox(*state_, metrics_, cfg);
    std::vector<std::string> bodies;
    for (int i = 0; i < 12; ++i) bodies.push_back("{\"w\":" + std::to_string(window) + ",\"n\":" + std::to_string(i) + "}");
    put(agg.url(), bodies);
    ASSERT_TRUE(outbox.start());
    ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 12; })) << "window " << window;
    outbox.stop();
    auto got = agg.bodies();
    std::sort(got.begin(), got.end());
    std::sort(bodies.begin(), bodies.end());
    EXPECT_EQ(got, bodies) << "each packet once";
    EXPECT_LE(most.load(), static_cast<int>(window));
    if (window > 1) {
      EXPECT_GE(most.load(), 2) << "requests overlapped";
    }
    EXPECT_TRUE(pending(agg.url()).empty());
  }
}

TEST_F(OutboxTest, RetriesA503ThenDelivers) {
  std::atomic<bool> allow{false};
  Aggregator agg([&](const httpd::Request& r) {
    if (!allow) return httpd::Response::error(503, httpd::kUnavailable, "aggregator busy");
    return ok(r);
  });
  auto cfg = config();
  cfg.retry_base = 200ms;
  Outbox outbox(*state_, metrics_, cfg);
  auto ids = put(agg.url(), {"{\"p\":1}"});
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(outbox.start());  // scans at once: no notify needed for what was queued before

  ASSERT_TRUE(eventually([&] { return outbox.stats().retried >= 1; }));
  auto waiting = pending(agg.url());
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_GE(waiting[0].attempts, 1u);
  EXPECT_NE(waiting[0].last_error.find("HTTP 503: aggregator busy"), std::string::npos)
      << waiting[0].last_error;
  EXPECT_GT(waiting[0].next_attempt_ms, 0u);
  EXPECT_EQ(waiting[0].packet.event_id, ids[0]);

  allow = true;
  ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 1; }));
  const auto bodies = agg.bodies();
  const auto stats = outbox.stats();
  EXPECT_EQ(bodies.size(), stats.retried + 1)
      << "one request per failed attempt, then the one that succeeded";
  for (const auto& b : bodies) EXPECT_EQ(b, "{\"p\":1}");
  EXPECT_TRUE(pending(agg.url()).empty());
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_NE(metrics_.render().find("wavs_outbox_deliveries_total{result=\"retry\"} " +
                                   std::to_string(stats.retried)),
            std::string::npos);
}

TEST_F(OutboxTest, DropsWhatTheAggregatorRefusesForGood) {
  Aggregator agg([](const httpd::Request& r) {
    if (r.body.find("bad") != std::string::npos) {
      return httpd::Response::error(400, httpd::kBadRequest, "bad signature");
    }
    return ok(r);
  });
  Outbox outbox(*state_, metrics_, config());
  ASSERT_TRUE(outbox.start());
  put(agg.url(), {"{\"bad\":1}"});
  outbox.notify();
  ASSERT_TRUE(eventually([&] { return outbox.stats().dropped == 1; }));
  EXPECT_TRUE(pending(agg.url()).empty());
  // A later packet goes out; the refused one was never sent again.
  put(agg.url(), {"{\"good\":2}"});
  outbox.notify();
  ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 1; }));
  EXPECT_EQ(agg.bodies(), (std::vector<std::string>{"{\"bad\":1}", "{\"good\":2}"}));
  EXPECT_EQ(outbox.stats().retried, 0u);
  EXPECT_EQ(outbox.stats().dropped, 1u);
  EXPECT_NE(metrics_.render().find("wavs_outbox_deliveries_total{result=\"dropped\"} 1"), std::string::npos);
}

TEST_F(OutboxTest, HonoursRetryAfterWhenLargerThanTheBackoff) {
  auto answer_with = [](unsigned status, std::string seconds) {
    return [status, seconds](const httpd::Request&) {
      auto r = httpd::Response::error(status, httpd::kUnavailable, "later");
      r.headers.set("Retry-After", seconds);
      return r;
    };
  };
  Aggregator longer(answer_with(429, "120"));  // above the backoff: honoured
  Aggregator shorter(answer_with(503, "1"));   // below it: the backoff applies
  auto cfg = config();
  cfg.retry_base = 10s;
  cfg.retry_max = 10s;
  Outbox outbox(*state_, metrics_, cfg);
  put(longer.url(), {"{\"a\":1}"});
  put(shorter.url(), {"{\"b\":1}"});
  const std::uint64_t before = unix_ms();
  ASSERT_TRUE(outbox.start());
  ASSERT_TRUE(eventually([&] { return outbox.stats().retried == 2; }));
  const std::uint64_t after = unix_ms();
  outbox.stop();

  auto a = pending(longer.url());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].attempts, 1u);
  EXPECT_GE(a[0].next_attempt_ms, before + 120'000);
  EXPECT_LE(a[0].next_attempt_ms, after + 120'000);
  EXPECT_NE(a[0].last_error.find("HTTP 429"), std::string::npos) << a[0].last_error;
  auto b = pending(shorter.url());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].attempts, 1u);
  EXPECT_GE(b[0].next_attempt_ms, before + 10'000);
  EXPECT_LE(b[0].next_attempt_ms, after + 10'000);
  EXPECT_EQ(longer.bodies().size(), 1u);
  EXPECT_EQ(shorter.bodies().size(), 1u);
}

TEST_F(OutboxTest, AHungDestinationDoesNotHoldBackAnother) {
  HangingListener hung;
  Aggregator agg(ok);
  auto cfg = config();
  cfg.request_timeout = 60s;  // the hung request stays in flight for the whole test
  Outbox outbox(*state_, metrics_, cfg);
  put(hung.url(), {"{\"h\":1}", "{\"h\":2}"});
  ASSERT_TRUE(outbox.start());
  ASSERT_TRUE(eventually([&] { return hung.received() > 0; }))
      << "the request to the hung destination went out";
  put(agg.url(), {"{\"x\":1}", "{\"x\":2}", "{\"x\":3}"});
  outbox.notify();
  ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 3; }));
  EXPECT_EQ(agg.bodies(), (std::vector<std::string>{"{\"x\":1}", "{\"x\":2}", "{\"x\":3}"}));
  auto stuck = pending(hung.url());
  ASSERT_EQ(stuck.size(), 2u);
  EXPECT_EQ(stuck[0].attempts, 0u) << "still in flight: no attempt recorded";
  // The scan after the healthy destination's batch counts what the hung one still holds.
  EXPECT_TRUE(
      eventually([&] { return metrics_.render().find("wavs_outbox_depth 2\n") != std::string::npos; }));
}

TEST_F(OutboxTest, StopDuringAHungTransferReturnsPromptly) {
  HangingListener hung;
  auto cfg = config();
  cfg.request_timeout = 60s;
  Outbox outbox(*state_, metrics_, cfg);
  put(hung.url(), {"{\"h\":1}"});
  ASSERT_TRUE(outbox.start());
  ASSERT_TRUE(eventually([&] { return hung.received() > 0; }));
  auto stopped = std::async(std::launch::async, [&] { outbox.stop(); });
  EXPECT_EQ(stopped.wait_for(2s), std::future_status::ready) << "stop() waited for the hung transfer";
  stopped.wait();
  auto left = pending(hung.url());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].attempts, 0u) << "a transfer cut by stop() is not an attempt";
  outbox.stop();  // idempotent
  auto again = outbox.start();
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(NodeErrc::kStopped)) << again.error().message();
}

TEST_F(OutboxTest, TheDaemonsShutdownStopsIt) {
  HangingListener hung;
  runtime::Daemon daemon({.workers = {.threads = 1}, .handle_signals = false});
  auto cfg = config();
  cfg.request_timeout = 60s;
  cfg.cancel = daemon.stop_token();
  Outbox outbox(*state_, metrics_, cfg);
  outbox.attach(daemon);
  daemon.start();
  put(hung.url(), {"{\"h\":1}"});
  ASSERT_TRUE(outbox.start());
  ASSERT_TRUE(eventually([&] { return hung.received() > 0; }));
  auto st = daemon.shutdown();
  EXPECT_TRUE(st) << st.error().message();
  EXPECT_EQ(pending(hung.url()).size(), 1u);
}

TEST_F(OutboxTest, StorageErrorsAreRetriedLaterWithoutSpinning) {
  Aggregator agg(ok);
  auto store = storage::open_sqlite_state_store(temp_.path() / "node.sqlite");
  ASSERT_TRUE(store) << store.error().message();
  auto* flaky = new FlakyStore(std::move(*store));
  auto created = NodeState::create(std::unique_ptr<storage::StateStore>(flaky));
  ASSERT_TRUE(created) << created.error().message();
  auto cfg = config();
  cfg.idle_poll = 100ms;
  Outbox outbox(**created, metrics_, cfg);
  put(agg.url(), {"{\"s\":1}"});

  // Reads fail: nothing is sent, and the outbox is read again only every idle_poll.
  flaky->fail_reads = true;
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(outbox.start());
  ASSERT_TRUE(eventually([&] { return flaky->failures >= 3; }));
  const auto elapsed = std::chrono::steady_clock::now() - began;
  const int failures = flaky->failures;
  // A busy loop would fail thousands of times; one read per scan fails at most a few.
  EXPECT_LE(failures, 4 * (1 + static_cast<int>(elapsed / cfg.idle_poll)))
      << "failed reads in " << elapsed.count();
  EXPECT_TRUE(agg.bodies().empty());

  // Writes fail: the packet is accepted but cannot be removed, so it is sent again later
  // (at least once; the aggregator dedupes).
  flaky->fail_reads = false;
  flaky->fail_writes = true;
  ASSERT_TRUE(eventually([&] { return agg.bodies().size() >= 2; }));
  EXPECT_EQ(outbox.stats().delivered, 0u);

  flaky->fail_writes = false;
  ASSERT_TRUE(eventually([&] { return outbox.stats().delivered == 1; }));
  for (const auto& b : agg.bodies()) EXPECT_EQ(b, "{\"s\":1}");
  EXPECT_TRUE(pending(agg.url()).empty());
}

TEST_F(OutboxTest, StartRefusesAConfigOutOfRange) {
  auto bad = [&](auto change) {
    auto cfg = config();
    change(cfg);
    Outbox outbox(*state_, metrics_, cfg);
    auto st = outbox.start();
    EXPECT_FALSE(st);
    return st ? std::string() : st.error().message();
  };
  EXPECT_NE(bad([](OutboxConfig& c) { c.jitter = 1.5; }).find("jitter"), std::string::npos);
  EXPECT_NE(bad([](OutboxConfig& c) { c.batch = 0; }).find("batch"), std::string::npos);
  EXPECT_NE(bad([](OutboxConfig& c) { c.retry_max = 1ms; }).find("retry_max"), std::string::npos);
  EXPECT_NE(bad([](OutboxConfig& c) { c.idle_poll = 0ms; }).find("idle_poll"), std::string::npos);
}

TEST(OutboxBackoff, IsExponentialCappedAndJitteredWithinBounds) {
  OutboxConfig c;  // 500 ms, at most 60 s, jitter 0.5
  EXPECT_EQ(Outbox::backoff(c, 0, 0.0), 0ms);
  EXPECT_EQ(Outbox::backoff(c, 1, 0.0), 500ms);
  EXPECT_EQ(Outbox::backoff(c, 2, 0.0), 1000ms);
  EXPECT_EQ(Outbox::backoff(c, 3, 0.0), 2000ms);
  EXPECT_EQ(Outbox::backoff(c, 7, 0.0), 32000ms);
  EXPECT_EQ(Outbox::backoff(c, 8, 0.0), 60000ms) << "64 s capped";
  EXPECT_EQ(Outbox::backoff(c, 4'000'000'000u, 0.0), 60000ms) << "no overflow";
  EXPECT_EQ(Outbox::backoff(c, 1, 1.0), 250ms);
  EXPECT_EQ(Outbox::backoff(c, 8, 1.0), 30000ms);
  EXPECT_EQ(Outbox::backoff(c, 2, 0.5), 750ms);
  for (int i = 0; i <= 100; ++i) {
    const double u = i / 100.0;
    for (std::uint32_t attempts = 1; attempts <= 10; ++attempts) {
      const auto full = Outbox::backoff(c, attempts, 0.0);
      const auto d = Outbox::backoff(c, attempts, u);
      EXPECT_LE(d, full);
      EXPECT_GE(d, full / 2);
    }
  }
  c.jitter = 0.0;
  EXPECT_EQ(Outbox::backoff(c, 3, 0.9), 2000ms);
}

TEST(OutboxUrl, PacketsUrlHandlesATrailingSlash) {
  EXPECT_EQ(Outbox::packets_url("http://127.0.0.1:8001"), "http://127.0.0.1:8001/packets");
  EXPECT_EQ(Outbox::packets_url("http://127.0.0.1:8001/"), "http://127.0.0.1:8001/packets");
  EXPECT_EQ(Outbox::packets_url("https://agg.example/base//"), "https://agg.example/base/packets");
}

}  // namespace
}  // namespace wavs::node
