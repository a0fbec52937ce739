#pragma once
// JSON-RPC wire forms of the chain types: strict parsers for node answers (every field
// checked, errors name the field) and encoders for request parameters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chain/error.hpp"
#include "chain/types.hpp"

namespace wavs::chain {

using Json = nlohmann::json;

// "0x1a" → 26. Rejects missing prefix, empty digits, leading zeros are tolerated,
// values over 64 bits are kOutOfRange.
[[nodiscard]] Result<std::uint64_t> parse_quantity(const Json& value);
[[nodiscard]] std::string to_quantity(std::uint64_t value);
// "0x…" byte string of any length.
[[nodiscard]] Result<Bytes> parse_data(const Json& value);
[[nodiscard]] Result<Address> parse_address(const Json& value);
[[nodiscard]] Result<Hash256> parse_hash(const Json& value);

[[nodiscard]] Result<Log> parse_log(const Json& value);
[[nodiscard]] Result<BlockHeader> parse_header(const Json& value);
[[nodiscard]] Result<Receipt> parse_receipt(const Json& value);
[[nodiscard]] Result<FeeHistory> parse_fee_history(const Json& value);

[[nodiscard]] Json to_json(const LogFilter& filter);
[[nodiscard]] Json to_json(const CallRequest& request);
[[nodiscard]] Json to_json(const StateOverrides& overrides);

// Takes apart one JSON-RPC response body: the "result" on success, a kRpc/kReverted
// error built from an "error" object, kBadResponse for anything else.
[[nodiscard]] Result<Json> parse_response(std::string_view body, std::string_view method);
// The same for an already-parsed response object.
[[nodiscard]] Result<Json> response_result(const Json& response, std::string_view method);

}  // namespace wavs::chain
