// libFuzzer target for the fuel pass: arbitrary bytes must never crash it, and any
// module the engine accepts must still be accepted after metering, with the same
// exports plus the counter.

#include <cstdint>
#include <cstdlib>

#include "wasi/fuel_pass.hpp"
#include "wasm/wasm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wavs::ByteView input(data, size);
  auto metered = wavs::wasi::inject_fuel(input);
  wavs::wasm::Engine engine;
  auto original = engine.compile(input);
  if (!original) return 0;
  if (!metered) return 0;  // instructions the pass does not meter (SIMD…) are refused
  auto compiled = engine.compile(*metered);
  if (!compiled) std::abort();  // the pass broke a valid module
  if ((*compiled)->exports().size() <= (*original)->exports().size()) std::abort();  // the counter is exported
  return 0;
}
