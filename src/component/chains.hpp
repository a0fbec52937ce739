#pragma once
// The node's configured chains as components reach them: chain_config and chain_rpc.
// A component names a chain by key ("evm:31337", a service::ChainKey) and never learns
// its endpoint URLs (operators put API keys in them); only read-only JSON-RPC methods pass.
//
//   component::Chains chains;
//   chains.add("evm:31337", {"http://127.0.0.1:8545"});
//   auto result_json = chains.rpc("evm:31337", "eth_blockNumber", "[]", deadline);

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "component/error.hpp"
#include "service/manifest.hpp"

namespace wavs::chain {
class RpcClient;
}

namespace wavs::component {

// The methods chain_rpc forwards (docs/component-abi.md, "chain_rpc").
[[nodiscard]] bool rpc_method_allowed(std::string_view method);

// The default cap on one chain_rpc result's JSON text.
inline constexpr std::size_t kMaxRpcResultBytes = 4u << 20;

class Chains {
 public:
  Chains();
  ~Chains();
  Chains(Chains&&) noexcept;
  Chains& operator=(Chains&&) noexcept;

  // kBadContext for a bad key (by service::parse_chain_key), no endpoint, or an endpoint
  // that is not http(s).
  [[nodiscard]] Status add(std::string_view key, std::vector<std::string> http_endpoints);
  [[nodiscard]] Status add(const service::ChainKey& key, std::vector<std::string> http_endpoints);
  // The config file's `chains` table as JSON: {"evm": {"31337": {"http_endpoint": "…"}}}
  // (also "http_endpoints": [...]). Errors name the entry.
  [[nodiscard]] static Result<Chains> from_config_json(std::string_view json);

  [[nodiscard]] bool empty() const { return clients_.empty(); }
  [[nodiscard]] std::optional<service::ChainKey> find(std::string_view key) const;
  // chain_config's JSON: {"chain":"evm:31337","namespace":"evm","chain_id":"31337"}.
  [[nodiscard]] Result<std::string> config_json(std::string_view key) const;

  // One JSON-RPC call; returns the JSON text of "result". `params_json` must be a JSON
  // array (empty text = []). Errors: kNotFound (chain), kDenied (method), kInvalid
  // (params), kTimeout, kNetwork, kRpc (the error object as JSON text in the detail),
  // kLimit (result over max_result_bytes), kUnavailable (`cancel` was requested, or the
  // node's client is stopping).
  [[nodiscard]] Result<std::string> rpc(std::string_view key, std::string_view method, std::string_view params_json,
                                        std::chrono::steady_clock::time_point deadline,
                                        std::size_t max_result_bytes = kMaxRpcResultBytes,
                                        std::stop_token cancel = {}) const;

 private:
  struct Entry;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> clients_;
};

}  // namespace wavs::component
