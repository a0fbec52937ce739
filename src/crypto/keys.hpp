#pragma once
// secp256k1 keys, Ethereum addresses and recoverable signatures.
//
//   auto key = PrivateKey::from_hex(secret.reveal());        // Result<PrivateKey>
//   Signature sig = key->sign(eip191_hash(message));         // low-s, v in {27, 28}
//   Result<Address> who = recover(eip191_hash(message), sig);
//
// A PrivateKey never prints itself: to_string() shows only its address, and the raw
// scalar is reachable only through the explicitly named reveal_hex().

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"
#include "crypto/error.hpp"

namespace wavs::crypto {

// A 20-byte Ethereum address. Comparison is byte-wise, which is the order the Service
// Manager demands for signer lists.
struct Address : FixedBytes<20> {
  Address() = default;
  explicit Address(const FixedBytes<20>& bytes) : FixedBytes<20>(bytes) {}

  // EIP-55 mixed-case form, "0x"-prefixed.
  [[nodiscard]] std::string to_checksum() const;

  // Parses 40 hex digits with an optional 0x prefix. All-lower or all-upper input is
  // accepted as is; mixed case must be a valid EIP-55 checksum (kBadChecksum otherwise).
  [[nodiscard]] static Result<Address> from_hex(std::string_view text);
  // Like from_hex but the input must be exactly the EIP-55 form.
  [[nodiscard]] static Result<Address> from_checksum(std::string_view text);
  [[nodiscard]] static Result<Address> from_view(ByteView bytes);

  auto operator<=>(const Address&) const = default;
};

// True when `text` is "0x" + 40 hex digits in exactly the EIP-55 case pattern.
[[nodiscard]] bool is_valid_checksum(std::string_view text);

// An uncompressed public key without the 0x04 prefix: x ‖ y, 64 bytes.
struct PublicKey : FixedBytes<64> {
  PublicKey() = default;
  explicit PublicKey(const FixedBytes<64>& bytes) : FixedBytes<64>(bytes) {}
  [[nodiscard]] Address address() const;  // keccak256(x ‖ y)[12:]
  // SEC1 compressed form (0x02/0x03 ‖ x), as BIP-32 fingerprints it.
  [[nodiscard]] FixedBytes<33> compressed() const;
};

// A 65-byte recoverable signature r ‖ s ‖ v with v ∈ {27, 28}.
struct Signature : FixedBytes<65> {
  Signature() = default;

  [[nodiscard]] Hash256 r() const;
  [[nodiscard]] Hash256 s() const;
  [[nodiscard]] std::uint8_t v() const { return data[64]; }
  [[nodiscard]] std::uint8_t y_parity() const { return static_cast<std::uint8_t>(data[64] - 27); }

  // Accepts 65 bytes with v ∈ {0, 1, 27, 28} (normalised to 27/28); rejects r or s zero
  // or not below the curve order, and s in the upper half (malleable form).
  [[nodiscard]] static Result<Signature> from_view(ByteView bytes);
  [[nodiscard]] static Result<Signature> from_hex(std::string_view text);
  [[nodiscard]] static Result<Signature> from_parts(const Hash256& r, const Hash256& s, std::uint8_t v);
};

class PrivateKey {
 public:
  // 32 bytes, big-endian, 0 < k < n.
  [[nodiscard]] static Result<PrivateKey> from_bytes(ByteView bytes);
  // 64 hex digits, optional 0x prefix. Error messages never echo the input.
  [[nodiscard]] static Result<PrivateKey> from_hex(std::string_view text);
  [[nodiscard]] static Result<PrivateKey> from_secret(const Secret& hex) { return from_hex(hex.reveal()); }
  // A fresh key from the OS CSPRNG.
  [[nodiscard]] static Result<PrivateKey> random();

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  [[nodiscard]] const PublicKey& public_key() const { return public_key_; }
  [[nodiscard]] const Address& address() const { return address_; }

  // Deterministic (RFC 6979) recoverable signature of a 32-byte hash, low-s.
  [[nodiscard]] Signature sign(const Hash256& hash) const;
  // EIP-191 personal_sign: sign(eip191_hash(message)).
  [[nodiscard]] Signature sign_message(ByteView message) const;

  // "PrivateKey(address 0x…)": safe to log.
  [[nodiscard]] std::string to_string() const;
  // The scalar as 0x-hex, wrapped so that it does not leak by accident.
  [[nodiscard]] Secret reveal_hex() const;
  // The raw scalar, for BIP-32 arithmetic and serialisation.
  [[nodiscard]] const std::array<std::uint8_t, 32>& reveal_bytes() const { return secret_; }

  bool operator==(const PrivateKey& other) const { return secret_ == other.secret_; }

 private:
  PrivateKey() = default;
  std::array<std::uint8_t, 32> secret_{};
  PublicKey public_key_;
  Address address_;
};

// keccak256("\x19Ethereum Signed Message:\n" ‖ len(message) ‖ message).
[[nodiscard]] Hash256 eip191_hash(ByteView message);

// Recovers the signer's public key / address; fails on malformed signatures (see
// Signature::from_view) and when no point recovers.
[[nodiscard]] Result<PublicKey> recover_public_key(const Hash256& hash, const Signature& sig);
[[nodiscard]] Result<Address> recover(const Hash256& hash, const Signature& sig);
// recover(hash, sig) == expected.
[[nodiscard]] bool verify(const Hash256& hash, const Signature& sig, const Address& expected);

}  // namespace wavs::crypto

template <>
struct std::hash<wavs::crypto::Address> {
  std::size_t operator()(const wavs::crypto::Address& a) const noexcept {
    std::size_t h = 0;
    for (std::size_t i = 0; i < sizeof(std::size_t); ++i) h = (h << 8) | a.data[i];
    return h;  // addresses are hash outputs, so their first bytes are uniform
  }
};
