#include "contracts/contract_error.hpp"

#include <array>
#include <cassert>
#include <utility>

#include "chain/error.hpp"
#include "contracts/abi_fields.hpp"

namespace wavs::contracts {
namespace {

constexpr std::size_t kNamed = std::variant_size_v<ContractError> - 1;  // all but UnrecognizedRevert

// The fields of each error, in declaration order.
template <class E>
auto fields(E& e) {
  using T = std::remove_const_t<E>;
  if constexpr (std::is_same_v<T, InsufficientQuorum>) {
    return std::tie(e.signer_weight, e.threshold_weight, e.total_weight);
  } else if constexpr (std::is_same_v<T, OperatorNotRegistered> ||
                       std::is_same_v<T, OwnableUnauthorizedAccount>) {
    return std::tie(e.account);
  } else if constexpr (std::is_same_v<T, SigningKeyAlreadyBound>) {
    return std::tie(e.signing_key, e.operator_address);
  } else if constexpr (std::is_same_v<T, OperatorAlreadyRegistered>) {
    return std::tie(e.operator_address);
  } else if constexpr (std::is_same_v<T, OwnableInvalidOwner>) {
    return std::tie(e.owner);
  } else if constexpr (std::is_same_v<T, SafeCastOverflowedUintDowncast>) {
    return std::tie(e.bits, e.value);
  } else if constexpr (std::is_same_v<T, EventAlreadyHandled>) {
    return std::tie(e.event_id);
  } else if constexpr (std::is_same_v<T, UnknownTrigger>) {
    return std::tie(e.trigger_id);
  } else {
    return std::tuple<>{};
  }
}

template <std::size_t... I>
std::vector<eth::AbiError> parse_all(std::index_sequence<I...>) {
  std::vector<eth::AbiError> out;
  auto add = [&](std::string_view signature) {
    auto e = eth::AbiError::parse(signature);
    assert(e && "a binding's error signature does not parse");
    out.push_back(*e);
  };
  (add(std::variant_alternative_t<I, ContractError>::kSignature), ...);
  return out;
}

template <std::size_t... I>
ContractError from_custom(const eth::RevertReason& reason, std::index_sequence<I...>) {
  std::optional<ContractError> found;
  auto try_one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    if (found || abi_errors()[J].name() != reason.error_name) return;
    std::variant_alternative_t<J, ContractError> e;
    if (detail::assign_all(fields(e), reason.args)) found = std::move(e);
  };
  (try_one(std::integral_constant<std::size_t, I>{}), ...);
  if (found) return *std::move(found);
  return UnrecognizedRevert{reason};
}

}  // namespace

const std::vector<eth::AbiError>& abi_errors() {
  static const std::vector<eth::AbiError> errors = parse_all(std::make_index_sequence<kNamed>{});
  return errors;
}

ContractError decode_contract_error(ByteView revert_data) {
  eth::RevertReason reason = eth::decode_revert(revert_data, abi_errors());
  if (reason.kind != eth::RevertReason::Kind::kCustom) return UnrecognizedRevert{std::move(reason)};
  return from_custom(reason, std::make_index_sequence<kNamed>{});
}

std::optional<ContractError> contract_error(const Error& error) {
  if (!error.is(chain::ChainErrc::kReverted)) return std::nullopt;
  auto info = chain::rpc_error_info(error);
  return decode_contract_error(info && info->data ? *info->data : Bytes{});
}

Bytes encode_contract_error(const ContractError& error) {
  if (const auto* other = std::get_if<UnrecognizedRevert>(&error)) return other->reason.data;
  auto encoded = abi_errors()[error.index()].encode(std::visit(
      [](const auto& e) {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, UnrecognizedRevert>) {
          return std::vector<eth::AbiValue>{};
        } else {
          return detail::to_abi_all(fields(e));
        }
      },
      error));
  assert(encoded && "typed fields always fit their ABI types");
  return encoded ? *std::move(encoded) : Bytes{};
}

std::string_view error_name(const ContractError& error) {
  if (std::holds_alternative<UnrecognizedRevert>(error)) return "UnrecognizedRevert";
  return abi_errors()[error.index()].name();
}

std::string to_string(const ContractError& error) {
  if (const auto* other = std::get_if<UnrecognizedRevert>(&error)) return other->reason.to_string();
  // The generic decoder prints custom errors as name(arg, …).
  return eth::decode_revert(encode_contract_error(error), abi_errors()).to_string();
}

}  // namespace wavs::contracts
