#pragma once
// Canonical ids of function types (internal), so that call_indirect's signature check is
// one integer compare: equal types have equal ids while both are alive.
//
// Ids are process-wide, not per Engine: modules compiled by different engines and host
// functions defined on any Linker link together, and a table shared between instances
// holds functions of all of them. Each id is reference-counted by InternedFuncType and
// reused once its last reference is gone, so a process that compiles uploaded modules for
// months holds only the signatures of what is still alive.
//
// Who holds references (an id must not be compared after its holder is gone):
// - a CompiledModule, one per type of its type section: that covers every call_indirect
//   in its code and every function it defines;
// - a host function's FuncInst, one for its own type.
// A wasm function's FuncInst borrows its module's id: its instance keeps the module alive.

#include <cstddef>
#include <cstdint>

#include "wasm/types.hpp"

namespace wavs::wasm {

class InternedFuncType {
 public:
  InternedFuncType() = default;  // no id
  explicit InternedFuncType(const FuncType& type);
  ~InternedFuncType();
  InternedFuncType(const InternedFuncType& other);
  InternedFuncType& operator=(const InternedFuncType& other);
  InternedFuncType(InternedFuncType&& other) noexcept;
  InternedFuncType& operator=(InternedFuncType&& other) noexcept;

  [[nodiscard]] std::uint32_t id() const { return id_; }

 private:
  static constexpr std::uint32_t kNoId = ~0u;
  void release();
  std::uint32_t id_ = kNoId;
};

// How many distinct types are interned now (for tests and diagnostics).
[[nodiscard]] std::size_t interned_func_type_count();

}  // namespace wavs::wasm
