#pragma once
// Test support on loopback sockets: a scripted HTTP server that misbehaves on request,
// and a TCP proxy that cuts connections.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wavs::chain::testing {

// What the scripted server does with one HTTP request.
struct Reply {
  enum class Kind { kRespond, kCloseAtOnce, kHang, kCutMidBody };
  Kind kind = Kind::kRespond;
  int status = 200;
  std::string body;
  static Reply json(std::string body) { return {Kind::kRespond, 200, std::move(body)}; }
  static Reply status_code(int status, std::string body) { return {Kind::kRespond, status, std::move(body)}; }
  static Reply close_at_once() { return {Kind::kCloseAtOnce, 0, {}}; }
  static Reply hang() { return {Kind::kHang, 0, {}}; }
  // Sends the headers and half of `body`, then closes.
  static Reply cut_mid_body(std::string body) { return {Kind::kCutMidBody, 200, std::move(body)}; }
};

class ScriptedServer {
 public:
  using Handler = std::function<Reply(const std::string& request_body)>;
  explicit ScriptedServer(Handler handler);
  ~ScriptedServer();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests() const { return requests_.load(); }

 private:
  void serve(int fd);
  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

// Forwards every connection to 127.0.0.1:target_port. Connections can be cut on demand
// (drop_all) or at random after a number of server-to-client bytes drawn from
// [min_bytes, max_bytes] when random drops are enabled.
class DroppingProxy {
 public:
  explicit DroppingProxy(std::uint16_t target_port, std::uint64_t seed = 1);
  ~DroppingProxy();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_random_drops(std::size_t min_bytes, std::size_t max_bytes);
  void disable_random_drops();
  void drop_all();
  // Existing connections stay open but carry nothing more (a silent network); new
  // connections work normally.
  void stall_all();
  [[nodiscard]] int drops() const { return drops_.load(); }
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  struct Conn;
  void pump(Conn* conn);
  std::uint16_t target_port_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> drops_{0};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::uint64_t rng_;
  std::size_t min_bytes_ = 0;
  std::size_t max_bytes_ = 0;  // 0: random drops off
  std::vector<std::unique_ptr<Conn>> conns_;
};

// A loopback listener that never accepts: the kernel completes the TCP handshake from
// its backlog and buffers what the client sends, and no answer (nor TLS ServerHello)
// ever comes. For timeouts and cancellation of requests a server took and never answered.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  [[nodiscard]] std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace wavs::chain::testing
