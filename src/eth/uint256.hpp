#pragma once
// 256-bit integers: the one header that names Boost.Multiprecision. U256 is unsigned
// (wrapping arithmetic like the EVM), I256 is signed (sign-magnitude, range checked
// where ABI types demand it).

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/multiprecision/cpp_int.hpp>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace wavs::eth {

using U256 = boost::multiprecision::uint256_t;
using I256 = boost::multiprecision::int256_t;

// Big-endian bytes (at most 32, leading zeros allowed) to U256.
[[nodiscard]] Result<U256> u256_from_be(ByteView bytes);
// Exactly 32 big-endian bytes.
[[nodiscard]] Hash256 u256_to_be32(const U256& value);
// Minimal big-endian bytes (zero is empty), as RLP encodes integers.
[[nodiscard]] Bytes u256_to_be_minimal(const U256& value);

// Decimal, or 0x-hex. Rejects signs, empty text, stray characters and overflow.
[[nodiscard]] Result<U256> parse_u256(std::string_view text);
// Like parse_u256 with an optional leading '-'; the result must fit in 256 bits signed.
[[nodiscard]] Result<I256> parse_i256(std::string_view text);

[[nodiscard]] std::string to_decimal(const U256& value);
[[nodiscard]] std::string to_decimal(const I256& value);
// "0x"-prefixed minimal hex ("0x0" for zero), as JSON-RPC quantities are written.
[[nodiscard]] std::string to_quantity(const U256& value);

}  // namespace wavs::eth
