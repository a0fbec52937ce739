#pragma once
// Typed bindings of the example trigger source SimpleTrigger: addTrigger(bytes) emits
// NewTrigger(bytes triggerInfo), whose content is abi.encode(TriggerInfo), the layout
// upstream's example components decode.
//
//   SimpleTrigger trigger(rpc, trigger_address);
//   Result<AddedTrigger> added = trigger.add_trigger(sender, as_bytes("hello"));
//   // added->trigger.trigger_id, added->outcome.receipt
//   Result<TriggerInfo> info = simple_trigger::decode_trigger_info(new_trigger_event.trigger_info);

#include <cstdint>
#include <span>
#include <string_view>

#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "chain/types.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "contracts/events.hpp"

namespace wavs::contracts {

using chain::BlockRef;

struct TriggerInfo {
  std::uint64_t trigger_id = 0;  // counts from 1
  Address creator;
  Bytes data;
  bool operator==(const TriggerInfo&) const = default;
};

namespace simple_trigger {
[[nodiscard]] std::span<const std::string_view> function_signatures();
[[nodiscard]] Bytes encode_add_trigger(ByteView data);
[[nodiscard]] Bytes encode_get_trigger(std::uint64_t trigger_id);
[[nodiscard]] Bytes encode_last_trigger_id();

// abi.encode(TriggerInfo) (a dynamic tuple, starting with the 0x20 word) and back; the
// decoder treats its input as untrusted (kDecode).
[[nodiscard]] Bytes encode_trigger_info(const TriggerInfo& info);
[[nodiscard]] Result<TriggerInfo> decode_trigger_info(ByteView data);
}  // namespace simple_trigger

struct AddedTrigger {
  chain::TxOutcome outcome;
  TriggerInfo trigger;  // from the NewTrigger log of the receipt
};

class SimpleTrigger {
 public:
  // `rpc` must outlive the binding.
  SimpleTrigger(chain::RpcClient& rpc, const Address& address) : rpc_(rpc), address_(address) {}

  [[nodiscard]] const Address& address() const { return address_; }

  // kNoEvent if the mined transaction logged no NewTrigger (not SimpleTrigger's code).
  [[nodiscard]] Result<AddedTrigger> add_trigger(chain::TxSender& sender, ByteView data);
  // A revert (UnknownTrigger) is kReverted; contract_error() gives it typed.
  [[nodiscard]] Result<TriggerInfo> get_trigger(std::uint64_t trigger_id,
                                                const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<std::uint64_t> last_trigger_id(const BlockRef& block = BlockRef::latest());

 private:
  chain::RpcClient& rpc_;
  Address address_;
};

}  // namespace wavs::contracts
