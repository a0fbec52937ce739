// The daemon's structured shutdown against everything that can hold it up: a component
// spinning in guest code, components waiting in host calls on a JSON-RPC endpoint and an
// HTTP server that accepted their requests and never answer, a direct RPC call, and a
// log stream polling the hung endpoint. SIGTERM must end it all within the 2 s bound,
// with no thread left behind (the test also runs under ASan + UBSan).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/log_stream.hpp"
#include "chain/rpc_client.hpp"
#include "component/chains.hpp"
#include "component/outbound_http.hpp"
#include "component/runner.hpp"
#include "net_helpers.hpp"
#include "common/test_support.hpp"
#include "runtime/daemon.hpp"
#include "wasi/test_support.hpp"
#include "wasi/watchdog.hpp"

namespace wavs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using test::thread_count;

std::optional<Bytes> example(const std::string& name) {
  auto path = std::filesystem::path(WAVS_EXAMPLES_DIR) / (name + ".wasm");
  if (!std::filesystem::exists(path)) return std::nullopt;
  return wasi::test::read_file(path);
}

struct Outcomes {
  std::mutex mu;
  std::vector<std::string> lines;  // "<what>: <outcome>"
  std::atomic<int> started{0};
  void add(std::string line) {
    std::lock_guard lock(mu);
    lines.push_back(std::move(line));
  }
};

TEST(Shutdown, SigtermEndsEveryWaitWithinTheBoundAndLeavesNoThread) {
  auto http_fetch = example("http-fetch-c");
  auto chain_read = example("chain-read-c");
  if (!http_fetch || !chain_read) GTEST_SKIP() << "example components not built (no clang-19 for wasm32-wasi)";
  Bytes spin_wasm = wasi::test::wat(R"((module (memory (export "memory") 1) (func (export "_start") (loop br 0))))");
  ASSERT_FALSE(spin_wasm.empty()) << "wat2wasm failed";

  // Threads that live for the process (the sandbox's watchdog) start before the count.
  {
    std::atomic<bool> flag{false};
    wasi::Watchdog::Ticket warm(wasi::Watchdog::shared(), Clock::now() + 1h, &flag);
  }
  const std::size_t threads_before = thread_count();

  Outcomes out;
  std::chrono::nanoseconds took{};
  {
    chain::testing::ScriptedServer rpc_server([](const std::string&) { return chain::testing::Reply::hang(); });
    chain::testing::SilentListener http_server;

    wasm::Engine engine;
    auto spin = component::load(engine, spin_wasm);
    auto fetch = component::load(engine, *http_fetch);
    auto read = component::load(engine, *chain_read);
    ASSERT_TRUE(spin && fetch && read);

    component::OutboundHttp http;
    component::Chains chains;
    ASSERT_TRUE(chains.add("evm:31337", {rpc_server.url()}));
    component::HostServices services;
    services.http = &http;
    services.chains = &chains;
    services.caps.time = std::chrono::seconds(60);  // far beyond the test: only shutdown ends the runs

    auto workflow_for = [](std::string id, std::map<std::string, std::string, std::less<>> config,
                           service::HttpHosts hosts) {
      component::WorkflowContext w;
      w.service_id[31] = 7;
      w.workflow_id = std::move(id);
      w.component.config = std::move(config);
      w.component.allowed_http_hosts = std::move(hosts);
      w.component.time_limit_seconds = 60;
      return w;
    };
    const auto spin_wf = workflow_for("spin", {}, service::HttpHosts::none());
    const auto fetch_wf = workflow_for("fetch", {{"url", "http://" + http_server.host_port() + "/price"}},
                                       service::HttpHosts::only({http_server.host_port()}));
    const auto read_wf = workflow_for(
        "read", {{"contract", "0x" + std::string(40, '1')}, {"chain", "evm:31337"}}, service::HttpHosts::none());

    runtime::DaemonConfig config;
    config.io_threads = 2;
    config.workers.threads = 4;
    config.workers.queue_capacity = 16;
    config.shutdown_bound = 2s;
    runtime::Daemon daemon(config);
    daemon.start();
    const auto token = daemon.stop_token();

    auto submit_run = [&](const char* what, const wasi::Program& program, const component::WorkflowContext& wf) {
      auto st = daemon.workers().try_submit([&, what](std::stop_token cancel) {
        ++out.started;
        auto action = wf.action(component::Raw{Bytes{1, 2, 3}});
        auto r = component::execute(program, action, wf, services, cancel);
        out.add(std::string(what) + ": " +
                (r ? std::string(component::to_string(r->outcome)) + " " + r->error : r.error().message()));
      });
      ASSERT_TRUE(st) << st.error().message();
    };
    submit_run("spin", *spin, spin_wf);
    submit_run("http", *fetch, fetch_wf);
    submit_run("chain", *read, read_wf);

    // A daemon-level RPC client, cancelled through its config.
    chain::RpcConfig rpc_config;
    rpc_config.http_endpoints = {rpc_server.url()};
    rpc_config.request_timeout = 30s;
    rpc_config.call_deadline = 60s;
    rpc_config.cancel = token;
    chain::RpcClient rpc(rpc_config);
    ASSERT_TRUE(daemon.workers().try_submit([&](std::stop_token) {
      ++out.started;
      auto r = rpc.block_number();
      out.add(std::string("rpc: ") + (r ? "answered" : r.error().message()));
    }));

    // A log stream on the hung endpoint, with the token and as a stopper.
    chain::LogStreamConfig stream_config;
    stream_config.start_block = 1;
    stream_config.cancel = token;
    chain::RpcConfig stream_rpc = rpc_config;
    stream_rpc.cancel = {};  // the stream's own token path is what is tested here
    chain::LogStream stream(stream_rpc, std::nullopt, stream_config,
                            [](const chain::LogBatch&) { return Status{}; });
    ASSERT_TRUE(stream.start());
    daemon.add_stopper("log stream evm:31337", [&] { stream.stop(); });

    // Let every part reach its wait: runs in guest code or host calls, the exchanges
    // accepted by the servers.
    const auto until = Clock::now() + 20s;
    while (out.started < 4 && Clock::now() < until) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(out.started.load(), 4);
    std::this_thread::sleep_for(300ms);
    EXPECT_GT(thread_count(), threads_before);

    const auto t0 = Clock::now();
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    auto st = daemon.run();
    took = Clock::now() - t0;
    EXPECT_TRUE(st) << st.error().message();
    EXPECT_EQ(daemon.stop_signal(), SIGTERM);
  }
  EXPECT_LT(took, 2s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";

  std::vector<std::string> lines = out.lines;
  std::sort(lines.begin(), lines.end());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].rfind("chain: cancelled", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("http: cancelled", 0), 0u) << lines[1];
  EXPECT_NE(lines[2].find("rpc: stopped"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].rfind("spin: cancelled", 0), 0u) << lines[3];

  // Everything the harness started has ended (curl's resolver threads included).
  const auto until = Clock::now() + 2s;
  while (thread_count() > threads_before && Clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(thread_count(), threads_before);
}

}  // namespace
}  // namespace wavs
