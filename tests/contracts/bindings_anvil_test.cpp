// The contract bindings against the real contracts on a real anvil: deployment from the
// forge artifacts, operator registration, key binding, quorum and service URI set and read
// back through the bindings, the manager's and trigger's events decoded from real logs, a
// signed envelope landed through handleSignedEnvelope, and validate()'s rejections
// decoded into typed errors.

#include <gtest/gtest.h>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "crypto/hd.hpp"
#include "forge_artifacts.hpp"

namespace wavs::contracts {
namespace {

using chain::testing::Anvil;
using std::chrono::milliseconds;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr std::uint64_t kWeights[3] = {10, 20, 30};  // total 60; at 2/3 the threshold is 40

chain::TxSenderConfig sender_config() {
  chain::TxSenderConfig config;
  config.poll_interval = milliseconds(20);
  config.receipt_timeout = milliseconds(60'000);
  config.known_errors = abi_errors();
  return config;
}

// The typed reason of a failed call, or a failure naming what was expected.
template <class E>
std::optional<E> reverted_with(const Error& error) {
  EXPECT_TRUE(error.is(chain::ChainErrc::kReverted)) << error.message();
  auto why = contract_error(error);
  if (!why) return std::nullopt;
  const E* e = std::get_if<E>(&*why);
  EXPECT_NE(e, nullptr) << "reverted with " << to_string(*why) << ": " << error.message();
  return e ? std::optional<E>(*e) : std::nullopt;
}

class Bindings : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { state_ = new testing::ArtifactState(testing::ensure_artifacts()); }
  static void TearDownTestSuite() {
    delete state_;
    state_ = nullptr;
  }

  void SetUp() override {
    if (!state_->skip_reason.empty()) GTEST_SKIP() << state_->skip_reason;
    ASSERT_TRUE(state_->ready) << state_->failure;

    auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
    ASSERT_TRUE(mnemonic);
    auto key = [&](std::uint32_t index) { return *crypto::derive_eth_key(*mnemonic, index); };
    ASSERT_EQ(key(0).address().hex(), chain::testing::kAccount0);
    owner_key_ = std::make_unique<crypto::PrivateKey>(key(0));
    for (std::uint32_t i = 0; i < 3; ++i) {
      operators_.push_back(key(1 + i));
      signing_keys_.push_back(key(11 + i));  // never funded: they only sign
    }
    aggregator_key_ = std::make_unique<crypto::PrivateKey>(key(4));

    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
    owner_ = std::make_unique<chain::TxSender>(*rpc_, *owner_key_, sender_config());
    aggregator_ = std::make_unique<chain::TxSender>(*rpc_, *aggregator_key_, sender_config());

    auto manager_art = load_artifact(testing::out_dir(), "WavsServiceManager");
    ASSERT_TRUE(manager_art) << manager_art.error().message();
    auto manager =
        deploy(*owner_, *manager_art, service_manager::encode_constructor(owner_key_->address(), {2, 3}));
    ASSERT_TRUE(manager) << manager.error().message();
    manager_ = std::make_unique<ServiceManager>(*rpc_, *manager);

    auto submit_art = load_artifact(testing::out_dir(), "SimpleSubmit");
    ASSERT_TRUE(submit_art) << submit_art.error().message();
    auto submit = deploy(*owner_, *submit_art, simple_submit::encode_constructor(*manager));
    ASSERT_TRUE(submit) << submit.error().message();
    handler_ = std::make_unique<SimpleSubmit>(*rpc_, *submit);

    auto trigger_art = load_artifact(testing::out_dir(), "SimpleTrigger");
    ASSERT_TRUE(trigger_art) << trigger_art.error().message();
    auto trigger = deploy(*owner_, *trigger_art);
    ASSERT_TRUE(trigger) << trigger.error().message();
    trigger_ = std::make_unique<SimpleTrigger>(*rpc_, *trigger);
  }

  void TearDown() override {
    aggregator_.reset();
    owner_.reset();
    rpc_.reset();
    anvil_.reset();
  }

  chain::TxSender operator_sender(std::size_t i) {
    return chain::TxSender(*rpc_, operators_[i], sender_config());
  }

  // Registers the three operators and binds their signing keys, then mines a block so the
  // whole set-up lies at or below the reference block of later submissions.
  void register_all() {
    for (std::size_t i = 0; i < 3; ++i) {
      auto reg = manager_->register_operator(*owner_, operators_[i].address(), kWeights[i]);
      ASSERT_TRUE(reg) << reg.error().message();
      auto registered = events_in<OperatorRegistered>(reg->receipt, manager_->address());
      ASSERT_TRUE(registered) << registered.error().message();
      ASSERT_EQ(registered->size(), 1u);
      EXPECT_EQ((*registered)[0], (OperatorRegistered{operators_[i].address(), kWeights[i]}));

      auto sender = operator_sender(i);
      const auto proof =
          service_manager::signing_key_binding_proof(signing_keys_[i], operators_[i].address());
      auto bound = manager_->update_operator_signing_key(sender, signing_keys_[i].address(), proof);
      ASSERT_TRUE(bound) << bound.error().message();
      auto updated = events_in<SigningKeyUpdated>(bound->receipt, manager_->address());
      ASSERT_TRUE(updated) << updated.error().message();
      ASSERT_EQ(updated->size(), 1u);
      EXPECT_EQ((*updated)[0],
                (SigningKeyUpdated{operators_[i].address(), signing_keys_[i].address(), Address{}}));
    }
    ASSERT_TRUE(rpc_->request("evm_mine", chain::Json::array()));
  }

  // Signed by the signing keys at `who`, reference block = latest − 1.
  eth::SignatureData sign(const eth::Envelope& envelope, const std::vector<std::size_t>& who) {
    auto latest = rpc_->block_number();
    EXPECT_TRUE(latest && *latest > 0);
    std::vector<std::pair<Address, crypto::Signature>> signed_by;
    for (std::size_t i : who)
      signed_by.emplace_back(signing_keys_[i].address(), envelope.sign(signing_keys_[i]));
    auto data = eth::SignatureData::from_signatures(std::move(signed_by),
                                                    latest ? static_cast<std::uint32_t>(*latest - 1) : 0);
    EXPECT_TRUE(data) << data.error().message();
    return data ? *data : eth::SignatureData{};
  }

  static testing::ArtifactState* state_;
  std::unique_ptr<crypto::PrivateKey> owner_key_, aggregator_key_;
  std::vector<crypto::PrivateKey> operators_, signing_keys_;
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<chain::TxSender> owner_, aggregator_;
  std::unique_ptr<ServiceManager> manager_;
  std::unique_ptr<SimpleSubmit> handler_;
  std::unique_ptr<SimpleTrigger> trigger_;
};
testing::ArtifactState* Bindings::state_ = nullptr;

TEST_F(Bindings, OperatorsKeysQuorumAndUriSetAndReadBack) {
  auto before = rpc_->block_number();
  ASSERT_TRUE(before);
  register_all();
  if (HasFatalFailure()) return;

  EXPECT_EQ(*manager_->owner(), owner_key_->address());
  EXPECT_EQ(*manager_->get_operator_count(), 3);
  EXPECT_EQ(*manager_->get_total_weight(), 60);
  auto listed = manager_->get_operators();
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Address op = operators_[i].address(), key = signing_keys_[i].address();
    EXPECT_NE(std::find(listed->begin(), listed->end(), op), listed->end());
    EXPECT_TRUE(*manager_->is_operator(op));
    EXPECT_EQ(*manager_->get_operator_weight(op), kWeights[i]);
    // At a block before registration, through eth_call's block and through the checkpoints.
    EXPECT_EQ(*manager_->get_operator_weight(op, BlockRef::at(*before)), 0);
    EXPECT_EQ(*manager_->get_operator_weight_at(op, static_cast<std::uint32_t>(*before)), 0);
    EXPECT_EQ(*manager_->get_latest_operator_for_signing_key(key), op);
    EXPECT_EQ(*manager_->get_latest_signing_key_for_operator(op), key);
  }
  EXPECT_EQ(*manager_->get_latest_operator_for_signing_key(aggregator_key_->address()), Address{});
  EXPECT_FALSE(*manager_->is_operator(aggregator_key_->address()));

  // Quorum: 2/3 from the constructor, then 3/4.
  EXPECT_EQ(*manager_->get_quorum(), (Quorum{2, 3}));
  EXPECT_EQ(*manager_->get_threshold_weight(), 40);
  auto quorum = manager_->update_quorum(*owner_, {3, 4});
  ASSERT_TRUE(quorum) << quorum.error().message();
  auto quorum_events = events_in<QuorumThresholdUpdated>(quorum->receipt, manager_->address());
  ASSERT_TRUE(quorum_events);
  ASSERT_EQ(quorum_events->size(), 1u);
  EXPECT_EQ((*quorum_events)[0], (QuorumThresholdUpdated{3, 4}));
  EXPECT_EQ(*manager_->get_quorum(), (Quorum{3, 4}));
  EXPECT_EQ(*manager_->get_threshold_weight(), 45);
  const auto quorum_block = static_cast<std::uint32_t>(quorum->receipt.block_number);
  EXPECT_EQ(*manager_->get_quorum_at(quorum_block - 1), (Quorum{2, 3}));
  EXPECT_EQ(*manager_->get_quorum_at(quorum_block), (Quorum{3, 4}));
  auto bad_quorum = manager_->update_quorum(*owner_, {5, 4});
  ASSERT_FALSE(bad_quorum);
  EXPECT_TRUE(reverted_with<InvalidQuorumParameters>(bad_quorum.error()));

  // Service URI, and its event read back with eth_getLogs as a node would.
  EXPECT_EQ(*manager_->get_service_uri(), "");
  const std::string uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/service.json";
  auto set = manager_->set_service_uri(*owner_, uri);
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(*manager_->get_service_uri(), uri);
  EXPECT_EQ(*manager_->get_service_uri(BlockRef::at(set->receipt.block_number - 1)), "");
  chain::LogFilter filter{{manager_->address()}, {manager_event_topics()}};
  auto logs = rpc_->get_logs(filter, 0, set->receipt.block_number);
  ASSERT_TRUE(logs) << logs.error().message();
  std::vector<std::string> uris;
  std::size_t registrations = 0, key_updates = 0;
  for (const auto& log : *logs) {
    auto event = decode_manager_event(log);
    ASSERT_TRUE(event) << event.error().message();
    if (auto* u = std::get_if<ServiceURIUpdated>(&*event)) uris.push_back(u->service_uri);
    registrations += std::holds_alternative<OperatorRegistered>(*event);
    key_updates += std::holds_alternative<SigningKeyUpdated>(*event);
  }
  EXPECT_EQ(uris, std::vector<std::string>{uri});
  EXPECT_EQ(registrations, 3u);
  EXPECT_EQ(key_updates, 3u);

  // Reweight and removal, with their events; removal unbinds the key.
  auto reweight = manager_->update_operator_weight(*owner_, operators_[0].address(), 15);
  ASSERT_TRUE(reweight) << reweight.error().message();
  auto weights = events_in<OperatorWeightUpdated>(reweight->receipt, manager_->address());
  ASSERT_TRUE(weights && weights->size() == 1u);
  EXPECT_EQ((*weights)[0], (OperatorWeightUpdated{operators_[0].address(), 10, 15}));
  EXPECT_EQ(*manager_->get_total_weight(), 65);

  // Regression: the deregistration right after the reweight. Estimated at "latest"
  // (block.number = the reweight's block) its checkpoints would be overwritten in place,
  // while mined in the next block it appends new ones and needed ~40 % more gas than
  // estimated: out of gas. TxSender now estimates at "pending".
  auto removed = manager_->deregister_operator(*owner_, operators_[0].address());
  ASSERT_TRUE(removed) << removed.error().message();
  auto gone = events_in<OperatorDeregistered>(removed->receipt, manager_->address());
  ASSERT_TRUE(gone && gone->size() == 1u);
  EXPECT_EQ((*gone)[0].operator_address, operators_[0].address());
  auto unbound = events_in<SigningKeyUpdated>(removed->receipt, manager_->address());
  ASSERT_TRUE(unbound && unbound->size() == 1u);
  EXPECT_EQ((*unbound)[0],
            (SigningKeyUpdated{operators_[0].address(), Address{}, signing_keys_[0].address()}));
  EXPECT_EQ(*manager_->get_latest_operator_for_signing_key(signing_keys_[0].address()), Address{});
  EXPECT_EQ(*manager_->get_operator_for_signing_key_at(
                signing_keys_[0].address(), static_cast<std::uint32_t>(removed->receipt.block_number - 1)),
            operators_[0].address());
  EXPECT_EQ(*manager_->get_total_weight(), 50);
  EXPECT_EQ(*manager_->get_total_weight_at(static_cast<std::uint32_t>(reweight->receipt.block_number)), 65);

  auto age = manager_->set_max_reference_block_age(*owner_, 7200);
  ASSERT_TRUE(age) << age.error().message();
  auto age_events = events_in<MaxReferenceBlockAgeUpdated>(age->receipt, manager_->address());
  ASSERT_TRUE(age_events && age_events->size() == 1u);
  EXPECT_EQ((*age_events)[0].max_age, 7200);
  EXPECT_EQ(*manager_->get_max_reference_block_age(), 7200);
}

TEST_F(Bindings, RegistrationMistakesRevertWithTypedErrors) {
  register_all();
  if (HasFatalFailure()) return;

  // Not the owner: the operator's own sender.
  auto op1 = operator_sender(1);
  auto not_owner = manager_->register_operator(op1, aggregator_key_->address(), 5);
  ASSERT_FALSE(not_owner);
  EXPECT_NE(not_owner.error().message().find("WavsServiceManager.registerOperator"), std::string::npos)
      << not_owner.error().message();
  auto unauthorized = reverted_with<OwnableUnauthorizedAccount>(not_owner.error());
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->account, operators_[1].address());

  auto zero = manager_->register_operator(*owner_, aggregator_key_->address(), 0);
  ASSERT_FALSE(zero);
  EXPECT_TRUE(reverted_with<InvalidWeight>(zero.error()));

  auto twice = manager_->register_operator(*owner_, operators_[2].address(), 1);
  ASSERT_FALSE(twice);
  auto already = reverted_with<OperatorAlreadyRegistered>(twice.error());
  ASSERT_TRUE(already);
  EXPECT_EQ(already->operator_address, operators_[2].address());

  // Another operator's key, and a proof made for someone else.
  const auto proof = service_manager::signing_key_binding_proof(signing_keys_[0], operators_[1].address());
  auto taken = manager_->update_operator_signing_key(op1, signing_keys_[0].address(), proof);
  ASSERT_FALSE(taken);
  auto bound = reverted_with<SigningKeyAlreadyBound>(taken.error());
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->signing_key, signing_keys_[0].address());
  EXPECT_EQ(bound->operator_address, operators_[0].address());

  const crypto::PrivateKey fresh = *crypto::derive_eth_key(*crypto::Mnemonic::parse(kAnvilMnemonic), 20);
  const auto wrong_proof = service_manager::signing_key_binding_proof(fresh, operators_[2].address());
  auto bad = manager_->update_operator_signing_key(op1, fresh.address(), wrong_proof);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(reverted_with<InvalidSigningKeySignature>(bad.error()));
}

TEST_F(Bindings, TriggerEventThenASignedEnvelopeLandsOnce) {
  register_all();
  if (HasFatalFailure()) return;

  const Bytes data = {0xde, 0xad, 0xbe, 0xef};
  auto added = trigger_->add_trigger(*aggregator_, data);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(added->trigger, (TriggerInfo{1, aggregator_key_->address(), data}));
  EXPECT_EQ(*trigger_->last_trigger_id(), 1u);
  EXPECT_EQ(*trigger_->get_trigger(1), added->trigger);
  auto unknown = trigger_->get_trigger(2);
  ASSERT_FALSE(unknown);
  auto unknown_id = reverted_with<UnknownTrigger>(unknown.error());
  ASSERT_TRUE(unknown_id);
  EXPECT_EQ(unknown_id->trigger_id, 2u);

  // The NewTrigger log as a node's log stream would get it.
  chain::LogFilter filter{{trigger_->address()}, {{event_topic<NewTrigger>()}}};
  auto logs =
      rpc_->get_logs(filter, added->outcome.receipt.block_number, added->outcome.receipt.block_number);
  ASSERT_TRUE(logs) << logs.error().message();
  ASSERT_EQ(logs->size(), 1u);
  auto event = decode_event<NewTrigger>((*logs)[0]);
  ASSERT_TRUE(event) << event.error().message();
  EXPECT_EQ(*simple_trigger::decode_trigger_info(event->trigger_info), added->trigger);

  ASSERT_TRUE(rpc_->request("evm_mine", chain::Json::array()));
  eth::Envelope envelope;
  envelope.event_id.data.fill(0x5e);
  envelope.ordering = eth::Envelope::ordering_from_u64(1);
  envelope.payload = data;
  EXPECT_EQ(*manager_->envelope_digest(envelope), envelope.digest());
  const eth::SignatureData all = sign(envelope, {0, 1, 2});

  auto verdict = manager_->validate(envelope, all);
  ASSERT_TRUE(verdict) << verdict.error().message();
  EXPECT_TRUE(verdict->accepted()) << to_string(*verdict->rejection);
  auto dry = handler_->simulate_handle_signed_envelope(envelope, all, aggregator_->address());
  ASSERT_TRUE(dry) << dry.error().message();
  EXPECT_TRUE(dry->accepted()) << to_string(*dry->rejection);

  EXPECT_EQ(*handler_->get_service_manager(), manager_->address());
  EXPECT_FALSE(*handler_->is_handled(envelope.event_id));
  auto landed = handler_->handle_signed_envelope(*aggregator_, envelope, all);
  ASSERT_TRUE(landed) << landed.error().message();
  auto handled = events_in<EnvelopeHandled>(landed->receipt, handler_->address());
  ASSERT_TRUE(handled) << handled.error().message();
  ASSERT_EQ(handled->size(), 1u);
  EXPECT_EQ((*handled)[0], (EnvelopeHandled{envelope.event_id, envelope.ordering, data}));
  EXPECT_TRUE(*handler_->is_handled(envelope.event_id));
  EXPECT_EQ(*handler_->get_payload(envelope.event_id), data);
  EXPECT_EQ(*handler_->handled_count(), 1);

  // Replays: the simulation and the transaction both say EventAlreadyHandled.
  auto replay_dry = handler_->simulate_handle_signed_envelope(envelope, all, aggregator_->address());
  ASSERT_TRUE(replay_dry) << replay_dry.error().message();
  ASSERT_FALSE(replay_dry->accepted());
  EXPECT_EQ(*replay_dry->rejection, ContractError(EventAlreadyHandled{envelope.event_id}));
  auto replay = handler_->handle_signed_envelope(*aggregator_, envelope, all);
  ASSERT_FALSE(replay);
  auto already = reverted_with<EventAlreadyHandled>(replay.error());
  ASSERT_TRUE(already);
  EXPECT_EQ(already->event_id, envelope.event_id);
  EXPECT_EQ(*handler_->handled_count(), 1);
}

TEST_F(Bindings, ValidateRejectionsAreTypedVerdicts) {
  register_all();
  if (HasFatalFailure()) return;
  eth::Envelope envelope;
  envelope.event_id.data.fill(0x77);
  envelope.payload = {1, 2, 3};

  // 10 + 20 of 60; the threshold is ceil(60 · 2/3) = 40.
  auto short_of_quorum = manager_->validate(envelope, sign(envelope, {0, 1}));
  ASSERT_TRUE(short_of_quorum) << short_of_quorum.error().message();
  ASSERT_FALSE(short_of_quorum->accepted());
  EXPECT_EQ(*short_of_quorum->rejection, ContractError(InsufficientQuorum{30, 40, 60}))
      << to_string(*short_of_quorum->rejection);
  // The handler passes the manager's error through, in simulation and for real.
  auto dry = handler_->simulate_handle_signed_envelope(envelope, sign(envelope, {0, 1}));
  ASSERT_TRUE(dry) << dry.error().message();
  ASSERT_FALSE(dry->accepted());
  EXPECT_EQ(*dry->rejection, ContractError(InsufficientQuorum{30, 40, 60}));
  auto sent = handler_->handle_signed_envelope(*aggregator_, envelope, sign(envelope, {0, 1}));
  ASSERT_FALSE(sent);
  EXPECT_TRUE(reverted_with<InsufficientQuorum>(sent.error()));

  auto enough = manager_->validate(envelope, sign(envelope, {0, 2}));
  ASSERT_TRUE(enough) << enough.error().message();
  EXPECT_TRUE(enough->accepted());

  eth::SignatureData unsorted = sign(envelope, {0, 1, 2});
  std::swap(unsorted.signers[0], unsorted.signers[1]);
  std::swap(unsorted.signatures[0], unsorted.signatures[1]);
  EXPECT_EQ(*manager_->validate(envelope, unsorted)->rejection, ContractError(InvalidSignatureOrder{}));

  eth::SignatureData future = sign(envelope, {0, 1, 2});
  future.reference_block += 100;
  EXPECT_EQ(*manager_->validate(envelope, future)->rejection, ContractError(InvalidSignatureBlock{}));

  eth::Envelope other = envelope;
  other.payload.push_back(4);
  EXPECT_EQ(*manager_->validate(other, sign(envelope, {0, 1, 2}))->rejection,
            ContractError(InvalidSignature{}));
  EXPECT_EQ(*manager_->validate(envelope, eth::SignatureData{})->rejection,
            ContractError(InvalidSignatureLength{}));

  // A verdict is judged at a block: before registration, nobody had weight.
  auto at_deploy = manager_->validate(envelope, sign(envelope, {0, 1, 2}), BlockRef::at(3));
  ASSERT_TRUE(at_deploy) << at_deploy.error().message();
  ASSERT_FALSE(at_deploy->accepted());
}

TEST(BindingsOffline, AnUnreachableNodeIsAnErrorNotAVerdict) {
  chain::RpcConfig rc;
  rc.http_endpoints = {"http://127.0.0.1:1"};
  rc.connect_timeout = milliseconds(500);
  rc.request_timeout = milliseconds(500);
  rc.call_deadline = milliseconds(2'000);
  rc.max_attempts = 1;
  chain::RpcClient rpc(rc);
  Address where;
  where.data.fill(0x12);
  ServiceManager manager(rpc, where);
  auto verdict = manager.validate(eth::Envelope{}, eth::SignatureData{});
  ASSERT_FALSE(verdict);
  EXPECT_FALSE(contract_error(verdict.error()));
  EXPECT_NE(verdict.error().message().find("WavsServiceManager.validate (" + where.to_checksum() + ")"),
            std::string::npos)
      << verdict.error().message();
  auto uri = manager.get_service_uri();
  ASSERT_FALSE(uri);
  EXPECT_NE(uri.error().message().find("WavsServiceManager.getServiceURI"), std::string::npos);
}

}  // namespace
}  // namespace wavs::contracts
