#include "crypto/keys.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "crypto/hash.hpp"

namespace wavs::crypto {
namespace {

constexpr std::string_view kAnvilKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr std::string_view kAnvilAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

PrivateKey anvil_key() { return *PrivateKey::from_hex(kAnvilKey0); }

TEST(Address, ChecksumEip55Vectors) {
  for (std::string_view text :
       {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    auto a = Address::from_hex(text);
    ASSERT_TRUE(a) << text;
    EXPECT_EQ(a->to_checksum(), text);
    EXPECT_TRUE(is_valid_checksum(text));
    EXPECT_TRUE(Address::from_checksum(text));
  }
}

TEST(Address, AcceptsAllLowerAndAllUpper) {
  EXPECT_TRUE(Address::from_hex("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
  EXPECT_TRUE(Address::from_hex("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"));
  EXPECT_TRUE(Address::from_hex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
  EXPECT_FALSE(Address::from_checksum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
}

TEST(Address, BadChecksumIsRejected) {
  auto r = Address::from_hex("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");  // last letter flipped
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kBadChecksum));
  EXPECT_FALSE(is_valid_checksum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
}

TEST(Address, WrongLengthAndBadDigits) {
  EXPECT_TRUE(Address::from_hex("0x1234").error().is(CryptoErrc::kInvalidAddress));
  EXPECT_TRUE(Address::from_hex("0xzaaeb6053f3e94c9b9a09f33669435e7ef1beaed")
                  .error()
                  .is(CryptoErrc::kInvalidAddress));
  EXPECT_TRUE(Address::from_view(Bytes(19)).error().is(CryptoErrc::kInvalidAddress));
}

TEST(Address, OrdersBytewise) {
  auto lo = *Address::from_hex("0x0000000000000000000000000000000000000001");
  auto hi = *Address::from_hex("0x1000000000000000000000000000000000000000");
  EXPECT_LT(lo, hi);
  EXPECT_NE(std::hash<Address>{}(lo), std::hash<Address>{}(hi));
}

TEST(PrivateKey, AnvilKeyGivesAnvilAddress) {
  auto key = PrivateKey::from_hex(kAnvilKey0);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->address().to_checksum(), kAnvilAddr0);
  EXPECT_EQ(key->reveal_hex().reveal(), kAnvilKey0);
  auto again = PrivateKey::from_secret(Secret(std::string(kAnvilKey0.substr(2))));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *key);
}

TEST(PrivateKey, RejectsZeroOrderAndBadText) {
  std::string zero(64, '0');
  EXPECT_TRUE(PrivateKey::from_hex(zero).error().is(CryptoErrc::kInvalidPrivateKey));
  auto n = PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  EXPECT_TRUE(n.error().is(CryptoErrc::kInvalidPrivateKey));
  EXPECT_TRUE(PrivateKey::from_hex("0x1234").error().is(CryptoErrc::kInvalidPrivateKey));
  EXPECT_TRUE(PrivateKey::from_bytes(Bytes(31, 1)).error().is(CryptoErrc::kInvalidPrivateKey));
  // n - 1 is the largest valid scalar.
  EXPECT_TRUE(PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"));
}

TEST(PrivateKey, ErrorsNeverEchoTheKey) {
  std::string almost = std::string(kAnvilKey0) + "q";
  auto r = PrivateKey::from_hex(almost);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("ac0974bec39a17e3"), std::string::npos);
  std::string bad_digit = std::string(kAnvilKey0);
  bad_digit[40] = 'z';
  auto r2 = PrivateKey::from_hex(bad_digit);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().message().find("ac0974bec39a17e3"), std::string::npos);
}

TEST(PrivateKey, ToStringShowsOnlyTheAddress) {
  auto key = anvil_key();
  std::string s = key.to_string();
  EXPECT_NE(s.find(kAnvilAddr0), std::string::npos);
  EXPECT_EQ(s.find("ac0974"), std::string::npos);
  std::ostringstream os;
  os << key.reveal_hex();  // a Secret streams as a marker
  EXPECT_EQ(os.str(), Secret::kRedacted);
}

TEST(PrivateKey, RandomKeysDiffer) {
  auto a = PrivateKey::random();
  auto b = PrivateKey::random();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->address(), b->address());
}

TEST(Sign, MatchesCastNoHash) {
  // cast wallet sign --no-hash --private-key <anvil 0> <hash>
  auto hash = *Hash256::from_hex("0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8");
  Signature sig = anvil_key().sign(hash);
  EXPECT_EQ(sig.hex(),
            "0x73eebf81a611136662d65778960c853fdcaf6eca86793ed9cabc30f2195937af78a07e601627da5b4cc80c0ab35f68"
            "94da19b4a01759d90c101d9c9dd1c6745d1b");
}

TEST(Sign, PersonalSignMatchesCast) {
  EXPECT_EQ(eip191_hash(as_bytes("hello")).hex(),
            "0x50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750");
  // cast wallet sign --private-key <anvil 0> hello
  EXPECT_EQ(anvil_key().sign_message(as_bytes("hello")).hex(),
            "0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032"
            "026e3ed2dbccba5a178235ac27f94504311c");
}

TEST(Sign, RecoverRoundTripAndLowS) {
  for (int i = 0; i < 50; ++i) {
    auto key = PrivateKey::random();
    ASSERT_TRUE(key);
    auto hash = keccak256(std::string_view(std::to_string(i)));
    Signature sig = key->sign(hash);
    EXPECT_TRUE(sig.v() == 27 || sig.v() == 28);
    EXPECT_LE(sig.s()[0], 0x7f);
    auto who = recover(hash, sig);
    ASSERT_TRUE(who) << who.error().message();
    EXPECT_EQ(*who, key->address());
    EXPECT_TRUE(verify(hash, sig, key->address()));
    auto pk = recover_public_key(hash, sig);
    ASSERT_TRUE(pk);
    EXPECT_EQ(*pk, key->public_key());
  }
}

TEST(Signature, RejectsHighS) {
  Signature sig = anvil_key().sign(keccak256(std::string_view("x")));
  // s' = n - s is the malleable twin; it must be refused.
  static constexpr std::array<std::uint8_t, 32> kN = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
      0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  Bytes b = sig.to_vector();
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = kN[static_cast<std::size_t>(i)] - b[32 + static_cast<std::size_t>(i)] - borrow;
    borrow = d < 0;
    b[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  auto r = Signature::from_view(b);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kInvalidSignature));
  EXPECT_NE(r.error().message().find("upper half"), std::string::npos);
}

TEST(Signature, RejectsZeroRZeroSAndBadV) {
  Signature sig = anvil_key().sign(keccak256(std::string_view("x")));
  Bytes r0 = sig.to_vector();
  std::fill(r0.begin(), r0.begin() + 32, 0);
  EXPECT_NE(Signature::from_view(r0).error().message().find("r is zero"), std::string::npos);
  Bytes s0 = sig.to_vector();
  std::fill(s0.begin() + 32, s0.begin() + 64, 0);
  EXPECT_NE(Signature::from_view(s0).error().message().find("s is zero"), std::string::npos);
  Bytes rbig = sig.to_vector();
  std::fill(rbig.begin(), rbig.begin() + 32, 0xff);
  EXPECT_TRUE(Signature::from_view(rbig).error().is(CryptoErrc::kInvalidSignature));
  Bytes v29 = sig.to_vector();
  v29[64] = 29;
  EXPECT_NE(Signature::from_view(v29).error().message().find("v is 29"), std::string::npos);
  EXPECT_TRUE(Signature::from_view(Bytes(64)).error().is(CryptoErrc::kInvalidSignature));
  EXPECT_FALSE(Signature::from_hex("0xzz"));
}

TEST(Signature, NormalisesVZeroOne) {
  Signature sig = anvil_key().sign(keccak256(std::string_view("x")));
  Bytes raw = sig.to_vector();
  raw[64] = static_cast<std::uint8_t>(raw[64] - 27);
  auto back = Signature::from_view(raw);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sig);
  auto parts = Signature::from_parts(sig.r(), sig.s(), sig.v());
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, sig);
}

TEST(Recover, RejectsTamperedSignatureFilledByHand) {
  Signature sig;
  sig.data[64] = 27;  // r = s = 0, bypassing from_view
  auto r = recover(Hash256{}, sig);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kInvalidSignature));
}

TEST(Recover, WrongHashGivesOtherAddress) {
  auto key = anvil_key();
  Signature sig = key.sign(keccak256(std::string_view("a")));
  auto who = recover(keccak256(std::string_view("b")), sig);
  // Either no point recovers or a different address does; never the signer.
  if (who) {
    EXPECT_NE(*who, key.address());
  }
  EXPECT_FALSE(verify(keccak256(std::string_view("b")), sig, key.address()));
}

TEST(Recover, RIsNotAnXCoordinate) {
  // r = 5 has no point with x = 5 on secp256k1 (5^3 + 7 = 132 is not a square mod p).
  Bytes raw(65, 0);
  raw[31] = 5;
  raw[63] = 1;
  raw[64] = 27;
  auto sig = Signature::from_view(raw);
  ASSERT_TRUE(sig);
  auto r = recover(Hash256{}, *sig);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(CryptoErrc::kRecoveryFailed));
}

}  // namespace
}  // namespace wavs::crypto
