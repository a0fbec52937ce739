#include "evm.hpp"

#include <chrono>
#include <map>
#include <thread>

namespace wavs::chain::testing {

namespace {

// Just enough of an assembler for the test contracts: opcodes, pushes and labels.
class Asm {
 public:
  Asm& op(std::uint8_t code) {
    out_.push_back(code);
    return *this;
  }
  Asm& push1(std::uint8_t v) { return op(0x60).op(v); }
  Asm& push32(const Hash256& v) {
    op(0x7f);
    out_.insert(out_.end(), v.data.begin(), v.data.end());
    return *this;
  }
  Asm& push_label(const std::string& name) {
    op(0x61);  // PUSH2, patched in finish()
    fixups_.emplace_back(out_.size(), name);
    out_.push_back(0);
    out_.push_back(0);
    return *this;
  }
  Asm& label(const std::string& name) {
    labels_[name] = out_.size();
    return op(0x5b);  // JUMPDEST
  }
  Bytes finish() {
    for (auto& [at, name] : fixups_) {
      std::size_t target = labels_.at(name);
      out_[at] = static_cast<std::uint8_t>(target >> 8);
      out_[at + 1] = static_cast<std::uint8_t>(target);
    }
    return out_;
  }

 private:
  Bytes out_;
  std::map<std::string, std::size_t> labels_;
  std::vector<std::pair<std::size_t, std::string>> fixups_;
};

constexpr std::uint8_t kAdd = 0x01, kSub = 0x03, kIsZero = 0x15, kCallDataLoad = 0x35, kCallDataSize = 0x36,
                       kCallDataCopy = 0x37, kCodeCopy = 0x39, kMstore = 0x52, kJump = 0x56, kJumpi = 0x57,
                       kDup1 = 0x80, kDup2 = 0x81, kSwap1 = 0x90, kLog1 = 0xa1, kReturn = 0xf3,
                       kRevert = 0xfd, kStop = 0x00;

}  // namespace

Hash256 emitter_topic() {
  Hash256 t;
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::uint8_t>(0xe0 + i);
  return t;
}

Bytes emitter_runtime() {
  Asm a;
  // Stack (top first): [start, count].
  a.push1(0x00).op(kCallDataLoad).push1(0x20).op(kCallDataLoad);
  a.label("loop");
  a.op(kDup2).op(kIsZero).push_label("end").op(kJumpi);
  a.op(kDup1).push1(0x00).op(kMstore);
  a.push32(emitter_topic()).push1(0x20).push1(0x00).op(kLog1);
  a.push1(0x01).op(kAdd);                                   // start + 1
  a.op(kSwap1).push1(0x01).op(kSwap1).op(kSub).op(kSwap1);  // count - 1
  a.push_label("loop").op(kJump);
  a.label("end");
  a.op(kStop);
  return a.finish();
}

Bytes reverter_runtime() {
  Asm a;
  a.op(kCallDataSize).push1(0x00).push1(0x00).op(kCallDataCopy);
  a.op(kCallDataSize).push1(0x00).op(kRevert);
  return a.finish();
}

Bytes deploy_code(ByteView runtime) {
  // CODECOPY(0, 12, len); RETURN(0, len); then the runtime. Lengths below 256 only.
  const auto len = static_cast<std::uint8_t>(runtime.size());
  Bytes code;
  code.reserve(12 + runtime.size());
  for (std::uint8_t b : {std::uint8_t{0x60}, len, std::uint8_t{0x60}, std::uint8_t{0x0c}, std::uint8_t{0x60},
                         std::uint8_t{0x00}, kCodeCopy, std::uint8_t{0x60}, len, std::uint8_t{0x60},
                         std::uint8_t{0x00}, kReturn}) {
    code.push_back(b);
  }
  for (std::uint8_t b : runtime) code.push_back(b);
  return code;
}

Result<Receipt> send_from_account0(RpcClient& rpc, const std::optional<Address>& to, ByteView data) {
  Json tx = {
      {"from", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}, {"data", to_hex(data)}, {"gas", "0x1c9c380"}};
  if (to) tx["to"] = to->hex();
  auto sent = rpc.request("eth_sendTransaction", Json::array({tx}));
  if (!sent) return sent.error();
  auto hash = parse_hash(*sent);
  if (!hash) return hash.error();
  for (int i = 0; i < 600; ++i) {
    auto r = rpc.transaction_receipt(*hash);
    if (!r) return r.error();
    if (*r) return std::move(**r);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Error(ChainErrc::kTxTimeout, "setup transaction " + hash->hex());
}

Result<Address> deploy(RpcClient& rpc, ByteView runtime) {
  auto receipt = send_from_account0(rpc, std::nullopt, deploy_code(runtime));
  if (!receipt) return receipt.error();
  if (!receipt->status || !receipt->contract_address) {
    return Error(ChainErrc::kReverted, "deployment failed");
  }
  return *receipt->contract_address;
}

Bytes encode_two_words(std::uint64_t a, std::uint64_t b) {
  Bytes out(64, 0);
  for (int i = 0; i < 8; ++i) {
    out[31 - i] = static_cast<std::uint8_t>(a >> (8 * i));
    out[63 - i] = static_cast<std::uint8_t>(b >> (8 * i));
  }
  return out;
}

}  // namespace wavs::chain::testing
