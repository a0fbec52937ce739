#pragma once
// Internal to the contracts module: moves decoded ABI values into the typed fields of
// the bindings' structs and back. Each struct lists its fields once, as a std::tie in
// the .cpp that defines it, and these templates do the rest.

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/uint256.hpp"

namespace wavs::contracts::detail {

inline Status assign(eth::U256& out, const eth::AbiValue& v) {
  auto u = v.as_uint();
  if (!u) return u.error();
  out = *u;
  return {};
}

// Narrow integers come from uint<M> values the ABI decoder already bounded to M bits.
template <class Int>
requires(std::is_integral_v<Int>&& std::is_unsigned_v<Int>) Status assign(Int& out, const eth::AbiValue& v) {
  auto u = v.as_uint();
  if (!u) return u.error();
  if (*u > std::numeric_limits<Int>::max()) {
    return Error(eth::EthErrc::kAbiValue, eth::to_decimal(*u) + " does not fit in " +
                                              std::to_string(std::numeric_limits<Int>::digits) + " bits");
  }
  out = static_cast<Int>(*u);
  return {};
}

inline Status assign(crypto::Address& out, const eth::AbiValue& v) {
  auto a = v.as_address();
  if (!a) return a.error();
  out = *a;
  return {};
}

inline Status assign(std::string& out, const eth::AbiValue& v) {
  auto s = v.as_string();
  if (!s) return s.error();
  out = std::move(*s);
  return {};
}

inline Status assign(Bytes& out, const eth::AbiValue& v) {
  auto b = v.as_bytes();
  if (!b) return b.error();
  out = std::move(*b);
  return {};
}

template <std::size_t N>
Status assign(FixedBytes<N>& out, const eth::AbiValue& v) {
  auto b = v.as_bytes();
  if (!b) return b.error();
  auto fixed = FixedBytes<N>::from_view(*b);
  if (!fixed) return fixed.error();
  out = *fixed;
  return {};
}

inline eth::AbiValue to_abi(const eth::U256& v) { return eth::AbiValue::uint(v); }
template <class Int>
requires(std::is_integral_v<Int>&& std::is_unsigned_v<Int>) eth::AbiValue to_abi(Int v) {
  return eth::AbiValue::uint(eth::U256(v));
}
inline eth::AbiValue to_abi(const crypto::Address& v) { return eth::AbiValue::address(v); }
inline eth::AbiValue to_abi(const std::string& v) { return eth::AbiValue::string(v); }
inline eth::AbiValue to_abi(const Bytes& v) { return eth::AbiValue::bytes(v); }
template <std::size_t N>
eth::AbiValue to_abi(const FixedBytes<N>& v) {
  return eth::AbiValue::bytes(v.view());
}

// Assigns values[i] to the i-th element of a std::tie of fields.
template <class... Fields>
Status assign_all(std::tuple<Fields&...> fields, std::span<const eth::AbiValue> values) {
  if (values.size() != sizeof...(Fields)) {
    return Error(eth::EthErrc::kAbiValue, std::to_string(values.size()) + " values for " +
                                              std::to_string(sizeof...(Fields)) + " fields");
  }
  Status status;
  std::size_t i = 0;
  std::apply([&](auto&... field) { ((status = status ? assign(field, values[i++]) : status), ...); }, fields);
  return status;
}

template <class... Fields>
std::vector<eth::AbiValue> to_abi_all(std::tuple<Fields&...> fields) {
  return std::apply([](const auto&... field) { return std::vector<eth::AbiValue>{to_abi(field)...}; },
                    fields);
}

}  // namespace wavs::contracts::detail
