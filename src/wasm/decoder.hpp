#pragma once
// Binary format → ModuleData. Checks everything the spec calls "malformed" except the
// instruction stream of function bodies, which the validator decodes as it type-checks.

#include "common/bytes.hpp"
#include "wasm/module.hpp"

namespace wavs::wasm {

[[nodiscard]] Result<ModuleData> decode(ByteView bytes);

// Reads a constant expression (instructions up to `end`) at the reader's position.
class Reader;
[[nodiscard]] Result<ConstExpr> read_const_expr(Reader& r);
[[nodiscard]] Result<ValType> read_val_type(Reader& r);

}  // namespace wavs::wasm
