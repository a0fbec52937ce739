#include "node/metrics.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "common/utf8.hpp"
#include "component/runner.hpp"

namespace wavs::node {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

// Long enough for any chain key, ServiceId (64 hex digits) or workflow id; a longer value
// is cut so one odd string cannot make every scrape large.
constexpr std::size_t kMaxLabelBytes = 128;

constexpr std::array kOutcomes = {
    component::ExecOutcome::kSuccess,   component::ExecOutcome::kExit,
    component::ExecOutcome::kTrap,      component::ExecOutcome::kFuelExhausted,
    component::ExecOutcome::kTimeLimit, component::ExecOutcome::kCancelled,
};

// 10 µs (a trivial guest) to 30 s (the node's default time cap), 1-2.5-5 per decade.
const Histogram::BucketBoundaries& duration_buckets() {
  static const Histogram::BucketBoundaries buckets = {
      10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
      25e-3, 50e-3, 0.1,   0.25,   0.5,    1,      2.5,  5,      10,   30,
  };
  return buckets;
}

std::string label_value(std::string_view value) { return sanitize_utf8(utf8_prefix(value, kMaxLabelBytes)); }

template <class T>
Family<T>& family(prometheus::Registry& registry, const char* name, const char* help) {
  if constexpr (std::is_same_v<T, Counter>) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  } else if constexpr (std::is_same_v<T, Gauge>) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  } else {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
  }
}

}  // namespace

std::string_view to_string(TriggerKind kind) {
  switch (kind) {
    case TriggerKind::kEvmEvent:
      return "evm_event";
    case TriggerKind::kBlockInterval:
      return "block_interval";
    case TriggerKind::kCron:
      return "cron";
    case TriggerKind::kManual:
      return "manual";
  }
  return "manual";
}

std::string_view to_string(DeliveryResult result) {
  switch (result) {
    case DeliveryResult::kDelivered:
      return "delivered";
    case DeliveryResult::kRetry:
      return "retry";
    case DeliveryResult::kDropped:
      return "dropped";
  }
  return "dropped";
}

struct Metrics::Impl {
  prometheus::Registry registry;

  Family<Counter>& triggers_received = family<Counter>(registry, "wavs_triggers_received_total",
                                                       "Triggers the node received, by chain and kind.");
  Family<Counter>& triggers_deduplicated =
      family<Counter>(registry, "wavs_triggers_deduplicated_total",
                      "Triggers dropped because the service had already seen their event id.");
  Family<Counter>& runs = family<Counter>(registry, "wavs_component_runs_total",
                                          "Component runs that finished, by service, workflow and outcome.");
  Family<Counter>& run_failures = family<Counter>(
      registry, "wavs_component_run_failures_total",
      "Component runs that produced no result: an outcome other than success, or no run at all.");
  Family<Counter>& fuel =
      family<Counter>(registry, "wavs_component_fuel_consumed_total", "Fuel consumed by component runs.");
  Family<Histogram>& duration = family<Histogram>(registry, "wavs_component_run_duration_seconds",
                                                  "Wall-clock duration of component runs.");
  Family<Gauge>& queue_depth =
      family<Gauge>(registry, "wavs_dispatcher_queue_depth", "Runs waiting in a service's dispatcher queue.");
  Gauge& workers_busy =
      family<Gauge>(registry, "wavs_dispatcher_workers_busy", "Dispatcher workers running a component now.")
          .Add({});
  Gauge& worker_utilization = family<Gauge>(registry, "wavs_dispatcher_worker_utilization_ratio",
                                            "Busy dispatcher workers divided by the pool's size.")
                                  .Add({});
  Gauge& outbox_depth =
      family<Gauge>(registry, "wavs_outbox_depth", "Signed packets waiting in the outbox for delivery.")
          .Add({});
  Family<Counter>& deliveries = family<Counter>(registry, "wavs_outbox_deliveries_total",
                                                "Outbox delivery attempts to aggregators, by result.");
  Family<Counter>& rpc_errors =
      family<Counter>(registry, "wavs_rpc_errors_total", "Failed JSON-RPC requests, by chain.");
  Family<Counter>& refused_batches =
      family<Counter>(registry, "wavs_log_stream_refused_batches_total",
                      "Log batches the node refused to commit (they are redelivered), by chain.");
  Family<Counter>& reconnects =
      family<Counter>(registry, "wavs_log_stream_reconnects_total", "Log stream reconnections, by chain.");
  Gauge& registered_services =
      family<Gauge>(registry, "wavs_registered_services", "Services registered on this node.").Add({});
  Family<Gauge>& build_info =
      family<Gauge>(registry, "wavs_build_info", "Always 1; the version label is the node's version.");

  // Chain label values seen; chain series are never removed.
  std::mutex chains_mutex;
  std::set<std::string, std::less<>> chains;

  // Service label values seen, each with its workflow label values. Held across every
  // update of a service-labelled series, so forget_service cannot remove a series while
  // another thread is updating it.
  std::mutex services_mutex;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> services;

  explicit Impl(std::string_view version) {
    build_info.Add({{"version", label_value(version)}}).Set(1);
    for (auto result : {DeliveryResult::kDelivered, DeliveryResult::kRetry, DeliveryResult::kDropped}) {
      deliveries.Add({{"result", std::string(to_string(result))}});
    }
  }

  std::string chain_label(std::string_view chain) {
    std::string value = label_value(chain);
    std::lock_guard lock(chains_mutex);
    if (chains.contains(value)) return value;
    if (chains.size() >= kMaxChains) return std::string(kOverflowLabel);
    chains.insert(value);
    return value;
  }

  // With services_mutex held.
  std::string service_label(std::string_view service) {
    std::string value = label_value(service);
    if (services.contains(value)) return value;
    if (services.size() >= kMaxServices) {
      value = std::string(kOverflowLabel);
    }
    services.try_emplace(value);
    return value;
  }

  // With services_mutex held: {service, workflow} labels.
  Labels workflow_labels(std::string_view service, std::string_view workflow) {
    std::string service_value = service_label(service);
    auto& workflows = services.find(service_value)->second;
    std::string workflow_value = label_value(workflow);
    if (!workflows.contains(workflow_value)) {
      if (workflows.size() >= kMaxWorkflowsPerService) {
        workflow_value = std::string(kOverflowLabel);
      }
      workflows.insert(workflow_value);
    }
    return {{"service", std::move(service_value)}, {"workflow", std::move(workflow_value)}};
  }
};

namespace {

template <class T>
void remove_series(Family<T>& family, const Labels& labels) {
  if (!family.Has(labels)) return;
  if constexpr (std::is_same_v<T, Histogram>) {
    family.Remove(&family.Add(labels, duration_buckets()));
  } else {
    family.Remove(&family.Add(labels));
  }
}

}  // namespace

Metrics::Metrics(std::string_view version) : impl_(std::make_unique<Impl>(version)) {}
Metrics::~Metrics() = default;

void Metrics::trigger_received(TriggerKind kind, std::string_view chain) {
  impl_->triggers_received.Add({{"chain", impl_->chain_label(chain)}, {"kind", std::string(to_string(kind))}})
      .Increment();
}

void Metrics::trigger_deduplicated(std::string_view service) {
  std::lock_guard lock(impl_->services_mutex);
  impl_->triggers_deduplicated.Add({{"service", impl_->service_label(service)}}).Increment();
}

void Metrics::run_finished(std::string_view service, std::string_view workflow,
                           component::ExecOutcome outcome, std::uint64_t fuel,
                           std::chrono::microseconds duration) {
  std::lock_guard lock(impl_->services_mutex);
  Labels labels = impl_->workflow_labels(service, workflow);
  Labels with_outcome = labels;
  with_outcome.emplace("outcome", std::string(component::to_string(outcome)));
  impl_->runs.Add(with_outcome).Increment();
  if (outcome != component::ExecOutcome::kSuccess) {
    impl_->run_failures.Add(labels).Increment();
  }
  impl_->fuel.Add(labels).Increment(static_cast<double>(fuel));
  impl_->duration.Add(labels, duration_buckets())
      .Observe(std::chrono::duration<double>(std::max(duration, std::chrono::microseconds{0})).count());
}

void Metrics::run_failed(std::string_view service, std::string_view workflow) {
  std::lock_guard lock(impl_->services_mutex);
  impl_->run_failures.Add(impl_->workflow_labels(service, workflow)).Increment();
}

void Metrics::set_queue_depth(std::string_view service, std::size_t depth) {
  std::lock_guard lock(impl_->services_mutex);
  impl_->queue_depth.Add({{"service", impl_->service_label(service)}}).Set(static_cast<double>(depth));
}

void Metrics::set_worker_usage(std::size_t busy, std::size_t workers) {
  impl_->workers_busy.Set(static_cast<double>(busy));
  impl_->worker_utilization.Set(workers == 0 ? 0.0
                                             : static_cast<double>(busy) / static_cast<double>(workers));
}

void Metrics::set_outbox_depth(std::size_t depth) { impl_->outbox_depth.Set(static_cast<double>(depth)); }

void Metrics::delivery(DeliveryResult result) {
  impl_->deliveries.Add({{"result", std::string(to_string(result))}}).Increment();
}

void Metrics::rpc_error(std::string_view chain) {
  impl_->rpc_errors.Add({{"chain", impl_->chain_label(chain)}}).Increment();
}

void Metrics::log_batch_refused(std::string_view chain) {
  impl_->refused_batches.Add({{"chain", impl_->chain_label(chain)}}).Increment();
}

void Metrics::log_stream_reconnected(std::string_view chain) {
  impl_->reconnects.Add({{"chain", impl_->chain_label(chain)}}).Increment();
}

void Metrics::set_registered_services(std::size_t count) {
  impl_->registered_services.Set(static_cast<double>(count));
}

void Metrics::forget_service(std::string_view service) {
  std::string value = label_value(service);
  std::lock_guard lock(impl_->services_mutex);
  auto it = impl_->services.find(value);
  // The overflow bucket is shared by many services; it stays.
  if (it == impl_->services.end() || value == kOverflowLabel) return;
  const Labels service_only = {{"service", value}};
  remove_series(impl_->triggers_deduplicated, service_only);
  remove_series(impl_->queue_depth, service_only);
  for (const std::string& workflow : it->second) {
    const Labels labels = {{"service", value}, {"workflow", workflow}};
    for (auto outcome : kOutcomes) {
      Labels with_outcome = labels;
      with_outcome.emplace("outcome", std::string(component::to_string(outcome)));
      remove_series(impl_->runs, with_outcome);
    }
    remove_series(impl_->run_failures, labels);
    remove_series(impl_->fuel, labels);
    remove_series(impl_->duration, labels);
  }
  impl_->services.erase(it);
}

std::string Metrics::render() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
  std::sort(families.begin(), families.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace wavs::node
