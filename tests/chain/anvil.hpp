#pragma once
// Test support: an anvil child process on a free loopback port. The destructor stops it
// by PID; the child also dies with the test process (PR_SET_PDEATHSIG), so a crashing
// test leaves no anvil behind.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace wavs::chain::testing {

class Anvil {
 public:
  // `args` are appended to `anvil --host 127.0.0.1 --port 0`.
  static Result<std::unique_ptr<Anvil>> start(const std::vector<std::string>& args = {});
  ~Anvil();
  Anvil(const Anvil&) = delete;
  Anvil& operator=(const Anvil&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  Anvil(pid_t pid, int out_fd, std::uint16_t port) : pid_(pid), out_fd_(out_fd), port_(port) {}
  pid_t pid_;
  int out_fd_;
  std::uint16_t port_;
};

// anvil's default account 0 (from the "test … junk" mnemonic).
inline constexpr const char* kAccount0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
inline constexpr const char* kAccount0Key =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

}  // namespace wavs::chain::testing
