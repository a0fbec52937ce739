#include "aot/toolchain.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "aot/error.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace wavs::aot {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kMaxOutput = std::size_t{64} * 1024;
constexpr std::size_t kShownLines = 20;
constexpr std::size_t kShownBytes = 4000;
constexpr const char* kSourceName = "module.c";
constexpr const char* kObjectName = "module.so";

std::string errno_text(int err) { return std::strerror(err); }

struct Program {
  std::string exec_path;  // absolute, as found: what is run (a symlink's name can matter to it)
  std::string real_path;  // symlinks resolved: what identifies it
};

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

Result<Program> resolve_program(const std::string& cc) {
  if (cc.empty()) return Error(AotErrc::kCompilerMissing, "no C compiler configured");
  std::optional<std::string> found;
  if (cc.find('/') != std::string::npos) {
    if (!is_executable_file(cc)) {
      return Error(AotErrc::kCompilerMissing, "'" + cc + "' is not an executable file");
    }
    found = cc;
  } else {
    const char* env_path = ::getenv("PATH");
    const std::string search = env_path != nullptr ? env_path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (!found && start <= search.size()) {
      std::size_t end = search.find(':', start);
      if (end == std::string::npos) end = search.size();
      std::string dir = search.substr(start, end - start);
      if (dir.empty()) dir = ".";
      std::string candidate = std::move(dir);
      candidate.append("/").append(cc);
      if (is_executable_file(candidate)) found = candidate;
      start = end + 1;
    }
    if (!found) return Error(AotErrc::kCompilerMissing, "'" + cc + "' not found on PATH (" + search + ")");
  }
  std::error_code ec;
  Program p;
  p.exec_path = fs::absolute(*found, ec).lexically_normal().string();
  if (ec) return Error(AotErrc::kCompilerMissing, "'" + cc + "': " + ec.message());
  p.real_path = fs::canonical(p.exec_path, ec).string();
  if (ec) return Error(AotErrc::kCompilerMissing, "'" + cc + "': " + ec.message());
  return p;
}

// This process's environment with LC_ALL=C, so diagnostics and the version line are the
// same whatever locale the daemon runs in.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("LC_ALL=")) continue;
    env.emplace_back(*e);
  }
  env.emplace_back("LC_ALL=C");
  return env;
}

struct RunOutcome {
  bool timed_out = false;
  bool cancelled = false;
  std::optional<int> wait_status;  // nullopt: the status was lost (reaped elsewhere)
  std::string output;              // stdout and stderr interleaved, at most kMaxOutput
};

void read_available(int fd, std::string& out, bool& eof) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      // Past the cap the output is read and dropped, so the compiler never blocks on a full pipe.
      const std::size_t keep =
          std::min(static_cast<std::size_t>(n), kMaxOutput - std::min(kMaxOutput, out.size()));
      out.append(buf, keep);
      continue;
    }
    if (n == 0) eof = true;
    if (n < 0 && errno == EINTR) continue;
    return;  // EAGAIN: nothing more for now
  }
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
};

// Runs argv[0] (an absolute path) with no shell and waits for it, at most `timeout`.
// The child leads its own process group, so a kill reaches what it started (cc1, as, ld).
Result<RunOutcome> run_captured(const std::vector<std::string>& argv, const char* cwd,
                                std::chrono::seconds timeout, const std::string& shown_name,
                                std::stop_token cancel = {}) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Error(AotErrc::kCacheIo, "cannot create a pipe for " + shown_name + ": " + errno_text(errno));
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  ::fcntl(read_end.get(), F_SETFL, ::fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);

  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), 1);
  ::posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), 2);
  // Descriptors other threads opened without O_CLOEXEC must not leak into the compiler.
  ::posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (cwd != nullptr) ::posix_spawn_file_actions_addchdir_np(&setup.actions, cwd);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&setup.attr, &none);
  ::posix_spawnattr_setsigdefault(&setup.attr, &all);
  ::posix_spawnattr_setpgroup(&setup.attr, 0);
  ::posix_spawnattr_setflags(&setup.attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> argv_s = argv;
  std::vector<char*> argv_p;
  argv_p.reserve(argv_s.size() + 1);
  for (auto& a : argv_s) argv_p.push_back(a.data());
  argv_p.push_back(nullptr);
  std::vector<std::string> env_s = child_environment();
  std::vector<char*> env_p;
  env_p.reserve(env_s.size() + 1);
  for (auto& e : env_s) env_p.push_back(e.data());
  env_p.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv_p[0], &setup.actions, &setup.attr, argv_p.data(), env_p.data());
  write_end.reset();
  if (rc != 0) return Error(AotErrc::kCompilerMissing, "cannot run " + shown_name + ": " + errno_text(rc));

  RunOutcome out;
  bool eof = false;
  bool lost = false;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // WNOWAIT leaves the child a zombie, so its process group id stays ours until the
    // group kill below has run.
    siginfo_t info{};
    const int w = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (w == 0 && info.si_pid == pid) break;
    if (w < 0 && errno != EINTR) {
      lost = true;  // reaped elsewhere (SIGCHLD ignored): nothing left to kill or wait for
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      out.timed_out = true;
      break;
    }
    if (cancel.stop_requested()) {
      out.cancelled = true;
      break;
    }
    const auto tick = std::min<Clock::duration>(deadline - now, 20ms);
    const int tick_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(tick).count());
    if (eof) {
      // The output is closed, so the exit is a moment away (or the compiler closed its
      // stdout and stderr and goes on): look again soon.
      std::this_thread::sleep_for(std::min<Clock::duration>(tick, 2ms));
      continue;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    if (::poll(&p, 1, tick_ms) > 0) read_available(read_end.get(), out.output, eof);
  }
  if (!lost) {
    // Also clears whatever the compiler left running in its group after it ended.
    ::kill(-pid, SIGKILL);
    int status = 0;
    pid_t got = -1;
    do {
      got = ::waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    if (got == pid) out.wait_status = status;
  }
  // What is still in the pipe; bounded, as a process outside the group may hold it open.
  const auto drain_deadline = Clock::now() + 1s;
  while (!eof && Clock::now() < drain_deadline) {
    pollfd p{read_end.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) read_available(read_end.get(), out.output, eof);
  }
  return out;
}

std::string describe_status(const std::optional<int>& status) {
  if (!status) return "ended with an unknown status";
  if (WIFEXITED(*status)) return "exited with status " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) return "was killed by signal " + std::to_string(WTERMSIG(*status));
  return "ended with wait status " + std::to_string(*status);
}

bool succeeded(const std::optional<int>& status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

std::string first_lines(std::string_view text) {
  std::size_t end = 0;
  for (std::size_t lines = 0; lines < kShownLines && end < text.size(); ++lines) {
    const std::size_t nl = text.find('\n', end);
    end = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  std::string shown(text.substr(0, std::min(end, kShownBytes)));
  while (!shown.empty() && (shown.back() == '\n' || shown.back() == '\r')) shown.pop_back();
  if (shown.size() < text.size()) shown += "\n...";
  return shown;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append("=").append(std::to_string(value.size())).append(":").append(value).append("\n");
}

Result<std::string> compute_identity(const ToolchainConfig& config) {
  auto program = resolve_program(config.cc);
  if (!program) return program.error();
  auto run = run_captured({program->exec_path, "--version"}, nullptr, config.timeout, "'" + config.cc + "'");
  if (!run) return run.error();
  const std::string what = "'" + config.cc + " --version'";
  if (run->timed_out) {
    return Error(AotErrc::kTimeout,
                 what + " did not finish within " + std::to_string(config.timeout.count()) + " s");
  }
  const std::string line = run->output.substr(0, run->output.find('\n'));
  if (!succeeded(run->wait_status)) {
    return Error(AotErrc::kCompilerMissing,
                 what + " " + describe_status(run->wait_status) + (line.empty() ? "" : ": " + line));
  }
  if (line.empty()) return Error(AotErrc::kCompilerMissing, what + " printed no version");
  std::string id;
  append_field(id, "cc", program->real_path);
  append_field(id, "version", line);
  for (const auto& flag : config.flags) append_field(id, "flag", flag);
  return id;
}

Status write_new_file(const fs::path& path, std::string_view content) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return Error(AotErrc::kCacheIo, "cannot create " + path.string() + ": " + errno_text(errno));
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(AotErrc::kCacheIo, "cannot write " + path.string() + ": " + errno_text(errno));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<Bytes> read_whole_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Error(AotErrc::kCacheIo, "cannot open " + path.string() + ": " + errno_text(errno));
  }
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(AotErrc::kCacheIo, "cannot read " + path.string() + ": " + errno_text(errno));
    if (n == 0) return out;
    out.insert(out.end(), buf, buf + n);
  }
}

// A mkdtemp directory, removed with its contents however the compile ends.
class PrivateDir {
 public:
  static Result<PrivateDir> make() {
    const char* tmp = ::getenv("TMPDIR");
    const std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    std::string tmpl = base + "/wavs-aot-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Error(AotErrc::kCacheIo,
                   "cannot create a private directory under " + base + ": " + errno_text(errno));
    }
    return PrivateDir(tmpl);
  }
  PrivateDir(PrivateDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateDir& operator=(PrivateDir&&) = delete;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  ~PrivateDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  explicit PrivateDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Status check_header_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos || name == kSourceName || name == kObjectName) {
    return Error(AotErrc::kBadInput, "header name '" + name + "' is not a plain file name of its own");
  }
  return {};
}

}  // namespace

Result<std::string> compiler_identity(const ToolchainConfig& config) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  // The memo key holds what decides the answer: the name, the PATH it is looked up on, the flags.
  std::string memo;
  append_field(memo, "cc", config.cc);
  const char* path = ::getenv("PATH");
  append_field(memo, "path", path != nullptr ? path : "");
  for (const auto& flag : config.flags) append_field(memo, "flag", flag);
  {
    const std::lock_guard lock(mutex);
    if (auto it = known.find(memo); it != known.end()) return it->second;
  }
  auto id = compute_identity(config);
  if (!id) return id.error();
  const std::lock_guard lock(mutex);
  return known.emplace(memo, *id).first->second;
}

Result<Bytes> compile_shared_object(const ToolchainConfig& config, std::string_view c_source,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::stop_token cancel) {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (auto st = check_header_name(headers[i].first); !st) return st.error();
    for (std::size_t j = 0; j < i; ++j) {
      if (headers[j].first == headers[i].first) {
        return Error(AotErrc::kBadInput, "header '" + headers[i].first + "' is given twice");
      }
    }
  }
  auto program = resolve_program(config.cc);
  if (!program) return program.error();
  auto dir = PrivateDir::make();
  if (!dir) return dir.error();
  if (auto st = write_new_file(dir->path() / kSourceName, c_source); !st) return st.error();
  for (const auto& [name, contents] : headers) {
    if (auto st = write_new_file(dir->path() / name, contents); !st) return st.error();
  }

  std::vector<std::string> argv{program->exec_path};
  argv.insert(argv.end(), config.flags.begin(), config.flags.end());
  argv.insert(argv.end(), {"-o", kObjectName, kSourceName});
  const std::string shown = "'" + config.cc + "'";
  auto run = run_captured(argv, dir->path().c_str(), config.timeout, shown, cancel);
  if (!run) return run.error();
  if (run->cancelled) return Error(AotErrc::kCancelled, shown + " was stopped before it finished");
  if (run->timed_out) {
    return Error(AotErrc::kTimeout, shown + " did not finish within " +
                                        std::to_string(config.timeout.count()) + " s and was killed");
  }
  if (!succeeded(run->wait_status)) {
    std::string detail = shown + " " + describe_status(run->wait_status);
    if (!run->output.empty()) detail += ":\n" + first_lines(run->output);
    return Error(AotErrc::kCompileFailed, detail);
  }
  const fs::path object = dir->path() / kObjectName;
  std::error_code ec;
  if (!fs::is_regular_file(object, ec)) {
    return Error(AotErrc::kCompileFailed, shown + " exited with status 0 but wrote no shared object");
  }
  return read_whole_file(object);
}

}  // namespace wavs::aot
