#include "wasm/fuzz_target.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace wavs::wasm {
namespace {

// Every input of the fuzz corpus (seeds, and each crash the fuzzer ever found, kept as
// a regression input) must go through decode, validation, instantiation and calls
// without crashing; the sanitizer build checks memory safety on the way.
TEST(WasmFuzzCorpus, EveryInputRunsCleanly) {
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  if (!src) GTEST_SKIP() << "WAVS_SOURCE_DIR not set";
  std::filesystem::path dir = std::filesystem::path(src) / "fuzz" / "corpus" / "wasm_instantiate_fuzz";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no corpus at " << dir;
  Watchdog watchdog;
  int files = 0, instantiated = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (exercise_module(bytes, watchdog.flag()) == 2) ++instantiated;
    ++files;
  }
  EXPECT_GT(files, 0);
  EXPECT_GT(instantiated, 0);
}

}  // namespace
}  // namespace wavs::wasm
