// The operator node as operators run it: a real `wavs node` process with its own config
// file and data directory, a real anvil with the real contracts (forge artifacts), the
// example square component, and a test endpoint standing in for the aggregator. A
// service registered through the API fires on a contract event; the packet it delivers
// must recover to the service's signing address and carry the digest the contract
// computes (envelopeDigest). The API's error answers are checked on the same process.

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
#include "forge_artifacts.hpp"
#include "node/signer.hpp"
#include "node_harness.hpp"

namespace wavs::node {
namespace {

namespace fs = std::filesystem;
using chain::testing::Anvil;
using nlohmann::json;
using namespace std::chrono_literals;
using testing::http;
using testing::NodeProcess;
using testing::PacketReceiver;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
// The operator's own phrase (not anvil's, so its keys are not funded accounts).
constexpr const char* kOperatorMnemonic =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
constexpr const char* kToken = "node-test-token-0123";

fs::path example(const std::string& name) { return fs::path(WAVS_EXAMPLES_DIR) / (name + ".wasm"); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Bytes u256_word(std::uint64_t v) {
  Bytes out(32, 0);
  for (int i = 0; i < 8; ++i) out[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

std::string auth() { return std::string("Authorization: Bearer ") + kToken; }

class NodeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    artifacts_ = new contracts::testing::ArtifactState(contracts::testing::ensure_artifacts());
  }
  static void TearDownTestSuite() {
    delete artifacts_;
    artifacts_ = nullptr;
  }

  void SetUp() override {
    if (!artifacts_->skip_reason.empty()) GTEST_SKIP() << artifacts_->skip_reason;
    ASSERT_TRUE(artifacts_->ready) << artifacts_->failure;
    if (!fs::exists(example("square-c"))) GTEST_SKIP() << "square-c.wasm was not built (no clang-19)";

    auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
    ASSERT_TRUE(mnemonic);
    owner_key_ = std::make_unique<crypto::PrivateKey>(*crypto::derive_eth_key(*mnemonic, 0));
    auto a = Anvil::start();
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

  // Uploads the component and manifest through the dev routes, points the manager's
  // service URI at the node's copy and registers the service. Returns POST /services' reply.
  testing::HttpReply register_service(const std::string& status = "active",
                                      contracts::ServiceManager* manager = nullptr) {
    if (manager == nullptr) manager = manager_.get();
    const std::string mgr = manager_json_of(*manager);
    auto up = http("POST", node_->url() + "/dev/components", slurp(example("square-c")), {auth()});
    EXPECT_TRUE(up) << up.error().message();
    EXPECT_EQ(up->status, 200) << up->body;
    const std::string digest = json::parse(up->body).at("digest");
    json manifest = {
        {"name", "square"},
        {"workflows",
         {{"default",
           {{"trigger",
             {{"evm_contract_event",
               {{"address", trigger_->address().hex()},
                {"chain", "evm:31337"},
                {"event_hash", contracts::event_topic<contracts::NewTrigger>().hex()}}}}},
            {"component",
             {{"source", {{"digest", digest}}},
              {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
              {"fuel_limit", 100000000},
              {"time_limit_seconds", 10},
              {"config", json::object()},
              {"env_keys", json::array()}}},
            {"submit",
             {{"aggregator",
               {{"url", receiver_.url()},
                {"evm_contracts", {{{"chain", "evm:31337"}, {"address", submit_address_.hex()}}}}}}}}}}}},
        {"status", status},
        {"manager", json::parse(mgr)}};
    auto posted = http("POST", node_->url() + "/dev/services", manifest.dump(), {auth()});
    EXPECT_TRUE(posted && posted->status == 200) << (posted ? posted->body : posted.error().message());
    const std::string uri = json::parse(posted->body).at("uri");
    auto set = manager->set_service_uri(*owner_, uri);
    EXPECT_TRUE(set) << set.error().message();
    auto reg = http("POST", node_->url() + "/services", json{{"service_manager", json::parse(mgr)}}.dump(),
                    {auth()});
    EXPECT_TRUE(reg) << reg.error().message();
    return reg ? *reg : testing::HttpReply{};
  }

  static contracts::testing::ArtifactState* artifacts_;
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
contracts::testing::ArtifactState* NodeE2E::artifacts_ = nullptr;

TEST_F(NodeE2E, ContractEventBecomesASignedPacketTheContractAgreesWith) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  const json service = json::parse(reg.body);
  EXPECT_EQ(service.at("hd_index"), 1);
  EXPECT_EQ(service.at("status"), "active");

  auto signer = Signer::from_mnemonic(Secret(kOperatorMnemonic));
  ASSERT_TRUE(signer);
  const crypto::Address expected_signer = *signer->address(1);
  EXPECT_EQ(service.at("signing_address"), expected_signer.to_checksum());

  auto added = trigger_->add_trigger(*owner_, u256_word(7));
  ASSERT_TRUE(added) << added.error().message();

  ASSERT_TRUE(receiver_.wait_for(1, 60'000ms)) << "no packet arrived";
  auto packet = parse_packet(receiver_.bodies().at(0));
  ASSERT_TRUE(packet) << packet.error().message();
  EXPECT_TRUE(packet->verify()) << packet->verify().error().message();
  EXPECT_EQ(packet->signer, expected_signer);
  EXPECT_EQ(packet->envelope.payload, u256_word(49));
  EXPECT_EQ(packet->workflow_id, "default");
  auto digest = manager_->envelope_digest(packet->envelope);
  ASSERT_TRUE(digest) << digest.error().message();
  EXPECT_EQ(*digest, packet->digest());
  EXPECT_EQ(packet->origin.kind, "evm_contract_event");
  ASSERT_TRUE(packet->origin.tx_hash);
  EXPECT_EQ(*packet->origin.tx_hash, added->outcome.receipt.tx_hash);

  // The results view records the run.
  const std::string base = node_->url() + "/services/evm:31337/" + manager_->address().hex();
  auto results = http("GET", base + "/results");
  ASSERT_TRUE(results);
  ASSERT_EQ(results->status, 200) << results->body;
  const json list = json::parse(results->body).at("results");
  ASSERT_EQ(list.size(), 1u) << results->body;
  EXPECT_EQ(list[0].at("status"), "succeeded");
  EXPECT_EQ(list[0].at("event_id"), packet->envelope.event_id.hex());
  EXPECT_GT(list[0].at("fuel").get<std::uint64_t>(), 0u);

  // Metrics count what happened.
  auto metrics = http("GET", node_->url() + "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("wavs_"), std::string::npos);

  // A clean stop: SIGTERM ends the process with status 0.
  EXPECT_EQ(node_->terminate(), 0) << node_->log();
}

TEST_F(NodeE2E, ApiAnswersBadRequestsWithJsonErrors) {
  // A write route without the token.
  auto no_token = http("POST", node_->url() + "/services", R"({"service_manager":{}})");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);
  EXPECT_EQ(json::parse(no_token->body).at("error").at("code"), "unauthorized");

  // Over the 15 MiB body limit.
  auto big = http("POST", node_->url() + "/dev/components", std::string(16u << 20, 'x'), {auth()});
  if (big) {
    EXPECT_EQ(big->status, 413);  // the server may also close before curl reads the answer
  }

  // An unknown route.
  auto none = http("GET", node_->url() + "/no/such/route");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_EQ(json::parse(none->body).at("error").at("code"), "not_found");

  // A manifest that does not validate: the error names the JSON path.
  auto bad = http(
      "POST", node_->url() + "/dev/services",
      R"({"name":"x","workflows":{"default":{"component":{"source":{"digest":"zz"}}}},)"
      R"("manager":{"evm":{"chain":"evm:31337","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}}})",
      {auth()});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(
      json::parse(bad->body).at("error").at("message").get<std::string>().find("workflows.default.component"),
      std::string::npos)
      << bad->body;

  // A manager with no service URI set.
  auto unset = http("POST", node_->url() + "/services",
                    json{{"service_manager", json::parse(manager_json())}}.dump(), {auth()});
  ASSERT_TRUE(unset);
  EXPECT_EQ(unset->status, 400) << unset->body;

  // Registered once; the second time is a conflict.
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto again = http("POST", node_->url() + "/services",
                    json{{"service_manager", json::parse(manager_json())}}.dump(), {auth()});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;

  // The signer route, GET /services and GET /services/{chain}/{address}.
  auto key = http("POST", node_->url() + "/services/signer",
                  json{{"service_manager", json::parse(manager_json())}}.dump());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->status, 200) << key->body;
  EXPECT_EQ(json::parse(key->body).at("hd_index"), 1);
  auto all = http("GET", node_->url() + "/services");
  ASSERT_TRUE(all);
  EXPECT_EQ(json::parse(all->body).at("service_ids").size(), 1u);

  // Secrets never appear in /config.
  auto config = http("GET", node_->url() + "/config");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->status, 200);
  EXPECT_EQ(config->body.find("abandon"), std::string::npos);
  EXPECT_EQ(config->body.find(kToken), std::string::npos);
  EXPECT_EQ(node_->log().find(kToken), std::string::npos);
  EXPECT_EQ(node_->log().find("abandon abandon"), std::string::npos);

  // The OpenAPI document lists the routes the node answers.
  auto doc = http("GET", node_->url() + "/api-docs/openapi.json");
  ASSERT_TRUE(doc);
  const json paths = json::parse(doc->body).at("paths");
  for (const char* p : {"/services", "/services/{chain}/{address}", "/services/signer", "/health", "/info",
                        "/config", "/metrics", "/dev/components", "/dev/services", "/dev/services/{hash}",
                        "/dev/triggers", "/services/{chain}/{address}/results"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }

  // Health reports the chain.
  auto health = http("GET", node_->url() + "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << health->body;
  EXPECT_TRUE(json::parse(health->body).at("chains").at("evm:31337").at("ok").get<bool>());

  // DELETE removes it.
  auto removed =
      http("DELETE", node_->url() + "/services",
           json{{"service_managers", json::array({json::parse(manager_json())})}}.dump(), {auth()});
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 200) << removed->body;
  auto gone = http("GET", node_->url() + "/services/evm:31337/" + manager_->address().hex());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
}

// A paused service shares the chain and the trigger contract with an active one: once
// the active one has answered an event, the paused one must have done nothing with it.
TEST_F(NodeE2E, PausedServiceFiresNothing) {
  auto reg = register_service("paused");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(json::parse(reg.body).at("status"), "paused");
  auto active_manager = deploy_manager();
  ASSERT_TRUE(active_manager);
  auto active = register_service("active", active_manager.get());
  ASSERT_EQ(active.status, 200) << active.body;

  auto added = trigger_->add_trigger(*owner_, u256_word(3));
  ASSERT_TRUE(added) << added.error().message();
  ASSERT_TRUE(receiver_.wait_for(1, 60'000ms)) << "the active service never answered";
  // The manual route refuses a paused service too.
  auto fired = http(
      "POST", node_->url() + "/dev/triggers",
      json{{"service_manager", json::parse(manager_json())}, {"data", {{"raw", "0x07"}}}}.dump(), {auth()});
  ASSERT_TRUE(fired);
  EXPECT_EQ(fired->status, 409) << fired->body;

  const auto bodies = receiver_.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  auto packet = parse_packet(bodies[0]);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->service_manager.address, service::Address(active_manager->address()));
  auto results = http("GET", node_->url() + "/services/evm:31337/" + manager_->address().hex() + "/results");
  ASSERT_TRUE(results);
  EXPECT_TRUE(json::parse(results->body).at("results").empty()) << results->body;
}

// kill -9 at random points while a burst of events is processed, then a restart each
// time: every event ends up with exactly one packet (redeliveries of the same packet are
// allowed — delivery is at least once to an idempotent aggregator — but never two
// different packets for one event), and none is missing.
TEST_F(NodeE2E, KillNineDuringABurstLosesNothingAndSignsNothingTwice) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  constexpr int kEvents = 200;
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> every(20, 60);
  int next_kill = every(rng);
  int kills = 0;
  for (int i = 1; i <= kEvents; ++i) {
    auto added = trigger_->add_trigger(*owner_, u256_word(static_cast<std::uint64_t>(i)));
    ASSERT_TRUE(added) << added.error().message();
    if (i == next_kill) {
      node_->kill9();
      ++kills;
      restart();
      if (HasFatalFailure()) return;
      next_kill += every(rng);
    }
  }
  ASSERT_GE(kills, 3);
  auto distinct = [&] {
    std::map<std::string, std::set<std::string>> by_event;
    for (const auto& body : receiver_.bodies()) {
      auto p = parse_packet(body);
      if (p) by_event[p->envelope.event_id.hex()].insert(body);
    }
    return by_event;
  };
  const bool all =
      testing::eventually([&] { return distinct().size() >= static_cast<std::size_t>(kEvents); }, 180'000ms);
  const auto by_event = distinct();
  ASSERT_TRUE(all) << "packets for " << by_event.size() << " of " << kEvents << " events";
  EXPECT_EQ(by_event.size(), static_cast<std::size_t>(kEvents));
  std::set<std::string> payloads;  // hex: comparing byte vectors trips a GCC 12 false warning
  for (const auto& [event, bodies] : by_event) {
    EXPECT_EQ(bodies.size(), 1u) << "event " << event << " was signed differently " << bodies.size()
                                 << " times";
    auto p = parse_packet(*bodies.begin());
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->verify());
    payloads.insert(to_hex(p->envelope.payload));
  }
  // Every input 1..200 was squared once.
  EXPECT_EQ(payloads.size(), static_cast<std::size_t>(kEvents));
  for (std::uint64_t i = 1; i <= kEvents; ++i) EXPECT_TRUE(payloads.count(to_hex(u256_word(i * i)))) << i;
}

}  // namespace
}  // namespace wavs::node
