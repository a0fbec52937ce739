#pragma once
// Test support for node tests with real processes: a `wavs node` child process (its own
// config file and data directory, stopped by PID, killed with the test process through
// PR_SET_PDEATHSIG), a small blocking HTTP client (libcurl), and an in-process packet
// receiver standing in for the aggregator (an httpd server on loopback that records every
// POST /packets body and answers as configured).

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace wavs::node::testing {

struct HttpReply {
  long status = 0;
  std::string body;
  std::string content_type;
};

// One request; `headers` as "Name: value". Errors only when no HTTP answer came.
Result<HttpReply> http(std::string_view method, const std::string& url, std::string_view body = {},
                       const std::vector<std::string>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

class NodeProcess {
 public:
  // Writes `toml` to <dir>/wavs.toml and runs `<exe> --config <that> <role> --port-file …`
  // with `extra_args`; waits (bounded) until the port file appears. `role` is "node" or
  // "aggregator" (any daemon subcommand with --port-file); its log is <dir>/<role>.log.
  static Result<std::unique_ptr<NodeProcess>> start(const std::filesystem::path& exe,
                                                    const std::filesystem::path& dir, const std::string& toml,
                                                    const std::vector<std::string>& extra_args = {},
                                                    const std::string& role = "node");
  ~NodeProcess();  // SIGKILL if still running
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // SIGTERM, then the exit status (waits up to `bound`; -1 when it did not exit).
  int terminate(std::chrono::milliseconds bound = std::chrono::milliseconds(10'000));
  void kill9();
  // What the process wrote to stderr and stdout so far (both go to one log file).
  [[nodiscard]] std::string log() const;

 private:
  NodeProcess(pid_t pid, std::uint16_t port, std::filesystem::path log)
      : pid_(pid), port_(port), log_(std::move(log)) {}
  pid_t pid_;
  std::uint16_t port_;
  std::filesystem::path log_;
};

// The aggregator's side of POST /packets, recording every body.
class PacketReceiver {
 public:
  PacketReceiver();
  ~PacketReceiver();
  PacketReceiver(const PacketReceiver&) = delete;
  PacketReceiver& operator=(const PacketReceiver&) = delete;

  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::vector<std::string> bodies() const;
  // Answers the next `n` packets with `status` (then 200 again).
  void fail_next(int n, unsigned status);
  // Waits (bounded) until at least `n` bodies arrived.
  bool wait_for(std::size_t n, std::chrono::milliseconds bound) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Polls `done` every 20 ms until it holds or `bound` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound);

}  // namespace wavs::node::testing
