#pragma once
// TxSender: lands transactions for one signer on one chain, exactly once each.
//
//   TxSender sender(rpc, key, {.known_errors = handler_errors});
//   Result<TxOutcome> out = sender.send({.to = handler, .data = calldata});
//
// send() is blocking and thread-safe; concurrent sends get consecutive nonces from a
// shared NonceManager. Each send estimates gas (plus gas_margin_percent), prices the
// transaction with EIP-1559 fees under max_fee_per_gas_cap, signs it locally and
// submits it with eth_sendRawTransaction, then polls for the receipt. A transaction not
// mined within bump_after is replaced (same nonce, fees raised by fee_bump_percent, at
// most max_bumps times); the receipt of whichever version is mined is returned.
// "nonce too low" (someone else used the nonce, or replaced our transaction) re-reads
// the nonce and sends again; a nonce whose transaction never reached the node is
// reused by the next send, so no gap stalls the queue. Every wait is bounded by
// receipt_timeout.
//
// Reverts come back as kReverted with the reason decoded (Error(string), Panic(uint256)
// or one of `known_errors`) and the raw data; revert_reason() returns it structured.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <span>
#include <vector>

#include "chain/error.hpp"
#include "chain/nonce_manager.hpp"
#include "chain/rpc_client.hpp"
#include "chain/types.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/uint256.hpp"

namespace wavs::chain {

struct TxSenderConfig {
  std::uint64_t chain_id = 0;                         // 0: ask the node once
  eth::U256 max_fee_per_gas_cap{500'000'000'000ull};  // 500 gwei: never offer more per gas
  eth::U256 min_priority_fee{1};                      // floor for the tip, in wei
  unsigned gas_margin_percent = 25;
  unsigned fee_bump_percent = 20;  // nodes demand at least 10 % more to replace
  int max_bumps = 3;
  std::chrono::milliseconds bump_after{15'000};
  std::chrono::milliseconds receipt_timeout{120'000};
  std::chrono::milliseconds poll_interval{200};
  int max_send_attempts = 5;  // fresh nonces after "nonce too low" and the like
  std::vector<eth::AbiError> known_errors;
  // Stop requested: as stop(). The RpcClient's own cancellation is its RpcConfig's.
  std::stop_token cancel;
};

struct TxRequest {
  std::optional<Address> to;  // absent: contract creation
  Bytes data;
  eth::U256 value{0};
  std::optional<std::uint64_t> gas_limit;  // skips estimation (and its revert check)
};

struct TxOutcome {
  Receipt receipt;
  std::uint64_t nonce = 0;
  int replacements = 0;  // fee bumps before it was mined
};

struct Fees {
  eth::U256 max_fee_per_gas;
  eth::U256 max_priority_fee_per_gas;
};

class TxSender {
 public:
  // `rpc` must outlive the sender.
  TxSender(RpcClient& rpc, const crypto::PrivateKey& key, TxSenderConfig config = {});
  ~TxSender();
  TxSender(const TxSender&) = delete;
  TxSender& operator=(const TxSender&) = delete;

  [[nodiscard]] Result<TxOutcome> send(const TxRequest& request);
  // Current EIP-1559 fees: tip from eth_maxPriorityFeePerGas (or the fee history),
  // max fee = 2 × next base fee + tip, both under the cap. kUnderpriced when the base
  // fee alone is above the cap.
  [[nodiscard]] Result<Fees> estimate_fees();

  [[nodiscard]] const Address& address() const;
  // Sends waiting for a receipt return kStopped at once (their wait is woken). A
  // transaction already broadcast may still be mined: its nonce is then used, which the
  // next sender learns from the chain. Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// How an eth_sendRawTransaction failure should be handled; nodes only say it in words.
enum class SendFailure { kNonceTooLow, kAlreadyKnown, kUnderpriced, kInsufficientFunds, kTransient, kOther };
[[nodiscard]] SendFailure classify_send_error(const Error& error);

// The decoded reason of a kReverted error (nullopt for other errors).
[[nodiscard]] std::optional<eth::RevertReason> revert_reason(
    const Error& error, std::span<const eth::AbiError> known_errors = {});

}  // namespace wavs::chain
