// libFuzzer target: decode + validate + instantiate arbitrary bytes, then call every
// exported function that takes no arguments (see fuzz_target.hpp).

#include <cstddef>
#include <cstdint>

#include "wasm/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static wavs::wasm::Watchdog* watchdog = new wavs::wasm::Watchdog();  // lives until exit
  (void)wavs::wasm::exercise_module(wavs::ByteView(data, size), watchdog->flag());
  return 0;
}
