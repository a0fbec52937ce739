#pragma once
// The TriggerAction a component reads on stdin (docs/component-abi.md, "Input"), its
// canonical binary encoding, and event ids.
//
//   component::TriggerAction action{id, "default", workflow.trigger, component::Raw{bytes}};
//   std::string stdin_doc = component::to_json(action);          // what the guest reads
//   auto parsed = component::parse_trigger_action(json_text);    // strict; errors name the field
//   auto event = component::event_id(action.service_id, action.workflow_id, action.data);
//
// The workflow's trigger is the manifest's typed value (service::Trigger) and is written
// in the service module's canonical JSON, so every operator gives the guest the same
// bytes. Bytes are 0x-prefixed lowercase hex and every integer of the data is a decimal
// string on output; on input, hex may be any case and integers may also be JSON integers
// or 0x-hex strings (any of them up to 2^64 - 1), so hand-written documents are accepted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chain/types.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/error.hpp"
#include "eth/envelope.hpp"
#include "service/manifest.hpp"

namespace wavs::component {

struct EvmContractEvent {
  service::ChainKey chain;  // "evm:31337"
  chain::Log log;           // `removed` is not part of the document
  bool operator==(const EvmContractEvent&) const = default;
};
struct BlockInterval {
  service::ChainKey chain;
  std::uint64_t block_height = 0;
  bool operator==(const BlockInterval&) const = default;
};
struct Cron {
  std::uint64_t trigger_time = 0;  // nanoseconds since the Unix epoch, UTC
  bool operator==(const Cron&) const = default;
};
struct Raw {
  Bytes data;
  bool operator==(const Raw&) const = default;
};

using TriggerData = std::variant<EvmContractEvent, BlockInterval, Cron, Raw>;

// "evm_contract_event", "block_interval", "cron", "raw".
[[nodiscard]] std::string_view variant_name(const TriggerData& data);

struct TriggerAction {
  Hash256 service_id;
  std::string workflow_id = "default";
  service::Trigger trigger = service::ManualTrigger{};  // the workflow's, from its manifest
  TriggerData data = Raw{};
  bool operator==(const TriggerAction&) const = default;
};

// A workflow id is upstream's WorkflowId: [a-z0-9_-]{3,36} (kInvalid otherwise).
[[nodiscard]] Status check_workflow_id(std::string_view workflow_id);

// Parses the trigger data alone (`{"raw": "0x07"}`, `{"cron": {...}}`, ...).
// kBadTrigger naming the field on failure ("data.evm_contract_event.log.topics[2]: ...").
// Chain keys follow the manifest's rule (service::parse_chain_key).
[[nodiscard]] Result<TriggerData> parse_trigger_data(std::string_view json);
// Parses a whole TriggerAction document ({"config": {...}, "data": {...}}). config.trigger
// is read by the manifest's rules (service::parse_trigger; "manual" when absent), its
// unknown members dropped like those of the data.
[[nodiscard]] Result<TriggerAction> parse_trigger_action(std::string_view json);

// The documents in their canonical output form (compact, keys in the documented order).
[[nodiscard]] std::string to_json(const TriggerData& data);
[[nodiscard]] std::string to_json(const TriggerAction& action);

// The canonical binary encoding of the data (the "Canonical trigger-data encoding" table).
[[nodiscard]] Bytes canonical_encoding(const TriggerData& data);

// Event ids (docs/component-abi.md "Event id derivation"). The workflow id must pass
// check_workflow_id, a salt must be 1–64 bytes (kInvalid otherwise).
[[nodiscard]] Result<eth::EventId> event_id(const Hash256& service_id, std::string_view workflow_id,
                                            const TriggerData& data);
[[nodiscard]] Result<eth::EventId> event_id_salted(const Hash256& service_id, std::string_view workflow_id,
                                                   ByteView salt);

}  // namespace wavs::component
