#include "crypto/keys.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/secp256k1_context.hpp"

namespace wavs::crypto {
namespace detail {

const secp256k1_context* secp256k1_ctx() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    // Blinding only hardens against side channels; a failed CSPRNG read leaves it off.
    std::array<std::uint8_t, 32> blind{};
    if (random_bytes(blind)) {
      int randomized = secp256k1_context_randomize(c, blind.data());
      static_cast<void>(randomized);
    }
    return c;
  }();
  return ctx;
}

}  // namespace detail

namespace {

using detail::secp256k1_ctx;

// secp256k1 group order n and n/2, big-endian.
constexpr std::array<std::uint8_t, 32> kOrder = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
constexpr std::array<std::uint8_t, 32> kHalfOrder = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

bool all_zero(const std::uint8_t* p, std::size_t n) {
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc |= p[i];
  return acc == 0;
}

// a > b for 32-byte big-endian numbers.
bool greater(const std::uint8_t* a, const std::array<std::uint8_t, 32>& b) {
  return std::memcmp(a, b.data(), 32) > 0;
}

PublicKey serialize_uncompressed(const secp256k1_pubkey& pk) {
  std::array<std::uint8_t, 65> out{};
  std::size_t len = out.size();
  secp256k1_ec_pubkey_serialize(secp256k1_ctx(), out.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  PublicKey key;
  std::memcpy(key.data.data(), out.data() + 1, 64);
  return key;
}

int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view strip_0x(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return text;
}

}  // namespace

// ---- Address -------------------------------------------------------------------------

std::string Address::to_checksum() const {
  std::string lower = hex(HexPrefix::kNone);
  Hash256 h = keccak256(std::string_view(lower));
  std::string out = "0x";
  out.reserve(42);
  for (std::size_t i = 0; i < lower.size(); ++i) {
    char c = lower[i];
    int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
    if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

Result<Address> Address::from_view(ByteView bytes) {
  if (bytes.size() != 20) {
    return Error(CryptoErrc::kInvalidAddress, "expected 20 bytes, got " + std::to_string(bytes.size()));
  }
  Address a;
  std::memcpy(a.data.data(), bytes.data(), 20);
  return a;
}

Result<Address> Address::from_hex(std::string_view text) {
  std::string_view digits = strip_0x(text);
  if (digits.size() != 40) {
    return Error(CryptoErrc::kInvalidAddress, "expected 40 hex digits, got " + std::to_string(digits.size()));
  }
  Address a;
  bool has_lower = false;
  bool has_upper = false;
  for (std::size_t i = 0; i < 40; ++i) {
    int v = hex_nibble(digits[i]);
    if (v < 0) {
      return Error(CryptoErrc::kInvalidAddress, "invalid hex digit at offset " + std::to_string(i));
    }
    has_lower |= digits[i] >= 'a' && digits[i] <= 'f';
    has_upper |= digits[i] >= 'A' && digits[i] <= 'F';
    a.data[i / 2] = static_cast<std::uint8_t>(a.data[i / 2] << 4 | v);
  }
  if (has_lower && has_upper && a.to_checksum().substr(2) != digits) {
    return Error(CryptoErrc::kBadChecksum, "mixed-case address fails its EIP-55 checksum");
  }
  return a;
}

Result<Address> Address::from_checksum(std::string_view text) {
  auto a = from_hex(text);
  if (!a) return a;
  if (a->to_checksum() != text) {
    return Error(CryptoErrc::kBadChecksum, "address is not in EIP-55 checksum form");
  }
  return a;
}

bool is_valid_checksum(std::string_view text) {
  auto a = Address::from_hex(text);
  return a && a->to_checksum() == text;
}

// ---- PublicKey -----------------------------------------------------------------------

Address PublicKey::address() const {
  Hash256 h = keccak256(view());
  Address a;
  std::memcpy(a.data.data(), h.data.data() + 12, 20);
  return a;
}

FixedBytes<33> PublicKey::compressed() const {
  FixedBytes<33> out;
  out[0] = (data[63] & 1) ? 0x03 : 0x02;
  std::memcpy(out.data.data() + 1, data.data(), 32);
  return out;
}

// ---- Signature -----------------------------------------------------------------------

Hash256 Signature::r() const {
  Hash256 out;
  std::memcpy(out.data.data(), data.data(), 32);
  return out;
}

Hash256 Signature::s() const {
  Hash256 out;
  std::memcpy(out.data.data(), data.data() + 32, 32);
  return out;
}

Result<Signature> Signature::from_view(ByteView bytes) {
  if (bytes.size() != 65) {
    return Error(CryptoErrc::kInvalidSignature, "expected 65 bytes, got " + std::to_string(bytes.size()));
  }
  const std::uint8_t* r = bytes.data();
  const std::uint8_t* s = bytes.data() + 32;
  std::uint8_t v = bytes[64];
  if (all_zero(r, 32)) return Error(CryptoErrc::kInvalidSignature, "r is zero");
  if (all_zero(s, 32)) return Error(CryptoErrc::kInvalidSignature, "s is zero");
  if (std::memcmp(r, kOrder.data(), 32) >= 0) {
    return Error(CryptoErrc::kInvalidSignature, "r is not below the curve order");
  }
  if (greater(s, kHalfOrder)) {
    return Error(CryptoErrc::kInvalidSignature, "s is in the upper half of the curve order (malleable)");
  }
  if (v == 0 || v == 1) v = static_cast<std::uint8_t>(v + 27);
  if (v != 27 && v != 28) {
    return Error(CryptoErrc::kInvalidSignature, "v is " + std::to_string(bytes[64]) + ", expected 27 or 28");
  }
  Signature sig;
  std::memcpy(sig.data.data(), bytes.data(), 64);
  sig.data[64] = v;
  return sig;
}

Result<Signature> Signature::from_hex(std::string_view text) {
  auto bytes = ::wavs::from_hex(text);
  if (!bytes) return Error(CryptoErrc::kInvalidSignature, bytes.error().message());
  return from_view(*bytes);
}

Result<Signature> Signature::from_parts(const Hash256& r, const Hash256& s, std::uint8_t v) {
  std::array<std::uint8_t, 65> buf{};
  std::memcpy(buf.data(), r.data.data(), 32);
  std::memcpy(buf.data() + 32, s.data.data(), 32);
  buf[64] = v;
  return from_view(buf);
}

// ---- PrivateKey ----------------------------------------------------------------------

PrivateKey::~PrivateKey() {
  volatile std::uint8_t* p = secret_.data();
  for (std::size_t i = 0; i < secret_.size(); ++i) p[i] = 0;
}

Result<PrivateKey> PrivateKey::from_bytes(ByteView bytes) {
  if (bytes.size() != 32) {
    return Error(CryptoErrc::kInvalidPrivateKey, "expected 32 bytes, got " + std::to_string(bytes.size()));
  }
  if (secp256k1_ec_seckey_verify(secp256k1_ctx(), bytes.data()) != 1) {
    return Error(CryptoErrc::kInvalidPrivateKey, "scalar is zero or not below the curve order");
  }
  PrivateKey key;
  std::memcpy(key.secret_.data(), bytes.data(), 32);
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_create(secp256k1_ctx(), &pk, key.secret_.data()) != 1) {
    return Error(CryptoErrc::kInvalidPrivateKey, "cannot derive the public key");
  }
  key.public_key_ = serialize_uncompressed(pk);
  key.address_ = key.public_key_.address();
  return key;
}

Result<PrivateKey> PrivateKey::from_hex(std::string_view text) {
  std::string_view digits = strip_0x(text);
  if (digits.size() != 64) {
    return Error(CryptoErrc::kInvalidPrivateKey,
                 "expected 64 hex digits, got " + std::to_string(digits.size()));
  }
  std::array<std::uint8_t, 32> buf{};
  for (std::size_t i = 0; i < 64; ++i) {
    int v = hex_nibble(digits[i]);
    if (v < 0) {
      return Error(CryptoErrc::kInvalidPrivateKey, "invalid hex digit at offset " + std::to_string(i));
    }
    buf[i / 2] = static_cast<std::uint8_t>(buf[i / 2] << 4 | v);
  }
  auto key = from_bytes(buf);
  volatile std::uint8_t* p = buf.data();
  for (std::size_t i = 0; i < buf.size(); ++i) p[i] = 0;
  return key;
}

Result<PrivateKey> PrivateKey::random() {
  std::array<std::uint8_t, 32> buf{};
  for (int attempt = 0; attempt < 16; ++attempt) {
    if (auto st = random_bytes(buf); !st) return st.error();
    if (secp256k1_ec_seckey_verify(secp256k1_ctx(), buf.data()) == 1) {
      auto key = from_bytes(buf);
      volatile std::uint8_t* p = buf.data();
      for (std::size_t i = 0; i < buf.size(); ++i) p[i] = 0;
      return key;
    }
  }
  return Error(CryptoErrc::kRandomUnavailable, "random source produced no valid scalar");
}

Signature PrivateKey::sign(const Hash256& hash) const {
  secp256k1_ecdsa_recoverable_signature rsig;
  // Cannot fail: the key was verified on construction and the default nonce function
  // (RFC 6979) always produces a nonce.
  (void)secp256k1_ecdsa_sign_recoverable(secp256k1_ctx(), &rsig, hash.data.data(), secret_.data(), nullptr,
                                         nullptr);
  Signature sig;
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp256k1_ctx(), sig.data.data(), &recid, &rsig);
  sig.data[64] = static_cast<std::uint8_t>(27 + recid);
  return sig;
}

Signature PrivateKey::sign_message(ByteView message) const { return sign(eip191_hash(message)); }

std::string PrivateKey::to_string() const { return "PrivateKey(address " + address_.to_checksum() + ")"; }

Secret PrivateKey::reveal_hex() const { return Secret(to_hex(secret_)); }

// ---- free functions ------------------------------------------------------------------

Hash256 eip191_hash(ByteView message) {
  std::string prefix =
      "\x19"
      "Ethereum Signed Message:\n" +
      std::to_string(message.size());
  Keccak256 h;
  h.update(as_bytes(prefix)).update(message);
  return h.finish();
}

Result<PublicKey> recover_public_key(const Hash256& hash, const Signature& sig) {
  // Re-validate: a Signature may have been filled byte by byte.
  auto checked = Signature::from_view(sig.view());
  if (!checked) return checked.error();
  secp256k1_ecdsa_recoverable_signature rsig;
  int recid = checked->v() - 27;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_ctx(), &rsig, checked->data.data(),
                                                          recid) != 1) {
    return Error(CryptoErrc::kInvalidSignature, "r or s out of range");
  }
  secp256k1_pubkey pk;
  if (secp256k1_ecdsa_recover(secp256k1_ctx(), &pk, &rsig, hash.data.data()) != 1) {
    return Error(CryptoErrc::kRecoveryFailed, "no public key recovers from this signature and hash");
  }
  return serialize_uncompressed(pk);
}

Result<Address> recover(const Hash256& hash, const Signature& sig) {
  auto pk = recover_public_key(hash, sig);
  if (!pk) return pk.error();
  return pk->address();
}

bool verify(const Hash256& hash, const Signature& sig, const Address& expected) {
  auto a = recover(hash, sig);
  return a && *a == expected;
}

}  // namespace wavs::crypto
