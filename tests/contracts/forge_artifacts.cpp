#include "forge_artifacts.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wavs::contracts::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kBuildTimeoutSeconds = 300;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool artifacts_present() {
  for (const char* c : {"WavsServiceManager", "SimpleSubmit", "SimpleTrigger"}) {
    if (!fs::exists(out_dir() / (std::string(c) + ".sol") / (std::string(c) + ".json"))) return false;
  }
  return true;
}

}  // namespace

fs::path source_root() { return fs::path(WAVS_SOURCE_ROOT); }
fs::path out_dir() { return source_root() / "contracts" / "out"; }

ArtifactState ensure_artifacts() {
  ArtifactState state;
  if (artifacts_present()) {
    state.ready = true;
    return state;
  }
  if (!fs::exists(source_root() / "node_modules" / ".bin" / "forge")) {
    state.skip_reason = "contracts/out has no artifacts and forge is not installed (run scripts/setup)";
    return state;
  }
  const fs::path log =
      fs::temp_directory_path() / ("wavs-contracts-forge-" + std::to_string(::getpid()) + ".log");
  const std::string cmd = "timeout " + std::to_string(kBuildTimeoutSeconds) + " bash " +
                          shell_quote((source_root() / "scripts" / "test-contracts").string()) +
                          " --build-only > " + shell_quote(log.string()) + " 2>&1";
  const int raw = std::system(cmd.c_str());
  const std::string output = slurp(log);
  std::error_code ec;
  fs::remove(log, ec);
  const int rc = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  if (rc != 0) {
    if (output.find("run scripts/setup first") != std::string::npos) {
      state.skip_reason = "the contract toolchain is incomplete: " + output;
    } else if (rc == 124) {
      state.failure =
          "scripts/test-contracts --build-only took over " + std::to_string(kBuildTimeoutSeconds) + " s";
    } else {
      state.failure = "scripts/test-contracts --build-only exited " + std::to_string(rc) + ":\n" + output;
    }
    return state;
  }
  if (!artifacts_present()) {
    state.failure = "forge build succeeded but left no artifacts in contracts/out";
    return state;
  }
  state.ready = true;
  return state;
}

}  // namespace wavs::contracts::testing
