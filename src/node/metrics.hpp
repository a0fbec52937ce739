#pragma once
// The node's Prometheus metrics: what the node counts and measures, and render(), the
// text exposition format (version 0.0.4) that the node's HTTP server answers GET /metrics
// with. Callers say what happened through the typed functions below and never see a
// metric type; prometheus-cpp stays inside metrics.cpp. docs/operations.md ("Metrics")
// lists every metric with its type, labels and meaning.
//
// Every function is safe to call from any thread at any time.
//
// Cardinality is bounded by construction. Label values come only from what the operator
// chose: chain keys (configured chains), service ids (registered services) and their
// workflow ids; the other labels (kind, outcome, result) are fixed enums. Never an event
// id, a block number or an address. On top of that each dimension has a cap (kMaxChains,
// kMaxServices, kMaxWorkflowsPerService): a value past its cap is reported as
// kOverflowLabel. forget_service() drops a removed service's series and frees its slot.
// Label values are written as valid UTF-8 (ill-formed bytes become U+FFFD) and escaped
// as the format requires (\\, \", \n).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wavs::component {
enum class ExecOutcome : std::uint8_t;  // component/runner.hpp
}

namespace wavs::node {

enum class TriggerKind : std::uint8_t { kEvmEvent, kBlockInterval, kCron, kManual };
// "evm_event", "block_interval", "cron", "manual": the values of the `kind` label.
[[nodiscard]] std::string_view to_string(TriggerKind kind);

enum class DeliveryResult : std::uint8_t {
  kDelivered,  // the aggregator accepted the packet (or already had it)
  kRetry,      // an attempt failed; the packet stays in the outbox for another one
  kDropped,    // the packet left the outbox undelivered (attempts exhausted, outbox full)
};
// "delivered", "retry", "dropped": the values of the `result` label.
[[nodiscard]] std::string_view to_string(DeliveryResult result);

class Metrics {
 public:
  static constexpr std::size_t kMaxChains = 64;
  static constexpr std::size_t kMaxServices = 4096;
  static constexpr std::size_t kMaxWorkflowsPerService = 64;
  static constexpr std::string_view kOverflowLabel = "_other";
  // The Content-Type of render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // `version` becomes the label of wavs_build_info.
  explicit Metrics(std::string_view version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Triggers. `chain` is the chain key ("evm:31337"); cron and manual triggers have none
  // (empty). A deduplicated trigger is one whose EventId the service had already seen.
  void trigger_received(TriggerKind kind, std::string_view chain = {});
  void trigger_deduplicated(std::string_view service);

  // Component runs. run_finished: execute() returned a result (any outcome other than
  // success also counts as a failure). run_failed: no result at all (the component could
  // not be fetched or loaded, or execute() returned an error).
  void run_finished(std::string_view service, std::string_view workflow, component::ExecOutcome outcome,
                    std::uint64_t fuel, std::chrono::microseconds duration);
  void run_failed(std::string_view service, std::string_view workflow);

  // Dispatcher: runs waiting in a service's queue; workers busy out of the pool's size.
  void set_queue_depth(std::string_view service, std::size_t depth);
  void set_worker_usage(std::size_t busy, std::size_t workers);

  // Outbox: signed packets waiting for delivery, and the outcome of each attempt.
  void set_outbox_depth(std::size_t depth);
  void delivery(DeliveryResult result);

  // Chains: failed JSON-RPC requests, log batches the node's handler refused (they are
  // redelivered), and log stream reconnections.
  void rpc_error(std::string_view chain);
  void log_batch_refused(std::string_view chain);
  void log_stream_reconnected(std::string_view chain);

  // Services.
  void set_registered_services(std::size_t count);
  // Removes every series labelled with `service` (after DELETE /services).
  void forget_service(std::string_view service);

  // The Prometheus text exposition format of every metric, families sorted by name.
  [[nodiscard]] std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::node
