#pragma once
// Aggregator: collects the operators' signed packets for the services registered with it
// and lands each event's result once, when enough operator weight signed the same
// envelope. docs/aggregator.md describes the whole path; in short, per packet:
//
//   1. verify: the signature recovers to `signer`, the service id matches the manager;
//   2. the service is registered here and its workflow submits to EVM handlers
//      (the 1.x `submit.aggregator.evm_contracts` list);
//   3. an event already landed answers kBurned with the transaction hash;
//   4. the manager maps the signer through getLatestOperatorForSigningKey to an operator
//      with weight (unknown signers and weightless operators are refused);
//   5. the signature joins the queue of (service, workflow, event id, envelope digest),
//      persisted; a repeat from the same signer changes nothing;
//   6. the quorum is judged by the contracts themselves: an eth_call of
//      handleSignedEnvelope with every signature of the queue (which runs the manager's
//      validate) — InsufficientQuorum answers kAggregated with the weights it reports;
//      acceptance marks the queue kSubmitting (persisted) and sends the transaction
//      through the chain's TxSender; its receipt answers kSent.
//
//   auto agg = aggregator::Aggregator::open(config);
//   auto added = (*agg)->add_service(manager);                 // reads getServiceURI()
//   auto outcome = (*agg)->submit_packet(packet);              // POST /packets
//
// Several aggregators: each event has one primary among aggregator_set; the others hold
// their accepted queue (kSubmitting with not_before = rank × takeover) and send only if
// the event is still not handled on chain by then — no duplicate transactions while the
// primary is alive, and no event lost when it is not.
//
// A queue whose submission failed (RPC down, out of funds, a timeout) stays kSubmitting
// and is retried by the maintenance thread every retry_interval, also after a restart; a
// retry first simulates, so an event that did land meanwhile (a receipt lost with the
// connection) is found handled (the handler refuses the replay) and marked submitted,
// never sent twice. Submitted queues are kept for submitted_ttl so late packets learn the
// transaction hash; pending ones that never reach the quorum are dropped after pending_ttl.
//
// Contract:
//   owns      the state database, one RpcClient and TxSender per configured chain, the
//             service table, a maintenance thread and a node::UriWatcher (start() to
//             stop()).
//   threads   every public call is thread-safe. Packets of one queue are judged one at a
//             time (a lock per queue); packets of different events proceed in parallel.
//   blocking  submit_packet, add_service and remove_service block on RPC and SQLite
//             (each RPC bounded by the chain's timeouts, a send by tx.receipt_timeout):
//             call them from worker threads, never from an I/O thread.
//   cancels   stop() and AggregatorConfig::cancel end RPC waits and sends (kStopped) and
//             the maintenance thread; a transaction already broadcast may still land,
//             which the next simulation sees.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "aggregator/error.hpp"
#include "aggregator/metrics.hpp"
#include "aggregator/state.hpp"
#include "common/error.hpp"
#include "common/secret.hpp"
#include "eth/uint256.hpp"
#include "node/chain_config.hpp"
#include "node/fetch.hpp"
#include "node/signer.hpp"
#include "service/manifest.hpp"

namespace wavs::aggregator {

struct AggregatorConfig {
  std::filesystem::path data_dir;            // holds aggregator.sqlite; must exist
  std::vector<node::ChainEndpoints> chains;  // every chain a service manager or handler is on
  Secret credential;                         // 0x private key or mnemonic (index 0); empty: judge only
  node::FetcherConfig fetch;                 // for the manifests at the managers' URIs
  std::chrono::milliseconds receipt_timeout{25'000};  // under the HTTP handler deadline
  std::chrono::milliseconds tx_poll_interval{100};
  std::chrono::milliseconds retry_interval{2'000};
  std::chrono::milliseconds submitted_ttl{std::chrono::hours(24)};
  std::chrono::milliseconds pending_ttl{std::chrono::hours(24 * 7)};
  // Several aggregators (Settings::aggregator_set): the submitter addresses of all of
  // them, this one included. Each event's rank among them is submission_rank(); rank r
  // waits r × takeover after the quorum, then submits only if the chain does not show the
  // event handled yet. Empty: rank 0 for every event.
  std::vector<crypto::Address> aggregator_set;
  std::chrono::milliseconds takeover{5'000};
  std::stop_token cancel;
};

// Where one envelope goes: the handlers, and how long to wait before sending.
struct Routing {
  std::vector<service::EvmContract> destinations;
  std::chrono::milliseconds delay{0};
};

// The actions an aggregator component responded with, one JSON document per response
// (docs/component-abi.md, "Aggregator components"): {"submit": {"chain", "address"}}
// adds a destination, {"timer": {"delay_ms": 0..3600000}} adds to the delay. Anything
// else is kNoDestination naming the response and member.
[[nodiscard]] Result<Routing> parse_component_actions(const std::vector<Bytes>& payloads);

// This aggregator's rank for `event_id` among `set`: the aggregators sorted by
// keccak256(event_id ‖ address), so every aggregator computes the same order without
// talking to the others, and the primary (rank 0) differs from event to event, spreading
// the gas. 0 when `self` is not in the set (or the set is empty).
[[nodiscard]] std::size_t submission_rank(const eth::EventId& event_id, const crypto::Address& self,
                                          const std::vector<crypto::Address>& set);

struct PacketOutcome {
  enum class Kind { kSent, kAggregated, kBurned };
  Kind kind = Kind::kAggregated;
  std::int64_t queue_id = 0;
  std::optional<Hash256> tx_hash;  // kSent; kBurned when the landing transaction is ours
  std::size_t count = 0;           // signatures in the queue
  eth::U256 signed_weight{0};
  eth::U256 threshold_weight{0};  // kAggregated, as the manager reported it
  eth::U256 total_weight{0};
  bool submitting = false;  // kAggregated: the quorum was reached and another request is submitting
};
[[nodiscard]] std::string_view to_string(PacketOutcome::Kind kind);

struct ServiceView {
  ServiceRecord record;
  service::Manifest manifest;
};

struct AggregatorStats {
  std::uint64_t packets = 0;  // accepted into a queue (repeats included)
  std::uint64_t refused = 0;  // refused with an error
  std::uint64_t sent = 0;     // transactions landed
  std::uint64_t send_failures = 0;
  StateStats state;
};

class Aggregator {
 public:
  // Opens the state (creating it), the chains' clients and the submitter; loads the
  // registered services (one whose stored manifest no longer parses is logged and left
  // out). kNoCredential for a credential that is neither a key nor a phrase (the error
  // never shows it); kStorage when the data directory is missing or the file is bad.
  [[nodiscard]] static Result<std::unique_ptr<Aggregator>> open(AggregatorConfig config);
  ~Aggregator();  // stop()
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Starts the maintenance thread (retries, purges, manifest reloads) and the watch of
  // the registered managers' ServiceURIUpdated events: an updated manifest replaces the
  // old one once it loads (a broken one is logged and the old one keeps working). At
  // start every service's URI is read again, for updates made while it was down.
  void start();
  void stop();

  // Reads the manager's getServiceURI(), fetches and checks the manifest (its manager must
  // be `manager`), stores it. kServiceExists when registered; kNoChain for chains the
  // manifest's handlers are on that are not configured; node::NodeErrc / service errors
  // of the fetch as they come.
  [[nodiscard]] Result<ServiceView> add_service(const service::Manager& manager);
  // false when it was not registered.
  [[nodiscard]] Result<bool> remove_service(const service::Manager& manager);
  [[nodiscard]] std::vector<ServiceView> services() const;

  [[nodiscard]] Result<PacketOutcome> submit_packet(const node::Packet& packet);

  // The submitter's address on each chain (the same key everywhere); nullopt without a
  // credential.
  [[nodiscard]] std::optional<crypto::Address> submitter() const;
  [[nodiscard]] const std::vector<node::ChainEndpoints>& chains() const;
  // Per configured chain: eth_blockNumber answered (and the height), for GET /health.
  struct ChainHealth {
    std::string chain;
    bool ok = false;
    std::uint64_t block = 0;
    std::string error;
  };
  [[nodiscard]] std::vector<ChainHealth> health();
  [[nodiscard]] Result<AggregatorStats> stats();
  // The Prometheus metrics; render_metrics() refreshes the queue gauges first (reads SQLite).
  [[nodiscard]] Metrics& metrics();
  [[nodiscard]] std::string render_metrics();

  // One pass of the maintenance thread, for tests: retries kSubmitting queues, purges.
  void maintain();

 private:
  struct Impl;
  explicit Aggregator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "0x" + 64 hex digits: that private key; anything else: a BIP-39 phrase, index 0
// (m/44'/60'/0'/0/0). Errors never carry the credential.
[[nodiscard]] Result<crypto::PrivateKey> key_from_credential(const Secret& credential);

}  // namespace wavs::aggregator
