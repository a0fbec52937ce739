#include "anvil.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/bytes.hpp"

namespace wavs::chain::testing {

namespace {
std::string anvil_path() {
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  std::string root = src != nullptr ? src : ".";
  return root + "/node_modules/.bin/anvil";
}

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}
}  // namespace

Result<std::unique_ptr<Anvil>> Anvil::start(const std::vector<std::string>& args) {
  std::string path = anvil_path();
  if (::access(path.c_str(), X_OK) != 0) return Error(CommonErrc::kIo, "anvil not found at " + path);
  std::vector<std::string> argv_s = {path, "--host", "127.0.0.1", "--port", "0"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  // stdout goes to a file, not a pipe: anvil logs every request, and a full pipe
  // would block it.
  char tmpl[] = "/tmp/wavs-anvil-XXXXXX";
  int out_fd = ::mkostemp(tmpl, O_CLOEXEC);
  if (out_fd < 0) return Error(CommonErrc::kIo, "mkstemp failed");
  ::unlink(tmpl);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    return Error(CommonErrc::kIo, "fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(out_fd, 1);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const std::string marker = "Listening on 127.0.0.1:";
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    char buf[8192];
    ssize_t n = ::pread(out_fd, buf, sizeof(buf), static_cast<off_t>(out.size()));
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    auto at = out.find(marker);
    if (at != std::string::npos) {
      auto start = at + marker.size();
      auto end = out.find_first_not_of("0123456789", start);
      if (end != std::string::npos) {
        int port = std::atoi(out.substr(start, end - start).c_str());
        return std::unique_ptr<Anvil>(new Anvil(pid, out_fd, static_cast<std::uint16_t>(port)));
      }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ::close(out_fd);
      return Error(CommonErrc::kIo, "anvil exited early; output: " + out.substr(0, 400));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(out_fd);
  kill_and_reap(pid);
  return Error(CommonErrc::kIo, "anvil did not report its port; output: " + out.substr(0, 400));
}

Anvil::~Anvil() {
  kill_and_reap(pid_);
  if (out_fd_ >= 0) ::close(out_fd_);
}

}  // namespace wavs::chain::testing
