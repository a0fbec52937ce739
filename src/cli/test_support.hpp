#pragma once
// Test helpers for the CLI: runs `wavs <args…>` in-process and captures what it prints;
// writes WAT test modules as .wasm files for the subcommands to load.

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/app.hpp"
#include "wasi/test_support.hpp"

namespace wavs::cli::test {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

// `prefix` (e.g. {"run"}) then `args`, after the program name.
inline Outcome invoke_wavs(std::vector<std::string> prefix, const std::vector<std::string>& args) {
  prefix.insert(prefix.begin(), "wavs");
  prefix.insert(prefix.end(), args.begin(), args.end());
  std::ostringstream out, err;
  const int code = run(prefix, out, err);
  return {code, out.str(), err.str()};
}

// `wat_text` assembled and written to `dir`/`name`; returns the file's path.
inline std::string write_module(const wasi::test::TempDir& dir, const std::string& name, std::string_view wat_text) {
  Bytes b = wasi::test::wat(wat_text);
  EXPECT_FALSE(b.empty()) << "wat2wasm failed for " << name;
  return dir.write(name, std::string(b.begin(), b.end())).string();
}

}  // namespace wavs::cli::test
