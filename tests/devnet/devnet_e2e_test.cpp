// `wavs devnet` as a user runs it: the binary started as a child process, which starts
// its own anvil, deploys, and runs `wavs node` and `wavs aggregator` processes. With
// --once it must print the square of its input; in the background it must serve a
// trigger sent independently with cast (read back with cast), then stop everything it
// started on SIGTERM. Nothing here is a mock: the only parts are the binary, anvil, the
// forge artifacts and the example component.

#include <gtest/gtest.h>
#include <signal.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/child_process.hpp"
#include "common/test_support.hpp"
#include "artifacts_test.hpp"
#include "forge_artifacts.hpp"

namespace wavs::devnet_test {
namespace {

namespace fs = std::filesystem;
using cli::ChildProcess;
using nlohmann::json;
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A shell command's stdout (bounded by `timeout` in the command itself).
std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

bool gone(int pid) { return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH; }

// Until `done` holds or `bound` passes, polling every 100 ms.
template <class F>
bool eventually(F done, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// Waits (bounded) for the child to end; its exit code, or -1 when it did not.
int wait_exit(ChildProcess& child, std::chrono::milliseconds bound) {
  if (!eventually([&] { return !child.running(); }, bound)) return -1;
  return child.exit_code().value_or(-1);
}

class DevnetE2E : public contracts::testing::ArtifactsTest {
 protected:
  void SetUp() override {
    const fs::path bin = contracts::testing::source_root() / "node_modules" / ".bin";
    if (!fs::exists(bin / "anvil")) GTEST_SKIP() << "anvil is not installed (run scripts/setup)";
    contracts::testing::ArtifactsTest::SetUp();
    if (artifacts_unusable()) return;
    if (!fs::exists(fs::path(WAVS_EXAMPLES_DIR) / "square-c.wasm")) {
      GTEST_SKIP() << "square-c.wasm was not built (no clang-19)";
    }
    cast_ = bin / "cast";
    ASSERT_FALSE(dir_.path().empty());
  }

  void TearDown() override {
    if (HasFailure() && devnet_)
      std::cerr << "--- wavs devnet output ---\n" << devnet_->log_tail(20000) << "\n";
    devnet_.reset();  // SIGKILL if still running; its children die with it (PR_SET_PDEATHSIG)
  }

  void start_devnet(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {WAVS_EXE, "devnet"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::spawn({.argv = argv, .log = dir_.path() / "devnet.out", .env = std::nullopt});
    ASSERT_TRUE(child) << child.error().message();
    devnet_ = std::make_unique<ChildProcess>(std::move(*child));
  }

  std::string output() const { return slurp(dir_.path() / "devnet.out"); }

  // Every EnvelopeHandled log of `submit`, as cast reads them.
  json handled(const json& state) const {
    const std::string cmd =
        "timeout 30 " + cast_.string() + " logs --json --from-block 0 --to-block latest --address " +
        state.at("submit").get<std::string>() + " 'EnvelopeHandled(bytes20,bytes12,bytes)' --rpc-url " +
        state.at("rpc_url").get<std::string>() + " 2>/dev/null";
    auto doc = json::parse(run_command(cmd), nullptr, false);
    return doc.is_array() ? doc : json::array();
  }

  test::TempDir dir_{"wavs-devnet-e2e"};
  fs::path cast_;
  std::unique_ptr<ChildProcess> devnet_;
};


TEST_F(DevnetE2E, OnceLandsTheSquareOfSevenAndStopsEverything) {
  const fs::path net = dir_.path() / "net";
  start_devnet({"--once", "--operators", "3", "--aggregators", "1", "--dir", net.string()});
  ASSERT_EQ(wait_exit(*devnet_, 180'000ms), 0) << output();
  const std::string out = output();
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\npayload +49 )"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(trigger tx +0x[0-9a-f]{64})"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(submit tx +0x[0-9a-f]{64})"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(event id +0x[0-9a-f]{40})"))) << out;
  // Every process it listed (anvil, the aggregator, three nodes) is gone, and so is the state file.
  const std::regex pid_re(R"(\n  [^\n]*\(pid (\d+))");  // the summary lines
  int listed = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), pid_re); it != std::sregex_iterator(); ++it) {
    ++listed;
    EXPECT_TRUE(gone(std::stoi((*it)[1]))) << (*it)[0];
  }
  EXPECT_EQ(listed, 5) << out;
  EXPECT_FALSE(fs::exists(net / "devnet.json"));
  // The operators' mnemonics are private to their owner.
  for (int i = 0; i < 3; ++i) {
    const auto perms = fs::status(net / ("node-" + std::to_string(i)) / "mnemonic").permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << i;
  }
}

TEST_F(DevnetE2E, InTheBackgroundItServesATriggerSentWithCastAndStopsOnSigterm) {
  if (!fs::exists(cast_)) GTEST_SKIP() << "cast is not installed (run scripts/setup)";
  const fs::path state_file = dir_.path() / "state.json";
  start_devnet({"--operators", "3", "--aggregators", "2", "--dir", (dir_.path() / "net").string(), "--state",
                state_file.string()});
  ASSERT_TRUE(eventually([&] { return fs::exists(state_file) || !devnet_->running(); }, 180'000ms))
      << "no state file";
  ASSERT_TRUE(fs::exists(state_file)) << "the devnet exited: " << output();
  const json state = json::parse(slurp(state_file), nullptr, false);
  ASSERT_TRUE(state.is_object()) << slurp(state_file);
  for (const char* key : {"rpc_url", "chain_id", "service_manager", "trigger", "submit", "service_id",
                          "funded_key", "nodes", "aggregators"}) {
    EXPECT_TRUE(state.contains(key)) << key;
  }
  ASSERT_EQ(state.at("nodes").size(), 3u);
  ASSERT_EQ(state.at("aggregators").size(), 2u);
  std::vector<int> pids;
  for (const char* list : {"nodes", "aggregators"}) {
    for (const auto& d : state.at(list)) pids.push_back(d.at("pid").get<int>());
  }
  pids.push_back(state.at("anvil").at("pid").get<int>());

  // A trigger from outside, with the funded key the state file gives.
  const std::string input = run_command("timeout 30 " + cast_.string() + " abi-encode 'f(uint256)' 5");
  ASSERT_TRUE(input.starts_with("0x")) << input;
  const std::string send = "timeout 60 " + cast_.string() + " send " +
                           state.at("trigger").get<std::string>() + " 'addTrigger(bytes)' " +
                           input.substr(0, input.find('\n')) + " --rpc-url " +
                           state.at("rpc_url").get<std::string>() + " --private-key " +
                           state.at("funded_key").get<std::string>() + " 2>&1";
  const std::string sent = run_command(send);
  ASSERT_NE(sent.find("1 (success)"), std::string::npos) << sent;

  ASSERT_TRUE(eventually([&] { return !handled(state).empty(); }, 60'000ms)) << "nothing landed\n"
                                                                             << output();
  const json logs = handled(state);
  ASSERT_EQ(logs.size(), 1u) << logs.dump();
  const std::string data = logs[0].at("data").get<std::string>();
  EXPECT_EQ(data.substr(data.size() - 64), std::string(62, '0') + "19") << "the square of 5";

  ASSERT_EQ(::kill(devnet_->pid(), SIGTERM), 0);
  EXPECT_EQ(wait_exit(*devnet_, 60'000ms), 0) << output();
  for (int pid : pids) EXPECT_TRUE(gone(pid)) << "pid " << pid << " of the state file is still there";
  EXPECT_FALSE(fs::exists(state_file));
}

TEST(DevnetFlags, BadFlagsAreRefusedWithExitTwo) {
  test::TempDir dir("wavs-devnet-flags");
  int n = 0;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--operators", "0"}, {"--aggregators", "9"}, {"--operators", "many"}}) {
    std::vector<std::string> argv = {WAVS_EXE, "devnet"};
    argv.insert(argv.end(), args.begin(), args.end());
    const fs::path log = dir.path() / ("out-" + std::to_string(n++));
    auto child = ChildProcess::spawn({.argv = argv, .log = log, .env = std::nullopt});
    ASSERT_TRUE(child);
    EXPECT_EQ(wait_exit(*child, 30'000ms), 2) << args[0] << " " << args[1];
    EXPECT_NE(slurp(log).find(args[0]), std::string::npos) << slurp(log);
  }
}

}  // namespace
}  // namespace wavs::devnet_test
