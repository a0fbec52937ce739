#include "contracts/artifact.hpp"

#include <unistd.h>

#include <gtest/gtest.h>
#include <fstream>

#include "contracts/error.hpp"

namespace wavs::contracts {
namespace {

namespace fs = std::filesystem;

class ArtifactFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wavs-artifact-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "Thing.sol");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& text) { std::ofstream(dir_ / "Thing.sol" / "Thing.json") << text; }
  Result<Artifact> load() { return load_artifact(dir_, "Thing"); }

  fs::path dir_;
};

TEST_F(ArtifactFiles, ReadsCodeAndSelectors) {
  write(R"j({"abi": [], "bytecode": {"object": "0x6001"}, "deployedBytecode": {"object": "0x00"},
            "methodIdentifiers": {"getServiceURI()": "cc922c6a"}})j");
  auto a = load();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->contract, "Thing");
  EXPECT_EQ(a->creation_code, (Bytes{0x60, 0x01}));
  EXPECT_EQ(a->runtime_code, Bytes{0x00});
  ASSERT_EQ(a->method_identifiers.count("getServiceURI()"), 1u);
  EXPECT_EQ(a->method_identifiers.at("getServiceURI()").hex(), "0xcc922c6a");
}

TEST_F(ArtifactFiles, BadFilesAreErrorsNamingFileAndField) {
  auto missing = load_artifact(dir_, "Nothing");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(ContractsErrc::kArtifact));
  EXPECT_NE(missing.error().message().find("Nothing.json"), std::string::npos) << missing.error().message();
  EXPECT_NE(missing.error().message().find("test-contracts"), std::string::npos);

  write("{not json");
  EXPECT_TRUE(load().error().is(ContractsErrc::kArtifact));

  write(R"j({"deployedBytecode": {"object": "0x00"}})j");
  EXPECT_NE(load().error().message().find("bytecode.object"), std::string::npos);

  write(R"j({"bytecode": {"object": "0xzz"}, "deployedBytecode": {"object": "0x00"}})j");
  EXPECT_FALSE(load());

  // An interface: its artifact has no code to deploy.
  write(R"j({"bytecode": {"object": "0x"}, "deployedBytecode": {"object": "0x"}})j");
  EXPECT_NE(load().error().message().find("empty bytecode"), std::string::npos);

  write(R"j({"bytecode": {"object": "0x60"}, "deployedBytecode": {"object": "0x00"},
            "methodIdentifiers": {"f()": "123"}})j");
  auto bad_selector = load();
  ASSERT_FALSE(bad_selector);
  EXPECT_NE(bad_selector.error().message().find("methodIdentifiers.f()"), std::string::npos);
}

}  // namespace
}  // namespace wavs::contracts
