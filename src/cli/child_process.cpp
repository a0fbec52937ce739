#include "cli/child_process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

WAVS_ERROR_TABLE(wavs::cli, ProcessErrc, "process", "cannot start the process", "the process exited",
                 "timed out", "stopped")

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = 20ms;

int status_to_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string describe_exit(int code) {
  if (code > 128) return "was killed by signal " + std::to_string(code - 128);
  return "exited with status " + std::to_string(code);
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) return Error(ProcessErrc::kSpawn, "no program given");
  if (::access(spec.argv[0].c_str(), X_OK) != 0) {
    return Error(ProcessErrc::kSpawn, spec.argv[0] + " is not an executable file");
  }
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed (this process has other threads).
  std::vector<std::string> argv_s = spec.argv;
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = spec.env ? *spec.env : std::vector<std::string>{};
  std::vector<char*> envp;
  if (spec.env) {
    envp.reserve(env_s.size() + 1);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  char** child_env = spec.env ? envp.data() : environ;

  const int log_fd = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error(ProcessErrc::kSpawn, "cannot open the log file " + spec.log.string());
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  // Every signal stays blocked across fork until the child has reset the handlers it
  // inherited: a SIGTERM meant for the child that arrived before exec would otherwise
  // run this process's handler there and be lost, leaving a child that ignored it.
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::fork();
  if (pid != 0) ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0) {
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Error(ProcessErrc::kSpawn, "fork failed for " + spec.argv[0]);
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
    // The program starts with default dispositions and nothing blocked; a signal that
    // came in meanwhile is delivered now, with its default action.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(argv[0], argv.data(), child_env);
    static constexpr char kMsg[] = "exec failed\n";
    (void)!::write(2, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  return ChildProcess(pid, spec.log);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), log_(std::move(other.log_)), exit_code_(other.exit_code_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = other.pid_;
    log_ = std::move(other.log_);
    exit_code_ = other.exit_code_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) exit_code_ = status_to_code(status);
  pid_ = -1;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == 0) return true;
  if (got == pid_) exit_code_ = status_to_code(status);
  pid_ = -1;  // reaped (or not ours to wait for any more)
  return false;
}

Result<std::uint16_t> ChildProcess::wait_for_port_file(const fs::path& file,
                                                       std::chrono::milliseconds timeout,
                                                       const std::stop_token& cancel) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::ifstream in(file);
    unsigned long port = 0;
    if (in >> port && port > 0 && port < 65536) return static_cast<std::uint16_t>(port);
    if (!running()) {
      return Error(ProcessErrc::kExited,
                   "it " + describe_exit(exit_code_.value_or(-1)) + " before writing " + file.string());
    }
    if (cancel.stop_requested()) return Error(ProcessErrc::kStopped, "while waiting for " + file.string());
    if (Clock::now() > deadline) {
      return Error(ProcessErrc::kTimeout,
                   "no port in " + file.string() + " after " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Result<std::string> ChildProcess::wait_for_log_line(std::string_view marker,
                                                    std::chrono::milliseconds timeout,
                                                    const std::stop_token& cancel) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string text = read_file(log_);
    if (auto at = text.find(marker); at != std::string::npos) {
      const auto start = at + marker.size();
      const auto end = text.find('\n', start);
      if (end != std::string::npos) return text.substr(start, end - start);
    }
    if (!running()) {
      return Error(ProcessErrc::kExited, "it " + describe_exit(exit_code_.value_or(-1)) +
                                             " before logging '" + std::string(marker) + "'");
    }
    if (cancel.stop_requested()) return Error(ProcessErrc::kStopped, "while waiting for its start");
    if (Clock::now() > deadline) {
      return Error(ProcessErrc::kTimeout, "it did not log '" + std::string(marker) + "' within " +
                                              std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(kPoll);
  }
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
  std::string text = read_file(log_);
  if (text.size() <= max_bytes) return text;
  return "…" + text.substr(text.size() - max_bytes);
}

StopOutcome ChildProcess::stop(std::chrono::milliseconds grace) {
  ChildProcess* self = this;
  return stop_all(std::span<ChildProcess* const>(&self, 1), grace).front();
}

std::vector<StopOutcome> stop_all(std::span<ChildProcess* const> children, std::chrono::milliseconds grace) {
  std::vector<StopOutcome> outcomes(children.size(), StopOutcome::kAlreadyGone);
  std::vector<bool> signalled(children.size(), false);
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (children[i]->running()) {
      ::kill(children[i]->pid(), SIGTERM);
      signalled[i] = true;
      outcomes[i] = StopOutcome::kExited;
    }
  }
  const auto deadline = Clock::now() + grace;
  for (;;) {
    bool any = false;
    for (std::size_t i = 0; i < children.size(); ++i) {
      if (signalled[i] && children[i]->running()) any = true;
    }
    if (!any || Clock::now() > deadline) break;
    std::this_thread::sleep_for(kPoll);
  }
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (signalled[i] && children[i]->running()) {
      children[i]->kill_and_reap();
      outcomes[i] = StopOutcome::kKilled;
    }
  }
  return outcomes;
}

std::vector<std::string> environment_without_wavs_settings() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("WAVS_") && !entry.starts_with("WAVS_ENV_")) continue;
    out.emplace_back(entry);
  }
  return out;
}

}  // namespace wavs::cli
