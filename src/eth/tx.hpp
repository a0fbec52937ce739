#pragma once
// Ethereum transactions: EIP-1559 (type 2) and legacy (with EIP-155 replay protection),
// their signing hashes, signatures and raw encodings for eth_sendRawTransaction.
//
//   Eip1559Tx tx{.chain_id = 31337, .nonce = n, .max_priority_fee_per_gas = tip,
//                .max_fee_per_gas = cap, .gas_limit = gas, .to = handler, .data = calldata};
//   SignedTx signed_tx = tx.sign(key);   // signed_tx.raw → eth_sendRawTransaction

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/keys.hpp"
#include "eth/uint256.hpp"

namespace wavs::eth {

struct AccessListEntry {
  crypto::Address address;
  std::vector<Hash256> storage_keys;
  bool operator==(const AccessListEntry&) const = default;
};

struct SignedTx {
  Bytes raw;     // what eth_sendRawTransaction takes
  Hash256 hash;  // the transaction hash nodes report: keccak256(raw)
  crypto::Address from;
};

struct Eip1559Tx {
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  U256 max_priority_fee_per_gas;
  U256 max_fee_per_gas;
  std::uint64_t gas_limit = 0;
  std::optional<crypto::Address> to;  // absent: contract creation
  U256 value;
  Bytes data;
  std::vector<AccessListEntry> access_list;

  // 0x02 ‖ rlp([chain_id, nonce, tip, cap, gas, to, value, data, access_list]).
  [[nodiscard]] Bytes signing_payload() const;
  [[nodiscard]] Hash256 signing_hash() const;
  // 0x02 ‖ rlp([..., y_parity, r, s]).
  [[nodiscard]] Bytes encode_signed(const crypto::Signature& sig) const;
  [[nodiscard]] SignedTx sign(const crypto::PrivateKey& key) const;

  // Parses a raw signed type-2 transaction and recovers its sender.
  [[nodiscard]] static Result<std::pair<Eip1559Tx, SignedTx>> decode_signed(ByteView raw);

  bool operator==(const Eip1559Tx&) const = default;
};

struct LegacyTx {
  std::optional<std::uint64_t> chain_id;  // absent: pre-EIP-155 (v = 27/28)
  std::uint64_t nonce = 0;
  U256 gas_price;
  std::uint64_t gas_limit = 0;
  std::optional<crypto::Address> to;
  U256 value;
  Bytes data;

  // rlp([nonce, gas_price, gas, to, value, data, chain_id, 0, 0]) (EIP-155) or the
  // six-field form without a chain id.
  [[nodiscard]] Bytes signing_payload() const;
  [[nodiscard]] Hash256 signing_hash() const;
  // v = 35 + 2·chain_id + y_parity (EIP-155) or 27 + y_parity.
  [[nodiscard]] Bytes encode_signed(const crypto::Signature& sig) const;
  [[nodiscard]] SignedTx sign(const crypto::PrivateKey& key) const;

  bool operator==(const LegacyTx&) const = default;
};

}  // namespace wavs::eth
