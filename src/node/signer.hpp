#pragma once
// The operator's keys and what they sign.
//
//   auto signer = node::Signer::from_mnemonic(settings.signing_mnemonic);
//   crypto::Address op = signer->operator_address();          // m/44'/60'/0'/0/0
//   auto address = signer->address(service.hd_index);         // for POST /services/signer
//   auto packet = signer->sign({manager, "default", service.hd_index, event_id, ordering,
//                               payload, node::origin_of(action.data)});
//   std::string body = node::to_json(*packet);                // POST /packets
//
// Keys are BIP-44 Ethereum accounts of the operator mnemonic (no passphrase):
// m/44'/60'/0'/0/<index>, what anvil, cast and MetaMask derive from the same phrase.
// Index 0 is the operator's own key; each service signs with its own index, 1, 2, 3 … in
// the order the node registered them (the index is persisted with the service).
//
// What is signed is the envelope {eventId, ordering, payload}: its digest is
// keccak256(abi.encode(envelope)), the Service Handler's envelopeDigest, and the
// signature is EIP-191 over that digest (eth::Envelope::sign), 65 bytes r ‖ s ‖ v.
//
// Private keys never leave the Signer: nothing returns one except reveal_private_key,
// which exists for `wavs keys --show-private` only. Errors never carry the phrase.
// Thread-safe: derived keys are cached under a mutex.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"
#include "component/trigger.hpp"
#include "crypto/keys.hpp"
#include "eth/envelope.hpp"
#include "node/error.hpp"
#include "service/manifest.hpp"

namespace wavs::node {

// Where a result's trigger came from, as the aggregator and the results view need it:
// the kind of trigger data and, for chain triggers, the chain, block and log.
struct PacketOrigin {
  std::string kind = "raw";  // component::variant_name: evm_contract_event, block_interval, cron, raw
  std::optional<service::ChainKey> chain;
  std::optional<std::uint64_t> block_number;
  std::optional<Hash256> tx_hash;             // evm_contract_event
  std::optional<std::uint64_t> log_index;     // evm_contract_event
  std::optional<std::uint64_t> trigger_time;  // cron, ns since the epoch
  bool operator==(const PacketOrigin&) const = default;
};

[[nodiscard]] PacketOrigin origin_of(const component::TriggerData& data);

// A signed result, as the node sends it to an aggregator (POST /packets).
struct Packet {
  Hash256 service_id;  // service::service_id(service_manager)
  service::Manager service_manager;
  std::string workflow_id;
  eth::Envelope envelope;
  crypto::Signature signature;  // EIP-191 over envelope.digest()
  crypto::Address signer;       // the service's signing key's address
  PacketOrigin origin;

  [[nodiscard]] Hash256 digest() const { return envelope.digest(); }
  // The signature recovers to `signer` and service_id matches the manager.
  [[nodiscard]] Status verify() const;
  bool operator==(const Packet&) const = default;
};

// The JSON of docs/http-api.md, "Packets (node → aggregator)": compact, members in a
// fixed order, bytes 0x-hex, integers as decimal strings.
[[nodiscard]] std::string to_json(const Packet& packet);
// The reverse; kBadPacket naming the JSON path ("envelope.event_id: expected 20 bytes
// of 0x-hex"). Does not verify the signature (call verify()).
[[nodiscard]] Result<Packet> parse_packet(std::string_view json);

// What to sign: a component's response to one trigger of one service's workflow.
struct SignRequest {
  service::Manager service_manager;
  std::string workflow_id;
  std::uint32_t hd_index = 0;  // the service's signing key
  eth::EventId event_id;
  eth::Ordering ordering;
  Bytes payload;
  PacketOrigin origin;
};

class Signer {
 public:
  // Highest index a key may have: BIP-32 non-hardened children are below 2^31.
  static constexpr std::uint32_t kMaxIndex = 0x7fffffffu;

  // kNoMnemonic when the secret is empty; crypto's kInvalidMnemonic / kBadChecksum (which
  // name a word's position, never the word) when it is not a BIP-39 phrase.
  [[nodiscard]] static Result<Signer> from_mnemonic(const Secret& mnemonic);

  Signer(Signer&&) noexcept;
  Signer& operator=(Signer&&) noexcept;
  ~Signer();

  // "m/44'/60'/0'/0/<index>".
  [[nodiscard]] static std::string path(std::uint32_t index);

  // Index 0's address: the operator's own key.
  [[nodiscard]] const crypto::Address& operator_address() const;
  // The address at `index` (0 included). kBadIndex above kMaxIndex.
  [[nodiscard]] Result<crypto::Address> address(std::uint32_t index) const;

  // Builds the envelope, signs its digest with the key at request.hd_index and returns
  // the packet. kBadIndex for index 0 (the operator's own key signs no results) or above
  // kMaxIndex.
  [[nodiscard]] Result<Packet> sign(const SignRequest& request) const;

  // The private key at `index`, as 0x-hex. For `wavs keys --show-private` only.
  [[nodiscard]] Result<Secret> reveal_private_key(std::uint32_t index) const;

  // "Signer(operator 0x…)": safe to log.
  [[nodiscard]] std::string to_string() const;

 private:
  struct Impl;
  explicit Signer(std::unique_ptr<Impl> impl);
  [[nodiscard]] Result<crypto::PrivateKey> key(std::uint32_t index) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::node
