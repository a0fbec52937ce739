#pragma once
// What WAVS operators sign and aggregators submit, byte-compatible with upstream's
// IWavsServiceHandler:
//
//   struct Envelope { bytes20 eventId; bytes12 ordering; bytes payload; }
//   struct SignatureData { address[] signers; bytes[] signatures; uint32 referenceBlock; }
//   handleSignedEnvelope(Envelope, SignatureData)
//
// An operator signs eip191_hash(digest) with digest = keccak256(abi.encode(envelope)).

#include <cstdint>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/keys.hpp"
#include "eth/error.hpp"

namespace wavs::eth {

using EventId = FixedBytes<20>;
using Ordering = FixedBytes<12>;

struct Envelope {
  EventId event_id;
  Ordering ordering;  // zero, or a u64 big-endian in the first 8 bytes
  Bytes payload;

  // abi.encode(envelope): the struct as one dynamic tuple (starts with the 0x20 word).
  [[nodiscard]] Bytes abi_encode() const;
  [[nodiscard]] static Result<Envelope> abi_decode(ByteView data);
  // keccak256(abi.encode(envelope)).
  [[nodiscard]] Hash256 digest() const;
  // keccak256("\x19Ethereum Signed Message:\n32" ‖ digest): what operators sign.
  [[nodiscard]] Hash256 signed_hash() const;
  [[nodiscard]] crypto::Signature sign(const crypto::PrivateKey& key) const;

  // Ordering from a u64 (first 8 bytes big-endian, rest zero).
  [[nodiscard]] static Ordering ordering_from_u64(std::uint64_t value);

  bool operator==(const Envelope&) const = default;
};

struct SignatureData {
  std::vector<crypto::Address> signers;  // strictly ascending
  std::vector<Bytes> signatures;         // 65 bytes each, same order as signers
  std::uint32_t reference_block = 0;

  // Sorts (signer, signature) pairs by signer; fails on a duplicate signer.
  [[nodiscard]] static Result<SignatureData> from_signatures(
      std::vector<std::pair<crypto::Address, crypto::Signature>> signed_by, std::uint32_t reference_block);

  // abi.encode(signatureData) (a dynamic tuple, starts with the 0x20 word).
  [[nodiscard]] Bytes abi_encode() const;
  [[nodiscard]] static Result<SignatureData> abi_decode(ByteView data);
  // Checks ascending order, matching lengths and that each signature recovers to its
  // signer for `envelope` (what the Service Manager's validate() checks, minus weights).
  [[nodiscard]] Status verify(const Envelope& envelope) const;

  bool operator==(const SignatureData&) const = default;
};

// The calldata of handleSignedEnvelope(envelope, signatureData).
[[nodiscard]] Bytes encode_handle_signed_envelope(const Envelope& envelope, const SignatureData& data);
// Its selector's signature string.
inline constexpr std::string_view kHandleSignedEnvelopeSig =
    "handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))";

}  // namespace wavs::eth
