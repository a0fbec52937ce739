// Every selector, error selector and event topic the bindings use, checked against the
// forge artifacts of the contracts they bind (methodIdentifiers and the "abi" array), and
// every function, error and event of those contracts either bound or listed here as
// deliberately not bound. A contract change that the bindings do not follow fails here.

#include <gtest/gtest.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "eth/abi.hpp"
#include "forge_artifacts.hpp"

namespace wavs::contracts {
namespace {

using eth::AbiValue;
using nlohmann::json;

json artifact_json(const std::string& file, const std::string& contract) {
  std::ifstream in(testing::out_dir() / (file + ".sol") / (contract + ".json"));
  std::ostringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, false);
}

// The canonical type of an ABI JSON parameter ("tuple" spelled out from its components).
std::string canonical_type(const json& param) {
  std::string type = param["type"].get<std::string>();
  if (type.rfind("tuple", 0) != 0) return type;
  std::string out = "(";
  for (std::size_t i = 0; i < param["components"].size(); ++i) {
    out += (i ? "," : "") + canonical_type(param["components"][i]);
  }
  return out + ")" + type.substr(5);  // keeps "[]" / "[k]"
}

std::string canonical(const json& entry) {
  std::string out = entry["name"].get<std::string>() + "(";
  for (std::size_t i = 0; i < entry["inputs"].size(); ++i)
    out += (i ? "," : "") + canonical_type(entry["inputs"][i]);
  return out + ")";
}

// "Name(type [indexed] name, …)" as AbiEvent::parse reads it.
std::string event_declaration(const json& entry) {
  std::string out = entry["name"].get<std::string>() + "(";
  for (std::size_t i = 0; i < entry["inputs"].size(); ++i) {
    const auto& p = entry["inputs"][i];
    out += (i ? ", " : "") + canonical_type(p) + (p.value("indexed", false) ? " indexed" : "") + " p" +
           std::to_string(i);
  }
  return out + ")";
}

AbiValue sample(const eth::AbiType& type) {
  using K = eth::AbiType::Kind;
  switch (type.kind()) {
    case K::kUint:
      return AbiValue::uint(7);
    case K::kInt:
      return AbiValue::int_(-7);
    case K::kAddress: {
      Address a;
      a.data.fill(0x11);
      return AbiValue::address(a);
    }
    case K::kBool:
      return AbiValue::boolean(true);
    case K::kFixedBytes:
      return AbiValue::bytes(Bytes(type.size(), 0x22));
    case K::kBytes:
      return AbiValue::bytes(Bytes{1, 2, 3});
    case K::kString:
      return AbiValue::string("s");
    case K::kArray:
      return AbiValue::list({sample(type.element())});
    case K::kFixedArray:
      return AbiValue::list(AbiValue::List(type.size(), sample(type.element())));
    case K::kTuple: {
      AbiValue::List items;
      for (const auto& c : type.components()) items.push_back(sample(c));
      return AbiValue::list(std::move(items));
    }
  }
  return {};
}

std::vector<AbiValue> samples(std::span<const eth::AbiParam> params) {
  std::vector<AbiValue> out;
  for (const auto& p : params) out.push_back(sample(p.type));
  return out;
}

struct Bound {
  std::string file, contract;
  std::vector<std::string_view> signatures;
  std::set<std::string> not_bound;  // canonical signatures left out on purpose
};

std::vector<Bound> bound_contracts() {
  auto join = [](std::initializer_list<std::span<const std::string_view>> parts) {
    std::vector<std::string_view> out;
    for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  return {
      // renounceOwnership would leave the service without an administrator for good.
      {"WavsServiceManager",
       "WavsServiceManager",
       join({service_manager::function_signatures()}),
       {"renounceOwnership()"}},
      {"IWavsServiceHandler", "IWavsServiceHandler", join({service_handler::function_signatures()}), {}},
      {"SimpleSubmit",
       "SimpleSubmit",
       join({service_handler::function_signatures(), simple_submit::function_signatures()}),
       {}},
      {"SimpleTrigger", "SimpleTrigger", join({simple_trigger::function_signatures()}), {}},
  };
}

class AbiArtifacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { state_ = new testing::ArtifactState(testing::ensure_artifacts()); }
  static void TearDownTestSuite() {
    delete state_;
    state_ = nullptr;
  }
  void SetUp() override {
    if (!state_->skip_reason.empty()) GTEST_SKIP() << state_->skip_reason;
    ASSERT_TRUE(state_->ready) << state_->failure;
  }
  static testing::ArtifactState* state_;
};
testing::ArtifactState* AbiArtifacts::state_ = nullptr;

TEST_F(AbiArtifacts, EveryBoundFunctionHasTheArtifactsSelectorAndNothingIsMissed) {
  for (const auto& c : bound_contracts()) {
    json doc = artifact_json(c.file, c.contract);
    ASSERT_TRUE(doc.is_object() && doc["methodIdentifiers"].is_object()) << c.contract;
    const auto& ids = doc["methodIdentifiers"];
    std::set<std::string> seen;
    for (auto signature : c.signatures) {
      auto f = eth::AbiFunction::parse(signature);
      ASSERT_TRUE(f) << signature;
      ASSERT_TRUE(ids.contains(f->canonical())) << c.contract << " has no " << f->canonical();
      EXPECT_EQ(f->selector().hex(HexPrefix::kNone), ids[f->canonical()].get<std::string>())
          << f->canonical();
      seen.insert(f->canonical());
      // Return types too: the bindings decode what the ABI says the function returns.
      for (const auto& entry : doc["abi"]) {
        if (entry["type"] != "function" || canonical(entry) != f->canonical()) continue;
        ASSERT_EQ(entry["outputs"].size(), f->outputs().size()) << f->canonical();
        for (std::size_t i = 0; i < f->outputs().size(); ++i) {
          EXPECT_EQ(canonical_type(entry["outputs"][i]), f->outputs()[i].type.to_string()) << f->canonical();
        }
      }
    }
    for (const auto& [signature, selector] : ids.items()) {
      EXPECT_TRUE(seen.count(signature) || c.not_bound.count(signature))
          << c.contract << "." << signature << " (0x" << selector.get<std::string>() << ") has no binding";
    }
  }
}

eth::Selector selector_of(const Bytes& calldata) {
  return *eth::Selector::from_view(ByteView(calldata).first(4));
}

TEST_F(AbiArtifacts, EveryCalldataBuilderUsesItsFunctionsSelector) {
  json manager = artifact_json("WavsServiceManager", "WavsServiceManager");
  json submit = artifact_json("SimpleSubmit", "SimpleSubmit");
  json trigger = artifact_json("SimpleTrigger", "SimpleTrigger");
  Address a;
  eth::Envelope envelope;
  eth::SignatureData sigs;
  const std::vector<std::tuple<const json*, Bytes, std::string>> calls = {
      {&manager, service_manager::encode_validate(envelope, sigs),
       "validate((bytes20,bytes12,bytes),(address[],bytes[],uint32))"},
      {&manager, service_manager::encode_get_service_uri(), "getServiceURI()"},
      {&manager, service_manager::encode_set_service_uri("u"), "setServiceURI(string)"},
      {&manager, service_manager::encode_get_operator_weight(a), "getOperatorWeight(address)"},
      {&manager, service_manager::encode_get_operator_weight_at(a, 1), "getOperatorWeightAt(address,uint32)"},
      {&manager, service_manager::encode_get_total_weight(), "getTotalWeight()"},
      {&manager, service_manager::encode_get_total_weight_at(1), "getTotalWeightAt(uint32)"},
      {&manager, service_manager::encode_get_latest_operator_for_signing_key(a),
       "getLatestOperatorForSigningKey(address)"},
      {&manager, service_manager::encode_get_operator_for_signing_key_at(a, 1),
       "getOperatorForSigningKeyAt(address,uint32)"},
      {&manager, service_manager::encode_get_latest_signing_key_for_operator(a),
       "getLatestSigningKeyForOperator(address)"},
      {&manager, service_manager::encode_is_operator(a), "isOperator(address)"},
      {&manager, service_manager::encode_get_operators(), "getOperators()"},
      {&manager, service_manager::encode_get_operator_count(), "getOperatorCount()"},
      {&manager, service_manager::encode_register_operator(a, 1), "registerOperator(address,uint256)"},
      {&manager, service_manager::encode_update_operator_weight(a, 1),
       "updateOperatorWeight(address,uint256)"},
      {&manager, service_manager::encode_deregister_operator(a), "deregisterOperator(address)"},
      {&manager, service_manager::encode_update_operator_signing_key(a, crypto::Signature{}),
       "updateOperatorSigningKey(address,bytes)"},
      {&manager, service_manager::encode_update_quorum({1, 1}), "updateQuorum(uint256,uint256)"},
      {&manager, service_manager::encode_get_quorum(), "getQuorum()"},
      {&manager, service_manager::encode_get_quorum_at(1), "getQuorumAt(uint32)"},
      {&manager, service_manager::encode_get_threshold_weight(), "getThresholdWeight()"},
      {&manager, service_manager::encode_set_max_reference_block_age(1), "setMaxReferenceBlockAge(uint32)"},
      {&manager, service_manager::encode_get_max_reference_block_age(), "getMaxReferenceBlockAge()"},
      {&manager, service_manager::encode_envelope_digest(envelope),
       "envelopeDigest((bytes20,bytes12,bytes))"},
      {&manager, service_manager::encode_signing_key_binding_digest(a), "signingKeyBindingDigest(address)"},
      {&manager, service_manager::encode_owner(), "owner()"},
      {&manager, service_manager::encode_pending_owner(), "pendingOwner()"},
      {&manager, service_manager::encode_transfer_ownership(a), "transferOwnership(address)"},
      {&manager, service_manager::encode_accept_ownership(), "acceptOwnership()"},
      {&submit, service_handler::encode_handle_signed_envelope(envelope, sigs),
       "handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))"},
      {&submit, service_handler::encode_get_service_manager(), "getServiceManager()"},
      {&submit, simple_submit::encode_is_handled({}), "isHandled(bytes20)"},
      {&submit, simple_submit::encode_get_payload({}), "getPayload(bytes20)"},
      {&submit, simple_submit::encode_handled_count(), "handledCount()"},
      {&trigger, simple_trigger::encode_add_trigger({}), "addTrigger(bytes)"},
      {&trigger, simple_trigger::encode_get_trigger(1), "getTrigger(uint64)"},
      {&trigger, simple_trigger::encode_last_trigger_id(), "lastTriggerId()"},
  };
  std::size_t bound = 0;
  for (const auto& c : bound_contracts()) {
    if (c.contract != "IWavsServiceHandler") bound += c.signatures.size();
  }
  EXPECT_EQ(calls.size(), bound) << "a builder is missing from this table";
  for (const auto& [doc, data, signature] : calls) {
    ASSERT_TRUE((*doc)["methodIdentifiers"].contains(signature)) << signature;
    EXPECT_EQ(selector_of(data).hex(HexPrefix::kNone),
              (*doc)["methodIdentifiers"][signature].get<std::string>())
        << signature;
  }
}

TEST_F(AbiArtifacts, EveryErrorOfTheContractsDecodesToItsTypedValue) {
  std::set<std::string> declared;
  for (const auto& [file, contract] :
       std::vector<std::pair<std::string, std::string>>{{"WavsServiceManager", "WavsServiceManager"},
                                                        {"SimpleSubmit", "SimpleSubmit"},
                                                        {"SimpleTrigger", "SimpleTrigger"}}) {
    json doc = artifact_json(file, contract);
    ASSERT_TRUE(doc.is_object()) << contract;
    for (const auto& entry : doc["abi"]) {
      if (entry["type"] != "error") continue;
      const std::string sig = canonical(entry);
      declared.insert(sig);
      auto artifact_error = eth::AbiError::parse(sig);
      ASSERT_TRUE(artifact_error) << sig;
      // Arguments within every type's range (uint8 included).
      std::vector<AbiValue> args;
      for (const auto& p : artifact_error->params()) args.push_back(sample(p.type));
      auto data = artifact_error->encode(args);
      ASSERT_TRUE(data) << sig;
      ContractError decoded = decode_contract_error(*data);
      EXPECT_EQ(error_name(decoded), entry["name"].get<std::string>()) << contract << ": " << sig;
      EXPECT_EQ(encode_contract_error(decoded), *data) << sig;
    }
  }
  // And nothing bound that no contract declares.
  for (const auto& e : abi_errors()) {
    std::string sig = e.name() + "(";
    for (std::size_t i = 0; i < e.params().size(); ++i)
      sig += (i ? "," : "") + e.params()[i].type.to_string();
    sig += ")";
    EXPECT_TRUE(declared.count(sig)) << sig << " is bound but declared by none of the contracts";
  }
}

template <class E>
void check_event(const json& doc, const std::string& contract, std::set<std::string>& checked) {
  const auto ours = eth::AbiEvent::parse(E::kSignature);
  ASSERT_TRUE(ours) << E::kSignature;
  for (const auto& entry : doc["abi"]) {
    if (entry["type"] != "event" || entry["name"] != ours->name()) continue;
    checked.insert(contract + "." + ours->name());
    auto theirs = eth::AbiEvent::parse(event_declaration(entry));
    ASSERT_TRUE(theirs) << event_declaration(entry);
    EXPECT_EQ(event_topic<E>(), theirs->topic0()) << E::kSignature << " vs " << event_declaration(entry);
    // A log as the contract would emit it (indexed where the artifact says) decodes.
    auto encoded = theirs->encode_log(samples(theirs->params()));
    ASSERT_TRUE(encoded) << event_declaration(entry);
    chain::Log log;
    log.topics = encoded->first;
    log.data = encoded->second;
    auto decoded = decode_event<E>(log);
    EXPECT_TRUE(decoded) << E::kSignature << ": " << decoded.error().message();
    return;
  }
  ADD_FAILURE() << contract << " declares no event " << ours->name();
}

TEST_F(AbiArtifacts, EveryEventTopicAndLayoutMatchesTheArtifacts) {
  json manager = artifact_json("WavsServiceManager", "WavsServiceManager");
  json submit = artifact_json("SimpleSubmit", "SimpleSubmit");
  json trigger = artifact_json("SimpleTrigger", "SimpleTrigger");
  std::set<std::string> checked;
  check_event<ServiceURIUpdated>(manager, "WavsServiceManager", checked);
  check_event<QuorumThresholdUpdated>(manager, "WavsServiceManager", checked);
  check_event<OperatorRegistered>(manager, "WavsServiceManager", checked);
  check_event<OperatorWeightUpdated>(manager, "WavsServiceManager", checked);
  check_event<OperatorDeregistered>(manager, "WavsServiceManager", checked);
  check_event<SigningKeyUpdated>(manager, "WavsServiceManager", checked);
  check_event<MaxReferenceBlockAgeUpdated>(manager, "WavsServiceManager", checked);
  check_event<EnvelopeHandled>(submit, "SimpleSubmit", checked);
  check_event<NewTrigger>(trigger, "SimpleTrigger", checked);
  EXPECT_EQ(checked.size(), 9u);

  // OpenZeppelin's ownership events are not decoded (the node and aggregator never watch them).
  const std::set<std::string> not_bound = {"WavsServiceManager.OwnershipTransferStarted",
                                           "WavsServiceManager.OwnershipTransferred"};
  for (const auto& [doc, contract] : std::vector<std::pair<const json*, std::string>>{
           {&manager, "WavsServiceManager"}, {&submit, "SimpleSubmit"}, {&trigger, "SimpleTrigger"}}) {
    for (const auto& entry : (*doc)["abi"]) {
      if (entry["type"] != "event") continue;
      const std::string name = contract + "." + entry["name"].get<std::string>();
      EXPECT_TRUE(checked.count(name) || not_bound.count(name)) << name << " has no decoder";
    }
  }
}

}  // namespace
}  // namespace wavs::contracts
