#include "eth/envelope.hpp"

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "eth/abi.hpp"

namespace wavs::eth {
namespace {

Envelope sample() {
  Envelope e;
  e.event_id = *EventId::from_hex("0x1111111111111111111111111111111111111111");
  e.ordering = Envelope::ordering_from_u64(0);
  e.ordering[11] = 7;
  e.payload = *from_hex("0xdeadbeef");
  return e;
}

crypto::PrivateKey key(int i) {
  static const char* kKeys[] = {"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
                                "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
                                "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"};
  return *crypto::PrivateKey::from_hex(kKeys[i]);
}

TEST(Envelope, DigestMatchesCast) {
  // cast keccak $(cast abi-encode "f((bytes20,bytes12,bytes))" "(0x11…11,0x00…07,0xdeadbeef)")
  EXPECT_EQ(sample().digest().hex(), "0xb6764169383b8d8e8bd68c8b834980506e842667658580e7093269fbbdd7c75e");
  EXPECT_EQ(sample().signed_hash(), crypto::eip191_hash(sample().digest().view()));
}

TEST(Envelope, HandEncodingEqualsGenericCodec) {
  for (std::size_t len : {0u, 1u, 31u, 32u, 33u, 64u, 1000u}) {
    Envelope e = sample();
    e.payload.assign(len, 0x5a);
    auto generic =
        abi_encode(*AbiType::parse("(bytes20,bytes12,bytes)"),
                   AbiValue::list({AbiValue::bytes(e.event_id.view()), AbiValue::bytes(e.ordering.view()),
                                   AbiValue::bytes(e.payload)}));
    ASSERT_TRUE(generic);
    EXPECT_EQ(e.abi_encode(), *generic) << len;
    auto back = Envelope::abi_decode(e.abi_encode());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
  }
}

TEST(Envelope, OrderingFromU64) {
  auto o = Envelope::ordering_from_u64(0x0102030405060708ull);
  EXPECT_EQ(o.hex(), "0x010203040506070800000000");
}

TEST(Envelope, DecodeRejectsGarbage) {
  EXPECT_FALSE(Envelope::abi_decode({}));
  Bytes enc = sample().abi_encode();
  EXPECT_FALSE(Envelope::abi_decode(ByteView(enc).first(enc.size() / 2)));
}

TEST(SignatureData, SortsSignersAndVerifies) {
  Envelope e = sample();
  std::vector<std::pair<crypto::Address, crypto::Signature>> sigs;
  for (int i = 0; i < 3; ++i) sigs.emplace_back(key(i).address(), e.sign(key(i)));
  auto data = SignatureData::from_signatures(sigs, 41);
  ASSERT_TRUE(data);
  ASSERT_EQ(data->signers.size(), 3u);
  EXPECT_LT(data->signers[0], data->signers[1]);
  EXPECT_LT(data->signers[1], data->signers[2]);
  EXPECT_TRUE(data->verify(e));
  auto back = SignatureData::abi_decode(data->abi_encode());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, *data);
  // Another envelope does not verify.
  Envelope other = e;
  other.payload.push_back(0);
  EXPECT_FALSE(data->verify(other));
}

TEST(SignatureData, DuplicateSignerAndBadOrder) {
  Envelope e = sample();
  auto s = e.sign(key(0));
  EXPECT_FALSE(SignatureData::from_signatures({{key(0).address(), s}, {key(0).address(), s}}, 1));
  auto data = *SignatureData::from_signatures({{key(0).address(), s}, {key(1).address(), e.sign(key(1))}}, 1);
  std::swap(data.signers[0], data.signers[1]);
  std::swap(data.signatures[0], data.signatures[1]);
  auto r = data.verify(e);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("ascending"), std::string::npos);
  data.signatures.pop_back();
  EXPECT_FALSE(data.verify(e));
}

TEST(SignatureData, EncodingMatchesCast) {
  // cast abi-encode "f((address[],bytes[],uint32))" "([0x…01,0x…02],[0xaa,0xbbcc],7)"
  SignatureData d;
  d.signers = {*crypto::Address::from_hex("0x0000000000000000000000000000000000000001"),
               *crypto::Address::from_hex("0x0000000000000000000000000000000000000002")};
  d.signatures = {Bytes{0xaa}, Bytes{0xbb, 0xcc}};
  d.reference_block = 7;
  EXPECT_EQ(
      to_hex(d.abi_encode()),
      "0x0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000"
      "000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000c00000000000"
      "000000000000000000000000000000000000000000000000000007000000000000000000000000000000000000000000000000"
      "000000000000000200000000000000000000000000000000000000000000000000000000000000010000000000000000000000"
      "000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000"
      "000200000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000"
      "0000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000001aa000000"
      "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000002bbcc000000000000000000000000000000000000000000000000000000000000");
}

TEST(HandleSignedEnvelope, CalldataHasSelectorAndDecodes) {
  Envelope e = sample();
  auto data = *SignatureData::from_signatures({{key(0).address(), e.sign(key(0))}}, 9);
  Bytes call = encode_handle_signed_envelope(e, data);
  EXPECT_EQ(to_hex(ByteView(call).first(4)), "0xf969ff33");
  auto fn = *AbiFunction::parse(kHandleSignedEnvelopeSig);
  auto args = fn.decode_call(call);
  ASSERT_TRUE(args);
  EXPECT_EQ(*Envelope::abi_decode(*abi_encode(fn.inputs()[0].type, args->at(0))), e);
}

}  // namespace
}  // namespace wavs::eth
