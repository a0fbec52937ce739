// The product's core promise end to end, with the modules that exist and no node: a
// compiled component runs (component::execute), each Response becomes an eth::Envelope,
// three operator signing keys sign it, and chain::TxSender submits
// handleSignedEnvelope(envelope, signatureData) to the real SimpleSubmit contract on
// anvil, whose WavsServiceManager.validate must accept it. Replays and under-weight
// signatures must revert with the contracts' custom errors, decoded by the sender.
//
// The contracts are the forge artifacts of contracts/ (built here when missing, since
// `make test` runs ctest before forge).

#include <gtest/gtest.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "common/bytes.hpp"
#include "component/runner.hpp"
#include "component/trigger.hpp"
#include "crypto/hash.hpp"
#include "crypto/hd.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/envelope.hpp"
#include "evm.hpp"
#include "forge_artifacts.hpp"

namespace wavs::component {
namespace {

namespace fs = std::filesystem;
using chain::testing::Anvil;
using eth::AbiValue;
using std::chrono::milliseconds;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr std::uint64_t kWeights[3] = {10, 20, 30};  // total 60
constexpr std::uint64_t kQuorumNumerator = 2;        // threshold ceil(60 · 2/3) = 40
constexpr std::uint64_t kQuorumDenominator = 3;
using contracts::testing::ArtifactState;
using contracts::testing::ensure_artifacts;

fs::path example(const std::string& name) { return fs::path(WAVS_EXAMPLES_DIR) / (name + ".wasm"); }
fs::path guest(const std::string& name) { return fs::path(WAVS_GUESTS_DIR) / (name + ".wasm"); }
fs::path artifact(const std::string& contract) {
  return contracts::testing::out_dir() / (contract + ".sol") / (contract + ".json");
}

#define REQUIRE_WASM(path)                                                                        \
  do {                                                                                            \
    if (!fs::exists(path)) GTEST_SKIP() << (path) << " was not built (its toolchain is missing)"; \
  } while (0)

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Bytes slurp_bytes(const fs::path& p) {
  std::string s = slurp(p);
  return Bytes(s.begin(), s.end());
}

Result<Bytes> creation_code(const std::string& contract) {
  auto doc = nlohmann::json::parse(slurp(artifact(contract)), nullptr, false);
  if (doc.is_discarded() || !doc.contains("bytecode") || !doc["bytecode"].contains("object") ||
      !doc["bytecode"]["object"].is_string()) {
    return Error(CommonErrc::kParse, artifact(contract).string() + ": no bytecode.object");
  }
  return from_hex(doc["bytecode"]["object"].get<std::string>());
}

eth::AbiFunction fn(std::string_view signature) {
  auto f = eth::AbiFunction::parse(signature);
  EXPECT_TRUE(f) << signature << ": " << f.error().message();
  return *f;
}

std::vector<eth::AbiError> contract_errors() {
  std::vector<eth::AbiError> out;
  for (const char* sig :
       {"EventAlreadyHandled(bytes20 eventId)",
        "InsufficientQuorum(uint256 signerWeight, uint256 thresholdWeight, uint256 totalWeight)",
        "InsufficientQuorumZero()", "InvalidSignature()", "InvalidSignatureBlock()",
        "InvalidSignatureOrder()", "InvalidSignatureLength()"}) {
    auto e = eth::AbiError::parse(sig);
    EXPECT_TRUE(e) << sig;
    if (e) out.push_back(*e);
  }
  return out;
}

Bytes abi_u64(std::uint64_t v) {
  Bytes out(32, 0);
  for (int i = 0; i < 8; ++i) out[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

class OnChain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { state_ = new ArtifactState(ensure_artifacts()); }
  static void TearDownTestSuite() {
    delete state_;
    state_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(state_, nullptr);
    if (!state_->skip_reason.empty()) GTEST_SKIP() << state_->skip_reason;
    ASSERT_TRUE(state_->ready) << state_->failure;

    auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
    ASSERT_TRUE(mnemonic) << mnemonic.error().message();
    auto key = [&](std::uint32_t index) {
      auto k = crypto::derive_eth_key(*mnemonic, index);
      EXPECT_TRUE(k) << k.error().message();
      return *k;
    };
    // Index 0 is anvil's funded, unlocked account 0: our derivation matches anvil's.
    ASSERT_EQ(key(0).address().hex(), chain::testing::kAccount0);
    for (std::uint32_t i = 0; i < 3; ++i) {
      operators_.push_back(key(1 + i));      // funded by anvil: they bind their keys themselves
      signing_keys_.push_back(key(11 + i));  // never funded: they only sign envelopes
    }
    aggregator_ = std::make_unique<crypto::PrivateKey>(key(4));

    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rc.request_timeout = milliseconds(10'000);
    rpc_ = std::make_unique<chain::RpcClient>(rc);

    deploy_contracts();
    if (HasFatalFailure()) return;
    register_operators();
    if (HasFatalFailure()) return;

    // validate() reads weights and key bindings at the reference block, which
    // submissions take as the latest block − 1: one more block puts the whole setup
    // at or below it.
    auto mined = rpc_->request("evm_mine", chain::Json::array());
    ASSERT_TRUE(mined) << mined.error().message();

    chain::TxSenderConfig config;
    config.poll_interval = milliseconds(20);
    config.receipt_timeout = milliseconds(60'000);
    config.known_errors = contract_errors();
    known_errors_ = config.known_errors;
    submitter_ = std::make_unique<chain::TxSender>(*rpc_, *aggregator_, config);
  }

  void TearDown() override {
    submitter_.reset();
    rpc_.reset();
    anvil_.reset();
  }

  void deploy_contracts() {
    auto manager_code = creation_code("WavsServiceManager");
    ASSERT_TRUE(manager_code) << manager_code.error().message();
    const std::vector<eth::AbiType> ctor = {eth::AbiType::address(), eth::AbiType::uint(),
                                            eth::AbiType::uint()};
    auto owner = crypto::Address::from_hex(chain::testing::kAccount0);
    ASSERT_TRUE(owner);
    const std::vector<AbiValue> args = {AbiValue::address(*owner), AbiValue::uint(kQuorumNumerator),
                                        AbiValue::uint(kQuorumDenominator)};
    auto encoded = eth::abi_encode(ctor, args);
    ASSERT_TRUE(encoded) << encoded.error().message();
    manager_code->insert(manager_code->end(), encoded->begin(), encoded->end());
    auto receipt = chain::testing::send_from_account0(*rpc_, std::nullopt, *manager_code);
    ASSERT_TRUE(receipt) << receipt.error().message();
    ASSERT_TRUE(receipt->status && receipt->contract_address) << "WavsServiceManager deployment reverted";
    manager_ = *receipt->contract_address;

    auto submit_code = creation_code("SimpleSubmit");
    ASSERT_TRUE(submit_code) << submit_code.error().message();
    const std::vector<eth::AbiType> submit_ctor = {eth::AbiType::address()};
    const std::vector<AbiValue> submit_args = {AbiValue::address(manager_)};
    encoded = eth::abi_encode(submit_ctor, submit_args);
    ASSERT_TRUE(encoded) << encoded.error().message();
    submit_code->insert(submit_code->end(), encoded->begin(), encoded->end());
    receipt = chain::testing::send_from_account0(*rpc_, std::nullopt, *submit_code);
    ASSERT_TRUE(receipt) << receipt.error().message();
    ASSERT_TRUE(receipt->status && receipt->contract_address) << "SimpleSubmit deployment reverted";
    handler_ = *receipt->contract_address;
  }

  void register_operators() {
    const auto register_fn = fn("registerOperator(address operator, uint256 weight)");
    const auto bind_fn = fn("updateOperatorSigningKey(address newSigningKey, bytes signingKeySignature)");
    for (std::size_t i = 0; i < operators_.size(); ++i) {
      const std::vector<AbiValue> reg = {AbiValue::address(operators_[i].address()),
                                         AbiValue::uint(kWeights[i])};
      auto receipt = chain::testing::send_from_account0(*rpc_, manager_, *register_fn.encode_call(reg));
      ASSERT_TRUE(receipt) << receipt.error().message();
      ASSERT_TRUE(receipt->status) << "registerOperator reverted for operator " << i;

      // The key proves possession: EIP-191 over keccak256(abi.encodePacked(operator)).
      const Hash256 binding = crypto::keccak256(operators_[i].address().view());
      const crypto::Signature proof = signing_keys_[i].sign_message(binding.view());
      const std::vector<AbiValue> bind = {AbiValue::address(signing_keys_[i].address()),
                                          AbiValue::bytes(proof.view())};
      chain::TxSenderConfig config;
      config.poll_interval = milliseconds(20);
      config.receipt_timeout = milliseconds(60'000);
      chain::TxSender op_sender(*rpc_, operators_[i], config);
      chain::TxRequest request;
      request.to = manager_;
      request.data = *bind_fn.encode_call(bind);
      auto sent = op_sender.send(request);
      ASSERT_TRUE(sent) << "binding signing key " << i << ": " << sent.error().message();
      ASSERT_TRUE(sent->receipt.status);
    }
  }

  // Runs a compiled component once on a raw trigger.
  ExecResult run(const fs::path& wasm, const Bytes& raw) {
    wasm::Engine engine;
    auto program = load(engine, slurp_bytes(wasm));
    EXPECT_TRUE(program) << wasm << ": " << program.error().message();
    if (!program) return {};
    TriggerAction action;
    action.service_id = service_id_;
    action.workflow_id = workflow_.workflow_id;
    action.data = Raw{raw};
    HostServices services;
    services.log_to_host = false;
    auto result = execute(*program, action, workflow_, services);
    EXPECT_TRUE(result) << result.error().message();
    if (!result) return {};
    EXPECT_TRUE(result->ok()) << result->error;
    return std::move(*result);
  }

  static eth::Envelope envelope_of(const Response& r) {
    eth::Envelope e;
    e.event_id = r.event_id;
    if (r.ordering) e.ordering = eth::Envelope::ordering_from_u64(*r.ordering);
    e.payload = r.payload;
    return e;
  }

  // Signed by the signing keys at `who`, with reference block = latest block − 1.
  eth::SignatureData sign(const eth::Envelope& envelope, const std::vector<std::size_t>& who) {
    auto latest = rpc_->block_number();
    EXPECT_TRUE(latest) << latest.error().message();
    if (!latest || *latest == 0) {
      ADD_FAILURE() << "no block to refer to";
      return {};  // validate() then rejects the empty signer list
    }
    std::vector<std::pair<crypto::Address, crypto::Signature>> signed_by;
    for (std::size_t i : who)
      signed_by.emplace_back(signing_keys_[i].address(), envelope.sign(signing_keys_[i]));
    auto data =
        eth::SignatureData::from_signatures(std::move(signed_by), static_cast<std::uint32_t>(*latest - 1));
    EXPECT_TRUE(data) << data.error().message();
    if (!data) return {};
    EXPECT_TRUE(data->verify(envelope)) << "our own check rejects what we signed";
    return *data;
  }

  Result<chain::TxOutcome> submit(const eth::Envelope& envelope, const eth::SignatureData& data) {
    chain::TxRequest request;
    request.to = handler_;
    request.data = eth::encode_handle_signed_envelope(envelope, data);
    return submitter_->send(request);
  }

  std::vector<AbiValue> view_call(const crypto::Address& to, const eth::AbiFunction& f,
                                  const std::vector<AbiValue>& args) {
    chain::CallRequest req;
    req.to = to;
    req.data = *f.encode_call(args);
    auto out = rpc_->call(req);
    EXPECT_TRUE(out) << f.name() << ": " << out.error().message();
    if (!out) return {};
    auto decoded = f.decode_output(*out);
    EXPECT_TRUE(decoded) << f.name() << ": " << decoded.error().message();
    return decoded ? *decoded : std::vector<AbiValue>{};
  }

  bool is_handled(const eth::EventId& id) {
    auto out = view_call(handler_, fn("isHandled(bytes20) returns (bool)"), {AbiValue::bytes(id.view())});
    return out.size() == 1 && out[0].as_bool() && *out[0].as_bool();
  }
  Bytes stored_payload(const eth::EventId& id) {
    auto out = view_call(handler_, fn("getPayload(bytes20) returns (bytes)"), {AbiValue::bytes(id.view())});
    return out.size() == 1 && out[0].as_bytes() ? *out[0].as_bytes() : Bytes{};
  }
  // The contract's own keccak256(abi.encode(envelope)), from an independent encoding of
  // the call (eth::AbiFunction, not Envelope::abi_encode).
  Hash256 contract_digest(const eth::Envelope& e) {
    const auto f = fn("envelopeDigest((bytes20,bytes12,bytes)) returns (bytes32)");
    const std::vector<AbiValue> tuple = {AbiValue::bytes(e.event_id.view()),
                                         AbiValue::bytes(e.ordering.view()), AbiValue::bytes(e.payload)};
    auto out = view_call(manager_, f, {AbiValue::list(tuple)});
    if (out.size() != 1 || !out[0].as_bytes()) return {};
    auto h = Hash256::from_view(*out[0].as_bytes());
    return h ? *h : Hash256{};
  }
  std::uint64_t handled_count() {
    auto out = view_call(handler_, fn("handledCount() returns (uint256)"), {});
    return out.size() == 1 && out[0].as_uint() ? static_cast<std::uint64_t>(*out[0].as_uint()) : ~0ull;
  }

  static ArtifactState* state_;

  Hash256 service_id_ = crypto::keccak256(std::string_view("wavs onchain test service"));
  WorkflowContext workflow_ = [this] {
    WorkflowContext w;
    w.service_id = service_id_;
    w.workflow_id = "default";
    return w;
  }();
  std::vector<crypto::PrivateKey> operators_, signing_keys_;
  std::unique_ptr<crypto::PrivateKey> aggregator_;
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<chain::TxSender> submitter_;
  std::vector<eth::AbiError> known_errors_;
  crypto::Address manager_, handler_;
};

ArtifactState* OnChain::state_ = nullptr;

TEST_F(OnChain, SquareResponseIsAcceptedOnceAndReplayRevertsWithEventAlreadyHandled) {
  REQUIRE_WASM(example("square-c"));
  const Bytes trigger = abi_u64(7);
  ExecResult result = run(example("square-c"), trigger);
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.responses.size(), 1u);
  const Response& response = result.responses[0];
  ASSERT_EQ(response.payload, abi_u64(49));
  EXPECT_FALSE(response.ordering);
  auto expected_id = event_id(service_id_, workflow_.workflow_id, Raw{trigger});
  ASSERT_TRUE(expected_id);
  EXPECT_EQ(response.event_id, *expected_id);

  const eth::Envelope envelope = envelope_of(response);
  EXPECT_EQ(contract_digest(envelope), envelope.digest()) << "our envelope encoding differs from Solidity's";
  EXPECT_FALSE(is_handled(envelope.event_id));

  auto landed = submit(envelope, sign(envelope, {0, 1, 2}));
  ASSERT_TRUE(landed) << landed.error().message();
  EXPECT_TRUE(landed->receipt.status);
  EXPECT_TRUE(is_handled(envelope.event_id));
  EXPECT_EQ(stored_payload(envelope.event_id), abi_u64(49));
  EXPECT_EQ(handled_count(), 1u);
  // SimpleSubmit's EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload).
  auto handled_event =
      eth::AbiEvent::parse("EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload)");
  ASSERT_TRUE(handled_event);
  bool logged = false;
  for (const auto& log : landed->receipt.logs) {
    if (log.address != handler_ || log.topics.empty() || log.topics[0] != handled_event->topic0()) continue;
    auto values = handled_event->decode_log(log.topics, log.data);
    ASSERT_TRUE(values) << values.error().message();
    ASSERT_EQ(values->size(), 3u);
    EXPECT_EQ(*(*values)[0].as_bytes(), envelope.event_id.to_vector());
    EXPECT_EQ(*(*values)[2].as_bytes(), abi_u64(49));
    logged = true;
  }
  EXPECT_TRUE(logged) << "no EnvelopeHandled log in the receipt";

  // The same envelope again, freshly signed: the handler refuses the replay.
  auto replay = submit(envelope, sign(envelope, {0, 1, 2}));
  ASSERT_FALSE(replay) << "a replayed envelope landed";
  EXPECT_TRUE(replay.error().is(chain::ChainErrc::kReverted)) << replay.error().message();
  auto reason = chain::revert_reason(replay.error(), known_errors_);
  ASSERT_TRUE(reason) << replay.error().message();
  EXPECT_EQ(reason->error_name, "EventAlreadyHandled") << reason->to_string();
  ASSERT_EQ(reason->args.size(), 1u);
  EXPECT_EQ(*reason->args[0].as_bytes(), envelope.event_id.to_vector());
  EXPECT_EQ(handled_count(), 1u);
}

TEST_F(OnChain, SaltedResponsesWithOrderingBothLand) {
  REQUIRE_WASM(guest("respond_salted"));
  ExecResult result = run(guest("respond_salted"), Bytes{0x01});
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.responses.size(), 2u);
  const Response& first = result.responses[0];
  const Response& second = result.responses[1];
  ASSERT_EQ(first.ordering, std::optional<std::uint64_t>(42));
  EXPECT_FALSE(second.ordering);
  EXPECT_NE(first.event_id, second.event_id);
  const std::string alpha = "alpha", beta = "beta";
  EXPECT_EQ(first.event_id, *event_id_salted(service_id_, workflow_.workflow_id, as_bytes(alpha)));
  EXPECT_EQ(second.event_id, *event_id_salted(service_id_, workflow_.workflow_id, as_bytes(beta)));

  const eth::Envelope e1 = envelope_of(first);
  const eth::Envelope e2 = envelope_of(second);
  // ordering 42: u64 big-endian in the first 8 bytes, 4 zero bytes after.
  EXPECT_EQ(e1.ordering.hex(), "0x000000000000002a00000000");
  EXPECT_TRUE(e2.ordering.is_zero());
  EXPECT_EQ(contract_digest(e1), e1.digest());
  EXPECT_EQ(contract_digest(e2), e2.digest());

  for (const auto* e : {&e1, &e2}) {
    auto landed = submit(*e, sign(*e, {0, 1, 2}));
    ASSERT_TRUE(landed) << landed.error().message();
    EXPECT_TRUE(landed->receipt.status);
  }
  EXPECT_TRUE(is_handled(e1.event_id));
  EXPECT_TRUE(is_handled(e2.event_id));
  const std::string p1 = "first payload", p2 = "second payload";
  EXPECT_EQ(stored_payload(e1.event_id), Bytes(p1.begin(), p1.end()));
  EXPECT_EQ(stored_payload(e2.event_id), Bytes(p2.begin(), p2.end()));
  EXPECT_EQ(handled_count(), 2u);
}

TEST_F(OnChain, TooLittleWeightRevertsWithInsufficientQuorum) {
  REQUIRE_WASM(example("square-c"));
  ExecResult result = run(example("square-c"), abi_u64(7));
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.responses.size(), 1u);
  const eth::Envelope envelope = envelope_of(result.responses[0]);

  // Weights 10 + 20 of 60; the threshold is ceil(60 · 2/3) = 40.
  auto short_of_quorum = submit(envelope, sign(envelope, {0, 1}));
  ASSERT_FALSE(short_of_quorum) << "an envelope signed by 30 of 60 landed";
  EXPECT_TRUE(short_of_quorum.error().is(chain::ChainErrc::kReverted)) << short_of_quorum.error().message();
  auto reason = chain::revert_reason(short_of_quorum.error(), known_errors_);
  ASSERT_TRUE(reason) << short_of_quorum.error().message();
  EXPECT_EQ(reason->error_name, "InsufficientQuorum") << reason->to_string();
  ASSERT_EQ(reason->args.size(), 3u);
  EXPECT_EQ(*reason->args[0].as_uint(), 30);
  EXPECT_EQ(*reason->args[1].as_uint(), 40);
  EXPECT_EQ(*reason->args[2].as_uint(), 60);
  EXPECT_FALSE(is_handled(envelope.event_id));

  // The heaviest operator with one other reaches the quorum: the same envelope lands.
  auto enough = submit(envelope, sign(envelope, {0, 2}));
  ASSERT_TRUE(enough) << enough.error().message();
  EXPECT_TRUE(is_handled(envelope.event_id));
  EXPECT_EQ(stored_payload(envelope.event_id), abi_u64(49));
}

}  // namespace
}  // namespace wavs::component
