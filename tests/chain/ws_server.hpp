#pragma once
// Test support: a loopback WebSocket server whose answers a test scripts, to drive the
// subscriber's failure paths (error answers, garbage, silence, stalled handshakes).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wavs::chain::testing {

class ScriptedWsServer {
 public:
  // Called with each text message the client sends; returns the messages to send back.
  using Handler = std::function<std::vector<std::string>(const std::string& message)>;
  // With `handshake` false, connections are accepted but never upgraded.
  explicit ScriptedWsServer(Handler handler, bool handshake = true);
  ~ScriptedWsServer();
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string url() const { return "ws://127.0.0.1:" + std::to_string(port()); }
  [[nodiscard]] int connections() const;
  // Sends `message` to every open connection.
  void broadcast(const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::chain::testing
