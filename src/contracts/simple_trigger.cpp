#include "contracts/simple_trigger.hpp"

#include <array>

#include "contracts/call.hpp"

namespace wavs::contracts {
namespace {

using eth::AbiValue;

enum Fn : std::size_t { kAddTrigger, kGetTrigger, kLastTriggerId };
constexpr std::array<std::string_view, 3> kSignatures = {
    "addTrigger(bytes data) returns (uint64 triggerId)",
    "getTrigger(uint64 triggerId) returns ((uint64,address,bytes))",
    "lastTriggerId() returns (uint64)",
};

const eth::AbiFunction& fn(Fn f) {
  static const std::vector<eth::AbiFunction> all = detail::parse_functions(kSignatures);
  return all[f];
}

const eth::AbiType& trigger_info_type() {
  static const eth::AbiType type =
      eth::AbiType::tuple({eth::AbiType::uint(64), eth::AbiType::address(), eth::AbiType::bytes()});
  return type;
}

detail::Target target(const Address& a) { return {"SimpleTrigger", a}; }

Result<TriggerInfo> trigger_info_of(const AbiValue& value) {
  auto fields = value.as_list();
  if (!fields) return fields.error();
  TriggerInfo info;
  if (auto s = detail::assign_all(std::tie(info.trigger_id, info.creator, info.data), *fields); !s)
    return s.error();
  return info;
}

}  // namespace

namespace simple_trigger {
std::span<const std::string_view> function_signatures() { return kSignatures; }
Bytes encode_add_trigger(ByteView data) { return detail::encode(fn(kAddTrigger), {AbiValue::bytes(data)}); }
Bytes encode_get_trigger(std::uint64_t id) { return detail::encode(fn(kGetTrigger), {detail::to_abi(id)}); }
Bytes encode_last_trigger_id() { return detail::encode(fn(kLastTriggerId), {}); }

Bytes encode_trigger_info(const TriggerInfo& info) {
  auto out = eth::abi_encode(trigger_info_type(),
                             AbiValue::list({detail::to_abi(info.trigger_id), AbiValue::address(info.creator),
                                             AbiValue::bytes(info.data)}));
  assert(out && "typed fields always fit their ABI types");
  return out ? *std::move(out) : Bytes{};
}

Result<TriggerInfo> decode_trigger_info(ByteView data) {
  auto value = eth::abi_decode(trigger_info_type(), data);
  auto info = value ? trigger_info_of(*value) : Result<TriggerInfo>(value.error());
  if (!info) return Error(ContractsErrc::kDecode, "SimpleTrigger TriggerInfo: " + info.error().message());
  return info;
}
}  // namespace simple_trigger

Result<AddedTrigger> SimpleTrigger::add_trigger(chain::TxSender& sender, ByteView data) {
  auto sent =
      detail::transact(sender, target(address_), fn(kAddTrigger), simple_trigger::encode_add_trigger(data));
  if (!sent) return sent.error();
  auto events = events_in<NewTrigger>(sent->receipt, address_);
  if (!events) return events.error().with_context(target(address_).what(fn(kAddTrigger)));
  if (events->empty()) {
    return Error(ContractsErrc::kNoEvent, target(address_).what(fn(kAddTrigger)) + ": transaction " +
                                              sent->receipt.tx_hash.hex() + " logged no NewTrigger");
  }
  auto info = simple_trigger::decode_trigger_info(events->front().trigger_info);
  if (!info) return info.error().with_context(target(address_).what(fn(kAddTrigger)));
  return AddedTrigger{*std::move(sent), *std::move(info)};
}

Result<TriggerInfo> SimpleTrigger::get_trigger(std::uint64_t id, const BlockRef& block) {
  auto values =
      detail::call(rpc_, target(address_), fn(kGetTrigger), simple_trigger::encode_get_trigger(id), block);
  if (!values) return values.error();
  auto info = trigger_info_of((*values)[0]);
  if (!info) {
    return Error(ContractsErrc::kDecode,
                 target(address_).what(fn(kGetTrigger)) + ": " + info.error().message());
  }
  return info;
}

Result<std::uint64_t> SimpleTrigger::last_trigger_id(const BlockRef& block) {
  return detail::call_one<std::uint64_t>(rpc_, target(address_), fn(kLastTriggerId),
                                         simple_trigger::encode_last_trigger_id(), block);
}

}  // namespace wavs::contracts
