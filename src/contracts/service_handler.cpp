#include "contracts/service_handler.hpp"

#include <array>

#include "contracts/call.hpp"

namespace wavs::contracts {
namespace {

using eth::AbiValue;

enum HandlerFn : std::size_t { kHandleSignedEnvelope, kGetServiceManager };
constexpr std::array<std::string_view, 2> kHandlerSignatures = {
    "handleSignedEnvelope((bytes20,bytes12,bytes) envelope, (address[],bytes[],uint32) signatureData)",
    "getServiceManager() returns (address)",
};

enum SubmitFn : std::size_t { kIsHandled, kGetPayload, kHandledCount };
constexpr std::array<std::string_view, 3> kSubmitSignatures = {
    "isHandled(bytes20 eventId) returns (bool)",
    "getPayload(bytes20 eventId) returns (bytes)",
    "handledCount() returns (uint256)",
};

const eth::AbiFunction& handler_fn(HandlerFn f) {
  static const std::vector<eth::AbiFunction> all = detail::parse_functions(kHandlerSignatures);
  return all[f];
}
const eth::AbiFunction& submit_fn(SubmitFn f) {
  static const std::vector<eth::AbiFunction> all = detail::parse_functions(kSubmitSignatures);
  return all[f];
}

// The interface for any handler, the contract's name for SimpleSubmit's own functions.
detail::Target handler_target(const Address& a) { return {"IWavsServiceHandler", a}; }
detail::Target submit_target(const Address& a) { return {"SimpleSubmit", a}; }

}  // namespace

namespace service_handler {
std::span<const std::string_view> function_signatures() { return kHandlerSignatures; }
Bytes encode_handle_signed_envelope(const eth::Envelope& envelope, const eth::SignatureData& signatures) {
  return eth::encode_handle_signed_envelope(envelope, signatures);
}
Bytes encode_get_service_manager() { return detail::encode(handler_fn(kGetServiceManager), {}); }
}  // namespace service_handler

namespace simple_submit {
std::span<const std::string_view> function_signatures() { return kSubmitSignatures; }
Bytes encode_is_handled(const eth::EventId& id) {
  return detail::encode(submit_fn(kIsHandled), {AbiValue::bytes(id.view())});
}
Bytes encode_get_payload(const eth::EventId& id) {
  return detail::encode(submit_fn(kGetPayload), {AbiValue::bytes(id.view())});
}
Bytes encode_handled_count() { return detail::encode(submit_fn(kHandledCount), {}); }
Bytes encode_constructor(const Address& service_manager) {
  auto out = eth::abi_encode(eth::AbiType::address(), AbiValue::address(service_manager));
  assert(out && "an address always encodes");
  return out ? *std::move(out) : Bytes{};
}
}  // namespace simple_submit

Result<Verdict> ServiceHandler::simulate_handle_signed_envelope(const eth::Envelope& envelope,
                                                                const eth::SignatureData& signatures,
                                                                const std::optional<Address>& from,
                                                                const BlockRef& block) {
  auto out =
      detail::call_raw(rpc_, handler_target(address_), handler_fn(kHandleSignedEnvelope),
                       service_handler::encode_handle_signed_envelope(envelope, signatures), block, from);
  if (out) return Verdict{};
  if (auto why = contract_error(out.error())) return Verdict{std::move(why)};
  return out.error();
}

Result<chain::TxOutcome> ServiceHandler::handle_signed_envelope(chain::TxSender& sender,
                                                                const eth::Envelope& envelope,
                                                                const eth::SignatureData& signatures) {
  return detail::transact(sender, handler_target(address_), handler_fn(kHandleSignedEnvelope),
                          service_handler::encode_handle_signed_envelope(envelope, signatures));
}

Result<Address> ServiceHandler::get_service_manager(const BlockRef& block) {
  return detail::call_one<Address>(rpc_, handler_target(address_), handler_fn(kGetServiceManager),
                                   service_handler::encode_get_service_manager(), block);
}

Result<bool> SimpleSubmit::is_handled(const eth::EventId& id, const BlockRef& block) {
  auto values = detail::call(rpc_, submit_target(address_), submit_fn(kIsHandled),
                             simple_submit::encode_is_handled(id), block);
  if (!values) return values.error();
  return (*values)[0].as_bool();
}

Result<Bytes> SimpleSubmit::get_payload(const eth::EventId& id, const BlockRef& block) {
  return detail::call_one<Bytes>(rpc_, submit_target(address_), submit_fn(kGetPayload),
                                 simple_submit::encode_get_payload(id), block);
}

Result<U256> SimpleSubmit::handled_count(const BlockRef& block) {
  return detail::call_one<U256>(rpc_, submit_target(address_), submit_fn(kHandledCount),
                                simple_submit::encode_handled_count(), block);
}

}  // namespace wavs::contracts
