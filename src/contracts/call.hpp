#pragma once
// Internal to the contracts module: one eth_call or transaction of a bound function,
// with errors that name the contract, the function and the address.

#include <cassert>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "contracts/abi_fields.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/error.hpp"
#include "eth/abi.hpp"

namespace wavs::contracts::detail {

// The parsed functions of one contract, from its signature table.
inline std::vector<eth::AbiFunction> parse_functions(std::span<const std::string_view> signatures) {
  std::vector<eth::AbiFunction> out;
  for (auto signature : signatures) {
    auto f = eth::AbiFunction::parse(signature);
    assert(f && "a binding's function signature does not parse");
    out.push_back(*f);
  }
  return out;
}

// selector ‖ arguments; the bindings only pass typed values that fit.
inline Bytes encode(const eth::AbiFunction& f, const std::vector<eth::AbiValue>& args) {
  auto data = f.encode_call(args);
  assert(data && "typed arguments always fit their ABI types");
  return data ? *std::move(data) : Bytes{};
}

struct Target {
  std::string_view contract;  // "WavsServiceManager"
  Address address;

  [[nodiscard]] std::string what(const eth::AbiFunction& f) const {
    return std::string(contract) + "." + f.name() + " (" + address.to_checksum() + ")";
  }
};

inline Result<Bytes> call_raw(chain::RpcClient& rpc, const Target& target, const eth::AbiFunction& f,
                              Bytes calldata, const chain::BlockRef& block,
                              const std::optional<Address>& from = std::nullopt) {
  chain::CallRequest request;
  request.from = from;
  request.to = target.address;
  request.data = std::move(calldata);
  auto out = rpc.call(request, block);
  if (!out) return out.error().with_context(target.what(f));
  return out;
}

inline Result<std::vector<eth::AbiValue>> call(chain::RpcClient& rpc, const Target& target,
                                               const eth::AbiFunction& f, Bytes calldata,
                                               const chain::BlockRef& block) {
  auto out = call_raw(rpc, target, f, std::move(calldata), block);
  if (!out) return out.error();
  auto values = f.decode_output(*out);
  if (!values) {
    return Error(ContractsErrc::kDecode, target.what(f) + ": return data " + std::to_string(out->size()) +
                                             " bytes: " + values.error().message());
  }
  return values;
}

// One return value, moved into a typed T.
template <class T>
Result<T> call_one(chain::RpcClient& rpc, const Target& target, const eth::AbiFunction& f, Bytes calldata,
                   const chain::BlockRef& block) {
  auto values = call(rpc, target, f, std::move(calldata), block);
  if (!values) return values.error();
  T out{};
  if (auto s = assign_all(std::tie(out), *values); !s) {
    return Error(ContractsErrc::kDecode, target.what(f) + ": " + s.error().message());
  }
  return out;
}

inline Result<chain::TxOutcome> transact(chain::TxSender& sender, const Target& target,
                                         const eth::AbiFunction& f, Bytes calldata) {
  chain::TxRequest request;
  request.to = target.address;
  request.data = std::move(calldata);
  auto out = sender.send(request);
  if (!out) return out.error().with_context(target.what(f));
  return out;
}

}  // namespace wavs::contracts::detail
