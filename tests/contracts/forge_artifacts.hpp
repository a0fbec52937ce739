#pragma once
// Test support: the forge artifacts of contracts/ (contracts/out), built when missing
// since `make test` runs ctest before forge. Tests that use them share the ctest
// resource lock "contracts_out", so only one builds at a time.

#include <filesystem>
#include <string>

namespace wavs::contracts::testing {

// What the artifacts' availability means for a test: run, skip (no forge installed) or
// fail (forge is there but the build failed).
struct ArtifactState {
  bool ready = false;
  std::string skip_reason;
  std::string failure;
};

std::filesystem::path source_root();
std::filesystem::path out_dir();  // <source root>/contracts/out

// Builds the artifacts with scripts/test-contracts --build-only unless the main ones exist.
ArtifactState ensure_artifacts();

}  // namespace wavs::contracts::testing
