// `wavs deploy` against a real anvil and the forge-built contracts: deploy_contracts
// in-process (a fresh deployment, a second run that must send nothing, changes to an
// existing manager, refusals), and the `wavs` binary once with its key from the
// environment and the artifacts found from its own location. Every outcome is read back
// independently through the contract bindings, with the signing keys derived by
// node::Signer as a node would.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "cli/app.hpp"
#include "cli/deploy_command.hpp"
#include "common/test_support.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "artifacts_test.hpp"
#include "forge_artifacts.hpp"
#include "node/signer.hpp"

extern char** environ;

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using chain::testing::Anvil;
using nlohmann::json;

constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
// BIP-39 test vectors: valid phrases whose accounts anvil does not fund.
constexpr const char* kPhraseA =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
constexpr const char* kPhraseB =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
constexpr const char* kPhraseC =
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above";
// anvil's account 1, which owns nothing here.
constexpr const char* kAccount1Key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

chain::Address address_at(const char* phrase, std::uint32_t index) {
  auto signer = node::Signer::from_mnemonic(Secret(phrase));
  EXPECT_TRUE(signer) << signer.error().message();
  auto a = signer->address(index);
  EXPECT_TRUE(a) << a.error().message();
  return *a;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Process {
  int code = -1;  // -1: killed at the timeout
  std::string out;
  std::string err;
};

// argv with the test's environment plus `env`; stdout and stderr to files; killed after `timeout`.
Process run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                    std::chrono::seconds timeout) {
  wavs::test::TempDir io;
  const std::string out_path = (io.path() / "out").string();
  const std::string err_path = (io.path() / "err").string();
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  Process p;
  if (rc != 0) {
    p.err = "posix_spawn failed: " + std::to_string(rc);
    return p;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (status != -1 && WIFEXITED(status)) p.code = WEXITSTATUS(status);
  p.out = slurp(out_path);
  p.err = slurp(err_path);
  return p;
}

class DeployAnvil : public contracts::testing::ArtifactsTest {
 protected:
  void SetUp() override {
    contracts::testing::ArtifactsTest::SetUp();
    if (artifacts_unusable()) return;
    auto a = Anvil::start();
    ASSERT_TRUE(a) << a.error().message();
    anvil_ = std::move(*a);
    chain::RpcConfig rc;
    rc.http_endpoints = {anvil_->http_url()};
    rpc_ = std::make_unique<chain::RpcClient>(rc);
  }

  DeployPlan plan() const {
    DeployPlan p;
    p.rpc_url = anvil_->http_url();
    p.deployer_credential = Secret(chain::testing::kAccount0Key);
    p.artifacts_dir = contracts::testing::out_dir();
    p.poll_interval = std::chrono::milliseconds(20);
    p.receipt_timeout = std::chrono::milliseconds(60'000);
    return p;
  }

  std::uint64_t head() const {
    auto n = rpc_->block_number();
    EXPECT_TRUE(n) << n.error().message();
    return n ? *n : 0;
  }

  // The operator of `phrase` is registered with `weight` and signs with its key at `index`.
  void expect_operator(contracts::ServiceManager& manager, const char* phrase, std::uint64_t weight,
                       std::uint32_t index) {
    const auto op = address_at(phrase, 0);
    const auto signing = address_at(phrase, index);
    auto w = manager.get_operator_weight(op);
    ASSERT_TRUE(w) << w.error().message();
    EXPECT_EQ(*w, weight) << op.to_checksum();
    auto bound = manager.get_latest_operator_for_signing_key(signing);
    ASSERT_TRUE(bound) << bound.error().message();
    EXPECT_EQ(*bound, op) << signing.to_checksum();
  }

  wavs::test::TempDir dir_;
  std::unique_ptr<Anvil> anvil_;
  std::unique_ptr<chain::RpcClient> rpc_;
};

TEST_F(DeployAnvil, DeploysRegistersAndASecondRunSendsNothing) {
  DeployPlan p = plan();
  p.quorum = contracts::Quorum{3, 4};
  p.service_uri = "http://127.0.0.1:9/service.json";
  p.operators.push_back({Secret(kPhraseA), "operator A", 3, 1});
  p.operators.push_back({Secret(kPhraseB), "operator B", 1, 2});
  auto deployed = deploy_contracts(p);
  ASSERT_TRUE(deployed) << deployed.error().message();

  EXPECT_EQ(deployed->chain_id, 31337u);
  EXPECT_EQ(deployed->owner.hex(), chain::testing::kAccount0);
  ASSERT_TRUE(deployed->submit && deployed->trigger);
  ASSERT_EQ(deployed->operators.size(), 2u);
  EXPECT_EQ(deployed->operators[0].address, address_at(kPhraseA, 0));
  EXPECT_EQ(deployed->operators[0].signing_key, address_at(kPhraseA, 1));
  EXPECT_EQ(deployed->operators[1].signing_key, address_at(kPhraseB, 2));
  EXPECT_EQ(deployed->operators[1].weight, 1);

  contracts::ServiceManager manager(*rpc_, deployed->service_manager);
  auto owner = manager.owner();
  ASSERT_TRUE(owner) << owner.error().message();
  EXPECT_EQ(owner->hex(), chain::testing::kAccount0);
  auto quorum = manager.get_quorum();
  ASSERT_TRUE(quorum) << quorum.error().message();
  EXPECT_EQ(*quorum, (contracts::Quorum{3, 4}));
  auto uri = manager.get_service_uri();
  ASSERT_TRUE(uri) << uri.error().message();
  EXPECT_EQ(*uri, "http://127.0.0.1:9/service.json");
  expect_operator(manager, kPhraseA, 3, 1);
  expect_operator(manager, kPhraseB, 1, 2);
  auto total = manager.get_total_weight();
  ASSERT_TRUE(total);
  EXPECT_EQ(*total, 4);

  contracts::SimpleSubmit submit(*rpc_, *deployed->submit);
  auto submit_manager = submit.get_service_manager();
  ASSERT_TRUE(submit_manager) << submit_manager.error().message();
  EXPECT_EQ(*submit_manager, deployed->service_manager);
  contracts::SimpleTrigger trigger(*rpc_, *deployed->trigger);
  auto last = trigger.last_trigger_id();
  ASSERT_TRUE(last) << last.error().message();
  EXPECT_EQ(*last, 0u);

  // The operators were funded by the deployer and paid for their own binding.
  for (const char* phrase : {kPhraseA, kPhraseB}) {
    auto nonce = rpc_->transaction_count(address_at(phrase, 0), chain::BlockRef::latest());
    ASSERT_TRUE(nonce) << nonce.error().message();
    EXPECT_EQ(*nonce, 1u);
  }

  // The same plan on the manager just deployed: everything is in place, nothing is sent.
  const auto before = head();
  p.existing_manager = deployed->service_manager;
  auto again = deploy_contracts(p);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(head(), before);
  EXPECT_EQ(again->service_manager, deployed->service_manager);
  EXPECT_FALSE(again->submit);
  EXPECT_EQ(again->quorum, (contracts::Quorum{3, 4}));
  EXPECT_EQ(again->service_uri, "http://127.0.0.1:9/service.json");
  ASSERT_EQ(again->operators.size(), 2u);
  EXPECT_EQ(again->operators[0].weight, 3);
}

TEST_F(DeployAnvil, ChangesAnExistingManager) {
  DeployPlan first = plan();
  first.examples = false;
  first.operators.push_back({Secret(kPhraseA), "operator A", 1, 1});
  auto deployed = deploy_contracts(first);
  ASSERT_TRUE(deployed) << deployed.error().message();
  EXPECT_FALSE(deployed->submit);
  EXPECT_FALSE(deployed->trigger);
  EXPECT_EQ(deployed->quorum, (contracts::Quorum{2, 3}));  // the default
  EXPECT_TRUE(deployed->service_uri.empty());

  DeployPlan second = plan();
  second.existing_manager = deployed->service_manager;
  second.quorum = contracts::Quorum{1, 2};
  second.service_uri = "ipfs://bafy-new";
  second.operators.push_back({Secret(kPhraseA), "operator A", 5, 1});  // reweighted
  second.operators.push_back({Secret(kPhraseC), "operator C", 2, 7});  // new
  auto changed = deploy_contracts(second);
  ASSERT_TRUE(changed) << changed.error().message();

  contracts::ServiceManager manager(*rpc_, deployed->service_manager);
  auto quorum = manager.get_quorum();
  ASSERT_TRUE(quorum);
  EXPECT_EQ(*quorum, (contracts::Quorum{1, 2}));
  auto uri = manager.get_service_uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(*uri, "ipfs://bafy-new");
  expect_operator(manager, kPhraseA, 5, 1);
  expect_operator(manager, kPhraseC, 2, 7);
  auto count = manager.get_operator_count();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 2);
}

TEST_F(DeployAnvil, DeployerAsOperatorUsesOneAccount) {
  // The deployer's own mnemonic as an operator: its binding goes out from the same sender.
  DeployPlan p = plan();
  p.deployer_credential = Secret(kAnvilMnemonic);
  p.examples = false;
  p.operators.push_back({Secret(kAnvilMnemonic), "deployer", 1, 9});
  auto deployed = deploy_contracts(p);
  ASSERT_TRUE(deployed) << deployed.error().message();
  EXPECT_EQ(deployed->owner.hex(), chain::testing::kAccount0);
  contracts::ServiceManager manager(*rpc_, deployed->service_manager);
  expect_operator(manager, kAnvilMnemonic, 1, 9);
}

TEST_F(DeployAnvil, RefusesAManagerItDoesNotOwn) {
  DeployPlan first = plan();
  first.examples = false;
  auto deployed = deploy_contracts(first);
  ASSERT_TRUE(deployed) << deployed.error().message();

  DeployPlan other = plan();
  other.deployer_credential = Secret(kAccount1Key);
  other.existing_manager = deployed->service_manager;
  other.service_uri = "ipfs://not-mine";
  const auto before = head();
  auto refused = deploy_contracts(other);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(DeployErrc::kBadManager)) << refused.error().message();
  EXPECT_NE(refused.error().detail().find("is owned by " + deployed->owner.to_checksum()), std::string::npos)
      << refused.error().detail();
  EXPECT_EQ(head(), before);

  // Only reads are needed when nothing would change: the same manager reported as it is.
  other.service_uri.reset();
  auto read = deploy_contracts(other);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->quorum, (contracts::Quorum{2, 3}));

  // An address without code is no manager.
  other.existing_manager = address_at(kPhraseA, 0);
  auto none = deploy_contracts(other);
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().is(DeployErrc::kBadManager)) << none.error().message();
  EXPECT_NE(none.error().detail().find("no contract"), std::string::npos) << none.error().detail();
}

TEST_F(DeployAnvil, NoFundLeavesAPennilessOperatorFailing) {
  DeployPlan p = plan();
  p.examples = false;
  p.fund_operators = false;
  p.operators.push_back({Secret(kPhraseB), "operator B", 1, 1});
  auto deployed = deploy_contracts(p);
  ASSERT_FALSE(deployed);
  EXPECT_FALSE(deployed.error().code().category() == DeployErrc_category()) << deployed.error().message();
  EXPECT_NE(deployed.error().message().find(address_at(kPhraseB, 0).to_checksum()), std::string::npos)
      << deployed.error().message();
}

TEST_F(DeployAnvil, TheBinaryPrintsOneJsonObject) {
  const auto write_phrase = [&](const std::string& name, const char* phrase) {
    auto path = dir_.write(name, std::string(phrase) + "\n");
    ::chmod(path.c_str(), 0600);
    return path.string();
  };
  const auto a = write_phrase("a.txt", kPhraseA);
  const auto b = write_phrase("b.txt", kPhraseB);
  // No --artifacts: the binary finds contracts/out of the checkout it was built in.
  auto p = run_process({WAVS_EXE, "--log-level", "warn", "deploy", "--rpc-url", anvil_->http_url(),
                        "--quorum", "1/2", "--operator", "mnemonic-file=" + a + ",weight=2", "--operator",
                        "mnemonic-file=" + b + ",signing-index=3", "--service-uri", "ipfs://bafy-svc"},
                       {{"WAVS_CLI_EVM_CREDENTIAL", kAnvilMnemonic}}, std::chrono::seconds(120));
  ASSERT_EQ(p.code, kExitOk) << "stdout: " << p.out << "\nstderr: " << p.err;
  for (const std::string* s : {&p.out, &p.err}) {
    EXPECT_EQ(s->find("junk"), std::string::npos) << *s;
    EXPECT_EQ(s->find("abandon"), std::string::npos) << *s;
  }
  auto doc = json::parse(p.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << p.out;
  EXPECT_EQ(p.out.find('\n'), p.out.size() - 1) << "one line";
  EXPECT_EQ(doc.value("rpc_url", ""), anvil_->http_url());
  EXPECT_EQ(doc.value("chain_id", 0), 31337);
  EXPECT_EQ(doc.value("owner", ""), address_at(kAnvilMnemonic, 0).to_checksum());
  EXPECT_EQ(doc["quorum"], json({{"numerator", "1"}, {"denominator", "2"}}));
  EXPECT_EQ(doc.value("service_uri", ""), "ipfs://bafy-svc");
  ASSERT_TRUE(doc["operators"].is_array() && doc["operators"].size() == 2) << p.out;
  EXPECT_EQ(doc["operators"][0], json({{"address", address_at(kPhraseA, 0).to_checksum()},
                                       {"signing_key", address_at(kPhraseA, 1).to_checksum()},
                                       {"signing_index", 1},
                                       {"weight", "2"}}));
  EXPECT_EQ(doc["operators"][1]["signing_key"], address_at(kPhraseB, 3).to_checksum());

  auto manager_address = chain::Address::from_checksum(doc.value("service_manager", ""));
  ASSERT_TRUE(manager_address) << p.out;
  contracts::ServiceManager manager(*rpc_, *manager_address);
  expect_operator(manager, kPhraseA, 2, 1);
  expect_operator(manager, kPhraseB, 1, 3);
  auto quorum = manager.get_quorum();
  ASSERT_TRUE(quorum);
  EXPECT_EQ(*quorum, (contracts::Quorum{1, 2}));
  auto uri = manager.get_service_uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(*uri, "ipfs://bafy-svc");
  auto submit_address = chain::Address::from_checksum(doc.value("submit", ""));
  ASSERT_TRUE(submit_address) << p.out;
  contracts::SimpleSubmit submit(*rpc_, *submit_address);
  auto submit_manager = submit.get_service_manager();
  ASSERT_TRUE(submit_manager) << submit_manager.error().message();
  EXPECT_EQ(*submit_manager, *manager_address);
  auto trigger_address = chain::Address::from_checksum(doc.value("trigger", ""));
  ASSERT_TRUE(trigger_address) << p.out;
  auto code = rpc_->get_code(*trigger_address);
  ASSERT_TRUE(code);
  EXPECT_FALSE(code->empty());
}

}  // namespace
}  // namespace wavs::cli
