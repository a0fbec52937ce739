#include "contracts/service_manager.hpp"

#include <array>

#include "contracts/call.hpp"
#include "crypto/hash.hpp"

namespace wavs::contracts {
namespace {

using eth::AbiValue;

enum Fn : std::size_t {
  kValidate,
  kGetServiceUri,
  kSetServiceUri,
  kGetOperatorWeight,
  kGetOperatorWeightAt,
  kGetTotalWeight,
  kGetTotalWeightAt,
  kGetLatestOperatorForSigningKey,
  kGetOperatorForSigningKeyAt,
  kGetLatestSigningKeyForOperator,
  kIsOperator,
  kGetOperators,
  kGetOperatorCount,
  kRegisterOperator,
  kUpdateOperatorWeight,
  kDeregisterOperator,
  kUpdateOperatorSigningKey,
  kUpdateQuorum,
  kGetQuorum,
  kGetQuorumAt,
  kGetThresholdWeight,
  kSetMaxReferenceBlockAge,
  kGetMaxReferenceBlockAge,
  kEnvelopeDigest,
  kSigningKeyBindingDigest,
  kOwner,
  kPendingOwner,
  kTransferOwnership,
  kAcceptOwnership,
};

constexpr std::array<std::string_view, 29> kSignatures = {
    "validate((bytes20,bytes12,bytes) envelope, (address[],bytes[],uint32) signatureData)",
    "getServiceURI() returns (string)",
    "setServiceURI(string serviceURI)",
    "getOperatorWeight(address operator) returns (uint256)",
    "getOperatorWeightAt(address operator, uint32 blockNumber) returns (uint256)",
    "getTotalWeight() returns (uint256)",
    "getTotalWeightAt(uint32 blockNumber) returns (uint256)",
    "getLatestOperatorForSigningKey(address signingKeyAddress) returns (address)",
    "getOperatorForSigningKeyAt(address signingKeyAddress, uint32 blockNumber) returns (address)",
    "getLatestSigningKeyForOperator(address operator) returns (address)",
    "isOperator(address account) returns (bool)",
    "getOperators() returns (address[])",
    "getOperatorCount() returns (uint256)",
    "registerOperator(address operator, uint256 weight)",
    "updateOperatorWeight(address operator, uint256 weight)",
    "deregisterOperator(address operator)",
    "updateOperatorSigningKey(address newSigningKey, bytes signingKeySignature)",
    "updateQuorum(uint256 numerator, uint256 denominator)",
    "getQuorum() returns (uint256 numerator, uint256 denominator)",
    "getQuorumAt(uint32 blockNumber) returns (uint256 numerator, uint256 denominator)",
    "getThresholdWeight() returns (uint256)",
    "setMaxReferenceBlockAge(uint32 maxAge)",
    "getMaxReferenceBlockAge() returns (uint256)",
    "envelopeDigest((bytes20,bytes12,bytes) envelope) returns (bytes32)",
    "signingKeyBindingDigest(address operator) returns (bytes32)",
    "owner() returns (address)",
    "pendingOwner() returns (address)",
    "transferOwnership(address newOwner)",
    "acceptOwnership()",
};

const eth::AbiFunction& fn(Fn f) {
  static const std::vector<eth::AbiFunction> all = detail::parse_functions(kSignatures);
  return all[f];
}

Bytes encode(Fn f, std::vector<AbiValue> args = {}) { return detail::encode(fn(f), args); }

AbiValue envelope_value(const eth::Envelope& e) {
  return AbiValue::list(
      {AbiValue::bytes(e.event_id.view()), AbiValue::bytes(e.ordering.view()), AbiValue::bytes(e.payload)});
}

AbiValue u32(std::uint32_t v) { return AbiValue::uint(U256(v)); }

}  // namespace

namespace service_manager {

std::span<const std::string_view> function_signatures() { return kSignatures; }

Bytes encode_validate(const eth::Envelope& envelope, const eth::SignatureData& signatures) {
  // validate and handleSignedEnvelope take the same arguments; eth encodes them once.
  Bytes out = eth::encode_handle_signed_envelope(envelope, signatures);
  const auto& selector = fn(kValidate).selector();
  std::copy(selector.data.begin(), selector.data.end(), out.begin());
  return out;
}
Bytes encode_get_service_uri() { return encode(kGetServiceUri); }
Bytes encode_set_service_uri(std::string_view uri) {
  return encode(kSetServiceUri, {AbiValue::string(std::string(uri))});
}
Bytes encode_get_operator_weight(const Address& op) {
  return encode(kGetOperatorWeight, {AbiValue::address(op)});
}
Bytes encode_get_operator_weight_at(const Address& op, std::uint32_t block) {
  return encode(kGetOperatorWeightAt, {AbiValue::address(op), u32(block)});
}
Bytes encode_get_total_weight() { return encode(kGetTotalWeight); }
Bytes encode_get_total_weight_at(std::uint32_t block) { return encode(kGetTotalWeightAt, {u32(block)}); }
Bytes encode_get_latest_operator_for_signing_key(const Address& key) {
  return encode(kGetLatestOperatorForSigningKey, {AbiValue::address(key)});
}
Bytes encode_get_operator_for_signing_key_at(const Address& key, std::uint32_t block) {
  return encode(kGetOperatorForSigningKeyAt, {AbiValue::address(key), u32(block)});
}
Bytes encode_get_latest_signing_key_for_operator(const Address& op) {
  return encode(kGetLatestSigningKeyForOperator, {AbiValue::address(op)});
}
Bytes encode_is_operator(const Address& account) { return encode(kIsOperator, {AbiValue::address(account)}); }
Bytes encode_get_operators() { return encode(kGetOperators); }
Bytes encode_get_operator_count() { return encode(kGetOperatorCount); }
Bytes encode_register_operator(const Address& op, const U256& weight) {
  return encode(kRegisterOperator, {AbiValue::address(op), AbiValue::uint(weight)});
}
Bytes encode_update_operator_weight(const Address& op, const U256& weight) {
  return encode(kUpdateOperatorWeight, {AbiValue::address(op), AbiValue::uint(weight)});
}
Bytes encode_deregister_operator(const Address& op) {
  return encode(kDeregisterOperator, {AbiValue::address(op)});
}
Bytes encode_update_operator_signing_key(const Address& key, const crypto::Signature& proof) {
  return encode(kUpdateOperatorSigningKey, {AbiValue::address(key), AbiValue::bytes(proof.view())});
}
Bytes encode_update_quorum(const Quorum& q) {
  return encode(kUpdateQuorum, {AbiValue::uint(q.numerator), AbiValue::uint(q.denominator)});
}
Bytes encode_get_quorum() { return encode(kGetQuorum); }
Bytes encode_get_quorum_at(std::uint32_t block) { return encode(kGetQuorumAt, {u32(block)}); }
Bytes encode_get_threshold_weight() { return encode(kGetThresholdWeight); }
Bytes encode_set_max_reference_block_age(std::uint32_t max_age) {
  return encode(kSetMaxReferenceBlockAge, {u32(max_age)});
}
Bytes encode_get_max_reference_block_age() { return encode(kGetMaxReferenceBlockAge); }
Bytes encode_envelope_digest(const eth::Envelope& envelope) {
  return encode(kEnvelopeDigest, {envelope_value(envelope)});
}
Bytes encode_signing_key_binding_digest(const Address& op) {
  return encode(kSigningKeyBindingDigest, {AbiValue::address(op)});
}
Bytes encode_owner() { return encode(kOwner); }
Bytes encode_pending_owner() { return encode(kPendingOwner); }
Bytes encode_transfer_ownership(const Address& new_owner) {
  return encode(kTransferOwnership, {AbiValue::address(new_owner)});
}
Bytes encode_accept_ownership() { return encode(kAcceptOwnership); }

Bytes encode_constructor(const Address& initial_owner, const Quorum& quorum) {
  const std::vector<eth::AbiType> types = {eth::AbiType::address(), eth::AbiType::uint(),
                                           eth::AbiType::uint()};
  const std::vector<AbiValue> values = {AbiValue::address(initial_owner), AbiValue::uint(quorum.numerator),
                                        AbiValue::uint(quorum.denominator)};
  auto out = eth::abi_encode(types, values);
  assert(out && "typed arguments always fit their ABI types");
  return out ? *std::move(out) : Bytes{};
}

Hash256 signing_key_binding_digest(const Address& op) { return crypto::keccak256(op.view()); }

crypto::Signature signing_key_binding_proof(const crypto::PrivateKey& signing_key, const Address& op) {
  return signing_key.sign_message(signing_key_binding_digest(op).view());
}

}  // namespace service_manager

namespace {
detail::Target target(const Address& address) { return {"WavsServiceManager", address}; }
}  // namespace

Result<Verdict> ServiceManager::validate(const eth::Envelope& envelope, const eth::SignatureData& signatures,
                                         const BlockRef& block) {
  auto out = detail::call_raw(rpc_, target(address_), fn(kValidate),
                              service_manager::encode_validate(envelope, signatures), block);
  if (out) return Verdict{};
  if (auto why = contract_error(out.error())) return Verdict{std::move(why)};
  return out.error();
}

Result<std::string> ServiceManager::get_service_uri(const BlockRef& block) {
  return detail::call_one<std::string>(rpc_, target(address_), fn(kGetServiceUri),
                                       service_manager::encode_get_service_uri(), block);
}
Result<U256> ServiceManager::get_operator_weight(const Address& op, const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetOperatorWeight),
                                service_manager::encode_get_operator_weight(op), block);
}
Result<U256> ServiceManager::get_operator_weight_at(const Address& op, std::uint32_t at,
                                                    const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetOperatorWeightAt),
                                service_manager::encode_get_operator_weight_at(op, at), block);
}
Result<U256> ServiceManager::get_total_weight(const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetTotalWeight),
                                service_manager::encode_get_total_weight(), block);
}
Result<U256> ServiceManager::get_total_weight_at(std::uint32_t at, const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetTotalWeightAt),
                                service_manager::encode_get_total_weight_at(at), block);
}
Result<Address> ServiceManager::get_latest_operator_for_signing_key(const Address& key,
                                                                    const BlockRef& block) {
  return detail::call_one<Address>(rpc_, target(address_), fn(kGetLatestOperatorForSigningKey),
                                   service_manager::encode_get_latest_operator_for_signing_key(key), block);
}
Result<Address> ServiceManager::get_operator_for_signing_key_at(const Address& key, std::uint32_t at,
                                                                const BlockRef& block) {
  return detail::call_one<Address>(rpc_, target(address_), fn(kGetOperatorForSigningKeyAt),
                                   service_manager::encode_get_operator_for_signing_key_at(key, at), block);
}
Result<Address> ServiceManager::get_latest_signing_key_for_operator(const Address& op,
                                                                    const BlockRef& block) {
  return detail::call_one<Address>(rpc_, target(address_), fn(kGetLatestSigningKeyForOperator),
                                   service_manager::encode_get_latest_signing_key_for_operator(op), block);
}
Result<bool> ServiceManager::is_operator(const Address& account, const BlockRef& block) {
  auto values = detail::call(rpc_, target(address_), fn(kIsOperator),
                             service_manager::encode_is_operator(account), block);
  if (!values) return values.error();
  return (*values)[0].as_bool();
}
Result<std::vector<Address>> ServiceManager::get_operators(const BlockRef& block) {
  auto values =
      detail::call(rpc_, target(address_), fn(kGetOperators), service_manager::encode_get_operators(), block);
  if (!values) return values.error();
  auto list = (*values)[0].as_list();
  if (!list) return list.error();
  std::vector<Address> out;
  for (const auto& v : *list) {
    auto a = v.as_address();
    if (!a) return a.error();
    out.push_back(*a);
  }
  return out;
}
Result<U256> ServiceManager::get_operator_count(const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetOperatorCount),
                                service_manager::encode_get_operator_count(), block);
}

namespace {
Result<Quorum> quorum_of(Result<std::vector<AbiValue>> values) {
  if (!values) return values.error();
  Quorum q;
  if (auto s = detail::assign_all(std::tie(q.numerator, q.denominator), *values); !s) return s.error();
  return q;
}
}  // namespace

Result<Quorum> ServiceManager::get_quorum(const BlockRef& block) {
  return quorum_of(
      detail::call(rpc_, target(address_), fn(kGetQuorum), service_manager::encode_get_quorum(), block));
}
Result<Quorum> ServiceManager::get_quorum_at(std::uint32_t at, const BlockRef& block) {
  return quorum_of(detail::call(rpc_, target(address_), fn(kGetQuorumAt),
                                service_manager::encode_get_quorum_at(at), block));
}
Result<U256> ServiceManager::get_threshold_weight(const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetThresholdWeight),
                                service_manager::encode_get_threshold_weight(), block);
}
Result<U256> ServiceManager::get_max_reference_block_age(const BlockRef& block) {
  return detail::call_one<U256>(rpc_, target(address_), fn(kGetMaxReferenceBlockAge),
                                service_manager::encode_get_max_reference_block_age(), block);
}
Result<Hash256> ServiceManager::envelope_digest(const eth::Envelope& envelope, const BlockRef& block) {
  return detail::call_one<Hash256>(rpc_, target(address_), fn(kEnvelopeDigest),
                                   service_manager::encode_envelope_digest(envelope), block);
}
Result<Address> ServiceManager::owner(const BlockRef& block) {
  return detail::call_one<Address>(rpc_, target(address_), fn(kOwner), service_manager::encode_owner(),
                                   block);
}
Result<Address> ServiceManager::pending_owner(const BlockRef& block) {
  return detail::call_one<Address>(rpc_, target(address_), fn(kPendingOwner),
                                   service_manager::encode_pending_owner(), block);
}

Result<chain::TxOutcome> ServiceManager::set_service_uri(chain::TxSender& owner, std::string_view uri) {
  return detail::transact(owner, target(address_), fn(kSetServiceUri),
                          service_manager::encode_set_service_uri(uri));
}
Result<chain::TxOutcome> ServiceManager::register_operator(chain::TxSender& owner, const Address& op,
                                                           const U256& weight) {
  return detail::transact(owner, target(address_), fn(kRegisterOperator),
                          service_manager::encode_register_operator(op, weight));
}
Result<chain::TxOutcome> ServiceManager::update_operator_weight(chain::TxSender& owner, const Address& op,
                                                                const U256& weight) {
  return detail::transact(owner, target(address_), fn(kUpdateOperatorWeight),
                          service_manager::encode_update_operator_weight(op, weight));
}
Result<chain::TxOutcome> ServiceManager::deregister_operator(chain::TxSender& owner, const Address& op) {
  return detail::transact(owner, target(address_), fn(kDeregisterOperator),
                          service_manager::encode_deregister_operator(op));
}
Result<chain::TxOutcome> ServiceManager::update_quorum(chain::TxSender& owner, const Quorum& quorum) {
  return detail::transact(owner, target(address_), fn(kUpdateQuorum),
                          service_manager::encode_update_quorum(quorum));
}
Result<chain::TxOutcome> ServiceManager::set_max_reference_block_age(chain::TxSender& owner,
                                                                     std::uint32_t max_age) {
  return detail::transact(owner, target(address_), fn(kSetMaxReferenceBlockAge),
                          service_manager::encode_set_max_reference_block_age(max_age));
}
Result<chain::TxOutcome> ServiceManager::transfer_ownership(chain::TxSender& owner,
                                                            const Address& new_owner) {
  return detail::transact(owner, target(address_), fn(kTransferOwnership),
                          service_manager::encode_transfer_ownership(new_owner));
}
Result<chain::TxOutcome> ServiceManager::accept_ownership(chain::TxSender& pending_owner) {
  return detail::transact(pending_owner, target(address_), fn(kAcceptOwnership),
                          service_manager::encode_accept_ownership());
}
Result<chain::TxOutcome> ServiceManager::update_operator_signing_key(chain::TxSender& operator_sender,
                                                                     const Address& key,
                                                                     const crypto::Signature& proof) {
  return detail::transact(operator_sender, target(address_), fn(kUpdateOperatorSigningKey),
                          service_manager::encode_update_operator_signing_key(key, proof));
}

}  // namespace wavs::contracts
