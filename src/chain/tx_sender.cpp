#include "chain/tx_sender.hpp"

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>

#include <spdlog/spdlog.h>

#include "eth/tx.hpp"

namespace wavs::chain {

namespace {
using Clock = std::chrono::steady_clock;
using eth::U256;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

U256 bump(const U256& v, unsigned percent) {
  // Round up so small values still grow by at least one wei.
  return (v * (100 + percent) + 99) / 100;
}

// A kReverted error whose message is the decoded reason; keeps the make_rpc_error
// layout so rpc_error_info() and revert_reason() can take it apart again.
Error revert_error(std::string_view what, std::int64_t code, const Bytes& data,
                   std::span<const eth::AbiError> known) {
  eth::RevertReason reason = eth::decode_revert(data, known);
  std::string detail = std::string(what) + ": code " + std::to_string(code) +
                       ": execution reverted: " + reason.to_string() + "; data " + to_hex(data);
  return Error(ChainErrc::kReverted, std::move(detail));
}
}  // namespace

SendFailure classify_send_error(const Error& error) {
  if (error.is(ChainErrc::kTransport) || error.is(ChainErrc::kTimeout) || error.is(ChainErrc::kHttpStatus) ||
      error.is(ChainErrc::kBadResponse)) {
    return SendFailure::kTransient;
  }
  auto info = rpc_error_info(error);
  if (!info) return SendFailure::kOther;
  std::string m = lower(info->message);
  if (contains(m, "nonce too low") || contains(m, "nonce has already been used") ||
      contains(m, "old nonce")) {
    return SendFailure::kNonceTooLow;
  }
  if (contains(m, "already known") || contains(m, "known transaction") || contains(m, "already imported") ||
      contains(m, "already exists")) {
    return SendFailure::kAlreadyKnown;
  }
  if (contains(m, "underpriced") || contains(m, "fee too low") || contains(m, "max fee per gas less than") ||
      contains(m, "feecap") || contains(m, "fee cap")) {
    return SendFailure::kUnderpriced;
  }
  if (contains(m, "insufficient funds")) return SendFailure::kInsufficientFunds;
  return SendFailure::kOther;
}

std::optional<eth::RevertReason> revert_reason(const Error& error,
                                               std::span<const eth::AbiError> known_errors) {
  if (!error.is(ChainErrc::kReverted)) return std::nullopt;
  auto info = rpc_error_info(error);
  Bytes data = info && info->data ? *info->data : Bytes{};
  return eth::decode_revert(data, known_errors);
}

struct TxSender::Impl {
  Impl(RpcClient& r, const crypto::PrivateKey& k, TxSenderConfig c)
      : rpc(r),
        key(std::move(k)),
        config(std::move(c)),
        nonces([this]() { return rpc.transaction_count(key.address(), BlockRef::pending()); }) {}

  RpcClient& rpc;
  crypto::PrivateKey key;
  TxSenderConfig config;
  NonceManager nonces;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  std::optional<std::uint64_t> chain_id;
  std::optional<std::stop_callback<std::function<void()>>> on_cancel;  // TxSenderConfig::cancel

  // Sleeps up to `d`; false when stopped.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, d, [&] { return stopped; });
  }

  Result<std::uint64_t> get_chain_id() {
    {
      std::lock_guard lock(mu);
      if (config.chain_id != 0) return config.chain_id;
      if (chain_id) return *chain_id;
    }
    auto id = rpc.chain_id();
    if (!id) return id.error();
    std::lock_guard lock(mu);
    chain_id = *id;
    return *id;
  }

  CallRequest call_of(const TxRequest& req) const {
    CallRequest c;
    c.from = key.address();
    c.to = req.to;
    c.data = req.data;
    if (req.value != 0) c.value = eth::to_quantity(req.value);
    return c;
  }

  Result<Fees> estimate_fees() {
    auto history = rpc.fee_history(4, BlockRef::latest(), {50.0});
    if (!history) return history.error();
    if (history->base_fee_per_gas.empty()) {
      return Error(ChainErrc::kBadResponse, "eth_feeHistory: no base fees (pre-London chain?)");
    }
    U256 base = history->base_fee_per_gas.back();  // the next block's
    U256 tip;
    if (auto suggested = rpc.max_priority_fee_per_gas()) {
      tip = *suggested;
    } else {
      std::vector<std::uint64_t> rewards;
      for (const auto& r : history->reward) {
        if (!r.empty()) rewards.push_back(r[0]);
      }
      std::sort(rewards.begin(), rewards.end());
      tip = rewards.empty() ? U256(0) : U256(rewards[rewards.size() / 2]);
    }
    tip = std::max(tip, config.min_priority_fee);
    if (base >= config.max_fee_per_gas_cap) {
      return Error(ChainErrc::kUnderpriced, "base fee " + eth::to_decimal(base) +
                                                " wei is at or above the cap of " +
                                                eth::to_decimal(config.max_fee_per_gas_cap) + " wei");
    }
    Fees f;
    f.max_fee_per_gas = std::min(base * 2 + tip, config.max_fee_per_gas_cap);
    f.max_priority_fee_per_gas = std::min(tip, f.max_fee_per_gas);
    return f;
  }

  // Why a mined transaction failed: replay it as a call on the block it was mined in.
  Error mined_revert(const TxRequest& req, const Receipt& r, std::uint64_t gas) {
    CallRequest c = call_of(req);
    c.gas = gas;
    auto replay = rpc.call(c, BlockRef::at(r.block_number));
    std::string what = "transaction " + r.tx_hash.hex() + " (block " + std::to_string(r.block_number) + ")";
    if (!replay) {
      if (auto info = rpc_error_info(replay.error()); info && replay.error().is(ChainErrc::kReverted)) {
        return revert_error(what, info->code, info->data.value_or(Bytes{}), config.known_errors);
      }
    }
    // The replay succeeded (state differs from the moment of execution) or failed
    // otherwise: report the failure without a reason.
    return Error(ChainErrc::kReverted, what + ": code 0: execution reverted (status 0, reason unavailable)");
  }

  Result<TxOutcome> send(const TxRequest& req) {
    auto id = get_chain_id();
    if (!id) return id.error();
    std::uint64_t gas = 0;
    if (req.gas_limit) {
      gas = *req.gas_limit;
    } else {
      auto estimate = rpc.estimate_gas(call_of(req), BlockRef::pending());
      if (!estimate) {
        if (estimate.error().is(ChainErrc::kReverted)) {
          auto info = rpc_error_info(estimate.error());
          return revert_error("eth_estimateGas", info ? info->code : 3,
                              info && info->data ? *info->data : Bytes{}, config.known_errors);
        }
        return estimate.error();
      }
      gas = *estimate + *estimate * config.gas_margin_percent / 100;
    }
    auto fees = estimate_fees();
    if (!fees) return fees.error();

    const auto deadline = Clock::now() + config.receipt_timeout;
    std::optional<Error> last;
    for (int attempt = 0; attempt < std::max(1, config.max_send_attempts); ++attempt) {
      if (Clock::now() >= deadline) break;
      auto nonce = nonces.acquire();
      if (!nonce) return nonce.error();
      eth::Eip1559Tx tx;
      tx.chain_id = *id;
      tx.nonce = *nonce;
      tx.max_priority_fee_per_gas = fees->max_priority_fee_per_gas;
      tx.max_fee_per_gas = fees->max_fee_per_gas;
      tx.gas_limit = gas;
      tx.to = req.to;
      tx.value = req.value;
      tx.data = req.data;
      eth::SignedTx signed_tx = tx.sign(key);
      auto sent = rpc.send_raw_transaction(signed_tx.raw);
      if (!sent) {
        SendFailure kind = classify_send_error(sent.error());
        last = sent.error();
        if (kind == SendFailure::kNonceTooLow) {
          // The nonce may have been used by this very transaction: an earlier attempt
          // of the same request can reach the node after the client gave up on it.
          // Sending again with a new nonce would then land the request twice.
          auto ours = rpc.request("eth_getTransactionByHash", Json::array({signed_tx.hash.hex()}));
          if (!ours || ours->is_null()) {
            // Used elsewhere: not ours to give back.
            if (auto s = nonces.resync(); !s) return s.error();
            continue;
          }
          kind = SendFailure::kAlreadyKnown;
        }
        if (kind == SendFailure::kUnderpriced) {
          nonces.release(*nonce);
          fees->max_fee_per_gas =
              std::min(bump(fees->max_fee_per_gas, config.fee_bump_percent), config.max_fee_per_gas_cap);
          fees->max_priority_fee_per_gas =
              std::min(bump(fees->max_priority_fee_per_gas, config.fee_bump_percent), fees->max_fee_per_gas);
          continue;
        }
        if (kind != SendFailure::kAlreadyKnown && kind != SendFailure::kTransient) {
          nonces.release(*nonce);
          return sent.error();
        }
        // Already known, or maybe delivered before the connection broke: wait for it
        // and rebroadcast while waiting.
      }
      auto outcome = wait_for_receipt(req, tx, signed_tx, gas, deadline);
      if (outcome) return outcome;
      if (outcome.error().is(ChainErrc::kNonceTooLow)) {
        // Another transaction took our nonce; ours can never be mined. Go again.
        last = outcome.error();
        if (auto s = nonces.resync(); !s) return s.error();
        continue;
      }
      return outcome;
    }
    if (last) return Error(last->code(), "giving up after retries: " + last->detail());
    return Error(ChainErrc::kTxTimeout,
                 "not sent within " + std::to_string(config.receipt_timeout.count()) + " ms");
  }

  Result<TxOutcome> wait_for_receipt(const TxRequest& req, eth::Eip1559Tx tx, const eth::SignedTx& signed_tx,
                                     std::uint64_t gas, Clock::time_point deadline) {
    std::vector<Hash256> hashes = {signed_tx.hash};
    std::vector<Bytes> raws = {signed_tx.raw};
    int replacements = 0;
    bool nonce_taken = false;
    auto next_bump = Clock::now() + config.bump_after;
    while (Clock::now() < deadline) {
      for (auto h = hashes.rbegin(); h != hashes.rend(); ++h) {
        auto receipt = rpc.transaction_receipt(*h);
        if (!receipt || !*receipt) continue;  // errors: keep polling until the deadline
        if (!(*receipt)->status) return mined_revert(req, **receipt, gas);
        return TxOutcome{std::move(**receipt), tx.nonce, replacements};
      }
      if (nonce_taken) {
        return Error(ChainErrc::kNonceTooLow,
                     "nonce " + std::to_string(tx.nonce) + " was used by another transaction");
      }
      if (Clock::now() >= next_bump) {
        next_bump = Clock::now() + config.bump_after;
        if (replacements < config.max_bumps && tx.max_fee_per_gas < config.max_fee_per_gas_cap) {
          eth::Eip1559Tx bumped = tx;
          bumped.max_fee_per_gas =
              std::min(bump(tx.max_fee_per_gas, config.fee_bump_percent), config.max_fee_per_gas_cap);
          bumped.max_priority_fee_per_gas =
              std::min(bump(tx.max_priority_fee_per_gas, config.fee_bump_percent), bumped.max_fee_per_gas);
          eth::SignedTx s = bumped.sign(key);
          auto sent = rpc.send_raw_transaction(s.raw);
          SendFailure kind = sent ? SendFailure::kAlreadyKnown : classify_send_error(sent.error());
          if (kind == SendFailure::kAlreadyKnown || kind == SendFailure::kTransient) {
            spdlog::info("tx nonce {}: not mined after {} ms, replaced with max fee {} wei", tx.nonce,
                         config.bump_after.count(), eth::to_decimal(bumped.max_fee_per_gas));
            tx = bumped;
            hashes.push_back(s.hash);
            raws.push_back(s.raw);
            ++replacements;
          } else if (kind == SendFailure::kNonceTooLow) {
            // Either one of ours was just mined (next poll finds it) or a stranger's.
            nonce_taken = true;
            continue;
          } else if (kind == SendFailure::kUnderpriced) {
            // Not enough to replace: start the next bump from the higher fees.
            tx.max_fee_per_gas = bumped.max_fee_per_gas;
            tx.max_priority_fee_per_gas = bumped.max_priority_fee_per_gas;
          }
        } else {
          // Out of bumps: make sure the node still has the newest version.
          auto again = rpc.send_raw_transaction(raws.back());
          if (!again && classify_send_error(again.error()) == SendFailure::kNonceTooLow) {
            nonce_taken = true;
            continue;
          }
        }
      }
      if (!pause(config.poll_interval))
        return Error(ChainErrc::kStopped, "waiting for " + hashes.back().hex());
    }
    std::string all;
    for (const auto& h : hashes) all += (all.empty() ? "" : ", ") + h.hex();
    return Error(ChainErrc::kTxTimeout, "nonce " + std::to_string(tx.nonce) + " not mined within " +
                                            std::to_string(config.receipt_timeout.count()) + " ms (" + all +
                                            ")");
  }
};

TxSender::TxSender(RpcClient& rpc, const crypto::PrivateKey& key, TxSenderConfig config)
    : impl_(std::make_unique<Impl>(rpc, key, std::move(config))) {
  impl_->on_cancel.emplace(impl_->config.cancel, std::function<void()>([this] { stop(); }));
}

TxSender::~TxSender() {
  impl_->on_cancel.reset();
  stop();
}

Result<TxOutcome> TxSender::send(const TxRequest& request) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return Error(ChainErrc::kStopped, "tx sender stopped");
  }
  return impl_->send(request);
}

Result<Fees> TxSender::estimate_fees() { return impl_->estimate_fees(); }

const Address& TxSender::address() const { return impl_->key.address(); }

void TxSender::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = true;
  }
  impl_->cv.notify_all();
}

}  // namespace wavs::chain
