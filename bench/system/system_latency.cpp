// Event → result on chain, end to end, on a running devnet (bench/system.sh starts
// `wavs devnet --state FILE` and runs this with the file): N operators' nodes and the
// aggregators as real processes on a real anvil.
//
//   baseline  a plain transfer from the funded key, sent and its receipt read: what the
//             chain itself takes for one transaction (anvil mines each at once).
//   event     SimpleTrigger.addTrigger sent (timing starts before the send) until
//             SimpleSubmit.handledCount() shows the result landed (polled every 1 ms):
//             the trigger transaction, the nodes noticing the log, the component runs,
//             signing, delivery, the aggregator's checks and its transaction.
//   gas       gasUsed of every landed handleSignedEnvelope, read from the receipts of the
//             EnvelopeHandled logs.
// SYSTEM_TRIGGERS (default 100) events, one at a time, after 5 for warm-up. Prints a
// Markdown table; exits 2 when the state file is unusable.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/simple_trigger.hpp"
#include "crypto/keys.hpp"

namespace {

using namespace wavs;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

Bytes u256_word(std::uint64_t v) {
  Bytes out(32, 0);
  for (int i = 0; i < 8; ++i) out[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: system_latency DEVNET_STATE.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  auto state = nlohmann::json::parse(in, nullptr, false);
  if (state.is_discarded() || !state.contains("rpc_url")) {
    std::cerr << "system_latency: " << argv[1] << " is not a devnet state file\n";
    return 2;
  }
  const int triggers = std::getenv("SYSTEM_TRIGGERS") ? std::atoi(std::getenv("SYSTEM_TRIGGERS")) : 100;
  chain::RpcConfig rc;
  rc.http_endpoints = {state.at("rpc_url").get<std::string>()};
  chain::RpcClient rpc(rc);
  auto key = crypto::PrivateKey::from_hex(state.at("funded_key").get<std::string>());
  auto trigger_address = crypto::Address::from_hex(state.at("trigger").get<std::string>());
  auto submit_address = crypto::Address::from_hex(state.at("submit").get<std::string>());
  if (!key || !trigger_address || !submit_address) {
    std::cerr << "system_latency: funded_key, trigger or submit missing from the state file\n";
    return 2;
  }
  chain::TxSenderConfig tc;
  tc.poll_interval = std::chrono::milliseconds(1);
  tc.known_errors = contracts::abi_errors();
  chain::TxSender sender(rpc, *key, tc);
  contracts::SimpleTrigger trigger(rpc, *trigger_address);
  contracts::SimpleSubmit submit(rpc, *submit_address);

  std::vector<double> baseline, event;
  auto handled = [&]() -> std::uint64_t {
    auto n = submit.handled_count();
    return n ? static_cast<std::uint64_t>(*n) : 0;
  };
  std::uint64_t seen = handled();
  for (int i = 0; i < triggers + 5; ++i) {
    const auto b0 = Clock::now();
    auto plain = sender.send({.to = key->address(), .data = {}, .value = eth::U256(1), .gas_limit = std::nullopt});
    const double b = ms_since(b0);
    if (!plain) {
      std::cerr << "system_latency: transfer: " << plain.error().message() << "\n";
      return 1;
    }
    const auto t0 = Clock::now();
    auto added = trigger.add_trigger(sender, u256_word(static_cast<std::uint64_t>(i + 1)));
    if (!added) {
      std::cerr << "system_latency: addTrigger: " << added.error().message() << "\n";
      return 1;
    }
    while (handled() <= seen) {
      if (ms_since(t0) > 60'000) {
        std::cerr << "system_latency: event " << i << " did not land within 60 s\n";
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double e = ms_since(t0);
    ++seen;
    if (i >= 5) {
      baseline.push_back(b);
      event.push_back(e);
    }
  }

  // Gas of the landed submissions, from the chain.
  chain::LogFilter filter;
  filter.addresses = {*submit_address};
  filter.topics = {{contracts::event_topic<contracts::EnvelopeHandled>()}};
  auto head = rpc.block_number();
  std::vector<double> gas;
  if (head) {
    auto logs = rpc.get_logs(filter, 0, *head);
    if (logs) {
      for (const auto& log : *logs) {
        auto r = rpc.transaction_receipt(log.tx_hash);
        if (r && *r) gas.push_back(static_cast<double>((*r)->gas_used));
      }
    }
  }
  const auto pb = percentiles(baseline), pe = percentiles(event), pg = percentiles(gas);
  const std::size_t operators = state.contains("nodes") ? state["nodes"].size() : 0;
  const std::size_t aggregators = state.contains("aggregators") ? state["aggregators"].size() : 0;
  std::printf("%d events one at a time, %zu operators, %zu aggregator(s)\n\n", triggers, operators, aggregators);
  std::printf("| measured (ms) | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|\n");
  std::printf("| baseline: one transaction and its receipt | %.1f | %.1f | %.1f | %.1f |\n", pb.p50, pb.p90, pb.p99,
              pb.max);
  std::printf("| event → result on chain | %.1f | %.1f | %.1f | %.1f |\n", pe.p50, pe.p90, pe.p99, pe.max);
  std::printf("\nabove the baseline: p50 +%.1f ms, p99 +%.1f ms\n", pe.p50 - pb.p50, pe.p99 - pb.p99);
  std::printf("gas of the landed handleSignedEnvelope (%zu receipts): p50 %.0f, max %.0f\n", gas.size(), pg.p50, pg.max);
  return 0;
}
