#include "chain/json.hpp"

#include <charconv>

namespace wavs::chain {

namespace {

Error bad(std::string_view what, std::string_view why) {
  return Error(ChainErrc::kBadResponse, std::string(what) + ": " + std::string(why));
}

const Json* field(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return nullptr;
  return &*it;
}

template <class T, class F>
Status read_required(const Json& obj, const char* name, T& out, F parse) {
  const Json* v = field(obj, name);
  if (v == nullptr || v->is_null()) return bad(name, "missing");
  auto r = parse(*v);
  if (!r) return r.error().with_context(name);
  out = std::move(*r);
  return {};
}

template <class T, class F>
Status read_optional(const Json& obj, const char* name, std::optional<T>& out, F parse) {
  const Json* v = field(obj, name);
  if (v == nullptr || v->is_null()) {
    out.reset();
    return {};
  }
  auto r = parse(*v);
  if (!r) return r.error().with_context(name);
  out = std::move(*r);
  return {};
}

#define WAVS_TRY(expr)                              \
  do {                                              \
    auto wavs_status_ = (expr);                     \
    if (!wavs_status_) return wavs_status_.error(); \
  } while (0)

}  // namespace

Result<std::uint64_t> parse_quantity(const Json& value) {
  if (!value.is_string()) return bad("quantity", "not a string");
  const auto& s = value.get_ref<const std::string&>();
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return bad("quantity", "expected 0x-prefixed hex, got \"" + s.substr(0, 40) + "\"");
  }
  std::uint64_t out = 0;
  auto [end, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), out, 16);
  if (ec == std::errc::result_out_of_range) {
    return Error(CommonErrc::kOutOfRange, "quantity " + s.substr(0, 80) + " exceeds 64 bits");
  }
  if (ec != std::errc() || end != s.data() + s.size()) {
    return bad("quantity", "bad hex digits in \"" + s.substr(0, 40) + "\"");
  }
  return out;
}

std::string to_quantity(std::uint64_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, 16);
  (void)ec;
  return "0x" + std::string(buf, end);
}

Result<Bytes> parse_data(const Json& value) {
  if (!value.is_string()) return bad("data", "not a string");
  const auto& s = value.get_ref<const std::string&>();
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return bad("data", "missing 0x prefix");
  auto b = from_hex(s);
  if (!b) return b.error();
  return std::move(*b);
}

Result<Address> parse_address(const Json& value) {
  auto b = parse_data(value);
  if (!b) return b.error();
  return Address::from_view(*b);
}

Result<Hash256> parse_hash(const Json& value) {
  auto b = parse_data(value);
  if (!b) return b.error();
  return Hash256::from_view(*b);
}

Result<Log> parse_log(const Json& v) {
  if (!v.is_object()) return bad("log", "not an object");
  Log log;
  WAVS_TRY(read_required(v, "address", log.address, parse_address));
  WAVS_TRY(read_required(v, "data", log.data, parse_data));
  const Json* topics = field(v, "topics");
  if (topics == nullptr || !topics->is_array()) return bad("topics", "missing or not an array");
  if (topics->size() > 4) return bad("topics", "more than 4 topics");
  for (const auto& t : *topics) {
    auto h = parse_hash(t);
    if (!h) return h.error().with_context("topics");
    log.topics.push_back(*h);
  }
  WAVS_TRY(read_required(v, "blockNumber", log.block_number, parse_quantity));
  WAVS_TRY(read_required(v, "blockHash", log.block_hash, parse_hash));
  WAVS_TRY(read_required(v, "transactionHash", log.tx_hash, parse_hash));
  WAVS_TRY(read_required(v, "transactionIndex", log.tx_index, parse_quantity));
  WAVS_TRY(read_required(v, "logIndex", log.log_index, parse_quantity));
  if (const Json* r = field(v, "removed"); r != nullptr && !r->is_null()) {
    if (!r->is_boolean()) return bad("removed", "not a boolean");
    log.removed = r->get<bool>();
  }
  return log;
}

Result<BlockHeader> parse_header(const Json& v) {
  if (!v.is_object()) return bad("block", "not an object");
  BlockHeader h;
  WAVS_TRY(read_required(v, "number", h.number, parse_quantity));
  WAVS_TRY(read_required(v, "hash", h.hash, parse_hash));
  WAVS_TRY(read_required(v, "parentHash", h.parent_hash, parse_hash));
  WAVS_TRY(read_required(v, "timestamp", h.timestamp, parse_quantity));
  WAVS_TRY(read_required(v, "gasLimit", h.gas_limit, parse_quantity));
  WAVS_TRY(read_required(v, "gasUsed", h.gas_used, parse_quantity));
  WAVS_TRY(read_optional(v, "baseFeePerGas", h.base_fee_per_gas, parse_quantity));
  return h;
}

Result<Receipt> parse_receipt(const Json& v) {
  if (!v.is_object()) return bad("receipt", "not an object");
  Receipt r;
  WAVS_TRY(read_required(v, "transactionHash", r.tx_hash, parse_hash));
  WAVS_TRY(read_required(v, "transactionIndex", r.tx_index, parse_quantity));
  WAVS_TRY(read_required(v, "blockNumber", r.block_number, parse_quantity));
  WAVS_TRY(read_required(v, "blockHash", r.block_hash, parse_hash));
  WAVS_TRY(read_required(v, "from", r.from, parse_address));
  WAVS_TRY(read_optional(v, "to", r.to, parse_address));
  WAVS_TRY(read_optional(v, "contractAddress", r.contract_address, parse_address));
  std::uint64_t status = 0;
  WAVS_TRY(read_required(v, "status", status, parse_quantity));
  r.status = status == 1;
  WAVS_TRY(read_required(v, "gasUsed", r.gas_used, parse_quantity));
  WAVS_TRY(read_required(v, "cumulativeGasUsed", r.cumulative_gas_used, parse_quantity));
  std::optional<std::uint64_t> price;
  WAVS_TRY(read_optional(v, "effectiveGasPrice", price, parse_quantity));
  r.effective_gas_price = price.value_or(0);
  const Json* logs = field(v, "logs");
  if (logs == nullptr || !logs->is_array()) return bad("logs", "missing or not an array");
  for (const auto& l : *logs) {
    auto log = parse_log(l);
    if (!log) return log.error().with_context("logs");
    r.logs.push_back(std::move(*log));
  }
  return r;
}

Result<FeeHistory> parse_fee_history(const Json& v) {
  if (!v.is_object()) return bad("feeHistory", "not an object");
  FeeHistory h;
  WAVS_TRY(read_required(v, "oldestBlock", h.oldest_block, parse_quantity));
  const Json* base = field(v, "baseFeePerGas");
  if (base == nullptr || !base->is_array()) return bad("baseFeePerGas", "missing or not an array");
  for (const auto& b : *base) {
    auto q = parse_quantity(b);
    if (!q) return q.error().with_context("baseFeePerGas");
    h.base_fee_per_gas.push_back(*q);
  }
  if (const Json* ratio = field(v, "gasUsedRatio"); ratio != nullptr && !ratio->is_null()) {
    if (!ratio->is_array()) return bad("gasUsedRatio", "not an array");
    for (const auto& r : *ratio) {
      if (!r.is_number()) return bad("gasUsedRatio", "not a number");
      h.gas_used_ratio.push_back(r.get<double>());
    }
  }
  if (const Json* reward = field(v, "reward"); reward != nullptr && !reward->is_null()) {
    if (!reward->is_array()) return bad("reward", "not an array");
    for (const auto& block : *reward) {
      if (!block.is_array()) return bad("reward", "not an array of arrays");
      auto& row = h.reward.emplace_back();
      for (const auto& q : block) {
        auto r = parse_quantity(q);
        if (!r) return r.error().with_context("reward");
        row.push_back(*r);
      }
    }
  }
  return h;
}

Json to_json(const LogFilter& filter) {
  Json out = Json::object();
  if (filter.addresses.size() == 1) {
    out["address"] = filter.addresses[0].hex();
  } else if (!filter.addresses.empty()) {
    Json a = Json::array();
    for (const auto& addr : filter.addresses) a.push_back(addr.hex());
    out["address"] = std::move(a);
  }
  // Trailing wildcards are dropped; inner wildcards are null.
  std::size_t n = filter.topics.size();
  while (n > 0 && filter.topics[n - 1].empty()) --n;
  if (n > 0) {
    Json topics = Json::array();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& alts = filter.topics[i];
      if (alts.empty()) {
        topics.push_back(nullptr);
      } else if (alts.size() == 1) {
        topics.push_back(alts[0].hex());
      } else {
        Json a = Json::array();
        for (const auto& t : alts) a.push_back(t.hex());
        topics.push_back(std::move(a));
      }
    }
    out["topics"] = std::move(topics);
  }
  return out;
}

Json to_json(const CallRequest& r) {
  Json out = Json::object();
  if (r.from) out["from"] = r.from->hex();
  if (r.to) out["to"] = r.to->hex();
  if (!r.data.empty()) out["input"] = to_hex(r.data);
  if (r.value) out["value"] = *r.value;
  if (r.gas) out["gas"] = to_quantity(*r.gas);
  if (r.max_fee_per_gas) out["maxFeePerGas"] = to_quantity(*r.max_fee_per_gas);
  if (r.max_priority_fee_per_gas) out["maxPriorityFeePerGas"] = to_quantity(*r.max_priority_fee_per_gas);
  return out;
}

Json to_json(const StateOverrides& overrides) {
  Json out = Json::object();
  for (const auto& [addr, o] : overrides) {
    Json acc = Json::object();
    if (o.code) acc["code"] = to_hex(*o.code);
    if (o.nonce) acc["nonce"] = to_quantity(*o.nonce);
    if (o.balance) acc["balance"] = *o.balance;
    if (!o.state_diff.empty()) {
      Json diff = Json::object();
      for (const auto& [slot, val] : o.state_diff) diff[slot.hex()] = val.hex();
      acc["stateDiff"] = std::move(diff);
    }
    out[addr.hex()] = std::move(acc);
  }
  return out;
}

Result<Json> response_result(const Json& response, std::string_view method) {
  if (!response.is_object()) return bad(method, "response is not a JSON object");
  if (auto err = response.find("error"); err != response.end() && !err->is_null()) {
    if (!err->is_object()) return bad(method, "error member is not an object");
    RpcErrorInfo info;
    if (auto c = err->find("code"); c != err->end() && c->is_number_integer())
      info.code = c->get<std::int64_t>();
    if (auto m = err->find("message"); m != err->end() && m->is_string())
      info.message = m->get<std::string>();
    if (auto d = err->find("data"); d != err->end()) {
      // Nodes put revert data either directly in "data" or in {"data": "0x…"}.
      const Json* hex = &*d;
      if (d->is_object()) {
        auto inner = d->find("data");
        hex = inner != d->end() ? &*inner : nullptr;
      }
      if (hex != nullptr && hex->is_string()) {
        auto bytes = parse_data(*hex);
        if (bytes) info.data = std::move(*bytes);
      }
    }
    return make_rpc_error(method, info);
  }
  auto res = response.find("result");
  if (res == response.end()) return bad(method, "response has neither result nor error");
  return *res;
}

Result<Json> parse_response(std::string_view body, std::string_view method) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    std::string head(body.substr(0, 80));
    return bad(method, "not JSON: \"" + head + (body.size() > 80 ? "…\"" : "\""));
  }
  return response_result(parsed, method);
}

}  // namespace wavs::chain
