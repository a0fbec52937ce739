#pragma once
// BIP-39 mnemonics and BIP-32/BIP-44 hierarchical deterministic keys.
//
//   auto m = Mnemonic::parse(config.signing_mnemonic.reveal());   // checks words + checksum
//   auto key = derive_eth_key(*m, 3);                              // m/44'/60'/0'/0/3
//
// Index 0 is the operator's own key; index i signs for the service registered i-th.
// Nothing here prints a phrase, a seed or a key: to_string() is redacted and errors
// name the position of a bad word, never the word.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"
#include "crypto/keys.hpp"

namespace wavs::crypto {

// The 64-byte BIP-39 seed; wiped on destruction.
class Seed {
 public:
  explicit Seed(const FixedBytes<64>& bytes) : bytes_(bytes) {}
  Seed(const Seed&) = default;
  Seed& operator=(const Seed&) = default;
  ~Seed();
  [[nodiscard]] ByteView reveal() const { return bytes_.view(); }
  [[nodiscard]] std::string to_string() const { return "Seed(<redacted>)"; }

 private:
  FixedBytes<64> bytes_;
};

class Mnemonic {
 public:
  // A new random phrase of 12, 15, 18, 21 or 24 words.
  [[nodiscard]] static Result<Mnemonic> generate(int words = 12);
  // BIP-39 entropy (16..32 bytes, a multiple of 4) to its phrase.
  [[nodiscard]] static Result<Mnemonic> from_entropy(ByteView entropy);
  // Validates word count, every word against the English list, and the checksum.
  // Words may be separated by any run of ASCII whitespace; case is folded.
  [[nodiscard]] static Result<Mnemonic> parse(std::string_view phrase);

  // PBKDF2-HMAC-SHA512(phrase, "mnemonic" ‖ NFKD(passphrase), 2048 rounds), as BIP-39
  // says. A passphrase that is not valid UTF-8 is used as given.
  [[nodiscard]] Seed to_seed(std::string_view passphrase = {}) const;

  // Words joined by single spaces.
  [[nodiscard]] const Secret& phrase() const { return phrase_; }
  [[nodiscard]] std::size_t word_count() const { return words_; }
  [[nodiscard]] std::string to_string() const;  // "Mnemonic(12 words, <redacted>)"

 private:
  Mnemonic(Secret phrase, std::size_t words) : phrase_(std::move(phrase)), words_(words) {}
  Secret phrase_;
  std::size_t words_ = 0;
};

// The BIP-39 English word list (2048 words, sorted).
[[nodiscard]] std::string_view bip39_word(std::size_t index);
// Index of `word` in the list, or -1.
[[nodiscard]] int bip39_index(std::string_view word);

// A BIP-32 path such as m/44'/60'/0'/0/7 (' or h marks a hardened step).
struct DerivationPath {
  static constexpr std::uint32_t kHardened = 0x80000000u;
  std::vector<std::uint32_t> steps;

  [[nodiscard]] static Result<DerivationPath> parse(std::string_view text);
  // BIP-44 Ethereum account: m/44'/60'/0'/0/index.
  [[nodiscard]] static DerivationPath ethereum(std::uint32_t index);
  [[nodiscard]] std::string to_string() const;
  bool operator==(const DerivationPath&) const = default;
};

// An extended private key (key + chain code) of a BIP-32 tree.
class HdKey {
 public:
  [[nodiscard]] static Result<HdKey> from_seed(ByteView seed);
  [[nodiscard]] static Result<HdKey> from_seed(const Seed& seed) { return from_seed(seed.reveal()); }

  // One step; index >= kHardened derives a hardened child.
  [[nodiscard]] Result<HdKey> child(std::uint32_t index) const;
  [[nodiscard]] Result<HdKey> derive(const DerivationPath& path) const;

  [[nodiscard]] const PrivateKey& private_key() const { return key_; }
  [[nodiscard]] std::uint8_t depth() const { return depth_; }

  // Base58Check "xprv…" / "xpub…" (mainnet versions), as BIP-32's test vectors give them.
  [[nodiscard]] Secret to_xprv() const;
  [[nodiscard]] std::string to_xpub() const;
  [[nodiscard]] std::string to_string() const;  // "HdKey(depth d, address 0x…)"

 private:
  HdKey(const PrivateKey& key, const Hash256& chain_code) : key_(key), chain_code_(chain_code) {}
  PrivateKey key_;
  Hash256 chain_code_;
  std::uint8_t depth_ = 0;
  std::uint32_t parent_fingerprint_ = 0;
  std::uint32_t child_number_ = 0;
};

// The key at m/44'/60'/0'/0/index of the phrase (no passphrase): what anvil, cast and
// MetaMask derive for the same mnemonic.
[[nodiscard]] Result<PrivateKey> derive_eth_key(const Mnemonic& mnemonic, std::uint32_t index,
                                                std::string_view passphrase = {});

// An account credential as configuration takes it (evm_credential,
// aggregator_evm_credential): a private key as 64 hex digits (0x optional), or else a
// BIP-39 phrase, whose index 0 it is. Surrounding whitespace is ignored. Errors
// (kInvalidPrivateKey, kInvalidMnemonic, kBadChecksum) never carry the credential.
[[nodiscard]] Result<PrivateKey> key_from_credential(const Secret& credential);

}  // namespace wavs::crypto
