#include "component/chains.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "chain/error.hpp"
#include "chain/http.hpp"
#include "chain/rpc_client.hpp"
#include "common/json_text.hpp"
#include "service/manifest.hpp"

namespace wavs::component {
namespace {

using Json = nlohmann::json;

// Read-only methods only: a component must never be able to send a transaction or
// touch the node's accounts through the operator's endpoint.
constexpr std::array<std::string_view, 18> kAllowedMethods = {
    "eth_call",           "eth_chainId",          "eth_blockNumber",
    "eth_getBalance",     "eth_getCode",          "eth_getStorageAt",
    "eth_getTransactionCount", "eth_getBlockByNumber", "eth_getBlockByHash",
    "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getLogs",
    "eth_estimateGas",    "eth_gasPrice",         "eth_maxPriorityFeePerGas",
    "eth_feeHistory",     "eth_getProof",         "net_version"};

// Maps a chain-module failure onto the ABI's codes; the detail never holds the endpoint
// URL (RpcClient already cuts it to scheme://host:port, and components do not even get that).
Error map_chain_error(const Error& e, std::string_view key, std::string_view method) {
  const std::string where = std::string(method) + " on " + std::string(key);
  if (e.is(chain::ChainErrc::kRpc) || e.is(chain::ChainErrc::kReverted)) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    if (auto info = chain::rpc_error_info(e)) {
      obj["code"] = info->code;
      obj["message"] = info->message;
      if (info->data) obj["data"] = to_hex(*info->data, HexPrefix::kWith);
    } else {
      obj["code"] = 0;
      obj["message"] = e.detail();
    }
    return Error(ComponentErrc::kRpc, obj.dump());
  }
  if (e.is(chain::ChainErrc::kTimeout)) return Error(ComponentErrc::kTimeout, where + ": timed out");
  if (e.is(chain::ChainErrc::kStopped)) {
    return Error(ComponentErrc::kUnavailable, where + ": cancelled (the node is stopping or the run was cancelled)");
  }
  return Error(ComponentErrc::kNetwork, where + ": " + e.message());
}

}  // namespace

struct Chains::Entry {
  service::ChainKey key;
  std::unique_ptr<chain::RpcClient> client;
};

bool rpc_method_allowed(std::string_view method) {
  return std::find(kAllowedMethods.begin(), kAllowedMethods.end(), method) != kAllowedMethods.end();
}

Chains::Chains() = default;
Chains::~Chains() = default;
Chains::Chains(Chains&&) noexcept = default;
Chains& Chains::operator=(Chains&&) noexcept = default;

Status Chains::add(std::string_view key, std::vector<std::string> http_endpoints) {
  auto parsed = service::parse_chain_key(key);
  if (!parsed) return Error(ComponentErrc::kBadContext, "chain key " + parsed.error().detail());
  return add(*parsed, std::move(http_endpoints));
}

Status Chains::add(const service::ChainKey& chain_key, std::vector<std::string> http_endpoints) {
  const std::string key = chain_key.str();
  if (http_endpoints.empty()) {
    return Error(ComponentErrc::kBadContext, "chain " + key + ": no HTTP endpoint");
  }
  for (const auto& url : http_endpoints) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return Error(ComponentErrc::kBadContext,
                   "chain " + key + ": endpoint " + chain::redact_url(url) + " is not http(s)");
    }
  }
  chain::RpcConfig config;
  config.http_endpoints = std::move(http_endpoints);
  auto entry = std::make_unique<Entry>();
  entry->key = chain_key;
  entry->client = std::make_unique<chain::RpcClient>(std::move(config));
  clients_[key] = std::move(entry);
  return {};
}

Result<Chains> Chains::from_config_json(std::string_view text) {
  Chains chains;
  if (text.empty()) return chains;
  Json root = Json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Error(ComponentErrc::kBadContext, "chains: expected a table of namespaces");
  }
  for (const auto& [ns, ids] : root.items()) {
    if (!ids.is_object()) return Error(ComponentErrc::kBadContext, "chains." + ns + ": expected a table of chain ids");
    for (const auto& [id, entry] : ids.items()) {
      const std::string where = "chains." + ns + "." + id;
      if (!entry.is_object()) return Error(ComponentErrc::kBadContext, where + ": expected a table");
      std::vector<std::string> urls;
      if (auto it = entry.find("http_endpoint"); it != entry.end()) {
        if (!it->is_string()) return Error(ComponentErrc::kBadContext, where + ".http_endpoint: expected a string");
        urls.push_back(it->get<std::string>());
      }
      if (auto it = entry.find("http_endpoints"); it != entry.end()) {
        if (!it->is_array()) return Error(ComponentErrc::kBadContext, where + ".http_endpoints: expected a list");
        for (const auto& u : *it) {
          if (!u.is_string()) return Error(ComponentErrc::kBadContext, where + ".http_endpoints: expected strings");
          urls.push_back(u.get<std::string>());
        }
      }
      if (urls.empty()) continue;  // a WebSocket-only chain: nothing for chain_rpc
      if (auto added = chains.add(ns + ":" + id, std::move(urls)); !added) {
        return added.error().with_context(where);
      }
    }
  }
  return chains;
}

std::optional<service::ChainKey> Chains::find(std::string_view key) const {
  auto it = clients_.find(key);
  if (it == clients_.end()) return std::nullopt;
  return it->second->key;
}

Result<std::string> Chains::config_json(std::string_view key) const {
  auto it = clients_.find(key);
  if (it == clients_.end()) return Error(ComponentErrc::kNotFound, "no chain " + std::string(key) + " on this node");
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  const service::ChainKey& chain_key = it->second->key;
  out["chain"] = chain_key.str();
  out["namespace"] = chain_key.name_space;
  out["chain_id"] = chain_key.id;
  return out.dump();
}

Result<std::string> Chains::rpc(std::string_view key, std::string_view method, std::string_view params_json,
                                std::chrono::steady_clock::time_point deadline, std::size_t max_result_bytes,
                                std::stop_token cancel) const {
  if (!rpc_method_allowed(method)) {
    return Error(ComponentErrc::kDenied, "method '" + std::string(method) + "' is not a read-only method chain_rpc allows");
  }
  if (json_too_deep(params_json, 64)) return Error(ComponentErrc::kInvalid, "params nest deeper than 64 levels");
  Json params = params_json.empty() ? Json::array() : Json::parse(params_json, nullptr, false);
  if (params.is_discarded()) return Error(ComponentErrc::kInvalid, "params are not valid JSON");
  if (!params.is_array()) return Error(ComponentErrc::kInvalid, "params must be a JSON array");
  auto it = clients_.find(key);
  if (it == clients_.end()) return Error(ComponentErrc::kNotFound, "no chain " + std::string(key) + " on this node");
  if (std::chrono::steady_clock::now() >= deadline) {
    return Error(ComponentErrc::kTimeout, std::string(method) + " on " + std::string(key) + ": no time left in the run");
  }
  auto result = it->second->client->request(method, std::move(params), deadline, std::move(cancel));
  if (!result) return map_chain_error(result.error(), key, method);
  std::string text = result->dump();
  if (text.size() > max_result_bytes) {
    return Error(ComponentErrc::kLimit, std::string(method) + " result of " + std::to_string(text.size()) +
                                            " bytes is over the cap of " + std::to_string(max_result_bytes));
  }
  return text;
}

}  // namespace wavs::component
