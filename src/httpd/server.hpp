#pragma once
// Server: the HTTP/1.1 server under the node's and the aggregator's APIs, on Boost.Beast
// (the shape of Beast's async server example: one strand per connection, a timeout
// before every read and write, keep-alive). docs/http-api.md describes what clients see.
//
//   httpd::ServerConfig cfg{.host = "127.0.0.1", .port = 8000, .bearer_token = token};
//   httpd::Server server(cfg, router, daemon.io(), &daemon.workers());
//   if (auto st = server.start(); !st) return st;
//   daemon.add_stopper("http api", [&] { if (auto st = server.stop(); !st) throw …; });
//
// A request, in order: header read (header_timeout; larger than max_header_bytes →
// 431), a declared Content-Length above max_body_bytes → 413 at once, body read
// (body_timeout; a chunked body that grows past the limit → 413), route (404, 405 with
// Allow), bearer token on write routes (401), handler (inline, or on the WorkerPool
// with handler_deadline: 504 when it passes), response write (write_timeout). Between
// requests on a kept-alive connection the first byte must come within idle_timeout.
// Timeouts while reading close the connection without a response (the client is either
// gone or slow on purpose); an answer to a malformed or oversized request closes it too.
//
// Contract:
//   owns      the listening socket and the connections; borrows the Router, the
//             ContextPool and the WorkerPool, which outlive the Server (the Router also
//             outlives the WorkerPool's tasks; see router.hpp).
//   threads   connections run on the pool's contexts, each on its strand; non-blocking
//             handlers run there, blocking ones on a worker, and their responses return
//             through the connection's strand. start() and stop() are called from one
//             thread that is not a pool thread (normally main, through Daemon's stopper).
//   blocking  stop() blocks for at most stop_bound plus a short grace for closing.
//   cancels   stop(): the listener closes, connections waiting for a request close,
//             requests in flight get up to stop_bound to finish (their responses carry
//             Connection: close); then every connection is closed and blocking handlers
//             still running see Request::cancel requested. A handler's own deadline
//             requests the same token.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/secret.hpp"
#include "httpd/error.hpp"
#include "httpd/message.hpp"
#include "httpd/router.hpp"

namespace wavs::runtime {
class ContextPool;
class WorkerPool;
}  // namespace wavs::runtime

namespace wavs::httpd {

namespace detail {
struct ServerState;
}

struct ServerConfig {
  std::string host = "127.0.0.1";  // an IP address or a name that resolves to one
  std::uint16_t port = 0;          // 0: an ephemeral port, see Server::port()
  Secret bearer_token{};           // empty: write routes are open

  std::size_t max_body_bytes = 15 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;  // request line and fields together
  std::size_t max_connections = 256;         // beyond: 503 `unavailable`, then close

  std::chrono::milliseconds header_timeout{10'000};  // from connect (or first byte) to the end of the header
  std::chrono::milliseconds body_timeout{30'000};    // the whole body
  std::chrono::milliseconds idle_timeout{30'000};    // kept-alive connection waiting for its next request
  std::chrono::milliseconds write_timeout{30'000};   // one response
  std::chrono::milliseconds handler_deadline{30'000};  // a blocking handler; then 504 `timeout`
  std::chrono::milliseconds stop_bound{2'000};         // stop(): how long requests in flight may finish
};

// kBadConfig naming the first setting out of range (zero sizes or durations).
[[nodiscard]] Status check(const ServerConfig& config);

class Server {
 public:
  // `workers` may be null only when no route is blocking (start() checks).
  Server(ServerConfig config, const Router& router, runtime::ContextPool& io, runtime::WorkerPool* workers);
  ~Server();  // stop() when started
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; accepting begins as soon as the pool runs. kBind names the
  // address and the system's reason; kBadConfig as check(), or blocking routes without
  // a WorkerPool. Call once; after a failure the Server is not started (stop() is a no-op).
  [[nodiscard]] Status start();
  // The bound port (the ephemeral one when the config said 0); 0 before start().
  [[nodiscard]] std::uint16_t port() const;
  // Connections open now (served ones, not the refused beyond max_connections).
  [[nodiscard]] std::size_t connections() const;

  // See "cancels" above. kTimeout naming how many connections were still open when
  // even the grace after closing them had passed (e.g. the pool was not running).
  // Idempotent: later calls return at once with the first one's status.
  [[nodiscard]] Status stop();

 private:
  std::shared_ptr<detail::ServerState>
      state_;  // shared with connections, which may outlive the Server object
};

// Test and fuzz seam: the server's request path without sockets. Parses one request
// from `raw` with `config`'s limits (header, body, token), routes and answers it exactly
// as a connection would, except that blocking handlers run on the calling thread
// without a deadline. Bytes after the first request are ignored; an incomplete request
// is a 400 `bad_request`.
[[nodiscard]] Response handle_raw_request(std::string_view raw, const Router& router,
                                          const ServerConfig& config);

}  // namespace wavs::httpd
