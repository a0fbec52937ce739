#pragma once
// eth_subscribe over WebSocket: new block headers and/or logs matching one filter, on
// one connection per chain, reconnecting by itself.
//
// The subscriber owns an I/O thread. It connects to the first endpoint, subscribes, and
// reports on_connected once every subscription is confirmed. Any failure (refused
// connection, broken or silent socket, an error answer, an unparsable notification)
// closes the connection, reports on_disconnected, and reconnects after an exponential
// back-off, rotating through the endpoints. A connection with no traffic for
// idle_timeout is considered dead (pings keep a healthy idle one alive).
//
// Notifications arrive in the order the node sent them, but nodes do not order one
// subscription's notifications against another's; LogStream therefore uses them as
// signals and reads the logs themselves with eth_getLogs (see docs/chain.md).
//
// Contract:
//   owns      its io_context, its connection and one I/O thread (see docs/chain.md for
//             why it does not run on a daemon's shared context).
//   threads   every handler runs on the subscriber's I/O thread, one at a time, in the
//             order the node sent the notifications.
//   blocking  handlers must return quickly: while one runs, no notification is read and
//             pings go unanswered (a long one looks like a dead connection). Hand work
//             to another thread (LogStream only sets a flag and wakes its own thread).
//   cancels   stop() or the destructor; none runs after stop() returns. stop() must not
//             be called from a handler.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/error.hpp"
#include "chain/types.hpp"

namespace wavs::chain {

struct SubscriberConfig {
  std::vector<std::string> ws_endpoints;             // ws:// or wss://host:port/path; rotated on reconnect
  std::chrono::milliseconds connect_timeout{5'000};  // each of TCP connect, TLS and WebSocket handshake
  std::chrono::milliseconds request_timeout{5'000};  // until every subscription is confirmed
  std::chrono::milliseconds idle_timeout{20'000};
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{5'000};
  // wss:// always verifies the node's certificate and host name against the system trust
  // store; a PEM bundle here adds CAs (a private CA, a test CA) to that store. There is
  // deliberately no way to turn verification off.
  std::string ca_file;
};

struct SubscriberHandlers {
  std::function<void()> on_connected;
  std::function<void(const Error&)> on_disconnected;
  std::function<void(const BlockHeader&)> on_head;
  std::function<void(const Log&)> on_log;
};

class Subscriber {
 public:
  // Subscribes to newHeads when `heads`, and to logs when `logs` is set.
  Subscriber(SubscriberConfig config, SubscriberHandlers handlers, bool heads, std::optional<LogFilter> logs);
  ~Subscriber();  // stop()
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void start();
  // Closes the connection and joins the I/O thread. Idempotent.
  void stop();

  [[nodiscard]] bool connected() const;
  // Successful connections so far (every reconnect counts).
  [[nodiscard]] int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WsUrl {
  std::string host;
  std::string port;    // 80 for ws://, 443 for wss:// unless given
  std::string target;  // path and query, "/" at least
  bool tls = false;    // wss://
};
// ws://host[:port][/path] or wss://host[:port][/path]; anything else is kInvalidArgument.
[[nodiscard]] Result<WsUrl> parse_ws_url(std::string_view url);

}  // namespace wavs::chain
