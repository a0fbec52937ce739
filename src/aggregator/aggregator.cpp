#include "aggregator/aggregator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "chain/error.hpp"
#include "component/runner.hpp"
#include "component/store.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/service_handler.hpp"
#include "contracts/service_manager.hpp"
#include "crypto/hash.hpp"
#include "crypto/hd.hpp"
#include "node/uri_watch.hpp"

#ifndef WAVS_VERSION
#define WAVS_VERSION "dev"
#endif

namespace wavs::aggregator {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Manifests keep addresses as plain bytes; the chain bindings want EVM addresses.
crypto::Address evm(const service::Address& a) { return crypto::Address(a); }

std::string short_id(const Hash256& id) { return id.hex(HexPrefix::kNone).substr(0, 12); }

// What the contracts said about a queue's signatures.
struct Judgement {
  enum class Kind { kAccepted, kShort, kHandled, kBadSigner, kRejected };
  Kind kind = Kind::kRejected;
  contracts::InsufficientQuorum quorum;  // kShort
  std::string reason;                    // kRejected
};

Judgement judge_verdict(const contracts::Verdict& v) {
  Judgement j;
  if (v.accepted()) {
    j.kind = Judgement::Kind::kAccepted;
    return j;
  }
  const auto& why = *v.rejection;
  if (const auto* q = std::get_if<contracts::InsufficientQuorum>(&why)) {
    j.kind = Judgement::Kind::kShort;
    j.quorum = *q;
  } else if (std::holds_alternative<contracts::InsufficientQuorumZero>(why)) {
    j.kind = Judgement::Kind::kShort;
  } else if (std::holds_alternative<contracts::EventAlreadyHandled>(why)) {
    j.kind = Judgement::Kind::kHandled;
  } else if (std::holds_alternative<contracts::InvalidSignature>(why)) {
    j.kind = Judgement::Kind::kBadSigner;
  } else {
    j.kind = Judgement::Kind::kRejected;
  }
  j.reason = contracts::to_string(why);
  return j;
}

}  // namespace

Result<Routing> parse_component_actions(const std::vector<Bytes>& payloads) {
  Routing r;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const std::string at = "aggregator component response " + std::to_string(i);
    auto doc = nlohmann::json::parse(payloads[i].begin(), payloads[i].end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || doc.size() != 1) {
      return Error(AggregatorErrc::kNoDestination, at + ": expected {\"submit\": …} or {\"timer\": …}");
    }
    if (doc.contains("submit")) {
      const auto& sub = doc["submit"];
      if (!sub.is_object() || !sub.contains("chain") || !sub["chain"].is_string() || !sub.contains("address") ||
          !sub["address"].is_string()) {
        return Error(AggregatorErrc::kNoDestination, at + ".submit: expected {\"chain\", \"address\"}");
      }
      auto chain = service::parse_chain_key(sub["chain"].get<std::string>());
      auto address = crypto::Address::from_hex(sub["address"].get<std::string>());
      if (!chain) return Error(AggregatorErrc::kNoDestination, at + ".submit.chain: " + chain.error().message());
      if (!address) return Error(AggregatorErrc::kNoDestination, at + ".submit.address: expected 20 bytes of 0x-hex");
      r.destinations.push_back({*chain, *address});
    } else if (doc.contains("timer")) {
      const auto& timer = doc["timer"];
      if (!timer.is_object() || !timer.contains("delay_ms") || !timer["delay_ms"].is_number_unsigned() ||
          timer["delay_ms"].get<std::uint64_t>() > 3'600'000) {
        return Error(AggregatorErrc::kNoDestination, at + ".timer.delay_ms: expected 0..3600000");
      }
      r.delay += std::chrono::milliseconds(timer["delay_ms"].get<std::uint64_t>());
    } else {
      return Error(AggregatorErrc::kNoDestination, at + ": unknown action " + doc.begin().key());
    }
  }
  return r;
}


std::string_view to_string(PacketOutcome::Kind kind) {
  switch (kind) {
    case PacketOutcome::Kind::kSent:
      return "sent";
    case PacketOutcome::Kind::kAggregated:
      return "aggregated";
    case PacketOutcome::Kind::kBurned:
      return "burned";
  }
  return "aggregated";
}

std::size_t submission_rank(const eth::EventId& event_id, const crypto::Address& self,
                            const std::vector<crypto::Address>& set) {
  auto score = [&](const crypto::Address& a) {
    Bytes input(event_id.data.begin(), event_id.data.end());
    input.insert(input.end(), a.data.begin(), a.data.end());
    return crypto::keccak256(input);
  };
  const Hash256 mine = score(self);
  bool member = false;
  std::size_t before = 0;
  for (const auto& a : set) {
    if (a == self) {
      member = true;
      continue;
    }
    const Hash256 theirs = score(a);
    if (theirs < mine || (theirs == mine && a < self)) ++before;
  }
  return member ? before : 0;
}

Result<crypto::PrivateKey> key_from_credential(const Secret& credential) {
  if (credential.empty()) return Error(AggregatorErrc::kNoCredential, "aggregator_evm_credential is not set");
  auto key = crypto::key_from_credential(credential);
  if (!key) return Error(AggregatorErrc::kNoCredential, "aggregator_evm_credential: " + key.error().detail());
  return key;
}

struct Aggregator::Impl {
  struct ChainClient {
    node::ChainEndpoints endpoints;
    std::unique_ptr<chain::RpcClient> rpc;
    std::unique_ptr<chain::TxSender> sender;  // null without a credential
  };
  using LockKey = std::tuple<Hash256, std::string, eth::EventId, Hash256>;

  AggregatorConfig config;
  std::stop_source stop;
  std::optional<std::stop_callback<std::function<void()>>> forward_cancel;
  std::unique_ptr<AggregatorState> state;
  std::unique_ptr<node::Fetcher> fetcher;
  std::optional<crypto::Address> submitter;
  std::map<std::string, ChainClient> chains;  // by "evm:<id>"

  mutable std::mutex services_mutex;
  std::map<Hash256, ServiceView> services;

  // Aggregator components (2.0 manifests): their bytes in <data>/components, compiled
  // once, run without host services (no KV, HTTP or chain access). Their routing of an
  // envelope is remembered per (service, workflow, digest): a component must answer
  // the same for the same envelope anyway.
  wasm::Engine engine;
  std::unique_ptr<component::ComponentStore> store;
  std::unique_ptr<component::ProgramCache> programs;
  component::HostServices host;
  std::mutex routing_mutex;
  std::map<LockKey, Routing> routing_cache;

  std::mutex locks_mutex;
  std::map<LockKey, std::shared_ptr<std::mutex>> locks;
  std::set<std::int64_t> in_flight;  // queues whose transaction is being sent (under locks_mutex)

  std::atomic<std::uint64_t> packets{0}, refused{0}, sent{0}, send_failures{0};
  Metrics metrics{WAVS_VERSION};

  std::mutex maintenance_mutex;
  std::condition_variable maintenance_cv;
  bool stopping = false;
  std::thread maintenance;

  ChainClient* chain_of(const service::ChainKey& key) {
    auto it = chains.find(key.str());
    return it == chains.end() ? nullptr : &it->second;
  }

  std::shared_ptr<std::mutex> lock_for(const QueueKey& k) {
    std::lock_guard g(locks_mutex);
    // Entries nobody holds any more are dropped as we go, so the map stays small.
    for (auto it = locks.begin(); it != locks.end();) {
      it = it->second.use_count() == 1 ? locks.erase(it) : std::next(it);
    }
    auto& slot = locks[LockKey{k.service_id, k.workflow_id, k.event_id, k.digest}];
    if (!slot) slot = std::make_shared<std::mutex>();
    return slot;
  }

  std::optional<ServiceView> service(const Hash256& id) const {
    std::lock_guard g(services_mutex);
    auto it = services.find(id);
    if (it == services.end()) return std::nullopt;
    return it->second;
  }

  // Where a workflow lands `envelope`: its 1.x evm_contracts, or what its aggregator
  // component answers; kUnknownWorkflow / kNoDestination otherwise.
  Result<Routing> routing(const ServiceView& s, const std::string& workflow_id, const eth::Envelope& envelope) {
    auto it = s.manifest.workflows.find(workflow_id);
    if (it == s.manifest.workflows.end()) {
      return Error(AggregatorErrc::kUnknownWorkflow,
                   "service " + short_id(s.record.service_id) + " has no workflow \"" + workflow_id + "\"");
    }
    const auto& submit = it->second.submit;
    if (submit.kind != service::Submit::Kind::kAggregator) {
      return Error(AggregatorErrc::kNoDestination, "workflow \"" + workflow_id + "\" submits nothing (submit: none)");
    }
    if (!submit.evm_contracts.empty()) return Routing{submit.evm_contracts, {}};
    if (!submit.component) {
      return Error(AggregatorErrc::kNoDestination, "workflow \"" + workflow_id + "\" names no destination");
    }
    const LockKey key{s.record.service_id, workflow_id, envelope.event_id, envelope.digest()};
    {
      std::lock_guard g(routing_mutex);
      if (auto c = routing_cache.find(key); c != routing_cache.end()) return c->second;
    }
    const auto& comp = *submit.component;
    auto program = programs->get(comp.source.digest, [&] { return store->get(comp.source.digest); });
    if (!program) {
      return Error(AggregatorErrc::kNoDestination, "workflows." + workflow_id +
                                                       ".submit.aggregator.component: " + program.error().message());
    }
    component::WorkflowContext wc;
    wc.service_id = s.record.service_id;
    wc.workflow_id = workflow_id;
    wc.service_json = s.record.manifest_json;
    wc.trigger = it->second.trigger;
    wc.component = comp;
    auto run = component::execute(**program, wc.action(component::Raw{envelope.abi_encode()}), wc, host,
                                  stop.get_token());
    if (!run) return Error(AggregatorErrc::kNoDestination, "aggregator component: " + run.error().message());
    if (!run->ok()) return Error(AggregatorErrc::kNoDestination, "aggregator component failed: " + run->error);
    std::vector<Bytes> payloads;
    for (const auto& resp : run->responses) payloads.push_back(resp.payload);
    auto routed = parse_component_actions(payloads);
    if (!routed) return routed.error();
    if (routed->destinations.empty()) {
      return Error(AggregatorErrc::kNoDestination,
                   "the aggregator component of workflow \"" + workflow_id + "\" landed this envelope nowhere");
    }
    for (const auto& d : routed->destinations) {
      if (chain_of(d.chain) == nullptr) {
        return Error(AggregatorErrc::kNoChain, "the aggregator component chose " + d.chain.str() +
                                                   ", which has no endpoints configured");
      }
    }
    std::lock_guard g(routing_mutex);
    if (routing_cache.size() > 10'000) routing_cache.clear();  // bounded; recomputed on demand
    routing_cache[key] = *routed;
    return *routed;
  }

  // Every signature of `q` as the contracts want them, at the destination chain's
  // latest block − 1.
  Result<eth::SignatureData> signature_data(ChainClient& c, const QueueView& q) {
    auto height = c.rpc->block_number();
    if (!height) return Error(AggregatorErrc::kChain, c.endpoints.key.str() + ": " + height.error().message());
    std::vector<std::pair<crypto::Address, crypto::Signature>> pairs;
    pairs.reserve(q.signatures.size());
    for (const auto& s : q.signatures) pairs.emplace_back(s.signer, s.signature);
    const auto reference = static_cast<std::uint32_t>(*height > 0 ? *height - 1 : 0);
    auto data = eth::SignatureData::from_signatures(std::move(pairs), reference);
    if (!data) return Error(AggregatorErrc::kStorage, "queue " + std::to_string(q.id) + ": " + data.error().message());
    return *data;
  }

  Result<Judgement> simulate(ChainClient& c, const service::EvmContract& dest, const QueueView& q,
                             const eth::SignatureData& sigs) {
    contracts::ServiceHandler handler(*c.rpc, evm(dest.address));
    auto verdict = handler.simulate_handle_signed_envelope(q.envelope, sigs, submitter);
    if (!verdict) return Error(AggregatorErrc::kChain, verdict.error().message());
    return judge_verdict(*verdict);
  }

  // The signers of `q` whose key no longer maps to an operator with weight.
  Result<std::vector<crypto::Address>> stale_signers(const service::Manager& manager, const QueueView& q) {
    auto* c = chain_of(manager.chain);
    if (c == nullptr) return Error(AggregatorErrc::kNoChain, manager.chain.str());
    contracts::ServiceManager m(*c->rpc, evm(manager.address));
    std::vector<crypto::Address> stale;
    for (const auto& s : q.signatures) {
      auto op = m.get_latest_operator_for_signing_key(s.signer);
      if (!op) return Error(AggregatorErrc::kChain, op.error().message());
      if (*op == crypto::Address{}) {
        stale.push_back(s.signer);
        continue;
      }
      auto w = m.get_operator_weight(*op);
      if (!w) return Error(AggregatorErrc::kChain, w.error().message());
      if (*w == 0) stale.push_back(s.signer);
    }
    return stale;
  }

  // Sends `q` to every destination that has not handled it yet. Called with the queue
  // marked kSubmitting and registered in in_flight, without its lock.
  Result<std::optional<Hash256>> send(const std::vector<service::EvmContract>& dests, const QueueView& q) {
    std::optional<Hash256> first_tx;
    for (const auto& dest : dests) {
      auto* c = chain_of(dest.chain);
      if (c == nullptr) return Error(AggregatorErrc::kNoChain, dest.chain.str());
      if (!c->sender) return Error(AggregatorErrc::kNoCredential, "no aggregator_evm_credential to submit with");
      auto sigs = signature_data(*c, q);
      if (!sigs) return sigs.error();
      // A destination that already took this event (an earlier attempt whose receipt was
      // lost, another aggregator) is done; anything else but acceptance stops here.
      auto j = simulate(*c, dest, q, *sigs);
      if (!j) return j.error();
      if (j->kind == Judgement::Kind::kHandled) continue;
      if (j->kind != Judgement::Kind::kAccepted) {
        return Error(AggregatorErrc::kRejected, evm(dest.address).to_checksum() + ": " + j->reason);
      }
      contracts::ServiceHandler handler(*c->rpc, evm(dest.address));
      auto out = handler.handle_signed_envelope(*c->sender, q.envelope, *sigs);
      if (!out) {
        const bool broke = chain::classify_send_error(out.error()) == chain::SendFailure::kInsufficientFunds;
        metrics.send_failed(dest.chain.str(), broke);
        if (broke) {
          // The alarm: nothing lands on this chain until someone funds the submitter.
          spdlog::error("aggregator: submitter {} has not enough funds on {}; fund it, queued results land then",
                        submitter ? submitter->to_checksum() : std::string("?"), dest.chain.str());
        }
        return Error(AggregatorErrc::kChain, out.error().message());
      }
      if (auto st = confirm(*c, out->receipt); !st) return st.error();
      if (!first_tx) first_tx = out->receipt.tx_hash;
      sent.fetch_add(1);
      metrics.landed(dest.chain.str(), out->receipt.gas_used);
      spdlog::info("aggregator: event {} of service {} landed on {} {} in tx {} ({} signatures)",
                   q.key.event_id.hex(), short_id(q.key.service_id), dest.chain.str(), evm(dest.address).to_checksum(),
                   out->receipt.tx_hash.hex(), q.signatures.size());
    }
    return first_tx;
  }

  // Waits until `receipt`'s block is the chain's `confirmations` deep (the chain table's
  // key), then checks the receipt is still in the same block. A receipt a reorg took away
  // is kChain: the queue stays submitting and the retry simulates again, so a transaction
  // mined again elsewhere is found handled rather than sent twice.
  Status confirm(ChainClient& c, const chain::Receipt& receipt) {
    const std::uint64_t depth = c.endpoints.confirmations;
    if (depth == 0) return {};
    const auto deadline = Clock::now() + config.receipt_timeout;
    while (true) {
      auto head = c.rpc->block_number();
      if (!head) return Error(AggregatorErrc::kChain, head.error().message());
      if (*head >= receipt.block_number + depth) break;
      if (Clock::now() >= deadline) {
        return Error(AggregatorErrc::kChain, "tx " + receipt.tx_hash.hex() + " not " + std::to_string(depth) +
                                                 " blocks deep within the receipt timeout");
      }
      std::unique_lock lk(maintenance_mutex);
      if (maintenance_cv.wait_for(lk, config.tx_poll_interval, [this] { return stopping; })) {
        return Error(AggregatorErrc::kStopped, "stopping while waiting for confirmations");
      }
    }
    auto again = c.rpc->transaction_receipt(receipt.tx_hash);
    if (!again) return Error(AggregatorErrc::kChain, again.error().message());
    if (!*again || (*again)->block_hash != receipt.block_hash) {
      return Error(AggregatorErrc::kChain, "tx " + receipt.tx_hash.hex() + " was reorged out of block " +
                                               std::to_string(receipt.block_number) + "; judging again");
    }
    return {};
  }

  // Marks `id` in flight; false when another thread is sending it.
  bool claim(std::int64_t id) {
    std::lock_guard g(locks_mutex);
    return in_flight.insert(id).second;
  }
  void release(std::int64_t id) {
    std::lock_guard g(locks_mutex);
    in_flight.erase(id);
  }

  // Sends a claimed kSubmitting queue and records the outcome.
  Result<std::optional<Hash256>> submit_claimed(const std::vector<service::EvmContract>& dests, const QueueView& q) {
    auto tx = send(dests, q);
    if (!tx && tx.error().is(AggregatorErrc::kRejected)) {
      // The signatures no longer make it (weights or quorum changed since): back to
      // collecting, judged again by the next packet.
      spdlog::warn("aggregator: event {} of service {} no longer accepted, collecting again: {}",
                   q.key.event_id.hex(), short_id(q.key.service_id), tx.error().message());
      (void)state->set_status(q.id, QueueStatus::kPending, std::nullopt, tx.error().message());
      release(q.id);
      return tx.error();
    }
    if (!tx) {
      send_failures.fetch_add(1);
      spdlog::warn("aggregator: submitting event {} of service {} failed (retried every {} ms): {}",
                   q.key.event_id.hex(), short_id(q.key.service_id), config.retry_interval.count(),
                   tx.error().message());
      (void)state->set_status(q.id, QueueStatus::kSubmitting, std::nullopt, tx.error().message(),
                              now_ms() + config.retry_interval.count());
      release(q.id);
      return tx.error();
    }
    auto st = state->set_status(q.id, QueueStatus::kSubmitted, *tx);
    release(q.id);
    if (!st) return st.error();
    return *tx;
  }

  Result<PacketOutcome> on_packet(const node::Packet& p);
  void retry_submitting();
  void maintenance_loop();
  Result<ServiceView> load_view(const service::Manager& manager);
  void reload(const service::Manager& manager);
  void watch_managers();

  // ServiceURIUpdated of the registered managers: the watcher's thread queues the manager,
  // the maintenance thread reloads it (a fetch must not block the stream).
  std::unique_ptr<node::UriWatcher> watcher;
  std::vector<service::Manager> reloads;  // under maintenance_mutex
};

Aggregator::Aggregator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Aggregator::~Aggregator() { stop(); }

Result<std::unique_ptr<Aggregator>> Aggregator::open(AggregatorConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  if (impl->config.cancel.stop_possible()) {
    impl->forward_cancel.emplace(impl->config.cancel, std::function<void()>([s = impl->stop]() mutable {
                                   s.request_stop();
                                 }));
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(impl->config.data_dir, ec)) {
    return Error(AggregatorErrc::kStorage, "data directory " + impl->config.data_dir.string() + " does not exist");
  }
  auto state = AggregatorState::open(impl->config.data_dir / "aggregator.sqlite");
  if (!state) return state.error();
  impl->state = std::move(*state);
  impl->fetcher = std::make_unique<node::Fetcher>(impl->config.fetch);
  auto store = component::ComponentStore::open(impl->config.data_dir / "components");
  if (!store) return Error(AggregatorErrc::kStorage, "component store: " + store.error().message());
  impl->store = std::move(*store);
  impl->programs = std::make_unique<component::ProgramCache>(impl->engine, 16);

  std::optional<crypto::PrivateKey> key;
  if (!impl->config.credential.reveal().empty()) {
    auto k = key_from_credential(impl->config.credential);
    if (!k) return k.error();
    key = *k;
    impl->submitter = k->address();
  }
  for (const auto& c : impl->config.chains) {
    Impl::ChainClient client;
    client.endpoints = c;
    client.rpc = std::make_unique<chain::RpcClient>(node::rpc_config(c, impl->stop.get_token()));
    if (key) {
      chain::TxSenderConfig tc;
      tc.known_errors = contracts::abi_errors();
      tc.receipt_timeout = impl->config.receipt_timeout;
      tc.poll_interval = impl->config.tx_poll_interval;
      tc.cancel = impl->stop.get_token();
      client.sender = std::make_unique<chain::TxSender>(*client.rpc, *key, tc);
    }
    impl->chains.emplace(c.key.str(), std::move(client));
  }

  auto records = impl->state->services();
  if (!records) return records.error();
  for (auto& r : *records) {
    auto manifest = service::parse_manifest(r.manifest_json);
    if (!manifest) {
      spdlog::error("aggregator: stored manifest of service {} does not parse ({}); packets for it are refused",
                    short_id(r.service_id), manifest.error().message());
      continue;
    }
    const auto id = r.service_id;
    impl->services.emplace(id, ServiceView{std::move(r), std::move(*manifest)});
  }
  return std::unique_ptr<Aggregator>(new Aggregator(std::move(impl)));
}

void Aggregator::start() {
  {
    std::lock_guard g(impl_->maintenance_mutex);
    if (impl_->maintenance.joinable() || impl_->stopping) return;
    impl_->maintenance = std::thread([this] { impl_->maintenance_loop(); });
  }
  Impl* impl = impl_.get();
  impl_->watcher = std::make_unique<node::UriWatcher>(
      impl_->config.chains,
      [impl](const service::Manager& m) {
        {
          std::lock_guard g(impl->maintenance_mutex);
          impl->reloads.push_back(m);
        }
        impl->maintenance_cv.notify_all();
      },
      impl_->stop.get_token());
  impl_->watch_managers();
}

void Aggregator::stop() {
  {
    std::lock_guard g(impl_->maintenance_mutex);
    impl_->stopping = true;
  }
  impl_->stop.request_stop();
  impl_->maintenance_cv.notify_all();
  if (impl_->watcher) impl_->watcher->stop();
  if (impl_->maintenance.joinable()) impl_->maintenance.join();
}

void Aggregator::Impl::maintenance_loop() {
  // Due-based: a queue's not_before decides when it is retried, so the tick only bounds
  // how late a takeover or a retry can be.
  constexpr auto kTick = std::chrono::milliseconds(250);
  constexpr auto kPurgeEvery = std::chrono::minutes(1);
  auto last_purge = Clock::now();
  // An update made while the aggregator was down has no event to replay: every service's
  // URI is read again once at start, as the node does.
  std::vector<service::Manager> todo;
  {
    std::lock_guard g(services_mutex);
    for (const auto& [id, v] : services) todo.push_back(v.record.manager);
  }
  while (true) {
    for (const auto& m : todo) {
      if (stop.stop_requested()) return;
      reload(m);
    }
    todo.clear();
    {
      std::unique_lock lk(maintenance_mutex);
      maintenance_cv.wait_for(lk, std::min<std::chrono::milliseconds>(kTick, config.retry_interval),
                              [this] { return stopping || !reloads.empty(); });
      if (stopping) return;
      todo.swap(reloads);
    }
    retry_submitting();
    if (Clock::now() - last_purge >= kPurgeEvery) {
      last_purge = Clock::now();
      const auto now = now_ms();
      auto purged = state->purge(now - config.submitted_ttl.count(), now - config.pending_ttl.count());
      if (!purged) spdlog::warn("aggregator: purge: {}", purged.error().message());
    }
  }
}

void Aggregator::maintain() {
  impl_->retry_submitting();
  const auto now = now_ms();
  (void)impl_->state->purge(now - impl_->config.submitted_ttl.count(), now - impl_->config.pending_ttl.count());
}

void Aggregator::Impl::retry_submitting() {
  auto ids = state->queues_with_status(QueueStatus::kSubmitting, 64, now_ms());
  if (!ids) {
    spdlog::warn("aggregator: listing queues to retry: {}", ids.error().message());
    return;
  }
  for (auto id : *ids) {
    if (stop.stop_requested()) return;
    if (!claim(id)) continue;  // a request is sending it right now
    auto q = state->queue(id);
    if (!q || !*q || (*q)->status != QueueStatus::kSubmitting) {
      release(id);
      continue;
    }
    auto s = service((*q)->key.service_id);
    if (!s) {
      release(id);
      continue;  // the service was removed; its queues wait for the purge
    }
    auto routed = routing(*s, (*q)->key.workflow_id, (*q)->envelope);
    if (!routed) {
      release(id);
      continue;
    }
    (void)submit_claimed(routed->destinations, **q);
  }
}

Result<PacketOutcome> Aggregator::Impl::on_packet(const node::Packet& p) {
  if (auto ok = p.verify(); !ok) {
    return Error(AggregatorErrc::kBadSignature, "packet for event " + p.envelope.event_id.hex() + ": " +
                                                   ok.error().message());
  }
  auto s = service(p.service_id);
  if (!s) {
    return Error(AggregatorErrc::kUnknownService,
                 "service " + p.service_id.hex(HexPrefix::kNone) + " (manager " +
                     evm(p.service_manager.address).to_checksum() + " on " + p.service_manager.chain.str() +
                     ") is not registered with this aggregator");
  }
  auto routed = routing(*s, p.workflow_id, p.envelope);
  if (!routed) return routed.error();
  const std::vector<service::EvmContract>& dests = routed->destinations;

  // An event lands once, whatever envelope: late packets learn where.
  auto done = state->submitted_for_event(p.service_id, p.workflow_id, p.envelope.event_id);
  if (!done) return done.error();
  if (*done) {
    PacketOutcome o;
    o.kind = PacketOutcome::Kind::kBurned;
    o.queue_id = (*done)->id;
    o.tx_hash = (*done)->tx_hash;
    o.count = (*done)->signatures.size();
    o.signed_weight = (*done)->signed_weight();
    return o;
  }

  auto* mc = chain_of(s->record.manager.chain);
  if (mc == nullptr) {
    return Error(AggregatorErrc::kNoChain, "no endpoints configured for " + s->record.manager.chain.str());
  }
  contracts::ServiceManager manager(*mc->rpc, evm(s->record.manager.address));
  auto op = manager.get_latest_operator_for_signing_key(p.signer);
  if (!op) return Error(AggregatorErrc::kChain, op.error().message());
  if (*op == crypto::Address{}) {
    return Error(AggregatorErrc::kUnknownSigner, "signing key " + p.signer.to_checksum() +
                                                     " is bound to no operator of manager " +
                                                     evm(s->record.manager.address).to_checksum());
  }
  auto weight = manager.get_operator_weight(*op);
  if (!weight) return Error(AggregatorErrc::kChain, weight.error().message());
  if (*weight == 0) {
    return Error(AggregatorErrc::kNoWeight,
                 "operator " + op->to_checksum() + " (signing key " + p.signer.to_checksum() + ") has no weight");
  }

  const QueueKey key{p.service_id, p.workflow_id, p.envelope.event_id, p.digest()};
  SignatureRecord rec;
  rec.signer = p.signer;
  rec.operator_address = *op;
  rec.weight = *weight;
  rec.signature = p.signature;
  auto added = state->add_signature(key, p.envelope, rec);
  if (!added) return added.error();
  packets.fetch_add(1);

  auto lock = lock_for(key);
  std::unique_lock guard(*lock);
  // Read again under the lock: a request that judged before us may have submitted.
  auto current = state->queue(added->id);
  if (!current) return current.error();
  if (!*current) return Error(AggregatorErrc::kStorage, "queue " + std::to_string(added->id) + " vanished");
  QueueView q = std::move(**current);

  PacketOutcome o;
  o.queue_id = q.id;
  o.count = q.signatures.size();
  o.signed_weight = q.signed_weight();
  if (q.status == QueueStatus::kSubmitted) {
    o.kind = PacketOutcome::Kind::kBurned;
    o.tx_hash = q.tx_hash;
    return o;
  }
  if (q.status == QueueStatus::kSubmitting) {
    o.kind = PacketOutcome::Kind::kAggregated;
    o.submitting = true;
    return o;
  }

  const auto& dest = dests.front();
  auto* dc = chain_of(dest.chain);
  if (dc == nullptr) return Error(AggregatorErrc::kNoChain, "no endpoints configured for " + dest.chain.str());
  Result<Judgement> j = Error(AggregatorErrc::kChain, "not judged");
  // At most one round of dropping signatures that stopped counting (a key unbound or an
  // operator removed after it signed), so one stale signer cannot block the rest.
  for (int round = 0; round < 2; ++round) {
    auto sigs = signature_data(*dc, q);
    if (!sigs) return sigs.error();
    j = simulate(*dc, dest, q, *sigs);
    if (!j) return j.error();
    if (j->kind != Judgement::Kind::kBadSigner || round == 1) break;
    auto stale = stale_signers(s->record.manager, q);
    if (!stale) return stale.error();
    if (stale->empty()) break;
    if (auto st = state->drop_signatures(q.id, *stale); !st) return st.error();
    auto again = state->queue(q.id);
    if (!again || !*again) return again ? Result<PacketOutcome>(Error(AggregatorErrc::kStorage, "queue vanished"))
                                        : Result<PacketOutcome>(again.error());
    q = std::move(**again);
    if (q.signatures.empty()) break;
  }
  o.count = q.signatures.size();
  o.signed_weight = q.signed_weight();

  switch (j->kind) {
    case Judgement::Kind::kShort:
      o.kind = PacketOutcome::Kind::kAggregated;
      o.signed_weight = j->quorum.signer_weight;
      o.threshold_weight = j->quorum.threshold_weight;
      o.total_weight = j->quorum.total_weight;
      return o;
    case Judgement::Kind::kHandled:
      // Landed by someone else (another aggregator, or a send of ours whose answer was lost).
      if (auto st = state->set_status(q.id, QueueStatus::kSubmitted); !st) return st.error();
      o.kind = PacketOutcome::Kind::kBurned;
      return o;
    case Judgement::Kind::kBadSigner:
    case Judgement::Kind::kRejected:
      return Error(AggregatorErrc::kRejected, "event " + p.envelope.event_id.hex() + " at " +
                                                  evm(dest.address).to_checksum() + ": " + j->reason);
    case Judgement::Kind::kAccepted:
      break;
  }
  if (!dc->sender) {
    return Error(AggregatorErrc::kNoCredential,
                 "quorum reached for event " + p.envelope.event_id.hex() + " but no aggregator_evm_credential is set");
  }
  const std::size_t rank =
      submitter ? submission_rank(q.key.event_id, *submitter, config.aggregator_set) : std::size_t{0};
  if (rank > 0 || routed->delay.count() > 0) {
    // Not this event's primary: stand by, and land it only if the chain still does not
    // have it when our turn comes (the maintenance thread checks by simulating first).
    // An aggregator component's timer holds every aggregator back alike.
    const auto wait = config.takeover * static_cast<std::int64_t>(rank) + routed->delay;
    if (auto st = state->set_status(q.id, QueueStatus::kSubmitting, std::nullopt, {}, now_ms() + wait.count()); !st) {
      return st.error();
    }
    o.kind = PacketOutcome::Kind::kAggregated;
    o.submitting = true;
    return o;
  }
  if (auto st = state->set_status(q.id, QueueStatus::kSubmitting); !st) return st.error();
  if (!claim(q.id)) {
    o.kind = PacketOutcome::Kind::kAggregated;
    o.submitting = true;
    return o;
  }
  guard.unlock();  // later packets of this queue see kSubmitting and do not wait for the send
  auto tx = submit_claimed(dests, q);
  if (!tx) return tx.error();
  o.kind = PacketOutcome::Kind::kSent;
  o.tx_hash = *tx;
  return o;
}

Result<PacketOutcome> Aggregator::submit_packet(const node::Packet& packet) {
  if (impl_->stop.stop_requested()) return Error(AggregatorErrc::kStopped, "the aggregator is stopping");
  auto out = impl_->on_packet(packet);
  if (!out) {
    impl_->refused.fetch_add(1);
    impl_->metrics.packet(PacketResult::kRefused);
  } else {
    impl_->metrics.packet(out->kind == PacketOutcome::Kind::kSent     ? PacketResult::kSent
                          : out->kind == PacketOutcome::Kind::kBurned ? PacketResult::kBurned
                                                                      : PacketResult::kAggregated);
  }
  return out;
}

// What the manager's URI holds now, checked: the manifest names `manager`, every
// handler's chain is configured, every aggregator component fetched and compiling.
Result<ServiceView> Aggregator::Impl::load_view(const service::Manager& manager) {
  const Hash256 id = service::service_id(manager);
  auto* c = chain_of(manager.chain);
  if (c == nullptr) return Error(AggregatorErrc::kNoChain, "no endpoints configured for " + manager.chain.str());
  contracts::ServiceManager m(*c->rpc, evm(manager.address));
  auto uri = m.get_service_uri();
  if (!uri) return Error(AggregatorErrc::kChain, uri.error().message());
  if (uri->empty()) {
    return Error(AggregatorErrc::kUnknownService,
                 "manager " + evm(manager.address).to_checksum() + " publishes no service URI (getServiceURI is empty)");
  }
  auto fetched = fetcher->fetch_manifest(*uri, manager, stop.get_token());
  if (!fetched) return fetched.error();
  for (const auto& [wid, wf] : fetched->manifest.workflows) {
    for (const auto& dest : wf.submit.evm_contracts) {
      if (chain_of(dest.chain) == nullptr) {
        return Error(AggregatorErrc::kNoChain, "workflows." + wid + ".submit.aggregator.evm_contracts: no endpoints "
                                                   "configured for " + dest.chain.str());
      }
    }
  }
  // Aggregator components are fetched (and their digests checked) now, not at the first
  // packet, so a bad source is reported to whoever registers the service.
  for (const auto& [wid, wf] : fetched->manifest.workflows) {
    if (!wf.submit.component || !wf.submit.evm_contracts.empty()) continue;
    auto got = fetcher->fetch_component(wf.submit.component->source, *store, stop.get_token());
    if (!got) return got.error().with_context("workflows." + wid + ".submit.aggregator.component.source");
    auto program = programs->get(*got, [&] { return store->get(*got); });
    if (!program) return program.error().with_context("workflows." + wid + ".submit.aggregator.component");
  }
  return ServiceView{ServiceRecord{id, manager, fetched->json, fetched->hash, now_ms()},
                     std::move(fetched->manifest)};
}

// A ServiceURIUpdated (or the start-up refresh): the new manifest replaces the old one
// only when it loads; otherwise the old one keeps working and the failure is logged.
void Aggregator::Impl::reload(const service::Manager& manager) {
  const Hash256 id = service::service_id(manager);
  auto old = service(id);
  if (!old) return;
  auto view = load_view(manager);
  if (!view) {
    spdlog::error("aggregator: the new manifest of service {} does not load, the old one stays: {}", short_id(id),
                  view.error().message());
    return;
  }
  if (view->record.manifest_hash == old->record.manifest_hash) return;
  view->record.added_ms = old->record.added_ms;
  if (auto st = state->update_service(view->record); !st) {
    spdlog::error("aggregator: storing the new manifest of service {}: {}", short_id(id), st.error().message());
    return;
  }
  {
    std::lock_guard g(services_mutex);
    services[id] = *view;
  }
  {
    std::lock_guard g(routing_mutex);
    routing_cache.clear();
  }
  spdlog::info("aggregator: service {} updated to manifest {}", short_id(id),
               view->record.manifest_hash.hex(HexPrefix::kNone).substr(0, 12));
}

void Aggregator::Impl::watch_managers() {
  if (!watcher) return;
  std::vector<service::Manager> managers;
  {
    std::lock_guard g(services_mutex);
    for (const auto& [id, v] : services) managers.push_back(v.record.manager);
  }
  watcher->set_managers(managers);
}

Result<ServiceView> Aggregator::add_service(const service::Manager& manager) {
  const Hash256 id = service::service_id(manager);
  if (impl_->service(id)) {
    return Error(AggregatorErrc::kServiceExists, "service " + id.hex(HexPrefix::kNone) + " (manager " +
                                                     evm(manager.address).to_checksum() + ") is registered already");
  }
  auto view = impl_->load_view(manager);
  if (!view) return view.error();
  if (auto st = impl_->state->add_service(view->record); !st) return st.error();
  {
    std::lock_guard g(impl_->services_mutex);
    impl_->services[id] = *view;
  }
  impl_->watch_managers();
  spdlog::info("aggregator: added service {} ({}, manager {} on {})", short_id(id), view->manifest.name,
               evm(manager.address).to_checksum(), manager.chain.str());
  return *view;
}

Result<bool> Aggregator::remove_service(const service::Manager& manager) {
  const Hash256 id = service::service_id(manager);
  auto removed = impl_->state->remove_service(id);
  if (!removed) return removed.error();
  {
    std::lock_guard g(impl_->services_mutex);
    impl_->services.erase(id);
  }
  impl_->watch_managers();
  return *removed;
}

std::vector<ServiceView> Aggregator::services() const {
  std::lock_guard g(impl_->services_mutex);
  std::vector<ServiceView> out;
  out.reserve(impl_->services.size());
  for (const auto& [id, v] : impl_->services) out.push_back(v);
  return out;
}

std::optional<crypto::Address> Aggregator::submitter() const { return impl_->submitter; }

const std::vector<node::ChainEndpoints>& Aggregator::chains() const { return impl_->config.chains; }

std::vector<Aggregator::ChainHealth> Aggregator::health() {
  std::vector<ChainHealth> out;
  for (auto& [key, c] : impl_->chains) {
    ChainHealth h;
    h.chain = key;
    auto height = c.rpc->block_number();
    if (height) {
      h.ok = true;
      h.block = *height;
    } else {
      h.error = height.error().message();
    }
    out.push_back(std::move(h));
  }
  return out;
}

Result<AggregatorStats> Aggregator::stats() {
  AggregatorStats s;
  s.packets = impl_->packets.load();
  s.refused = impl_->refused.load();
  s.sent = impl_->sent.load();
  s.send_failures = impl_->send_failures.load();
  auto st = impl_->state->stats();
  if (!st) return st.error();
  s.state = *st;
  return s;
}

Metrics& Aggregator::metrics() { return impl_->metrics; }

std::string Aggregator::render_metrics() {
  if (auto st = impl_->state->stats()) impl_->metrics.set_queues(st->pending, st->submitting, st->submitted);
  return impl_->metrics.render();
}

}  // namespace wavs::aggregator
