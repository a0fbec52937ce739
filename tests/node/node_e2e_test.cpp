// The operator node as operators run it: a real `wavs node` process with its own config
// file and data directory, a real anvil with the real contracts (forge artifacts), the
// example square component, and a test endpoint standing in for the aggregator. A
// service registered through the API fires on a contract event; the packet it delivers
// must recover to the service's signing address and carry the digest the contract
// computes (envelopeDigest). The API's error answers are checked on the same process.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "node_fixture.hpp"

namespace wavs::node::e2e {
namespace {

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
  ASSERT_TRUE(list[0].at("tier").is_string()) << results->body;
  EXPECT_TRUE(list[0].at("tier") == "interp" || list[0].at("tier") == "aot") << results->body;

  // Metrics count what happened.
  // (Gauges are refreshed by the node's maintenance tick: wait for the first one.)
  auto metrics = http("GET", node_->url() + "/metrics");
  testing::eventually(
      [&] {
        metrics = http("GET", node_->url() + "/metrics");
        return metrics && metrics->body.find("wavs_dispatcher_queue_depth{") != std::string::npos;
      },
      10'000ms);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  for (const char* name : {"wavs_triggers_received_total", "wavs_component_runs_total",
                           "wavs_component_run_duration_seconds", "wavs_outbox_deliveries_total",
                           "wavs_registered_services 1", "wavs_dispatcher_queue_depth"}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name << " missing from\n" << metrics->body;
  }
  EXPECT_NE(metrics->content_type.find("text/plain"), std::string::npos);

  // A clean stop: SIGTERM ends the process with status 0.
  EXPECT_EQ(node_->terminate(), 0) << node_->log();
}


// The node's default tier (auto): the interpreter serves while the component compiles in
// the background, then later runs are native code, with the same answers. (Fuel is
// compared between the tiers by the aot and guest tests on equal inputs; here every event
// differs in its block and transaction, and so in the guest's parsing work.)
TEST_F(NodeE2E, AServiceSwitchesToNativeCodeOnceItsCompileIsDone) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  const std::string base = node_->url() + "/services/evm:31337/" + manager_->address().hex();
  std::set<std::string> tiers;
  const auto deadline = std::chrono::steady_clock::now() + 240s;  // a C compile on a busy CI machine
  std::size_t fired = 0;
  while (tiers.count("aot") == 0 && std::chrono::steady_clock::now() < deadline) {
    auto added = trigger_->add_trigger(*owner_, u256_word(7));
    ASSERT_TRUE(added) << added.error().message();
    ++fired;
    ASSERT_TRUE(receiver_.wait_for(fired, 60'000ms)) << "no packet for trigger " << fired;
    auto packet = parse_packet(receiver_.bodies().back());
    ASSERT_TRUE(packet) << packet.error().message();
    EXPECT_TRUE(packet->verify());
    EXPECT_EQ(packet->envelope.payload, u256_word(49)) << "the same answer on every tier";
    auto results = http("GET", base + "/results");
    ASSERT_TRUE(results);
    ASSERT_EQ(results->status, 200) << results->body;
    const json newest = json::parse(results->body).at("results").at(0);
    ASSERT_EQ(newest.at("status"), "succeeded") << results->body;
    const std::string tier = newest.at("tier").get<std::string>();
    EXPECT_TRUE(tier == "interp" || tier == "aot") << tier;
    tiers.insert(tier);
    if (tier != "aot") std::this_thread::sleep_for(1s);
  }
  ASSERT_EQ(tiers.count("aot"), 1u) << "no run on native code within the bound\n" << node_->log();
  EXPECT_NE(node_->log().find("now runs as native code"), std::string::npos);
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

// Fairness, as order: 1,000 events for service A and then one for service B land in the
// same block, so the node records them in one batch, A's first. B's packet must come
// out among the first few, not behind A's flood (per-service queues served in turn);
// a single FIFO queue would put it last. Packets leave the outbox of one destination
// in the order runs completed, so the receiver sees the completion order.
TEST_F(NodeE2E, FloodOnOneServiceDoesNotHoldBackAnother) {
  auto reg = register_service();
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto other_manager = deploy_manager();
  auto trigger_art = contracts::load_artifact(contracts::testing::out_dir(), "SimpleTrigger");
  ASSERT_TRUE(trigger_art);
  auto other_trigger_address = contracts::deploy(*owner_, *trigger_art);
  ASSERT_TRUE(other_trigger_address) << other_trigger_address.error().message();
  contracts::SimpleTrigger other_trigger(*rpc_, *other_trigger_address);
  auto other = register_manifest({{"default", workflow_json(event_trigger(&other_trigger), upload("square-c"))}},
                                 "active", other_manager.get());
  ASSERT_EQ(other.status, 200) << other.body;

  // An unlocked anvil account of its own, so the fixture's sender keeps its nonces.
  auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
  ASSERT_TRUE(mnemonic);
  const std::string from = crypto::derive_eth_key(*mnemonic, 5)->address().hex();
  auto send = [&](const chain::Address& to, std::uint64_t x) {
    chain::Json tx = {{"from", from},
                      {"to", to.hex()},
                      {"gas", "0x30d40"},
                      {"data", to_hex(contracts::simple_trigger::encode_add_trigger(u256_word(x)))}};
    return rpc_->request("eth_sendTransaction", chain::Json::array({tx}));
  };
  constexpr int kFlood = 1000;
  ASSERT_TRUE(rpc_->request("evm_setAutomine", chain::Json::array({false})));
  for (int i = 1; i <= kFlood; ++i) ASSERT_TRUE(send(trigger_->address(), static_cast<std::uint64_t>(i))) << i;
  ASSERT_TRUE(send(other_trigger.address(), 5));
  ASSERT_TRUE(rpc_->request("evm_mine", chain::Json::array()));
  ASSERT_TRUE(rpc_->request("evm_setAutomine", chain::Json::array({true})));

  ASSERT_TRUE(receiver_.wait_for(kFlood + 1, 300'000ms)) << receiver_.bodies().size() << " packets";
  const auto bodies = receiver_.bodies();
  std::size_t position = bodies.size();
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    auto p = parse_packet(bodies[i]);
    ASSERT_TRUE(p);
    if (p->service_manager.address == service::Address(other_manager->address())) {
      EXPECT_EQ(p->envelope.payload, u256_word(25));
      position = i;
      break;
    }
  }
  ASSERT_LT(position, bodies.size()) << "no packet of the second service";
  // Two run slots on two cores: B starts within the first few runs after it is queued.
  EXPECT_LT(position, 50u) << "the second service's packet came out at position " << position << " of "
                           << bodies.size();
}

}  // namespace
}  // namespace wavs::node::e2e
