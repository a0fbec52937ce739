#include "node_harness.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "chain/http.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "runtime/context_pool.hpp"

namespace wavs::node::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

Result<HttpReply> http(std::string_view method, const std::string& url, std::string_view body,
                       const std::vector<std::string>& headers, std::chrono::milliseconds timeout) {
  chain::ensure_curl();
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return Error(CommonErrc::kIo, "curl_easy_init failed");
  HttpReply reply;
  std::string method_s(method);
  std::string body_s(body);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method_s.c_str());
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply.body);
  if (list != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
  if (!body_s.empty() || method_s == "POST" || method_s == "DELETE") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body_s.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_s.size()));
  }
  CURLcode rc = curl_easy_perform(easy);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
    char* ct = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) reply.content_type = ct;
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(easy);
  if (rc != CURLE_OK)
    return Error(CommonErrc::kIo, std::string(method) + " " + url + ": " + curl_easy_strerror(rc));
  return reply;
}

// --- NodeProcess ---

Result<std::unique_ptr<NodeProcess>> NodeProcess::start(const fs::path& exe, const fs::path& dir,
                                                        const std::string& toml,
                                                        const std::vector<std::string>& extra_args,
                                                        const std::string& role) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path config = dir / "wavs.toml";
  const fs::path port_file = dir / "port";
  const fs::path log = dir / (role + ".log");
  fs::remove(port_file, ec);
  {
    std::ofstream out(config, std::ios::trunc);
    out << toml;
    if (!out) return Error(CommonErrc::kIo, "cannot write " + config.string());
  }
  std::vector<std::string> argv_s = {exe.string(), "--config",    config.string(),
                                     role,         "--port-file", port_file.string()};
  argv_s.insert(argv_s.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error(CommonErrc::kIo, "cannot open " + log.string());
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Error(CommonErrc::kIo, "fork failed");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  std::uint16_t port = 0;
  const bool up = eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return true;  // exited: reported below
        std::ifstream in(port_file);
        unsigned p = 0;
        if (in >> p && p > 0 && p < 65536) port = static_cast<std::uint16_t>(p);
        return port != 0;
      },
      30'000ms);
  if (!up || port == 0) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return Error(CommonErrc::kIo, "wavs " + role + " did not start; its log:\n" + slurp(log));
  }
  return std::unique_ptr<NodeProcess>(new NodeProcess(pid, port, log));
}

NodeProcess::~NodeProcess() { kill9(); }

void NodeProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int NodeProcess::terminate(std::chrono::milliseconds bound) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int result = -1;
  const bool exited = eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      },
      bound);
  if (exited) pid_ = -1;
  return exited ? result : -1;
}

std::string NodeProcess::log() const { return slurp(log_); }

// --- PacketReceiver ---

struct PacketReceiver::Impl {
  runtime::ContextPool io{1};
  httpd::Router router;
  std::unique_ptr<httpd::Server> server;
  mutable std::mutex mu;
  std::vector<std::string> bodies;
  int failures_left = 0;
  unsigned failure_status = 503;
};

PacketReceiver::PacketReceiver() : impl_(std::make_unique<Impl>()) {
  Impl& r = *impl_;
  (void)r.router.add(
      {.method = httpd::Method::kPost, .path = "/packets", .handler = [&r](const httpd::Request& req) {
         std::lock_guard lock(r.mu);
         if (r.failures_left > 0) {
           --r.failures_left;
           return httpd::Response::error(r.failure_status, httpd::kUnavailable, "test says no");
         }
         r.bodies.push_back(req.body);
         return httpd::Response::json(200, R"({"status":"aggregated"})");
       }});
  r.io.start();
  httpd::ServerConfig config;
  config.port = 0;
  r.server = std::make_unique<httpd::Server>(config, r.router, r.io, nullptr);
  (void)r.server->start();
}

PacketReceiver::~PacketReceiver() {
  if (impl_->server) (void)impl_->server->stop();
}

std::string PacketReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->server->port());
}

std::vector<std::string> PacketReceiver::bodies() const {
  std::lock_guard lock(impl_->mu);
  return impl_->bodies;
}

void PacketReceiver::fail_next(int n, unsigned status) {
  std::lock_guard lock(impl_->mu);
  impl_->failures_left = n;
  impl_->failure_status = status;
}

bool PacketReceiver::wait_for(std::size_t n, std::chrono::milliseconds bound) const {
  return eventually([&] { return bodies().size() >= n; }, bound);
}

}  // namespace wavs::node::testing
