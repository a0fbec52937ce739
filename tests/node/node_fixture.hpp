#pragma once
// The fixture of the node's end-to-end tests: a real anvil with the forge-built
// WavsServiceManager, SimpleSubmit and SimpleTrigger, a packet receiver standing in for
// the aggregator, and a `wavs node` process (bearer token, dev routes, the anvil chain)
// on its own data directory; helpers to upload components and publish and register
// manifests through the node's dev routes and the manager's setServiceURI.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "common/secret.hpp"
#include "common/test_support.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "crypto/hd.hpp"
#include "artifacts_test.hpp"
#include "forge_artifacts.hpp"
#include "node/signer.hpp"
#include "node_harness.hpp"

namespace wavs::node::e2e {

namespace fs = std::filesystem;
using chain::testing::Anvil;
using nlohmann::json;
using namespace std::chrono_literals;
using testing::http;
using testing::NodeProcess;
using testing::PacketReceiver;

inline constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
// The operator's own phrase (not anvil's, so its keys are not funded accounts).
inline constexpr const char* kOperatorMnemonic =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
inline constexpr const char* kToken = "node-test-token-0123";

inline fs::path example(const std::string& name) { return fs::path(WAVS_EXAMPLES_DIR) / (name + ".wasm"); }

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline Bytes u256_word(std::uint64_t v) {
  Bytes out(32, 0);
  for (int i = 0; i < 8; ++i) out[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

inline std::string auth() { return std::string("Authorization: Bearer ") + kToken; }

class NodeE2E : public contracts::testing::ArtifactsTest {
 protected:
  void SetUp() override {
    contracts::testing::ArtifactsTest::SetUp();
    if (artifacts_unusable()) return;
    if (!fs::exists(example("square-c"))) GTEST_SKIP() << "square-c.wasm was not built (no clang-19)";

    auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
    ASSERT_TRUE(mnemonic);
    owner_key_ = std::make_unique<crypto::PrivateKey>(*crypto::derive_eth_key(*mnemonic, 0));
    auto a = Anvil::start({"--gas-limit", "3000000000"});  // room for a 1,000-transaction block
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
    chain::TxSenderConfig tc;
    tc.poll_interval = 20ms;
    tc.receipt_timeout = 60'000ms;
    tc.known_errors = contracts::abi_errors();
    owner_ = std::make_unique<chain::TxSender>(*rpc_, *owner_key_, tc);

    auto manager_art = contracts::load_artifact(contracts::testing::out_dir(), "WavsServiceManager");
    ASSERT_TRUE(manager_art) << manager_art.error().message();
    auto manager = contracts::deploy(
        *owner_, *manager_art, contracts::service_manager::encode_constructor(owner_key_->address(), {2, 3}));
    ASSERT_TRUE(manager) << manager.error().message();
    manager_ = std::make_unique<contracts::ServiceManager>(*rpc_, *manager);
    auto submit_art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleSubmit");
    ASSERT_TRUE(submit_art);
    auto submit =
        contracts::deploy(*owner_, *submit_art, contracts::simple_submit::encode_constructor(*manager));
    ASSERT_TRUE(submit) << submit.error().message();
    submit_address_ = *submit;
    auto trigger_art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleTrigger");
    ASSERT_TRUE(trigger_art);
    auto trigger = contracts::deploy(*owner_, *trigger_art);
    ASSERT_TRUE(trigger) << trigger.error().message();
    trigger_ = std::make_unique<contracts::SimpleTrigger>(*rpc_, *trigger);

    std::ostringstream toml;
    toml << "[wavs]\n"
         << "host = \"127.0.0.1\"\nport = 0\n"
         << "data = \"" << (dir_.path() / "data").string() << "\"\n"
         << "signing_mnemonic = \"" << kOperatorMnemonic << "\"\n"
         << "bearer_token = \"" << kToken << "\"\n"
         << "dev_endpoints_enabled = true\n"
         << "log_level = \"debug\"\n"
         << "[default.chains.evm.31337]\n"
         << "http_endpoint = \"" << anvil_->http_url() << "\"\n"
         << "poll_interval_ms = 100\n";
    toml_ = toml.str();
    auto node = NodeProcess::start(WAVS_EXE, dir_.path(), toml_);
    ASSERT_TRUE(node) << node.error().message();
    node_ = std::move(*node);
  }

  void TearDown() override {
    if (HasFailure() && node_) std::cerr << "--- node log ---\n" << node_->log() << "\n";
    node_.reset();
  }

  // A new node process on the same data directory and the same port (so the dev URI set
  // on the manager stays valid).
  void restart() {
    const std::uint16_t port = node_->port();
    node_.reset();
    auto node = NodeProcess::start(WAVS_EXE, dir_.path(), toml_, {"--port", std::to_string(port)});
    ASSERT_TRUE(node) << node.error().message();
    node_ = std::move(*node);
  }

  std::string manager_json() const { return manager_json_of(*manager_); }
  static std::string manager_json_of(const contracts::ServiceManager& m) {
    return json{{"evm", {{"chain", "evm:31337"}, {"address", m.address().hex()}}}}.dump();
  }

  // Another Service Manager on the same chain, for a second service.
  std::unique_ptr<contracts::ServiceManager> deploy_manager() {
    auto art = contracts::load_artifact(contracts::testing::out_dir(), "WavsServiceManager");
    EXPECT_TRUE(art);
    auto m = contracts::deploy(*owner_, *art,
                               contracts::service_manager::encode_constructor(owner_key_->address(), {2, 3}));
    EXPECT_TRUE(m) << m.error().message();
    return std::make_unique<contracts::ServiceManager>(*rpc_, *m);
  }

  // Uploads an example component through the dev route; returns its digest.
  std::string upload(const std::string& example_name) {
    auto up = http("POST", node_->url() + "/dev/components", slurp(example(example_name)), {auth()});
    EXPECT_TRUE(up) << up.error().message();
    if (!up) return {};
    EXPECT_EQ(up->status, 200) << up->body;
    return json::parse(up->body).value("digest", "");
  }

  // The component part of a workflow for `digest`.
  static json component_json(const std::string& digest) {
    return {{"source", {{"digest", digest}}},
            {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
            {"fuel_limit", 100000000},
            {"time_limit_seconds", 10},
            {"config", json::object()},
            {"env_keys", json::array()}};
  }

  // A workflow running `digest` on `trigger`, submitting to the packet receiver.
  json workflow_json(const json& trigger, const std::string& digest) const {
    return {{"trigger", trigger},
            {"component", component_json(digest)},
            {"submit",
             {{"aggregator",
               {{"url", receiver_.url()},
                {"evm_contracts", {{{"chain", "evm:31337"}, {"address", submit_address_.hex()}}}}}}}}};
  }

  // The SimpleTrigger event trigger of `contract` (the fixture's by default).
  json event_trigger(const contracts::SimpleTrigger* contract = nullptr) const {
    if (contract == nullptr) contract = trigger_.get();
    return {{"evm_contract_event",
             {{"address", contract->address().hex()},
              {"chain", "evm:31337"},
              {"event_hash", contracts::event_topic<contracts::NewTrigger>().hex()}}}};
  }

  // Posts the manifest through the dev route and points the manager's service URI at the
  // node's copy. Returns the URI.
  std::string publish(const json& workflows, const std::string& status, contracts::ServiceManager& manager) {
    json manifest = {{"name", "test-service"},
                     {"workflows", workflows},
                     {"status", status},
                     {"manager", json::parse(manager_json_of(manager))}};
    auto posted = http("POST", node_->url() + "/dev/services", manifest.dump(), {auth()});
    EXPECT_TRUE(posted && posted->status == 200) << (posted ? posted->body : posted.error().message());
    if (!posted || posted->status != 200) return {};
    const std::string uri = json::parse(posted->body).at("uri");
    auto set = manager.set_service_uri(*owner_, uri);
    EXPECT_TRUE(set) << set.error().message();
    return uri;
  }

  // publish() and POST /services. Returns POST /services' reply.
  testing::HttpReply register_manifest(const json& workflows, const std::string& status = "active",
                                       contracts::ServiceManager* manager = nullptr) {
    if (manager == nullptr) manager = manager_.get();
    publish(workflows, status, *manager);
    auto reg = http("POST", node_->url() + "/services",
                    json{{"service_manager", json::parse(manager_json_of(*manager))}}.dump(), {auth()});
    EXPECT_TRUE(reg) << reg.error().message();
    return reg ? *reg : testing::HttpReply{};
  }

  // The square example on the fixture's trigger contract.
  testing::HttpReply register_service(const std::string& status = "active",
                                      contracts::ServiceManager* manager = nullptr) {
    return register_manifest({{"default", workflow_json(event_trigger(), upload("square-c"))}}, status,
                             manager);
  }

  // --- chain, service and packet views (for the lifecycle suite) ---

  // The chain's head.
  std::uint64_t head() const {
    auto n = rpc_->block_number();
    EXPECT_TRUE(n) << n.error().message();
    return n ? *n : 0;
  }

  // Mines `blocks` empty blocks (anvil_mine).
  void mine(std::uint64_t blocks) const {
    std::ostringstream hex;
    hex << "0x" << std::hex << blocks;
    auto mined = rpc_->request("anvil_mine", chain::Json::array({hex.str()}));
    EXPECT_TRUE(mined) << mined.error().message();
  }

  // GET /services/{chain}/{address} of `manager` (the fixture's by default); null when
  // the node does not answer 200.
  json service_json(const contracts::ServiceManager* manager = nullptr) const {
    if (manager == nullptr) manager = manager_.get();
    auto got = http("GET", node_->url() + "/services/evm:31337/" + manager->address().hex());
    if (!got || got->status != 200) return nullptr;
    return json::parse(got->body, nullptr, false);
  }

  // Every packet the receiver got so far that parses, in arrival order.
  std::vector<Packet> packets() const {
    std::vector<Packet> out;
    for (const auto& body : receiver_.bodies()) {
      if (auto p = parse_packet(body)) out.push_back(std::move(*p));
    }
    return out;
  }

  // SIGTERM (expecting a clean exit), then restart().
  void terminate_and_restart() {
    ASSERT_EQ(node_->terminate(), 0) << node_->log();
    restart();
  }

  wavs::test::TempDir dir_;
  std::unique_ptr<crypto::PrivateKey> owner_key_;
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<chain::TxSender> owner_;
  std::unique_ptr<contracts::ServiceManager> manager_;
  chain::Address submit_address_;
  std::unique_ptr<contracts::SimpleTrigger> trigger_;
  PacketReceiver receiver_;
  std::string toml_;
  std::unique_ptr<NodeProcess> node_;
};

}  // namespace wavs::node::e2e
