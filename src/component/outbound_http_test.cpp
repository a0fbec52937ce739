#include "component/outbound_http.hpp"
#include "net_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#ifdef WAVS_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

namespace wavs::component {
namespace {

using chain::testing::SilentListener;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;
using service::HttpHosts;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

const std::string kGzipText = "gzip says hello, gzip says hello, gzip says hello\n";

std::string gzip(const std::string& plain) {
#ifdef WAVS_TEST_HAVE_ZLIB
  z_stream zs{};
  // windowBits 15 + 16 writes a gzip (not zlib) wrapper.
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
#else
  // gzip of kGzipText (mtime 0), for builds without zlib.
  static const unsigned char kBlob[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b,
                                        0xaf, 0xca, 0x2c, 0x50, 0x28, 0x4e, 0xac, 0x2c, 0x56, 0xc8, 0x48,
                                        0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0x27, 0x20, 0xc0, 0x05, 0x00,
                                        0x73, 0x75, 0x4b, 0xae, 0x32, 0x00, 0x00, 0x00};
  EXPECT_EQ(plain, kGzipText);
  return std::string(reinterpret_cast<const char*>(kBlob), sizeof(kBlob));
#endif
}

struct SeenRequest {
  std::string method;
  std::string target;
  Headers headers;  // names lower-case
  std::string body;
};

struct Reply {
  int status = 200;
  Headers headers;
  std::string body;
  std::chrono::milliseconds delay{0};
};

// A small HTTP/1.1 server on a loopback address and an ephemeral port: one thread
// accepts, one thread per connection answers one request and closes. Routes:
//   /ok, /status/<n>, /redirect?code=<n>&to=<location, taken verbatim to the end>,
//   /redirect-spaced, /many-headers (300 KB of them), /chain/<n> (n relative redirects), /slow (3 s), /big (5
//   MiB), /gzip, /echo (method, headers and body back), /headers (mixed-case and repeated names).
class TestServer {
 public:
  explicit TestServer(const char* ip = "127.0.0.1") : ip_(ip) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    EXPECT_EQ(inet_pton(AF_INET, ip, &addr.sin_addr), 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << "bind " << ip;
    EXPECT_EQ(::listen(fd_, 64), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~TestServer() {
    stop_ = true;
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    ::close(fd_);
  }

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string origin() const { return "http://" + ip_ + ":" + std::to_string(port_); }
  [[nodiscard]] std::string url(std::string_view path) const { return origin() + std::string(path); }
  [[nodiscard]] std::string host_port() const { return ip_ + ":" + std::to_string(port_); }

  [[nodiscard]] std::size_t count() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  [[nodiscard]] std::vector<SeenRequest> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, conn] {
        serve(conn);
        ::close(conn);
      });
    }
  }

  static bool read_some(int fd, std::string& buf) {
    char chunk[16384];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  void serve(int fd) {
    timeval tv{5, 0};  // a stuck client cannot keep the test from finishing
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string buf;
    std::size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > (1 << 20) || !read_some(fd, buf)) return;
      if (buf[0] == '\x16') {
        // A TLS ClientHello: answer in plain text, as a misconfigured server would.
        static constexpr char kPlain[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)::send(fd, kPlain, sizeof(kPlain) - 1, MSG_NOSIGNAL);
        return;
      }
    }
    SeenRequest req;
    std::string head = buf.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    auto sp1 = request_line.find(' ');
    auto sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t content_length = 0;
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        req.headers.emplace_back(lower(line.substr(0, colon)), value);
        if (lower(line.substr(0, colon)) == "content-length") content_length = std::stoul(value);
      }
      pos = end + 2;
    }
    std::string body = buf.substr(head_end + 4);
    while (body.size() < content_length && read_some(fd, body)) {
    }
    req.body = body.substr(0, content_length);
    {
      std::lock_guard lock(mu_);
      seen_.push_back(req);
    }
    Reply reply = route(req);
    for (auto waited = 0ms; waited < reply.delay && !stop_; waited += 10ms) std::this_thread::sleep_for(10ms);
    if (stop_ && reply.delay > 0ms) return;
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Whatever\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (req.method != "HEAD") out += reply.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client gave up (e.g. body over its cap)
      sent += static_cast<std::size_t>(n);
    }
  }

  static Reply route(const SeenRequest& req) {
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string query =
        req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
    Reply r;
    if (path == "/ok") {
      r.headers = {{"X-Test", "Value"}};
      r.body = "ok";
    } else if (path.rfind("/status/", 0) == 0) {
      r.status = std::stoi(path.substr(8));
      r.body = "status";
    } else if (path == "/redirect") {
      // code=<n>&to=<rest>
      auto to = query.find("&to=");
      r.status = std::stoi(query.substr(5, to - 5));
      r.headers = {{"Location", query.substr(to + 4)}, {"X-Hop", "redirect"}};
      r.body = "moved";
    } else if (path == "/many-headers") {
      for (int i = 0; i < 300; ++i)
        r.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(1000, 'f'));
      r.body = "filled";
    } else if (path == "/redirect-spaced") {
      r.status = 302;
      r.headers = {{"Location", "echo?q=x y"}};  // relative, with a raw space as some servers send
    } else if (path.rfind("/chain/", 0) == 0) {
      int n = std::stoi(path.substr(7));
      if (n > 0) {
        r.status = 302;
        r.headers = {{"Location", "/chain/" + std::to_string(n - 1)}};
      } else {
        r.body = "end of chain";
      }
    } else if (path == "/slow") {
      r.delay = 3000ms;
      r.body = "late";
    } else if (path == "/big") {
      r.body.assign(5u << 20, 'x');
    } else if (path == "/gzip") {
      r.headers = {{"Content-Encoding", "gzip"}, {"Content-Type", "text/plain"}};
      r.body = gzip(kGzipText);
    } else if (path == "/echo") {
      r.body = req.method + "\n";
      for (const auto& [name, value] : req.headers) r.body += name + ": " + value + "\n";
      r.body += "\n" + req.body;
    } else if (path == "/headers") {
      r.headers = {{"X-Mixed-Case", "A"}, {"x-dup", "1"}, {"X-DUP", "2"}, {"X-Spaced", "  padded  "}};
      r.body = "headers";
    } else {
      r.status = 404;
      r.body = "no route";
    }
    return r;
  }

  std::string ip_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<SeenRequest> seen_;
};

OutboundRequest get(std::string url) {
  OutboundRequest r;
  r.url = std::move(url);
  return r;
}

Clock::time_point soon() { return Clock::now() + 20s; }

std::optional<std::string> header(const OutboundResponse& resp, std::string_view name) {
  for (const auto& [n, v] : resp.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// ---- pure functions ---------------------------------------------------------------

TEST(IsPrivateAddress, Ipv4) {
  for (const char* ip :
       {"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1",
        "239.255.255.255", "240.0.0.1", "255.255.255.255"}) {
    EXPECT_TRUE(is_private_address(ip)) << ip;
  }
  for (const char* ip :
       {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "192.169.0.1", "169.253.1.1", "100.63.255.255",
        "100.128.0.0", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255", "93.184.216.34"}) {
    EXPECT_FALSE(is_private_address(ip)) << ip;
  }
}

TEST(IsPrivateAddress, Ipv6) {
  for (const char* ip : {"::",
                         "::1",
                         "[::1]",
                         "fc00::1",
                         "fd12:3456::1",
                         "fe80::1",
                         "febf::1",
                         "fec0::1",
                         "ff02::1",
                         "ff0e::1",
                         "::ffff:127.0.0.1",
                         "::ffff:7f00:1",
                         "::ffff:10.1.2.3",
                         "::ffff:192.168.0.1",
                         "::ffff:169.254.169.254",
                         "::127.0.0.1",
                         "::10.0.0.1",
                         "64:ff9b::10.0.0.1",
                         "64:ff9b::7f00:1",
                         "2002:7f00:1::1",
                         "2002:c0a8:101::1",
                         "::ffff:0:127.0.0.1",
                         "0:0:0:0:0:0:0:1",
                         "::ffff:0.0.0.0"}) {
    EXPECT_TRUE(is_private_address(ip)) << ip;
  }
  for (const char* ip : {"2001:4860:4860::8888", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
                         "2002:808:808::1", "fbff::1", "fe7f::1", "2a00:1450:4001:80b::200e"}) {
    EXPECT_FALSE(is_private_address(ip)) << ip;
  }
}

TEST(IsPrivateAddress, NonNumericTextIsRefused) {
  for (const char* ip : {"", "localhost", "example.com", "127.1", "0x7f.0.0.1", "1.2.3.4.5", "::1%lo", "[::1",
                         "8.8.8.8 ", " 8.8.8.8", "2130706433"}) {
    EXPECT_TRUE(is_private_address(ip)) << '"' << ip << '"';
  }
}

TEST(CheckHost, NoneAndAll) {
  auto none = check_host(HttpHosts::none(), "example.com", 443);
  EXPECT_FALSE(none.allowed);
  EXPECT_FALSE(none.private_allowed);
  auto all = check_host(HttpHosts::all(), "example.com", 443);
  EXPECT_TRUE(all.allowed);
  EXPECT_FALSE(all.private_allowed);
}

TEST(CheckHost, OnlyTable) {
  HttpHosts policy = HttpHosts::only({"api.example.com", "*.coingecko.com", "localhost:8545", "10.0.0.5",
                                      "[::1]:80", "Mixed.Case.ORG", "fd00::7"});
  struct Case {
    const char* host;
    std::uint16_t port;
    bool allowed;
    bool private_allowed;
  };
  const Case cases[] = {
      {"api.example.com", 443, true, true},
      {"api.example.com", 8080, true, true},
      {"API.Example.COM", 443, true, true},
      {"example.com", 443, false, false},
      {"xapi.example.com", 443, false, false},
      {"api.example.com.evil.net", 443, false, false},
      {"pro-api.coingecko.com", 443, true, false},
      {"a.b.coingecko.com", 80, true, false},
      {"coingecko.com", 443, false, false},
      {"evilcoingecko.com", 443, false, false},
      {"localhost", 8545, true, true},
      {"localhost", 8546, false, false},
      {"10.0.0.5", 1, true, true},
      {"10.0.0.6", 1, false, false},
      {"[::1]", 80, true, true},
      {"[0:0::1]", 80, true, true},
      {"[::1]", 81, false, false},
      {"mixed.case.org", 443, true, true},
      {"[fd00::7]", 443, true, true},
      {"", 443, false, false},
  };
  for (const auto& c : cases) {
    auto d = check_host(policy, c.host, c.port);
    EXPECT_EQ(d.allowed, c.allowed) << c.host << ":" << c.port;
    EXPECT_EQ(d.private_allowed, c.private_allowed) << c.host << ":" << c.port;
  }
}

TEST(CheckHost, ExactEntryWinsOverWildcard) {
  HttpHosts policy = HttpHosts::only({"*.internal.net", "db.internal.net"});
  auto d = check_host(policy, "db.internal.net", 5432);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.private_allowed);
  auto other = check_host(policy, "web.internal.net", 80);
  EXPECT_TRUE(other.allowed);
  EXPECT_FALSE(other.private_allowed);
}

TEST(CheckHost, WildcardNeverMatchesIpLiterals) {
  HttpHosts policy = HttpHosts::only({"*.0.0.1", "*.1"});
  EXPECT_FALSE(check_host(policy, "127.0.0.1", 80).allowed);
  EXPECT_FALSE(check_host(policy, "[::1]", 80).allowed);
}

TEST(CheckHost, MalformedEntriesMatchNothing) {
  HttpHosts policy =
      HttpHosts::only({"", "*", "a.com:notaport", "b.com:0", "b.com:70000", "[::1", "c.com/path"});
  for (const char* host : {"a.com", "b.com", "[::1]", "c.com", "anything.com"}) {
    EXPECT_FALSE(check_host(policy, host, 80).allowed) << host;
  }
}

TEST(ParseHeaderBlock, Accepts) {
  auto empty = parse_header_block("");
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->empty());

  auto h =
      parse_header_block("Accept: application/json\r\nX-Api-Key:   k3y  \r\nX-Empty:\r\nX-Last: no-crlf");
  ASSERT_TRUE(h) << h.error().message();
  ASSERT_EQ(h->size(), 4u);
  EXPECT_EQ((*h)[0], (std::pair<std::string, std::string>{"Accept", "application/json"}));
  EXPECT_EQ((*h)[1], (std::pair<std::string, std::string>{"X-Api-Key", "k3y"}));
  EXPECT_EQ((*h)[2], (std::pair<std::string, std::string>{"X-Empty", ""}));
  EXPECT_EQ((*h)[3], (std::pair<std::string, std::string>{"X-Last", "no-crlf"}));

  auto colon_in_value = parse_header_block("X-Url: http://a/b:c\r\n");
  ASSERT_TRUE(colon_in_value);
  EXPECT_EQ((*colon_in_value)[0].second, "http://a/b:c");
}

TEST(ParseHeaderBlock, Refuses) {
  for (const char* block : {"Host: evil.com\r\n", "host: x", "Content-Length: 5", "CONTENT-LENGTH: 5",
                            "Transfer-Encoding: chunked", "connection: close", "No colon here\r\n",
                            ": empty name", "Bad Name: x", "Bad\tName: x", "X-A: 1\r\n\r\n", "X-A: 1\nX-B: 2",
                            "X-A: one\rtwo", "X-Ok: 1\r\nHost: x\r\n", "(x): y"}) {
    auto r = parse_header_block(block);
    ASSERT_FALSE(r) << '"' << block << '"';
    EXPECT_TRUE(r.error().is(ComponentErrc::kInvalid)) << r.error().message();
  }
  auto where = parse_header_block("X-Ok: 1\r\nHost: x\r\n");
  ASSERT_FALSE(where);
  EXPECT_NE(where.error().detail().find("line 2"), std::string::npos) << where.error().detail();
  EXPECT_NE(where.error().detail().find("offset 9"), std::string::npos) << where.error().detail();
}

TEST(CheckHttpHosts, AcceptsTheEntryForms) {
  EXPECT_TRUE(check_http_hosts(HttpHosts::none()));
  EXPECT_TRUE(check_http_hosts(HttpHosts::all()));
  EXPECT_TRUE(check_http_hosts(HttpHosts::only({})));
  EXPECT_TRUE(check_http_hosts(
      HttpHosts::only({"api.example.com", "*.coingecko.com", "localhost:8545", "[::1]:80", "10.0.0.5"})));
  EXPECT_FALSE(check_host(HttpHosts::only({}), "example.com", 443).allowed);
}

TEST(CheckHttpHosts, NamesTheFirstMalformedEntry) {
  struct Case {
    std::vector<std::string> hosts;
    const char* mentions;
  };
  const Case cases[] = {
      {{"a.com", ""}, "only[1]"},    {{"*"}, "only[0]"},       {{"a.com:99999"}, "only[0]"},
      {{"http://a.com"}, "only[0]"}, {{"a.*.com"}, "only[0]"}, {{"ok.com", "[::1"}, "only[1]"},
  };
  for (const auto& c : cases) {
    auto r = check_http_hosts(HttpHosts::only(c.hosts));
    ASSERT_FALSE(r) << c.mentions;
    EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext));
    EXPECT_EQ(r.error().detail().rfind(c.mentions, 0), 0u) << r.error().detail();
  }
}

// ---- requests against loopback servers ---------------------------------------------

TEST(OutboundHttp, PolicyNoneDeniesAndSendsNothing) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::none(), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, AllRefusesLoopbackLiteral) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::all(), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_NE(r.error().detail().find("private"), std::string::npos) << r.error().detail();
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, AllRefusesEveryLoopbackSpelling) {
  TestServer server;
  OutboundHttp http;
  std::string port = std::to_string(server.port());
  for (const char* host : {"127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.1", "127.0.0.%31", "LOCALHOST",
                           "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::1]", "0.0.0.0"}) {
    auto r = http.send(get(std::string("http://") + host + ":" + port + "/ok"), HttpHosts::all(), soon());
    ASSERT_FALSE(r) << host;
    // Some spellings curl refuses outright; none may reach the server.
    EXPECT_TRUE(r.error().is(ComponentErrc::kDenied) || r.error().is(ComponentErrc::kInvalid))
        << host << " -> " << r.error().message();
  }
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, OnlyWithPortAllows) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(text(r->body), "ok");
  EXPECT_EQ(header(*r, "x-test"), "Value");
  ASSERT_EQ(server.count(), 1u);
  EXPECT_EQ(server.seen()[0].method, "GET");
  EXPECT_EQ(server.seen()[0].target, "/ok");
}

TEST(OutboundHttp, OnlyWithoutPortAllowsAnyPort) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::only({"127.0.0.1"}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
}

TEST(OutboundHttp, OnlyWithAnotherPortDenies) {
  TestServer server;
  OutboundHttp http;
  std::uint16_t other = server.port() == 65535 ? 1 : server.port() + 1;
  auto r = http.send(get(server.url("/ok")), HttpHosts::only({"127.0.0.1:" + std::to_string(other)}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_NE(r.error().detail().find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, LocalhostListedByNameIsAllowed) {
  TestServer server;
  OutboundHttp http;
  std::string port = std::to_string(server.port());
  auto r = http.send(get("http://localhost:" + port + "/ok"), HttpHosts::only({"localhost:" + port}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(server.count(), 1u);
}

TEST(OutboundHttp, AllRefusesANameThatResolvesToLoopback) {
  TestServer server;
  OutboundHttp http;
  auto r =
      http.send(get("http://localhost:" + std::to_string(server.port()) + "/ok"), HttpHosts::all(), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_NE(r.error().detail().find("localhost resolves to a private address"), std::string::npos)
      << r.error().detail();
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, WildcardEntryDoesNotGrantPrivateAddresses) {
  TestServer server;
  OutboundHttp http;
  // libcurl answers every *.localhost name with the loopback addresses itself.
  auto r = http.send(get("http://api.localhost:" + std::to_string(server.port()) + "/ok"),
                     HttpHosts::only({"*.localhost"}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_NE(r.error().detail().find("private"), std::string::npos) << r.error().detail();
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, RedirectToUnlistedHostIsDenied) {
  TestServer first;
  TestServer second("127.0.0.2");  // Linux routes all of 127/8 to lo
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({first.host_port()});
  for (const std::string& target :
       {second.url("/ok"), "http://localhost:" + std::to_string(second.port()) + "/ok"}) {
    auto r = http.send(get(first.url("/redirect?code=302&to=" + target)), policy, soon());
    ASSERT_FALSE(r) << target;
    EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
    EXPECT_NE(r.error().detail().find("redirect to"), std::string::npos) << r.error().detail();
  }
  EXPECT_EQ(first.count(), 2u);
  EXPECT_EQ(second.count(), 0u);
}

TEST(OutboundHttp, RedirectToPrivateUnderWildcardIsDenied) {
  // The first hop is allowed by name with private access; the redirect target is only
  // wildcard-allowed, so its loopback address is refused at connect time.
  TestServer first;
  TestServer second;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({first.host_port(), "*.localhost"});
  std::string target = "http://api.localhost:" + std::to_string(second.port()) + "/ok";
  auto r = http.send(get(first.url("/redirect?code=307&to=" + target)), policy, soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kDenied)) << r.error().message();
  EXPECT_EQ(first.count(), 1u);
  EXPECT_EQ(second.count(), 0u);
}

TEST(OutboundHttp, RedirectsWithinAllowedHostsAreFollowed) {
  TestServer first;
  TestServer second("127.0.0.2");
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({first.host_port(), second.host_port()});

  auto chain = http.send(get(first.url("/chain/3")), policy, soon());
  ASSERT_TRUE(chain) << chain.error().message();
  EXPECT_EQ(chain->status, 200u);
  EXPECT_EQ(text(chain->body), "end of chain");
  EXPECT_EQ(first.count(), 4u);

  auto across = http.send(get(first.url("/redirect?code=301&to=" + second.url("/ok"))), policy, soon());
  ASSERT_TRUE(across) << across.error().message();
  EXPECT_EQ(across->status, 200u);
  EXPECT_EQ(text(across->body), "ok");
  EXPECT_EQ(second.count(), 1u);
}

TEST(OutboundHttp, SeeOtherTurnsPostIntoGetWithoutBody) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/redirect?code=303&to=/echo"));
  req.method = "POST";
  req.body = bytes("payload");
  req.headers = {{"Content-Type", "text/plain"}, {"X-Keep", "1"}};
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  std::string echo = text(r->body);
  EXPECT_EQ(echo.substr(0, 4), "GET\n") << echo;
  EXPECT_EQ(echo.find("payload"), std::string::npos) << echo;
  EXPECT_EQ(echo.find("content-type"), std::string::npos) << echo;
  EXPECT_NE(echo.find("x-keep: 1"), std::string::npos) << echo;
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "payload");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].body, "");
}

TEST(OutboundHttp, TemporaryRedirectKeepsMethodAndBody) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/redirect?code=307&to=/echo"));
  req.method = "POST";
  req.body = bytes("payload");
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  std::string echo = text(r->body);
  EXPECT_EQ(echo.substr(0, 5), "POST\n") << echo;
  EXPECT_EQ(echo.substr(echo.size() - 7), "payload") << echo;
}

TEST(OutboundHttp, FoundAfterPostBecomesGet) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/redirect?code=302&to=/echo"));
  req.method = "POST";
  req.body = bytes("payload");
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(text(r->body).substr(0, 4), "GET\n");
}

TEST(OutboundHttp, RedirectLocationsKeepTheirEncoding) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  auto encoded = http.send(get(server.url("/redirect?code=302&to=/echo?q=a%20b%2Fc")), policy, soon());
  ASSERT_TRUE(encoded) << encoded.error().message();
  auto spaced = http.send(get(server.url("/redirect-spaced")), policy, soon());
  ASSERT_TRUE(spaced) << spaced.error().message();
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].target, "/echo?q=a%20b%2Fc");
  // libcurl encodes a raw space in a query as '+' (as when it follows redirects itself).
  EXPECT_TRUE(seen[3].target == "/echo?q=x%20y" || seen[3].target == "/echo?q=x+y") << seen[3].target;
}

TEST(OutboundHttp, FiveRedirectsAreFollowedSixAreNot) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  auto five = http.send(get(server.url("/chain/5")), policy, soon());
  ASSERT_TRUE(five) << five.error().message();
  EXPECT_EQ(text(five->body), "end of chain");
  EXPECT_EQ(server.count(), 6u);

  auto six = http.send(get(server.url("/chain/6")), policy, soon());
  ASSERT_FALSE(six);
  EXPECT_TRUE(six.error().is(ComponentErrc::kNetwork)) << six.error().message();
  EXPECT_NE(six.error().detail().find("too many redirects"), std::string::npos) << six.error().detail();
  EXPECT_EQ(server.count(), 12u);  // the sixth redirect is never followed
}

TEST(OutboundHttp, RedirectStatusWithoutLocationIsTheAnswer) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/status/302")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 302u);
  EXPECT_EQ(text(r->body), "status");
}

TEST(OutboundHttp, RedirectToAnotherSchemeIsRefused) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/redirect?code=302&to=file:///etc/passwd")),
                     HttpHosts::only({server.host_port()}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kNetwork)) << r.error().message();
  EXPECT_NE(r.error().detail().find("file"), std::string::npos) << r.error().detail();
}

TEST(OutboundHttp, AnyStatusIsASuccess) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  for (std::uint32_t status : {201u, 204u, 404u, 500u, 503u}) {
    auto r = http.send(get(server.url("/status/" + std::to_string(status))), policy, soon());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, status);
  }
}

TEST(OutboundHttp, RequestTimeout) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/slow?api_key=s3cret"));
  req.timeout = 200ms;
  auto start = Clock::now();
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_LT(took, 2s);
  EXPECT_GE(took, 150ms);
  EXPECT_EQ(r.error().detail().find("s3cret"), std::string::npos) << r.error().detail();
  EXPECT_NE(r.error().detail().find("/slow"), std::string::npos) << r.error().detail();
}

TEST(OutboundHttp, DeadlineShortensTheTimeout) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/slow"));
  req.timeout = 0ms;  // the default, 10 s
  auto start = Clock::now();
  auto r = http.send(req, HttpHosts::only({server.host_port()}), start + 250ms);
  auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_LT(took, 2s);
}

// The run's stop token ends a request the server accepted and never answers, long before
// its timeout: a node shutting down does not wait out guests' HTTP calls.
TEST(OutboundHttp, CancelEndsARequestTheServerNeverAnswers) {
  // Never accepts: the kernel completes the handshake and buffers the request.
  SilentListener listener;
  const std::string hp = listener.host_port();

  OutboundHttp http;
  OutboundRequest req = get("http://" + hp + "/ok");
  req.timeout = 30s;
  std::stop_source source;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    source.request_stop();
  });
  auto start = Clock::now();
  auto r = http.send(req, HttpHosts::only({hp}), Clock::now() + 60s, source.get_token());
  auto took = Clock::now() - start;
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kUnavailable)) << r.error().message();
  EXPECT_NE(r.error().detail().find("cancelled"), std::string::npos) << r.error().detail();
  EXPECT_LT(took, 10s);  // not the 30 s timeout
  // Cancelled before it starts: nothing is sent.
  TestServer server;
  auto early = http.send(get(server.url("/ok")), HttpHosts::only({server.host_port()}), soon(), source.get_token());
  ASSERT_FALSE(early);
  EXPECT_TRUE(early.error().is(ComponentErrc::kUnavailable));
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, ConnectTimeoutCoversTheTlsHandshake) {
  // A listener that never accepts: the kernel completes the TCP handshake from its
  // backlog, and the TLS handshake then waits for a ServerHello that never comes.
  SilentListener listener;
  const std::string hp = listener.host_port();

  OutboundLimits limits;
  limits.connect_timeout = 200ms;
  OutboundHttp http(limits);
  OutboundRequest req = get("https://" + hp + "/ok");
  req.timeout = 5s;
  auto start = Clock::now();
  auto r = http.send(req, HttpHosts::only({hp}), soon());
  auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_NE(r.error().detail().find("no connection within 200 ms"), std::string::npos) << r.error().detail();
  EXPECT_LT(took, 3s);  // well under the 5 s request timeout, even with a slow TLS library start
}

TEST(OutboundHttp, DeadlineAlreadyPassedSendsNothing) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::only({server.host_port()}), Clock::now() - 1ms);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, TimeoutCoversTheWholeRedirectChain) {
  TestServer server;
  OutboundHttp http;
  OutboundRequest req = get(server.url("/redirect?code=302&to=/slow"));
  req.timeout = 300ms;
  auto start = Clock::now();
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kTimeout)) << r.error().message();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(server.count(), 2u);
}

TEST(OutboundHttp, ResponseBodyCap) {
  TestServer server;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  OutboundHttp http;  // 4 MiB cap
  auto capped = http.send(get(server.url("/big")), policy, soon());
  ASSERT_FALSE(capped);
  EXPECT_TRUE(capped.error().is(ComponentErrc::kLimit)) << capped.error().message();
  EXPECT_NE(capped.error().detail().find("response body over 4194304 bytes"), std::string::npos)
      << capped.error().detail();

  OutboundLimits roomy;
  roomy.max_response_body = 6u << 20;
  OutboundHttp big(roomy);
  auto whole = big.send(get(server.url("/big")), policy, soon());
  ASSERT_TRUE(whole) << whole.error().message();
  EXPECT_EQ(whole->body.size(), 5u << 20);
}

TEST(OutboundHttp, ResponseHeaderCap) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/many-headers")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kLimit)) << r.error().message();
  EXPECT_NE(r.error().detail().find("response headers over"), std::string::npos) << r.error().detail();
}

TEST(OutboundHttp, HttpsToAPlainServerIsANetworkError) {
  TestServer server;
  OutboundHttp http;
  auto r =
      http.send(get("https://" + server.host_port() + "/ok"), HttpHosts::only({server.host_port()}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kNetwork)) << r.error().message();
  EXPECT_NE(r.error().detail().find("https://127.0.0.1"), std::string::npos) << r.error().detail();
}

TEST(OutboundHttp, RequestBodyCapSendsNothing) {
  TestServer server;
  OutboundLimits limits;
  limits.max_request_body = 16;
  OutboundHttp http(limits);
  OutboundRequest req = get(server.url("/echo"));
  req.method = "POST";
  req.body = Bytes(17, 'a');
  auto r = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kLimit)) << r.error().message();
  EXPECT_EQ(server.count(), 0u);

  req.body = Bytes(16, 'a');
  auto fits = http.send(req, HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(fits) << fits.error().message();
  EXPECT_EQ(server.count(), 1u);
}

TEST(OutboundHttp, GzipIsDecoded) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/gzip")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(text(r->body), kGzipText);
  EXPECT_EQ(header(*r, "content-encoding"), "gzip");
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  bool asked_gzip = false;
  for (const auto& [name, value] : seen[0].headers) {
    if (name == "accept-encoding" && value.find("gzip") != std::string::npos) asked_gzip = true;
  }
  EXPECT_TRUE(asked_gzip);
}

TEST(OutboundHttp, HeadersAreLowerCaseInOrderAndFromTheFinalHopOnly) {
  TestServer server;
  OutboundHttp http;
  auto r = http.send(get(server.url("/redirect?code=302&to=/headers")), HttpHosts::only({server.host_port()}),
                     soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(header(*r, "x-hop"), std::nullopt);
  EXPECT_EQ(header(*r, "location"), std::nullopt);
  EXPECT_EQ(header(*r, "x-mixed-case"), "A");
  EXPECT_EQ(header(*r, "x-spaced"), "padded");
  std::vector<std::string> dups;
  for (const auto& [name, value] : r->headers) {
    EXPECT_EQ(name, lower(name));
    EXPECT_NE(name.substr(0, 5), "http/");
    if (name == "x-dup") dups.push_back(value);
  }
  EXPECT_EQ(dups, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(header(*r, "content-length"), "7");
}

TEST(OutboundHttp, BodiesMethodsAndHeadersReachTheServer) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});

  OutboundRequest post = get(server.url("/echo"));
  post.method = "POST";
  post.body = bytes(std::string("bin\0ary\r\n", 9));
  post.headers = {{"Content-Type", "application/octet-stream"}, {"X-Api-Key", "k"}, {"X-Empty", ""}};
  auto r = http.send(post, policy, soon());
  ASSERT_TRUE(r) << r.error().message();
  std::string echo = text(r->body);
  EXPECT_EQ(echo.substr(0, 5), "POST\n");
  EXPECT_NE(echo.find("content-type: application/octet-stream\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("x-api-key: k\n"), std::string::npos) << echo;
  EXPECT_NE(echo.find("x-empty: \n"), std::string::npos) << echo;
  EXPECT_EQ(echo.find("expect"), std::string::npos) << echo;
  EXPECT_EQ(echo.substr(echo.size() - 9), std::string("bin\0ary\r\n", 9));

  OutboundRequest put = post;
  put.method = "PUT";
  put.headers.clear();
  auto p = http.send(put, policy, soon());
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(text(p->body).substr(0, 4), "PUT\n");
  // No invented form content type.
  EXPECT_EQ(text(p->body).find("content-type"), std::string::npos) << text(p->body);

  OutboundRequest del = get(server.url("/echo"));
  del.method = "DELETE";
  auto d = http.send(del, policy, soon());
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(text(d->body).substr(0, 7), "DELETE\n");

  OutboundRequest empty_method = get(server.url("/echo"));
  empty_method.method = "";
  auto e = http.send(empty_method, policy, soon());
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(text(e->body).substr(0, 4), "GET\n");

  OutboundRequest head = get(server.url("/ok"));
  head.method = "HEAD";
  head.timeout = 5s;
  auto start = Clock::now();
  auto h = http.send(head, policy, soon());
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(h->status, 200u);
  EXPECT_TRUE(h->body.empty());

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[3].method, "GET");
  EXPECT_EQ(seen[4].method, "HEAD");
}

TEST(OutboundHttp, CredentialsAreNotForwardedToAnotherOrigin) {
  TestServer first;
  TestServer second("127.0.0.2");
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({first.host_port(), second.host_port()});
  Headers creds = {{"Authorization", "Bearer t0ken"}, {"Cookie", "s=1"}, {"X-Other", "kept"}};

  OutboundRequest same = get(first.url("/redirect?code=302&to=/echo"));
  same.headers = creds;
  auto r1 = http.send(same, policy, soon());
  ASSERT_TRUE(r1) << r1.error().message();
  EXPECT_NE(text(r1->body).find("authorization: Bearer t0ken"), std::string::npos) << text(r1->body);

  OutboundRequest cross = get(first.url("/redirect?code=302&to=" + second.url("/echo")));
  cross.headers = creds;
  auto r2 = http.send(cross, policy, soon());
  ASSERT_TRUE(r2) << r2.error().message();
  std::string echo = text(r2->body);
  EXPECT_EQ(echo.find("t0ken"), std::string::npos) << echo;
  EXPECT_EQ(echo.find("cookie"), std::string::npos) << echo;
  EXPECT_NE(echo.find("x-other: kept"), std::string::npos) << echo;
}

TEST(OutboundHttp, BadUrlsAreInvalid) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::all();
  std::string hp = server.host_port();
  for (const std::string& url : std::vector<std::string>{
           std::string("ftp://") + hp + "/x", "file:///etc/passwd", "gopher://" + hp + "/",
           "http://user:pw@" + hp + "/ok", "http://user@" + hp + "/ok", std::string("not a url"),
           std::string(""), std::string("http://"), std::string("http:///path"),
           std::string("//") + hp + "/ok", std::string("/ok"), "http://" + hp + ":99999/", "http://[::1/",
           std::string("http://a b.com/"), "http://" + hp + "/o\nk"}) {
    auto r = http.send(get(url), HttpHosts::only({hp}), soon());
    ASSERT_FALSE(r) << url;
    EXPECT_TRUE(r.error().is(ComponentErrc::kInvalid)) << url << " -> " << r.error().message();
  }
  auto nul = http.send(get(std::string("http://") + hp + std::string("/ok\0x", 5)), policy, soon());
  ASSERT_FALSE(nul);
  EXPECT_TRUE(nul.error().is(ComponentErrc::kInvalid));
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, BadMethodsAndHeadersAreInvalid) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  for (const char* method : {"GE T", "GET\r\n", "PO(ST", "G\xc3\xa9T"}) {
    OutboundRequest req = get(server.url("/ok"));
    req.method = method;
    auto r = http.send(req, policy, soon());
    ASSERT_FALSE(r) << method;
    EXPECT_TRUE(r.error().is(ComponentErrc::kInvalid)) << r.error().message();
    // Guest text is quoted with control bytes escaped: one clean log line.
    EXPECT_EQ(r.error().detail().find_first_of("\r\n"), std::string::npos) << r.error().detail();
  }
  for (const Headers& headers : {Headers{{"Host", "evil"}}, Headers{{"X-A", "a\r\nInjected: 1"}},
                                 Headers{{"Bad Name", "x"}}, Headers{{"Transfer-Encoding", "chunked"}}}) {
    OutboundRequest req = get(server.url("/ok"));
    req.headers = headers;
    auto r = http.send(req, policy, soon());
    ASSERT_FALSE(r) << headers[0].first;
    EXPECT_TRUE(r.error().is(ComponentErrc::kInvalid)) << r.error().message();
  }
  OutboundRequest head = get(server.url("/ok"));
  head.method = "HEAD";
  head.body = bytes("x");
  EXPECT_FALSE(http.send(head, policy, soon()));
  EXPECT_EQ(server.count(), 0u);
}

TEST(OutboundHttp, ConnectionFailureIsNetworkAndHidesTheQuery) {
  // A port that was just free: bind, read the port, close.
  std::uint16_t port = 0;
  {
    TestServer gone;
    port = gone.port();
  }
  OutboundHttp http;
  std::string hp = "127.0.0.1:" + std::to_string(port);
  auto r = http.send(get("http://" + hp + "/v1/price?api_key=s3cret"), HttpHosts::only({hp}), soon());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kNetwork)) << r.error().message();
  EXPECT_EQ(r.error().detail().find("s3cret"), std::string::npos) << r.error().detail();
  EXPECT_NE(r.error().detail().find("/v1/price"), std::string::npos) << r.error().detail();
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        ::setenv(name.c_str(), old->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(OutboundHttp, ProxyEnvironmentIsIgnored) {
  TestServer server;
  TestServer proxy;  // would see absolute-form requests if curl used it
  std::string proxy_url = proxy.origin();
  ScopedEnv env({{"http_proxy", proxy_url.c_str()},
                 {"HTTP_PROXY", proxy_url.c_str()},
                 {"https_proxy", proxy_url.c_str()},
                 {"ALL_PROXY", proxy_url.c_str()},
                 {"all_proxy", proxy_url.c_str()},
                 {"no_proxy", ""}});
  OutboundHttp http;
  auto r = http.send(get(server.url("/ok")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(server.count(), 1u);

  // Through a proxy, the connect-time check would see the proxy's address instead.
  auto denied =
      http.send(get("http://localhost:" + std::to_string(server.port()) + "/ok"), HttpHosts::all(), soon());
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().is(ComponentErrc::kDenied)) << denied.error().message();
  EXPECT_EQ(server.count(), 1u);
  EXPECT_EQ(proxy.count(), 0u);

  ScopedEnv dead({{"http_proxy", "http://127.0.0.1:1"}, {"HTTP_PROXY", "http://127.0.0.1:1"}});
  auto again = http.send(get(server.url("/ok")), HttpHosts::only({server.host_port()}), soon());
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(server.count(), 2u);
}

TEST(OutboundHttp, ConcurrentRequestsOnOneClient) {
  TestServer server;
  OutboundHttp http;
  HttpHosts policy = HttpHosts::only({server.host_port()});
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        OutboundRequest req = get(server.url("/echo"));
        req.method = "POST";
        req.body = bytes("t" + std::to_string(t) + "i" + std::to_string(i));
        auto r = http.send(req, policy, soon());
        std::string want = "t" + std::to_string(t) + "i" + std::to_string(i);
        if (r && r->status == 200 && text(r->body).ends_with("\n" + want)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 30);
  EXPECT_EQ(server.count(), 30u);
}

}  // namespace
}  // namespace wavs::component
