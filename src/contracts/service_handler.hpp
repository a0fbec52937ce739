#pragma once
// Typed bindings of a Service Handler (IWavsServiceHandler, any contract that consumes
// signed envelopes) and of the example handler SimpleSubmit.
//
//   ServiceHandler handler(rpc, handler_address);
//   Result<Verdict> dry = handler.simulate_handle_signed_envelope(envelope, signatures, sender.address());
//   if (dry && dry->accepted()) auto landed = handler.handle_signed_envelope(sender, envelope, signatures);
//
// The simulation is an eth_call of the very calldata the transaction carries, so it sees
// the handler's own checks (SimpleSubmit's EventAlreadyHandled) as well as the manager's
// validate() errors, which handlers pass through. Errors name the contract, function and
// address, as in service_manager.hpp.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "chain/types.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "contracts/service_manager.hpp"
#include "eth/envelope.hpp"

namespace wavs::contracts {

namespace service_handler {
[[nodiscard]] std::span<const std::string_view> function_signatures();
// Same bytes as eth::encode_handle_signed_envelope.
[[nodiscard]] Bytes encode_handle_signed_envelope(const eth::Envelope& envelope,
                                                  const eth::SignatureData& signatures);
[[nodiscard]] Bytes encode_get_service_manager();
}  // namespace service_handler

namespace simple_submit {
[[nodiscard]] std::span<const std::string_view> function_signatures();
[[nodiscard]] Bytes encode_is_handled(const eth::EventId& event_id);
[[nodiscard]] Bytes encode_get_payload(const eth::EventId& event_id);
[[nodiscard]] Bytes encode_handled_count();
// abi.encode(serviceManager), to append to the creation code.
[[nodiscard]] Bytes encode_constructor(const Address& service_manager);
}  // namespace simple_submit

class ServiceHandler {
 public:
  // `rpc` must outlive the binding.
  ServiceHandler(chain::RpcClient& rpc, const Address& address) : rpc_(rpc), address_(address) {}

  [[nodiscard]] const Address& address() const { return address_; }

  // eth_call of handleSignedEnvelope at `block`, as sent from `from` (the submitter, since
  // a handler may check msg.sender): accepted, or the handler's or manager's reason.
  [[nodiscard]] Result<Verdict> simulate_handle_signed_envelope(
      const eth::Envelope& envelope, const eth::SignatureData& signatures,
      const std::optional<Address>& from = std::nullopt, const BlockRef& block = BlockRef::latest());
  // The transaction; a revert is kReverted, contract_error() names the reason.
  [[nodiscard]] Result<chain::TxOutcome> handle_signed_envelope(chain::TxSender& sender,
                                                                const eth::Envelope& envelope,
                                                                const eth::SignatureData& signatures);
  [[nodiscard]] Result<Address> get_service_manager(const BlockRef& block = BlockRef::latest());

 protected:
  chain::RpcClient& rpc_;
  Address address_;
};

// SimpleSubmit stores each accepted payload by event id and refuses replays.
class SimpleSubmit : public ServiceHandler {
 public:
  using ServiceHandler::ServiceHandler;

  [[nodiscard]] Result<bool> is_handled(const eth::EventId& event_id,
                                        const BlockRef& block = BlockRef::latest());
  // Empty when the event was not handled (or its payload was empty).
  [[nodiscard]] Result<Bytes> get_payload(const eth::EventId& event_id,
                                          const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<U256> handled_count(const BlockRef& block = BlockRef::latest());
};

}  // namespace wavs::contracts
