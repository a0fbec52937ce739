#pragma once
// The base of every test suite that deploys the forge-built contracts: the artifacts are
// made ready once per suite (built when missing, see forge_artifacts.hpp). SetUp skips
// when forge is not installed and fails when the build failed. A derived SetUp calls
// ArtifactsTest::SetUp() first and returns when artifacts_unusable().

#include <gtest/gtest.h>

#include "forge_artifacts.hpp"

namespace wavs::contracts::testing {

class ArtifactsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { artifacts() = ensure_artifacts(); }

  void SetUp() override {
    if (!artifacts().skip_reason.empty()) GTEST_SKIP() << artifacts().skip_reason;
    ASSERT_TRUE(artifacts().ready) << artifacts().failure;
  }

  // Whether the derived SetUp must stop: skipped, or the artifacts failed.
  [[nodiscard]] bool artifacts_unusable() const { return IsSkipped() || HasFatalFailure(); }

  static ArtifactState& artifacts() {
    static ArtifactState state;
    return state;
  }
};

}  // namespace wavs::contracts::testing
