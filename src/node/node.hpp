#pragma once
// Node: the operator node assembled — durable state, component store, keys, fetching,
// trigger sources, the dispatcher, signing and the outbox — behind the operations the
// HTTP API (node/api.hpp) and `wavs node` need.
//
//   runtime::Daemon daemon({.io_threads = 1, .workers = {.threads = 2}});
//   auto node = node::Node::open(settings, daemon);          // files under settings.shared.data
//   daemon.start();
//   if (auto st = (*node)->start(); !st) return st;           // reloads services, resumes work
//   auto added = (*node)->add_service(manager, stop);         // POST /services (blocking)
//   auto st = daemon.run();                                   // until SIGINT / SIGTERM
//
// Files under the data directory: node.sqlite (NodeState: services, trigger progress,
// the work queue, results, the outbox), components/ (ComponentStore, by digest),
// kv.sqlite (the components' key-value store), dev-services/ (manifests posted to
// /dev/services, by hash), files/ (per-service directories for file_system components).
//
// The path of one trigger: a trigger source records it (NodeState, with its progress, in
// one transaction) and hands the work item here; the dispatcher runs it; on success each
// response is signed with the service's key and the packets go into the outbox in the
// same transaction that completes the item (NodeState::complete); the outbox delivers
// them to the workflow's aggregator. A crash anywhere leaves the item either pending (it
// runs again at the next start, with the same EventId, and components are deterministic,
// so the same packet is signed again) or completed with its packets queued.
//
// Contract:
//   owns      everything above; borrows the Daemon, whose workers run components and
//             blocking API handlers, and whose shutdown stops the dispatcher, trigger
//             sources and outbox (registered as stoppers by start()).
//   threads   every public method is thread-safe. Methods marked "blocking" make RPC
//             calls, fetch over HTTP or compile components: call them on a worker
//             (the API's blocking routes), never on an I/O thread.
//   cancels   the `cancel` token of a blocking call ends its waits (RPC, fetch) at once
//             with NodeErrc::kStopped; the daemon's stop token ends everything.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/trigger.hpp"
#include "crypto/keys.hpp"
#include "node/config.hpp"
#include "node/state.hpp"
#include "service/manifest.hpp"

namespace wavs::runtime {
class Daemon;
}

namespace wavs::node {

class Metrics;

// A registered service as the API shows it.
struct ServiceView {
  ServiceRecord record;
  std::string name;
  crypto::Address signing_address;
  std::vector<Hash256> component_digests;  // every workflow's, each once
};

// One configured chain's RPC health, for GET /health.
struct ChainStatus {
  std::string chain;  // "evm:31337"
  bool ok = false;
  std::optional<std::uint64_t> head;
  std::optional<std::uint64_t> cursor_block;  // the last block the event stream delivered
  std::string error;                          // when !ok
};

// Tuning the tests and the operator may change; the defaults are for production.
struct NodeOptions {
  std::chrono::milliseconds retry_base{1'000};  // dispatcher: first retry of a failed run
  std::chrono::milliseconds outbox_retry_base{500};
  std::size_t queue_capacity = 1024;  // per service, in memory; the durable queue is unbounded
  StateOptions state;
  // Other origins than http://<host>:<port> under which the node's own /dev/services
  // URIs are recognised (e.g. "http://localhost:8000").
  std::vector<std::string> extra_dev_origins;
};

class Node {
 public:
  // Opens (creating when missing) the files under settings.shared.data. Errors: no
  // mnemonic (NodeErrc::kNoMnemonic), a bad chains table (naming the entry), state files
  // that do not open (the storage error, naming the file).
  [[nodiscard]] static Result<std::unique_ptr<Node>> open(const Settings& settings, runtime::Daemon& daemon,
                                                          NodeOptions options = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Loads the registered services, re-enqueues the work left pending, starts the trigger
  // sources, the dispatcher and the outbox. `api_port` is the bound port of the node's
  // API, for recognising its own /dev/services URIs. Call once, after daemon.start().
  [[nodiscard]] Status start(std::uint16_t api_port);

  // --- services (POST/DELETE/GET /services) ---
  // Blocking. Reads getServiceURI() on the manager's chain, fetches and checks the
  // manifest and its components, derives the next signing key, persists the service and
  // registers its triggers. StateErrc::kAlreadyExists when present.
  [[nodiscard]] Result<ServiceView> add_service(const service::Manager& manager,
                                                const std::stop_token& cancel);
  // StateErrc::kNotFound when absent.
  [[nodiscard]] Result<ServiceView> remove_service(const service::Manager& manager);
  [[nodiscard]] Result<std::vector<ServiceView>> services() const;
  [[nodiscard]] Result<ServiceView> service(const service::Manager& manager) const;
  // Newest first.
  [[nodiscard]] Result<std::vector<ResultRecord>> results(const service::Manager& manager) const;
  // Blocking. Reads the manager's URI again and, when its manifest changed, swaps the
  // service in place (same id and key). A manifest that does not load leaves the old
  // one running and is recorded as the service's last_load_error (returned as the error).
  [[nodiscard]] Result<ServiceView> reload_service(const service::Manager& manager,
                                                   const std::stop_token& cancel);

  // --- keys ---
  [[nodiscard]] const crypto::Address& operator_address() const;
  // The key a service signs with (POST /services/signer): its HD index and address.
  [[nodiscard]] Result<std::pair<std::uint32_t, crypto::Address>> signer_of(
      const service::Manager& manager) const;

  // --- dev routes ---
  // Stores a manifest (it must parse) for GET /dev/services/{hash}; returns its hash.
  [[nodiscard]] Result<Hash256> put_dev_manifest(std::string_view json);
  [[nodiscard]] Result<std::string> dev_manifest(const Hash256& hash) const;
  // Blocking (compiles it to check it loads). Returns the digest.
  [[nodiscard]] Result<Hash256> put_component(ByteView wasm);
  // A manual trigger of one workflow of a registered, active service; returns the work
  // it enqueued (empty when this data was seen before).
  [[nodiscard]] Result<std::vector<PendingWork>> fire(const service::Manager& manager,
                                                      std::string_view workflow_id,
                                                      component::TriggerData data);

  // --- status ---
  // Blocking (one eth_blockNumber per chain, bounded by `timeout`).
  [[nodiscard]] std::vector<ChainStatus> health(std::chrono::milliseconds timeout) const;
  [[nodiscard]] const Settings& settings() const;
  // The API's bound port (given to start()); 0 before.
  [[nodiscard]] std::uint16_t api_port() const;
  [[nodiscard]] Metrics& metrics();
  // Work items queued (durably) and packets waiting in the outbox.
  struct Counts {
    std::size_t services = 0;
    std::size_t pending_work = 0;
    std::size_t outbox = 0;
  };
  [[nodiscard]] Counts counts() const;

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::node
