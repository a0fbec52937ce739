#pragma once
// Hash functions over byte spans. All are one-shot and thread-safe.

#include <string_view>

#include "common/bytes.hpp"

namespace wavs::crypto {

using Hash160 = FixedBytes<20>;
using Hash512 = FixedBytes<64>;

// Ethereum's Keccak-256 (the original padding, not NIST SHA3-256).
[[nodiscard]] Hash256 keccak256(ByteView data);
[[nodiscard]] inline Hash256 keccak256(std::string_view text) { return keccak256(as_bytes(text)); }

[[nodiscard]] Hash256 sha256(ByteView data);
[[nodiscard]] Hash160 ripemd160(ByteView data);

// HMAC-SHA256, which authenticates the compiled-module cache's entries.
[[nodiscard]] Hash256 hmac_sha256(ByteView key, ByteView data);
// HMAC-SHA512, the PRF of BIP-32 and (through PBKDF2) BIP-39.
[[nodiscard]] Hash512 hmac_sha512(ByteView key, ByteView data);

// Incremental Keccak-256, for hashing data that arrives in pieces without a copy.
class Keccak256 {
 public:
  Keccak256();
  ~Keccak256();
  Keccak256(const Keccak256&) = delete;
  Keccak256& operator=(const Keccak256&) = delete;

  Keccak256& update(ByteView data);
  // Returns the digest and resets the state for reuse.
  [[nodiscard]] Hash256 finish();

 private:
  struct State;
  State* state_;
};

}  // namespace wavs::crypto
