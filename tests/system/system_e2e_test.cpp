// The whole system as operators run it: a real anvil with the forge-built contracts
// (WavsServiceManager with three operators of weight 1 and quorum 2/3, SimpleSubmit,
// SimpleTrigger), three `wavs node` processes with their own mnemonics and data
// directories, and one `wavs aggregator` process, all on loopback. A SimpleTrigger event
// must end as exactly one SimpleSubmit.handleSignedEnvelope carrying the square of the
// input. Results are read with cast (EnvelopeHandled logs), independently of our code.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anvil.hpp"
#include "net_helpers.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "cli/deploy_command.hpp"
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

namespace wavs::system_test {
namespace {

namespace fs = std::filesystem;
using chain::testing::Anvil;
using nlohmann::json;
using node::testing::eventually;
using node::testing::http;
using node::testing::NodeProcess;
using namespace std::chrono_literals;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
// BIP-39 test-vector phrases: one operator each (index 0 its own key, index 1 its first service's).
constexpr std::array<const char*, 3> kOperatorMnemonics = {
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"};
constexpr const char* kToken = "system-test-token";

crypto::PrivateKey derive(const char* phrase, std::uint32_t index) {
  auto m = crypto::Mnemonic::parse(phrase);
  EXPECT_TRUE(m);
  return *crypto::derive_eth_key(*m, index);
}

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

// What cast says SimpleSubmit handled: one entry per EnvelopeHandled log.
struct Handled {
  std::string event_id;  // 0x + 40 hex (topic 1, left-aligned bytes20)
  std::string data;      // 0x-hex: abi.encode(bytes12 ordering, bytes payload)
};

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

class SystemE2E : public contracts::testing::ArtifactsTest {
 protected:
  void SetUp() override {
    contracts::testing::ArtifactsTest::SetUp();
    if (artifacts_unusable()) return;
    if (!fs::exists(example("square-c"))) GTEST_SKIP() << "square-c.wasm was not built (no clang-19)";
    cast_ = contracts::testing::source_root() / "node_modules" / ".bin" / "cast";
    if (!fs::exists(cast_)) GTEST_SKIP() << "cast is not installed (run scripts/setup)";

    auto a = Anvil::start({"--gas-limit", "3000000000"});
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
    owner_key_ = std::make_unique<crypto::PrivateKey>(derive(kAnvilMnemonic, 0));
    owner_ = sender(*owner_key_);

    // The contracts and the operators (funded, weight 1, signing keys bound) as `wavs
    // deploy` sets them up.
    cli::DeployPlan plan;
    plan.rpc_url = anvil_->http_url();
    plan.deployer_credential = owner_key_->reveal_hex();
    plan.artifacts_dir = contracts::testing::out_dir();
    plan.poll_interval = 20ms;
    for (const char* phrase : kOperatorMnemonics) {
      plan.operators.push_back({Secret(phrase), "test operator", 1, 1});
      signing_keys_.push_back(derive(phrase, 1));
    }
    auto deployed = cli::deploy_contracts(plan);
    ASSERT_TRUE(deployed) << deployed.error().message();
    manager_ = std::make_unique<contracts::ServiceManager>(*rpc_, deployed->service_manager);
    submit_ = std::make_unique<contracts::SimpleSubmit>(*rpc_, *deployed->submit);
    trigger_ = std::make_unique<contracts::SimpleTrigger>(*rpc_, *deployed->trigger);

    for (int i = 0; i < aggregator_count(); ++i) start_aggregator(static_cast<std::size_t>(i));
    for (std::size_t i = 0; i < kOperatorMnemonics.size(); ++i) start_node(i);

    // The component on every node, the manifest published by node 0, the URI on the manager.
    std::string digest;
    for (auto& n : nodes_) {
      auto up = http("POST", n->url() + "/dev/components", slurp(example("square-c")), {auth()});
      ASSERT_TRUE(up && up->status == 200) << (up ? up->body : up.error().message());
      digest = json::parse(up->body).at("digest");
    }
    const json manifest = {
        {"name", "system-square"},
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
            {"submit", submit_json()}}}}},
        {"status", "active"},
        {"manager", json::parse(manager_body())}};
    auto posted = http("POST", nodes_[0]->url() + "/dev/services", manifest.dump(), {auth()});
    ASSERT_TRUE(posted && posted->status == 200) << (posted ? posted->body : posted.error().message());
    ASSERT_TRUE(manager_->set_service_uri(*owner_, json::parse(posted->body).at("uri").get<std::string>()));

    const std::string reg = json{{"service_manager", json::parse(manager_body())}}.dump();
    for (const auto& agg_url : aggregator_urls()) {
      auto agg_reg = http("POST", agg_url + "/services", reg, {auth()});
      ASSERT_TRUE(agg_reg && agg_reg->status == 200) << (agg_reg ? agg_reg->body : agg_reg.error().message());
    }
    for (auto& n : nodes_) {
      auto r = http("POST", n->url() + "/services", reg, {auth()});
      ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message());
      EXPECT_EQ(json::parse(r->body).at("hd_index"), 1);
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      for (std::size_t i = 0; i < aggregators_.size(); ++i) {
        if (aggregators_[i]) std::cerr << "--- aggregator " << i << " log ---\n" << aggregators_[i]->log() << "\n";
      }
      for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]) std::cerr << "--- node " << i << " log ---\n" << nodes_[i]->log() << "\n";
      }
    }
    nodes_.clear();
    aggregators_.clear();
  }

  // How many aggregators the deployment has. With one, the manifest names it (the 1.x
  // shape); with several, the manifest names none and every node sends to all of them
  // (aggregator_urls), which rank each event's primary among themselves (aggregator_set).
  virtual int aggregator_count() const { return 1; }
  // Node 0 hosts the only aggregator (`wavs node --with-aggregator`) instead.
  virtual bool hosted_aggregator() const { return false; }

  std::vector<std::string> aggregator_urls() const {
    std::vector<std::string> urls;
    for (const auto& a : aggregators_) urls.push_back(a->url());
    if (hosted_aggregator()) urls.push_back(nodes_[0]->url() + "/aggregator");
    return urls;
  }

  json submit_json() const {
    json agg = {{"evm_contracts", {{{"chain", "evm:31337"}, {"address", submit_->address().hex()}}}}};
    if (aggregator_urls().size() == 1) agg["url"] = aggregator_urls()[0];
    return {{"aggregator", agg}};
  }

  // Aggregator i submits with anvil's account 4 + i.
  static crypto::PrivateKey submitter_key(std::size_t i) {
    return derive(kAnvilMnemonic, static_cast<std::uint32_t>(4 + i));
  }

  std::unique_ptr<chain::TxSender> sender(const crypto::PrivateKey& key) const {
    chain::TxSenderConfig tc;
    tc.poll_interval = 20ms;
    tc.receipt_timeout = 60'000ms;
    tc.known_errors = contracts::abi_errors();
    return std::make_unique<chain::TxSender>(*rpc_, key, tc);
  }

  // The chain as the daemons see it: anvil itself, or (proxied()) through a proxy that
  // cuts connections, for both JSON-RPC and the WebSocket subscription.
  virtual bool proxied() const { return false; }

  std::string chain_table() {
    if (!proxied()) {
      return "[default.chains.evm.31337]\nhttp_endpoint = \"" + anvil_->http_url() + "\"\npoll_interval_ms = 100\n";
    }
    if (!proxy_) proxy_ = std::make_unique<chain::testing::DroppingProxy>(anvil_->port());
    return "[default.chains.evm.31337]\nhttp_endpoint = \"" + proxy_->http_url() + "\"\nws_endpoints = [\"" +
           proxy_->ws_url() + "\"]\npoll_interval_ms = 100\n";
  }

  // (Re)starts aggregator `i` (on its old port when it had one, so the nodes' URLs stay valid).
  void start_aggregator(std::size_t i) {
    if (aggregators_.size() <= i) aggregators_.resize(i + 1);
    const std::uint16_t port = aggregators_[i] ? aggregators_[i]->port() : 0;
    aggregators_[i].reset();
    const fs::path dir = dir_.path() / ("aggregator" + std::to_string(i));
    std::ostringstream toml;
    toml << "[aggregator]\nhost = \"127.0.0.1\"\nport = 0\n"
         << "data = \"" << (dir / "data").string() << "\"\n"
         << "aggregator_evm_credential = \"" << submitter_key(i).reveal_hex().reveal() << "\"\n"
         << "bearer_token = \"" << kToken << "\"\nlog_level = \"debug\"\n";
    if (aggregator_count() > 1) {
      toml << "takeover_ms = 3000\naggregator_set = [";
      for (int k = 0; k < aggregator_count(); ++k) {
        toml << (k ? ", " : "") << "\"" << submitter_key(static_cast<std::size_t>(k)).address().hex() << "\"";
      }
      toml << "]\n";
    }
    toml << chain_table();
    std::vector<std::string> args;
    if (port != 0) args = {"--port", std::to_string(port)};
    auto p = NodeProcess::start(WAVS_EXE, dir, toml.str(), args, "aggregator");
    ASSERT_TRUE(p) << p.error().message();
    aggregators_[i] = std::move(*p);
  }

  // (Re)starts node `i` on its own data directory (and its old port when it had one, so
  // the URIs that name it stay valid).
  void start_node(std::size_t i) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    std::uint16_t port = nodes_[i] ? nodes_[i]->port() : (ports_.size() > i ? ports_[i] : 0);
    nodes_[i].reset();
    const fs::path dir = dir_.path() / ("node" + std::to_string(i));
    std::ostringstream toml;
    toml << "[wavs]\nhost = \"127.0.0.1\"\nport = 0\n"
         << "data = \"" << (dir / "data").string() << "\"\n"
         << "signing_mnemonic = \"" << kOperatorMnemonics[i] << "\"\n"
         << "bearer_token = \"" << kToken << "\"\ndev_endpoints_enabled = true\nlog_level = \"debug\"\n";
    if (aggregator_count() > 1) {
      toml << "aggregator_urls = [";
      for (std::size_t k = 0; k < aggregators_.size(); ++k) toml << (k ? ", " : "") << "\"" << aggregators_[k]->url() << "\"";
      toml << "]\n";
    }
    std::vector<std::string> args;
    if (hosted_aggregator() && i == 0) {
      toml << "[aggregator]\naggregator_evm_credential = \"" << submitter_key(0).reveal_hex().reveal() << "\"\n"
           << "bearer_token = \"" << kToken << "\"\n";
      args.push_back("--with-aggregator");
    }
    toml << chain_table();
    if (port != 0) {
      args.push_back("--port");
      args.push_back(std::to_string(port));
    }
    auto p = NodeProcess::start(WAVS_EXE, dir, toml.str(), args);
    ASSERT_TRUE(p) << p.error().message();
    nodes_[i] = std::move(*p);
    if (ports_.size() <= i) ports_.resize(i + 1);
    ports_[i] = nodes_[i]->port();
  }

  void stop_node(std::size_t i) {
    ASSERT_TRUE(nodes_[i]);
    nodes_[i]->kill9();
    nodes_[i].reset();
  }

  std::string manager_body() const {
    return json{{"evm", {{"chain", "evm:31337"}, {"address", manager_->address().hex()}}}}.dump();
  }

  void fire(std::uint64_t x) {
    auto added = trigger_->add_trigger(*owner_, u256_word(x));
    ASSERT_TRUE(added) << added.error().message();
  }

  // Every EnvelopeHandled log of SimpleSubmit, as cast reads them.
  std::vector<Handled> handled() const {
    const std::string cmd = cast_.string() + " logs --json --from-block 0 --to-block latest --address " +
                            submit_->address().hex() + " 'EnvelopeHandled(bytes20,bytes12,bytes)' --rpc-url " +
                            anvil_->http_url() + " 2>&1";
    const std::string out = run_command(cmd);
    auto doc = json::parse(out, nullptr, false);
    EXPECT_TRUE(doc.is_array()) << cmd << "\n" << out;
    std::vector<Handled> list;
    if (!doc.is_array()) return list;
    for (const auto& log : doc) {
      Handled h;
      h.event_id = log.at("topics").at(1).get<std::string>().substr(0, 42);
      h.data = log.at("data").get<std::string>();
      list.push_back(std::move(h));
    }
    return list;
  }

  // Waits (bounded) until cast sees `n` handled envelopes.
  bool wait_handled(std::size_t n, std::chrono::milliseconds bound = 60'000ms) const {
    return eventually([&] { return handled().size() >= n; }, bound);
  }

  // The payload of a handled log: the bytes after abi.encode's ordering word, offset and length.
  static std::string payload_hex(const Handled& h) { return "0x" + h.data.substr(2 + 64 * 3); }

  json aggregator_info(std::size_t i = 0) const {
    auto r = http("GET", aggregators_[i]->url() + "/info");
    EXPECT_TRUE(r && r->status == 200);
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  test::TempDir dir_{"wavs-system"};
  fs::path cast_;
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::testing::DroppingProxy> proxy_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<crypto::PrivateKey> owner_key_;
  std::unique_ptr<chain::TxSender> owner_;
  std::unique_ptr<contracts::ServiceManager> manager_;
  std::unique_ptr<contracts::SimpleSubmit> submit_;
  std::unique_ptr<contracts::SimpleTrigger> trigger_;
  std::vector<crypto::PrivateKey> signing_keys_;
  std::vector<std::unique_ptr<NodeProcess>> aggregators_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::vector<std::uint16_t> ports_;
};


TEST_F(SystemE2E, AnEventLandsOnceWithTheOperatorsResult) {
  fire(7);
  ASSERT_TRUE(wait_handled(1)) << "nothing landed";
  // Late packets (the third operator's) must not land it again.
  std::this_thread::sleep_for(1500ms);
  const auto list = handled();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(payload_hex(list[0]), to_hex(u256_word(49)));
  auto info = aggregator_info();
  EXPECT_EQ(info.at("sent"), 1);
  EXPECT_TRUE(eventually([&] { return aggregator_info().at("packets") == 3; }, 30'000ms))
      << aggregator_info().dump();
}

TEST_F(SystemE2E, OneOperatorDownStillLands) {
  stop_node(2);
  fire(5);
  ASSERT_TRUE(wait_handled(1));
  EXPECT_EQ(payload_hex(handled().at(0)), to_hex(u256_word(25)));
}

TEST_F(SystemE2E, TwoOperatorsDownNothingLandsUntilOneReturnsThenExactlyOnce) {
  stop_node(1);
  stop_node(2);
  fire(3);
  // Node 0's packet reaches the aggregator and waits there.
  ASSERT_TRUE(eventually([&] { return aggregator_info().at("queues").at("pending") == 1; }, 60'000ms))
      << aggregator_info().dump();
  std::this_thread::sleep_for(1000ms);
  EXPECT_TRUE(handled().empty());
  start_node(1);  // catches up on the event from its persisted cursor
  ASSERT_TRUE(wait_handled(1));
  start_node(2);
  std::this_thread::sleep_for(2000ms);
  const auto list = handled();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(payload_hex(list[0]), to_hex(u256_word(9)));
}

TEST_F(SystemE2E, AByzantineOperatorNeverCountsAndTheHonestResultLands) {
  stop_node(1);
  stop_node(2);
  fire(4);
  // The event id, from the honest node's results view.
  std::string event_id;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = http("GET", nodes_[0]->url() + "/services/evm:31337/" + manager_->address().hex() + "/results");
        if (!r || r->status != 200) return false;
        auto list = json::parse(r->body).at("results");
        if (list.empty()) return false;
        event_id = list[0].at("event_id");
        return true;
      },
      60'000ms));
  // Operator 2 signs another payload for the same event and sends it itself.
  node::Packet lie;
  lie.service_manager = {*service::parse_chain_key("evm:31337"), manager_->address()};
  lie.service_id = service::service_id(lie.service_manager);
  lie.workflow_id = "default";
  lie.envelope.event_id = *eth::EventId::from_hex(event_id);
  lie.envelope.payload = u256_word(666);
  lie.signature = lie.envelope.sign(signing_keys_[2]);
  lie.signer = signing_keys_[2].address();
  auto answer = http("POST", aggregators_[0]->url() + "/packets", node::to_json(lie));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(json::parse(answer->body).at("status"), "aggregated") << answer->body;
  EXPECT_EQ(json::parse(answer->body).at("count"), 1) << "the lie must not join the honest signature";
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(handled().empty());

  start_node(1);
  ASSERT_TRUE(wait_handled(1));
  const auto list = handled();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].event_id, event_id);
  EXPECT_EQ(payload_hex(list[0]), to_hex(u256_word(16)));
}

TEST_F(SystemE2E, TheAggregatorKilledWithAPendingQueueResumesAfterRestart) {
  stop_node(1);
  stop_node(2);
  fire(6);
  ASSERT_TRUE(eventually([&] { return aggregator_info().at("queues").at("pending") == 1; }, 60'000ms));
  aggregators_[0]->kill9();
  start_aggregator(0);
  EXPECT_EQ(aggregator_info().at("queues").at("pending"), 1);  // node 0's signature survived
  start_node(1);
  ASSERT_TRUE(wait_handled(1));
  EXPECT_EQ(payload_hex(handled().at(0)), to_hex(u256_word(36)));
}

TEST_F(SystemE2E, ABurstOf200TriggersLandsEachExactlyOnce) {
  constexpr std::uint64_t kEvents = 200;
  for (std::uint64_t i = 1; i <= kEvents; ++i) fire(i);
  ASSERT_TRUE(wait_handled(kEvents, 300'000ms)) << handled().size() << " of " << kEvents << " landed";
  std::this_thread::sleep_for(2000ms);
  const auto list = handled();
  EXPECT_EQ(list.size(), kEvents);
  std::set<std::string> events, payloads;
  for (const auto& h : list) {
    events.insert(h.event_id);
    payloads.insert(payload_hex(h));
  }
  EXPECT_EQ(events.size(), kEvents) << "an event landed twice";
  for (std::uint64_t i = 1; i <= kEvents; ++i) EXPECT_TRUE(payloads.count(to_hex(u256_word(i * i)))) << i;
}

TEST_F(SystemE2E, ANodeKilledMidBurstRestartsAndEveryEventLandsOnce) {
  constexpr std::uint64_t kEvents = 60;
  for (std::uint64_t i = 1; i <= kEvents / 2; ++i) fire(i);
  nodes_[0]->kill9();  // somewhere between its triggers, runs and deliveries
  for (std::uint64_t i = kEvents / 2 + 1; i <= kEvents; ++i) fire(i);
  nodes_[1]->kill9();  // two of three down: events can only land once one returns
  start_node(0);
  start_node(1);
  ASSERT_TRUE(wait_handled(kEvents, 180'000ms)) << handled().size() << " of " << kEvents << " landed";
  std::this_thread::sleep_for(2000ms);
  const auto list = handled();
  EXPECT_EQ(list.size(), kEvents);
  std::set<std::string> payloads;
  for (const auto& h : list) payloads.insert(payload_hex(h));
  for (std::uint64_t i = 1; i <= kEvents; ++i) EXPECT_TRUE(payloads.count(to_hex(u256_word(i * i)))) << i;
}

class ProxiedChainE2E : public SystemE2E {
 protected:
  bool proxied() const override { return true; }
};

// Every daemon reaches the chain through a proxy that cuts its connections (RPC and
// WebSocket) at random while a burst is handled: retries, failover to polling and the
// persisted cursors must still land each event once.
TEST_F(ProxiedChainE2E, ConnectionDropsLoseNothingAndDuplicateNothing) {
  constexpr std::uint64_t kEvents = 40;
  proxy_->set_random_drops(2'000, 20'000);
  for (std::uint64_t i = 1; i <= kEvents; ++i) {
    fire(i);
    if (i % 10 == 0) proxy_->drop_all();
  }
  ASSERT_TRUE(wait_handled(kEvents, 240'000ms)) << handled().size() << " of " << kEvents << " landed";
  proxy_->disable_random_drops();
  std::this_thread::sleep_for(2000ms);
  const auto list = handled();
  EXPECT_EQ(list.size(), kEvents);
  std::set<std::string> events;
  for (const auto& h : list) events.insert(h.event_id);
  EXPECT_EQ(events.size(), kEvents);
}

class HostedAggregatorE2E : public SystemE2E {
 protected:
  int aggregator_count() const override { return 0; }
  bool hosted_aggregator() const override { return true; }
};

TEST_F(HostedAggregatorE2E, ANodeHostingTheAggregatorLandsEvents) {
  fire(8);
  ASSERT_TRUE(wait_handled(1));
  EXPECT_EQ(payload_hex(handled().at(0)), to_hex(u256_word(64)));
  auto info = http("GET", nodes_[0]->url() + "/aggregator/info");
  ASSERT_TRUE(info && info->status == 200);
  EXPECT_EQ(json::parse(info->body).at("submitter"), submitter_key(0).address().to_checksum());
  // The node's own routes are untouched.
  auto services = http("GET", nodes_[0]->url() + "/services");
  ASSERT_TRUE(services && services->status == 200);
  EXPECT_TRUE(json::parse(services->body).contains("services"));
}

class ThreeAggregatorsE2E : public SystemE2E {
 protected:
  int aggregator_count() const override { return 3; }
};

// Upstream lets every aggregator submit every event (and all but one revert). Here each
// event has one primary; the others only stand by, so the three submitters together
// send exactly one transaction per event.
TEST_F(ThreeAggregatorsE2E, EveryEventLandsOnceAndNoTransactionIsWasted) {
  constexpr std::uint64_t kEvents = 20;
  for (std::uint64_t i = 1; i <= kEvents; ++i) fire(i);
  ASSERT_TRUE(wait_handled(kEvents, 180'000ms)) << handled().size() << " of " << kEvents << " landed";
  std::this_thread::sleep_for(4000ms);  // past the takeover delay: a standby that wrongly sent would show
  const auto list = handled();
  EXPECT_EQ(list.size(), kEvents);
  std::set<std::string> events;
  for (const auto& h : list) events.insert(h.event_id);
  EXPECT_EQ(events.size(), kEvents);
  std::uint64_t sent = 0;
  int landing = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    auto nonce = rpc_->transaction_count(submitter_key(i).address(), chain::BlockRef::latest());
    ASSERT_TRUE(nonce) << nonce.error().message();
    sent += *nonce;
    landing += *nonce > 0 ? 1 : 0;
  }
  EXPECT_EQ(sent, kEvents) << "transactions sent by the three submitters";
  EXPECT_GE(landing, 2) << "the primaries should spread over the aggregators";
}

TEST_F(ThreeAggregatorsE2E, ADeadPrimaryIsReplacedAfterTheTakeoverDelay) {
  // With two of three aggregators down, the survivor lands every event: its own at once,
  // the others' after it waited for them.
  aggregators_[1]->kill9();
  aggregators_[2]->kill9();
  constexpr std::uint64_t kEvents = 6;
  for (std::uint64_t i = 1; i <= kEvents; ++i) fire(i);
  ASSERT_TRUE(wait_handled(kEvents, 120'000ms)) << handled().size() << " of " << kEvents << " landed";
  EXPECT_EQ(handled().size(), kEvents);
  auto nonce = rpc_->transaction_count(submitter_key(0).address(), chain::BlockRef::latest());
  ASSERT_TRUE(nonce);
  EXPECT_EQ(*nonce, kEvents);
}

}  // namespace
}  // namespace wavs::system_test
