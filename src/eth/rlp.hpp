#pragma once
// Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B).
//
// Decoding accepts only the canonical form: a single byte below 0x80 encoded as a
// string, long-form lengths below 56 or with leading zero bytes, and trailing bytes
// are errors (kRlpNonCanonical / kRlpDecode). Nesting is limited to kMaxDepth.

#include <cstdint>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "eth/error.hpp"
#include "eth/uint256.hpp"

namespace wavs::eth::rlp {

constexpr int kMaxDepth = 64;

// A decoded item: a byte string or a list of items.
struct Item {
  bool is_list = false;
  Bytes bytes;              // when !is_list
  std::vector<Item> items;  // when is_list

  static Item string(ByteView b) { return Item{false, Bytes(b.begin(), b.end()), {}}; }
  static Item list(std::vector<Item> items) { return Item{true, {}, std::move(items)}; }
  static Item uint(const U256& v) { return Item{false, u256_to_be_minimal(v), {}}; }

  // A string read as a canonical big-endian integer (no leading zero byte).
  [[nodiscard]] Result<U256> as_uint() const;
  [[nodiscard]] Result<std::uint64_t> as_u64() const;

  bool operator==(const Item&) const = default;
};

[[nodiscard]] Bytes encode(const Item& item);
// The encoding of a byte string.
[[nodiscard]] Bytes encode_string(ByteView bytes);
// The encoding of an integer (minimal big-endian string; zero is 0x80).
[[nodiscard]] Bytes encode_uint(const U256& value);
// Wraps already-encoded items, concatenated in `payload`, in a list header.
[[nodiscard]] Bytes encode_list_payload(ByteView payload);

// Decodes exactly one item spanning all of `data`.
[[nodiscard]] Result<Item> decode(ByteView data);

}  // namespace wavs::eth::rlp
