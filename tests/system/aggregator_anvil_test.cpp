// The aggregator in-process against a real anvil with the forge-built WavsServiceManager
// (three operators of weight 1, quorum 2/3) and SimpleSubmit, the manifest served over
// loopback HTTP by the project's own server, and packets signed as nodes sign them.
// Outcomes are checked on chain through the contract bindings (SimpleSubmit's own
// getters and receipts), not through the aggregator's word.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <atomic>
#include <thread>
#include <vector>

#include "aggregator/aggregator.hpp"
#include "aggregator/api.hpp"
#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "common/test_support.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "crypto/hash.hpp"
#include "crypto/hd.hpp"
#include "artifacts_test.hpp"
#include "forge_artifacts.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "node/chain_config.hpp"
#include "node/signer.hpp"
#include "runtime/daemon.hpp"

namespace wavs::aggregator {
namespace {

using chain::testing::Anvil;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
// The operators' service signing keys come from another phrase: they need no funds.
constexpr const char* kSigningMnemonic =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
constexpr int kOperators = 3;

crypto::PrivateKey derive(const char* phrase, std::uint32_t index) {
  auto m = crypto::Mnemonic::parse(phrase);
  EXPECT_TRUE(m);
  return *crypto::derive_eth_key(*m, index);
}

// A loopback HTTP server answering GET /service.json with a manifest.
// Polls `done` every 20 ms until it holds or `bound` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

class ManifestServer {
 public:
  explicit ManifestServer(std::string body) : body_(std::move(body)), daemon_(daemon_config()) {
    EXPECT_TRUE(router_.add({.method = httpd::Method::kGet,
                             .path = "/service.json",
                             .handler =
                                 [this](const httpd::Request&) {
                                   std::lock_guard g(mu_);
                                   return httpd::Response::json(200, body_);
                                 }}));
    EXPECT_TRUE(router_.add({.method = httpd::Method::kGet,
                             .path = "/component.wasm",
                             .handler =
                                 [this](const httpd::Request&) {
                                   std::lock_guard g(mu_);
                                   return httpd::Response::text(200, wasm_, "application/wasm");
                                 }}));
    server_ = std::make_unique<httpd::Server>(httpd::ServerConfig{}, router_, daemon_.io(), &daemon_.workers());
    auto st = server_->start();
    EXPECT_TRUE(st) << st.error().message();
    daemon_.start();
  }
  ~ManifestServer() {
    (void)server_->stop();
    (void)daemon_.shutdown();
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/service.json";
  }
  [[nodiscard]] std::string component_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/component.wasm";
  }
  std::string body() {
    std::lock_guard g(mu_);
    return body_;
  }
  std::string wasm() {
    std::lock_guard g(mu_);
    return wasm_;
  }
  void set(std::string manifest, std::string wasm) {
    std::lock_guard g(mu_);
    body_ = std::move(manifest);
    wasm_ = std::move(wasm);
  }

 private:
  static runtime::DaemonConfig daemon_config() {
    runtime::DaemonConfig c;
    c.handle_signals = false;
    c.workers.threads = 1;
    return c;
  }
  std::mutex mu_;
  std::string body_;
  std::string wasm_;
  runtime::Daemon daemon_;
  httpd::Router router_;
  std::unique_ptr<httpd::Server> server_;
};

class AggregatorAnvil : public contracts::testing::ArtifactsTest {
 protected:
  void SetUp() override {
    contracts::testing::ArtifactsTest::SetUp();
    if (artifacts_unusable()) return;
    ASSERT_FALSE(dir_.path().empty());
    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
    owner_key_ = std::make_unique<crypto::PrivateKey>(derive(kAnvilMnemonic, 0));
    owner_ = sender(*owner_key_);

    auto manager_art = contracts::load_artifact(contracts::testing::out_dir(), "WavsServiceManager");
    ASSERT_TRUE(manager_art) << manager_art.error().message();
    auto m = contracts::deploy(*owner_, *manager_art,
                               contracts::service_manager::encode_constructor(owner_key_->address(), {2, 3}));
    ASSERT_TRUE(m) << m.error().message();
    manager_ = std::make_unique<contracts::ServiceManager>(*rpc_, *m);
    auto submit_art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleSubmit");
    ASSERT_TRUE(submit_art);
    auto s = contracts::deploy(*owner_, *submit_art, contracts::simple_submit::encode_constructor(*m));
    ASSERT_TRUE(s) << s.error().message();
    submit_ = std::make_unique<contracts::SimpleSubmit>(*rpc_, *s);

    for (int i = 0; i < kOperators; ++i) {
      auto op = derive(kAnvilMnemonic, static_cast<std::uint32_t>(1 + i));
      auto signing = derive(kSigningMnemonic, static_cast<std::uint32_t>(1 + i));
      ASSERT_TRUE(manager_->register_operator(*owner_, op.address(), 1));
      auto op_sender = sender(op);
      auto bound = manager_->update_operator_signing_key(
          *op_sender, signing.address(), contracts::service_manager::signing_key_binding_proof(signing, op.address()));
      ASSERT_TRUE(bound) << bound.error().message();
      signing_keys_.push_back(signing);
    }

    const json manifest = {
        {"name", "aggregator-test"},
        {"workflows",
         {{"default",
           {{"trigger", "manual"},
            {"component",
             {{"source", {{"digest", std::string(64, 'a')}}},
              {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
              {"config", json::object()},
              {"env_keys", json::array()}}},
            {"submit",
             {{"aggregator",
               {{"url", "http://127.0.0.1:1"},
                {"evm_contracts", {{{"chain", "evm:31337"}, {"address", submit_->address().hex()}}}}}}}}}}}},
        {"status", "active"},
        {"manager", json::parse(manager_json())}};
    manifest_ = manifest;
    manifest_server_ = std::make_unique<ManifestServer>(manifest.dump());
    ASSERT_TRUE(manager_->set_service_uri(*owner_, manifest_server_->url()));
    open_aggregator(derive_hex(4));
  }

  void TearDown() override {
    aggregator_.reset();
    manifest_server_.reset();
  }

  static std::string derive_hex(std::uint32_t index) {
    auto k = derive(kAnvilMnemonic, index);
    return k.reveal_hex().reveal();
  }

  std::unique_ptr<chain::TxSender> sender(const crypto::PrivateKey& key) const {
    chain::TxSenderConfig tc;
    tc.poll_interval = 20ms;
    tc.receipt_timeout = 30'000ms;
    tc.known_errors = contracts::abi_errors();
    return std::make_unique<chain::TxSender>(*rpc_, key, tc);
  }

  void open_aggregator(const std::string& credential, std::uint64_t confirmations = 0) {
    aggregator_.reset();
    AggregatorConfig c;
    c.data_dir = dir_.path();
    node::ChainEndpoints chain;
    chain.key = *service::parse_chain_key("evm:31337");
    chain.http_endpoints = {anvil_->http_url()};
    chain.confirmations = confirmations;
    c.chains = {chain};
    c.credential = Secret(credential);
    c.tx_poll_interval = 20ms;
    c.retry_interval = 100ms;  // a failed send is due again after this
    auto a = Aggregator::open(std::move(c));
    ASSERT_TRUE(a) << a.error().message();
    aggregator_ = std::move(*a);
  }

  service::Manager manager_ref() const { return {*service::parse_chain_key("evm:31337"), manager_->address()}; }
  std::string manager_json() const {
    return json{{"evm", {{"chain", "evm:31337"}, {"address", manager_->address().hex()}}}}.dump();
  }

  void add_service() {
    auto added = aggregator_->add_service(manager_ref());
    ASSERT_TRUE(added) << added.error().message();
  }

  static eth::EventId event(std::uint8_t n) {
    eth::EventId id;
    id.data[0] = 0xee;
    id.data[19] = n;
    return id;
  }

  // The packet operator `op` (0-based) sends for `event_id` with `payload`.
  node::Packet packet(int op, const eth::EventId& event_id, const std::string& payload) const {
    node::Packet p;
    p.service_manager = manager_ref();
    p.service_id = service::service_id(p.service_manager);
    p.workflow_id = "default";
    p.envelope.event_id = event_id;
    p.envelope.payload.assign(payload.begin(), payload.end());
    p.signature = p.envelope.sign(signing_keys_[static_cast<std::size_t>(op)]);
    p.signer = signing_keys_[static_cast<std::size_t>(op)].address();
    return p;
  }

  std::string payload_on_chain(const eth::EventId& id) const {
    auto p = submit_->get_payload(id);
    EXPECT_TRUE(p) << p.error().message();
    return p ? std::string(p->begin(), p->end()) : std::string();
  }

  test::TempDir dir_{"wavs-agg-anvil"};
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<crypto::PrivateKey> owner_key_;
  std::unique_ptr<chain::TxSender> owner_;
  std::unique_ptr<contracts::ServiceManager> manager_;
  std::unique_ptr<contracts::SimpleSubmit> submit_;
  std::vector<crypto::PrivateKey> signing_keys_;
  json manifest_;
  std::unique_ptr<ManifestServer> manifest_server_;
  std::unique_ptr<Aggregator> aggregator_;
};


TEST_F(AggregatorAnvil, LandsOnceAtQuorumAndAnswersLatePacketsWithTheTransaction) {
  add_service();
  const auto id = event(1);
  auto first = aggregator_->submit_packet(packet(0, id, "forty-two"));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_EQ(first->count, 1u);
  EXPECT_EQ(first->signed_weight, 1);
  EXPECT_EQ(first->threshold_weight, 2);
  EXPECT_EQ(first->total_weight, 3);
  EXPECT_FALSE(*submit_->is_handled(id));

  auto repeat = aggregator_->submit_packet(packet(0, id, "forty-two"));  // an outbox redelivery
  ASSERT_TRUE(repeat) << repeat.error().message();
  EXPECT_EQ(repeat->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_EQ(repeat->count, 1u);

  auto second = aggregator_->submit_packet(packet(1, id, "forty-two"));
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_EQ(second->kind, PacketOutcome::Kind::kSent);
  ASSERT_TRUE(second->tx_hash);
  auto receipt = rpc_->transaction_receipt(*second->tx_hash);
  ASSERT_TRUE(receipt && *receipt);
  EXPECT_TRUE((*receipt)->status);
  ASSERT_TRUE((*receipt)->to);
  EXPECT_EQ(*(*receipt)->to, submit_->address());
  EXPECT_TRUE(*submit_->is_handled(id));
  EXPECT_EQ(payload_on_chain(id), "forty-two");

  auto late = aggregator_->submit_packet(packet(2, id, "forty-two"));
  ASSERT_TRUE(late) << late.error().message();
  EXPECT_EQ(late->kind, PacketOutcome::Kind::kBurned);
  ASSERT_TRUE(late->tx_hash);
  EXPECT_EQ(*late->tx_hash, *second->tx_hash);
  EXPECT_EQ(*submit_->handled_count(), 1);

  // The answers' JSON, as POST /packets sends them.
  auto body = json::parse(to_json(*late));
  EXPECT_EQ(body["status"], "burned");
  EXPECT_EQ(body["tx_hash"], second->tx_hash->hex());
  auto agg_body = json::parse(to_json(*first));
  EXPECT_EQ(agg_body["status"], "aggregated");
  EXPECT_EQ(agg_body["threshold_weight"], "2");
}

TEST_F(AggregatorAnvil, AByzantinePayloadNeverCountsAndTheHonestOneLands) {
  add_service();
  const auto id = event(2);
  auto honest = aggregator_->submit_packet(packet(0, id, "honest"));
  auto liar = aggregator_->submit_packet(packet(1, id, "lie"));
  ASSERT_TRUE(honest && liar);
  EXPECT_EQ(honest->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_EQ(liar->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_NE(honest->queue_id, liar->queue_id);
  EXPECT_EQ(liar->count, 1u);  // the two signatures never met
  EXPECT_FALSE(*submit_->is_handled(id));

  auto third = aggregator_->submit_packet(packet(2, id, "honest"));
  ASSERT_TRUE(third) << third.error().message();
  ASSERT_EQ(third->kind, PacketOutcome::Kind::kSent);
  EXPECT_EQ(payload_on_chain(id), "honest");
  auto liar_again = aggregator_->submit_packet(packet(1, id, "lie"));
  ASSERT_TRUE(liar_again);
  EXPECT_EQ(liar_again->kind, PacketOutcome::Kind::kBurned);
}

TEST_F(AggregatorAnvil, RefusesWhatCannotCountWithTheReason) {
  // Not registered yet.
  auto unknown = aggregator_->submit_packet(packet(0, event(3), "x"));
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is(AggregatorErrc::kUnknownService)) << unknown.error().message();
  EXPECT_EQ(error_response(unknown.error()).status, 404u);

  add_service();
  auto again = aggregator_->add_service(manager_ref());
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(AggregatorErrc::kServiceExists));
  EXPECT_EQ(error_response(again.error()).status, 409u);

  // A signature by someone else than the packet claims.
  auto forged = packet(0, event(3), "x");
  forged.signer = signing_keys_[1].address();
  auto bad = aggregator_->submit_packet(forged);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(AggregatorErrc::kBadSignature)) << bad.error().message();
  EXPECT_EQ(error_response(bad.error()).status, 400u);

  // A well-signed packet by a key no operator bound.
  auto stranger = derive(kSigningMnemonic, 99);
  auto p = packet(0, event(3), "x");
  p.signature = p.envelope.sign(stranger);
  p.signer = stranger.address();
  auto who = aggregator_->submit_packet(p);
  ASSERT_FALSE(who);
  EXPECT_TRUE(who.error().is(AggregatorErrc::kUnknownSigner)) << who.error().message();
  EXPECT_NE(who.error().message().find(stranger.address().to_checksum()), std::string::npos);
  EXPECT_EQ(error_response(who.error()).status, 403u);

  auto wf = packet(0, event(3), "x");
  wf.workflow_id = "other";
  wf.signature = wf.envelope.sign(signing_keys_[0]);
  auto nowf = aggregator_->submit_packet(wf);
  ASSERT_FALSE(nowf);
  EXPECT_TRUE(nowf.error().is(AggregatorErrc::kUnknownWorkflow));

  // An operator removed after binding its key (the manager refuses a weight of zero, so
  // deregistering is how an operator loses its weight).
  auto removed = manager_->deregister_operator(*owner_, derive(kAnvilMnemonic, 3).address());
  ASSERT_TRUE(removed) << removed.error().message();
  auto weightless = aggregator_->submit_packet(packet(2, event(3), "x"));
  ASSERT_FALSE(weightless);
  EXPECT_TRUE(weightless.error().is(AggregatorErrc::kNoWeight) || weightless.error().is(AggregatorErrc::kUnknownSigner))
      << weightless.error().message();
  EXPECT_EQ(error_response(weightless.error()).status, 403u);
  EXPECT_FALSE(*submit_->is_handled(event(3)));
}

TEST_F(AggregatorAnvil, APendingQueueSurvivesARestart) {
  add_service();
  const auto id = event(4);
  auto first = aggregator_->submit_packet(packet(0, id, "durable"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, PacketOutcome::Kind::kAggregated);
  open_aggregator(derive_hex(4));  // a new process on the same data directory
  ASSERT_EQ(aggregator_->services().size(), 1u);
  auto second = aggregator_->submit_packet(packet(1, id, "durable"));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->kind, PacketOutcome::Kind::kSent);
  EXPECT_EQ(second->count, 2u);
  EXPECT_EQ(payload_on_chain(id), "durable");
}

TEST_F(AggregatorAnvil, AnUnfundedSubmitterKeepsTheQueueAndResumesOnceFunded) {
  auto broke = derive(kSigningMnemonic, 50);  // never funded
  open_aggregator(broke.reveal_hex().reveal());
  add_service();
  const auto id = event(5);
  ASSERT_TRUE(aggregator_->submit_packet(packet(0, id, "later")));
  auto failed = aggregator_->submit_packet(packet(1, id, "later"));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(AggregatorErrc::kChain)) << failed.error().message();
  EXPECT_EQ(error_response(failed.error()).status, 503u);  // the node retries
  EXPECT_NE(aggregator_->render_metrics().find("wavs_aggregator_submitter_underfunded{chain=\"evm:31337\"} 1"),
            std::string::npos)
      << aggregator_->render_metrics();
  EXPECT_FALSE(*submit_->is_handled(id));
  auto stats = aggregator_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->state.submitting, 1);

  // While it waits, the third packet is kept and answered without a second attempt.
  auto third = aggregator_->submit_packet(packet(2, id, "later"));
  ASSERT_TRUE(third) << third.error().message();
  EXPECT_EQ(third->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_TRUE(third->submitting);

  ASSERT_TRUE(owner_->send({.to = broke.address(), .data = {}, .value = eth::U256("1000000000000000000"), .gas_limit = std::nullopt}));
  // What the maintenance thread does every tick, driven by hand until the retry is due.
  for (int i = 0; i < 100 && !*submit_->is_handled(id); ++i) {
    std::this_thread::sleep_for(50ms);
    aggregator_->maintain();
  }
  EXPECT_TRUE(*submit_->is_handled(id));
  EXPECT_EQ(payload_on_chain(id), "later");
  EXPECT_NE(aggregator_->render_metrics().find("wavs_aggregator_submitter_underfunded{chain=\"evm:31337\"} 0"),
            std::string::npos);
  stats = aggregator_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->state.submitting, 0);
  EXPECT_EQ(stats->state.submitted, 1);
  auto late = aggregator_->submit_packet(packet(2, id, "later"));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->kind, PacketOutcome::Kind::kBurned);
}

TEST_F(AggregatorAnvil, ASubmissionCountsOnlyOnceItIsConfirmationsDeep) {
  open_aggregator(derive_hex(4), 3);
  add_service();
  const auto id = event(8);
  ASSERT_TRUE(aggregator_->submit_packet(packet(0, id, "deep")));
  // anvil mines only on transactions: a miner thread makes the blocks the wait needs.
  std::atomic<bool> mining{true};
  std::atomic<int> mined{0};
  std::thread miner([&] {
    while (mining) {
      std::this_thread::sleep_for(30ms);
      if (rpc_->request("anvil_mine", chain::Json::array({"0x1"}))) ++mined;
    }
  });
  auto before = rpc_->block_number();
  auto sent = aggregator_->submit_packet(packet(1, id, "deep"));
  auto after = rpc_->block_number();
  mining = false;
  miner.join();
  ASSERT_TRUE(sent) << sent.error().message();
  EXPECT_EQ(sent->kind, PacketOutcome::Kind::kSent);
  ASSERT_TRUE(sent->tx_hash && before && after);
  auto receipt = rpc_->transaction_receipt(*sent->tx_hash);
  ASSERT_TRUE(receipt && *receipt);
  EXPECT_GE(*after, (*receipt)->block_number + 3) << "answered before the receipt was 3 blocks deep";
  EXPECT_EQ(payload_on_chain(id), "deep");
}

TEST_F(AggregatorAnvil, SetServiceUriSwapsTheManifestAndABrokenOneIsKeptOut) {
  add_service();
  aggregator_->start();
  // A second handler, and a manifest that lands there.
  auto art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleSubmit");
  ASSERT_TRUE(art);
  auto other = contracts::deploy(*owner_, *art, contracts::simple_submit::encode_constructor(manager_->address()));
  ASSERT_TRUE(other) << other.error().message();
  contracts::SimpleSubmit second(*rpc_, *other);
  json m = manifest_;
  m["workflows"]["default"]["submit"]["aggregator"]["evm_contracts"][0]["address"] = other->hex();
  const auto old_hash = aggregator_->services().at(0).record.manifest_hash;
  manifest_server_->set(m.dump(), "");
  ASSERT_TRUE(manager_->set_service_uri(*owner_, manifest_server_->url() + "?v=2"));
  ASSERT_TRUE(eventually([&] { return aggregator_->services().at(0).record.manifest_hash != old_hash; }, 20'000ms))
      << "the aggregator did not pick up the new manifest";
  const auto id = event(9);
  ASSERT_TRUE(aggregator_->submit_packet(packet(0, id, "moved")));
  auto sent = aggregator_->submit_packet(packet(1, id, "moved"));
  ASSERT_TRUE(sent) << sent.error().message();
  EXPECT_EQ(sent->kind, PacketOutcome::Kind::kSent);
  EXPECT_TRUE(*second.is_handled(id));
  EXPECT_FALSE(*submit_->is_handled(id));

  // A manifest for another manager is refused; the working one stays.
  json broken = m;
  broken["manager"]["evm"]["address"] = other->hex();
  const auto good_hash = aggregator_->services().at(0).record.manifest_hash;
  manifest_server_->set(broken.dump(), "");
  ASSERT_TRUE(manager_->set_service_uri(*owner_, manifest_server_->url() + "?v=3"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(aggregator_->services().at(0).record.manifest_hash, good_hash);
}

TEST_F(AggregatorAnvil, AnEventLandedElsewhereIsBurnedNotResent) {
  add_service();
  const auto id = event(6);
  // Another aggregator landed it: the same signatures, sent by someone else.
  auto p0 = packet(0, id, "elsewhere");
  auto p1 = packet(1, id, "elsewhere");
  auto head = rpc_->block_number();
  ASSERT_TRUE(head);
  auto sigs = eth::SignatureData::from_signatures({{p0.signer, p0.signature}, {p1.signer, p1.signature}},
                                                  static_cast<std::uint32_t>(*head - 1));
  ASSERT_TRUE(sigs);
  ASSERT_TRUE(submit_->handle_signed_envelope(*owner_, p0.envelope, *sigs));

  auto first = aggregator_->submit_packet(p0);
  ASSERT_TRUE(first) << first.error().message();
  auto second = aggregator_->submit_packet(p1);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->kind, PacketOutcome::Kind::kBurned);
  EXPECT_FALSE(second->tx_hash);  // not ours
  EXPECT_EQ(*submit_->handled_count(), 1);
}

// The 2.0 shape: no evm_contracts, an aggregator component (examples/aggregator-c)
// decides where each envelope lands, fetched by the aggregator from a download source.
class AggregatorComponentAnvil : public AggregatorAnvil {
 protected:
  bool publish_component_manifest(const json& config) {
    const auto wasm_path = std::filesystem::path(WAVS_EXAMPLES_DIR) / "aggregator-c.wasm";
    if (!std::filesystem::exists(wasm_path)) return false;
    std::ifstream in(wasm_path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string wasm = bytes.str();
    json m = manifest_;
    m["workflows"]["default"]["submit"] = {
        {"aggregator",
         {{"component",
           {{"source",
             {{"download",
               {{"uri", manifest_server_->component_url()},
                {"digest", crypto::sha256(as_bytes(wasm)).hex(HexPrefix::kNone)}}}}},
            {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
            {"config", config},
            {"env_keys", json::array()}}},
          {"signature_kind", {{"algorithm", "secp256k1"}, {"prefix", "eip191"}}}}}};
    manifest_server_->set(m.dump(), wasm);
    return true;
  }
};

TEST_F(AggregatorComponentAnvil, TheComponentChoosesTheHandler) {
  if (!publish_component_manifest({{"chain", "evm:31337"}, {"address", submit_->address().hex()}})) {
    GTEST_SKIP() << "aggregator-c.wasm was not built (no clang-19)";
  }
  add_service();
  const auto id = event(20);
  auto first = aggregator_->submit_packet(packet(0, id, "routed"));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->kind, PacketOutcome::Kind::kAggregated);
  auto second = aggregator_->submit_packet(packet(1, id, "routed"));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->kind, PacketOutcome::Kind::kSent);
  EXPECT_EQ(payload_on_chain(id), "routed");

  // An empty payload is landed nowhere by this component: refused, naming why.
  auto nowhere = aggregator_->submit_packet(packet(0, event(21), ""));
  ASSERT_FALSE(nowhere);
  EXPECT_TRUE(nowhere.error().is(AggregatorErrc::kNoDestination)) << nowhere.error().message();
}

TEST_F(AggregatorComponentAnvil, ATimerHoldsTheSubmissionBack) {
  if (!publish_component_manifest(
          {{"chain", "evm:31337"}, {"address", submit_->address().hex()}, {"delay_ms", "300"}})) {
    GTEST_SKIP() << "aggregator-c.wasm was not built (no clang-19)";
  }
  add_service();
  const auto id = event(22);
  auto first = aggregator_->submit_packet(packet(0, id, "later"));
  ASSERT_TRUE(first) << first.error().message();
  auto second = aggregator_->submit_packet(packet(1, id, "later"));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->kind, PacketOutcome::Kind::kAggregated);
  EXPECT_TRUE(second->submitting);
  EXPECT_FALSE(*submit_->is_handled(id));  // not before the timer
  for (int i = 0; i < 100 && !*submit_->is_handled(id); ++i) {
    std::this_thread::sleep_for(20ms);
    aggregator_->maintain();
  }
  EXPECT_TRUE(*submit_->is_handled(id));
}

TEST_F(AggregatorComponentAnvil, ABadComponentSourceIsRefusedAtRegistration) {
  if (!publish_component_manifest({{"chain", "evm:31337"}, {"address", submit_->address().hex()}})) {
    GTEST_SKIP() << "aggregator-c.wasm was not built (no clang-19)";
  }
  json m = json::parse(manifest_server_->body());
  m["workflows"]["default"]["submit"]["aggregator"]["component"]["source"]["download"]["digest"] = std::string(64, 'b');
  manifest_server_->set(m.dump(), manifest_server_->wasm());
  auto added = aggregator_->add_service(manager_ref());
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message().find("submit.aggregator.component.source"), std::string::npos)
      << added.error().message();
  EXPECT_TRUE(aggregator_->services().empty());
}

TEST_F(AggregatorAnvil, TheHttpRoutesAnswerAsDocumented) {
  httpd::Router router;
  ASSERT_TRUE(add_routes(router, *aggregator_));
  httpd::ServerConfig sc;
  sc.bearer_token = Secret("agg-token");
  auto call = [&](const std::string& method, const std::string& path, const std::string& body,
                  const std::string& extra = "") {
    std::string raw = method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra +
                      "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return httpd::handle_raw_request(raw, router, sc);
  };
  const std::string reg = json{{"service_manager", json::parse(manager_json())}}.dump();
  EXPECT_EQ(call("POST", "/services", reg).status, 401u);
  auto added = call("POST", "/services", reg, "Authorization: Bearer agg-token\r\n");
  ASSERT_EQ(added.status, 200u) << added.body;
  EXPECT_EQ(json::parse(added.body)["name"], "aggregator-test");
  EXPECT_EQ(call("POST", "/services", reg, "Authorization: Bearer agg-token\r\n").status, 409u);
  auto listed = json::parse(call("GET", "/services", "").body);
  ASSERT_EQ(listed["services"].size(), 1u);

  auto bad = call("POST", "/packets", R"({"service_id": 5})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("service_id"), std::string::npos) << bad.body;  // names the member

  auto sent = call("POST", "/packets", node::to_json(packet(0, event(7), "via http")));
  ASSERT_EQ(sent.status, 200u) << sent.body;
  EXPECT_EQ(json::parse(sent.body)["status"], "aggregated");
  sent = call("POST", "/packets", node::to_json(packet(1, event(7), "via http")));
  ASSERT_EQ(sent.status, 200u) << sent.body;
  EXPECT_EQ(json::parse(sent.body)["status"], "sent");
  EXPECT_EQ(payload_on_chain(event(7)), "via http");

  auto info = json::parse(call("GET", "/info", "").body);
  EXPECT_EQ(info["submitter"], derive(kAnvilMnemonic, 4).address().to_checksum());
  EXPECT_EQ(info["queues"]["submitted"], 1);
  auto health = call("GET", "/health", "");
  EXPECT_EQ(health.status, 200u) << health.body;
  EXPECT_EQ(call("GET", "/nope", "").status, 404u);
  auto metrics = call("GET", "/metrics", "");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("wavs_aggregator_packets_total{result=\"sent\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("wavs_aggregator_queues{status=\"submitted\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("wavs_aggregator_gas_used_total{chain=\"evm:31337\"}"), std::string::npos);
  auto doc = json::parse(call("GET", "/api-docs/openapi.json", "").body);
  EXPECT_TRUE(doc["paths"].contains("/packets"));
}

}  // namespace
}  // namespace wavs::aggregator
