#include "cli/deploy_command.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/test_support.hpp"
#include "wasi/test_support.hpp"

// Flags, settings and files `wavs deploy` refuses before it touches a chain, and a chain
// that cannot be reached. Deployments on a real anvil are in tests/cli.

namespace wavs::cli {
namespace {

using test::Outcome;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr const char* kAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kManager = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

// A loopback port nothing listens on: bound, then closed.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

class DeployTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The key must come from the file each test writes, not from the environment.
    ::unsetenv("WAVS_CLI_EVM_CREDENTIAL");
    config_ = dir_.write("wavs.toml", std::string("[cli]\nevm_credential = \"") + kKey0 + "\"\n").string();
    rpc_ = "http://127.0.0.1:" + std::to_string(closed_port());
  }
  std::string phrase_file(const std::string& name, const std::string& phrase) {
    auto path = dir_.write(name, phrase + "\n");
    ::chmod(path.c_str(), 0600);
    return path.string();
  }
  Outcome deploy(std::vector<std::string> args, const std::string& config = {}) {
    args.insert(args.begin(), {"--config", config.empty() ? config_ : config, "deploy", "--rpc-url", rpc_});
    auto r = test::invoke_wavs({}, args);
    for (const std::string* s : {&r.out, &r.err}) {
      EXPECT_EQ(s->find(kKey0 + 2), std::string::npos) << "the deployer's key was printed: " << *s;
      EXPECT_EQ(s->find("junk"), std::string::npos) << "a mnemonic was printed: " << *s;
    }
    return r;
  }
  static void expect_usage(const Outcome& r, const std::string& mention) {
    EXPECT_EQ(r.code, kExitUsage) << r.err;
    EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  wasi::test::TempDir dir_;
  std::string config_;
  std::string rpc_;
};

TEST(DeployParse, Quorum) {
  auto q = parse_quorum("2/3");
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->numerator, 2);
  EXPECT_EQ(q->denominator, 3);
  EXPECT_TRUE(parse_quorum("1/1"));
  EXPECT_TRUE(parse_quorum("20282409603651670423947251286015/20282409603651670423947251286015"));  // 2^104-1
  for (const char* bad : {"", "2", "/3", "2/", "0/3", "4/3", "a/b", "2/3/4", "-1/3", "0x2/0x3", " 2/3",
                          "20282409603651670423947251286016/20282409603651670423947251286016"}) {
    auto r = parse_quorum(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(DeployErrc::kBadPlan));
    EXPECT_NE(r.error().detail().find("--quorum"), std::string::npos) << r.error().detail();
  }
}

TEST(DeployParse, OperatorSpec) {
  auto plain = parse_operator_spec("mnemonic-file=/keys/a.txt");
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->mnemonic_file, "/keys/a.txt");
  EXPECT_EQ(plain->weight, 1);
  EXPECT_EQ(plain->signing_index, 1u);
  auto full = parse_operator_spec("weight=5,mnemonic-file=b=c.txt,signing-index=3");
  ASSERT_TRUE(full) << full.error().message();
  EXPECT_EQ(full->mnemonic_file, "b=c.txt");  // split at the first '='
  EXPECT_EQ(full->weight, 5);
  EXPECT_EQ(full->signing_index, 3u);

  const std::pair<const char*, const char*> bad[] = {
      {"weight=2", "mnemonic-file=PATH is required"},
      {"mnemonic-file=", "mnemonic-file is empty"},
      {"mnemonic-file=a,weight=0", "weight must be"},
      {"mnemonic-file=a,weight=x", "weight must be"},
      {"mnemonic-file=a,signing-index=0", "signing-index must be"},
      {"mnemonic-file=a,signing-index=2147483648", "signing-index must be"},
      {"mnemonic-file=a,signing-index=99999999999999", "signing-index must be"},
      {"mnemonic-file=a,color=red", "unknown key 'color'"},
      {"mnemonic-file=a,weight=1,weight=2", "weight is given twice"},
      {"mnemonic-file=a,", "KEY=VALUE"},
      {"", "KEY=VALUE"},
  };
  for (const auto& [text, mention] : bad) {
    auto r = parse_operator_spec(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().detail().find(mention), std::string::npos) << text << ": " << r.error().detail();
    EXPECT_NE(r.error().detail().find("--operator"), std::string::npos) << r.error().detail();
  }
}

TEST(DeployParse, EvmCredential) {
  for (std::string text : {std::string(kKey0), std::string(kKey0 + 2), std::string(kAnvilMnemonic),
                           "  " + std::string(kAnvilMnemonic) + "\n"}) {
    auto key = parse_evm_credential(Secret(text));
    ASSERT_TRUE(key) << key.error().message();
    EXPECT_EQ(key->address().to_checksum(), kAddr0);
  }
  for (const char* bad : {"0x1234", "0xzz74bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
                          "test test test test test test test test test test test test", "hunter2", ""}) {
    auto key = parse_evm_credential(Secret(bad));
    ASSERT_FALSE(key) << bad;
    EXPECT_TRUE(key.error().is(DeployErrc::kBadPlan));
    EXPECT_NE(key.error().detail().find("evm_credential"), std::string::npos) << key.error().detail();
    if (std::string(bad).size() > 4) {
      EXPECT_EQ(key.error().message().find(bad), std::string::npos);
    }
  }
}

TEST(DeployJson, OneObjectWithEveryMember) {
  DeployResult r;
  r.rpc_url = "http://127.0.0.1:8545";
  r.chain_id = 31337;
  r.owner = *crypto::Address::from_hex(kAddr0);
  r.service_manager = *crypto::Address::from_hex(kManager);
  r.quorum = {2, 3};
  r.operators.push_back({r.owner, r.service_manager, 1, eth::U256(1) << 200});
  auto doc = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(doc["rpc_url"], "http://127.0.0.1:8545");
  EXPECT_EQ(doc["chain_id"], 31337);
  EXPECT_EQ(doc["owner"], kAddr0);
  EXPECT_EQ(doc["service_manager"], kManager);
  EXPECT_TRUE(doc["submit"].is_null());
  EXPECT_TRUE(doc["trigger"].is_null());
  EXPECT_EQ(doc["quorum"], nlohmann::json({{"numerator", "2"}, {"denominator", "3"}}));
  ASSERT_EQ(doc["operators"].size(), 1u);
  EXPECT_EQ(doc["operators"][0]["weight"], eth::to_decimal(eth::U256(1) << 200));
  EXPECT_EQ(doc["operators"][0]["signing_index"], 1);
  EXPECT_FALSE(doc.contains("service_uri"));
  r.service_uri = "ipfs://x\"y";
  r.submit = r.owner;
  doc = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(doc["service_uri"], "ipfs://x\"y");
  EXPECT_EQ(doc["submit"], kAddr0);
}

TEST_F(DeployTest, NoCredentialNamesWhereToSetIt) {
  auto r = deploy({"--existing-manager", kManager}, dir_.write("empty.toml", "").string());
  expect_usage(r, "evm_credential");
  EXPECT_NE(r.err.find("WAVS_CLI_EVM_CREDENTIAL"), std::string::npos) << r.err;
}

TEST_F(DeployTest, BadCredentialIsNotEchoed) {
  auto r = deploy({"--existing-manager", kManager},
                  dir_.write("bad.toml", "[cli]\nevm_credential = \"0xdeadbeefcafe\"\n").string());
  expect_usage(r, "evm_credential: not a valid private key");
  EXPECT_EQ(r.err.find("deadbeefcafe"), std::string::npos) << r.err;
}

TEST_F(DeployTest, BadQuorum) {
  expect_usage(deploy({"--quorum", "3/2"}), "--quorum");
  expect_usage(deploy({"--quorum", "two thirds"}), "--quorum");
}

TEST_F(DeployTest, MissingMnemonicFileIsNamed) {
  const std::string missing = (dir_.path() / "nope.txt").string();
  expect_usage(deploy({"--existing-manager", kManager, "--operator", "mnemonic-file=" + missing}), missing);
}

TEST_F(DeployTest, BadOperatorSpec) { expect_usage(deploy({"--operator", "file=x"}), "unknown key 'file'"); }

TEST_F(DeployTest, InvalidMnemonicInFileNamesTheFileNotTheWords) {
  const auto file = phrase_file("op.txt", "junk junk junk junk junk junk junk junk junk junk junk junk");
  auto r = deploy({"--existing-manager", kManager, "--operator", "mnemonic-file=" + file});
  expect_usage(r, file);
  EXPECT_NE(r.err.find("not a BIP-39 mnemonic"), std::string::npos) << r.err;
}

TEST_F(DeployTest, SameOperatorTwice) {
  const auto file = phrase_file("op.txt", kAnvilMnemonic);
  expect_usage(deploy({"--existing-manager", kManager, "--operator", "mnemonic-file=" + file, "--operator",
                       "mnemonic-file=" + file + ",signing-index=2"}),
               "listed twice");
}

TEST_F(DeployTest, BadExistingManager) {
  expect_usage(deploy({"--existing-manager", "0x1234"}), "--existing-manager '0x1234'");
}

TEST_F(DeployTest, BadRpcUrl) {
  auto r = test::invoke_wavs(
      {}, {"--config", config_, "deploy", "--rpc-url", "ftp://127.0.0.1:1", "--existing-manager", kManager});
  expect_usage(r, "--rpc-url");
}

TEST_F(DeployTest, MissingArtifactsSayHowToBuildThem) {
  const auto empty = dir_.path() / "out";
  std::filesystem::create_directories(empty);
  auto r = deploy({"--artifacts", empty.string()});
  expect_usage(r, "scripts/test-contracts --build-only");
  EXPECT_NE(r.err.find("WavsServiceManager"), std::string::npos) << r.err;
  expect_usage(deploy({"--artifacts", (dir_.path() / "none").string()}),
               "scripts/test-contracts --build-only");
}

TEST_F(DeployTest, UnreachableChainFailsWithTheUrl) {
  auto r = deploy({"--existing-manager", kManager});
  EXPECT_EQ(r.code, kExitFailure) << r.err;
  EXPECT_NE(r.err.find("cannot reach the chain at " + rpc_), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace wavs::cli
