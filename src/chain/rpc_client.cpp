#include "chain/rpc_client.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>

#include <spdlog/spdlog.h>

#include "chain/http.hpp"

namespace wavs::chain {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct EndpointState {
  std::string url;
  std::string shown;  // redacted for messages
  int failures = 0;
  Clock::time_point retry_at{};
};

bool retryable(const Error& e) {
  return e.is(ChainErrc::kTransport) || e.is(ChainErrc::kTimeout) || e.is(ChainErrc::kHttpStatus) ||
         e.is(ChainErrc::kBadResponse);
}
}  // namespace

struct RpcClient::Impl {
  HttpClient http;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<EndpointState> endpoints;
  std::atomic<std::uint64_t> next_id{1};
  // stop(): every call in progress relays it to its own source (waking its back-off wait
  // and aborting its exchange), and later calls see it at once.
  std::stop_source stop_source;
  // RpcConfig::cancel → stop(); set once the client is fully built.
  std::optional<std::stop_callback<std::function<void()>>> external;

  milliseconds backoff(const RpcConfig& c, int failures) const {
    auto d = c.backoff_initial;
    for (int i = 1; i < failures && d < c.backoff_max; ++i) d *= 2;
    return std::min(d, c.backoff_max);
  }
};

RpcClient::RpcClient(RpcConfig config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  for (const auto& url : config_.http_endpoints) {
    impl_->endpoints.push_back({url, redact_url(url), 0, {}});
  }
  impl_->external.emplace(config_.cancel, std::function<void()>([this] { stop(); }));
}

RpcClient::~RpcClient() {
  impl_->external.reset();  // no stop() from another thread while this one tears down
  stop();
}

void RpcClient::stop() { impl_->stop_source.request_stop(); }

Result<Json> RpcClient::request(std::string_view method, Json params) {
  return request(method, std::move(params), Clock::now() + config_.call_deadline);
}

Result<Json> RpcClient::request(std::string_view method, Json params, std::chrono::steady_clock::time_point until) {
  return request(method, std::move(params), until, std::stop_token());
}

Result<Json> RpcClient::request(std::string_view method, Json params, std::chrono::steady_clock::time_point until,
                                std::stop_token cancel) {
  if (impl_->endpoints.empty()) {
    return Error(ChainErrc::kNoEndpoint, std::string(method) + ": no HTTP endpoint configured");
  }
  Json envelope = {{"jsonrpc", "2.0"},
                   {"id", impl_->next_id.fetch_add(1)},
                   {"method", std::string(method)},
                   {"params", std::move(params)}};
  const std::string body = envelope.dump();
  const auto deadline = std::min(until, Clock::now() + config_.call_deadline);
  // This call ends on either the client's stop or the caller's token: one source for
  // the exchange, and a notify so a back-off wait sees it.
  std::stop_source call_stop;
  auto relay = [&] {
    call_stop.request_stop();
    std::lock_guard lock(impl_->mu);
    impl_->cv.notify_all();
  };
  std::stop_callback<std::function<void()>> from_client(impl_->stop_source.get_token(), relay);
  std::stop_callback<std::function<void()>> from_caller(cancel, relay);
  std::optional<Error> last;
  for (int attempt = 0; attempt < std::max(1, config_.max_attempts); ++attempt) {
    // Choose the endpoint that becomes usable first; ties go to the preferred one.
    std::size_t pick = 0;
    std::string url;
    {
      std::unique_lock lock(impl_->mu);
      for (std::size_t i = 1; i < impl_->endpoints.size(); ++i) {
        if (impl_->endpoints[i].retry_at < impl_->endpoints[pick].retry_at) pick = i;
      }
      auto wake = std::min(impl_->endpoints[pick].retry_at, deadline);
      impl_->cv.wait_until(lock, wake, [&] { return call_stop.stop_requested(); });
      if (call_stop.stop_requested()) return Error(ChainErrc::kStopped, std::string(method));
      url = impl_->endpoints[pick].url;
    }
    auto now = Clock::now();
    if (now >= deadline) break;
    auto budget = std::min(config_.request_timeout, std::chrono::duration_cast<milliseconds>(deadline - now));
    auto response = impl_->http.post_json(url, body, budget, config_.connect_timeout, call_stop.get_token());
    if (!response && response.error().is(ChainErrc::kStopped)) {
      return Error(ChainErrc::kStopped, std::string(method) + ": " + response.error().detail());
    }
    Result<Json> result = [&]() -> Result<Json> {
      if (!response) return response.error();
      // Rate limits and overload are worth another try (elsewhere, or after the
      // back-off) whatever the body says.
      if (response->status == 429 || response->status == 503) {
        return Error(ChainErrc::kHttpStatus,
                     std::string(method) + ": HTTP " + std::to_string(response->status));
      }
      auto parsed = parse_response(response->body, method);
      // A JSON-RPC answer counts even on a non-200 status (some gateways use 4xx/5xx).
      if (parsed || !parsed.error().is(ChainErrc::kBadResponse)) return parsed;
      if (response->status != 200) {
        return Error(ChainErrc::kHttpStatus,
                     std::string(method) + ": HTTP " + std::to_string(response->status));
      }
      return parsed;
    }();
    std::lock_guard lock(impl_->mu);
    auto& ep = impl_->endpoints[pick];
    if (result || !retryable(result.error())) {
      ep.failures = 0;
      ep.retry_at = {};
      return result;
    }
    ++ep.failures;
    ep.retry_at = Clock::now() + impl_->backoff(config_, ep.failures);
    // Transport errors already name the endpoint; others get it here.
    const bool named = result.error().detail().find(ep.shown) != std::string::npos;
    last = named ? result.error() : result.error().with_context(ep.shown);
    spdlog::debug("rpc {} via {} failed (attempt {}): {}", method, ep.shown, attempt + 1, last->message());
  }
  if (!last) {
    return Error(ChainErrc::kTimeout, std::string(method) + ": deadline passed");
  }
  return Error(last->code(), std::string(method) + ": " + last->detail());
}

namespace {
template <class T, class F>
Result<T> map(Result<Json> r, F f) {
  if (!r) return r.error();
  return f(*r);
}
}  // namespace

Result<std::uint64_t> RpcClient::chain_id() {
  return map<std::uint64_t>(request("eth_chainId", Json::array()), parse_quantity);
}

Result<std::uint64_t> RpcClient::block_number() {
  return map<std::uint64_t>(request("eth_blockNumber", Json::array()), parse_quantity);
}

Result<std::optional<BlockHeader>> RpcClient::block_by_number(const BlockRef& block) {
  auto r = request("eth_getBlockByNumber", Json::array({block.rpc(), false}));
  if (!r) return r.error();
  if (r->is_null()) return std::optional<BlockHeader>();
  auto h = parse_header(*r);
  if (!h) return h.error().with_context("eth_getBlockByNumber");
  return std::optional<BlockHeader>(*h);
}

namespace {
Result<std::vector<Log>> parse_logs(const Json& j, const char* method) {
  if (!j.is_array()) return Error(ChainErrc::kBadResponse, std::string(method) + ": result is not an array");
  std::vector<Log> out;
  out.reserve(j.size());
  for (const auto& item : j) {
    auto log = parse_log(item);
    if (!log) return log.error().with_context(method);
    out.push_back(std::move(*log));
  }
  return out;
}
}  // namespace

Result<std::vector<Log>> RpcClient::get_logs(const LogFilter& filter, std::uint64_t from_block,
                                             std::uint64_t to_block) {
  if (from_block > to_block) {
    return Error(ChainErrc::kInvalidArgument,
                 "eth_getLogs: from " + std::to_string(from_block) + " > to " + std::to_string(to_block));
  }
  Json f = to_json(filter);
  f["fromBlock"] = to_quantity(from_block);
  f["toBlock"] = to_quantity(to_block);
  auto r = request("eth_getLogs", Json::array({std::move(f)}));
  if (!r) return r.error();
  return parse_logs(*r, "eth_getLogs");
}

Result<std::vector<Log>> RpcClient::get_logs_at(const LogFilter& filter, const Hash256& block_hash) {
  Json f = to_json(filter);
  f["blockHash"] = block_hash.hex();
  auto r = request("eth_getLogs", Json::array({std::move(f)}));
  if (!r) return r.error();
  return parse_logs(*r, "eth_getLogs");
}

Result<Bytes> RpcClient::call(const CallRequest& req, const BlockRef& block,
                              const StateOverrides* overrides) {
  Json params = Json::array({to_json(req), block.rpc()});
  if (overrides != nullptr && !overrides->empty()) params.push_back(to_json(*overrides));
  return map<Bytes>(request("eth_call", std::move(params)), parse_data);
}

Result<std::uint64_t> RpcClient::estimate_gas(const CallRequest& req, const BlockRef& block) {
  return map<std::uint64_t>(request("eth_estimateGas", Json::array({to_json(req), block.rpc()})),
                            parse_quantity);
}

Result<FeeHistory> RpcClient::fee_history(std::uint64_t block_count, const BlockRef& newest,
                                          const std::vector<double>& reward_percentiles) {
  return map<FeeHistory>(
      request("eth_feeHistory", Json::array({to_quantity(block_count), newest.rpc(), reward_percentiles})),
      parse_fee_history);
}

Result<std::uint64_t> RpcClient::max_priority_fee_per_gas() {
  return map<std::uint64_t>(request("eth_maxPriorityFeePerGas", Json::array()), parse_quantity);
}

Result<std::uint64_t> RpcClient::transaction_count(const Address& account, const BlockRef& block) {
  return map<std::uint64_t>(request("eth_getTransactionCount", Json::array({account.hex(), block.rpc()})),
                            parse_quantity);
}

Result<Hash256> RpcClient::send_raw_transaction(ByteView signed_tx) {
  return map<Hash256>(request("eth_sendRawTransaction", Json::array({to_hex(signed_tx)})), parse_hash);
}

Result<std::optional<Receipt>> RpcClient::transaction_receipt(const Hash256& tx_hash) {
  auto r = request("eth_getTransactionReceipt", Json::array({tx_hash.hex()}));
  if (!r) return r.error();
  if (r->is_null()) return std::optional<Receipt>();
  auto rc = parse_receipt(*r);
  if (!rc) return rc.error().with_context("eth_getTransactionReceipt");
  return std::optional<Receipt>(std::move(*rc));
}

Result<Bytes> RpcClient::get_code(const Address& account, const BlockRef& block) {
  return map<Bytes>(request("eth_getCode", Json::array({account.hex(), block.rpc()})), parse_data);
}

}  // namespace wavs::chain
