#include "eth/rlp.hpp"

#include <gtest/gtest.h>

namespace wavs::eth::rlp {
namespace {

Bytes hex(std::string_view s) { return *from_hex(s); }

TEST(Rlp, YellowPaperExamples) {
  EXPECT_EQ(to_hex(encode_string(as_bytes("dog"))), "0x83646f67");
  EXPECT_EQ(to_hex(encode(Item::list({Item::string(as_bytes("cat")), Item::string(as_bytes("dog"))}))),
            "0xc88363617483646f67");
  EXPECT_EQ(to_hex(encode_string({})), "0x80");
  EXPECT_EQ(to_hex(encode(Item::list({}))), "0xc0");
  EXPECT_EQ(to_hex(encode_uint(0)), "0x80");
  EXPECT_EQ(to_hex(encode_uint(15)), "0x0f");
  EXPECT_EQ(to_hex(encode_uint(1024)), "0x820400");
  // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
  Item three = Item::list({Item::list({}), Item::list({Item::list({})}),
                           Item::list({Item::list({}), Item::list({Item::list({})})})});
  EXPECT_EQ(to_hex(encode(three)), "0xc7c0c1c0c3c0c1c0");
  std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  EXPECT_EQ(to_hex(encode_string(as_bytes(lorem))).substr(0, 6), "0xb838");
}

TEST(Rlp, DecodeRoundTrip) {
  Item nested = Item::list({Item::string(hex("0x01")), Item::list({Item::string(hex("0xaabb"))}),
                            Item::string({}), Item::string(Bytes(100, 0x42)), Item::uint(U256(1) << 200)});
  Bytes enc = encode(nested);
  auto back = decode(enc);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, nested);
  EXPECT_EQ(*back->items[4].as_uint(), U256(1) << 200);
  Bytes long_list_payload(70000, 0x01);
  Bytes big = encode_list_payload(long_list_payload);
  auto b = decode(big);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->items.size(), 70000u);
}

TEST(Rlp, RejectsNonCanonical) {
  // 0x81 0x05: a byte below 0x80 must be itself.
  EXPECT_TRUE(decode(hex("0x8105")).error().is(EthErrc::kRlpNonCanonical));
  // Long form for a 3-byte string.
  EXPECT_TRUE(decode(hex("0xb803616263")).error().is(EthErrc::kRlpNonCanonical));
  // Length with a leading zero byte.
  Bytes lz = hex("0xb90038");
  lz.resize(lz.size() + 56, 0x61);
  EXPECT_TRUE(decode(lz).error().is(EthErrc::kRlpNonCanonical));
  // Same for lists.
  EXPECT_TRUE(decode(hex("0xf801c0")).error().is(EthErrc::kRlpNonCanonical));
  // Integer with a leading zero.
  auto item = decode(hex("0x820001"));
  ASSERT_TRUE(item);
  EXPECT_TRUE(item->as_uint().error().is(EthErrc::kRlpNonCanonical));
}

TEST(Rlp, RejectsTruncatedAndTrailing) {
  EXPECT_TRUE(decode({}).error().is(EthErrc::kRlpDecode));
  EXPECT_TRUE(decode(hex("0x83646f")).error().is(EthErrc::kRlpDecode));
  EXPECT_TRUE(decode(hex("0xc88363617483646f")).error().is(EthErrc::kRlpDecode));
  EXPECT_TRUE(decode(hex("0x83646f6700")).error().is(EthErrc::kRlpDecode));
  EXPECT_TRUE(decode(hex("0xb9")).error().is(EthErrc::kRlpDecode));
  // A child that claims more than its parent list holds.
  EXPECT_TRUE(decode(hex("0xc28300")).error().is(EthErrc::kRlpDecode));
}

TEST(Rlp, HugeLengthsDoNotAllocate) {
  // 8-byte length 0xffffffffffffffff: must be refused before any allocation.
  EXPECT_TRUE(decode(hex("0xbfffffffffffffffff00")).error().is(EthErrc::kRlpDecode));
  EXPECT_TRUE(decode(hex("0xffffffffffffffffff00")).error().is(EthErrc::kRlpDecode));
}

TEST(Rlp, DepthIsBounded) {
  Bytes deep(1000, 0xc0);
  // 0xc0 repeated is a list of... each 0xc0 is an empty list; nest with explicit lengths.
  Item item = Item::list({});
  for (int i = 0; i < kMaxDepth + 5; ++i) item = Item::list({item});
  auto r = decode(encode(item));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nested deeper"), std::string::npos);
  Item ok = Item::list({});
  for (int i = 0; i < kMaxDepth - 1; ++i) ok = Item::list({ok});
  EXPECT_TRUE(decode(encode(ok)));
}

TEST(Rlp, IntegerAccessors) {
  EXPECT_EQ(*decode(hex("0x80"))->as_u64(), 0u);
  EXPECT_EQ(*decode(hex("0x7f"))->as_u64(), 127u);
  EXPECT_FALSE(decode(hex("0x89010000000000000000"))->as_u64());
  EXPECT_FALSE(decode(hex("0xc0"))->as_uint());
}

}  // namespace
}  // namespace wavs::eth::rlp
