#pragma once
// Test support: tiny hand-assembled contracts and a deploy helper that uses anvil's
// unlocked account 0 (setup only; code under test signs its own transactions).

#include <cstdint>
#include <string>

#include "chain/rpc_client.hpp"

namespace wavs::chain::testing {

// Topic0 of every event the emitter logs.
Hash256 emitter_topic();

// Runtime: calldata = (uint256 count, uint256 start). Emits `count` LOG1 events with
// topic emitter_topic() and data = abi uint256 start, start+1, ….
Bytes emitter_runtime();

// Runtime: reverts with its calldata as revert data, so a test chooses the error.
Bytes reverter_runtime();

// Creation code that deploys `runtime` unchanged.
Bytes deploy_code(ByteView runtime);

// Sends a transaction from anvil's account 0 with eth_sendTransaction and waits for
// its receipt (bounded). Returns the receipt.
Result<Receipt> send_from_account0(RpcClient& rpc, const std::optional<Address>& to, ByteView data);

// Deploys `runtime` from account 0; returns the contract address.
Result<Address> deploy(RpcClient& rpc, ByteView runtime);

// abi.encode(uint256 a, uint256 b).
Bytes encode_two_words(std::uint64_t a, std::uint64_t b);

}  // namespace wavs::chain::testing
