#pragma once
// The WebAssembly type vocabulary shared by the decoder, validator, translator and
// runtime, and the engine's error enum.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

// Values start at 1: a std::error_code of value 0 reads as "no error".
WAVS_ERROR_ENUM(wavs::wasm, WasmErrc,
                kMalformed,       // the binary does not decode (spec: assert_malformed)
                kInvalid,         // the module does not type-check (spec: assert_invalid)
                kUnlinkable,      // an import is missing or has the wrong type
                kUninstantiable,  // instantiation trapped (segment out of bounds, start trap)
                kNotFound,        // no export of that name or kind
                kBadArgument,     // arguments do not match a function's signature
                kLimit,           // an implementation or per-instance limit was exceeded
                kMemoryLimit)     // the module's initial memory is larger than the instance's
                                  // cap (InstanceLimits::max_memory_pages)

namespace wavs::wasm {

// Value types use their binary encoding as the enumerator value. kUnknown is the
// validator's "any type" of unreachable code and never appears in a module.
enum class ValType : std::uint8_t {
  kI32 = 0x7f,
  kI64 = 0x7e,
  kF32 = 0x7d,
  kF64 = 0x7c,
  kV128 = 0x7b,
  kFuncRef = 0x70,
  kExternRef = 0x6f,
  kUnknown = 0x00,
};

[[nodiscard]] const char* to_string(ValType t);
[[nodiscard]] inline bool is_ref(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }
[[nodiscard]] inline bool is_num(ValType t) {
  return t == ValType::kI32 || t == ValType::kI64 || t == ValType::kF32 || t == ValType::kF64;
}

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

// "(i32 i64) -> (f32)", for error messages.
[[nodiscard]] std::string to_string(const FuncType& t);

struct Limits {
  std::uint64_t min = 0;
  std::optional<std::uint64_t> max;
  bool operator==(const Limits&) const = default;
};

struct TableType {
  ValType elem = ValType::kFuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

struct GlobalType {
  ValType type = ValType::kI32;
  bool mut = false;
  bool operator==(const GlobalType&) const = default;
};

enum class ExternKind : std::uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3 };
[[nodiscard]] const char* to_string(ExternKind k);

inline constexpr std::uint64_t kPageSize = 65536;
inline constexpr std::uint32_t kMaxPages = 65536;

// Limits one instance may not exceed, whatever its module declares. The embedder sets
// them per instantiation (WASI and the node's per-workflow caps build on these).
struct InstanceLimits {
  std::uint32_t max_memory_pages = kMaxPages;
  std::uint32_t max_table_elements = 10'000'000;
  std::uint32_t max_call_depth = 20'000;
  std::uint32_t max_stack_slots = 1u << 20;  // 8 MiB of 8-byte value slots
  // A flag shared by many instances (a node-wide deadline, a fuzzer's watchdog); when
  // null, each instance uses its own (Instance::interrupt). Checked at loop back-edges
  // and function entries; a set flag traps with TrapKind::kInterrupted.
  const std::atomic<bool>* interrupt = nullptr;
};

}  // namespace wavs::wasm
