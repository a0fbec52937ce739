#include "wasm/disasm.hpp"

#include <gtest/gtest.h>

#include "wasm/compiler.hpp"
#include "wasm/decoder.hpp"
#include "wasm/test_support.hpp"

namespace wavs::wasm {
namespace {

using namespace test;

TEST(WasmDisasm, ListsTheInternalForm) {
  // local.get 0; i32.const 5; i32.add  → one add-immediate reading the parameter.
  auto d = decode(single({I32}, {I32}, cat({local_get(0), i32c(5), op(0x6a)})));
  ASSERT_TRUE(d);
  auto cm = compile_module(std::move(*d));
  ASSERT_TRUE(cm);
  std::string text = disassemble((*cm)->funcs[0]);
  EXPECT_NE(text.find("I32AddImm        1 0 5"), std::string::npos) << text;
  EXPECT_NE(text.find("Ret1"), std::string::npos) << text;
}

}  // namespace
}  // namespace wavs::wasm
