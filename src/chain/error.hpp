#pragma once
// The chain module's error codes. Every networked failure maps to one of these, with a
// detail naming the method and the endpoint, so an operator can tell a dead node from a
// bad request from a reverting contract.

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::chain, ChainErrc,
                kTransport,        // the endpoint could not be reached or the connection broke
                kTimeout,          // no answer within the deadline
                kHttpStatus,       // an HTTP status other than 200 without a JSON-RPC answer
                kBadResponse,      // an answer that is not JSON-RPC or not of the expected shape
                kRpc,              // the node answered with a JSON-RPC error object
                kReverted,         // execution reverted (eth_call, eth_estimateGas, a mined tx)
                kNoEndpoint,       // no endpoint configured, or every endpoint failed
                kStopped,          // the component was stopped while the call waited
                kInvalidArgument,  // a caller-supplied value that cannot be sent
                kNonceTooLow,      // the node already has a transaction with this nonce
                kUnderpriced,      // fee too low to enter or replace in the mempool
                kTxTimeout,        // a transaction was not mined within the allowed time
                kReorg)            // the chain no longer contains a block we relied on

namespace wavs::chain {

// The structured content of a kRpc / kReverted error. The Error's detail is written in a
// fixed form ("<method>: code <n>: <message>[; data <0x…>]") so it stays readable in logs
// and can be taken apart again here.
struct RpcErrorInfo {
  std::int64_t code = 0;
  std::string message;
  std::optional<Bytes> data;  // revert data when the node sent any
};

[[nodiscard]] Error make_rpc_error(std::string_view method, const RpcErrorInfo& info);
// Parses the detail of an error built by make_rpc_error; nullopt for other errors.
[[nodiscard]] std::optional<RpcErrorInfo> rpc_error_info(const Error& error);

}  // namespace wavs::chain
