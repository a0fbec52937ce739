#pragma once
// Typed bindings of WavsServiceManager (contracts/src/WavsServiceManager.sol and its base;
// the IWavsServiceManager subset works against any upstream-compatible manager).
//
// Two layers. The pure one, namespace service_manager, builds calldata (selector ‖
// arguments) for every bound function, for callers that batch, simulate or sign
// transactions themselves. The networked one, class ServiceManager, makes the eth_calls
// (at any block) and sends the transactions (through a TxSender, whose key must be the
// owner for owner-only functions and the operator for updateOperatorSigningKey):
//
//   ServiceManager manager(rpc, manager_address);
//   Result<Verdict> v = manager.validate(envelope, signatures, BlockRef::latest());
//   if (v && !v->accepted()) log(to_string(*v->rejection));    // InsufficientQuorum(30, 40, 60)
//   Result<std::string> uri = manager.get_service_uri();
//   Result<TxOutcome> sent = manager.set_service_uri(owner_sender, "ipfs://…");
//
// Errors name the contract, function and address ("WavsServiceManager.getServiceURI
// (0x…): …") and keep the chain module's code; a revert is kReverted, and
// contract_error(error) gives its typed reason.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "chain/types.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "contracts/contract_error.hpp"
#include "crypto/keys.hpp"
#include "eth/envelope.hpp"
#include "eth/uint256.hpp"

namespace wavs::contracts {

using chain::BlockRef;

// The quorum fraction: numerator / denominator of the total weight must sign.
struct Quorum {
  U256 numerator;
  U256 denominator;
  bool operator==(const Quorum&) const = default;
};

// What validate() (or a simulated handleSignedEnvelope) says about a signed envelope.
struct Verdict {
  std::optional<ContractError> rejection;  // nullopt: accepted
  [[nodiscard]] bool accepted() const { return !rejection; }
};

namespace service_manager {

// The Solidity signatures of the bound functions, in the order of the builders below
// (the tests check each against the forge artifact).
[[nodiscard]] std::span<const std::string_view> function_signatures();

[[nodiscard]] Bytes encode_validate(const eth::Envelope& envelope, const eth::SignatureData& signatures);
[[nodiscard]] Bytes encode_get_service_uri();
[[nodiscard]] Bytes encode_set_service_uri(std::string_view uri);
[[nodiscard]] Bytes encode_get_operator_weight(const Address& operator_address);
[[nodiscard]] Bytes encode_get_operator_weight_at(const Address& operator_address, std::uint32_t block);
[[nodiscard]] Bytes encode_get_total_weight();
[[nodiscard]] Bytes encode_get_total_weight_at(std::uint32_t block);
[[nodiscard]] Bytes encode_get_latest_operator_for_signing_key(const Address& signing_key);
[[nodiscard]] Bytes encode_get_operator_for_signing_key_at(const Address& signing_key, std::uint32_t block);
[[nodiscard]] Bytes encode_get_latest_signing_key_for_operator(const Address& operator_address);
[[nodiscard]] Bytes encode_is_operator(const Address& account);
[[nodiscard]] Bytes encode_get_operators();
[[nodiscard]] Bytes encode_get_operator_count();
[[nodiscard]] Bytes encode_register_operator(const Address& operator_address, const U256& weight);
[[nodiscard]] Bytes encode_update_operator_weight(const Address& operator_address, const U256& weight);
[[nodiscard]] Bytes encode_deregister_operator(const Address& operator_address);
[[nodiscard]] Bytes encode_update_operator_signing_key(const Address& signing_key,
                                                       const crypto::Signature& proof);
[[nodiscard]] Bytes encode_update_quorum(const Quorum& quorum);
[[nodiscard]] Bytes encode_get_quorum();
[[nodiscard]] Bytes encode_get_quorum_at(std::uint32_t block);
[[nodiscard]] Bytes encode_get_threshold_weight();
[[nodiscard]] Bytes encode_set_max_reference_block_age(std::uint32_t max_age);
[[nodiscard]] Bytes encode_get_max_reference_block_age();
[[nodiscard]] Bytes encode_envelope_digest(const eth::Envelope& envelope);
[[nodiscard]] Bytes encode_signing_key_binding_digest(const Address& operator_address);
[[nodiscard]] Bytes encode_owner();
[[nodiscard]] Bytes encode_pending_owner();
[[nodiscard]] Bytes encode_transfer_ownership(const Address& new_owner);
[[nodiscard]] Bytes encode_accept_ownership();

// The deployment arguments: abi.encode(initialOwner, quorumNumerator, quorumDenominator),
// to append to the creation code.
[[nodiscard]] Bytes encode_constructor(const Address& initial_owner, const Quorum& quorum);

// What a signing key signs (EIP-191) to be bound to an operator:
// keccak256(abi.encodePacked(operator)).
[[nodiscard]] Hash256 signing_key_binding_digest(const Address& operator_address);
// The proof of possession updateOperatorSigningKey wants, made with the signing key.
[[nodiscard]] crypto::Signature signing_key_binding_proof(const crypto::PrivateKey& signing_key,
                                                          const Address& operator_address);

}  // namespace service_manager

class ServiceManager {
 public:
  // `rpc` must outlive the binding.
  ServiceManager(chain::RpcClient& rpc, const Address& address) : rpc_(rpc), address_(address) {}

  [[nodiscard]] const Address& address() const { return address_; }

  // eth_call of validate at `block`: accepted, or the manager's reason. A revert is a
  // verdict, not an error; errors are failures to ask (transport, timeouts).
  [[nodiscard]] Result<Verdict> validate(const eth::Envelope& envelope, const eth::SignatureData& signatures,
                                         const BlockRef& block = BlockRef::latest());

  [[nodiscard]] Result<std::string> get_service_uri(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> get_operator_weight(const Address& operator_address,
                                                 const BlockRef& block = BlockRef::latest());
  // The checkpointed weight at the end of `at_block`, as validate() reads it for a
  // reference block.
  [[nodiscard]] Result<U256> get_operator_weight_at(const Address& operator_address, std::uint32_t at_block,
                                                    const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> get_total_weight(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> get_total_weight_at(std::uint32_t at_block,
                                                 const BlockRef& block = BlockRef::latest());
  // The zero address when the key is not bound.
  [[nodiscard]] Result<Address> get_latest_operator_for_signing_key(
      const Address& signing_key, const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Address> get_operator_for_signing_key_at(const Address& signing_key,
                                                                std::uint32_t at_block,
                                                                const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Address> get_latest_signing_key_for_operator(
      const Address& operator_address, const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<bool> is_operator(const Address& account, const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<std::vector<Address>> get_operators(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> get_operator_count(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Quorum> get_quorum(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Quorum> get_quorum_at(std::uint32_t at_block,
                                             const BlockRef& block = BlockRef::latest());
  // ceil(total weight × numerator / denominator), now.
  [[nodiscard]] Result<U256> get_threshold_weight(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> get_max_reference_block_age(const BlockRef& block = BlockRef::latest());
  // The contract's own keccak256(abi.encode(envelope)).
  [[nodiscard]] Result<Hash256> envelope_digest(const eth::Envelope& envelope,
                                                const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Address> owner(const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<Address> pending_owner(const BlockRef& block = BlockRef::latest());

  // Owner only.
  [[nodiscard]] Result<chain::TxOutcome> set_service_uri(chain::TxSender& owner, std::string_view uri);
  [[nodiscard]] Result<chain::TxOutcome> register_operator(chain::TxSender& owner,
                                                           const Address& operator_address,
                                                           const U256& weight);
  [[nodiscard]] Result<chain::TxOutcome> update_operator_weight(chain::TxSender& owner,
                                                                const Address& operator_address,
                                                                const U256& weight);
  [[nodiscard]] Result<chain::TxOutcome> deregister_operator(chain::TxSender& owner,
                                                             const Address& operator_address);
  [[nodiscard]] Result<chain::TxOutcome> update_quorum(chain::TxSender& owner, const Quorum& quorum);
  [[nodiscard]] Result<chain::TxOutcome> set_max_reference_block_age(chain::TxSender& owner,
                                                                     std::uint32_t max_age);
  [[nodiscard]] Result<chain::TxOutcome> transfer_ownership(chain::TxSender& owner, const Address& new_owner);
  // The pending owner.
  [[nodiscard]] Result<chain::TxOutcome> accept_ownership(chain::TxSender& pending_owner);

  // Sent by the operator itself; `proof` from service_manager::signing_key_binding_proof.
  [[nodiscard]] Result<chain::TxOutcome> update_operator_signing_key(chain::TxSender& operator_sender,
                                                                     const Address& signing_key,
                                                                     const crypto::Signature& proof);

 private:
  chain::RpcClient& rpc_;
  Address address_;
};

}  // namespace wavs::contracts
