// Whole-process measurements of the operator node (bench/node.sh runs this; figures in
// docs/benchmarks.md, "Node"): a real `wavs node` process with a real anvil and the
// forge-built WavsServiceManager, the example component echo-c (or NODE_COMPONENT), and
// an in-process receiver standing in for the aggregators (POST /d/{n}/packets, each n a
// destination of its own, arrival times taken as each request is read).
//
//   latency     one trigger at a time through POST /dev/triggers, timed until its packet
//               reaches the receiver: p50/p90/p99 against the bare component run
//               (component::execute of the same program, in this process) measured in
//               the same run.
//   throughput  NODE_TRIGGERS triggers (10,000) fired as fast as NODE_CLIENTS kept-alive
//               connections (8) can, round-robin over NODE_SERVICES services (4, one
//               destination each): the rate at which they are accepted, completed and
//               delivered, and the node's CPU time per trigger.
//   chain       the same load from the chain: NODE_CHAIN_TXS (2,500) SimpleTrigger events
//               queued in anvil's pool (automine off), then mined into full blocks, each
//               event firing every one of NODE_SERVICES services: delivery rate and CPU
//               per trigger from the first block to the last packet (a fresh node).
//   memory      a fresh node's RSS with 0, 1 and NODE_MEMORY_SERVICES (200) registered
//               services, each with its own Service Manager on anvil.
//
// The node's data directory is under TMPDIR (TMPDIR=/dev/shm: tmpfs, where fsync costs
// nothing, for the fsync-free bound). Other knobs: NODE_LATENCY_TRIGGERS (1,000), NODE_PHASES
// ("latency,throughput,chain,memory"), NODE_LOG_LEVEL (the node's log_level, "info"), NODE_TIER (its tier, "aot":
// compiled at registration, so the runs measured are steady-state native code; the memory
// phase's is NODE_MEMORY_TIER, "interp"), NODE_WRAPPER (a command the
// node is run under, e.g. "valgrind --tool=callgrind --callgrind-out-file=/tmp/node.%p"; its figures are then
// the tool's), WAVS_EXE and WAVS_EXAMPLES_DIR (defaults from the build). Prints Markdown tables and exits 0;
// exits 2 when something it needs is missing.

#include <curl/curl.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anvil.hpp"
#include "chain/http.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "common/test_support.hpp"
#include "component/runner.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "crypto/hd.hpp"
#include "forge_artifacts.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "node_harness.hpp"
#include "runtime/context_pool.hpp"
#include "wasm/wasm.hpp"

namespace {

using namespace wavs;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr const char* kOperatorMnemonic =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::size_t env_count(const char* name, std::size_t fallback) {
  const std::string v = env_or(name, "");
  if (v.empty()) return fallback;
  return static_cast<std::size_t>(std::strtoull(v.c_str(), nullptr, 10));
}

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- statistics ---

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size()));
    return v[std::min(i, v.size() - 1)];
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  return p;
}

// --- the process's own figures, from /proc ---

struct ProcMemory {
  long rss_kib = 0, anon_kib = 0, hwm_kib = 0;
};

ProcMemory memory_of(pid_t pid) {
  ProcMemory m;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    long value = 0;
    if (!(fields >> key >> value)) continue;
    if (key == "VmRSS:") m.rss_kib = value;
    if (key == "RssAnon:") m.anon_kib = value;
    if (key == "VmHWM:") m.hwm_kib = value;
  }
  return m;
}

// User and system CPU time of every thread of `pid`, in seconds.
struct CpuTime {
  double user = 0, system = 0;
  [[nodiscard]] double total() const { return user + system; }
  CpuTime operator-(const CpuTime& o) const { return {user - o.user, system - o.system}; }
};

CpuTime cpu_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  const auto tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {utime / tick, stime / tick};
}

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// --- HTTP client: one kept-alive connection ---

class Client {
 public:
  Client() : easy_(curl_easy_init()) {
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(easy_, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, 60'000L);
    curl_easy_setopt(easy_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Client::on_body);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &body_);
  }
  ~Client() {
    curl_easy_cleanup(easy_);
    curl_slist_free_all(headers_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The status (0 when no answer came); body() holds the answer.
  long post(const std::string& url, const std::string& body) {
    body_.clear();
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return perform();
  }
  long get(const std::string& url) {
    body_.clear();
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    return perform();
  }
  [[nodiscard]] const std::string& body() const { return body_; }

 private:
  long perform() {
    if (curl_easy_perform(easy_) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }
  CURL* easy_;
  curl_slist* headers_ = nullptr;
  std::string body_;
};

// --- the aggregators' side ---

struct Arrival {
  Clock::time_point at;
  std::size_t destination = 0;
  std::string body;
};

class Receiver {
 public:
  Receiver() {
    (void)router_.add({.method = httpd::Method::kPost,
                       .path = "/d/{n}/packets",
                       .handler = [this](const httpd::Request& req) {
                         const auto at = Clock::now();
                         const std::size_t dest =
                             std::strtoull(std::string(req.param("n")).c_str(), nullptr, 10);
                         {
                           std::lock_guard lock(mu_);
                           arrivals_.push_back({at, dest, req.body});
                         }
                         cv_.notify_all();
                         return httpd::Response::json(200, R"({"status":"aggregated"})");
                       }});
    io_.start();
    httpd::ServerConfig config;
    config.port = 0;
    server_ = std::make_unique<httpd::Server>(config, router_, io_, nullptr);
    ok_ = static_cast<bool>(server_->start());
  }
  ~Receiver() { (void)server_->stop(); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string url(std::size_t destination) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/d/" + std::to_string(destination);
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return arrivals_.size();
  }
  // Waits until more than `n` packets arrived; the (n+1)-th, or nothing after `bound`.
  std::optional<Arrival> wait_past(std::size_t n, std::chrono::milliseconds bound) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, bound, [&] { return arrivals_.size() > n; })) return std::nullopt;
    return arrivals_[n];
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds bound) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return arrivals_.size() >= n; });
  }
  std::vector<Arrival> take() {
    std::lock_guard lock(mu_);
    return std::exchange(arrivals_, {});
  }

 private:
  runtime::ContextPool io_{1};
  httpd::Router router_;
  std::unique_ptr<httpd::Server> server_;
  bool ok_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Arrival> arrivals_;
};

// --- chain, node, services ---

struct Chain {
  std::unique_ptr<chain::testing::Anvil> anvil;
  std::unique_ptr<crypto::PrivateKey> owner_key;
  std::unique_ptr<chain::RpcClient> rpc;
  std::unique_ptr<chain::TxSender> owner;
  std::optional<contracts::Artifact> manager_artifact;

  Status start() {
    auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
    if (!mnemonic) return mnemonic.error();
    auto key = crypto::derive_eth_key(*mnemonic, 0);
    if (!key) return key.error();
    owner_key = std::make_unique<crypto::PrivateKey>(*key);
    auto a = chain::testing::Anvil::start();
    if (!a) return a.error();
    anvil = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil->http_url()};
    rpc = std::make_unique<chain::RpcClient>(rc);
    chain::TxSenderConfig tc;
    tc.poll_interval = 5ms;
    tc.receipt_timeout = 60'000ms;
    tc.known_errors = contracts::abi_errors();
    owner = std::make_unique<chain::TxSender>(*rpc, *owner_key, tc);
    auto art = contracts::load_artifact(contracts::testing::out_dir(), "WavsServiceManager");
    if (!art) return art.error();
    manager_artifact = std::move(*art);
    return Status{};
  }

  Result<chain::Address> deploy_manager() {
    return contracts::deploy(*owner, *manager_artifact,
                             contracts::service_manager::encode_constructor(owner_key->address(), {2, 3}));
  }
};

std::string node_toml(const fs::path& data, const Chain& chain, const std::string& tier) {
  std::ostringstream toml;
  toml << "[wavs]\n"
       << "host = \"127.0.0.1\"\nport = 0\n"
       << "data = \"" << data.string() << "\"\n"
       << "signing_mnemonic = \"" << kOperatorMnemonic << "\"\n"
       << "dev_endpoints_enabled = true\n"
       << "log_level = \"" << env_or("NODE_LOG_LEVEL", "info") << "\"\n"
       << "tier = \"" << tier << "\"\n"
       << "[default.chains.evm.31337]\n"
       << "http_endpoint = \"" << chain.anvil->http_url() << "\"\n"
       << "ws_endpoints = [\"" << chain.anvil->ws_url() << "\"]\n"
       << "poll_interval_ms = 1000\n";
  return toml.str();
}

// The node binary, or a script that runs it under NODE_WRAPPER.
fs::path node_exe(const fs::path& dir) {
  const std::string exe = env_or("WAVS_EXE", WAVS_BENCH_EXE);
  const std::string wrapper = env_or("NODE_WRAPPER", "");
  if (wrapper.empty()) return exe;
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path script = dir / "node-wrapper.sh";
  std::ofstream(script) << "#!/bin/sh\nexec " << wrapper << " " << exe << " \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

struct Service {
  chain::Address manager;
  std::string manager_json;  // {"evm": {...}}
};

std::string manager_json_of(const chain::Address& a) {
  return json{{"evm", {{"chain", "evm:31337"}, {"address", a.hex()}}}}.dump();
}

// Deploys a Service Manager, publishes a manifest running `digest` on `trigger` that
// submits to `destination` through the node's dev route, sets the URI, POST /services.
Result<Service> add_service(Chain& chain, const std::string& node_url, const std::string& digest,
                            const std::string& destination, int index, const json& trigger = "manual") {
  auto manager = chain.deploy_manager();
  if (!manager) return manager.error().with_context("deploying a service manager");
  Service s{*manager, manager_json_of(*manager)};
  const json component = {{"source", {{"digest", digest}}},
                          {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
                          {"fuel_limit", 100000000},
                          {"time_limit_seconds", 10},
                          {"config", json::object()},
                          {"env_keys", json::array()}};
  const json workflow = {{"trigger", trigger},
                         {"component", component},
                         {"submit",
                          {{"aggregator",
                            {{"url", destination},
                             {"evm_contracts", {{{"chain", "evm:31337"}, {"address", manager->hex()}}}}}}}}};
  const json manifest = {{"name", "bench-" + std::to_string(index)},
                         {"workflows", {{"default", workflow}}},
                         {"status", "active"},
                         {"manager", json::parse(s.manager_json)}};
  auto posted = node::testing::http("POST", node_url + "/dev/services", manifest.dump());
  if (!posted) return posted.error();
  if (posted->status != 200) return Error(CommonErrc::kIo, "POST /dev/services: " + posted->body);
  contracts::ServiceManager contract(*chain.rpc, *manager);
  auto set = contract.set_service_uri(*chain.owner, json::parse(posted->body).at("uri").get<std::string>());
  if (!set) return set.error().with_context("setServiceURI");
  auto reg = node::testing::http("POST", node_url + "/services",
                                 json{{"service_manager", json::parse(s.manager_json)}}.dump());
  if (!reg) return reg.error();
  if (reg->status != 200) return Error(CommonErrc::kIo, "POST /services: " + reg->body);
  return s;
}

// abi-style 32-byte word: `phase` in the first byte (so phases never repeat an event),
// the counter in the last eight.
Bytes trigger_bytes(std::uint8_t phase, std::uint64_t n) {
  Bytes b(32, 0);
  b[0] = phase;
  for (int i = 31; i >= 24; --i, n >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n);
  return b;
}

std::string fire_body(const Service& s, const Bytes& data) {
  return R"({"service_manager":)" + s.manager_json + R"(,"workflow_id":"default","data":{"raw":")" +
         to_hex(data) + R"("}})";
}

struct NodeUnderTest {
  std::unique_ptr<node::testing::NodeProcess> process;
  std::string digest;
};

Result<NodeUnderTest> start_node(const fs::path& dir, Chain& chain, const fs::path& wasm,
                                 const std::string& tier = env_or("NODE_TIER", "aot")) {
  NodeUnderTest n;
  auto p = node::testing::NodeProcess::start(node_exe(dir), dir, node_toml(dir / "data", chain, tier));
  if (!p) return p.error();
  n.process = std::move(*p);
  auto up = node::testing::http("POST", n.process->url() + "/dev/components", slurp(wasm));
  if (!up) return up.error();
  if (up->status != 200) return Error(CommonErrc::kIo, "POST /dev/components: " + up->body);
  n.digest = json::parse(up->body).at("digest").get<std::string>();
  return n;
}

void print_row(const std::string& what, const Percentiles& p) {
  std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", what.c_str(), p.p50, p.p90, p.p99, p.max,
              p.mean);
}

// --- phases ---

// Each round measures, one after the other, a bare run, an HTTP round trip and a
// trigger, so that all three see the same load of the shared machine.
int latency_phase(NodeUnderTest& n, Receiver& receiver, const Service& s, const fs::path& wasm) {
  const std::size_t count = env_count("NODE_LATENCY_TRIGGERS", 1000);
  const std::size_t warmup = std::min<std::size_t>(50, count);
  const std::string url = n.process->url() + "/dev/triggers";
  const std::string config_url = n.process->url() + "/config";

  // The baseline: the same program run by component::execute here, same trigger data.
  wasm::Engine engine;
  const std::string bytes = slurp(wasm);
  auto program =
      component::load(engine, ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  if (!program) {
    std::fprintf(stderr, "node_load: %s\n", program.error().message().c_str());
    return 1;
  }
  component::WorkflowContext workflow;
  workflow.service_id = service::service_id(service::Manager{{"evm", "31337"}, s.manager});
  workflow.component.fuel_limit = 100'000'000;
  workflow.component.time_limit_seconds = 10;
  component::HostServices services;
  services.log_to_host = false;

  Client client;
  std::vector<double> bare, config, post, total;
  (void)receiver.take();
  std::size_t seen = 0;
  for (std::size_t i = 0; i < warmup + count; ++i) {
    const auto action = workflow.action(component::Raw{trigger_bytes(2, i)});
    const auto b0 = Clock::now();
    auto r = component::execute(*program, action, workflow, services);
    const auto b1 = Clock::now();
    if (!r || !r->ok() || r->responses.size() != 1) {
      std::fprintf(stderr, "node_load: the bare run failed\n");
      return 1;
    }
    const long got = client.get(config_url);
    const auto c1 = Clock::now();
    if (got != 200) {
      std::fprintf(stderr, "node_load: GET /config answered %ld\n", got);
      return 1;
    }
    const std::string body = fire_body(s, trigger_bytes(1, i));
    const auto t0 = Clock::now();
    const long status = client.post(url, body);
    const auto t1 = Clock::now();
    if (status != 200) {
      std::fprintf(stderr, "node_load: POST /dev/triggers answered %ld: %s\n", status, client.body().c_str());
      return 1;
    }
    auto arrival = receiver.wait_past(seen++, 30'000ms);
    if (!arrival) {
      std::fprintf(stderr, "node_load: no packet within 30 s for trigger %zu\n", i);
      return 1;
    }
    if (i >= warmup) {
      bare.push_back(us_between(b0, b1));
      config.push_back(us_between(b1, c1));
      post.push_back(us_between(t0, t1));
      total.push_back(us_between(t0, arrival->at));
    }
  }

  const auto pt = percentiles(total), pp = percentiles(post), pb = percentiles(bare);
  std::printf("\n### Trigger → packet latency (%zu sequential triggers, µs)\n\n", count);
  std::printf("| measured | p50 | p90 | p99 | max | mean |\n|---|---:|---:|---:|---:|---:|\n");
  print_row("`component::execute` alone (baseline)", pb);
  print_row("GET /config (an HTTP round trip alone)", percentiles(config));
  print_row("POST /dev/triggers → its answer (enqueued)", pp);
  print_row("POST /dev/triggers → packet at the receiver", pt);
  std::printf("\nnode overhead above the bare run: p50 +%.0f µs (%.1fx the bare run), p99 +%.0f µs (%.1fx)\n",
              pt.p50 - pb.p50, pt.p50 / pb.p50, pt.p99 - pb.p99, pt.p99 / pb.p99);
  return 0;
}

int throughput_phase(NodeUnderTest& n, Receiver& receiver, const std::vector<Service>& services) {
  const std::size_t total = env_count("NODE_TRIGGERS", 10'000);
  const std::size_t clients = std::max<std::size_t>(1, env_count("NODE_CLIENTS", 8));
  const std::string url = n.process->url() + "/dev/triggers";
  (void)receiver.take();
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> refused{0};
  std::vector<Clock::time_point> last_post(clients);
  const CpuTime node_cpu0 = cpu_of(n.process->pid());
  const double self_cpu0 = self_cpu_seconds();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client;
      for (std::size_t i = next++; i < total; i = next++) {
        const Service& s = services[i % services.size()];
        const long status = client.post(url, fire_body(s, trigger_bytes(3, i)));
        if (status != 200) ++refused;
      }
      last_post[c] = Clock::now();
    });
  }
  for (auto& t : threads) t.join();
  const auto fired_at = *std::max_element(last_post.begin(), last_post.end());
  const std::size_t expected = total - refused.load();
  const auto bound = std::chrono::milliseconds(120'000 + 20 * expected);
  const bool all = receiver.wait_for(expected, bound);
  const auto arrivals = receiver.take();
  const CpuTime node_cpu_split = cpu_of(n.process->pid()) - node_cpu0;
  const double node_cpu = node_cpu_split.total();
  const double self_cpu = self_cpu_seconds() - self_cpu0;
  if (arrivals.empty()) {
    std::fprintf(stderr, "node_load: no packet arrived\n");
    return 1;
  }
  const auto done_at = arrivals.back().at;
  // The steady state: the middle 80 % of the arrivals.
  const std::size_t lo = arrivals.size() / 10, hi = arrivals.size() - 1 - arrivals.size() / 10;
  const double steady = static_cast<double>(hi - lo) / (us_between(arrivals[lo].at, arrivals[hi].at) / 1e6);
  const double fire_s = us_between(start, fired_at) / 1e6;
  const double done_s = us_between(start, done_at) / 1e6;
  std::printf("\n### Sustained load (%zu triggers, %zu services, %zu client connections)\n\n", total,
              services.size(), clients);
  std::printf("| measured | value |\n|---|---:|\n");
  std::printf("| triggers accepted (200) | %zu of %zu |\n", expected, total);
  std::printf("| packets delivered | %zu%s |\n", arrivals.size(), all ? "" : " (bound passed)");
  std::printf("| firing: all POSTs answered | %.2f s (%.0f /s) |\n", fire_s,
              static_cast<double>(expected) / fire_s);
  std::printf("| last packet delivered | %.2f s |\n", done_s);
  std::printf("| **completion rate** (delivered / s, start to last packet) | **%.0f /s** |\n",
              static_cast<double>(arrivals.size()) / done_s);
  std::printf("| steady delivery rate (middle 80 %% of packets) | %.0f /s |\n", steady);
  const double per_trigger = 1e6 / static_cast<double>(arrivals.size());
  std::printf("| node CPU time per trigger (all threads) | %.0f µs: %.0f user + %.0f system |\n",
              node_cpu * per_trigger, node_cpu_split.user * per_trigger, node_cpu_split.system * per_trigger);
  std::printf("| node CPU use (cores busy, start to last packet) | %.2f |\n", node_cpu / done_s);
  std::printf("| load generator + receiver CPU (this process) | %.2f cores |\n", self_cpu / done_s);
  return 0;
}

// Triggers from the chain, the way a deployed service gets them: NODE_CHAIN_TXS (2,500)
// addTrigger transactions wait in anvil's pool (automine off) and are then mined into
// full blocks (30M gas each); every service listens to the one SimpleTrigger, so each
// event fires each of them. Timed from the first block until the last packet arrives.
int chain_phase(NodeUnderTest& n, Chain& chain, Receiver& receiver, const chain::Address& trigger,
                std::size_t services) {
  const std::size_t txs = std::max<std::size_t>(1, env_count("NODE_CHAIN_TXS", 2'500));
  const std::size_t expected = txs * services;
  auto call = [&](const char* method, json params) {
    return chain.rpc->request(method, std::move(params), Clock::now() + 60s);
  };
  if (auto r = call("evm_setAutomine", json::array({false})); !r) {
    std::fprintf(stderr, "node_load: evm_setAutomine: %s\n", r.error().message().c_str());
    return 1;
  }
  (void)receiver.take();
  const std::string from = chain.owner_key->address().hex();
  for (std::size_t i = 0; i < txs; ++i) {
    const Bytes data = contracts::simple_trigger::encode_add_trigger(trigger_bytes(4, i));
    auto sent = call("eth_sendTransaction", json::array({json{{"from", from},
                                                              {"to", trigger.hex()},
                                                              {"gas", "0x30000"},
                                                              {"data", to_hex(data)}}}));
    if (!sent) {
      std::fprintf(stderr, "node_load: eth_sendTransaction %zu: %s\n", i, sent.error().message().c_str());
      return 1;
    }
  }
  const CpuTime node_cpu0 = cpu_of(n.process->pid());
  const double self_cpu0 = self_cpu_seconds();
  const auto start = Clock::now();
  std::size_t blocks = 0;
  for (;; ++blocks) {
    auto pending = call("eth_getBlockByNumber", json::array({"pending", false}));
    if (!pending) {
      std::fprintf(stderr, "node_load: eth_getBlockByNumber: %s\n", pending.error().message().c_str());
      return 1;
    }
    if (!pending->is_object() || pending->value("transactions", json::array()).empty() || blocks > txs) break;
    if (auto mined = call("evm_mine", json::array()); !mined) {
      std::fprintf(stderr, "node_load: evm_mine: %s\n", mined.error().message().c_str());
      return 1;
    }
  }
  const auto mined_at = Clock::now();
  (void)call("evm_setAutomine", json::array({true}));
  const bool all = receiver.wait_for(expected, std::chrono::milliseconds(120'000 + 20 * expected));
  const auto arrivals = receiver.take();
  const CpuTime cpu = cpu_of(n.process->pid()) - node_cpu0;
  const double self_cpu = self_cpu_seconds() - self_cpu0;
  if (arrivals.empty()) {
    std::fprintf(stderr, "node_load: no packet arrived from the chain's events\n");
    return 1;
  }
  const double done_s = us_between(start, arrivals.back().at) / 1e6;
  const std::size_t lo = arrivals.size() / 10, hi = arrivals.size() - 1 - arrivals.size() / 10;
  const double steady = static_cast<double>(hi - lo) / (us_between(arrivals[lo].at, arrivals[hi].at) / 1e6);
  std::printf("\n### From the chain (%zu events in %zu blocks, %zu services on each: %zu triggers)\n\n", txs,
              blocks, services, expected);
  std::printf("| measured | value |\n|---|---:|\n");
  std::printf("| packets delivered | %zu of %zu%s |\n", arrivals.size(), expected, all ? "" : " (bound passed)");
  std::printf("| blocks mined (anvil) | %.2f s |\n", us_between(start, mined_at) / 1e6);
  std::printf("| first packet | %.3f s |\n", us_between(start, arrivals.front().at) / 1e6);
  std::printf("| last packet delivered | %.2f s |\n", done_s);
  std::printf("| **completion rate** (delivered / s, first block to last packet) | **%.0f /s** |\n",
              static_cast<double>(arrivals.size()) / done_s);
  std::printf("| steady delivery rate (middle 80 %% of packets) | %.0f /s |\n", steady);
  const double per_trigger = 1e6 / static_cast<double>(arrivals.size());
  std::printf("| node CPU time per trigger (all threads) | %.0f µs: %.0f user + %.0f system |\n",
              cpu.total() * per_trigger, cpu.user * per_trigger, cpu.system * per_trigger);
  std::printf("| node CPU use (cores busy, first block to last packet) | %.2f |\n", cpu.total() / done_s);
  std::printf("| this process (anvil's client, receiver) | %.2f cores |\n", self_cpu / done_s);
  return all ? 0 : 1;
}

// The module with a custom section naming `index` appended: the same code under another
// digest, so the node stores, compiles and caches it apart.
std::string distinct_copy(const std::string& wasm, std::size_t index) {
  const std::string name = "wavs-bench";
  const std::string payload = std::to_string(index);
  std::string section;
  section.push_back(static_cast<char>(name.size()));
  section += name + payload;
  std::string out = wasm;
  out.push_back('\0');                               // custom section id
  out.push_back(static_cast<char>(section.size()));  // < 128: one LEB128 byte
  return out + section;
}

struct MemoryRun {
  ProcMemory none, one, all;
  double seconds = 0;
};

// A fresh node; RSS with no service, one and `count`. With `own_components` every
// service runs its own copy of the component (uploaded just before it registers).
Result<MemoryRun> memory_run(Chain& chain, const fs::path& dir, const fs::path& wasm, Receiver& receiver,
                             std::size_t count, bool own_components) {
  // The interpreter by default: with a component each, the native tier would compile
  // (and map) 200 copies of it first.
  auto n = start_node(dir, chain, wasm, env_or("NODE_MEMORY_TIER", "interp"));
  if (!n) return n.error();
  const pid_t pid = n->process->pid();
  const std::string bytes = slurp(wasm);
  MemoryRun r;
  std::this_thread::sleep_for(1s);
  r.none = memory_of(pid);
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    std::string digest = n->digest;
    if (own_components) {
      auto up = node::testing::http("POST", n->process->url() + "/dev/components", distinct_copy(bytes, i));
      if (!up) return up.error();
      if (up->status != 200) return Error(CommonErrc::kIo, "POST /dev/components: " + up->body);
      digest = json::parse(up->body).at("digest").get<std::string>();
    }
    auto s = add_service(chain, n->process->url(), digest, receiver.url(100), static_cast<int>(i));
    if (!s) return s.error().with_context("service " + std::to_string(i));
    if (i == 0) {
      std::this_thread::sleep_for(1s);
      r.one = memory_of(pid);
    }
  }
  r.seconds = us_between(t0, Clock::now()) / 1e6;
  std::this_thread::sleep_for(1s);
  r.all = memory_of(pid);
  (void)n->process->terminate();
  return r;
}

int memory_phase(Chain& chain, const fs::path& dir, const fs::path& wasm, Receiver& receiver) {
  const std::size_t count = std::max<std::size_t>(2, env_count("NODE_MEMORY_SERVICES", 200));
  auto shared = memory_run(chain, dir / "shared", wasm, receiver, count, false);
  if (!shared) {
    std::fprintf(stderr, "node_load: %s\n", shared.error().message().c_str());
    return 1;
  }
  auto own = memory_run(chain, dir / "own", wasm, receiver, count, true);
  if (!own) {
    std::fprintf(stderr, "node_load: %s\n", own.error().message().c_str());
    return 1;
  }
  std::printf("\n### Memory per registered service (RSS of the node process, KiB)\n\n");
  std::printf(
      "| registered services | one component for all: VmRSS | RssAnon | a component each: VmRSS | RssAnon |\n"
      "|---|---:|---:|---:|---:|\n");
  std::printf("| 0 (after start, component uploaded) | %ld | %ld | %ld | %ld |\n", shared->none.rss_kib,
              shared->none.anon_kib, own->none.rss_kib, own->none.anon_kib);
  std::printf("| 1 | %ld | %ld | %ld | %ld |\n", shared->one.rss_kib, shared->one.anon_kib, own->one.rss_kib,
              own->one.anon_kib);
  std::printf("| %zu | %ld | %ld | %ld | %ld |\n", count, shared->all.rss_kib, shared->all.anon_kib,
              own->all.rss_kib, own->all.anon_kib);
  const auto per = [&](const MemoryRun& r, bool anon) {
    const long a = anon ? r.all.anon_kib : r.all.rss_kib, b = anon ? r.one.anon_kib : r.one.rss_kib;
    return static_cast<double>(a - b) / static_cast<double>(count - 1);
  };
  std::printf("| **per service beyond the first** | **%.1f** | %.1f | **%.1f** | %.1f |\n",
              per(*shared, false), per(*shared, true), per(*own, false), per(*own, true));
  std::printf(
      "\n%zu registrations (deploy + setServiceURI + POST /services) took %.1f s (%.1f s with uploads)\n",
      count, shared->seconds, own->seconds);
  return 0;
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);  // the receiver's own server logs
  const fs::path examples = env_or("WAVS_EXAMPLES_DIR", WAVS_BENCH_EXAMPLES_DIR);
  const fs::path wasm = examples / (env_or("NODE_COMPONENT", "echo-c") + ".wasm");
  if (!fs::exists(wasm)) {
    std::fprintf(stderr, "node_load: %s not built (cmake --build <dir> --target example_components)\n",
                 wasm.c_str());
    return 2;
  }
  if (!fs::exists(env_or("WAVS_EXE", WAVS_BENCH_EXE))) {
    std::fprintf(stderr, "node_load: the wavs binary is not built\n");
    return 2;
  }
  auto artifacts = contracts::testing::ensure_artifacts();
  if (!artifacts.ready) {
    std::fprintf(stderr, "node_load: contracts: %s%s\n", artifacts.skip_reason.c_str(),
                 artifacts.failure.c_str());
    return 2;
  }
  chain::ensure_curl();
  const std::string phases = env_or("NODE_PHASES", "latency,throughput,chain,memory");
  auto has = [&](const char* p) { return phases.find(p) != std::string::npos; };

  Chain chain;
  if (auto st = chain.start(); !st) {
    std::fprintf(stderr, "node_load: %s\n", st.error().message().c_str());
    return 2;
  }
  Receiver receiver;
  if (!receiver.ok()) {
    std::fprintf(stderr, "node_load: the receiver did not start\n");
    return 2;
  }
  wavs::test::TempDir dir{"wavs-node-load"};
  struct statfs fsinfo {};
  const bool tmpfs =
      ::statfs(dir.path().c_str(), &fsinfo) == 0 && fsinfo.f_type == 0x01021994;  // TMPFS_MAGIC
  std::printf("node_load: %s, %u cores, state under %s (%s), load average at start: %s\n",
              wasm.filename().c_str(), std::thread::hardware_concurrency(), dir.path().c_str(),
              tmpfs ? "tmpfs: fsync is free" : "disk", slurp("/proc/loadavg").substr(0, 14).c_str());
  int rc = 0;
  if (has("latency") || has("throughput")) {
    auto n = start_node(dir.path() / "node", chain, wasm);
    if (!n) {
      std::fprintf(stderr, "node_load: %s\n", n.error().message().c_str());
      return 1;
    }
    const std::size_t count = std::max<std::size_t>(1, env_count("NODE_SERVICES", 4));
    std::vector<Service> services;
    for (std::size_t i = 0; i < count; ++i) {
      auto s = add_service(chain, n->process->url(), n->digest, receiver.url(i), static_cast<int>(i));
      if (!s) {
        std::fprintf(stderr, "node_load: %s\n", s.error().message().c_str());
        return 1;
      }
      services.push_back(std::move(*s));
    }
    if (has("latency") && rc == 0) rc = latency_phase(*n, receiver, services.front(), wasm);
    if (has("throughput") && rc == 0) rc = throughput_phase(*n, receiver, services);
    if (rc == 0) {
      const ProcMemory m = memory_of(n->process->pid());
      std::printf("\nnode RSS after these phases: %ld KiB (peak %ld KiB)\n", m.rss_kib, m.hwm_kib);
    }
    if (n->process->terminate() != 0) std::fprintf(stderr, "node_load: the node did not stop cleanly\n");
    if (rc != 0) {
      const std::string log = n->process->log();
      std::fprintf(stderr, "--- node log (tail) ---\n%s\n",
                   log.substr(log.size() - std::min<std::size_t>(log.size(), 4000)).c_str());
    }
  }
  if (has("chain") && rc == 0) {
    auto n = start_node(dir.path() / "chain-node", chain, wasm);
    if (!n) {
      std::fprintf(stderr, "node_load: %s\n", n.error().message().c_str());
      return 1;
    }
    auto art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleTrigger");
    auto trigger = art ? contracts::deploy(*chain.owner, *art) : Result<chain::Address>(art.error());
    if (!trigger) {
      std::fprintf(stderr, "node_load: SimpleTrigger: %s\n", trigger.error().message().c_str());
      return 1;
    }
    const json event = {{"evm_contract_event",
                         {{"address", trigger->hex()},
                          {"chain", "evm:31337"},
                          {"event_hash", contracts::event_topic<contracts::NewTrigger>().hex()}}}};
    const std::size_t count = std::max<std::size_t>(1, env_count("NODE_SERVICES", 4));
    for (std::size_t i = 0; i < count && rc == 0; ++i) {
      auto s = add_service(chain, n->process->url(), n->digest, receiver.url(200 + i), static_cast<int>(100 + i),
                           event);
      if (!s) {
        std::fprintf(stderr, "node_load: %s\n", s.error().message().c_str());
        rc = 1;
      }
    }
    if (rc == 0) rc = chain_phase(*n, chain, receiver, *trigger, count);
    if (n->process->terminate() != 0) std::fprintf(stderr, "node_load: the node did not stop cleanly\n");
    if (rc != 0) {
      const std::string log = n->process->log();
      std::fprintf(stderr, "--- node log (tail) ---\n%s\n",
                   log.substr(log.size() - std::min<std::size_t>(log.size(), 4000)).c_str());
    }
  }
  if (has("memory") && rc == 0) rc = memory_phase(chain, dir.path() / "memory", wasm, receiver);
  return rc;
}
