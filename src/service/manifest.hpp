#pragma once
// The service manifest (`service.json`): upstream WAVS's document, field for field
// (snake_case, enums externally tagged; see examples/services/), and the ids derived
// from it.
//
//   auto m = service::parse_manifest(text);        // strict: errors name the JSON path
//   Hash256 id = service::service_id(m->manager);  // sha256("evm" ‖ chain ‖ address)
//   std::string canonical = service::to_json(*m);  // stable key order, compact
//
// Members this version does not know are ignored (a later manifest stays readable) but
// listed in Manifest::unknown_fields, so `wavs service validate` can point at typos.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "service/error.hpp"

namespace wavs::service {

using Address = FixedBytes<20>;

struct ChainKey {
  std::string name_space;  // "evm", "cosmos", "dev"
  std::string id;          // "31337"
  [[nodiscard]] std::string str() const { return name_space + ":" + id; }
  bool operator==(const ChainKey&) const = default;
};
// "evm:31337": namespace [a-z0-9-]{1,32}, id 1–64 of [A-Za-z0-9_.-] (decimal for evm).
[[nodiscard]] Result<ChainKey> parse_chain_key(std::string_view key);

// Upstream's WorkflowId rule: [a-z0-9_-]{3,36}.
[[nodiscard]] bool valid_workflow_id(std::string_view id);

struct EvmContractEventTrigger {
  ChainKey chain;
  Address address;
  Hash256 event_hash;  // topic0
  bool operator==(const EvmContractEventTrigger&) const = default;
};
struct BlockIntervalTrigger {
  ChainKey chain;
  std::uint64_t n_blocks = 1;  // >= 1
  std::optional<std::uint64_t> start_block, end_block;
  bool operator==(const BlockIntervalTrigger&) const = default;
};
struct CronTrigger {
  std::string schedule;  // 6 or 7 fields, seconds first
  std::optional<std::uint64_t> start_time, end_time;  // ns since the epoch
  bool operator==(const CronTrigger&) const = default;
};
struct ManualTrigger {
  bool operator==(const ManualTrigger&) const = default;
};
using Trigger = std::variant<EvmContractEventTrigger, BlockIntervalTrigger, CronTrigger, ManualTrigger>;

struct ComponentSource {
  enum class Kind : std::uint8_t { kDigest, kDownload, kRegistry };
  Kind kind = Kind::kDigest;
  Hash256 digest;       // sha256 of the wasm, always checked
  std::string uri;      // kDownload
  std::string package;  // kRegistry
  std::optional<std::string> domain, version;
  bool operator==(const ComponentSource&) const = default;
};

// permissions.allowed_http_hosts. The manifest parser checks only the shape; what an
// entry may be ("api.example.com", "*.example.com", "localhost:8545", "[::1]:80") is the
// outbound HTTP client's rule (component::check_http_hosts), which also enforces it.
struct HttpHosts {
  enum class Mode : std::uint8_t { kNone, kAll, kOnly };
  Mode mode = Mode::kNone;
  std::vector<std::string> hosts;  // for kOnly: the manifest's {"only": [...]}

  static HttpHosts none() { return {}; }
  static HttpHosts all() { return {Mode::kAll, {}}; }
  static HttpHosts only(std::vector<std::string> hosts) { return {Mode::kOnly, std::move(hosts)}; }
  bool operator==(const HttpHosts&) const = default;
};

struct Component {
  ComponentSource source;
  HttpHosts allowed_http_hosts;
  bool file_system = false;
  std::optional<std::uint64_t> fuel_limit;
  std::optional<double> time_limit_seconds;
  std::map<std::string, std::string, std::less<>> config;
  std::vector<std::string> env_keys;  // each starts with WAVS_ENV_
  bool operator==(const Component&) const = default;
};

struct EvmContract {
  ChainKey chain;
  Address address;
  bool operator==(const EvmContract&) const = default;
};

// Two shapes of {"aggregator": {...}}: 1.x names the aggregator's `url` and the handler
// contracts (`evm_contracts`); 2.0 names an aggregator `component` (which decides where
// results go) and a `signature_kind`, and the node sends to the aggregators it is
// configured with (node setting aggregator_urls).
struct Submit {
  enum class Kind : std::uint8_t { kNone, kAggregator };
  Kind kind = Kind::kNone;
  std::string url;                        // the aggregator (1.x); empty in the 2.0 shape
  std::vector<EvmContract> evm_contracts;  // the service handler(s) (1.x)
  std::optional<Component> component;      // the aggregator component (2.0)
  std::string signature_kind_json;         // 2.0's signature_kind, as JSON text ("" when absent)
  bool operator==(const Submit&) const = default;
};

struct Workflow {
  Trigger trigger = ManualTrigger{};
  Component component;
  Submit submit;
  bool operator==(const Workflow&) const = default;
};

struct Manager {
  ChainKey chain;
  Address address;
  bool operator==(const Manager&) const = default;
};

struct Manifest {
  std::string name;
  std::map<std::string, Workflow> workflows;  // by workflow id
  bool active = true;                         // "status": "active" | "paused"
  Manager manager;
  std::vector<std::string> unknown_fields;    // JSON paths of ignored members
  bool operator==(const Manifest& o) const {
    return name == o.name && workflows == o.workflows && active == o.active && manager == o.manager;
  }
};

// Errors: kBadJson (with the byte offset), kBadManifest naming the path
// ("workflows.default.component.fuel_limit: expected a positive integer").
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view json);

// Compact JSON with the members in a fixed order; parse_manifest(to_json(m)) == m.
[[nodiscard]] std::string to_json(const Manifest& manifest);
// One part of the document (as it appears under workflows.<id>), e.g. for TriggerAction.
[[nodiscard]] std::string trigger_to_json(const Trigger& trigger);
// The reverse, by the same rules as a workflow's trigger in parse_manifest; `path` names
// the value in errors ("config.trigger.cron.schedule: ..."). Unknown members are ignored.
// parse_trigger(trigger_to_json(t)) == t.
[[nodiscard]] Result<Trigger> parse_trigger(std::string_view json, std::string_view path = "trigger");

// ServiceId = sha256("evm" ‖ chain key ‖ 20-byte address) (upstream).
[[nodiscard]] Hash256 service_id(const Manager& manager);
// The service hash: sha256 of the manifest's bytes as published; a new hash means an update.
[[nodiscard]] Hash256 manifest_hash(std::string_view json_bytes);

}  // namespace wavs::service
