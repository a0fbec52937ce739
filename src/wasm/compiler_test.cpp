#include "wasm/compiler.hpp"

#include <gtest/gtest.h>

#include "wasm/decoder.hpp"
#include "wasm/test_support.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

Result<std::shared_ptr<CompiledModule>> compile(const Bytes& b) {
  auto d = decode(b);
  if (!d) return d.error();
  return compile_module(std::move(*d));
}

std::string invalid_message(const Bytes& b) {
  auto r = compile(b);
  EXPECT_FALSE(r.has_value());
  if (r) return {};
  EXPECT_TRUE(r.error().is(WasmErrc::kInvalid) || r.error().is(WasmErrc::kMalformed)) << r.error().message();
  return r.error().message();
}

TEST(WasmValidator, TypeMismatchNamesInstructionOffsetAndFunction) {
  // (func (result i32) f32.const 0 i32.const 1 i32.add)
  Bytes code = cat({Bytes{0x43, 0, 0, 0, 0}, i32c(1), op(0x6a)});
  std::string msg = invalid_message(single({}, {I32}, code));
  EXPECT_NE(msg.find("type mismatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("i32.add"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at offset 0x"), std::string::npos) << msg;
  EXPECT_NE(msg.find("func 0"), std::string::npos) << msg;
}

TEST(WasmValidator, ReportsCommonErrors) {
  EXPECT_NE(invalid_message(single({}, {}, local_get(3))).find("unknown local 3"), std::string::npos);
  EXPECT_NE(invalid_message(single({}, {I32}, {})).find("type mismatch"), std::string::npos);
  EXPECT_NE(invalid_message(single({}, {}, i32c(1))).find("values remain"), std::string::npos);
  EXPECT_NE(invalid_message(single({}, {}, cat({i32c(0), Bytes{0x28, 0x03, 0x00}, op(0x1a)}), {}, true))
                .find("alignment must not be larger than natural"),
            std::string::npos);
  EXPECT_NE(invalid_message(single({}, {}, cat({i32c(0), Bytes{0x28, 0x02, 0x00}, op(0x1a)})))
                .find("unknown memory"),
            std::string::npos);
  EXPECT_NE(invalid_message(single({}, {}, cat({Bytes{0x0c}, leb_u(1)}))).find("unknown label"),
            std::string::npos);
  ModuleSpec refs;
  refs.funcs.push_back({{}, {}, {}, cat({Bytes{0xd2, 0x01}, op(0x1a)}), "f"});
  refs.funcs.push_back({{}, {}, {}, {}, ""});
  EXPECT_NE(invalid_message(build(refs)).find("undeclared function reference"), std::string::npos);
}

TEST(WasmValidator, MalformedInstructionStream) {
  std::string msg = invalid_message(single({}, {}, op(0x06)));
  EXPECT_NE(msg.find("illegal opcode"), std::string::npos) << msg;
  msg = invalid_message(single({}, {}, op(0x05)));
  EXPECT_NE(msg.find("else without matching if"), std::string::npos) << msg;
  // memory.size with a non-zero memory index byte.
  msg = invalid_message(single({}, {}, cat({Bytes{0x3f, 0x01}, op(0x1a)}), {}, true));
  EXPECT_NE(msg.find("zero byte expected"), std::string::npos) << msg;
  // data.drop with no data segment at all.
  msg = invalid_message(single({}, {}, cat({op_fc(9), leb_u(0)})));
  EXPECT_NE(msg.find("unknown data segment 0"), std::string::npos) << msg;
}

TEST(WasmValidator, UnreachableCodeIsPolymorphic) {
  // (func (result i32) unreachable i32.add) is valid; so is br_table to labels of
  // different types after unreachable.
  EXPECT_TRUE(compile(single({}, {I32}, cat({op(0x00), op(0x6a)}))));
  Bytes code = cat({Bytes{0x02, F64}, Bytes{0x02, F32}, op(0x00), Bytes{0x0e, 0x02, 0x00, 0x01, 0x01},
                    op(0x0b), op(0x1a), Bytes{0x44, 0, 0, 0, 0, 0, 0, 0, 0}, op(0x0b), op(0x1a)});
  auto r = compile(single({}, {}, code));
  EXPECT_TRUE(r) << r.error().message();
}

TEST(WasmValidator, ModuleLevelRules) {
  // Two memories.
  Bytes two = cat({header(), section(5, Bytes{0x02, 0x00, 0x01, 0x00, 0x01})});
  EXPECT_NE(invalid_message(two).find("multiple memories"), std::string::npos);
  // A memory larger than 4 GiB.
  Bytes big = cat({header(), section(5, Bytes{0x01, 0x00, 0x81, 0x80, 0x04})});
  EXPECT_NE(invalid_message(big).find("memory size must be at most 65536"), std::string::npos);
  // Duplicate export names.
  ModuleSpec m;
  m.funcs.push_back({{}, {}, {}, {}, "a"});
  m.funcs.push_back({{}, {}, {}, {}, "a"});
  EXPECT_NE(invalid_message(build(m)).find("duplicate export name"), std::string::npos);
  // A start function with parameters.
  ModuleSpec s;
  s.funcs.push_back({{I32}, {}, {}, {}, ""});
  s.start = 0;
  EXPECT_NE(invalid_message(build(s)).find("start function"), std::string::npos);
}

TEST(WasmTranslator, FusesCompareAndBranch) {
  // loop: local.get 0; i32.const 1; i32.sub; local.tee 0; i32.const 0; i32.gt_s; br_if 0
  Bytes code = cat({Bytes{0x03, 0x40}, local_get(0), i32c(1), op(0x6b), local_tee(0), i32c(0), op(0x4a),
                    Bytes{0x0d, 0x00}, op(0x0b)});
  auto fused = compile(single({I32}, {}, code));
  ASSERT_TRUE(fused) << fused.error().message();
  auto d = decode(single({I32}, {}, code));
  auto plain = compile_module(std::move(*d), CompileOptions{false});
  ASSERT_TRUE(plain);
  // add-immediate writing the local directly, then one compare-and-branch, then return.
  EXPECT_LT((*fused)->funcs[0].code.size(), (*plain)->funcs[0].code.size());
  EXPECT_EQ((*fused)->funcs[0].code.size(), 4u + 4u + 1u);
}

}  // namespace
}  // namespace wavs::wasm
