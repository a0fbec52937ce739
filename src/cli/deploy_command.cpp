#include "cli/deploy_command.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <functional>
#include <ostream>
#include <set>
#include <sstream>
#include <utility>

#include "chain/json.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "cli/app.hpp"
#include "cli/options.hpp"
#include "common/json_text.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/service_handler.hpp"
#include "crypto/hd.hpp"
#include "node/config.hpp"
#include "node/signer.hpp"

WAVS_ERROR_TABLE(wavs::cli, DeployErrc, "deploy", "bad deployment input", "contract artifacts",
                 "service manager")

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using eth::U256;

// The manager packs both quorum parts into 104 bits each, and weights into 208 bits.
U256 quorum_part_limit() { return U256(1) << 104; }
U256 weight_limit() { return U256(1) << 208; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

Error bad_plan(std::string detail) { return Error(DeployErrc::kBadPlan, std::move(detail)); }

// An operator's keys, derived before anything is sent so a bad phrase costs no gas.
struct OperatorKeys {
  const OperatorPlan* plan;
  crypto::PrivateKey operator_key;
  crypto::PrivateKey signing_key;
};

Result<std::vector<OperatorKeys>> derive_operators(const std::vector<OperatorPlan>& operators) {
  std::vector<OperatorKeys> out;
  std::set<chain::Address> operator_addresses;
  std::set<chain::Address> signing_keys;
  for (const auto& op : operators) {
    const std::string who = op.source.empty() ? std::string("an operator") : op.source;
    if (op.signing_index == 0 || op.signing_index > node::Signer::kMaxIndex) {
      return bad_plan(who + ": signing-index must be from 1 to " + std::to_string(node::Signer::kMaxIndex) +
                      " (0 is the operator's own key), got " + std::to_string(op.signing_index));
    }
    if (op.weight == 0 || op.weight >= weight_limit()) {
      return bad_plan(who + ": weight must be from 1 to 2^208 - 1, got " + eth::to_decimal(op.weight));
    }
    auto mnemonic = crypto::Mnemonic::parse(op.mnemonic.reveal());
    if (!mnemonic) return bad_plan(who + ": not a BIP-39 mnemonic: " + mnemonic.error().message());
    auto operator_key = crypto::derive_eth_key(*mnemonic, 0);
    if (!operator_key) return bad_plan(who + ": " + operator_key.error().message());
    auto signing_key = crypto::derive_eth_key(*mnemonic, op.signing_index);
    if (!signing_key) return bad_plan(who + ": " + signing_key.error().message());
    if (!operator_addresses.insert(operator_key->address()).second) {
      return bad_plan(who + ": operator " + operator_key->address().to_checksum() + " is listed twice");
    }
    if (!signing_keys.insert(signing_key->address()).second) {
      return bad_plan(who + ": signing key " + signing_key->address().to_checksum() + " is listed twice");
    }
    out.push_back({&op, *operator_key, *signing_key});
  }
  return out;
}

struct Artifacts {
  std::optional<contracts::Artifact> manager;
  std::optional<contracts::Artifact> submit;
  std::optional<contracts::Artifact> trigger;
};

Result<Artifacts> load_artifacts(const DeployPlan& plan) {
  Artifacts out;
  if (plan.existing_manager) return out;
  if (plan.artifacts_dir.empty()) {
    return Error(DeployErrc::kArtifacts, "no artifacts directory given (--artifacts DIR, forge's out/)");
  }
  std::error_code ec;
  if (!fs::is_directory(plan.artifacts_dir, ec)) {
    return Error(DeployErrc::kArtifacts, plan.artifacts_dir.string() +
                                             " is not a directory: build the contracts with `bash "
                                             "scripts/test-contracts --build-only` or pass --artifacts DIR");
  }
  auto load = [&](std::string_view contract, std::optional<contracts::Artifact>& slot) -> Status {
    auto art = contracts::load_artifact(plan.artifacts_dir, contract);
    if (!art) return Error(DeployErrc::kArtifacts, art.error().message());
    slot = std::move(*art);
    return {};
  };
  if (auto st = load("WavsServiceManager", out.manager); !st) return st.error();
  if (plan.examples) {
    if (auto st = load("SimpleSubmit", out.submit); !st) return st.error();
    if (auto st = load("SimpleTrigger", out.trigger); !st) return st.error();
  }
  return out;
}

Result<U256> balance_of(chain::RpcClient& rpc, const chain::Address& account) {
  auto got = rpc.request("eth_getBalance", chain::Json::array({account.hex(), "latest"}));
  if (!got) return got.error().with_context("balance of " + account.to_checksum());
  if (!got->is_string()) {
    return Error(chain::ChainErrc::kBadResponse,
                 "eth_getBalance of " + account.to_checksum() + ": not a quantity");
  }
  auto value = eth::parse_u256(got->get<std::string>());
  if (!value) {
    return Error(chain::ChainErrc::kBadResponse,
                 "eth_getBalance of " + account.to_checksum() + ": " + value.error().message());
  }
  return value;
}

// One operator, brought to its planned weight and signing key; sends only what differs.
Status set_up_operator(const DeployPlan& plan, chain::RpcClient& rpc, chain::TxSender& owner,
                       const chain::TxSenderConfig& sender_config, contracts::ServiceManager& manager,
                       const std::function<Status()>& require_owner, const OperatorKeys& op) {
  const chain::Address& address = op.operator_key.address();
  const chain::Address& signing = op.signing_key.address();
  const std::string who = "operator " + address.to_checksum() + " (" + op.plan->source + ")";

  auto registered = manager.is_operator(address);
  if (!registered) return registered.error().with_context(who);
  if (!*registered) {
    if (auto st = require_owner(); !st) return st;
    auto sent = manager.register_operator(owner, address, op.plan->weight);
    if (!sent) return sent.error().with_context(who);
    spdlog::info("wavs deploy: registered {} with weight {}", address.to_checksum(),
                 eth::to_decimal(op.plan->weight));
  } else {
    auto weight = manager.get_operator_weight(address);
    if (!weight) return weight.error().with_context(who);
    if (*weight != op.plan->weight) {
      if (auto st = require_owner(); !st) return st;
      auto sent = manager.update_operator_weight(owner, address, op.plan->weight);
      if (!sent) return sent.error().with_context(who);
      spdlog::info("wavs deploy: {} weight {} -> {}", address.to_checksum(), eth::to_decimal(*weight),
                   eth::to_decimal(op.plan->weight));
    }
  }

  auto bound = manager.get_latest_signing_key_for_operator(address);
  if (!bound) return bound.error().with_context(who);
  if (*bound == signing) return {};

  // updateOperatorSigningKey must come from the operator's own account, which pays for it.
  if (plan.fund_operators && address != owner.address()) {
    auto balance = balance_of(rpc, address);
    if (!balance) return balance.error().with_context(who);
    if (*balance < plan.fund_below) {
      chain::TxRequest fund;
      fund.to = address;
      fund.value = plan.fund_amount;
      auto sent = owner.send(fund);
      if (!sent) return sent.error().with_context(who + ": funding from the deployer");
      spdlog::info("wavs deploy: sent {} wei to {}", eth::to_decimal(plan.fund_amount),
                   address.to_checksum());
    }
  }
  const auto proof = contracts::service_manager::signing_key_binding_proof(op.signing_key, address);
  std::optional<chain::TxSender> own;
  chain::TxSender* sender = &owner;
  if (address != owner.address()) sender = &own.emplace(rpc, op.operator_key, sender_config);
  auto sent = manager.update_operator_signing_key(*sender, signing, proof);
  if (!sent) return sent.error().with_context(who + ": binding signing key " + signing.to_checksum());
  spdlog::info("wavs deploy: {} signs with {} (index {})", address.to_checksum(), signing.to_checksum(),
               op.plan->signing_index);
  return {};
}

std::string optional_address(const std::optional<chain::Address>& a) {
  return a ? json_quote(a->to_checksum()) : std::string("null");
}

}  // namespace

Result<contracts::Quorum> parse_quorum(std::string_view text) {
  const auto why = [&](std::string_view problem) {
    return bad_plan("--quorum expects N/D with 0 < N <= D < 2^104 (e.g. 2/3): " + std::string(problem) +
                    ", got '" + std::string(text) + "'");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return why("no '/'");
  const auto n_text = text.substr(0, slash);
  const auto d_text = text.substr(slash + 1);
  if (!all_digits(n_text) || !all_digits(d_text)) return why("N and D must be decimal integers");
  auto n = eth::parse_u256(n_text);
  auto d = eth::parse_u256(d_text);
  if (!n || !d || *n >= quorum_part_limit() || *d >= quorum_part_limit()) return why("too large");
  if (*n == 0) return why("N is zero");
  if (*n > *d) return why("N is greater than D");
  return contracts::Quorum{*n, *d};
}

Result<OperatorSpec> parse_operator_spec(std::string_view text) {
  const std::string given = "--operator '" + std::string(text) + "'";
  OperatorSpec spec;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    auto kv = split_key_value(item, "--operator");
    if (!kv) return bad_plan(given + ": each part must be KEY=VALUE, got '" + std::string(item) + "'");
    auto& [key, value] = *kv;
    if (!seen.insert(key).second) return bad_plan(given + ": " + key + " is given twice");
    if (key == "mnemonic-file") {
      if (value.empty()) return bad_plan(given + ": mnemonic-file is empty");
      spec.mnemonic_file = value;
    } else if (key == "weight") {
      auto weight = all_digits(value) ? eth::parse_u256(value) : Result<U256>(bad_plan(""));
      if (!weight || *weight == 0 || *weight >= weight_limit()) {
        return bad_plan(given + ": weight must be a decimal integer from 1 to 2^208 - 1, got '" + value +
                        "'");
      }
      spec.weight = *weight;
    } else if (key == "signing-index") {
      auto index =
          all_digits(value) && value.size() <= 10 ? eth::parse_u256(value) : Result<U256>(bad_plan(""));
      if (!index || *index == 0 || *index > node::Signer::kMaxIndex) {
        return bad_plan(given + ": signing-index must be from 1 to " +
                        std::to_string(node::Signer::kMaxIndex) + " (0 is the operator's own key), got '" +
                        value + "'");
      }
      spec.signing_index = static_cast<std::uint32_t>(*index);
    } else {
      return bad_plan(given + ": unknown key '" + key + "' (expected mnemonic-file, weight, signing-index)");
    }
  }
  if (spec.mnemonic_file.empty()) {
    return bad_plan(given +
                    ": mnemonic-file=PATH is required (mnemonic-file=PATH[,weight=W][,signing-index=I])");
  }
  return spec;
}

Result<crypto::PrivateKey> parse_evm_credential(const Secret& credential) {
  auto key = crypto::key_from_credential(credential);
  if (!key) return bad_plan("evm_credential: " + key.error().detail());
  return key;
}

std::optional<fs::path> find_artifacts_dir() {
  auto checkout = find_checkout();
  if (!checkout) return std::nullopt;
  return *checkout / "contracts" / "out";
}

std::optional<fs::path> find_checkout() {
  std::error_code ec;
  std::vector<fs::path> starts;
  if (auto cwd = fs::current_path(ec); !ec) starts.push_back(cwd);
  if (auto exe = fs::read_symlink("/proc/self/exe", ec); !ec) starts.push_back(exe.parent_path());
  for (const auto& start : starts) {
    for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / "contracts" / "foundry.toml", ec)) return dir;
      if (dir == dir.parent_path()) break;
    }
  }
  return std::nullopt;
}

Result<DeployResult> deploy_contracts(const DeployPlan& plan) {
  // Everything that needs no chain is checked first, so a typo costs no transaction.
  if (!plan.rpc_url.starts_with("http://") && !plan.rpc_url.starts_with("https://")) {
    return bad_plan("--rpc-url must be an http:// or https:// URL, got '" + plan.rpc_url + "'");
  }
  if (plan.deployer_credential.empty()) {
    return bad_plan(
        "no deployer key: set evm_credential (a 0x private key or a mnemonic) in the [cli] table of "
        "wavs.toml or WAVS_CLI_EVM_CREDENTIAL");
  }
  auto deployer = parse_evm_credential(plan.deployer_credential);
  if (!deployer) return deployer.error();
  if (plan.quorum) {
    const auto& q = *plan.quorum;
    if (q.numerator == 0 || q.numerator > q.denominator || q.denominator >= quorum_part_limit()) {
      return bad_plan("quorum " + eth::to_decimal(q.numerator) + "/" + eth::to_decimal(q.denominator) +
                      ": needs 0 < N <= D < 2^104");
    }
  }
  auto operators = derive_operators(plan.operators);
  if (!operators) return operators.error();
  auto artifacts = load_artifacts(plan);
  if (!artifacts) return artifacts.error();

  chain::RpcConfig rpc_config;
  rpc_config.http_endpoints = {plan.rpc_url};
  rpc_config.cancel = plan.cancel;
  chain::RpcClient rpc(rpc_config);
  auto chain_id = rpc.chain_id();
  if (!chain_id) return chain_id.error().with_context("cannot reach the chain at " + plan.rpc_url);

  chain::TxSenderConfig sender_config;
  sender_config.chain_id = *chain_id;
  sender_config.known_errors = contracts::abi_errors();
  sender_config.receipt_timeout = plan.receipt_timeout;
  sender_config.poll_interval = plan.poll_interval;
  sender_config.cancel = plan.cancel;
  chain::TxSender owner(rpc, *deployer, sender_config);

  DeployResult result;
  result.rpc_url = plan.rpc_url;
  result.chain_id = *chain_id;
  result.owner = deployer->address();
  spdlog::info("wavs deploy: chain {} at {}, deployer {}", *chain_id, plan.rpc_url,
               result.owner.to_checksum());

  // Owner-only changes to an existing manager need the deployer to be its owner; asked
  // once, when the first such change is due.
  std::optional<chain::Address> manager_owner;
  std::function<Status()> require_owner = [] { return Status{}; };

  if (plan.existing_manager) {
    const chain::Address& at = *plan.existing_manager;
    auto code = rpc.get_code(at);
    if (!code) return code.error().with_context("--existing-manager " + at.to_checksum());
    if (code->empty()) {
      return Error(DeployErrc::kBadManager, "--existing-manager " + at.to_checksum() +
                                                ": no contract on chain " + std::to_string(*chain_id));
    }
    result.service_manager = at;
  } else {
    auto manager = contracts::deploy(owner, *artifacts->manager,
                                     contracts::service_manager::encode_constructor(
                                         result.owner, plan.quorum.value_or(contracts::Quorum{2, 3})));
    if (!manager) return manager.error();
    result.service_manager = *manager;
    spdlog::info("wavs deploy: WavsServiceManager at {}", manager->to_checksum());
  }
  contracts::ServiceManager manager(rpc, result.service_manager);
  if (plan.existing_manager) {
    require_owner = [&]() -> Status {
      if (!manager_owner) {
        auto got = manager.owner();
        if (!got) return got.error();
        manager_owner = *got;
      }
      if (*manager_owner != result.owner) {
        return Error(DeployErrc::kBadManager, "--existing-manager " + result.service_manager.to_checksum() +
                                                  " is owned by " + manager_owner->to_checksum() +
                                                  ", not by the deployer " + result.owner.to_checksum() +
                                                  " (evm_credential)");
      }
      return {};
    };
    if (plan.quorum) {
      auto current = manager.get_quorum();
      if (!current) return current.error();
      if (*current != *plan.quorum) {
        if (auto st = require_owner(); !st) return st.error();
        auto sent = manager.update_quorum(owner, *plan.quorum);
        if (!sent) return sent.error();
        spdlog::info("wavs deploy: quorum {}/{}", eth::to_decimal(plan.quorum->numerator),
                     eth::to_decimal(plan.quorum->denominator));
      }
    }
  }

  if (artifacts->submit) {
    auto submit = contracts::deploy(owner, *artifacts->submit,
                                    contracts::simple_submit::encode_constructor(result.service_manager));
    if (!submit) return submit.error();
    result.submit = *submit;
    auto trigger = contracts::deploy(owner, *artifacts->trigger);
    if (!trigger) return trigger.error();
    result.trigger = *trigger;
    spdlog::info("wavs deploy: SimpleSubmit at {}, SimpleTrigger at {}", submit->to_checksum(),
                 trigger->to_checksum());
  }

  if (plan.service_uri) {
    auto current = manager.get_service_uri();
    if (!current) return current.error();
    if (*current != *plan.service_uri) {
      if (auto st = require_owner(); !st) return st.error();
      auto sent = manager.set_service_uri(owner, *plan.service_uri);
      if (!sent) return sent.error();
      spdlog::info("wavs deploy: service URI {}", *plan.service_uri);
    }
  }

  for (const auto& op : *operators) {
    if (auto st = set_up_operator(plan, rpc, owner, sender_config, manager, require_owner, op); !st) {
      return st.error();
    }
  }

  // What is reported is what the chain now says, not what was asked for.
  auto quorum = manager.get_quorum();
  if (!quorum) return quorum.error();
  result.quorum = *quorum;
  auto uri = manager.get_service_uri();
  if (!uri) return uri.error();
  result.service_uri = *uri;
  for (const auto& op : *operators) {
    const chain::Address& address = op.operator_key.address();
    auto weight = manager.get_operator_weight(address);
    if (!weight) return weight.error();
    auto signing = manager.get_latest_signing_key_for_operator(address);
    if (!signing) return signing.error();
    result.operators.push_back({address, *signing, op.plan->signing_index, *weight});
  }
  return result;
}

std::string to_json(const DeployResult& r) {
  std::ostringstream out;
  out << "{\"rpc_url\":" << json_quote(r.rpc_url) << ",\"chain_id\":" << r.chain_id
      << ",\"owner\":" << json_quote(r.owner.to_checksum())
      << ",\"service_manager\":" << json_quote(r.service_manager.to_checksum())
      << ",\"submit\":" << optional_address(r.submit) << ",\"trigger\":" << optional_address(r.trigger)
      << ",\"quorum\":{\"numerator\":" << json_quote(eth::to_decimal(r.quorum.numerator))
      << ",\"denominator\":" << json_quote(eth::to_decimal(r.quorum.denominator)) << "},\"operators\":[";
  for (std::size_t i = 0; i < r.operators.size(); ++i) {
    const auto& op = r.operators[i];
    out << (i ? "," : "") << "{\"address\":" << json_quote(op.address.to_checksum())
        << ",\"signing_key\":" << json_quote(op.signing_key.to_checksum())
        << ",\"signing_index\":" << op.signing_index
        << ",\"weight\":" << json_quote(eth::to_decimal(op.weight)) << "}";
  }
  out << "]";
  if (!r.service_uri.empty()) out << ",\"service_uri\":" << json_quote(r.service_uri);
  out << "}";
  return out.str();
}

void add_deploy_options(CLI::App& cmd, DeployCommand& o) {
  cmd.add_option("--rpc-url", o.rpc_url, "the chain's JSON-RPC endpoint (default http://127.0.0.1:8545)");
  cmd.add_option("--artifacts", o.artifacts,
                 "forge's out/ directory (default: contracts/out of the checkout around the working "
                 "directory or the binary)");
  cmd.add_option("--quorum", o.quorum, "share of the total weight that must sign, N/D (default 2/3)");
  cmd.add_option("--operator", o.operators,
                 "register an operator: mnemonic-file=PATH[,weight=W][,signing-index=I] (repeatable; "
                 "weight 1 and signing index 1 by default)")
      ->allow_extra_args(false);
  cmd.add_option("--service-uri", o.service_uri, "set the manager's service URI");
  cmd.add_option("--existing-manager", o.existing_manager,
                 "deploy nothing: register operators, set the URI and quorum on this manager");
  cmd.add_flag("--no-examples", o.no_examples, "do not deploy SimpleSubmit and SimpleTrigger");
  cmd.add_flag("--no-fund", o.no_fund, "do not send operators gas money (1 ether when below 0.1)");
  cmd.footer(
      "The deployer (the manager's owner) is evm_credential of the [cli] role: wavs.toml [cli] or\n"
      "WAVS_CLI_EVM_CREDENTIAL, a 0x private key or a mnemonic (index 0); never a flag. Each\n"
      "operator's key is index 0 of its mnemonic and its signing key index I (a node's first\n"
      "service signs with index 1). Prints one JSON object (docs/operations.md).\n"
      "Exit code: 0 done, 1 a chain step failed, 2 bad flags, settings, files or artifacts.");
}

int run_deploy(const DeployCommand& o, std::ostream& out, std::ostream& err) {
  const auto usage = [&](const std::string& what) {
    err << "wavs deploy: " << what << "\n";
    return kExitUsage;
  };
  DeployPlan plan;
  plan.rpc_url = o.rpc_url;
  plan.deployer_credential = o.config_credential;
  if (o.quorum) {
    auto q = parse_quorum(*o.quorum);
    if (!q) return usage(q.error().detail());
    plan.quorum = *q;
  }
  for (const auto& text : o.operators) {
    auto spec = parse_operator_spec(text);
    if (!spec) return usage(spec.error().detail());
    auto read = node::read_mnemonic_file(spec->mnemonic_file);
    if (!read) return usage("--operator: " + read.error().detail());
    if (read->world_readable) {
      err << "wavs deploy: warning: " << spec->mnemonic_file
          << " is readable by other users (chmod 600 it)\n";
    }
    plan.operators.push_back({std::move(read->mnemonic), "mnemonic-file=" + spec->mnemonic_file, spec->weight,
                              spec->signing_index});
  }
  plan.service_uri = o.service_uri;
  if (o.existing_manager) {
    auto address = crypto::Address::from_hex(*o.existing_manager);
    if (!address)
      return usage("--existing-manager '" + *o.existing_manager + "': " + address.error().message());
    plan.existing_manager = *address;
  }
  plan.examples = !o.no_examples;
  plan.fund_operators = !o.no_fund;
  if (!o.artifacts.empty()) {
    plan.artifacts_dir = o.artifacts;
  } else if (auto found = find_artifacts_dir()) {
    plan.artifacts_dir = *found;
  } else if (!plan.existing_manager) {
    return usage(
        "contract artifacts: no checkout (contracts/foundry.toml) above the working directory or the wavs "
        "binary; pass --artifacts DIR (forge's out/, built by `bash scripts/test-contracts --build-only`)");
  }

  auto deployed = deploy_contracts(plan);
  if (!deployed) {
    err << "wavs deploy: " << deployed.error().message() << "\n";
    return deployed.error().code().category() == DeployErrc_category() ? kExitUsage : kExitFailure;
  }
  out << to_json(*deployed) << "\n";
  return kExitOk;
}

}  // namespace wavs::cli
