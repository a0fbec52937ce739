#include "httpd/server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "runtime/context_pool.hpp"
#include "runtime/worker_pool.hpp"

namespace wavs::httpd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = http::request<http::string_body>;
using Parser = http::request_parser<http::string_body>;

namespace {

// ---------------------------------------------------------------------------
// The request path shared by connections and handle_raw_request.

// Compares in time that depends on the expected token's length only, never on where
// the given one first differs.
bool token_matches(const std::string& expected, std::string_view given) {
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(expected[i]) ^ g);
  }
  return diff == 0;
}

// Paths in messages are cut short: they are the client's bytes, echoed back.
std::string shown(std::string_view path) {
  constexpr std::size_t kMax = 200;
  return path.size() <= kMax ? std::string(path) : std::string(path.substr(0, kMax)) + "...";
}

// A parse or limit error of the parser, as the response the client gets.
Response parse_error_response(const beast::error_code& ec, const ServerConfig& config) {
  if (ec == http::error::body_limit) {
    return Response::error(413, kPayloadTooLarge,
                           "the request body exceeds " + std::to_string(config.max_body_bytes) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return Response::error(
        431, kHeaderTooLarge,
        "the request header exceeds " + std::to_string(config.max_header_bytes) + " bytes");
  }
  return Response::error(400, kBadRequest, "malformed HTTP request: " + ec.message());
}

Request to_request(BeastRequest&& msg) {
  Request req;
  req.method_text = std::string(msg.method_string());
  req.method = parse_method(req.method_text);
  req.target = std::string(msg.target());
  std::string_view t = req.target;
  // Absolute form ("http://host/path"), which HTTP/1.1 servers must accept.
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (t.size() >= scheme.size() && iequals(t.substr(0, scheme.size()), scheme)) {
      const auto slash = t.find('/', scheme.size());
      t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
    }
  }
  const auto q = t.find('?');
  req.path = std::string(t.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(t.substr(q + 1));
  for (const auto& f : msg) req.headers.add(f.name_string(), f.value());
  req.body = std::move(msg.body());
  return req;
}

struct Routed {
  const Route* route = nullptr;
  std::optional<Response> early;  // set when the request is answered before any handler
};

// 400 (undecodable path), 404, 405 with Allow, 401 with WWW-Authenticate; else the route.
Routed route_request(const Router& router, const ServerConfig& config, Request& req) {
  auto m = router.match(req.method, req.path);
  if (!m) return {nullptr, Response::error(400, kBadRequest, m.error().detail())};
  if (!m->route) {
    if (m->allowed.empty()) {
      return {nullptr, Response::error(404, kNotFound, "no route for " + shown(req.path))};
    }
    std::string allow;
    for (const Method method : m->allowed) {
      if (!allow.empty()) allow += ", ";
      allow += to_string(method);
    }
    auto r =
        Response::error(405, kMethodNotAllowed, req.method_text + " is not allowed here; allowed: " + allow);
    r.headers.set("Allow", allow);
    return {nullptr, std::move(r)};
  }
  req.params = std::move(m->params);
  if (m->route->write && !config.bearer_token.empty()) {
    // RFC 6750: `Authorization: Bearer <token>`, the scheme in any case.
    const auto auth = req.headers.get("Authorization");
    constexpr std::string_view kScheme = "bearer ";
    std::optional<Response> denied;
    if (!auth || auth->size() < kScheme.size() || !iequals(auth->substr(0, kScheme.size()), kScheme)) {
      denied = Response::error(401, kUnauthorized, "this route needs an Authorization: Bearer token");
    } else if (!token_matches(config.bearer_token.reveal(), auth->substr(kScheme.size()))) {
      denied = Response::error(401, kUnauthorized, "the bearer token is not valid");
    }
    if (denied) {
      denied->headers.set("WWW-Authenticate", "Bearer");
      return {nullptr, std::move(denied)};
    }
  }
  return {m->route, std::nullopt};
}

Response run_handler(const Route& route, const Request& req) noexcept {
  try {
    Response r = route.handler(req);
    if (r.status < 200 || r.status > 599) {
      spdlog::warn("http: {} {} returned status {}", to_string(route.method), route.path, r.status);
      return Response::error(500, kInternal, "internal error");
    }
    return r;
  } catch (const std::exception& e) {
    // Logged for the operator, never sent: exception texts name internals.
    spdlog::warn("http: {} {} handler threw: {}", to_string(route.method), route.path, e.what());
  } catch (...) {
    spdlog::warn("http: {} {} handler threw a non-standard exception", to_string(route.method), route.path);
  }
  try {
    return Response::error(500, kInternal, "internal error");
  } catch (...) {
    std::terminate();  // out of memory while building 40 bytes
  }
}

http::response<http::string_body> to_beast(Response&& r, bool close) {
  http::response<http::string_body> res;
  res.version(11);
  res.result(r.status);
  for (const auto& [name, value] : r.headers.fields()) {
    // A handler's header must not be able to split the response.
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      spdlog::warn("http: dropped a response header with a line break");
      continue;
    }
    res.insert(name, value);
  }
  res.set(http::field::server, "wavs");
  if (r.status == 204 || r.status == 304) r.body.clear();
  res.body() = std::move(r.body);
  res.keep_alive(!close);
  res.prepare_payload();
  return res;
}

// ---------------------------------------------------------------------------

constexpr std::chrono::milliseconds kLingerBound{1'000};  // draining a closed connection
constexpr std::chrono::milliseconds kCloseGrace{500};     // stop(): after closing everything

// The 503 sent to a connection beyond max_connections.
const std::string& refusal_bytes() {
  static const std::string kBytes = [] {
    auto r = Response::error(503, kUnavailable, "too many connections; retry later");
    r.headers.set("Retry-After", "1");
    auto res = to_beast(std::move(r), true);
    std::ostringstream os;
    os << res;
    return os.str();
  }();
  return kBytes;
}

}  // namespace

namespace detail {

class Session;

struct ServerState {
  ServerConfig config;
  const Router* router = nullptr;
  runtime::ContextPool* io = nullptr;
  runtime::WorkerPool* workers = nullptr;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::atomic<std::uint16_t> port{0};

  std::mutex mu;
  std::condition_variable cv;  // a session ended
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_id = 0;
  std::atomic<bool> stopping{false};
  bool start_called = false;
  bool started = false;  // listening: start() succeeded
  bool stop_called = false;
  Status stop_status;
};

using State = ServerState;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<State> state, std::uint64_t id)
      : stream_(std::move(socket)), state_(std::move(state)), id_(id), deadline_(stream_.get_executor()) {}

  ~Session() {
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(id_);
    state_->cv.notify_all();
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // stop(), step 1 (on the strand): connections waiting for a request close now; a
  // request in flight finishes and its response closes the connection.
  void on_stop() {
    close_after_ = true;
    if (phase_ == Phase::kWaiting || phase_ == Phase::kDraining) close_now();
  }

  // stop(), step 2 (on the strand): the bound has passed.
  void force_close() {
    if (pending_) pending_->stop.request_stop();
    close_now();
  }

  [[nodiscard]] asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase { kWaiting, kBusy, kDraining, kClosed };

  // A blocking handler in flight; `done` is touched on the strand only.
  struct Pending {
    std::stop_source stop;
    bool done = false;
  };

  const ServerConfig& config() const { return state_->config; }

  void do_read() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kWaiting;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(config().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(config().max_body_bytes);
    if (first_ || buffer_.size() > 0) {
      first_ = false;
      read_header();
      return;
    }
    // Kept alive: the idle timeout runs until the next request's first byte, then the
    // header timeout, so a slow header cannot hide behind a long idle timeout.
    stream_.expires_after(config().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->close_now();
                              self->read_header();
                            });
  }

  void read_header() {
    stream_.expires_after(config().header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // Timeouts, EOF and aborts close silently; the rest is answered, then closed.
  bool read_failed(const beast::error_code& ec) {
    if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset || phase_ == Phase::kClosed) {
      spdlog::debug("http: connection closed while reading: {}", ec.message());
      close_now();
      return true;
    }
    if (ec) {
      phase_ = Phase::kBusy;
      send(parse_error_response(ec, config()), true);
      return true;
    }
    return false;
  }

  void on_header(beast::error_code ec) {
    if (read_failed(ec)) return;
    phase_ = Phase::kBusy;
    if (parser_->is_done()) return on_request();
    const auto expect = parser_->get()[http::field::expect];
    if (iequals(expect, "100-continue")) {
      // libcurl waits for this before sending a body larger than 1 KiB.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(config().write_timeout);
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return self->close_now();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(config().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (self->read_failed(ec)) return;
                       self->on_request();
                     });
  }

  void on_request() {
    stream_.expires_never();
    keep_alive_ = parser_->get().keep_alive();
    Request req = to_request(parser_->release());
    spdlog::debug("http: {} {}", req.method_text, shown(req.path));
    Routed routed = route_request(*state_->router, config(), req);
    if (routed.early) return send(std::move(*routed.early));
    if (!routed.route->blocking) return send(run_handler(*routed.route, req));
    run_blocking(*routed.route, std::move(req));
  }

  void run_blocking(const Route& route, Request&& request) {
    auto pending = std::make_shared<Pending>();
    auto req = std::make_shared<Request>(std::move(request));
    req->cancel = pending->stop.get_token();
    auto self = shared_from_this();
    Status submitted = state_->workers->try_submit([self, pending, req, &route](std::stop_token worker_stop) {
      // Shutdown of the pool reaches the handler through the same token as the deadline.
      std::stop_callback link(worker_stop, [&pending] { pending->stop.request_stop(); });
      Response r = run_handler(route, *req);
      asio::post(self->executor(), [self, pending, r = std::move(r)]() mutable {
        self->on_blocking_done(*pending, std::move(r));
      });
    });
    if (!submitted) {
      const bool busy = submitted.error().is(runtime::RuntimeErrc::kBusy);
      auto r = Response::error(503, kUnavailable,
                               busy ? "the server is busy; retry later" : "the server is shutting down");
      if (busy) r.headers.set("Retry-After", "1");
      return send(std::move(r), !busy);
    }
    pending_ = pending;
    deadline_.expires_after(config().handler_deadline);
    deadline_.async_wait([self, pending](beast::error_code ec) {
      if (ec || pending->done) return;
      pending->done = true;
      pending->stop.request_stop();
      self->pending_.reset();
      // The worker may still be busy with it; the connection does not wait for it.
      self->send(Response::error(504, kTimeout, "the request did not complete within its deadline"), true);
    });
  }

  void on_blocking_done(Pending& pending, Response&& r) {
    if (pending.done) return;
    pending.done = true;
    deadline_.cancel();
    pending_.reset();
    if (phase_ == Phase::kClosed) return;
    send(std::move(r));
  }

  void send(Response&& r, bool close = false) {
    if (phase_ == Phase::kClosed) return;
    close = close || !keep_alive_ || close_after_ || state_->stopping.load();
    res_ = to_beast(std::move(r), close);
    stream_.expires_after(config().write_timeout);
    http::async_write(stream_, res_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
      if (ec) return self->close_now();
      if (close) return self->linger_close();
      self->do_read();
    });
  }

  // Closing right after a response would make the kernel reset the connection if the
  // client is still sending (a refused body), and the reset can destroy the response
  // before the client reads it. So: end our side, read and drop until the client closes
  // or the bound passes, then close.
  void linger_close() {
    // Shutting down: the request was read whole, so nothing is left to reset over.
    if (state_->stopping.load()) return close_now();
    phase_ = Phase::kDraining;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::min(kLingerBound, config().write_timeout));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close_now();
                              self->drain();
                            });
  }

  void close_now() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    deadline_.cancel();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<State> state_;
  std::uint64_t id_;
  asio::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  http::response<http::string_body> res_;
  std::shared_ptr<Pending> pending_;
  std::array<char, 4096> scratch_{};
  Phase phase_ = Phase::kWaiting;
  bool first_ = true;
  bool keep_alive_ = true;
  bool close_after_ = false;
};

}  // namespace detail

namespace {

using detail::Session;
using detail::State;

// A connection beyond max_connections: a 503, then a lingering close.
void refuse(tcp::socket&& socket) {
  struct Refused {
    beast::tcp_stream stream;
    std::array<char, 4096> scratch{};
    void drain(std::shared_ptr<Refused> self) {
      stream.async_read_some(asio::buffer(scratch), [self](beast::error_code ec, std::size_t) {
        if (ec) return self->stream.close();
        self->drain(self);
      });
    }
  };
  auto r = std::make_shared<Refused>(Refused{beast::tcp_stream(std::move(socket))});
  r->stream.expires_after(kLingerBound);
  asio::async_write(r->stream, asio::buffer(refusal_bytes()), [r](beast::error_code ec, std::size_t) {
    if (ec) return r->stream.close();
    beast::error_code ignored;
    r->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    r->drain(r);
  });
}

void do_accept(const std::shared_ptr<State>& state) {
  state->acceptor->async_accept(asio::make_strand(state->io->next()),
                                [state](beast::error_code ec, tcp::socket socket) {
                                  if (ec == asio::error::operation_aborted || !state->acceptor->is_open())
                                    return;
                                  if (ec) {
                                    // EMFILE and the like: retrying at once would spin; the backlog holds
                                    // clients meanwhile.
                                    spdlog::warn("http: accept failed: {}", ec.message());
                                    state->accept_retry->expires_after(std::chrono::milliseconds(100));
                                    state->accept_retry->async_wait([state](beast::error_code e) {
                                      if (!e) do_accept(state);
                                    });
                                    return;
                                  }
                                  std::shared_ptr<Session> session;
                                  bool full = false;
                                  {
                                    std::lock_guard lock(state->mu);
                                    if (state->stopping) {
                                      beast::error_code ignored;
                                      socket.close(ignored);
                                      return;
                                    }
                                    full = state->sessions.size() >= state->config.max_connections;
                                    if (!full) {
                                      const auto id = state->next_id++;
                                      session = std::make_shared<Session>(std::move(socket), state, id);
                                      state->sessions.emplace(id, session);
                                    }
                                  }
                                  if (full) {
                                    refuse(std::move(socket));
                                  } else {
                                    session->start();
                                  }
                                  do_accept(state);
                                });
}

// Runs `fn` on each live session's strand.
template <class Fn>
std::size_t for_each_session(State& state, Fn fn) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(state.mu);
    for (auto& [id, weak] : state.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) asio::post(s->executor(), [s, fn] { fn(*s); });
  return live.size();
}

bool wait_sessions_gone(State& state, std::chrono::milliseconds bound) {
  std::unique_lock lock(state.mu);
  return state.cv.wait_for(lock, bound, [&] { return state.sessions.empty(); });
}

}  // namespace

Status check(const ServerConfig& c) {
  const auto bad = [](std::string_view what) {
    return Error(HttpdErrc::kBadConfig, std::string(what) + " must be positive");
  };
  if (c.max_body_bytes == 0) return bad("max_body_bytes");
  if (c.max_header_bytes == 0) return bad("max_header_bytes");
  if (c.max_connections == 0) return bad("max_connections");
  if (c.header_timeout.count() <= 0) return bad("header_timeout");
  if (c.body_timeout.count() <= 0) return bad("body_timeout");
  if (c.idle_timeout.count() <= 0) return bad("idle_timeout");
  if (c.write_timeout.count() <= 0) return bad("write_timeout");
  if (c.handler_deadline.count() <= 0) return bad("handler_deadline");
  if (c.stop_bound.count() < 0) return Error(HttpdErrc::kBadConfig, "stop_bound must not be negative");
  return {};
}

Server::Server(ServerConfig config, const Router& router, runtime::ContextPool& io,
               runtime::WorkerPool* workers)
    : state_(std::make_shared<detail::ServerState>()) {
  state_->config = std::move(config);
  state_->router = &router;
  state_->io = &io;
  state_->workers = workers;
}

Server::~Server() {
  bool needed = false;
  {
    std::lock_guard lock(state_->mu);
    needed = state_->started && !state_->stop_called;
  }
  if (needed) {
    if (auto st = stop(); !st) spdlog::warn("http: {}", st.error().message());
  }
}

Status Server::start() {
  detail::ServerState& s = *state_;
  if (auto st = check(s.config); !st) return st;
  if (!s.workers) {
    for (const auto& r : s.router->routes()) {
      if (r->blocking) {
        return Error(HttpdErrc::kBadConfig, "route " + std::string(to_string(r->method)) + " " + r->path +
                                                " is blocking but the server has no worker pool");
      }
    }
  }
  {
    std::lock_guard lock(s.mu);
    if (s.start_called) return Error(HttpdErrc::kBadConfig, "start() was already called");
    s.start_called = true;
  }
  const std::string where = s.config.host + ":" + std::to_string(s.config.port);
  auto& ctx = s.io->context(0);
  beast::error_code ec;
  tcp::resolver resolver(ctx);
  const auto results = resolver.resolve(s.config.host, std::to_string(s.config.port),
                                        tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Error(HttpdErrc::kBind, "cannot resolve " + where + ": " + (ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  s.acceptor.emplace(asio::make_strand(ctx));
  s.accept_retry.emplace(s.acceptor->get_executor());
  const auto fail = [&](std::string_view step) {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    return Error(HttpdErrc::kBind, "cannot " + std::string(step) + " " + where + ": " + ec.message());
  };
  if (s.acceptor->open(endpoint.protocol(), ec)) return fail("open a socket for");
  if (s.acceptor->set_option(asio::socket_base::reuse_address(true), ec)) return fail("set up");
  if (s.acceptor->bind(endpoint, ec)) return fail("bind");
  if (s.acceptor->listen(asio::socket_base::max_listen_connections, ec)) return fail("listen on");
  s.port = s.acceptor->local_endpoint(ec).port();
  {
    // Only a listening server has anything for stop() to do.
    std::lock_guard lock(s.mu);
    s.started = true;
  }
  spdlog::info("http: listening on {}:{}", s.config.host, s.port.load());
  asio::post(s.acceptor->get_executor(), [state = state_] { do_accept(state); });
  return {};
}

std::uint16_t Server::port() const { return state_->port.load(); }

std::size_t Server::connections() const {
  std::lock_guard lock(state_->mu);
  return state_->sessions.size();
}

Status Server::stop() {
  detail::ServerState& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.stop_called || !s.started) return s.stop_status;
    s.stop_called = true;
    s.stopping = true;
  }
  // The acceptor belongs to its strand; closing it there ends the pending accept.
  auto closed = std::make_shared<std::promise<void>>();
  auto closed_future = closed->get_future();
  asio::post(s.acceptor->get_executor(), [state = state_, closed] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
    state->accept_retry->cancel();
    closed->set_value();
  });
  for_each_session(s, [](Session& session) { session.on_stop(); });
  const auto begin = std::chrono::steady_clock::now();
  Status status;
  if (!wait_sessions_gone(s, s.config.stop_bound)) {
    const auto n = for_each_session(s, [](Session& session) { session.force_close(); });
    spdlog::warn("http: closing {} connection(s) still busy after {} ms", n, s.config.stop_bound.count());
    if (!wait_sessions_gone(s, kCloseGrace)) {
      status = Error(HttpdErrc::kTimeout,
                     std::to_string(connections()) + " connection(s) still open after stop()");
    }
  }
  const auto left =
      s.config.stop_bound + kCloseGrace -
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
  if (closed_future.wait_for(std::max(left, std::chrono::milliseconds(0))) != std::future_status::ready &&
      status) {
    status = Error(HttpdErrc::kTimeout, "the listening socket was not closed (are the I/O threads running?)");
  }
  std::lock_guard lock(s.mu);
  s.stop_status = status;
  return status;
}

Response handle_raw_request(std::string_view raw, const Router& router, const ServerConfig& config) {
  Parser parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(config.max_header_bytes, UINT32_MAX)));
  parser.body_limit(config.max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !parser.is_done() && used < raw.size()) {
    const auto n = parser.put(asio::buffer(raw.data() + used, raw.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      // put() wants the rest of a header (or chunk header) in one buffer; it has all we have.
      ec = {};
      if (n == 0) break;
    }
  }
  // put_eof() asserts that a message had begun; with nothing parsed the input is just short.
  if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
  if (!ec && !parser.is_done()) ec = http::error::partial_message;
  if (ec) return parse_error_response(ec, config);
  Request req = to_request(parser.release());
  Routed routed = route_request(router, config, req);
  if (routed.early) return std::move(*routed.early);
  return run_handler(*routed.route, req);
}

}  // namespace wavs::httpd
