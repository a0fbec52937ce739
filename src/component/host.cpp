#include "component/host.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/utf8.hpp"
#include "component/chains.hpp"
#include "component/kv_store.hpp"
#include "wasi/wasi.hpp"

namespace wavs::component {
namespace {

using wasm::ValType;
constexpr ValType I32 = ValType::kI32;
constexpr ValType I64 = ValType::kI64;

constexpr std::int32_t kHasOrdering = 1;
constexpr std::int32_t kHasSalt = 2;

// The table of docs/component-abi.md, "Imports of wavs_v1": the single source for
// linking, for the load-time import checks and for dispatch. Each import expands
// WAVS_V1_IMPORTS with its own X:
//
//   X(name, (params), result, handler)
//
// params   the wasm parameter types, in order
// result   the one result type (every wavs_v1 import returns one value)
// handler  the call on HostRun::Glue `g` with the arguments `a`; its C++ type must match
//          `result` (checked at compile time)
//
// Handlers with many arguments of one shape take the span `a` whole.
// clang-format off
#define WAVS_V1_IMPORTS(X) \
  X(respond,      (I32, I32, I64, I32, I32, I32),                     I32, g.respond(a[0].i32(), a[1].i32(), a[2].i64(), a[3].i32(), a[4].i32(), a[5].i32())) \
  X(log,          (I32, I32, I32),                                    I32, g.log(a[0].i32(), a[1].i32(), a[2].i32())) \
  X(config_var,   (I32, I32, I32, I32),                               I64, g.config_var(a[0].i32(), a[1].i32(), a[2].i32(), a[3].i32())) \
  X(service_info, (I32, I32),                                         I64, g.service_info(a[0].i32(), a[1].i32())) \
  X(chain_config, (I32, I32, I32, I32),                               I64, g.chain_config(a[0].i32(), a[1].i32(), a[2].i32(), a[3].i32())) \
  X(event_id,     (I32, I32, I32, I32),                               I32, g.event_id(a[0].i32(), a[1].i32(), a[2].i32(), a[3].i32())) \
  X(http_request, (I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32), I64, g.http_request(a)) \
  X(chain_rpc,    (I32, I32, I32, I32, I32, I32, I32, I32),           I64, g.chain_rpc(a)) \
  X(kv_get,       (I32, I32, I32, I32, I32, I32),                     I64, g.kv_get(a)) \
  X(kv_set,       (I32, I32, I32, I32, I32, I32),                     I32, g.kv_set(a)) \
  X(kv_delete,    (I32, I32, I32, I32),                               I32, g.kv_delete(a)) \
  X(kv_increment, (I32, I32, I32, I32, I64, I32),                     I32, g.kv_increment(a)) \
  X(kv_list,      (I32, I32, I32, I32, I32, I32, I32),                I64, g.kv_list(a)) \
  X(result_take,  (I32, I32),                                         I64, g.result_take(a[0].i32(), a[1].i32())) \
  X(last_error,   (I32, I32),                                         I64, g.last_error(a[0].i32(), a[1].i32()))
// clang-format on

#define WAVS_V1_UNPAREN(...) __VA_ARGS__

constexpr std::array kNames = {
#define WAVS_X(name, params, result, handler) std::string_view(#name),
    WAVS_V1_IMPORTS(WAVS_X)
#undef WAVS_X
};
constexpr std::size_t kImportCount = kNames.size();

const std::array<ImportInfo, kImportCount> kFunctions = {{
#define WAVS_X(name, params, result, handler) {#name, {{WAVS_V1_UNPAREN params}, {result}}},
    WAVS_V1_IMPORTS(WAVS_X)
#undef WAVS_X
}};

// Every call except these two ends the life of the pending result.
constexpr bool keeps_pending(std::size_t index) {
  return kNames[index] == "result_take" || kNames[index] == "last_error";
}

std::string_view as_text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void put_u32le(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

std::span<const ImportInfo> wavs_v1_functions() { return kFunctions; }

// The glue between the engine's calling convention and the ABI: argument decoding,
// guest-memory checks, the pending result and the last error. Every function returns
// the ABI's value; nothing here traps on a guest's mistake.
struct HostRun::Glue {
  HostRun& run;
  wasm::Caller& caller;

  // A guest range, checked with 64-bit arithmetic; nullopt = WAVS_E_FAULT.
  std::optional<std::span<std::uint8_t>> range(std::int32_t ptr, std::int32_t len) {
    const auto p = static_cast<std::uint64_t>(static_cast<std::uint32_t>(ptr));
    const auto n = static_cast<std::uint64_t>(static_cast<std::uint32_t>(len));
    auto mem = caller.memory();
    if (p + n > mem.size()) return std::nullopt;
    return mem.subspan(static_cast<std::size_t>(p), static_cast<std::size_t>(n));
  }

  std::int32_t fail(const Error& e) {
    const std::string& text = e.detail().empty() ? e.message() : e.detail();
    run.last_error_ = std::string(utf8_prefix(sanitize_utf8(text), run.limits_.max_last_error_bytes));
    return abi_code(e);
  }
  std::int32_t fail(ComponentErrc code, std::string detail) { return fail(Error(code, std::move(detail))); }
  std::int32_t fault(std::string_view what) { return fail(ComponentErrc::kFault, std::string(what) + " is outside the guest's memory"); }

  // The buffer convention: write when it fits, else keep it pending; the size either way.
  std::int64_t give(Bytes result, std::int32_t out_ptr, std::int32_t out_cap) {
    auto out = range(out_ptr, out_cap);
    if (!out) return fault("output buffer");
    const std::int64_t n = static_cast<std::int64_t>(result.size());
    if (result.size() <= out->size()) {
      std::copy(result.begin(), result.end(), out->begin());
    } else {
      run.pending_ = std::move(result);
    }
    return n;
  }
  std::int64_t give(std::string_view s, std::int32_t out_ptr, std::int32_t out_cap) {
    auto out = range(out_ptr, out_cap);
    if (!out) return fault("output buffer");
    if (s.size() <= out->size()) {
      std::copy(s.begin(), s.end(), out->begin());
    } else {
      run.pending_ = Bytes(s.begin(), s.end());
    }
    return static_cast<std::int64_t>(s.size());
  }

  // A UTF-8 text argument: kFault or kInvalid through `code` on failure.
  std::optional<std::string_view> text(std::int32_t ptr, std::int32_t len, std::string_view what, std::int32_t& code) {
    auto r = range(ptr, len);
    if (!r) {
      code = fault(what);
      return std::nullopt;
    }
    auto s = as_text(*r);
    if (!valid_utf8(s)) {
      code = fail(ComponentErrc::kInvalid, std::string(what) + " is not valid UTF-8");
      return std::nullopt;
    }
    return s;
  }

  // Outbound calls share one budget per run.
  bool spend_outbound(std::int32_t& code) {
    if (run.outbound_calls_ >= run.limits_.max_outbound_calls) {
      code = fail(ComponentErrc::kLimit, "more than " + std::to_string(run.limits_.max_outbound_calls) +
                                             " HTTP and RPC calls in one run");
      return false;
    }
    ++run.outbound_calls_;
    return true;
  }

  std::optional<Bytes> salt_arg(std::int32_t sp, std::int32_t sn, std::int32_t& code) {
    auto s = range(sp, sn);
    if (!s) {
      code = fault("salt");
      return std::nullopt;
    }
    if (s->empty() || s->size() > run.limits_.max_salt_bytes) {
      code = fail(ComponentErrc::kInvalid, "a salt must be 1-" + std::to_string(run.limits_.max_salt_bytes) +
                                               " bytes, got " + std::to_string(s->size()));
      return std::nullopt;
    }
    return Bytes(s->begin(), s->end());
  }

  // ---- the imports ----

  std::int32_t respond(std::int32_t p, std::int32_t n, std::int64_t ordering, std::int32_t flags, std::int32_t sp,
                       std::int32_t sn) {
    if ((flags & ~(kHasOrdering | kHasSalt)) != 0) return fail(ComponentErrc::kInvalid, "respond: unknown flag bits");
    auto payload = range(p, n);
    if (!payload) return fault("payload");
    std::optional<Bytes> salt;
    if ((flags & kHasSalt) != 0) {
      std::int32_t code = 0;
      salt = salt_arg(sp, sn, code);
      if (!salt) return code;
    }
    const auto& lim = run.limits_;
    if (payload->size() > lim.max_payload_bytes) {
      return fail(ComponentErrc::kLimit, "payload of " + std::to_string(payload->size()) + " bytes is over " +
                                             std::to_string(lim.max_payload_bytes));
    }
    if (run.responses_.size() >= lim.max_responses) {
      return fail(ComponentErrc::kLimit, "a run may respond at most " + std::to_string(lim.max_responses) + " times");
    }
    if (run.total_payload_ + payload->size() > lim.max_total_payload_bytes) {
      return fail(ComponentErrc::kLimit,
                  "payloads of one run may total at most " + std::to_string(lim.max_total_payload_bytes) + " bytes");
    }
    if (!run.responses_.empty()) {
      const bool all_salted =
          salt && std::all_of(run.responses_.begin(), run.responses_.end(), [](const Response& r) { return r.salt.has_value(); });
      if (!all_salted) {
        return fail(ComponentErrc::kInvalid, "more than one response requires a salt on each");
      }
      for (const auto& r : run.responses_) {
        if (*r.salt == *salt) return fail(ComponentErrc::kInvalid, "a salt equal to an earlier response's");
      }
    }
    Response r;
    r.payload.assign(payload->begin(), payload->end());
    if ((flags & kHasOrdering) != 0) r.ordering = static_cast<std::uint64_t>(ordering);
    if (salt) {
      auto id = event_id_salted(run.workflow_->service_id, run.workflow_->workflow_id, *salt);
      if (!id) return fail(id.error());
      r.event_id = *id;
    } else {
      r.event_id = run.trigger_event_id_;
    }
    r.salt = std::move(salt);
    run.total_payload_ += r.payload.size();
    run.responses_.push_back(std::move(r));
    return 0;
  }

  std::int32_t log(std::int32_t level, std::int32_t p, std::int32_t n) {
    auto msg = range(p, n);
    if (!msg) return fault("message");
    if (level < 0 || level > 4) return fail(ComponentErrc::kInvalid, "log level must be 0-4, got " + std::to_string(level));
    LogLine line{static_cast<LogLevel>(level),
                 sanitize_utf8(utf8_prefix(as_text(*msg), run.limits_.max_log_message_bytes))};
    // Cutting first may leave a partial sequence sanitize turned into U+FFFD: fine.
    const std::string_view name = wavs::to_string(to_log_level(line.level));
    if (auto* err = wasi::WasiContext::active_stderr()) {
      err->write("[" + std::string(name) + "] " + line.message + "\n");
    }
    if (run.services_->log_to_host) {
      // spdlog reads the process's level names ("warn" included).
      spdlog::log(spdlog::level::from_str(std::string(name)), "component {}/{}: {}",
                  run.workflow_->service_id.hex(HexPrefix::kNone).substr(0, 12), run.workflow_->workflow_id,
                  line.message);
    }
    run.logs_.push_back(std::move(line));
    return 0;
  }

  std::int64_t config_var(std::int32_t kp, std::int32_t kn, std::int32_t op, std::int32_t oc) {
    auto key = range(kp, kn);
    if (!key) return fault("key");
    const auto& config = run.workflow_->component.config;
    auto it = config.find(as_text(*key));
    if (it == config.end()) {
      return fail(ComponentErrc::kNotFound, "no config variable '" + sanitize_utf8(as_text(*key)) + "'");
    }
    return give(it->second, op, oc);
  }

  std::int64_t service_info(std::int32_t op, std::int32_t oc) {
    // Built on first use: most components never ask, and parsing the manifest would
    // otherwise cost every run.
    if (run.service_info_json_.empty()) {
      nlohmann::ordered_json info = nlohmann::ordered_json::object();
      info["service_id"] = run.workflow_->service_id.hex(HexPrefix::kNone);
      info["workflow_id"] = run.workflow_->workflow_id;
      const std::string& text = run.workflow_->service_json;
      auto manifest = nlohmann::ordered_json::parse(text.empty() ? "{}" : text, nullptr, false);
      if (manifest.is_discarded()) return fail(ComponentErrc::kInternal, "the node's copy of the manifest is not JSON");
      info["service"] = std::move(manifest);
      run.service_info_json_ = info.dump();
    }
    return give(std::string_view(run.service_info_json_), op, oc);
  }

  std::int64_t chain_config(std::int32_t cp, std::int32_t cn, std::int32_t op, std::int32_t oc) {
    std::int32_t code = 0;
    auto key = text(cp, cn, "chain", code);
    if (!key) return code;
    if (run.services_->chains == nullptr) return fail(ComponentErrc::kUnavailable, "no chains are configured here");
    auto json = run.services_->chains->config_json(*key);
    if (!json) return fail(json.error());
    return give(*json, op, oc);
  }

  std::int32_t event_id(std::int32_t flags, std::int32_t sp, std::int32_t sn, std::int32_t op) {
    if ((flags & ~kHasSalt) != 0) return fail(ComponentErrc::kInvalid, "event_id: unknown flag bits");
    eth::EventId id = run.trigger_event_id_;
    if ((flags & kHasSalt) != 0) {
      std::int32_t code = 0;
      auto salt = salt_arg(sp, sn, code);
      if (!salt) return code;
      auto salted = event_id_salted(run.workflow_->service_id, run.workflow_->workflow_id, *salt);
      if (!salted) return fail(salted.error());
      id = *salted;
    }
    auto out = range(op, static_cast<std::int32_t>(eth::EventId::size()));
    if (!out) return fault("output buffer");
    std::copy(id.data.begin(), id.data.end(), out->begin());
    return 0;
  }

  std::int64_t http_request(std::span<const wasm::Value> a) {
    auto out = range(a[9].i32(), a[10].i32());
    if (!out) return fault("output buffer");
    std::int32_t code = 0;
    auto method = text(a[0].i32(), a[1].i32(), "method", code);
    if (!method) return code;
    auto url = text(a[2].i32(), a[3].i32(), "url", code);
    if (!url) return code;
    auto headers = text(a[4].i32(), a[5].i32(), "headers", code);
    if (!headers) return code;
    auto body = range(a[6].i32(), a[7].i32());
    if (!body) return fault("body");
    if (run.services_->http == nullptr) return fail(ComponentErrc::kUnavailable, "outbound HTTP is not available here");
    auto parsed_headers = parse_header_block(*headers);
    if (!parsed_headers) return fail(parsed_headers.error());
    if (!spend_outbound(code)) return code;
    OutboundRequest req;
    req.method = method->empty() ? "GET" : std::string(*method);
    req.url = std::string(*url);
    req.headers = std::move(*parsed_headers);
    req.body.assign(body->begin(), body->end());
    const std::int32_t timeout_ms = a[8].i32();
    req.timeout = timeout_ms > 0 ? std::chrono::milliseconds(timeout_ms) : run.limits_.default_http_timeout;
    auto resp = run.services_->http->send(req, run.workflow_->component.allowed_http_hosts, run.deadline_, run.cancel_);
    if (!resp) return fail(resp.error());
    std::string header_block;
    for (const auto& [k, v] : resp->headers) header_block += k + ": " + v + "\r\n";
    Bytes result;
    result.reserve(8 + header_block.size() + resp->body.size());
    put_u32le(result, resp->status);
    put_u32le(result, static_cast<std::uint32_t>(header_block.size()));
    result.insert(result.end(), header_block.begin(), header_block.end());
    result.insert(result.end(), resp->body.begin(), resp->body.end());
    return give(std::move(result), a[9].i32(), a[10].i32());
  }

  std::int64_t chain_rpc(std::span<const wasm::Value> a) {
    auto out = range(a[6].i32(), a[7].i32());
    if (!out) return fault("output buffer");
    std::int32_t code = 0;
    auto chain = text(a[0].i32(), a[1].i32(), "chain", code);
    if (!chain) return code;
    auto method = text(a[2].i32(), a[3].i32(), "method", code);
    if (!method) return code;
    auto params = text(a[4].i32(), a[5].i32(), "params", code);
    if (!params) return code;
    if (run.services_->chains == nullptr) return fail(ComponentErrc::kUnavailable, "no chains are configured here");
    if (!rpc_method_allowed(*method)) {
      return fail(ComponentErrc::kDenied, "method '" + std::string(*method) + "' is not allowed (read-only methods only)");
    }
    if (!spend_outbound(code)) return code;
    auto result = run.services_->chains->rpc(*chain, *method, *params, run.deadline_, kMaxRpcResultBytes, run.cancel_);
    if (!result) return fail(result.error());
    return give(*result, a[6].i32(), a[7].i32());
  }

  // The KV calls share their argument checks: ranges first (a fault is a fault whether or
  // not a store exists), then availability, then the store's own rules.
  struct KvArgs {
    std::string_view bucket;
    ByteView key;
  };
  std::optional<KvArgs> kv_args(std::span<const wasm::Value> a, std::int32_t& code) {
    auto bucket = range(a[0].i32(), a[1].i32());
    if (!bucket) {
      code = fault("bucket");
      return std::nullopt;
    }
    auto key = range(a[2].i32(), a[3].i32());
    if (!key) {
      code = fault("key");
      return std::nullopt;
    }
    return KvArgs{as_text(*bucket), ByteView(key->data(), key->size())};
  }
  KvStore* store(std::int32_t& code) {
    if (run.services_->kv == nullptr) code = fail(ComponentErrc::kUnavailable, "no key-value store here");
    return run.services_->kv;
  }
  ByteView service() const { return run.workflow_->service_id.view(); }

  std::int64_t kv_get(std::span<const wasm::Value> a) {
    std::int32_t code = 0;
    auto args = kv_args(a, code);
    if (!args) return code;
    if (!range(a[4].i32(), a[5].i32())) return fault("output buffer");
    KvStore* kv = store(code);
    if (kv == nullptr) return code;
    auto value = kv->get(service(), args->bucket, args->key);
    if (!value) return fail(value.error());
    if (!*value) return fail(ComponentErrc::kNotFound, "no such key in bucket '" + sanitize_utf8(args->bucket) + "'");
    return give(std::move(**value), a[4].i32(), a[5].i32());
  }

  std::int32_t kv_set(std::span<const wasm::Value> a) {
    std::int32_t code = 0;
    auto args = kv_args(a, code);
    if (!args) return code;
    auto value = range(a[4].i32(), a[5].i32());
    if (!value) return fault("value");
    KvStore* kv = store(code);
    if (kv == nullptr) return code;
    auto done = kv->set(service(), args->bucket, args->key, ByteView(value->data(), value->size()));
    return done ? 0 : fail(done.error());
  }

  std::int32_t kv_delete(std::span<const wasm::Value> a) {
    std::int32_t code = 0;
    auto args = kv_args(a, code);
    if (!args) return code;
    KvStore* kv = store(code);
    if (kv == nullptr) return code;
    auto existed = kv->remove(service(), args->bucket, args->key);
    if (!existed) return fail(existed.error());
    return *existed ? 1 : 0;
  }

  std::int32_t kv_increment(std::span<const wasm::Value> a) {
    std::int32_t code = 0;
    auto args = kv_args(a, code);
    if (!args) return code;
    auto out = range(a[5].i32(), 8);
    if (!out) return fault("output buffer");
    KvStore* kv = store(code);
    if (kv == nullptr) return code;
    auto value = kv->increment(service(), args->bucket, args->key, a[4].i64());
    if (!value) return fail(value.error());
    const auto v = static_cast<std::uint64_t>(*value);
    for (int i = 0; i < 8; ++i) (*out)[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    return 0;
  }

  std::int64_t kv_list(std::span<const wasm::Value> a) {
    std::int32_t code = 0;
    auto args = kv_args(a, code);  // (bucket, cursor) have the same shape as (bucket, key)
    if (!args) return code;
    if (!range(a[5].i32(), a[6].i32())) return fault("output buffer");
    KvStore* kv = store(code);
    if (kv == nullptr) return code;
    auto keys = kv->list(service(), args->bucket, args->key, a[4].i32());
    if (!keys) return fail(keys.error());
    Bytes result;
    for (const auto& k : *keys) {
      put_u32le(result, static_cast<std::uint32_t>(k.size()));
      result.insert(result.end(), k.begin(), k.end());
    }
    return give(std::move(result), a[5].i32(), a[6].i32());
  }

  std::int64_t result_take(std::int32_t op, std::int32_t oc) {
    if (!run.pending_) return fail(ComponentErrc::kNotFound, "no pending result");
    auto out = range(op, oc);
    if (!out) return fault("output buffer");
    const Bytes& p = *run.pending_;
    if (p.size() <= out->size()) std::copy(p.begin(), p.end(), out->begin());
    return static_cast<std::int64_t>(p.size());
  }

  std::int64_t last_error(std::int32_t op, std::int32_t oc) {
    // Never replaces the message, even for a bad buffer.
    auto out = range(op, oc);
    if (!out) return abi_code(Error(ComponentErrc::kFault));
    const std::string& e = run.last_error_;
    if (e.size() <= out->size()) std::copy(e.begin(), e.end(), out->begin());
    return static_cast<std::int64_t>(e.size());
  }

  // Every call except result_take and last_error ends the life of the pending result.
  static void dispatch(HostRun& run, std::size_t index, wasm::Caller& caller, std::span<const wasm::Value> args,
                       std::span<wasm::Value> results);
  static std::optional<wasm::Trap> dispatch_active(void* user, wasm::Caller& caller, std::span<const wasm::Value> args,
                                                   std::span<wasm::Value> results);
};

namespace {
thread_local HostRun* t_active_run = nullptr;

using V = std::span<const wasm::Value>;
using Impl = wasm::Value (*)(HostRun::Glue&, V);

// A handler's return value as the table's result type.
template <ValType R, class T>
wasm::Value result_value(T v) {
  static_assert(
      (R == I32 && std::is_same_v<T, std::int32_t>) || (R == I64 && std::is_same_v<T, std::int64_t>),
      "a wavs_v1 handler's C++ type does not match its result type in WAVS_V1_IMPORTS");
  if constexpr (R == I32) {
    return wasm::Value::i32(v);
  } else {
    return wasm::Value::i64(v);
  }
}

const std::array<Impl, kImportCount> kImpls = {{
#define WAVS_X(name, params, result, handler) \
  [](HostRun::Glue& g, V a) { return result_value<result>(handler); },
    WAVS_V1_IMPORTS(WAVS_X)
#undef WAVS_X
}};
}  // namespace

void HostRun::Glue::dispatch(HostRun& run, std::size_t index, wasm::Caller& caller, std::span<const wasm::Value> args,
                             std::span<wasm::Value> results) {
  ++run.calls_;
  if (!keeps_pending(index)) run.pending_.reset();
  Glue glue{run, caller};
  results[0] = kImpls[index](glue, args);
}

std::optional<wasm::Trap> HostRun::Glue::dispatch_active(void* user, wasm::Caller& caller,
                                                         std::span<const wasm::Value> args,
                                                         std::span<wasm::Value> results) {
  HostRun* run = t_active_run;
  if (run == nullptr) return wasm::Trap::host("wavs_v1 call with no active run");
  dispatch(*run, reinterpret_cast<std::uintptr_t>(user), caller, args, results);
  return std::nullopt;
}

void HostRun::link_active(wasm::Linker& linker) {
  for (std::size_t i = 0; i < kFunctions.size(); ++i) {
    linker.define_func(std::string(kImportModule), std::string(kFunctions[i].name), kFunctions[i].type,
                       &Glue::dispatch_active, reinterpret_cast<void*>(i));
  }
}

HostRun::Scope::Scope(HostRun& run) : previous_(t_active_run) { t_active_run = &run; }
HostRun::Scope::~Scope() { t_active_run = previous_; }

Result<HostRun> HostRun::create(const TriggerAction& action, const WorkflowContext& workflow,
                                const HostServices& services, std::chrono::steady_clock::time_point deadline,
                                HostLimits limits, std::stop_token cancel) {
  HostRun run;
  run.action_ = &action;
  run.workflow_ = &workflow;
  run.services_ = &services;
  run.deadline_ = deadline;
  run.cancel_ = std::move(cancel);
  run.limits_ = limits;
  auto id = component::event_id(workflow.service_id, workflow.workflow_id, action.data);
  if (!id) return id.error();
  run.trigger_event_id_ = *id;
  return run;
}

void HostRun::link(wasm::Linker& linker) {
  for (std::size_t i = 0; i < kFunctions.size(); ++i) {
    linker.define_func(std::string(kImportModule), std::string(kFunctions[i].name), kFunctions[i].type,
                       [this, i](wasm::Caller& caller, std::span<const wasm::Value> args,
                                 std::span<wasm::Value> results) -> std::optional<wasm::Trap> {
                         Glue::dispatch(*this, i, caller, args, results);
                         return std::nullopt;
                       });
  }
}

}  // namespace wavs::component
