#include "crypto/hd.hpp"

#include <secp256k1.h>
#include <uninorm.h>

#include <cryptopp/pwdbased.h>
#include <cryptopp/sha.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/secp256k1_context.hpp"

namespace wavs::crypto {
namespace {

// BIP-39 salts with the NFKD form of the passphrase, so the same words typed with
// composed or decomposed accents (or a ligature) give the same seed. ASCII is its own
// NFKD; text that is not UTF-8 cannot be normalised and is used as given.
std::string nfkd(std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(text);
  std::size_t len = 0;
  std::uint8_t* out = u8_normalize(UNINORM_NFKD, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(),
                                   nullptr, &len);
  if (out == nullptr) return std::string(text);
  std::string result(reinterpret_cast<const char*>(out), len);
  std::memset(out, 0, len);  // it may be a secret passphrase
  std::free(out);
  return result;
}


constexpr const char* kWords[2048] = {
#include "crypto/bip39_english.inc"
};

template <class Container>
void wipe(Container& c) {
  volatile std::uint8_t* p = reinterpret_cast<volatile std::uint8_t*>(c.data());
  for (std::size_t i = 0; i < c.size() * sizeof(c[0]); ++i) p[i] = 0;
}

void wipe_string(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Bit i (0 = most significant of byte 0) of a big-endian bit string.
bool get_bit(const std::uint8_t* bytes, std::size_t i) { return (bytes[i / 8] >> (7 - i % 8)) & 1; }
void set_bit(std::uint8_t* bytes, std::size_t i) {
  bytes[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
void write_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

constexpr char kBase58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::string base58check(ByteView payload) {
  Hash256 check = sha256(sha256(payload).view());
  Bytes data(payload.begin(), payload.end());
  data.insert(data.end(), check.data.begin(), check.data.begin() + 4);
  std::size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // Repeated division of the big-endian number by 58; inputs here are 82 bytes.
  std::vector<std::uint8_t> digits;
  std::vector<std::uint8_t> num(data.begin() + static_cast<std::ptrdiff_t>(zeros), data.end());
  while (!num.empty()) {
    std::vector<std::uint8_t> quotient;
    unsigned rem = 0;
    for (auto byte : num) {
      unsigned acc = rem * 256 + byte;
      unsigned q = acc / 58;
      rem = acc % 58;
      if (!quotient.empty() || q != 0) quotient.push_back(static_cast<std::uint8_t>(q));
    }
    digits.push_back(static_cast<std::uint8_t>(rem));
    wipe(num);
    num = std::move(quotient);
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kBase58[*it]);
  wipe(data);
  wipe(digits);
  return out;
}

}  // namespace

// ---- word list -----------------------------------------------------------------------

std::string_view bip39_word(std::size_t index) { return index < 2048 ? kWords[index] : std::string_view{}; }

int bip39_index(std::string_view word) {
  auto it = std::lower_bound(std::begin(kWords), std::end(kWords), word,
                             [](const char* a, std::string_view b) { return std::string_view(a) < b; });
  if (it == std::end(kWords) || std::string_view(*it) != word) return -1;
  return static_cast<int>(it - std::begin(kWords));
}

// ---- Seed / Mnemonic -----------------------------------------------------------------

Seed::~Seed() { wipe(bytes_.data); }

Result<Mnemonic> Mnemonic::from_entropy(ByteView entropy) {
  std::size_t n = entropy.size();
  if (n < 16 || n > 32 || n % 4 != 0) {
    return Error(CryptoErrc::kInvalidEntropy,
                 "entropy must be 16..32 bytes in steps of 4, got " + std::to_string(n));
  }
  Hash256 check = sha256(entropy);
  std::array<std::uint8_t, 33> bits{};
  std::memcpy(bits.data(), entropy.data(), n);
  bits[n] = check[0];  // at most 8 checksum bits are used
  std::size_t words = (n * 8 + n / 4) / 11;
  std::string phrase;
  for (std::size_t w = 0; w < words; ++w) {
    unsigned idx = 0;
    for (std::size_t b = 0; b < 11; ++b)
      idx = idx << 1 | static_cast<unsigned>(get_bit(bits.data(), w * 11 + b));
    if (w) phrase.push_back(' ');
    phrase += kWords[idx];
  }
  wipe(bits);
  Mnemonic m(Secret(phrase), words);
  wipe_string(phrase);
  return m;
}

Result<Mnemonic> Mnemonic::generate(int words) {
  if (words < 12 || words > 24 || words % 3 != 0) {
    return Error(CryptoErrc::kInvalidMnemonic, "word count must be 12, 15, 18, 21 or 24");
  }
  std::array<std::uint8_t, 32> entropy{};
  std::size_t n = static_cast<std::size_t>(words) / 3 * 4;
  if (auto st = random_bytes(std::span(entropy.data(), n)); !st) return st.error();
  auto m = from_entropy(ByteView(entropy.data(), n));
  wipe(entropy);
  return m;
}

Result<Mnemonic> Mnemonic::parse(std::string_view phrase) {
  std::vector<int> indices;
  std::string word;
  std::string normalized;
  auto flush = [&]() -> Status {
    if (word.empty()) return {};
    int idx = bip39_index(word);
    wipe_string(word);
    word.clear();
    if (idx < 0) {
      return Error(CryptoErrc::kInvalidMnemonic,
                   "word " + std::to_string(indices.size() + 1) + " is not in the BIP-39 English list");
    }
    if (indices.size() == 24) {
      return Error(CryptoErrc::kInvalidMnemonic, "more than 24 words; a mnemonic has 12, 15, 18, 21 or 24");
    }
    if (!normalized.empty()) normalized.push_back(' ');
    normalized += kWords[idx];
    indices.push_back(idx);
    return {};
  };
  for (char c : phrase) {
    if (is_space(c)) {
      if (auto st = flush(); !st) return st.error();
      continue;
    }
    if (word.size() > 16) {
      return Error(CryptoErrc::kInvalidMnemonic,
                   "word " + std::to_string(indices.size() + 1) + " is not in the BIP-39 English list");
    }
    word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (auto st = flush(); !st) return st.error();
  std::size_t count = indices.size();
  if (count < 12 || count > 24 || count % 3 != 0) {
    wipe_string(normalized);
    return Error(CryptoErrc::kInvalidMnemonic,
                 std::to_string(count) + " words; a mnemonic has 12, 15, 18, 21 or 24");
  }
  std::array<std::uint8_t, 33> bits{};
  for (std::size_t w = 0; w < count; ++w) {
    for (std::size_t b = 0; b < 11; ++b) {
      if ((indices[w] >> (10 - b)) & 1) set_bit(bits.data(), w * 11 + b);
    }
  }
  std::size_t checksum_bits = count / 3;
  std::size_t entropy_bytes = checksum_bits * 4;
  Hash256 check = sha256(ByteView(bits.data(), entropy_bytes));
  bool ok = (check[0] >> (8 - checksum_bits)) == (bits[entropy_bytes] >> (8 - checksum_bits));
  wipe(bits);
  wipe(indices);
  if (!ok) {
    wipe_string(normalized);
    return Error(CryptoErrc::kBadChecksum, "mnemonic checksum does not match its words");
  }
  Mnemonic m(Secret(normalized), count);
  wipe_string(normalized);
  return m;
}

Seed Mnemonic::to_seed(std::string_view passphrase) const {
  std::string salt = "mnemonic";
  salt += nfkd(passphrase);
  FixedBytes<64> out;
  CryptoPP::PKCS5_PBKDF2_HMAC<CryptoPP::SHA512> kdf;
  const std::string& pw = phrase_.reveal();
  kdf.DeriveKey(out.data.data(), out.size(), 0, reinterpret_cast<const CryptoPP::byte*>(pw.data()), pw.size(),
                reinterpret_cast<const CryptoPP::byte*>(salt.data()), salt.size(), 2048, 0);
  wipe_string(salt);
  Seed seed(out);
  wipe(out.data);
  return seed;
}

std::string Mnemonic::to_string() const {
  return "Mnemonic(" + std::to_string(words_) + " words, <redacted>)";
}

// ---- DerivationPath ------------------------------------------------------------------

Result<DerivationPath> DerivationPath::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error(CryptoErrc::kInvalidPath, "'" + std::string(text) + "': " + why);
  };
  if (text.empty() || (text[0] != 'm' && text[0] != 'M')) return bad("must start with m");
  DerivationPath path;
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] != '/') return bad("expected '/' at offset " + std::to_string(i));
    ++i;
    std::uint64_t value = 0;
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (value >= kHardened) return bad("index too large at offset " + std::to_string(start));
      ++i;
    }
    if (i == start) return bad("expected a number at offset " + std::to_string(start));
    auto step = static_cast<std::uint32_t>(value);
    if (i < text.size() && (text[i] == '\'' || text[i] == 'h' || text[i] == 'H')) {
      step |= kHardened;
      ++i;
    }
    path.steps.push_back(step);
    if (path.steps.size() > 255) return bad("more than 255 steps");
  }
  return path;
}

DerivationPath DerivationPath::ethereum(std::uint32_t index) {
  return DerivationPath{{44 | kHardened, 60 | kHardened, 0 | kHardened, 0, index}};
}

std::string DerivationPath::to_string() const {
  std::string out = "m";
  for (auto s : steps) {
    out += "/" + std::to_string(s & ~kHardened);
    if (s & kHardened) out += "'";
  }
  return out;
}

// ---- HdKey ---------------------------------------------------------------------------

Result<HdKey> HdKey::from_seed(ByteView seed) {
  if (seed.size() < 16 || seed.size() > 64) {
    return Error(CryptoErrc::kDerivationFailed,
                 "seed must be 16..64 bytes, got " + std::to_string(seed.size()));
  }
  Hash512 i = hmac_sha512(as_bytes("Bitcoin seed"), seed);
  auto key = PrivateKey::from_bytes(ByteView(i.data.data(), 32));
  if (!key) {
    wipe(i.data);
    return Error(CryptoErrc::kDerivationFailed, "master key out of range; use another seed");
  }
  Hash256 chain;
  std::memcpy(chain.data.data(), i.data.data() + 32, 32);
  wipe(i.data);
  return HdKey(*key, chain);
}

Result<HdKey> HdKey::child(std::uint32_t index) const {
  std::array<std::uint8_t, 37> data{};
  if (index & DerivationPath::kHardened) {
    std::memcpy(data.data() + 1, key_.reveal_bytes().data(), 32);
  } else {
    auto pub = key_.public_key().compressed();
    std::memcpy(data.data(), pub.data.data(), 33);
  }
  write_be32(data.data() + 33, index);
  Hash512 i = hmac_sha512(chain_code_.view(), data);
  wipe(data);
  std::array<std::uint8_t, 32> k = key_.reveal_bytes();
  int ok = secp256k1_ec_seckey_tweak_add(detail::secp256k1_ctx(), k.data(), i.data.data());
  Hash256 chain;
  std::memcpy(chain.data.data(), i.data.data() + 32, 32);
  wipe(i.data);
  if (ok != 1) {
    wipe(k);
    return Error(CryptoErrc::kDerivationFailed,
                 "child " + std::to_string(index) + " is invalid; skip to the next index");
  }
  auto key = PrivateKey::from_bytes(k);
  wipe(k);
  if (!key) return Error(CryptoErrc::kDerivationFailed, "child " + std::to_string(index) + " is invalid");
  HdKey out(*key, chain);
  out.depth_ = static_cast<std::uint8_t>(depth_ + 1);
  auto id = ripemd160(sha256(key_.public_key().compressed().view()).view());
  out.parent_fingerprint_ = read_be32(id.data.data());
  out.child_number_ = index;
  return out;
}

Result<HdKey> HdKey::derive(const DerivationPath& path) const {
  HdKey cur = *this;
  for (auto step : path.steps) {
    auto next = cur.child(step);
    if (!next) return next.error();
    cur = std::move(*next);
  }
  return cur;
}

Secret HdKey::to_xprv() const {
  std::array<std::uint8_t, 78> buf{};
  write_be32(buf.data(), 0x0488ADE4);
  buf[4] = depth_;
  write_be32(buf.data() + 5, parent_fingerprint_);
  write_be32(buf.data() + 9, child_number_);
  std::memcpy(buf.data() + 13, chain_code_.data.data(), 32);
  std::memcpy(buf.data() + 46, key_.reveal_bytes().data(), 32);
  std::string text = base58check(buf);
  wipe(buf);
  Secret out(text);
  wipe_string(text);
  return out;
}

std::string HdKey::to_xpub() const {
  std::array<std::uint8_t, 78> buf{};
  write_be32(buf.data(), 0x0488B21E);
  buf[4] = depth_;
  write_be32(buf.data() + 5, parent_fingerprint_);
  write_be32(buf.data() + 9, child_number_);
  std::memcpy(buf.data() + 13, chain_code_.data.data(), 32);
  auto pub = key_.public_key().compressed();
  std::memcpy(buf.data() + 45, pub.data.data(), 33);
  return base58check(buf);
}

std::string HdKey::to_string() const {
  return "HdKey(depth " + std::to_string(depth_) + ", address " + key_.address().to_checksum() + ")";
}

Result<PrivateKey> derive_eth_key(const Mnemonic& mnemonic, std::uint32_t index,
                                  std::string_view passphrase) {
  if (index >= DerivationPath::kHardened) {
    return Error(CryptoErrc::kInvalidPath, "account index must be below 2^31");
  }
  auto master = HdKey::from_seed(mnemonic.to_seed(passphrase));
  if (!master) return master.error();
  auto child = master->derive(DerivationPath::ethereum(index));
  if (!child) return child.error();
  return child->private_key();
}

Result<PrivateKey> key_from_credential(const Secret& credential) {
  std::string_view text = credential.reveal();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return Error(CryptoErrc::kInvalidPrivateKey, "the credential is empty");
  const bool prefixed = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const bool bare_hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                        });
  if (prefixed || bare_hex) {
    auto key = PrivateKey::from_hex(text);
    if (!key) return Error(CryptoErrc::kInvalidPrivateKey, "not a valid private key: " + key.error().message());
    return key;
  }
  auto mnemonic = Mnemonic::parse(text);
  if (!mnemonic) {
    return Error(mnemonic.error().code(),
                 "neither a 0x private key nor a BIP-39 mnemonic: " + mnemonic.error().message());
  }
  return derive_eth_key(*mnemonic, 0);
}

}  // namespace wavs::crypto
