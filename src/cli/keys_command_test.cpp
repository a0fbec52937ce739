#include "cli/keys_command.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/test_support.hpp"
#include "node/state.hpp"
#include "service/manifest.hpp"
#include "wasi/test_support.hpp"

namespace wavs::cli {
namespace {

using test::Outcome;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr const char* kAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kAddr1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
constexpr const char* kAddr4 = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
constexpr const char* kKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The mnemonic must come from the file each test writes, not from the environment.
    ::unsetenv("WAVS_SIGNING_MNEMONIC");
    config_ = dir_.write("wavs.toml", std::string("[wavs]\nsigning_mnemonic = \"") + kAnvilMnemonic + "\"\n")
                  .string();
  }
  Outcome keys(std::vector<std::string> args, bool with_config = true) {
    if (with_config)
      args.insert(args.begin(), {"--config", config_, "keys"});
    else
      args.insert(args.begin(), {"--config", dir_.write("empty.toml", "").string(), "keys"});
    return test::invoke_wavs({}, args);
  }
  static void never_the_mnemonic(const Outcome& r) {
    for (const std::string* s : {&r.out, &r.err}) {
      EXPECT_EQ(s->find("junk"), std::string::npos) << *s;
      EXPECT_EQ(s->find("test test"), std::string::npos) << *s;
    }
  }
  wasi::test::TempDir dir_;
  std::string config_;
};

TEST_F(KeysTest, OperatorAddressFromTheNodeConfiguration) {
  auto r = keys({});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, std::string("index 0  ") + kAddr0 + "  m/44'/60'/0'/0/0  operator\n");
  never_the_mnemonic(r);
}

TEST_F(KeysTest, IndexAndRange) {
  auto one = keys({"--index", "4"});
  ASSERT_EQ(one.code, kExitOk) << one.err;
  EXPECT_NE(one.out.find(std::string("index 0  ") + kAddr0), std::string::npos) << one.out;
  EXPECT_NE(one.out.find(std::string("index 4  ") + kAddr4 + "  m/44'/60'/0'/0/4  service"),
            std::string::npos)
      << one.out;
  EXPECT_EQ(one.out.find(kAddr1), std::string::npos) << one.out;

  auto range = keys({"--up-to", "4"});
  ASSERT_EQ(range.code, kExitOk) << range.err;
  for (const char* a : {kAddr0, kAddr1, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                        "0x90F79bf6EB2c4f870365E785982E1f101E93b906", kAddr4}) {
    EXPECT_NE(range.out.find(a), std::string::npos) << a << "\n" << range.out;
  }
  EXPECT_EQ(std::count(range.out.begin(), range.out.end(), '\n'), 5);
  never_the_mnemonic(range);

  EXPECT_EQ(keys({"--up-to", "10001"}).code, kExitUsage);
  EXPECT_EQ(keys({"--index", "2147483648"}).code, kExitUsage);
}

TEST_F(KeysTest, PrivateKeysOnlyWhenAsked) {
  auto plain = keys({"--up-to", "2", "--json"});
  ASSERT_EQ(plain.code, kExitOk) << plain.err;
  EXPECT_EQ(plain.out.find("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
            std::string::npos);
  EXPECT_EQ(plain.out.find("private"), std::string::npos);

  auto shown = keys({"--show-private"});
  ASSERT_EQ(shown.code, kExitOk) << shown.err;
  EXPECT_NE(shown.out.find(kKey0), std::string::npos) << shown.out;
  EXPECT_NE(shown.err.find("private keys"), std::string::npos);
  never_the_mnemonic(shown);
}

TEST_F(KeysTest, JsonOutput) {
  auto r = keys({"--json", "--index", "1", "--show-private"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["operator"], kAddr0);
  EXPECT_EQ(doc["path"], "m/44'/60'/0'/0/<index>");
  ASSERT_EQ(doc["keys"].size(), 2u);
  EXPECT_EQ(doc["keys"][0]["index"], 0);
  EXPECT_EQ(doc["keys"][0]["role"], "operator");
  EXPECT_EQ(doc["keys"][0]["private_key"], kKey0);
  EXPECT_EQ(doc["keys"][1]["index"], 1);
  EXPECT_EQ(doc["keys"][1]["role"], "service");
  EXPECT_EQ(doc["keys"][1]["path"], "m/44'/60'/0'/0/1");
  EXPECT_EQ(doc["keys"][1]["address"], kAddr1);
  never_the_mnemonic(r);
}

TEST_F(KeysTest, MnemonicFile) {
  auto file = dir_.write("phrase.txt", std::string("\n  ") + kAnvilMnemonic + "\n");
  ::chmod(file.c_str(), 0600);
  auto r = keys({"--mnemonic-file", file.string()}, false);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find(kAddr0), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;
  never_the_mnemonic(r);

  ::chmod(file.c_str(), 0644);
  auto loose = keys({"--mnemonic-file", file.string()}, false);
  ASSERT_EQ(loose.code, kExitOk) << loose.err;
  EXPECT_NE(loose.err.find("readable by other users"), std::string::npos) << loose.err;

  auto missing = keys({"--mnemonic-file", (dir_.path() / "nope.txt").string()}, false);
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("nope.txt"), std::string::npos);
}

TEST_F(KeysTest, MissingOrInvalidMnemonic) {
  auto none = keys({}, false);
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("signing_mnemonic"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("--mnemonic-file"), std::string::npos) << none.err;

  auto file = dir_.write("bad.txt", "test test test test test test test test test test tesst junk");
  auto bad = keys({"--mnemonic-file", file.string()}, false);
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_TRUE(bad.out.empty());
  EXPECT_EQ(bad.err.find("tesst"), std::string::npos) << bad.err;
  never_the_mnemonic(bad);
}

// Secrets are never flags: there is no --mnemonic or --signing-mnemonic option.
TEST_F(KeysTest, NoMnemonicFlag) {
  EXPECT_EQ(keys({"--mnemonic", kAnvilMnemonic}, false).code, kExitUsage);
  EXPECT_EQ(keys({"--signing-mnemonic", kAnvilMnemonic}, false).code, kExitUsage);
}

// Services registered in the node's state are listed with their index and signing key.
TEST_F(KeysTest, ListsTheNodesRegisteredServices) {
  const auto data = dir_.path() / "data";
  std::filesystem::create_directories(data);
  {
    auto state = node::NodeState::open(data / "node.sqlite");
    ASSERT_TRUE(state) << state.error().message();
    for (int i = 0; i < 2; ++i) {
      node::NewService ns;
      ns.manager.chain = *service::parse_chain_key("evm:31337");
      ns.manager.address[19] = static_cast<std::uint8_t>(i + 1);
      ns.manifest_json = "{}";
      ASSERT_TRUE((*state)->add_service(ns));
    }
  }
  config_ = dir_.write("wavs.toml", std::string("[wavs]\nsigning_mnemonic = \"") + kAnvilMnemonic +
                                        "\"\ndata = \"" + data.string() + "\"\n")
                .string();
  auto r = keys({"--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc.at("services").size(), 2u) << r.out;
  EXPECT_EQ(doc["services"][0].at("index"), 1);
  EXPECT_EQ(doc["services"][0].at("address"), kAddr1);
  EXPECT_EQ(doc["services"][0].at("manager"), "0x0000000000000000000000000000000000000001");
  EXPECT_EQ(doc["services"][1].at("index"), 2);
  auto text = keys({});
  ASSERT_EQ(text.code, kExitOk) << text.err;
  EXPECT_NE(text.out.find(std::string("index 1  ") + kAddr1), std::string::npos) << text.out;
  never_the_mnemonic(r);

  // A state file that is not one is an error, not an empty list.
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  dir_.write("data/node.sqlite", "not a database");
  auto bad = keys({});
  EXPECT_EQ(bad.code, kExitFailure) << bad.out;
  EXPECT_NE(bad.err.find("node's state"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace wavs::cli
