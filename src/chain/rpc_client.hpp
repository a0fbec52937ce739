#pragma once
// A JSON-RPC client for one chain, with typed calls for the methods the system uses.
//
// Calls are synchronous and thread-safe; each is bounded by a per-exchange timeout and
// an overall deadline. Several HTTP endpoints may be configured: a call goes to the
// first healthy one and fails over to the next when an endpoint is unreachable, times
// out, answers with a non-200 status or with something that is not JSON-RPC. A failed
// endpoint is skipped for an exponentially growing back-off. Answers with a JSON-RPC
// error object are final (the node worked; the request failed) and come back as kRpc,
// or kReverted with the revert data (see rpc_error_info()).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "chain/error.hpp"
#include "chain/json.hpp"
#include "chain/types.hpp"

namespace wavs::chain {

struct RpcConfig {
  std::vector<std::string> http_endpoints;            // in order of preference
  std::chrono::milliseconds request_timeout{10'000};  // one HTTP exchange
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds call_deadline{30'000};  // all attempts of one call together
  int max_attempts = 4;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5'000};
  // Stop requested: as stop() — waits and in-flight exchanges end with kStopped.
  std::stop_token cancel;
};

class RpcClient {
 public:
  explicit RpcClient(RpcConfig config);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Any method; returns the "result" member.
  [[nodiscard]] Result<Json> request(std::string_view method, Json params);
  // The same, ending no later than `deadline` (the tighter of it and call_deadline).
  [[nodiscard]] Result<Json> request(std::string_view method, Json params,
                                     std::chrono::steady_clock::time_point deadline);
  // The same, also ending with kStopped when `cancel` is requested (one component run's
  // token; the client itself stays usable).
  [[nodiscard]] Result<Json> request(std::string_view method, Json params,
                                     std::chrono::steady_clock::time_point deadline, std::stop_token cancel);

  [[nodiscard]] Result<std::uint64_t> chain_id();
  [[nodiscard]] Result<std::uint64_t> block_number();
  // nullopt when the node has no such block (yet).
  [[nodiscard]] Result<std::optional<BlockHeader>> block_by_number(const BlockRef& block);
  [[nodiscard]] Result<std::vector<Log>> get_logs(const LogFilter& filter, std::uint64_t from_block,
                                                  std::uint64_t to_block);
  [[nodiscard]] Result<std::vector<Log>> get_logs_at(const LogFilter& filter, const Hash256& block_hash);
  [[nodiscard]] Result<Bytes> call(const CallRequest& request, const BlockRef& block = BlockRef::latest(),
                                   const StateOverrides* overrides = nullptr);
  [[nodiscard]] Result<std::uint64_t> estimate_gas(const CallRequest& request,
                                                   const BlockRef& block = BlockRef::latest());
  [[nodiscard]] Result<FeeHistory> fee_history(std::uint64_t block_count, const BlockRef& newest,
                                               const std::vector<double>& reward_percentiles);
  [[nodiscard]] Result<std::uint64_t> max_priority_fee_per_gas();
  [[nodiscard]] Result<std::uint64_t> transaction_count(const Address& account,
                                                        const BlockRef& block = BlockRef::pending());
  [[nodiscard]] Result<Hash256> send_raw_transaction(ByteView signed_tx);
  // nullopt while the transaction is not mined.
  [[nodiscard]] Result<std::optional<Receipt>> transaction_receipt(const Hash256& tx_hash);
  [[nodiscard]] Result<Bytes> get_code(const Address& account, const BlockRef& block = BlockRef::latest());

  // Makes waiting calls (back-off sleeps) and in-flight HTTP exchanges return kStopped
  // at once; later calls fail with kStopped too. Thread-safe; the same as a stop
  // request on RpcConfig::cancel.
  void stop();

  [[nodiscard]] const RpcConfig& config() const { return config_; }

 private:
  struct Impl;
  RpcConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::chain
