#include "crypto/hash.hpp"

#include <gtest/gtest.h>

namespace wavs::crypto {
namespace {

TEST(Hash, Keccak256KnownVectors) {
  EXPECT_EQ(keccak256(std::string_view("")).hex(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(keccak256(std::string_view("abc")).hex(),
            "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // Transfer(address,address,uint256) topic, known to every ERC-20 indexer.
  EXPECT_EQ(keccak256(std::string_view("Transfer(address,address,uint256)")).hex(),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST(Hash, Sha256KnownVectors) {
  EXPECT_EQ(sha256(as_bytes("")).hex(), "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256(as_bytes("abc")).hex(),
            "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Ripemd160KnownVectors) {
  EXPECT_EQ(ripemd160(as_bytes("")).hex(), "0x9c1185a5c5e9fc54612808977ee8f548b2258d31");
  EXPECT_EQ(ripemd160(as_bytes("abc")).hex(), "0x8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
}

TEST(Hash, HmacSha256Rfc4231) {
  // Case 1: a 20-byte key; case 2: a key shorter than the output; case 6: a key longer
  // than SHA-256's block, which HMAC hashes first.
  const Bytes key1(20, 0x0b);
  EXPECT_EQ(hmac_sha256(key1, as_bytes("Hi There")).hex(),
            "0xb0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?")).hex(),
            "0x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const Bytes key6(131, 0xaa);
  EXPECT_EQ(hmac_sha256(key6, as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")).hex(),
            "0x60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hash, HmacSha512Rfc4231Case2) {
  auto mac = hmac_sha512(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"));
  EXPECT_EQ(mac.hex(),
            "0x164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6"
            "fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(Hash, IncrementalKeccakMatchesOneShot) {
  Bytes data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  Keccak256 h;
  h.update(ByteView(data).first(3)).update(ByteView(data).subspan(3));
  EXPECT_EQ(h.finish(), keccak256(data));
  // finish() resets, so the object can be reused.
  h.update(as_bytes("abc"));
  EXPECT_EQ(h.finish(), keccak256(std::string_view("abc")));
}

}  // namespace
}  // namespace wavs::crypto
