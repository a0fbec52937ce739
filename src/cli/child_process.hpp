#pragma once
// A child process the CLI starts and owns (`wavs devnet`'s anvil, nodes and aggregators):
// spawned with fork/execve, stdin from /dev/null, stdout and stderr appended to one log
// file, killed with its parent (PR_SET_PDEATHSIG) so a crashed parent leaves nothing
// behind, and stopped by PID within a bound: SIGTERM, a grace period, then SIGKILL.
//
//   auto child = ChildProcess::spawn({.argv = {exe, "node", "--port-file", pf}, .log = log});
//   Result<std::uint16_t> port = child->wait_for_port_file(pf, 30s, token);
//   StopOutcome how = child->stop(5s);  // kExited, kKilled or kAlreadyGone
//
// Contract:
//   owns     the child until it is reaped; the destructor SIGKILLs and reaps one still running
//   threads  none of its own. PR_SET_PDEATHSIG fires when the *thread* that spawned the
//            child ends, so spawn from a thread that lives as long as the child (main)
//   blocking spawn() does not wait for the program to start; the waits poll every 20 ms
//            and are bounded by their timeouts
//   cancels  the waits' stop_token: they end with kStopped; stop() is not cancellable

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::cli, ProcessErrc,
                kSpawn,    // the log file, fork or exec failed
                kExited,   // the child exited while it was waited for
                kTimeout,  // what was waited for did not happen in time
                kStopped)  // the wait's stop token was requested

namespace wavs::cli {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  std::filesystem::path log;      // created 0600 when missing, appended to
  // The child's environment as KEY=VALUE; nullopt: this process's own.
  std::optional<std::vector<std::string>> env;
};

enum class StopOutcome : std::uint8_t {
  kExited,       // it ended within the grace period (exit_code() says how)
  kKilled,       // it needed SIGKILL
  kAlreadyGone,  // it had ended (and was reaped) before stop()
};

class ChildProcess {
 public:
  [[nodiscard]] static Result<ChildProcess> spawn(const ChildSpec& spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::filesystem::path& log() const { return log_; }

  // Reaps the child when it has ended; false from then on.
  [[nodiscard]] bool running();
  // Its exit status once reaped (128 + the signal when one ended it), nullopt before.
  [[nodiscard]] std::optional<int> exit_code() const { return exit_code_; }

  // Until `file` holds a port number (1..65535, written whole: see write_port_file).
  [[nodiscard]] Result<std::uint16_t> wait_for_port_file(const std::filesystem::path& file,
                                                         std::chrono::milliseconds timeout,
                                                         const std::stop_token& cancel);
  // Until the log holds `marker`; returns what follows it on that line.
  [[nodiscard]] Result<std::string> wait_for_log_line(std::string_view marker,
                                                      std::chrono::milliseconds timeout,
                                                      const std::stop_token& cancel);
  // The last `max_bytes` of the log (for error messages).
  [[nodiscard]] std::string log_tail(std::size_t max_bytes = 2000) const;

  // SIGTERM; SIGKILL when it has not ended after `grace`. Always reaps.
  StopOutcome stop(std::chrono::milliseconds grace);

 private:
  ChildProcess(pid_t pid, std::filesystem::path log) : pid_(pid), log_(std::move(log)) {}
  friend std::vector<StopOutcome> stop_all(std::span<ChildProcess* const>, std::chrono::milliseconds);
  void kill_and_reap();
  pid_t pid_ = -1;
  std::filesystem::path log_;
  std::optional<int> exit_code_;
};

// stop() for several children at once: every one gets SIGTERM first, then they share
// one grace period, so stopping n children takes `grace` at most, not n times it.
std::vector<StopOutcome> stop_all(std::span<ChildProcess* const> children, std::chrono::milliseconds grace);

// This process's environment without the variables that configure a wavs role (WAVS_*
// but WAVS_ENV_*, which components may be granted), so a child reads its settings only
// from the configuration file it is given.
[[nodiscard]] std::vector<std::string> environment_without_wavs_settings();

}  // namespace wavs::cli
