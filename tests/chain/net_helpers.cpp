#include "net_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace wavs::chain::testing {

namespace {

int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    port = 0;
    return -1;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Waits for a connection while checking `stop` every 50 ms.
int accept_until(int listen_fd, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd p{listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) return fd;
    }
  }
  return -1;
}

bool send_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

ScriptedServer::ScriptedServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = listen_loopback(port_);
  acceptor_ = std::thread([this] {
    while (true) {
      int fd = accept_until(listen_fd_, stop_);
      if (fd < 0) return;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

ScriptedServer::~ScriptedServer() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    // Wakes workers blocked in recv (including "hanging" ones).
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& w : workers_) w.join();
  for (int fd : open_fds_) ::close(fd);
  ::close(listen_fd_);
}

void ScriptedServer::serve(int fd) {
  std::string buf;
  while (!stop_.load()) {
    // Read one request: headers, then Content-Length bytes.
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      char tmp[4096];
      ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    std::size_t content_length = 0;
    std::string headers = buf.substr(0, header_end);
    for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = headers.find("content-length:"); at != std::string::npos) {
      content_length = std::strtoul(headers.c_str() + at + 15, nullptr, 10);
    }
    std::size_t total = header_end + 4 + content_length;
    while (buf.size() < total) {
      char tmp[4096];
      ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    std::string body = buf.substr(header_end + 4, content_length);
    buf.erase(0, total);
    ++requests_;
    Reply reply = handler_(body);
    switch (reply.kind) {
      case Reply::Kind::kCloseAtOnce:
        ::shutdown(fd, SHUT_RDWR);
        return;
      case Reply::Kind::kHang: {
        // Hold the connection open without answering until the client gives up.
        char tmp[256];
        while (::recv(fd, tmp, sizeof(tmp), 0) > 0) {
        }
        return;
      }
      case Reply::Kind::kRespond:
      case Reply::Kind::kCutMidBody: {
        std::string head = "HTTP/1.1 " + std::to_string(reply.status) +
                           " X\r\nContent-Type: application/json\r\n" +
                           "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        if (reply.kind == Reply::Kind::kCutMidBody) {
          std::string partial = head + reply.body.substr(0, reply.body.size() / 2);
          send_all(fd, partial.data(), partial.size());
          ::shutdown(fd, SHUT_RDWR);
          return;
        }
        std::string all = head + reply.body;
        if (!send_all(fd, all.data(), all.size())) return;
        break;
      }
    }
  }
}

struct DroppingProxy::Conn {
  int client = -1;
  int server = -1;
  std::atomic<bool> cut{false};
  std::atomic<bool> stalled{false};
  std::size_t budget = 0;  // server-to-client bytes before a random cut; 0 = none
  std::thread thread;
};

DroppingProxy::DroppingProxy(std::uint16_t target_port, std::uint64_t seed)
    : target_port_(target_port), rng_(seed * 0x9E3779B97F4A7C15ull + 1) {
  listen_fd_ = listen_loopback(port_);
  acceptor_ = std::thread([this] {
    while (true) {
      int client = accept_until(listen_fd_, stop_);
      if (client < 0) return;
      int server = connect_loopback(target_port_);
      if (server < 0) {
        ::close(client);
        continue;
      }
      int one = 1;
      ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ++connections_;
      auto conn = std::make_unique<Conn>();
      conn->client = client;
      conn->server = server;
      std::lock_guard lock(mu_);
      if (max_bytes_ > 0) {
        // xorshift: deterministic per seed so a failing run can be replayed.
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        conn->budget = min_bytes_ + rng_ % (max_bytes_ - min_bytes_ + 1);
      }
      Conn* raw = conn.get();
      conns_.push_back(std::move(conn));
      raw->thread = std::thread([this, raw] { pump(raw); });
    }
  });
}

DroppingProxy::~DroppingProxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::unique_ptr<Conn>> conns;
  {
    std::lock_guard lock(mu_);
    conns.swap(conns_);
  }
  for (auto& c : conns) {
    c->cut = true;
    c->thread.join();
  }
  ::close(listen_fd_);
}

void DroppingProxy::set_random_drops(std::size_t min_bytes, std::size_t max_bytes) {
  std::lock_guard lock(mu_);
  min_bytes_ = min_bytes;
  max_bytes_ = std::max(max_bytes, min_bytes + 1);
}

void DroppingProxy::disable_random_drops() {
  std::lock_guard lock(mu_);
  max_bytes_ = 0;
}

void DroppingProxy::drop_all() {
  std::lock_guard lock(mu_);
  for (auto& c : conns_) c->cut = true;
}

void DroppingProxy::stall_all() {
  std::lock_guard lock(mu_);
  for (auto& c : conns_) c->stalled = true;
}

void DroppingProxy::pump(Conn* c) {
  std::size_t forwarded = 0;
  char buf[16384];
  bool dropped = false;
  while (!c->cut.load() && !stop_.load()) {
    if (c->stalled.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    pollfd p[2] = {{c->client, POLLIN, 0}, {c->server, POLLIN, 0}};
    if (::poll(p, 2, 20) <= 0) continue;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(c->client, buf, sizeof(buf), 0);
      if (n <= 0 || !send_all(c->server, buf, static_cast<std::size_t>(n))) break;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(c->server, buf, sizeof(buf), 0);
      if (n <= 0) break;
      std::size_t len = static_cast<std::size_t>(n);
      if (c->budget > 0 && forwarded + len >= c->budget) {
        // Cut mid-stream: part of this chunk goes out, then the connection dies.
        send_all(c->client, buf, c->budget - forwarded);
        dropped = true;
        break;
      }
      forwarded += len;
      if (!send_all(c->client, buf, len)) break;
    }
  }
  if (dropped || c->cut.load()) ++drops_;
  // RST rather than FIN, like a connection lost on the network.
  linger lg{1, 0};
  ::setsockopt(c->client, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  ::close(c->client);
  ::close(c->server);
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd_, 16) != 0) {
    throw std::runtime_error("SilentListener: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace wavs::chain::testing
