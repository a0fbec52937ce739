#pragma once
// Plain values exchanged with an Ethereum node: logs, block headers, receipts, filters,
// call requests. Quantities that the system uses (block numbers, gas, fees, nonces) are
// 64-bit; wei amounts are carried as 0x-hex quantities so no precision is lost.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/keys.hpp"

namespace wavs::chain {

// The project-wide address type, so values pass between chain, eth and crypto unchanged.
using Address = crypto::Address;

// A block selector for calls that take one: a number or a named tag.
class BlockRef {
 public:
  static BlockRef latest() { return BlockRef("latest"); }
  static BlockRef pending() { return BlockRef("pending"); }
  static BlockRef earliest() { return BlockRef("earliest"); }
  static BlockRef safe() { return BlockRef("safe"); }
  static BlockRef finalized() { return BlockRef("finalized"); }
  static BlockRef at(std::uint64_t number);

  // The JSON-RPC form: "latest" or "0x1f".
  [[nodiscard]] const std::string& rpc() const { return text_; }

 private:
  explicit BlockRef(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

struct Log {
  Address address;
  std::vector<Hash256> topics;
  Bytes data;
  std::uint64_t block_number = 0;
  Hash256 block_hash;
  Hash256 tx_hash;
  std::uint64_t tx_index = 0;
  std::uint64_t log_index = 0;
  bool removed = false;  // true when a reorg took the log out of the chain

  bool operator==(const Log&) const = default;
};

// Chain order: by block, then by position in the block.
[[nodiscard]] inline bool log_before(const Log& a, const Log& b) {
  return a.block_number != b.block_number ? a.block_number < b.block_number : a.log_index < b.log_index;
}

struct BlockHeader {
  std::uint64_t number = 0;
  Hash256 hash;
  Hash256 parent_hash;
  std::uint64_t timestamp = 0;
  std::uint64_t gas_limit = 0;
  std::uint64_t gas_used = 0;
  std::optional<std::uint64_t> base_fee_per_gas;  // absent before London
};

struct Receipt {
  Hash256 tx_hash;
  std::uint64_t tx_index = 0;
  std::uint64_t block_number = 0;
  Hash256 block_hash;
  Address from;
  std::optional<Address> to;
  std::optional<Address> contract_address;
  bool status = false;  // true = success
  std::uint64_t gas_used = 0;
  std::uint64_t cumulative_gas_used = 0;
  std::uint64_t effective_gas_price = 0;
  std::vector<Log> logs;
};

// Which logs to fetch or subscribe to. An empty address list matches every address;
// topics[i] lists the accepted values at position i, an empty list accepts anything.
struct LogFilter {
  std::vector<Address> addresses;
  std::vector<std::vector<Hash256>> topics;

  [[nodiscard]] bool matches(const Log& log) const;
};

// One filter that matches at least everything any of `filters` matches, for a single
// subscription or eth_getLogs query per chain. It keeps the address and topic0
// constraints when every filter has them and widens the rest, so callers must apply
// the original filters to the results (LogStream does).
[[nodiscard]] LogFilter merge_filters(const std::vector<LogFilter>& filters);

struct CallRequest {
  std::optional<Address> from;
  std::optional<Address> to;  // absent: contract creation (eth_estimateGas)
  Bytes data;
  std::optional<std::string> value;  // wei as a 0x-hex quantity
  std::optional<std::uint64_t> gas;
  std::optional<std::uint64_t> max_fee_per_gas;
  std::optional<std::uint64_t> max_priority_fee_per_gas;
};

// eth_call state overrides, per account.
struct AccountOverride {
  std::optional<Bytes> code;
  std::optional<std::uint64_t> nonce;
  std::optional<std::string> balance;  // wei as a 0x-hex quantity
  std::map<Hash256, Hash256> state_diff;
};
using StateOverrides = std::map<Address, AccountOverride>;

struct FeeHistory {
  std::uint64_t oldest_block = 0;
  std::vector<std::uint64_t> base_fee_per_gas;  // one more entry than blocks: the next block's
  std::vector<double> gas_used_ratio;
  std::vector<std::vector<std::uint64_t>> reward;  // per block, per requested percentile
};

}  // namespace wavs::chain
