#pragma once
// Test support: a loopback WebSocket server whose answers a test scripts, to drive the
// subscriber's failure paths (error answers, garbage, silence, stalled handshakes), over
// plain TCP or TLS.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wavs::chain::testing {

// PEM files: the server certificate (optionally followed by its chain) and its key.
struct TlsIdentity {
  std::string cert_file;
  std::string key_file;
};

class ScriptedWsServer {
 public:
  // Called with each text message the client sends; returns the messages to send back.
  using Handler = std::function<std::vector<std::string>(const std::string& message)>;
  // With `handshake` false, connections are accepted but never upgraded (nor, for TLS,
  // is the TLS handshake answered).
  explicit ScriptedWsServer(Handler handler, bool handshake = true);
  // wss://: every connection does a TLS handshake with `tls` first.
  ScriptedWsServer(Handler handler, TlsIdentity tls, bool handshake = true);
  ~ScriptedWsServer();
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string url() const;  // ws:// or wss://127.0.0.1:<port>
  [[nodiscard]] int connections() const;
  // Connections whose WebSocket handshake succeeded.
  [[nodiscard]] int upgraded() const;
  // The SNI host name of the last TLS handshake, "" when the client sent none.
  [[nodiscard]] std::string last_server_name() const;
  // Sends `message` to every open plain connection. Not for TLS: an SSL object must not
  // be written by one thread while another reads it.
  void broadcast(const std::string& message);
  // Cuts every open connection at the TCP level, as a crashing or restarting node would.
  void drop_connections();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::chain::testing
