#pragma once
// The custom errors the WAVS contracts revert with, as typed values.
//
//   auto verdict = manager.validate(envelope, signatures);        // Result<Verdict>
//   if (auto* q = std::get_if<InsufficientQuorum>(&*verdict->rejection))
//     wait_for_more(q->threshold_weight - q->signer_weight);
//
//   auto sent = handler.handle_signed_envelope(sender, envelope, signatures);
//   if (!sent) if (auto why = contract_error(sent.error())) log(to_string(*why));
//
// One variant holds every error of WavsServiceManager (with the OpenZeppelin errors it
// inherits), SimpleSubmit and SimpleTrigger: their selectors are distinct, so revert data
// decodes without knowing which contract reverted (a handler passes the manager's errors
// through unchanged). Anything else (Error(string), Panic, another contract's error, no
// data) is an UnrecognizedRevert carrying the generic decoding. kSignature is the
// Solidity declaration; the selector is keccak256 of its canonical form.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/uint256.hpp"

namespace wavs::contracts {

using crypto::Address;
using eth::U256;

// IWavsServiceManager: validate().
struct InvalidSignatureLength {
  static constexpr std::string_view kSignature = "InvalidSignatureLength()";
  bool operator==(const InvalidSignatureLength&) const = default;
};
struct InvalidSignatureBlock {
  static constexpr std::string_view kSignature = "InvalidSignatureBlock()";
  bool operator==(const InvalidSignatureBlock&) const = default;
};
struct InvalidSignatureOrder {
  static constexpr std::string_view kSignature = "InvalidSignatureOrder()";
  bool operator==(const InvalidSignatureOrder&) const = default;
};
struct InvalidSignature {
  static constexpr std::string_view kSignature = "InvalidSignature()";
  bool operator==(const InvalidSignature&) const = default;
};
struct InsufficientQuorumZero {
  static constexpr std::string_view kSignature = "InsufficientQuorumZero()";
  bool operator==(const InsufficientQuorumZero&) const = default;
};
struct InsufficientQuorum {
  static constexpr std::string_view kSignature =
      "InsufficientQuorum(uint256 signerWeight, uint256 thresholdWeight, uint256 totalWeight)";
  U256 signer_weight;
  U256 threshold_weight;
  U256 total_weight;
  bool operator==(const InsufficientQuorum&) const = default;
};
struct InvalidQuorumParameters {
  static constexpr std::string_view kSignature = "InvalidQuorumParameters()";
  bool operator==(const InvalidQuorumParameters&) const = default;
};

// WavsServiceManagerBase: signing keys.
struct OperatorNotRegistered {
  static constexpr std::string_view kSignature = "OperatorNotRegistered(address account)";
  Address account;
  bool operator==(const OperatorNotRegistered&) const = default;
};
struct InvalidSigningKey {
  static constexpr std::string_view kSignature = "InvalidSigningKey()";
  bool operator==(const InvalidSigningKey&) const = default;
};
struct InvalidSigningKeySignature {
  static constexpr std::string_view kSignature = "InvalidSigningKeySignature()";
  bool operator==(const InvalidSigningKeySignature&) const = default;
};
struct SigningKeyAlreadyBound {
  static constexpr std::string_view kSignature =
      "SigningKeyAlreadyBound(address signingKey, address operator)";
  Address signing_key;
  Address operator_address;
  bool operator==(const SigningKeyAlreadyBound&) const = default;
};

// WavsServiceManager: the operator set.
struct InvalidOperator {
  static constexpr std::string_view kSignature = "InvalidOperator()";
  bool operator==(const InvalidOperator&) const = default;
};
struct InvalidWeight {
  static constexpr std::string_view kSignature = "InvalidWeight()";
  bool operator==(const InvalidWeight&) const = default;
};
struct OperatorAlreadyRegistered {
  static constexpr std::string_view kSignature = "OperatorAlreadyRegistered(address operator)";
  Address operator_address;
  bool operator==(const OperatorAlreadyRegistered&) const = default;
};

// OpenZeppelin, inherited by the manager.
struct OwnableUnauthorizedAccount {
  static constexpr std::string_view kSignature = "OwnableUnauthorizedAccount(address account)";
  Address account;
  bool operator==(const OwnableUnauthorizedAccount&) const = default;
};
struct OwnableInvalidOwner {
  static constexpr std::string_view kSignature = "OwnableInvalidOwner(address owner)";
  Address owner;
  bool operator==(const OwnableInvalidOwner&) const = default;
};
struct SafeCastOverflowedUintDowncast {
  static constexpr std::string_view kSignature = "SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)";
  std::uint8_t bits = 0;
  U256 value;
  bool operator==(const SafeCastOverflowedUintDowncast&) const = default;
};
struct CheckpointUnorderedInsertion {
  static constexpr std::string_view kSignature = "CheckpointUnorderedInsertion()";
  bool operator==(const CheckpointUnorderedInsertion&) const = default;
};

// SimpleSubmit.
struct EventAlreadyHandled {
  static constexpr std::string_view kSignature = "EventAlreadyHandled(bytes20 eventId)";
  FixedBytes<20> event_id;
  bool operator==(const EventAlreadyHandled&) const = default;
};
struct InvalidServiceManager {
  static constexpr std::string_view kSignature = "InvalidServiceManager()";
  bool operator==(const InvalidServiceManager&) const = default;
};

// SimpleTrigger.
struct UnknownTrigger {
  static constexpr std::string_view kSignature = "UnknownTrigger(uint64 triggerId)";
  std::uint64_t trigger_id = 0;
  bool operator==(const UnknownTrigger&) const = default;
};

// A revert that is none of the above.
struct UnrecognizedRevert {
  eth::RevertReason reason;
  bool operator==(const UnrecognizedRevert& other) const { return reason.data == other.reason.data; }
};

using ContractError =
    std::variant<InvalidSignatureLength, InvalidSignatureBlock, InvalidSignatureOrder, InvalidSignature,
                 InsufficientQuorumZero, InsufficientQuorum, InvalidQuorumParameters, OperatorNotRegistered,
                 InvalidSigningKey, InvalidSigningKeySignature, SigningKeyAlreadyBound, InvalidOperator,
                 InvalidWeight, OperatorAlreadyRegistered, OwnableUnauthorizedAccount, OwnableInvalidOwner,
                 SafeCastOverflowedUintDowncast, CheckpointUnorderedInsertion, EventAlreadyHandled,
                 InvalidServiceManager, UnknownTrigger, UnrecognizedRevert>;

// Revert data (selector ‖ arguments) to a typed error; never fails.
[[nodiscard]] ContractError decode_contract_error(ByteView revert_data);
// The typed error of a kReverted chain error (from RpcClient::call or TxSender::send,
// with or without context added); nullopt for any other error.
[[nodiscard]] std::optional<ContractError> contract_error(const Error& error);
// The revert data a contract emits for `error` (UnrecognizedRevert: its raw data).
[[nodiscard]] Bytes encode_contract_error(const ContractError& error);

// "InsufficientQuorum"; "UnrecognizedRevert" for the fallback.
[[nodiscard]] std::string_view error_name(const ContractError& error);
// "InsufficientQuorum(30, 40, 60)", "OperatorNotRegistered(0xAbC…)"; the fallback prints
// its generic reason ("reverted: <message>", "panic 0x11 …").
[[nodiscard]] std::string to_string(const ContractError& error);

// Every named error above, for TxSenderConfig::known_errors (so the sender's own error
// messages name them too).
[[nodiscard]] const std::vector<eth::AbiError>& abi_errors();

}  // namespace wavs::contracts
