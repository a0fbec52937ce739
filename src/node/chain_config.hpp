#pragma once
// The node's view of its chains: the `[default.chains.evm.<id>]` tables (SharedSettings::
// chains_json) read into what a trigger source needs to follow a chain — its RPC and
// WebSocket endpoints, TLS roots, confirmations and poll interval — and turned into the
// configs of chain::RpcClient / chain::Subscriber / chain::LogStream.
//
//   auto chains = node::parse_chain_endpoints(settings.shared.chains_json);
//   if (!chains) return chains.error();        // "chains.evm.31337.confirmations: ..."
//   for (const auto& c : *chains) {
//     chain::LogStream stream(node::rpc_config(c, cancel), node::subscriber_config(c), ..., handler);
//   }
//
// The table, per chain (every key optional except an HTTP endpoint):
//   http_endpoint = "http://127.0.0.1:8545"        # and/or
//   http_endpoints = ["https://a.example", ...]     # in order of preference, after http_endpoint
//   ws_endpoints = ["wss://a.example/ws"]           # or ws_endpoint = "..."; heads and log signals
//   ca_file = "/etc/wavs/ca.pem"                    # extra TLS roots for wss:// (see below)
//   confirmations = 2                               # 0..1000: deliver a block once the head is past it
//   poll_interval_ms = 1000                         # 50..60000: without a live WebSocket
//
// Only the `evm` namespace is read: the node has no trigger source for other namespaces,
// whose tables are left to their own readers (component::Chains takes any namespace).
// Unknown keys are an error rather than ignored, because a misspelt "confirmations" would
// otherwise silently run with none. Every error names the key ("chains.evm.31337.ws_endpoints[1]")
// and never shows an endpoint's userinfo, path or query (endpoint URLs carry API keys):
// URLs in errors go through chain::redact_url.
//
// ca_file: chain::SubscriberConfig takes a PEM bundle for wss://; chain::RpcConfig has no
// such option, so https:// RPC verifies against the system trust store only. The file
// must exist when the table is read, so a typo is reported at start-up, not at the first
// reconnect.
//
// Contract: pure functions (parse_chain_endpoints reads only whether ca_file exists); no
// threads, no blocking.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "chain/rpc_client.hpp"
#include "chain/subscriber.hpp"
#include "common/error.hpp"
#include "service/manifest.hpp"

namespace wavs::node {

struct ChainEndpoints {
  service::ChainKey key;                          // "evm:31337"
  std::vector<std::string> http_endpoints;        // "http_endpoint" and/or "http_endpoints"
  std::vector<std::string> ws_endpoints;          // "ws_endpoints" (also "ws_endpoint")
  std::string ca_file;                            // "ca_file", optional (TLS roots for wss://)
  std::uint64_t confirmations = 0;                // "confirmations" (0..1000)
  std::chrono::milliseconds poll_interval{1000};  // "poll_interval_ms" (50..60000)
  bool operator==(const ChainEndpoints&) const = default;
};

inline constexpr std::uint64_t kMaxConfirmations = 1000;
inline constexpr std::int64_t kMinPollIntervalMs = 50;
inline constexpr std::int64_t kMaxPollIntervalMs = 60'000;

// The `chains` table as JSON ({"evm": {"31337": {...}}}) → its evm chains, ordered by key.
// "" → empty list. Errors are ConfigErrc: kWrongType (a value of the wrong JSON type),
// kBadValue (out of range, not a URL of the right scheme, no HTTP endpoint, a missing
// ca_file, a chain id that is not decimal), kUnknownKey (naming the key).
[[nodiscard]] Result<std::vector<ChainEndpoints>> parse_chain_endpoints(std::string_view chains_json);

// The RpcClient config of `chain`: its HTTP endpoints, ending with kStopped on `cancel`.
[[nodiscard]] chain::RpcConfig rpc_config(const ChainEndpoints& chain, std::stop_token cancel = {});
// The Subscriber config of `chain` (endpoints, ca_file); nullopt without ws endpoints,
// which makes a LogStream poll every poll_interval instead.
[[nodiscard]] std::optional<chain::SubscriberConfig> subscriber_config(const ChainEndpoints& chain);

}  // namespace wavs::node
