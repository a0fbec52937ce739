#pragma once
// A listing of a function's internal form, one instruction per line with its operand
// words (slots, immediates, branch offsets). For tests, debugging and profiling.

#include <string>

#include "wasm/code.hpp"

namespace wavs::wasm {

[[nodiscard]] std::string disassemble(const CompiledFunc& f);

}  // namespace wavs::wasm
