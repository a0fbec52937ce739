#include "wasm/decoder.hpp"

#include <gtest/gtest.h>

#include "wasm/reader.hpp"
#include "wasm/test_support.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

Error decode_error(const Bytes& b) {
  auto r = decode(b);
  EXPECT_FALSE(r.has_value());
  return r ? Error() : r.error();
}

TEST(WasmDecoder, AcceptsAMinimalModule) {
  auto r = decode(header());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->funcs.empty());
}

TEST(WasmDecoder, RejectsBadMagicAndVersion) {
  auto e = decode_error(Bytes{0x00, 0x61, 0x73, 0x6e, 0x01, 0, 0, 0});
  EXPECT_TRUE(e.is(WasmErrc::kMalformed));
  EXPECT_NE(e.message().find("magic header not detected"), std::string::npos);
  e = decode_error(Bytes{0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0});
  EXPECT_NE(e.message().find("unknown binary version"), std::string::npos);
  EXPECT_NE(e.message().find("offset 0x4"), std::string::npos);
}

TEST(WasmDecoder, LebLimits) {
  // u32 with a continuation bit on its fifth byte.
  std::uint8_t too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader r1(too_long, 0, sizeof too_long);
  auto v = r1.u32();
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("integer representation too long"), std::string::npos);
  // u32 whose fifth byte sets bits above bit 31.
  std::uint8_t too_large[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
  Reader r2(too_large, 0, sizeof too_large);
  v = r2.u32();
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("integer too large"), std::string::npos);
  // The largest u32, and a redundant but legal encoding of 0.
  std::uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  Reader r3(max, 0, sizeof max);
  EXPECT_EQ(*r3.u32(), 0xffffffffu);
  std::uint8_t zero[] = {0x80, 0x80, 0x00};
  Reader r4(zero, 0, sizeof zero);
  EXPECT_EQ(*r4.u32(), 0u);
  // s32: -1 in five bytes is fine; sign bits that disagree are not.
  std::uint8_t m1[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
  Reader r5(m1, 0, sizeof m1);
  EXPECT_EQ(*r5.s32(), -1);
  std::uint8_t bad[] = {0xff, 0xff, 0xff, 0xff, 0x4f};
  Reader r6(bad, 0, sizeof bad);
  EXPECT_FALSE(r6.s32());
  // Truncated input.
  std::uint8_t cut[] = {0x80, 0x80};
  Reader r7(cut, 0, sizeof cut);
  EXPECT_FALSE(r7.u32());
}

TEST(WasmDecoder, SectionErrorsNameTheSectionAndOffset) {
  // A type section that claims more bytes than the module has.
  auto e = decode_error(cat({header(), Bytes{0x01, 0x10, 0x00}}));
  EXPECT_NE(e.message().find("type section: length out of bounds"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("offset 0x8"), std::string::npos) << e.message();
  // Sections out of order: function (3) before type (1).
  e = decode_error(cat({header(), section(3, vec({})), section(1, vec({}))}));
  EXPECT_NE(e.message().find("out of order"), std::string::npos) << e.message();
  // Section size larger than its contents.
  e = decode_error(cat({header(), section(1, Bytes{0x00, 0x00})}));
  EXPECT_NE(e.message().find("section size mismatch"), std::string::npos) << e.message();
  // Unknown section id.
  e = decode_error(cat({header(), Bytes{0x0d, 0x00}}));
  EXPECT_NE(e.message().find("malformed section id"), std::string::npos) << e.message();
}

TEST(WasmDecoder, HugeCountsAreRejectedWithoutAllocating) {
  // 0xffffffff types in a three-byte section.
  auto e = decode_error(cat({header(), section(1, Bytes{0xff, 0xff, 0xff, 0xff, 0x0f})}));
  EXPECT_TRUE(e.is(WasmErrc::kMalformed));
  // 100000 locals of a type: above the implementation limit.
  Bytes b = cat({leb_u(1), leb_u(100000), Bytes{I32}, Bytes{0x0b}});
  Bytes m = cat({header(), section(1, vec({func_type({}, {})})), section(3, vec({leb_u(0)})),
                 section(10, vec({cat({leb_u(b.size()), b})}))});
  e = decode_error(m);
  EXPECT_NE(e.message().find("too many locals"), std::string::npos) << e.message();
}

TEST(WasmDecoder, NamesMustBeUtf8) {
  Bytes bad_name = {0x02, 0xc3, 0x28};  // an invalid two-byte sequence
  Bytes imp = cat({bad_name, str("f"), Bytes{0x00}, leb_u(0)});
  auto e = decode_error(cat({header(), section(1, vec({func_type({}, {})})), section(2, vec({imp}))}));
  EXPECT_NE(e.message().find("malformed UTF-8"), std::string::npos) << e.message();
  EXPECT_TRUE(valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // a surrogate
  EXPECT_FALSE(valid_utf8("\xc0\x80"));      // overlong
}

TEST(WasmDecoder, FunctionAndCodeCountsMustAgree) {
  Bytes m = cat({header(), section(1, vec({func_type({}, {})})), section(3, vec({leb_u(0), leb_u(0)})),
                 section(10, vec({body({}, {})}))});
  auto e = decode_error(m);
  EXPECT_NE(e.message().find("inconsistent lengths"), std::string::npos) << e.message();
}

TEST(WasmDecoder, KeepsTheNameSectionAndSkipsOtherCustomSections) {
  Bytes names = cat({str("name"), Bytes{0x01}, leb_u(6), vec({cat({leb_u(0), str("main")})})});
  Bytes other = cat({str("producers"), Bytes{0xde, 0xad}});
  Bytes m = cat({header(), section(0, other), section(1, vec({func_type({}, {})})),
                 section(3, vec({leb_u(0)})), section(10, vec({body({}, {})})), section(0, names)});
  auto r = decode(m);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->func_label(0), "func 0 ($main)");
}

TEST(WasmDecoder, OpcodeTableNamesInstructions) {
  EXPECT_EQ(opcode_name(0x6a), "i32.add");
  EXPECT_EQ(opcode_name(0xfc0a), "memory.copy");
  EXPECT_EQ(opcode_name(0xff), "<0xff>");
  ASSERT_NE(opcode_info(0x28), nullptr);
  EXPECT_EQ(opcode_info(0x28)->imm, Imm::MemArg);
  EXPECT_EQ(opcode_info(0x06), nullptr);
}

// Regression: WasmErrc started at 1 while the message table is indexed from the first
// enumerator, so every wasm error was reported with the next kind's text.
TEST(WasmErrors, KindsMatchTheirMessages) {
  EXPECT_EQ(Error(WasmErrc::kMalformed).message(), "malformed module");
  EXPECT_EQ(Error(WasmErrc::kInvalid).message(), "invalid module");
  EXPECT_EQ(Error(WasmErrc::kLimit).message(), "limit exceeded");
}

}  // namespace
}  // namespace wavs::wasm
