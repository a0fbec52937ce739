#include "node/fetch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/hash.hpp"

namespace wavs::node {
namespace {

using namespace std::chrono_literals;

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};
  bool close_delimited = false;  // no Content-Length: the body ends when the connection does
};

// A small HTTP/1.1 server on 127.0.0.1 and an ephemeral port: one thread accepts, one
// thread per connection answers one request (routed by `route` on the request target)
// and closes.
class TestServer {
 public:
  using Route = std::function<Reply(const std::string& target)>;

  explicit TestServer(Route route) : route_(std::move(route)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
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

  [[nodiscard]] std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string url(std::string_view path) const { return origin() + std::string(path); }
  [[nodiscard]] int requests() const { return requests_; }

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

  void serve(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string buf;
    while (buf.find("\r\n\r\n") == std::string::npos) {
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0 || buf.size() > (1 << 16)) return;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    ++requests_;
    auto sp1 = buf.find(' ');
    auto sp2 = buf.find(' ', sp1 + 1);
    Reply reply = route_(buf.substr(sp1 + 1, sp2 - sp1 - 1));
    for (auto waited = 0ms; waited < reply.delay && !stop_; waited += 10ms) std::this_thread::sleep_for(10ms);
    if (stop_ && reply.delay > 0ms) return;
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Whatever\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    if (!reply.close_delimited) out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + reply.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client gave up (over its cap)
      sent += static_cast<std::size_t>(n);
    }
  }

  Route route_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
};

constexpr std::string_view kManagerAddress = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

std::string manifest_json(std::string_view manager_address = kManagerAddress, std::string_view source = "",
                          std::string_view fuel = "1000") {
  std::string src =
      source.empty() ? std::string("{\"digest\":\"") + std::string(64, '0') + "\"}" : std::string(source);
  return std::string(R"({"name":"t","workflows":{"default":{"trigger":"manual","component":{"source":)") +
         src + R"(,"fuel_limit":)" + std::string(fuel) +
         R"(},"submit":"none"}},"status":"active","manager":{"evm":{"chain":"evm:31337","address":")" +
         std::string(manager_address) + "\"}}}";
}

service::Manager manager(std::string_view address = kManagerAddress) {
  service::Manager m;
  m.chain = *service::parse_chain_key("evm:31337");
  m.address = *service::Address::from_hex(address);
  return m;
}

// A minimal WebAssembly binary (header only), distinct per `tag`.
std::string wasm_bytes(std::uint8_t tag) {
  std::string b("\0asm\x01\0\0\0", 8);
  // A custom section: id 0, size, name length 1, name, one byte of content.
  b += std::string{'\0', '\x03', '\x01', 'x', static_cast<char>(tag)};
  return b;
}

std::string hex_digest(const std::string& bytes) {
  return crypto::sha256(as_bytes(bytes)).hex(HexPrefix::kNone);
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("wavs-fetch-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Reply manifest_routes(const std::string& target) {
  Reply r;
  if (target == "/service.json" || target.rfind("/service.json?", 0) == 0) {
    r.body = manifest_json();
  } else if (target == "/other-manager.json") {
    r.body = manifest_json("0x0000000000000000000000000000000000000001");
  } else if (target == "/bad-fuel.json") {
    r.body = manifest_json(kManagerAddress, "", "-1");
  } else if (target == "/not-json") {
    r.body = "{\"name\": ";
  } else if (target.rfind("/status/", 0) == 0) {
    r.status = std::stoi(target.substr(8));
  } else if (target == "/big") {
    r.body.assign(2 << 20, ' ');
  } else if (target == "/big-unannounced") {
    r.body.assign(2 << 20, ' ');
    r.close_delimited = true;
  } else if (target == "/slow") {
    r.delay = 10'000ms;
    r.body = manifest_json();
  } else if (target == "/redirect") {
    r.status = 302;
    r.headers = {{"Location", "/service.json"}};
  } else if (target == "/redirect-ftp") {
    r.status = 302;
    r.headers = {{"Location", "ftp://127.0.0.1/service.json"}};
  } else if (target == "/ipfs/bafyexamplecid/service.json") {
    r.body = manifest_json();
  } else {
    r.status = 404;
  }
  return r;
}

TEST(Fetch, ManifestOverHttp) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});
  auto got = fetcher.fetch_manifest(server.url("/service.json"), manager());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->manifest.name, "t");
  EXPECT_EQ(got->json, manifest_json());
  EXPECT_EQ(got->hash, service::manifest_hash(manifest_json()));
  // A redirect to http(s) is followed.
  auto redirected = fetcher.fetch_manifest(server.url("/redirect"), manager());
  ASSERT_TRUE(redirected) << redirected.error().message();
  EXPECT_EQ(redirected->hash, got->hash);
}

TEST(Fetch, WrongManagerIsRefused) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});
  auto got = fetcher.fetch_manifest(server.url("/other-manager.json"), manager());
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(NodeErrc::kWrongManager)) << got.error().message();
  EXPECT_NE(got.error().message().find("0x0000000000000000000000000000000000000001"), std::string::npos);
  EXPECT_NE(got.error().message().find("/other-manager.json"), std::string::npos);
}

TEST(Fetch, BadManifestNamesTheJsonPath) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});
  auto bad = fetcher.fetch_manifest(server.url("/bad-fuel.json"), manager());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(service::ServiceErrc::kBadManifest)) << bad.error().message();
  EXPECT_NE(bad.error().message().find("workflows.default.component.fuel_limit"), std::string::npos)
      << bad.error().message();
  EXPECT_NE(bad.error().message().find("/bad-fuel.json"), std::string::npos);

  auto not_json = fetcher.fetch_manifest(server.url("/not-json"), manager());
  ASSERT_FALSE(not_json);
  EXPECT_TRUE(not_json.error().is(service::ServiceErrc::kBadJson)) << not_json.error().message();
}

TEST(Fetch, BadStatusNamesTheUriWithoutSecrets) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});
  std::string url =
      "http://operator:hunter2@127.0.0.1:" + server.url("/status/503?apikey=SECRETKEY").substr(17);
  auto got = fetcher.fetch_manifest(url, manager());
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(NodeErrc::kHttpStatus)) << got.error().message();
  const std::string message = got.error().message();
  EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
  EXPECT_NE(message.find(server.url("/status/503")), std::string::npos) << message;
  EXPECT_EQ(message.find("SECRETKEY"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_EQ(message.find("operator"), std::string::npos) << message;
}

TEST(Fetch, SizeCap) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});  // 1 MiB for manifests
  for (const char* path : {"/big", "/big-unannounced"}) {
    auto got = fetcher.fetch_manifest(server.url(path), manager());
    ASSERT_FALSE(got) << path;
    EXPECT_TRUE(got.error().is(NodeErrc::kTooLarge)) << path << ": " << got.error().message();
  }
  FetcherConfig small;
  small.limits.max_manifest_bytes = 100;
  auto capped = Fetcher(small).fetch_manifest(server.url("/service.json"), manager());
  ASSERT_FALSE(capped);
  EXPECT_TRUE(capped.error().is(NodeErrc::kTooLarge)) << capped.error().message();
}

TEST(Fetch, Timeout) {
  TestServer server(manifest_routes);
  FetcherConfig config;
  config.limits.manifest_timeout = 300ms;
  Fetcher fetcher(config);
  auto got = fetcher.fetch_manifest(server.url("/slow"), manager());
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(NodeErrc::kTimeout)) << got.error().message();
}

TEST(Fetch, StopTokenCancels) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});  // 30 s timeout: only the token can end the wait early
  std::stop_source stop;
  std::thread stopper([&] {
    while (server.requests() == 0) std::this_thread::sleep_for(5ms);
    stop.request_stop();
  });
  auto got = fetcher.fetch_manifest(server.url("/slow"), manager(), stop.get_token());
  stopper.join();
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(NodeErrc::kStopped)) << got.error().message();

  // A token already stopped sends nothing.
  int before = server.requests();
  auto early = fetcher.fetch_manifest(server.url("/service.json"), manager(), stop.get_token());
  ASSERT_FALSE(early);
  EXPECT_TRUE(early.error().is(NodeErrc::kStopped));
  EXPECT_EQ(server.requests(), before);
}

TEST(Fetch, RedirectToAnotherSchemeIsRefused) {
  TestServer server(manifest_routes);
  Fetcher fetcher({});
  auto got = fetcher.fetch_manifest(server.url("/redirect-ftp"), manager());
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is(NodeErrc::kBadUri)) << got.error().message();
}

TEST(Fetch, OtherSchemesAreRefused) {
  Fetcher fetcher({});
  for (const char* uri : {"file:///etc/passwd", "ftp://example.com/x", "/etc/passwd", "gopher://x", ""}) {
    auto got = fetcher.fetch_manifest(uri, manager());
    ASSERT_FALSE(got) << uri;
    EXPECT_TRUE(got.error().is(NodeErrc::kBadUri)) << uri << ": " << got.error().message();
  }
  auto refused = fetcher.fetch_manifest("http://127.0.0.1:1/service.json", manager());
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(NodeErrc::kTransport)) << refused.error().message();
}

TEST(Fetch, IpfsGoesThroughTheGateway) {
  TestServer server(manifest_routes);
  FetcherConfig config;
  config.ipfs_gateway = server.url("/ipfs/");
  Fetcher fetcher(config);
  auto got = fetcher.fetch_manifest("ipfs://bafyexamplecid/service.json", manager());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->manifest.name, "t");

  auto missing = fetcher.fetch_manifest("ipfs://bafyothercid", manager());
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(NodeErrc::kHttpStatus));
  EXPECT_NE(missing.error().message().find("ipfs://bafyothercid"), std::string::npos)
      << missing.error().message();

  auto no_gateway = Fetcher({}).fetch_manifest("ipfs://bafyexamplecid", manager());
  ASSERT_FALSE(no_gateway);
  EXPECT_TRUE(no_gateway.error().is(NodeErrc::kBadUri));
}

TEST(IpfsGatewayUrl, Construction) {
  EXPECT_EQ(*ipfs_gateway_url("https://gateway.pinata.cloud/ipfs/",
                              "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"),
            "https://gateway.pinata.cloud/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG");
  EXPECT_EQ(*ipfs_gateway_url("https://ipfs.io/ipfs", "ipfs://bafy123/dir/service.json"),
            "https://ipfs.io/ipfs/bafy123/dir/service.json");
  EXPECT_EQ(*ipfs_gateway_url("http://127.0.0.1:8080/ipfs//", "IPFS://ipfs/bafy123"),
            "http://127.0.0.1:8080/ipfs/bafy123");
  for (const char* bad :
       {"ipfs://", "ipfs:///x", "ipfs://bafy/../../etc", "ipfs://bafy/a?b", "ipfs://bafy/a#b", "ipfs://ba-fy",
        "ipfs://bafy/a b", "ipfs://bafy/./x", "https://bafy"}) {
    auto r = ipfs_gateway_url("https://ipfs.io/ipfs/", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(NodeErrc::kBadUri)) << bad;
  }
  EXPECT_FALSE(ipfs_gateway_url("ftp://gateway/", "ipfs://bafy123"));
  EXPECT_FALSE(ipfs_gateway_url("", "ipfs://bafy123"));
  EXPECT_FALSE(ipfs_gateway_url("https://ipfs.io/", "ipfs://" + std::string(129, 'a')));
}

TEST(UriForErrors, DropsCredentialsQueryAndFragment) {
  EXPECT_EQ(uri_for_errors("https://user:pw@host:8443/a/b?key=1#f"), "https://host:8443/a/b");
  EXPECT_EQ(uri_for_errors("HTTP://Host/x"), "http://Host/x");
  EXPECT_EQ(uri_for_errors("http://host?token=1"), "http://host");
  EXPECT_EQ(uri_for_errors("ipfs://bafy/x"), "ipfs://bafy/x");
  EXPECT_EQ(uri_for_errors("secret@file?x"), "file");
  EXPECT_EQ(uri_for_errors("http://h/\n"), "http://h/?");
  EXPECT_LE(uri_for_errors("http://h/" + std::string(1000, 'a')).size(), 300u);
}

TEST(Fetch, DevRouteIsAnsweredLocally) {
  Fetcher fetcher({});
  const std::string json = manifest_json();
  const Hash256 hash = service::manifest_hash(json);
  int lookups = 0;
  fetcher.set_dev_source(
      [&](const Hash256& h) -> std::optional<std::string> {
        ++lookups;
        if (h == hash) return json;
        if (h.is_zero()) return std::string("not the manifest");
        return std::nullopt;
      },
      {"http://127.0.0.1:1/", "http://localhost:1"});
  // Port 1 has no server: only the local lookup can answer.
  auto got =
      fetcher.fetch_manifest("http://localhost:1/dev/services/" + hash.hex(HexPrefix::kNone), manager());
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->hash, hash);
  EXPECT_EQ(lookups, 1);

  auto missing =
      fetcher.fetch_manifest("http://127.0.0.1:1/dev/services/" + std::string(63, '0') + "1", manager());
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(NodeErrc::kNotFound)) << missing.error().message();

  auto mismatch =
      fetcher.fetch_manifest("http://127.0.0.1:1/dev/services/" + std::string(64, '0'), manager());
  ASSERT_FALSE(mismatch);
  EXPECT_TRUE(mismatch.error().is(NodeErrc::kDigestMismatch)) << mismatch.error().message();

  auto bad_hash = fetcher.fetch_manifest("http://127.0.0.1:1/dev/services/xyz", manager());
  ASSERT_FALSE(bad_hash);
  EXPECT_TRUE(bad_hash.error().is(NodeErrc::kBadUri));

  // Another origin goes over the network.
  auto remote =
      fetcher.fetch_manifest("http://127.0.0.1:2/dev/services/" + hash.hex(HexPrefix::kNone), manager());
  ASSERT_FALSE(remote);
  EXPECT_TRUE(remote.error().is(NodeErrc::kTransport)) << remote.error().message();
  EXPECT_EQ(lookups, 3);
}

TEST(FetchComponents, DownloadIsCheckedAgainstItsDigest) {
  const std::string good = wasm_bytes(1);
  const std::string other = wasm_bytes(2);
  TestServer server([&](const std::string& target) {
    Reply r;
    if (target == "/good.wasm")
      r.body = good;
    else if (target == "/other.wasm")
      r.body = other;
    else if (target == "/not-wasm")
      r.body = "hello";
    else
      r.status = 404;
    return r;
  });
  TempDir dir;
  auto store = component::ComponentStore::open(dir.path() / "components");
  ASSERT_TRUE(store);
  Fetcher fetcher({});

  service::ComponentSource download;
  download.kind = service::ComponentSource::Kind::kDownload;
  download.uri = server.url("/good.wasm");
  download.digest = crypto::sha256(as_bytes(good));
  auto digest = fetcher.fetch_component(download, **store);
  ASSERT_TRUE(digest) << digest.error().message();
  EXPECT_EQ(*digest, download.digest);
  auto stored = (*store)->get(*digest);
  ASSERT_TRUE(stored);
  EXPECT_EQ(std::string(stored->begin(), stored->end()), good);

  // In the store now: not downloaded again.
  int before = server.requests();
  EXPECT_TRUE(fetcher.fetch_component(download, **store));
  EXPECT_EQ(server.requests(), before);

  // Bytes that hash to something else are refused and not stored.
  service::ComponentSource swapped = download;
  swapped.uri = server.url("/other.wasm");
  swapped.digest = crypto::sha256(as_bytes(wasm_bytes(3)));
  auto bad = fetcher.fetch_component(swapped, **store);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(NodeErrc::kDigestMismatch)) << bad.error().message();
  EXPECT_NE(bad.error().message().find(hex_digest(other)), std::string::npos);
  EXPECT_FALSE((*store)->contains(crypto::sha256(as_bytes(other))));

  // Matching bytes that are not WebAssembly: the store refuses them.
  service::ComponentSource text = download;
  text.uri = server.url("/not-wasm");
  text.digest = crypto::sha256(as_bytes(std::string("hello")));
  auto refused = fetcher.fetch_component(text, **store);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(NodeErrc::kStore)) << refused.error().message();

  // Over the component cap.
  FetcherConfig small;
  small.limits.max_component_bytes = 4;
  service::ComponentSource fresh = download;
  fresh.uri = server.url("/other.wasm");
  fresh.digest = crypto::sha256(as_bytes(other));
  auto capped = Fetcher(small).fetch_component(fresh, **store);
  ASSERT_FALSE(capped);
  EXPECT_TRUE(capped.error().is(NodeErrc::kTooLarge)) << capped.error().message();
}

TEST(FetchComponents, DigestSourcesComeFromTheStore) {
  TempDir dir;
  auto store = component::ComponentStore::open(dir.path() / "components");
  ASSERT_TRUE(store);
  Fetcher fetcher({});
  const std::string bytes = wasm_bytes(5);
  service::ComponentSource source;
  source.kind = service::ComponentSource::Kind::kDigest;
  source.digest = crypto::sha256(as_bytes(bytes));

  auto absent = fetcher.fetch_component(source, **store);
  ASSERT_FALSE(absent);
  EXPECT_TRUE(absent.error().is(NodeErrc::kNotFound)) << absent.error().message();

  ASSERT_TRUE((*store)->put(as_bytes(bytes)));
  auto present = fetcher.fetch_component(source, **store);
  ASSERT_TRUE(present) << present.error().message();
  EXPECT_EQ(*present, source.digest);

  service::ComponentSource registry;
  registry.kind = service::ComponentSource::Kind::kRegistry;
  registry.package = "wavs:echo";
  registry.digest = crypto::sha256(as_bytes(wasm_bytes(6)));
  auto unsupported = fetcher.fetch_component(registry, **store);
  ASSERT_FALSE(unsupported);
  EXPECT_TRUE(unsupported.error().is(NodeErrc::kUnsupported));
  // A registry source already in the store is used as is.
  ASSERT_TRUE((*store)->put(as_bytes(wasm_bytes(6))));
  EXPECT_TRUE(fetcher.fetch_component(registry, **store));
}

TEST(FetchComponents, EveryWorkflowOnceAndFailuresNameTheWorkflow) {
  const std::string good = wasm_bytes(7);
  TestServer server([&](const std::string& target) {
    Reply r;
    if (target == "/good.wasm")
      r.body = good;
    else
      r.status = 404;
    return r;
  });
  TempDir dir;
  auto store = component::ComponentStore::open(dir.path() / "components");
  ASSERT_TRUE(store);
  Fetcher fetcher({});
  std::string source =
      R"({"download":{"uri":")" + server.url("/good.wasm") + R"(","digest":")" + hex_digest(good) + "\"}}";
  auto m = service::parse_manifest(manifest_json(kManagerAddress, source));
  ASSERT_TRUE(m) << m.error().message();
  m->workflows["second"] = m->workflows["default"];
  auto digests = fetcher.fetch_components(*m, **store);
  ASSERT_TRUE(digests) << digests.error().message();
  ASSERT_EQ(digests->size(), 1u);
  EXPECT_EQ((*digests)[0].hex(HexPrefix::kNone), hex_digest(good));

  m->workflows["third"].component.source.kind = service::ComponentSource::Kind::kDownload;
  m->workflows["third"].component.source.uri = server.url("/missing.wasm");
  auto failed = fetcher.fetch_components(*m, **store);
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(NodeErrc::kHttpStatus));
  EXPECT_EQ(failed.error().detail().rfind("workflows.third.component.source: ", 0), 0u)
      << failed.error().message();
}

}  // namespace
}  // namespace wavs::node
