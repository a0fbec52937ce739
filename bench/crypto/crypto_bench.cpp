// Throughput of the primitives every signed result passes through: hashing, signing,
// recovering the signer, and the envelope digest operators sign.

#include <benchmark/benchmark.h>

#include "crypto/hash.hpp"
#include "crypto/hd.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"
#include "eth/envelope.hpp"
#include "eth/rlp.hpp"
#include "eth/tx.hpp"

namespace {

using namespace wavs;

const crypto::PrivateKey& key() {
  static const crypto::PrivateKey k =
      *crypto::PrivateKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  return k;
}

void BM_Keccak256(benchmark::State& state) {
  Bytes data(static_cast<std::size_t>(state.range(0)), 0xab);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::keccak256(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Keccak256)->Arg(32)->Arg(1024);

void BM_Sha256_1KiB(benchmark::State& state) {
  Bytes data(1024, 0xab);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 1024);
}
BENCHMARK(BM_Sha256_1KiB);

void BM_Sign(benchmark::State& state) {
  Hash256 h = crypto::keccak256(std::string_view("payload"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(key().sign(h));
    h.data[0]++;
  }
}
BENCHMARK(BM_Sign);

void BM_Recover(benchmark::State& state) {
  Hash256 h = crypto::keccak256(std::string_view("payload"));
  crypto::Signature sig = key().sign(h);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::recover(h, sig));
}
BENCHMARK(BM_Recover);

void BM_EnvelopeDigest(benchmark::State& state) {
  eth::Envelope e;
  e.event_id.data.fill(0x11);
  e.payload.assign(static_cast<std::size_t>(state.range(0)), 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(e.signed_hash());
}
BENCHMARK(BM_EnvelopeDigest)->Arg(32)->Arg(1024);

void BM_EnvelopeSign(benchmark::State& state) {
  eth::Envelope e;
  e.event_id.data.fill(0x11);
  e.payload.assign(256, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(e.sign(key()));
}
BENCHMARK(BM_EnvelopeSign);

void BM_AbiDecodeSignatureData(benchmark::State& state) {
  eth::Envelope e;
  e.payload.assign(64, 1);
  std::vector<std::pair<crypto::Address, crypto::Signature>> sigs;
  for (int i = 0; i < 10; ++i) {
    auto k = *crypto::PrivateKey::random();
    sigs.emplace_back(k.address(), e.sign(k));
  }
  Bytes enc = eth::SignatureData::from_signatures(sigs, 1)->abi_encode();
  for (auto _ : state) benchmark::DoNotOptimize(eth::SignatureData::abi_decode(enc));
}
BENCHMARK(BM_AbiDecodeSignatureData);

void BM_Eip1559Sign(benchmark::State& state) {
  eth::Eip1559Tx tx;
  tx.chain_id = 31337;
  tx.max_fee_per_gas = 2000000000;
  tx.gas_limit = 300000;
  tx.to = key().address();
  tx.data.assign(600, 7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tx.sign(key()));
    tx.nonce++;
  }
}
BENCHMARK(BM_Eip1559Sign);

void BM_DeriveEthKey(benchmark::State& state) {
  auto m = *crypto::Mnemonic::parse("test test test test test test test test test test test junk");
  std::uint32_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::derive_eth_key(m, i++));
}
BENCHMARK(BM_DeriveEthKey)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
