#include "chain/error.hpp"

#include <charconv>

// clang-format off
WAVS_ERROR_TABLE(wavs::chain, ChainErrc, "chain",
                 "endpoint unreachable or connection broken",
                 "timed out",
                 "unexpected HTTP status",
                 "malformed JSON-RPC response",
                 "JSON-RPC error",
                 "execution reverted",
                 "no usable endpoint",
                 "stopped",
                 "invalid argument",
                 "nonce too low",
                 "transaction underpriced",
                 "transaction not mined in time",
                 "chain reorganization")
// clang-format on

namespace wavs::chain {

namespace {
constexpr std::string_view kCodeMark = ": code ";
constexpr std::string_view kDataMark = "; data ";

// Reverts are reported by nodes in several ways: code 3 (geth, anvil) or a message that
// starts "execution reverted" / contains "revert".
bool is_revert(const RpcErrorInfo& info) {
  return info.code == 3 || info.message.find("revert") != std::string::npos;
}
}  // namespace

Error make_rpc_error(std::string_view method, const RpcErrorInfo& info) {
  std::string detail(method);
  detail += kCodeMark;
  detail += std::to_string(info.code);
  detail += ": ";
  detail += info.message;
  if (info.data) {
    detail += kDataMark;
    detail += to_hex(*info.data);
  }
  return Error(is_revert(info) ? ChainErrc::kReverted : ChainErrc::kRpc, std::move(detail));
}

std::optional<RpcErrorInfo> rpc_error_info(const Error& error) {
  if (!error.is(ChainErrc::kRpc) && !error.is(ChainErrc::kReverted)) return std::nullopt;
  std::string_view d = error.detail();
  // Context may have been prefixed with with_context(); the mark is unique enough.
  auto at = d.find(kCodeMark);
  if (at == std::string_view::npos) return std::nullopt;
  d.remove_prefix(at + kCodeMark.size());
  RpcErrorInfo info;
  auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), info.code);
  if (ec != std::errc()) return std::nullopt;
  d.remove_prefix(static_cast<std::size_t>(end - d.data()));
  if (d.substr(0, 2) != ": ") return std::nullopt;
  d.remove_prefix(2);
  auto data_at = d.rfind(kDataMark);
  if (data_at != std::string_view::npos) {
    auto bytes = from_hex(d.substr(data_at + kDataMark.size()));
    if (bytes) {
      info.data = std::move(*bytes);
      d = d.substr(0, data_at);
    }
  }
  info.message = std::string(d);
  return info;
}

}  // namespace wavs::chain
