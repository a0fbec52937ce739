// What the aggregator spends per packet before it asks the chain: parsing the packet's
// JSON, recovering its signer (Packet::verify) and the durable queue insert. The baseline,
// measured in the same run, is one bare secp256k1 recovery (the floor of any verifier).
// The RPC calls per packet (operator lookup, weight, head, simulation) are not here: they
// are the chain's time, measured end to end in docs/benchmarks.md ("Aggregator").

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "aggregator/state.hpp"
#include "common/test_support.hpp"
#include "crypto/keys.hpp"
#include "node/signer.hpp"

namespace {

using namespace wavs;

const crypto::PrivateKey& key() {
  static const crypto::PrivateKey k =
      *crypto::PrivateKey::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  return k;
}

node::Packet packet(std::uint32_t n) {
  node::Packet p;
  p.service_manager = {*service::parse_chain_key("evm:31337"),
                       *crypto::Address::from_hex("0x5fbdb2315678afecb367f032d93f642f64180aa3")};
  p.service_id = service::service_id(p.service_manager);
  p.workflow_id = "default";
  for (int i = 0; i < 4; ++i) p.envelope.event_id.data[19 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  p.envelope.payload = Bytes(32, 0x31);
  p.signature = p.envelope.sign(key());
  p.signer = key().address();
  return p;
}

void BM_Baseline_Recover(benchmark::State& state) {
  const auto p = packet(1);
  const Hash256 h = p.envelope.signed_hash();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::recover(h, p.signature));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Baseline_Recover);

void BM_ParseAndVerifyPacket(benchmark::State& state) {
  const std::string body = node::to_json(packet(1));
  for (auto _ : state) {
    auto p = node::parse_packet(body);
    benchmark::DoNotOptimize(p->verify());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseAndVerifyPacket);

// One signature into its queue: a committed SQLite transaction (synchronous=FULL) each.
void BM_QueueInsert(benchmark::State& state) {
  test::TempDir dir("wavs-agg-bench");
  auto st = aggregator::AggregatorState::open(dir.path() / "aggregator.sqlite");
  if (!st) {
    state.SkipWithError("cannot open the state");
    return;
  }
  std::uint32_t n = 0;
  for (auto _ : state) {
    const auto p = packet(++n);
    aggregator::SignatureRecord r{p.signer, p.signer, 1, p.signature, 0};
    benchmark::DoNotOptimize((*st)->add_signature({p.service_id, p.workflow_id, p.envelope.event_id, p.digest()},
                                                  p.envelope, r));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QueueInsert)->Iterations(500);

}  // namespace

BENCHMARK_MAIN();
