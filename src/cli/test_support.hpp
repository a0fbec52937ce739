#pragma once
// Test helper for the CLI: runs `wavs <args…>` in-process and captures what it prints.

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"

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

}  // namespace wavs::cli::test
