#pragma once
// The aggregator's Prometheus metrics and render(), the text exposition format (0.0.4)
// GET /metrics answers with. prometheus-cpp stays inside metrics.cpp; docs/aggregator.md
// lists the metrics.
//
// Every function is safe to call from any thread. Label values are fixed enums or
// configured chain keys (bounded by the configuration), never an event id or address.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wavs::aggregator {

enum class PacketResult : std::uint8_t { kAggregated, kSent, kBurned, kRefused };
[[nodiscard]] std::string_view to_string(PacketResult result);

class Metrics {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  explicit Metrics(std::string_view version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void packet(PacketResult result);
  // A transaction landed on `chain`, using `gas_used`.
  void landed(std::string_view chain, std::uint64_t gas_used);
  // A submission attempt failed; `underfunded` when the node said insufficient funds.
  void send_failed(std::string_view chain, bool underfunded);
  void set_queues(std::int64_t pending, std::int64_t submitting, std::int64_t submitted);

  [[nodiscard]] std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wavs::aggregator
