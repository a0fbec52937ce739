#pragma once
// The events of the WAVS contracts, as typed values decoded from logs.
//
//   LogFilter uri_changes{{manager}, {{event_topic<ServiceURIUpdated>()}}};
//   Result<ServiceURIUpdated> e = decode_event<ServiceURIUpdated>(log);   // e->service_uri
//   Result<std::vector<NewTrigger>> added = events_in<NewTrigger>(receipt, trigger_contract);
//
// kSignature is the Solidity declaration (with `indexed`); topic0 is keccak256 of its
// canonical form. Decoding checks topic0 and treats the log as untrusted; it does not
// check the emitting address, which the caller's filter (or events_in) does.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chain/types.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "contracts/error.hpp"
#include "eth/uint256.hpp"

namespace wavs::contracts {

using chain::Address;
using eth::U256;

// WavsServiceManager (and its base).
struct ServiceURIUpdated {
  static constexpr std::string_view kSignature = "ServiceURIUpdated(string serviceURI)";
  std::string service_uri;
  bool operator==(const ServiceURIUpdated&) const = default;
};
struct QuorumThresholdUpdated {
  static constexpr std::string_view kSignature =
      "QuorumThresholdUpdated(uint256 indexed numerator, uint256 indexed denominator)";
  U256 numerator;
  U256 denominator;
  bool operator==(const QuorumThresholdUpdated&) const = default;
};
struct OperatorRegistered {
  static constexpr std::string_view kSignature =
      "OperatorRegistered(address indexed operator, uint256 weight)";
  Address operator_address;
  U256 weight;
  bool operator==(const OperatorRegistered&) const = default;
};
struct OperatorWeightUpdated {
  static constexpr std::string_view kSignature =
      "OperatorWeightUpdated(address indexed operator, uint256 oldWeight, uint256 newWeight)";
  Address operator_address;
  U256 old_weight;
  U256 new_weight;
  bool operator==(const OperatorWeightUpdated&) const = default;
};
struct OperatorDeregistered {
  static constexpr std::string_view kSignature = "OperatorDeregistered(address indexed operator)";
  Address operator_address;
  bool operator==(const OperatorDeregistered&) const = default;
};
// Zero addresses mean "none": no key before, or the key was unbound.
struct SigningKeyUpdated {
  static constexpr std::string_view kSignature =
      "SigningKeyUpdated(address indexed operator, address indexed newSigningKey, address indexed "
      "oldSigningKey)";
  Address operator_address;
  Address new_signing_key;
  Address old_signing_key;
  bool operator==(const SigningKeyUpdated&) const = default;
};
struct MaxReferenceBlockAgeUpdated {
  static constexpr std::string_view kSignature = "MaxReferenceBlockAgeUpdated(uint256 maxAge)";
  U256 max_age;
  bool operator==(const MaxReferenceBlockAgeUpdated&) const = default;
};

// SimpleSubmit.
struct EnvelopeHandled {
  static constexpr std::string_view kSignature =
      "EnvelopeHandled(bytes20 indexed eventId, bytes12 ordering, bytes payload)";
  FixedBytes<20> event_id;
  FixedBytes<12> ordering;
  Bytes payload;
  bool operator==(const EnvelopeHandled&) const = default;
};

// SimpleTrigger. trigger_info is abi.encode(TriggerInfo); simple_trigger.hpp decodes it.
struct NewTrigger {
  static constexpr std::string_view kSignature = "NewTrigger(bytes triggerInfo)";
  Bytes trigger_info;
  bool operator==(const NewTrigger&) const = default;
};

// topic0 of event E.
template <class E>
[[nodiscard]] const Hash256& event_topic();

// kWrongLog when topic0 is not E's (or the log has no topics), kDecode when the topics
// or data do not decode as E declares.
template <class E>
[[nodiscard]] Result<E> decode_event(const chain::Log& log);

// The topics and data a contract emits for `event` (for tests and mocks).
template <class E>
[[nodiscard]] chain::Log encode_event(const E& event, const Address& emitter);

// Every E that `emitter` logged in a receipt, in log order; fails if one of them does not
// decode.
template <class E>
[[nodiscard]] Result<std::vector<E>> events_in(const chain::Receipt& receipt, const Address& emitter);

// Any event of the service manager, for a node that watches one filter on the manager.
using ManagerEvent =
    std::variant<ServiceURIUpdated, QuorumThresholdUpdated, OperatorRegistered, OperatorWeightUpdated,
                 OperatorDeregistered, SigningKeyUpdated, MaxReferenceBlockAgeUpdated>;
// kWrongLog for a log that is none of them (OpenZeppelin's ownership events included).
[[nodiscard]] Result<ManagerEvent> decode_manager_event(const chain::Log& log);
// Their topic0s, for a LogFilter position 0.
[[nodiscard]] std::vector<Hash256> manager_event_topics();

}  // namespace wavs::contracts
