#pragma once
// `wavs deploy`: puts a service's contracts on a chain and sets them up, the steps of
// docs/contracts.md: WavsServiceManager(owner, quorum), the examples SimpleSubmit(manager)
// and SimpleTrigger(), then each operator registered with its weight and its signing key
// bound (the proof signed by the signing key, the transaction sent by the operator's own
// account, funded by the deployer when it has too little to pay for it), and the service
// URI. With an existing manager nothing is deployed and only what differs is sent, so a
// second run with the same plan sends nothing.
//
//   DeployPlan plan;
//   plan.rpc_url = anvil_url;
//   plan.deployer_credential = Secret(anvil_key_hex);      // or a mnemonic (index 0)
//   plan.artifacts_dir = "contracts/out";
//   plan.operators.push_back({Secret(phrase), "operator 1", 1, 1});
//   Result<DeployResult> deployed = deploy_contracts(plan);  // addresses, as read back
//
// deploy_contracts is the library half (a devnet calls it in-process); run_deploy is the
// subcommand: flags and the [cli] role's evm_credential to a plan, the result as JSON.
//
// Contract:
//   owns     one RpcClient and the TxSenders of the deployer and the operators, for the
//            duration of the call
//   threads  none of its own; the caller's thread does all the work
//   blocking every step waits for its answer or receipt, bounded by the RPC deadlines and
//            DeployPlan::receipt_timeout
//   cancels  DeployPlan::cancel: the pending call or receipt wait ends with kStopped; a
//            transaction already broadcast may still be mined

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "chain/types.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"
#include "contracts/service_manager.hpp"
#include "crypto/keys.hpp"
#include "eth/uint256.hpp"

// Failures of the plan itself, before or apart from the chain (the command exits 2 for
// them); failures on the chain keep the chain's and the contracts' codes (exit 1).
WAVS_ERROR_ENUM(wavs::cli, DeployErrc,
                kBadPlan,     // a flag or setting that cannot be used: quorum, weight, index, key
                kArtifacts,   // the forge artifacts are missing or unreadable
                kBadManager)  // --existing-manager is not a contract, or not the deployer's

namespace CLI {
class App;
}

namespace wavs::cli {

inline constexpr std::string_view kDefaultRpcUrl = "http://127.0.0.1:8545";

struct OperatorPlan {
  Secret mnemonic;     // the operator's BIP-39 phrase: its key is index 0
  std::string source;  // where the phrase came from, for messages ("mnemonic-file=ops/a.txt")
  eth::U256 weight{1};
  std::uint32_t signing_index = 1;  // the node's first registered service signs with index 1
};

struct DeployPlan {
  std::string rpc_url{kDefaultRpcUrl};
  Secret deployer_credential;               // 0x private key, or a mnemonic (index 0); becomes the owner
  std::filesystem::path artifacts_dir;      // forge's out/; read only when something is deployed
  std::optional<contracts::Quorum> quorum;  // unset: 2/3 for a new manager, an existing one's kept
  std::vector<OperatorPlan> operators;
  std::optional<std::string> service_uri;
  std::optional<chain::Address> existing_manager;  // set: deploy nothing, configure this one
  bool examples = true;                            // SimpleSubmit and SimpleTrigger
  bool fund_operators = true;
  eth::U256 fund_below{100'000'000'000'000'000ull};     // 0.1 ether: an operator with less is sent…
  eth::U256 fund_amount{1'000'000'000'000'000'000ull};  // …1 ether
  std::chrono::milliseconds receipt_timeout{120'000};
  std::chrono::milliseconds poll_interval{100};
  std::stop_token cancel;
};

struct DeployedOperator {
  chain::Address address;      // index 0 of its mnemonic
  chain::Address signing_key;  // index signing_index, bound to the operator
  std::uint32_t signing_index = 0;
  eth::U256 weight;
};

// What the chain holds once the plan ran, read back from it.
struct DeployResult {
  std::string rpc_url;
  std::uint64_t chain_id = 0;
  chain::Address owner;  // the deployer
  chain::Address service_manager;
  std::optional<chain::Address> submit;  // when the examples were deployed
  std::optional<chain::Address> trigger;
  contracts::Quorum quorum;
  std::vector<DeployedOperator> operators;
  std::string service_uri;  // empty when none is set
};

[[nodiscard]] Result<DeployResult> deploy_contracts(const DeployPlan& plan);

// One JSON object: {"rpc_url","chain_id","owner","service_manager","submit","trigger",
// "quorum":{"numerator","denominator"},"operators":[{"address","signing_key",
// "signing_index","weight"}],"service_uri"?}. Addresses EIP-55, uint256 values as decimal
// strings, submit/trigger null when not deployed, service_uri only when one is set.
[[nodiscard]] std::string to_json(const DeployResult& result);

// --- the flags' forms (kBadPlan naming the flag and what was given) ---

// "N/D" with 0 < N <= D < 2^104, as the manager accepts.
[[nodiscard]] Result<contracts::Quorum> parse_quorum(std::string_view text);

struct OperatorSpec {
  std::string mnemonic_file;
  eth::U256 weight{1};
  std::uint32_t signing_index = 1;
};
// "mnemonic-file=PATH[,weight=W][,signing-index=I]" (the path cannot hold a comma).
[[nodiscard]] Result<OperatorSpec> parse_operator_spec(std::string_view text);

// A 0x private key (64 hex digits) or a BIP-39 mnemonic (its index 0). Errors never
// carry the value.
[[nodiscard]] Result<crypto::PrivateKey> parse_evm_credential(const Secret& credential);

// The checkout this binary or the working directory is in: the first directory, from the
// working directory or the executable's upwards, that holds contracts/foundry.toml;
// nullopt when there is none.
[[nodiscard]] std::optional<std::filesystem::path> find_checkout();
// <checkout>/contracts/out; nullopt without a checkout.
[[nodiscard]] std::optional<std::filesystem::path> find_artifacts_dir();

// --- the subcommand ---

struct DeployCommand {
  std::string rpc_url{kDefaultRpcUrl};
  std::string artifacts;  // empty: find_artifacts_dir()
  std::optional<std::string> quorum;
  std::vector<std::string> operators;  // OperatorSpec texts
  std::optional<std::string> service_uri;
  std::optional<std::string> existing_manager;
  bool no_examples = false;
  bool no_fund = false;
  Secret config_credential;  // evm_credential of the [cli] role (set by app.cpp)
};

void add_deploy_options(CLI::App& deploy, DeployCommand& options);

// Prints the DeployResult's JSON on stdout, progress as log lines on stderr.
// Exit codes: 0 done, 1 a chain step failed (unreachable RPC, revert, timeout), 2 a bad
// flag or setting, an unreadable mnemonic file, missing artifacts, or an existing
// manager that is not the deployer's.
int run_deploy(const DeployCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
