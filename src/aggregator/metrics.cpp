#include "aggregator/metrics.hpp"

#include <map>
#include <mutex>
#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "common/utf8.hpp"

namespace wavs::aggregator {

std::string_view to_string(PacketResult result) {
  switch (result) {
    case PacketResult::kAggregated:
      return "aggregated";
    case PacketResult::kSent:
      return "sent";
    case PacketResult::kBurned:
      return "burned";
    case PacketResult::kRefused:
      return "refused";
  }
  return "refused";
}

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& packets = prometheus::BuildCounter()
                                                         .Name("wavs_aggregator_packets_total")
                                                         .Help("packets answered, by result")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Counter>& submissions =
      prometheus::BuildCounter()
          .Name("wavs_aggregator_submissions_total")
          .Help("handleSignedEnvelope transactions, by chain and result (landed, failed)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& gas = prometheus::BuildCounter()
                                                     .Name("wavs_aggregator_gas_used_total")
                                                     .Help("gas used by landed submissions, by chain")
                                                     .Register(*registry);
  prometheus::Family<prometheus::Gauge>& underfunded =
      prometheus::BuildGauge()
          .Name("wavs_aggregator_submitter_underfunded")
          .Help("1 while the submitter's last attempt on the chain failed for lack of funds")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queues = prometheus::BuildGauge()
                                                      .Name("wavs_aggregator_queues")
                                                      .Help("signature queues, by status")
                                                      .Register(*registry);
  prometheus::Family<prometheus::Gauge>& build = prometheus::BuildGauge()
                                                     .Name("wavs_build_info")
                                                     .Help("the running build")
                                                     .Register(*registry);
};

Metrics::Metrics(std::string_view version) : impl_(std::make_unique<Impl>()) {
  impl_->build.Add({{"version", sanitize_utf8(version)}, {"role", "aggregator"}}).Set(1);
  for (auto r : {PacketResult::kAggregated, PacketResult::kSent, PacketResult::kBurned, PacketResult::kRefused}) {
    impl_->packets.Add({{"result", std::string(to_string(r))}});
  }
  set_queues(0, 0, 0);
}
Metrics::~Metrics() = default;

void Metrics::packet(PacketResult result) { impl_->packets.Add({{"result", std::string(to_string(result))}}).Increment(); }

void Metrics::landed(std::string_view chain, std::uint64_t gas_used) {
  const std::string c = sanitize_utf8(chain);
  impl_->submissions.Add({{"chain", c}, {"result", "landed"}}).Increment();
  impl_->gas.Add({{"chain", c}}).Increment(static_cast<double>(gas_used));
  impl_->underfunded.Add({{"chain", c}}).Set(0);
}

void Metrics::send_failed(std::string_view chain, bool underfunded) {
  const std::string c = sanitize_utf8(chain);
  impl_->submissions.Add({{"chain", c}, {"result", "failed"}}).Increment();
  impl_->underfunded.Add({{"chain", c}}).Set(underfunded ? 1 : 0);
}

void Metrics::set_queues(std::int64_t pending, std::int64_t submitting, std::int64_t submitted) {
  impl_->queues.Add({{"status", "pending"}}).Set(static_cast<double>(pending));
  impl_->queues.Add({{"status", "submitting"}}).Set(static_cast<double>(submitting));
  impl_->queues.Add({{"status", "submitted"}}).Set(static_cast<double>(submitted));
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace wavs::aggregator
