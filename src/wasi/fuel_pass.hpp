#pragma once
// Deterministic fuel metering by rewriting the module (a wasm-to-wasm pass).
//
// The pass adds one mutable i64 global, exported as kFuelExport, and charges each
// straight-line segment of every function when it is entered:
//
//   global.get $fuel  i64.const -<cost>  i64.add  global.set $fuel
//
// At function entry and at every loop header (the only places through which unbounded
// execution can pass) the charge is followed by the check
//
//   global.get $fuel  i64.const 0  i64.lt_s  if unreachable end
//
// Cost model (docs/sandbox.md): every instruction of the original code costs 1 unit,
// including block/loop/if/else/end and branches. A segment starts at function entry
// and after every loop, if, else, end, br, br_if, br_table, return and unreachable, so
// a backward branch always pays for the loop body again and code after a taken branch
// is never charged. A segment is paid in full when entered. Because the counter lives
// in the module, every tier and every machine counts the same units. The counter may
// dip below zero between two checks by at most the straight-line code of one
// function; a run that ends with it below zero is out of fuel as well.
//
// Our engine fuses each sequence (and a charge directly followed by a check) into one
// internal instruction; told the counter's export name (EngineConfig::
// fuel_global_export, as prepare() does), its fused check traps with
// TrapKind::kFuelExhausted. Unfused, exhaustion is an `unreachable` trap while the
// counter is negative, and the runner reads the global to tell it from a guest's own.
//
// A start function would run inside instantiation, before the host can set the
// budget, so the pass removes the start section and exports that function as
// kStartExport; the runner calls it first.

#include <cstdint>
#include <string_view>

#include "common/bytes.hpp"

namespace wavs::wasi {

inline constexpr std::string_view kFuelExport = "__wavs_fuel";
inline constexpr std::string_view kStartExport = "__wavs_start";

struct FuelPassStats {
  std::uint64_t functions = 0;
  std::uint64_t charge_points = 0;  // injected charge sequences
};

// Errors: WasiErrc::kInstrument, naming the byte offset (malformed input, or an
// instruction the pass does not know, e.g. SIMD).
[[nodiscard]] Result<Bytes> inject_fuel(ByteView wasm, FuelPassStats* stats = nullptr);

}  // namespace wavs::wasi
