#include "eth/abi.hpp"

#include <gtest/gtest.h>

#include "crypto/hash.hpp"

namespace wavs::eth {
namespace {

Bytes hex(std::string_view s) { return *from_hex(s); }
AbiType type(std::string_view s) { return *AbiType::parse(s); }
Address addr(std::string_view s) { return *Address::from_hex(s); }

Bytes word(std::uint64_t v) {
  Bytes w(32);
  for (int i = 0; i < 8; ++i) w[31 - static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  return w;
}

TEST(AbiType, ParsesAndCanonicalises) {
  EXPECT_EQ(type("uint").to_string(), "uint256");
  EXPECT_EQ(type("int").to_string(), "int256");
  EXPECT_EQ(type(" ( uint8 , bytes )[2][] ").to_string(), "(uint8,bytes)[2][]");
  EXPECT_EQ(type("tuple(address,string)").to_string(), "(address,string)");
  EXPECT_EQ(type("()").to_string(), "()");
  EXPECT_EQ(type("bytes32").size(), 32u);
  EXPECT_EQ(type("uint8[2][]").element().to_string(), "uint8[2]");
  EXPECT_TRUE(type("string").is_dynamic());
  EXPECT_TRUE(type("uint8[]").is_dynamic());
  EXPECT_TRUE(type("(uint8,bytes)[2]").is_dynamic());
  EXPECT_FALSE(type("(uint8,bytes32)[2]").is_dynamic());
  EXPECT_EQ(type("(uint8,bytes32)[2]").head_size(), 128u);
}

TEST(AbiType, RejectsBadTypes) {
  for (std::string_view bad : {"", "uint7", "uint0", "uint264", "uint08", "int9", "bytes0", "bytes33", "foo",
                               "uint256[", "uint256[0]", "uint256[01]", "(uint8", "(uint8,)", "uint8]",
                               "uint8 x", "uint256[9999999]", "bytes32[65536][65536]", "function"}) {
    auto r = AbiType::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_TRUE(r.error().is(EthErrc::kAbiType)) << bad;
    }
  }
  std::string deep(100, '(');
  deep += "uint8" + std::string(100, ')');
  EXPECT_FALSE(AbiType::parse(deep));
  std::string many_arrays = "uint8" + std::string(0, ' ');
  for (int i = 0; i < 40; ++i) many_arrays += "[]";
  EXPECT_FALSE(AbiType::parse(many_arrays));
}

TEST(AbiEncode, MatchesCastVector) {
  // cast abi-encode "f(uint8,int8,int256,bool,bytes3,string,address[2],uint256[][])" 255 -128 -1 true
  //   0x010203 hello [0x7099…,0xf39F…] "[[1,2],[],[3]]"
  std::vector<AbiType> types;
  for (auto t : {"uint8", "int8", "int256", "bool", "bytes3", "string", "address[2]", "uint256[][]"}) {
    types.push_back(type(t));
  }
  std::vector<AbiValue> values = {
      AbiValue::uint(255),
      AbiValue::int_(-128),
      AbiValue::int_(-1),
      AbiValue::boolean(true),
      AbiValue::bytes(hex("0x010203")),
      AbiValue::string("hello"),
      AbiValue::list({AbiValue::address(addr("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")),
                      AbiValue::address(addr("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))}),
      AbiValue::list({AbiValue::list({AbiValue::uint(1), AbiValue::uint(2)}), AbiValue::list({}),
                      AbiValue::list({AbiValue::uint(3)})}),
  };
  auto enc = abi_encode(types, values);
  ASSERT_TRUE(enc) << enc.error().message();
  EXPECT_EQ(
      to_hex(*enc),
      "0x00000000000000000000000000000000000000000000000000000000000000ffffffffffffffffffffffffffffffffffffff"
      "ffffffffffffffffffffffffff80ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000000000"
      "000000000000000000000000000000000000000000000000000001010203000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000000000000000000000001200000000000000000000000"
      "0070997970c51812dc3a010c7d01b50e0d17dc79c8000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb9"
      "226600000000000000000000000000000000000000000000000000000000000001600000000000000000000000000000000000"
      "00000000000000000000000000000568656c6c6f00000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000"
      "00000000000000006000000000000000000000000000000000000000000000000000000000000000c000000000000000000000"
      "000000000000000000000000000000000000000000e00000000000000000000000000000000000000000000000000000000000"
      "000002000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000"
      "000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000"
      "00000000000000000003");
  auto back = abi_decode(types, *enc);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, values);
}

TEST(AbiEncode, SingleDynamicValueStartsWithOffset) {
  auto enc = abi_encode(
      type("(bytes20,bytes12,bytes)"),
      AbiValue::list({AbiValue::bytes(Bytes(20, 0x11)), AbiValue::bytes(hex("0x000000000000000000000007")),
                      AbiValue::bytes(hex("0xdeadbeef"))}));
  ASSERT_TRUE(enc);
  EXPECT_EQ(Bytes(enc->begin(), enc->begin() + 32), word(0x20));
  EXPECT_EQ(crypto::keccak256(*enc).hex(),
            "0xb6764169383b8d8e8bd68c8b834980506e842667658580e7093269fbbdd7c75e");
}

TEST(AbiEncode, ValueTypeMismatchesAreErrors) {
  auto check = [](std::string_view t, const AbiValue& v, std::string_view needle) {
    auto r = abi_encode(type(t), v);
    ASSERT_FALSE(r) << t;
    EXPECT_TRUE(r.error().is(EthErrc::kAbiValue));
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  };
  check("uint8", AbiValue::uint(256), "does not fit in 8 bits");
  check("uint8", AbiValue::int_(-1), "negative");
  check("int8", AbiValue::int_(128), "does not fit");
  check("int8", AbiValue::int_(-129), "does not fit");
  check("bytes4", AbiValue::bytes(Bytes(3)), "expected 4 bytes");
  check("address", AbiValue::string("x"), "expected an address");
  check("uint8[2]", AbiValue::list({AbiValue::uint(1)}), "expected 2 elements");
  check("(uint8,bool)", AbiValue::list({AbiValue::uint(1)}), "expected 2 components");
  check("string", AbiValue::bytes(Bytes{}), "expected a string");
  EXPECT_FALSE(abi_encode(std::vector<AbiType>{type("uint8")}, std::vector<AbiValue>{}));
  // Boundary values fit.
  EXPECT_TRUE(abi_encode(type("int8"), AbiValue::int_(-128)));
  EXPECT_TRUE(abi_encode(type("int256"), AbiValue::int_(-(I256(1) << 255))));
  EXPECT_TRUE(abi_encode(type("uint256"), AbiValue::uint(~U256(0))));
  EXPECT_TRUE(abi_encode(type("int16"), AbiValue::uint(5)));  // non-negative unsigned is accepted
}

TEST(AbiDecode, RejectsTruncatedData) {
  auto enc =
      *abi_encode(type("(uint256,string)"), AbiValue::list({AbiValue::uint(1), AbiValue::string("hello")}));
  // Padding after the last content byte is not required (as in Solidity's decoder), so
  // every cut before the end of "hello" must fail.
  const std::size_t content_end = enc.size() - 32 + 5;
  for (std::size_t n = 0; n < content_end; n += 7) {
    auto r = abi_decode(type("(uint256,string)"), ByteView(enc).first(n));
    EXPECT_FALSE(r) << n;
    if (!r) {
      EXPECT_TRUE(r.error().is(EthErrc::kAbiDecode));
    }
  }
  EXPECT_TRUE(abi_decode(type("(uint256,string)"), ByteView(enc).first(content_end)));
}

TEST(AbiDecode, LargeStaticTypeOnShortDataSaysTruncated) {
  auto r = abi_decode(type("uint256[65536]"), Bytes(100));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
}

TEST(AbiDecode, OffsetOutsideBuffer) {
  Bytes data = word(0x1000);  // offset of a string far past the end
  auto r = abi_decode(type("string"), data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("exceeds the data size"), std::string::npos);
}

TEST(AbiDecode, LengthNear2Pow256) {
  Bytes data = word(0x20);
  Bytes huge(32, 0xff);
  data.insert(data.end(), huge.begin(), huge.end());
  auto r = abi_decode(type("bytes"), data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("larger than any buffer"), std::string::npos);
  auto r2 = abi_decode(type("uint256[]"), data);
  ASSERT_FALSE(r2);
  // A length that fits in 64 bits but not in the buffer.
  Bytes data3 = word(0x20);
  Bytes len = word(1ull << 40);
  data3.insert(data3.end(), len.begin(), len.end());
  EXPECT_FALSE(abi_decode(type("uint256[]"), data3));
  EXPECT_FALSE(abi_decode(type("string"), data3));
}

TEST(AbiDecode, ArrayLengthBeyondData) {
  Bytes data = word(0x20);
  Bytes len = word(5);
  data.insert(data.end(), len.begin(), len.end());
  Bytes one = word(1);
  data.insert(data.end(), one.begin(), one.end());
  auto r = abi_decode(type("uint256[]"), data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("exceeds the data"), std::string::npos);
}

TEST(AbiDecode, AliasedOffsetsCannotAmplify) {
  // Levels of arrays where every element's offset points at the same next-level array:
  // n^levels decoded values from about n*levels input words. The budget must refuse it.
  const std::size_t n = 32;
  const std::size_t levels = 3;
  Bytes data = word(0x20);
  for (std::size_t level = 0; level < levels; ++level) {
    std::size_t here = data.size();
    Bytes len = word(n);
    data.insert(data.end(), len.begin(), len.end());
    std::size_t next = here + 32 + 32 * n;  // the next level starts right after this one
    for (std::size_t i = 0; i < n; ++i) {
      Bytes off = word(next - (here + 32));
      data.insert(data.end(), off.begin(), off.end());
    }
  }
  Bytes empty = word(0);
  data.insert(data.end(), empty.begin(), empty.end());
  std::string t = "uint256";
  for (std::size_t i = 0; i <= levels; ++i) t += "[]";
  auto r = abi_decode(type(t), data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("aliased"), std::string::npos) << r.error().message();
  // One level of aliasing stays within the budget and decodes.
  Bytes small = word(0x20);
  Bytes len = word(2);
  small.insert(small.end(), len.begin(), len.end());
  for (int i = 0; i < 2; ++i) {
    Bytes off = word(64);
    small.insert(small.end(), off.begin(), off.end());
  }
  small.insert(small.end(), empty.begin(), empty.end());
  EXPECT_TRUE(abi_decode(type("uint256[][]"), small));
}

TEST(AbiDecode, ZeroSizeElementsAreBounded) {
  Bytes data = word(0x20);
  Bytes len = word(0x40);  // 64 empty tuples need no bytes at all, but still cost budget
  data.insert(data.end(), len.begin(), len.end());
  auto r = abi_decode(type("()[]"), data);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_if<AbiValue::List>()->size(), 64u);
}

// Regression (found by abi_decode_fuzz): an array of zero-size elements may have more
// elements than the data has bytes; its re-encoding must decode again.
TEST(AbiDecode, RegressionZeroSizeElementCountAboveDataSize) {
  Bytes data = word(0x20);
  Bytes len = word(67);
  data.insert(data.end(), len.begin(), len.end());
  auto v = abi_decode(type("()[]"), data);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->get_if<AbiValue::List>()->size(), 67u);
  auto enc = abi_encode(type("()[]"), *v);
  ASSERT_TRUE(enc);
  EXPECT_EQ(*abi_decode(type("()[]"), *enc), *v);
  // Past the budget it is refused, not allocated.
  Bytes huge = word(0x20);
  Bytes huge_len = word(1ull << 40);
  huge.insert(huge.end(), huge_len.begin(), huge_len.end());
  EXPECT_FALSE(abi_decode(type("()[]"), huge));
}

// Regression (found by abi_decode_fuzz): whether zero-size elements fit must not
// depend on trailing bytes, or a value decodes while its re-encoding does not.
TEST(AbiDecode, RegressionZeroSizeElementsIndependentOfTrailingBytes) {
  Bytes data = word(0x20);
  Bytes len = word(1189);
  data.insert(data.end(), len.begin(), len.end());
  Bytes padded = data;
  padded.resize(padded.size() + 21, 0xf6);
  auto v = abi_decode(type("()[]"), padded);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_TRUE(abi_decode(type("()[]"), data));
  EXPECT_EQ(*abi_encode(type("()[]"), *v), data);
  // Nested fixed arrays of zero-size elements cannot multiply past the allowance.
  auto nested = AbiType::parse("()[65536][65536]");
  ASSERT_TRUE(nested);
  EXPECT_FALSE(abi_decode(*nested, Bytes{}));
}

TEST(AbiDecode, StrictValueChecks) {
  Bytes big = word(256);
  EXPECT_NE(abi_decode(type("uint8"), big).error().message().find("does not fit"), std::string::npos);
  EXPECT_NE(abi_decode(type("bool"), word(2)).error().message().find("neither 0 nor 1"), std::string::npos);
  Bytes dirty_addr(32, 0);
  dirty_addr[0] = 1;
  EXPECT_NE(abi_decode(type("address"), dirty_addr).error().message().find("high bytes"), std::string::npos);
  Bytes dirty_b4(32, 0);
  dirty_b4[10] = 1;
  EXPECT_NE(abi_decode(type("bytes4"), dirty_b4).error().message().find("padding"), std::string::npos);
  // int8 -1 is 0xff..ff; 0x00..0080 is +128 and does not fit.
  EXPECT_EQ(*abi_decode(type("int8"), Bytes(32, 0xff))->as_int(), -1);
  EXPECT_FALSE(abi_decode(type("int8"), word(0x80)));
  Bytes bad_sign(32, 0xff);
  bad_sign[31] = 0x7f;  // 0xff..ff7f is -129, outside int8
  EXPECT_FALSE(abi_decode(type("int8"), bad_sign));
  EXPECT_EQ(*abi_decode(type("int256"), u256_to_be32(U256(1) << 255).view())->as_int(), -(I256(1) << 255));
}

TEST(AbiDecode, TrailingBytesAreAllowed) {
  Bytes data = word(7);
  data.push_back(0xaa);
  EXPECT_EQ(*abi_decode(type("uint8"), data)->as_uint(), 7);
}

TEST(Selector, KnownSignatures) {
  EXPECT_EQ(selector("handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))")->hex(),
            "0xf969ff33");
  EXPECT_EQ(selector("transfer(address to, uint256 amount)")->hex(), "0xa9059cbb");
  EXPECT_EQ(selector("transfer(address,uint)")->hex(), "0xa9059cbb");
  EXPECT_EQ(event_topic("Transfer(address indexed from, address indexed to, uint256 value)")->hex(),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  EXPECT_FALSE(selector("transfer(address"));
  EXPECT_FALSE(selector("(address)"));
  EXPECT_FALSE(selector("9f()"));
  EXPECT_FALSE(selector("f() extra"));
}

TEST(AbiFunction, ParseEncodeDecode) {
  auto fn = AbiFunction::parse("balanceOf(address owner) returns (uint256)");
  ASSERT_TRUE(fn) << fn.error().message();
  EXPECT_EQ(fn->selector().hex(), "0x70a08231");
  EXPECT_EQ(fn->outputs().size(), 1u);
  EXPECT_EQ(fn->inputs()[0].name, "owner");
  auto call = fn->encode_call(
      std::vector<AbiValue>{AbiValue::address(addr("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))});
  ASSERT_TRUE(call);
  EXPECT_EQ(call->size(), 36u);
  auto args = fn->decode_call(*call);
  ASSERT_TRUE(args);
  EXPECT_EQ(args->at(0).to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_FALSE(fn->decode_call(hex("0x12345678")));
  auto out = fn->decode_output(word(42));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out->at(0).as_uint(), 42);
  auto cast_style = AbiFunction::parse("getServiceURI()(string)");
  ASSERT_TRUE(cast_style);
  EXPECT_EQ(cast_style->outputs()[0].type.to_string(), "string");
  EXPECT_FALSE(AbiFunction::parse("f() returns"));
  auto with_location = AbiFunction::parse("setServiceURI(string calldata uri)");
  ASSERT_TRUE(with_location);
  EXPECT_EQ(with_location->canonical(), "setServiceURI(string)");
}

TEST(AbiEvent, DecodeLog) {
  auto ev = AbiEvent::parse("Transfer(address indexed from, address indexed to, uint256 value)");
  ASSERT_TRUE(ev);
  auto from = addr("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  auto to = addr("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  std::vector<AbiValue> values = {AbiValue::address(from), AbiValue::address(to), AbiValue::uint(1000)};
  auto log = ev->encode_log(values);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->first.size(), 3u);
  EXPECT_EQ(log->first[0], ev->topic0());
  auto decoded = ev->decode_log(log->first, log->second);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, values);
  // Wrong topic0 and wrong topic count.
  auto topics = log->first;
  topics[0][0] ^= 1;
  EXPECT_TRUE(ev->decode_log(topics, log->second).error().is(EthErrc::kLog));
  EXPECT_TRUE(ev->decode_log(std::span(log->first).first(2), log->second).error().is(EthErrc::kLog));
  // Dirty indexed address topic.
  auto dirty = log->first;
  dirty[1][0] = 1;
  EXPECT_FALSE(ev->decode_log(dirty, log->second));
}

TEST(AbiEvent, IndexedDynamicIsHashAndAnonymous) {
  auto ev = AbiEvent::parse("ServiceURIUpdated(string indexed uri, string plain)");
  ASSERT_TRUE(ev);
  std::vector<AbiValue> values = {AbiValue::string("ipfs://x"), AbiValue::string("y")};
  auto log = ev->encode_log(values);
  ASSERT_TRUE(log);
  auto decoded = ev->decode_log(log->first, log->second);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded->at(0).as_bytes(), crypto::keccak256(std::string_view("ipfs://x")).to_vector());
  EXPECT_EQ(*decoded->at(1).as_string(), "y");
  auto anon = AbiEvent::parse("Ping(uint256 indexed n) anonymous");
  ASSERT_TRUE(anon);
  EXPECT_TRUE(anon->anonymous());
  auto alog = anon->encode_log(std::vector<AbiValue>{AbiValue::uint(5)});
  ASSERT_TRUE(alog);
  EXPECT_EQ(alog->first.size(), 1u);
  EXPECT_EQ(*anon->decode_log(alog->first, alog->second)->at(0).as_uint(), 5);
  EXPECT_FALSE(AbiEvent::parse("E(uint8 indexed a, uint8 indexed b, uint8 indexed c, uint8 indexed d)"));
}

TEST(Revert, ErrorString) {
  auto r =
      decode_revert(hex("0x08c379a000000000000000000000000000000000000000000000000000000000000000200000000000"
                        "000000000000000000000000000000000000000000000000000004626f6f6d0000000000000000000000"
                        "0000000000000000000000000000000000"));
  EXPECT_EQ(r.kind, RevertReason::Kind::kMessage);
  EXPECT_EQ(r.message, "boom");
  EXPECT_EQ(r.to_string(), "reverted: \"boom\"");
}

TEST(Revert, Panic) {
  auto r = decode_revert(hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000011"));
  EXPECT_EQ(r.kind, RevertReason::Kind::kPanic);
  EXPECT_EQ(r.panic_code, 0x11);
  EXPECT_EQ(r.to_string(), "panic 0x11 (arithmetic overflow or underflow)");
}

TEST(Revert, CustomUnknownEmptyAndGarbage) {
  auto quorum = *AbiError::parse(
      "InsufficientQuorum(uint256 signerWeight, uint256 thresholdWeight, uint256 totalWeight)");
  auto zero = *AbiError::parse("InsufficientQuorumZero()");
  std::vector<AbiError> known = {zero, quorum};
  auto data = quorum.encode(std::vector<AbiValue>{AbiValue::uint(1), AbiValue::uint(2), AbiValue::uint(3)});
  ASSERT_TRUE(data);
  auto r = decode_revert(*data, known);
  EXPECT_EQ(r.kind, RevertReason::Kind::kCustom);
  EXPECT_EQ(r.to_string(), "InsufficientQuorum(1, 2, 3)");
  auto z = decode_revert(*zero.encode({}), known);
  EXPECT_EQ(z.to_string(), "InsufficientQuorumZero()");
  auto unknown = decode_revert(*data);
  EXPECT_EQ(unknown.kind, RevertReason::Kind::kUnknown);
  EXPECT_NE(unknown.to_string().find(quorum.selector().hex()), std::string::npos);
  EXPECT_EQ(decode_revert({}).kind, RevertReason::Kind::kEmpty);
  EXPECT_EQ(decode_revert(hex("0x0102")).kind, RevertReason::Kind::kUnknown);
  // Error(string) selector with a broken body.
  EXPECT_EQ(decode_revert(hex("0x08c379a0ffff")).kind, RevertReason::Kind::kUnknown);
}

TEST(Revert, MessageIsEscapedAndBounded) {
  std::string evil = "line1\nline2\x1b[31m";
  evil += std::string(5000, 'a');
  auto data = AbiError::parse("Error(string)")->encode(std::vector<AbiValue>{AbiValue::string(evil)});
  auto r = decode_revert(*data);
  std::string s = r.to_string();
  EXPECT_EQ(s.find('\n'), std::string::npos);
  EXPECT_EQ(s.find('\x1b'), std::string::npos);
  EXPECT_LT(s.size(), 1200u);
}

TEST(ParseAbiValue, CastSyntax) {
  auto v = parse_abi_value(type("(uint8,int16,address,bool,bytes2,bytes,string[],uint256[2])"),
                           " ( 0xff , -300, 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, true, 0x0102, 0x,"
                           " [a b, \"c,\\\"d\"], [1,2] ) ");
  ASSERT_TRUE(v) << v.error().message();
  auto items = *v->as_list();
  EXPECT_EQ(*items[0].as_uint(), 255);
  EXPECT_EQ(*items[1].as_int(), -300);
  EXPECT_EQ(items[2].to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(*items[3].as_bool(), true);
  EXPECT_EQ(*items[4].as_bytes(), hex("0x0102"));
  EXPECT_TRUE(items[5].as_bytes()->empty());
  auto strings = *items[6].as_list();
  EXPECT_EQ(*strings[0].as_string(), "a b");
  EXPECT_EQ(*strings[1].as_string(), "c,\"d");
  EXPECT_EQ(*parse_abi_value(type("string"), "hello, [world]")->as_string(), "hello, [world]");
}

TEST(ParseAbiValue, Errors) {
  for (auto [t, text] : std::vector<std::pair<std::string, std::string>>{
           {"uint8", "256"},
           {"int8", "-129"},
           {"uint8", "-1"},
           {"bool", "yes"},
           {"bytes2", "0x01"},
           {"address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"},
           {"uint8[2]", "[1]"},
           {"uint8[]", "[1,"},
           {"(uint8,bool)", "(1)"},
           {"(uint8)", "(1,2)"},
           {"uint8[]", "1"},
           {"uint8", "1 2"},
           {"string[]", "[\"a]"}}) {
    auto r = parse_abi_value(type(t), text);
    EXPECT_FALSE(r) << t << " " << text;
    if (!r) {
      EXPECT_TRUE(r.error().is(EthErrc::kAbiValue));
    }
  }
}

TEST(AbiValue, AccessorsAndToString) {
  AbiValue v = AbiValue::list({AbiValue::uint(1), AbiValue::string("a\"b"), AbiValue::boolean(false)});
  EXPECT_EQ(v.to_string(), "[1, \"a\\\"b\", false]");
  EXPECT_TRUE(AbiValue::uint(1).as_uint());
  auto bad = AbiValue::uint(1).as_string();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("unsigned integer"), std::string::npos);
}

}  // namespace
}  // namespace wavs::eth
