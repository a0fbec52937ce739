#include "node/chain_config.hpp"

#include <array>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "chain/http.hpp"
#include "common/config.hpp"

namespace wavs::node {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 7> kKnownKeys = {"http_endpoint",   "http_endpoints", "ws_endpoint",
                                                        "ws_endpoints",    "ca_file",        "confirmations",
                                                        "poll_interval_ms"};

bool known_key(std::string_view key) {
  for (auto k : kKnownKeys) {
    if (k == key) return true;
  }
  return false;
}

std::string known_keys_list() {
  std::string out;
  for (auto k : kKnownKeys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Keys are echoed in errors; a key is operator-written text, but cap it so a pasted blob
// (or a key that is really a URL with a token) does not end up whole in a log.
std::string shown_key(std::string_view key) {
  if (key.size() <= 64) return std::string(key);
  return std::string(key.substr(0, 64)) + "...";
}

Status check_http_url(const std::string& where, const std::string& url) {
  const auto scheme_end = url.find("://");
  const bool http = starts_with(url, "http://") || starts_with(url, "https://");
  if (!http || scheme_end == std::string::npos || url.size() == scheme_end + 3) {
    return Error(ConfigErrc::kBadValue,
                 where + ": expected an http:// or https:// URL, got '" + chain::redact_url(url) + "'");
  }
  return {};
}

Status check_ws_url(const std::string& where, const std::string& url) {
  if (auto parsed = chain::parse_ws_url(url); !parsed) {
    return Error(ConfigErrc::kBadValue,
                 where + ": expected a ws:// or wss:// URL, got '" + chain::redact_url(url) + "'");
  }
  return {};
}

// One string, or a list of strings, appended to `out`.
Status read_urls(const Json& value, const std::string& where, bool list, std::vector<std::string>& out,
                 Status (*check)(const std::string&, const std::string&)) {
  if (!list) {
    if (!value.is_string()) return Error(ConfigErrc::kWrongType, where + ": expected a string");
    auto url = value.get<std::string>();
    if (auto ok = check(where, url); !ok) return ok;
    out.push_back(std::move(url));
    return {};
  }
  if (!value.is_array()) return Error(ConfigErrc::kWrongType, where + ": expected a list of strings");
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!value[i].is_string()) return Error(ConfigErrc::kWrongType, at + ": expected a string");
    auto url = value[i].get<std::string>();
    if (auto ok = check(at, url); !ok) return ok;
    out.push_back(std::move(url));
  }
  return {};
}

Result<std::int64_t> read_integer(const Json& value, const std::string& where, std::int64_t min,
                                  std::int64_t max) {
  if (!value.is_number_integer()) return Error(ConfigErrc::kWrongType, where + ": expected an integer");
  // An unsigned value above int64 max is out of range either way.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    return Error(ConfigErrc::kBadValue, where + ": must be from " + std::to_string(min) + " to " +
                                            std::to_string(max) + ", got " + value.dump());
  }
  const auto v = value.get<std::int64_t>();
  if (v < min || v > max) {
    return Error(ConfigErrc::kBadValue, where + ": must be from " + std::to_string(min) + " to " +
                                            std::to_string(max) + ", got " + std::to_string(v));
  }
  return v;
}

Result<ChainEndpoints> read_chain(const std::string& id, const Json& entry) {
  const std::string where = "chains.evm." + shown_key(id);
  auto key = service::parse_chain_key("evm:" + id);
  if (!key) return Error(ConfigErrc::kBadValue, where + ": not a chain id (" + key.error().detail() + ")");
  if (!entry.is_object()) return Error(ConfigErrc::kWrongType, where + ": expected a table");
  for (const auto& [k, v] : entry.items()) {
    if (!known_key(k)) {
      return Error(ConfigErrc::kUnknownKey,
                   where + "." + shown_key(k) + ": unknown key (known: " + known_keys_list() + ")");
    }
  }
  ChainEndpoints c;
  c.key = *key;
  if (auto it = entry.find("http_endpoint"); it != entry.end()) {
    if (auto ok = read_urls(*it, where + ".http_endpoint", false, c.http_endpoints, check_http_url); !ok)
      return ok.error();
  }
  if (auto it = entry.find("http_endpoints"); it != entry.end()) {
    if (auto ok = read_urls(*it, where + ".http_endpoints", true, c.http_endpoints, check_http_url); !ok)
      return ok.error();
  }
  if (c.http_endpoints.empty()) {
    // Logs always come from eth_getLogs (chain::LogStream): a WebSocket alone only signals.
    return Error(ConfigErrc::kBadValue, where + ": needs http_endpoint or http_endpoints (at least one URL)");
  }
  if (auto it = entry.find("ws_endpoint"); it != entry.end()) {
    if (auto ok = read_urls(*it, where + ".ws_endpoint", false, c.ws_endpoints, check_ws_url); !ok)
      return ok.error();
  }
  if (auto it = entry.find("ws_endpoints"); it != entry.end()) {
    if (auto ok = read_urls(*it, where + ".ws_endpoints", true, c.ws_endpoints, check_ws_url); !ok)
      return ok.error();
  }
  if (auto it = entry.find("ca_file"); it != entry.end()) {
    if (!it->is_string()) return Error(ConfigErrc::kWrongType, where + ".ca_file: expected a string");
    c.ca_file = it->get<std::string>();
    std::error_code ec;
    if (c.ca_file.empty() || !std::filesystem::is_regular_file(c.ca_file, ec)) {
      return Error(ConfigErrc::kBadValue, where + ".ca_file: '" + c.ca_file + "' is not a file");
    }
  }
  if (auto it = entry.find("confirmations"); it != entry.end()) {
    auto v = read_integer(*it, where + ".confirmations", 0, static_cast<std::int64_t>(kMaxConfirmations));
    if (!v) return v.error();
    c.confirmations = static_cast<std::uint64_t>(*v);
  }
  if (auto it = entry.find("poll_interval_ms"); it != entry.end()) {
    auto v = read_integer(*it, where + ".poll_interval_ms", kMinPollIntervalMs, kMaxPollIntervalMs);
    if (!v) return v.error();
    c.poll_interval = std::chrono::milliseconds(*v);
  }
  return c;
}

}  // namespace

Result<std::vector<ChainEndpoints>> parse_chain_endpoints(std::string_view chains_json) {
  std::vector<ChainEndpoints> out;
  if (chains_json.empty()) return out;
  Json root = Json::parse(chains_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Error(ConfigErrc::kWrongType, "chains: expected a table of namespaces");
  }
  auto evm = root.find("evm");
  if (evm == root.end()) return out;
  if (!evm->is_object()) return Error(ConfigErrc::kWrongType, "chains.evm: expected a table of chain ids");
  for (const auto& [id, entry] : evm->items()) {
    auto chain = read_chain(id, entry);
    if (!chain) return chain.error();
    out.push_back(std::move(*chain));
  }
  return out;
}

chain::RpcConfig rpc_config(const ChainEndpoints& chain, std::stop_token cancel) {
  chain::RpcConfig c;
  c.http_endpoints = chain.http_endpoints;
  c.cancel = std::move(cancel);
  return c;
}

std::optional<chain::SubscriberConfig> subscriber_config(const ChainEndpoints& chain) {
  if (chain.ws_endpoints.empty()) return std::nullopt;
  chain::SubscriberConfig c;
  c.ws_endpoints = chain.ws_endpoints;
  c.ca_file = chain.ca_file;
  return c;
}

}  // namespace wavs::node
