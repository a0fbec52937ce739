#include "httpd/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/context_pool.hpp"
#include "runtime/worker_pool.hpp"

namespace wavs::httpd {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// A raw loopback client: every wait is bounded so a server bug fails a test, never hangs it.

constexpr auto kBound = 10s;

class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  struct Reply {
    unsigned status = 0;
    std::string head;  // status line and fields
    std::string body;
    [[nodiscard]] std::string header(std::string_view name) const {
      std::string lower_head = lower(head);
      const auto at = lower_head.find("\r\n" + lower(std::string(name)) + ":");
      if (at == std::string::npos) return {};
      const auto begin = head.find_first_not_of(' ', at + 3 + name.size());
      return head.substr(begin, head.find("\r\n", begin) - begin);
    }
    [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
    static std::string lower(std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    }
  };

  // One response (Content-Length bodies only, which is all the server sends); nullopt
  // when the connection ended or nothing came within the bound.
  std::optional<Reply> read_reply() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Reply r;
    r.head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    r.status = static_cast<unsigned>(std::stoul(r.head.substr(9, 3)));
    const auto length = r.header("content-length");
    const std::size_t n = length.empty() ? 0 : std::stoul(length);
    while (buf_.size() < n) {
      if (!fill()) return std::nullopt;
    }
    r.body = buf_.substr(0, n);
    buf_.erase(0, n);
    return r;
  }

  // True when the server closed the connection (EOF or reset) within the bound, with
  // nothing more sent.
  bool closed_by_server(std::chrono::milliseconds bound = kBound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c[256];
      const auto n = ::recv(fd_, c, sizeof c, 0);
      if (n <= 0) return true;
      buf_.append(c, static_cast<std::size_t>(n));
    }
    return false;
  }
  [[nodiscard]] const std::string& unread() const { return buf_; }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kBound).count())) <= 0) return false;
    char c[4096];
    const auto n = ::recv(fd_, c, sizeof c, 0);
    if (n <= 0) return false;
    buf_.append(c, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

std::string error_code(const Client::Reply& r) {
  const auto j = r.json();
  if (j.is_discarded() || !j.contains("error")) return "<not an error body: " + r.body + ">";
  return j["error"]["code"].get<std::string>();
}

// Waits for `done` up to the bound.
template <class Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// ---------------------------------------------------------------------------

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    add({.method = Method::kGet, .path = "/hello", .handler = [](const Request&) {
           return Response::text(200, "hi");
         }});
    add({.method = Method::kGet, .path = "/services/{chain}/{address}", .handler = [](const Request& r) {
           return Response::json(
               200, nlohmann::json{{"chain", r.param("chain")}, {"address", r.param("address")}}.dump());
         }});
    add({.method = Method::kPost,
         .path = "/echo",
         .handler = [](const Request& r) { return Response::text(200, r.body); },
         .write = true});
    add({.method = Method::kGet, .path = "/throw", .handler = [](const Request&) -> Response {
           throw std::runtime_error("db at /var/secret/path failed");
         }});
    add({.method = Method::kGet,
         .path = "/where",
         .handler =
             [this](const Request&) {
               return Response::json(200, nlohmann::json{{"io_thread", io_.in_pool_thread()}}.dump());
             },
         .blocking = true});
    add({.method = Method::kGet,
         .path = "/slow",
         .handler =
             [this](const Request& r) {
               std::mutex m;
               std::condition_variable_any cv;
               std::unique_lock lock(m);
               cv.wait_for(lock, r.cancel, kBound, [] { return false; });
               slow_cancelled_ = r.cancel.stop_requested();
               return Response::text(200, "late");
             },
         .blocking = true});
    add({.method = Method::kGet,
         .path = "/gate",
         .handler =
             [this](const Request&) {
               gate_entered_ = true;
               (void)gate_.get_future().wait_for(kBound);
               return Response::text(200, "through");
             },
         .blocking = true});
  }

  ~ServerTest() override {
    if (server_) (void)server_->stop();
  }

  void add(Route r) { ASSERT_TRUE(router_.add(std::move(r))); }

  void start(ServerConfig config = {}) {
    io_.start();
    server_ = std::make_unique<Server>(std::move(config), router_, io_, &workers_);
    auto st = server_->start();
    ASSERT_TRUE(st) << st.error().message();
    ASSERT_NE(server_->port(), 0);
  }

  std::uint16_t port() const { return server_->port(); }

  // Declaration order is destruction order reversed: the server stops first, the workers
  // join before the router (their tasks hold its routes), the I/O threads last.
  runtime::ContextPool io_{2};
  Router router_;
  runtime::WorkerPool workers_{{.threads = 2, .queue_capacity = 8}};
  std::unique_ptr<Server> server_;
  std::atomic<bool> slow_cancelled_{false};
  std::atomic<bool> gate_entered_{false};
  std::promise<void> gate_;
};

TEST_F(ServerTest, RoutesWithParameters) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(get("/services/evm%3A31337/0xabc")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->json()["chain"], "evm:31337");
  EXPECT_EQ(r->json()["address"], "0xabc");
  EXPECT_EQ(r->header("server"), "wavs");
}

TEST_F(ServerTest, UnknownRouteAndWrongMethodAreJsonErrors) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(get("/nope")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  EXPECT_EQ(error_code(*r), "not_found");
  EXPECT_EQ(r->header("content-type"), "application/json");

  ASSERT_TRUE(c.send(post("/hello", "x")));  // same connection: errors keep it alive
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405u);
  EXPECT_EQ(error_code(*r), "method_not_allowed");
  EXPECT_EQ(r->header("allow"), "GET");
}

TEST_F(ServerTest, WriteRoutesOpenWithoutAToken) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(post("/echo", "hello")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, WriteRoutesNeedTheBearerToken) {
  start({.bearer_token = Secret("s3cret-token")});
  Client c(port());
  for (const char* auth :
       {"", "Authorization: Bearer wrong\r\n", "Authorization: Basic czNjcmV0LXRva2Vu\r\n",
        "Authorization: Bearer s3cret-toke\r\n", "Authorization: Bearer s3cret-token2\r\n"}) {
    ASSERT_TRUE(c.send(post("/echo", "x", auth)));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << auth;
    EXPECT_EQ(r->status, 401u) << auth;
    EXPECT_EQ(error_code(*r), "unauthorized");
    EXPECT_EQ(r->header("www-authenticate"), "Bearer");
    EXPECT_EQ(r->body.find("s3cret"), std::string::npos);
  }
  ASSERT_TRUE(c.send(post("/echo", "x", "Authorization: bearer s3cret-token\r\n")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  // Read routes never need it.
  ASSERT_TRUE(c.send(get("/hello")));
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, OversizedContentLengthIs413AtOnce) {
  start();  // the default 15 MiB limit
  Client c(port());
  // Only the header is sent: the answer must not wait for a body it will refuse.
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                     std::to_string(15 * 1024 * 1024 + 1) + "\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413u);
  EXPECT_EQ(error_code(*r), "payload_too_large");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  start({.max_body_bytes = 1024});
  Client c(port());
  std::string req = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "258\r\n" + std::string(600, 'a') + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.send(req));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413u);
  EXPECT_EQ(error_code(*r), "payload_too_large");
  EXPECT_TRUE(c.closed_by_server());

  Client small(port());  // under the limit, chunked is fine
  ASSERT_TRUE(small.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  r = small.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "abc");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_reply();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100u);
  ASSERT_TRUE(c.send("12345"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "12345");
}

TEST_F(ServerTest, SlowLorisIsClosedByTheHeaderTimeout) {
  start({.header_timeout = 300ms, .idle_timeout = 60s});
  Client c(port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n"));
  // One header byte at a time, never finishing: only the header timeout can end it.
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    for (int i = 0; i < 400 && !stop; ++i) {
      if (!c.send("X")) break;
      std::this_thread::sleep_for(25ms);
    }
  });
  const bool closed = c.closed_by_server();
  stop = true;
  dribble.join();
  EXPECT_TRUE(closed);
  EXPECT_TRUE(c.unread().empty()) << c.unread();
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Client c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/hello")));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(r->body, "hi");
    EXPECT_NE(r->header("connection"), "close");
  }
  // Pipelined: two requests in one write, two answers in order.
  ASSERT_TRUE(c.send(get("/services/a/b") + post("/echo", "second")));
  auto first = c.read_reply();
  auto second = c.read_reply();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->json()["chain"], "a");
  EXPECT_EQ(second->body, "second");
  // Connection: close is honoured.
  ASSERT_TRUE(c.send(get("/hello", "Connection: close\r\n")));
  auto last = c.read_reply();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  start({.idle_timeout = 200ms});
  Client c(port());
  ASSERT_TRUE(c.send(get("/hello")));
  ASSERT_TRUE(c.read_reply());
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, ManyConcurrentConnections) {
  start();
  constexpr int kN = 64;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kN; ++i) {
    clients.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (int i = 0; i < kN; ++i) ASSERT_TRUE(clients[i]->send(get("/services/c" + std::to_string(i) + "/a")));
  for (int i = 0; i < kN; ++i) {
    auto r = clients[i]->read_reply();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->json()["chain"], "c" + std::to_string(i));
  }
  EXPECT_EQ(server_->connections(), static_cast<std::size_t>(kN));
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitGet503) {
  start({.max_connections = 2});
  Client a(port()), b(port());
  ASSERT_TRUE(eventually([&] { return server_->connections() == 2; }));
  Client c(port());
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(error_code(*r), "unavailable");
  EXPECT_TRUE(c.closed_by_server());
  // The admitted ones still work.
  ASSERT_TRUE(a.send(get("/hello")));
  auto ok = a.read_reply();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200u);
}

TEST_F(ServerTest, BlockingHandlerRunsOnAWorker) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(get("/where")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->json()["io_thread"], false);
  // And the connection is still usable afterwards (the response came back through its strand).
  ASSERT_TRUE(c.send(get("/where")));
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, SlowBlockingHandlerGets504AndItsTokenIsRequested) {
  start({.handler_deadline = 200ms});
  Client c(port());
  ASSERT_TRUE(c.send(get("/slow")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504u);
  EXPECT_EQ(error_code(*r), "timeout");
  EXPECT_TRUE(eventually([&] { return slow_cancelled_.load(); }));
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, HandlerExceptionIs500WithoutInternals) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(get("/throw")));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500u);
  EXPECT_EQ(error_code(*r), "internal");
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
}

TEST_F(ServerTest, StopFinishesInFlightRequestsAndClosesIdleConnections) {
  start({.stop_bound = 5s});
  Client idle(port());
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_TRUE(idle.read_reply());  // kept alive, now waiting for a request
  Client busy(port());
  ASSERT_TRUE(busy.send(get("/gate")));
  ASSERT_TRUE(eventually([&] { return gate_entered_.load(); }));

  auto stopped = std::async(std::launch::async, [&] { return server_->stop(); });
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(idle.unread().empty());
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout);  // still waiting for the gate

  gate_.set_value();
  auto r = busy.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "through");
  EXPECT_EQ(r->header("connection"), "close");
  ASSERT_EQ(stopped.wait_for(kBound), std::future_status::ready);
  auto st = stopped.get();
  EXPECT_TRUE(st) << st.error().message();
  EXPECT_EQ(server_->connections(), 0u);

  Client late(port());  // the listener is closed
  EXPECT_TRUE(!late.connected() || late.closed_by_server());
}

TEST_F(ServerTest, StopClosesWhatOutlivesTheBound) {
  start({.stop_bound = 100ms});
  Client busy(port());
  ASSERT_TRUE(busy.send(get("/slow")));
  ASSERT_TRUE(eventually([&] { return server_->connections() == 1; }));
  std::this_thread::sleep_for(50ms);  // let the handler start waiting
  auto st = server_->stop();
  EXPECT_TRUE(st) << st.error().message();
  EXPECT_TRUE(busy.closed_by_server());
  EXPECT_TRUE(eventually([&] { return slow_cancelled_.load(); }));
}

TEST(ServerBusy, AFullWorkerQueueIs503AtOnce) {
  runtime::ContextPool io(1);
  Router router;
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<int> entered{0};
  ASSERT_TRUE(router.add({.method = Method::kGet,
                          .path = "/gate",
                          .handler =
                              [&](const Request&) {
                                ++entered;
                                (void)opened.wait_for(kBound);
                                return Response::text(200, "through");
                              },
                          .blocking = true}));
  runtime::WorkerPool workers({.threads = 1, .queue_capacity = 1});
  io.start();
  Server server({}, router, io, &workers);
  ASSERT_TRUE(server.start());
  Client running(server.port()), queued(server.port()), refused(server.port());
  ASSERT_TRUE(running.send(get("/gate")));
  ASSERT_TRUE(eventually([&] { return entered == 1; }));
  ASSERT_TRUE(queued.send(get("/gate")));
  ASSERT_TRUE(eventually([&] { return workers.stats().queued == 1; }));
  ASSERT_TRUE(refused.send(get("/gate")));
  auto r = refused.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(error_code(*r), "unavailable");
  EXPECT_EQ(r->header("retry-after"), "1");
  gate.set_value();
  for (Client* c : {&running, &queued}) {
    auto ok = c->read_reply();
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200u);
  }
  EXPECT_TRUE(server.stop());
}

TEST(ServerConfigCheck, RejectsZeroLimits) {
  EXPECT_TRUE(check({}));
  auto st = check({.max_body_bytes = 0});
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(HttpdErrc::kBadConfig));
  EXPECT_NE(st.error().message().find("max_body_bytes"), std::string::npos);
  EXPECT_FALSE(check({.header_timeout = 0ms}));
}

TEST(ServerStart, BindErrorsNameTheAddressAndBlockingNeedsWorkers) {
  runtime::ContextPool io(1);
  Router router;
  ASSERT_TRUE(router.add(
      {.method = Method::kGet, .path = "/a", .handler = [](const Request&) { return Response{}; }}));
  // The pool never runs here: stop() cannot close the listener and reports it.
  Server first({.stop_bound = 50ms}, router, io, nullptr);
  ASSERT_TRUE(first.start());
  Server second({.port = first.port()}, router, io, nullptr);
  auto st = second.start();
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is(HttpdErrc::kBind));
  EXPECT_NE(st.error().message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos);

  Server bad_host({.host = "no-such-host.invalid"}, router, io, nullptr);
  EXPECT_FALSE(bad_host.start());

  ASSERT_TRUE(router.add({.method = Method::kGet,
                          .path = "/b",
                          .handler = [](const Request&) { return Response{}; },
                          .blocking = true}));
  Server no_workers({}, router, io, nullptr);
  auto nw = no_workers.start();
  ASSERT_FALSE(nw);
  EXPECT_TRUE(nw.error().is(HttpdErrc::kBadConfig));
  EXPECT_TRUE(no_workers.stop());  // never started: nothing to stop

  auto st_first = first.stop();
  ASSERT_FALSE(st_first);
  EXPECT_TRUE(st_first.error().is(HttpdErrc::kTimeout));
}

// ---------------------------------------------------------------------------
// The socket-free seam the fuzz target uses.

class RawRequest : public ::testing::Test {
 protected:
  RawRequest() {
    EXPECT_TRUE(router_.add({.method = Method::kGet, .path = "/items/{id}", .handler = [](const Request& r) {
                               return Response::text(200, std::string(r.param("id")));
                             }}));
    EXPECT_TRUE(router_.add({.method = Method::kPut,
                             .path = "/items/{id}",
                             .handler = [](const Request& r) { return Response::text(200, r.body); },
                             .write = true,
                             .blocking = true}));
    config_.bearer_token = Secret("raw-s3cret");
    config_.max_body_bytes = 16;
    config_.max_header_bytes = 256;
  }
  Response raw(std::string_view bytes) { return handle_raw_request(bytes, router_, config_); }
  static std::string code(const Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_discarded() ? "<not json>" : j["error"]["code"].get<std::string>();
  }
  Router router_;
  ServerConfig config_;
};

TEST_F(RawRequest, AnswersLikeAConnection) {
  auto r = raw("GET /items/a%20b?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "a b");
  r = raw("GET http://example.com/items/abs HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.body, "abs");
  r = raw(
      "PUT /items/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer raw-s3cret\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "abc");
}

TEST_F(RawRequest, ErrorsAreJson) {
  struct Case {
    std::string bytes;
    unsigned status;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"GET /nothing HTTP/1.1\r\n\r\n", 404, "not_found"},
      {"DELETE /items/1 HTTP/1.1\r\n\r\n", 405, "method_not_allowed"},
      {"PUT /items/1 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", 401, "unauthorized"},
      {"PUT /items/1 HTTP/1.1\r\nAuthorization: Bearer raw-s3cret\r\nContent-Length: 17\r\n\r\n", 413,
       "payload_too_large"},
      {"PUT /items/1 HTTP/1.1\r\nAuthorization: Bearer raw-s3cret\r\nTransfer-Encoding: "
       "chunked\r\n\r\n11\r\n" +
           std::string(17, 'a') + "\r\n0\r\n\r\n",
       413, "payload_too_large"},
      {"GET /items/1 HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", 431, "header_too_large"},
      {"GET /items/%zz HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"GET /items/1 HTTP/1.1\r\nHost: t\r\n", 400, "bad_request"},  // incomplete
      {"garbage\r\n\r\n", 400, "bad_request"},
      {"", 400, "bad_request"},
  };
  for (const auto& c : cases) {
    const auto r = raw(c.bytes);
    EXPECT_EQ(r.status, c.status) << c.bytes;
    EXPECT_EQ(code(r), c.code) << c.bytes;
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
  }
}

// Regression: input that ended before a request line was complete reached Beast's
// put_eof(), whose assertion (debug and sanitizer builds) aborted the process.
TEST_F(RawRequest, InputEndingBeforeTheRequestLineIsABadRequest) {
  for (const char* bytes :
       {"", "G", "GET /it", "GET /items/1 HTTP/1.1\r\n", "GET /items/1 HTTP/1.1\r\nHost"}) {
    const auto r = raw(bytes);
    EXPECT_EQ(r.status, 400u) << bytes;
    EXPECT_EQ(code(r), "bad_request") << bytes;
  }
}

}  // namespace
}  // namespace wavs::httpd
