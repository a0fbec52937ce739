#include "node/metrics.hpp"

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "component/runner.hpp"

namespace wavs::node {
namespace {

using component::ExecOutcome;
using std::chrono::microseconds;

constexpr std::string_view kService = "0d2f7c6a0d2f7c6a0d2f7c6a0d2f7c6a0d2f7c6a0d2f7c6a0d2f7c6a0d2f7c6a";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The value of the sample written exactly as `series` (name and labels as rendered), or
// nullopt when there is no such line.
std::optional<double> sample(const std::string& text, const std::string& series) {
  for (const std::string& line : lines_of(text)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

// Lines of samples of metric `name` (with labels or not), comments excluded.
std::vector<std::string> samples_of(const std::string& text, const std::string& name) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() &&
        (line[name.size()] == '{' || line[name.size()] == ' ')) {
      found.push_back(line);
    }
  }
  return found;
}

std::string quoted(std::string_view service) { return "\"" + std::string(service) + "\""; }

void exercise_everything(Metrics& metrics) {
  metrics.trigger_received(TriggerKind::kEvmEvent, "evm:31337");
  metrics.trigger_deduplicated(kService);
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 100, microseconds(50));
  metrics.run_failed(kService, "default");
  metrics.set_queue_depth(kService, 3);
  metrics.set_worker_usage(1, 4);
  metrics.set_outbox_depth(2);
  metrics.delivery(DeliveryResult::kDelivered);
  metrics.rpc_error("evm:31337");
  metrics.log_batch_refused("evm:31337");
  metrics.log_stream_reconnected("evm:31337");
  metrics.set_registered_services(1);
}

TEST(Metrics, EveryFamilyHasHelpAndType) {
  Metrics metrics("1.2.3");
  exercise_everything(metrics);
  const std::string text = "\n" + metrics.render();  // so the first line is found like the others
  const std::vector<std::pair<std::string, std::string>> families = {
      {"wavs_triggers_received_total", "counter"},
      {"wavs_triggers_deduplicated_total", "counter"},
      {"wavs_component_runs_total", "counter"},
      {"wavs_component_run_failures_total", "counter"},
      {"wavs_component_fuel_consumed_total", "counter"},
      {"wavs_component_run_duration_seconds", "histogram"},
      {"wavs_dispatcher_queue_depth", "gauge"},
      {"wavs_dispatcher_workers_busy", "gauge"},
      {"wavs_dispatcher_worker_utilization_ratio", "gauge"},
      {"wavs_outbox_depth", "gauge"},
      {"wavs_outbox_deliveries_total", "counter"},
      {"wavs_rpc_errors_total", "counter"},
      {"wavs_log_stream_refused_batches_total", "counter"},
      {"wavs_log_stream_reconnects_total", "counter"},
      {"wavs_registered_services", "gauge"},
      {"wavs_build_info", "gauge"},
  };
  for (const auto& [name, type] : families) {
    EXPECT_NE(text.find("\n# HELP " + name + " "), std::string::npos) << name;
    EXPECT_NE(text.find(std::string("\n# TYPE ").append(name).append(" ").append(type).append("\n")),
              std::string::npos)
        << name;
  }
  // Every line is a comment or `series value`: nothing else a scraper would reject.
  for (const std::string& line : lines_of(text.substr(1))) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    ASSERT_TRUE(line.starts_with("wavs_")) << line;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    char* end = nullptr;
    const std::string value = line.substr(space + 1);
    std::strtod(value.c_str(), &end);
    EXPECT_TRUE(*end == '\0' || value == "+Inf") << line;
  }
}

TEST(Metrics, FreshNodeShowsBuildInfoAndZeros) {
  Metrics metrics("1.2.3");
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, "wavs_build_info{version=\"1.2.3\"}"), 1.0);
  EXPECT_EQ(sample(text, "wavs_registered_services"), 0.0);
  EXPECT_EQ(sample(text, "wavs_outbox_depth"), 0.0);
  EXPECT_EQ(sample(text, "wavs_dispatcher_workers_busy"), 0.0);
  for (const char* result : {"delivered", "retry", "dropped"}) {
    EXPECT_EQ(sample(text, std::string("wavs_outbox_deliveries_total{result=\"") + result + "\"}"), 0.0)
        << result;
  }
  // Families are written in name order, so scrapes are stable.
  EXPECT_LT(text.find("# TYPE wavs_build_info"), text.find("# TYPE wavs_outbox_depth"));
  EXPECT_LT(text.find("# TYPE wavs_outbox_depth"), text.find("# TYPE wavs_registered_services"));
}

TEST(Metrics, TriggersCountByChainAndKind) {
  Metrics metrics("0.1.0");
  metrics.trigger_received(TriggerKind::kEvmEvent, "evm:31337");
  metrics.trigger_received(TriggerKind::kEvmEvent, "evm:31337");
  metrics.trigger_received(TriggerKind::kBlockInterval, "evm:1");
  metrics.trigger_received(TriggerKind::kCron);
  metrics.trigger_received(TriggerKind::kManual);
  metrics.trigger_deduplicated(kService);
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, R"(wavs_triggers_received_total{chain="evm:31337",kind="evm_event"})"), 2.0);
  EXPECT_EQ(sample(text, R"(wavs_triggers_received_total{chain="evm:1",kind="block_interval"})"), 1.0);
  EXPECT_EQ(sample(text, R"(wavs_triggers_received_total{chain="",kind="cron"})"), 1.0);
  EXPECT_EQ(sample(text, R"(wavs_triggers_received_total{chain="",kind="manual"})"), 1.0);
  EXPECT_EQ(sample(text, "wavs_triggers_deduplicated_total{service=" + quoted(kService) + "}"), 1.0);
}

TEST(Metrics, RunsCountOutcomesFailuresAndFuel) {
  Metrics metrics("0.1.0");
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 1000, microseconds(20));
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 500, microseconds(20));
  metrics.run_finished(kService, "default", ExecOutcome::kTrap, 7, microseconds(20));
  metrics.run_finished(kService, "other", ExecOutcome::kFuelExhausted, 10'000'000'000, microseconds(20));
  metrics.run_failed(kService, "default");
  const std::string text = metrics.render();
  const std::string base = "{service=" + quoted(kService) + ",workflow=\"default\"";
  EXPECT_EQ(sample(text, "wavs_component_runs_total" + base + ",outcome=\"success\"}"), std::nullopt)
      << "labels are written in name order";
  const std::string ordered = "{outcome=\"success\",service=" + quoted(kService) + ",workflow=\"default\"}";
  EXPECT_EQ(sample(text, "wavs_component_runs_total" + ordered), 2.0);
  EXPECT_EQ(sample(text, "wavs_component_runs_total{outcome=\"trap\",service=" + quoted(kService) +
                             ",workflow=\"default\"}"),
            1.0);
  EXPECT_EQ(sample(text, "wavs_component_runs_total{outcome=\"fuel_exhausted\",service=" + quoted(kService) +
                             ",workflow=\"other\"}"),
            1.0);
  // The trap and the run that never ran.
  EXPECT_EQ(sample(text, "wavs_component_run_failures_total" + base + "}"), 2.0);
  EXPECT_EQ(
      sample(text, "wavs_component_run_failures_total{service=" + quoted(kService) + ",workflow=\"other\"}"),
      1.0);
  EXPECT_EQ(sample(text, "wavs_component_fuel_consumed_total" + base + "}"), 1507.0);
  EXPECT_EQ(
      sample(text, "wavs_component_fuel_consumed_total{service=" + quoted(kService) + ",workflow=\"other\"}"),
      1e10);
}

TEST(Metrics, DurationHistogramSpansTenMicrosecondsToThirtySeconds) {
  Metrics metrics("0.1.0");
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 0, microseconds(30));
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 0, microseconds(2'000'000));
  metrics.run_finished(kService, "default", ExecOutcome::kTimeLimit, 0, microseconds(45'000'000));
  const std::string text = metrics.render();
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count), +Inf as le 0
  bool saw_inf = false;
  double inf_count = 0;
  for (const std::string& line : samples_of(text, "wavs_component_run_duration_seconds_bucket")) {
    const auto le = line.find("le=\"");
    ASSERT_NE(le, std::string::npos) << line;
    const std::string bound = line.substr(le + 4, line.find('"', le + 4) - le - 4);
    const double count = std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    if (bound == "+Inf") {
      saw_inf = true;
      inf_count = count;
    } else {
      buckets.emplace_back(std::strtod(bound.c_str(), nullptr), count);
    }
  }
  ASSERT_EQ(buckets.size(), 20u);
  EXPECT_TRUE(saw_inf);
  EXPECT_DOUBLE_EQ(buckets.front().first, 10e-6);
  EXPECT_DOUBLE_EQ(buckets.back().first, 30.0);
  for (const auto& [bound, count] : buckets) {
    const double expected = (bound >= 30e-6 ? 1 : 0) + (bound >= 2.0 ? 1 : 0);
    EXPECT_EQ(count, expected) << "le=" << bound;
  }
  EXPECT_EQ(inf_count, 3.0);
  const std::string labels = "{service=" + quoted(kService) + ",workflow=\"default\"}";
  EXPECT_EQ(sample(text, "wavs_component_run_duration_seconds_count" + labels), 3.0);
  EXPECT_NEAR(*sample(text, "wavs_component_run_duration_seconds_sum" + labels), 47.00003, 1e-9);
}

TEST(Metrics, GaugesFollowTheLastValue) {
  Metrics metrics("0.1.0");
  metrics.set_queue_depth(kService, 9);
  metrics.set_queue_depth(kService, 4);
  metrics.set_worker_usage(3, 4);
  metrics.set_outbox_depth(12);
  metrics.set_registered_services(2);
  metrics.delivery(DeliveryResult::kRetry);
  metrics.delivery(DeliveryResult::kRetry);
  metrics.delivery(DeliveryResult::kDropped);
  metrics.rpc_error("evm:1");
  metrics.log_batch_refused("evm:1");
  metrics.log_batch_refused("evm:1");
  metrics.log_stream_reconnected("evm:1");
  std::string text = metrics.render();
  EXPECT_EQ(sample(text, "wavs_dispatcher_queue_depth{service=" + quoted(kService) + "}"), 4.0);
  EXPECT_EQ(sample(text, "wavs_dispatcher_workers_busy"), 3.0);
  EXPECT_EQ(sample(text, "wavs_dispatcher_worker_utilization_ratio"), 0.75);
  EXPECT_EQ(sample(text, "wavs_outbox_depth"), 12.0);
  EXPECT_EQ(sample(text, "wavs_registered_services"), 2.0);
  EXPECT_EQ(sample(text, R"(wavs_outbox_deliveries_total{result="retry"})"), 2.0);
  EXPECT_EQ(sample(text, R"(wavs_outbox_deliveries_total{result="dropped"})"), 1.0);
  EXPECT_EQ(sample(text, R"(wavs_outbox_deliveries_total{result="delivered"})"), 0.0);
  EXPECT_EQ(sample(text, R"(wavs_rpc_errors_total{chain="evm:1"})"), 1.0);
  EXPECT_EQ(sample(text, R"(wavs_log_stream_refused_batches_total{chain="evm:1"})"), 2.0);
  EXPECT_EQ(sample(text, R"(wavs_log_stream_reconnects_total{chain="evm:1"})"), 1.0);

  metrics.set_worker_usage(0, 0);  // no pool yet: 0, not NaN
  text = metrics.render();
  EXPECT_EQ(sample(text, "wavs_dispatcher_worker_utilization_ratio"), 0.0);
}

TEST(Metrics, OddLabelValuesAreEscapedAndValidUtf8) {
  Metrics metrics("0.1.0\n\"x\"");
  metrics.set_queue_depth("a\"b\\c\nd", 1);
  metrics.set_queue_depth("bad\xff\xfe utf8", 2);
  metrics.set_queue_depth(std::string(1000, 'z'), 3);
  const std::string text = metrics.render();
  EXPECT_EQ(sample(text, R"(wavs_dispatcher_queue_depth{service="a\"b\\c\nd"})"), 1.0);
  EXPECT_EQ(sample(text, "wavs_dispatcher_queue_depth{service=\"bad\xEF\xBF\xBD\xEF\xBF\xBD utf8\"}"), 2.0);
  EXPECT_EQ(sample(text, "wavs_dispatcher_queue_depth{service=\"" + std::string(128, 'z') + "\"}"), 3.0);
  EXPECT_EQ(sample(text, R"(wavs_build_info{version="0.1.0\n\"x\""})"), 1.0);
  // The raw newline never reaches the output: no line starts with the value's tail.
  for (const std::string& line : lines_of(text)) {
    EXPECT_FALSE(line.starts_with("d\"")) << line;
    EXPECT_FALSE(line.starts_with("\"x")) << line;
  }
}

TEST(Metrics, LabelValuesAreCapped) {
  Metrics metrics("0.1.0");
  for (std::size_t i = 0; i < Metrics::kMaxServices + 10; ++i) {
    metrics.set_queue_depth("service-" + std::to_string(i), 1);
  }
  for (std::size_t i = 0; i < Metrics::kMaxChains + 5; ++i) {
    metrics.rpc_error("evm:" + std::to_string(i));
  }
  for (std::size_t i = 0; i < Metrics::kMaxWorkflowsPerService + 3; ++i) {
    metrics.run_failed("service-0", "workflow-" + std::to_string(i));
  }
  const std::string text = metrics.render();
  EXPECT_EQ(samples_of(text, "wavs_dispatcher_queue_depth").size(), Metrics::kMaxServices + 1);
  EXPECT_EQ(sample(text, R"(wavs_dispatcher_queue_depth{service="_other"})"), 1.0);
  EXPECT_EQ(samples_of(text, "wavs_rpc_errors_total").size(), Metrics::kMaxChains + 1);
  EXPECT_EQ(sample(text, R"(wavs_rpc_errors_total{chain="_other"})"), 5.0);
  EXPECT_EQ(samples_of(text, "wavs_component_run_failures_total").size(),
            Metrics::kMaxWorkflowsPerService + 1);
  EXPECT_EQ(sample(text, R"(wavs_component_run_failures_total{service="service-0",workflow="_other"})"), 3.0);
}

TEST(Metrics, ForgetServiceRemovesItsSeriesAndFreesItsSlot) {
  Metrics metrics("0.1.0");
  const std::string gone = "gone";
  metrics.trigger_deduplicated(gone);
  metrics.run_finished(gone, "default", ExecOutcome::kSuccess, 5, microseconds(10));
  metrics.run_finished(gone, "default", ExecOutcome::kCancelled, 5, microseconds(10));
  metrics.run_failed(gone, "second");
  metrics.set_queue_depth(gone, 1);
  metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 5, microseconds(10));
  metrics.forget_service(gone);
  metrics.forget_service("never-seen");
  std::string text = metrics.render();
  EXPECT_EQ(text.find("service=\"gone\""), std::string::npos) << text;
  EXPECT_EQ(sample(text, "wavs_component_runs_total{outcome=\"success\",service=" + quoted(kService) +
                             ",workflow=\"default\"}"),
            1.0);

  // A re-registered service starts from zero; a freed slot takes a new service.
  metrics.run_failed(gone, "default");
  text = metrics.render();
  EXPECT_EQ(sample(text, R"(wavs_component_run_failures_total{service="gone",workflow="default"})"), 1.0);

  Metrics full("0.1.0");
  for (std::size_t i = 0; i < Metrics::kMaxServices; ++i) full.set_queue_depth("s" + std::to_string(i), 1);
  full.forget_service("s0");
  full.set_queue_depth("late", 7);
  EXPECT_EQ(sample(full.render(), R"(wavs_dispatcher_queue_depth{service="late"})"), 7.0);
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  Metrics metrics("0.1.0");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  std::vector<std::jthread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      const std::string churn = "churn-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        metrics.run_finished(kService, "default", ExecOutcome::kSuccess, 3, microseconds(100));
        metrics.trigger_received(TriggerKind::kEvmEvent, "evm:31337");
        metrics.delivery(DeliveryResult::kDelivered);
        metrics.set_queue_depth(churn, static_cast<std::size_t>(i));
        if (i % 100 == 0) {
          metrics.forget_service(churn);
          (void)metrics.render();
        }
      }
    });
  }
  threads.clear();  // joins
  const std::string text = metrics.render();
  constexpr double kTotal = kThreads * kPerThread;
  EXPECT_EQ(sample(text, "wavs_component_runs_total{outcome=\"success\",service=" + quoted(kService) +
                             ",workflow=\"default\"}"),
            kTotal);
  EXPECT_EQ(sample(text, "wavs_component_fuel_consumed_total{service=" + quoted(kService) +
                             ",workflow=\"default\"}"),
            3 * kTotal);
  EXPECT_EQ(sample(text, "wavs_component_run_duration_seconds_count{service=" + quoted(kService) +
                             ",workflow=\"default\"}"),
            kTotal);
  EXPECT_EQ(sample(text, R"(wavs_triggers_received_total{chain="evm:31337",kind="evm_event"})"), kTotal);
  EXPECT_EQ(sample(text, R"(wavs_outbox_deliveries_total{result="delivered"})"), kTotal);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(sample(text, "wavs_dispatcher_queue_depth{service=\"churn-" + std::to_string(t) + "\"}"),
              static_cast<double>(kPerThread - 1));
  }
}

}  // namespace
}  // namespace wavs::node
