#pragma once
// The `wavs_v1` import module: the host half of docs/component-abi.md. One HostRun holds
// the state of one run (responses, the pending result, the last error, call budgets);
// link() defines all fifteen functions on a linker, bound to it. runner.cpp is the usual
// user; tests drive it directly with hand-written modules.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "component/runner.hpp"
#include "wasm/wasm.hpp"

namespace wavs::component {

// The limits of docs/component-abi.md, "Limits".
struct HostLimits {
  std::size_t max_payload_bytes = 1 << 20;
  std::size_t max_responses = 64;
  std::size_t max_total_payload_bytes = 8 << 20;
  std::size_t max_salt_bytes = 64;
  std::uint32_t max_outbound_calls = 32;  // http_request and chain_rpc together
  std::size_t max_log_message_bytes = 4096;
  std::size_t max_last_error_bytes = 4096;
  std::chrono::milliseconds default_http_timeout{10'000};
};

// Every import with its exact signature, for load-time checks.
struct ImportInfo {
  std::string_view name;
  wasm::FuncType type;
};
[[nodiscard]] std::span<const ImportInfo> wavs_v1_functions();

class HostRun {
 public:
  // `action`, `workflow` and `services` must outlive the HostRun. Errors: kInvalid (a
  // workflow id outside the rule).
  [[nodiscard]] static Result<HostRun> create(const TriggerAction& action, const WorkflowContext& workflow,
                                              const HostServices& services,
                                              std::chrono::steady_clock::time_point deadline,
                                              HostLimits limits = {}, std::stop_token cancel = {});

  // Defines wavs_v1.* on `linker`, bound to this object (which must outlive the instance).
  void link(wasm::Linker& linker);

  // Defines wavs_v1.* bound to whichever HostRun is active on the calling thread (see
  // Scope), so one linker serves every run.
  static void link_active(wasm::Linker& linker);
  class Scope {
   public:
    explicit Scope(HostRun& run);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    HostRun* previous_;
  };

  [[nodiscard]] const std::vector<Response>& responses() const { return responses_; }
  [[nodiscard]] std::vector<Response> take_responses() { return std::move(responses_); }
  [[nodiscard]] const std::vector<LogLine>& logs() const { return logs_; }
  [[nodiscard]] std::vector<LogLine> take_logs() { return std::move(logs_); }
  [[nodiscard]] std::uint32_t calls() const { return calls_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

  struct Glue;  // the import functions (host.cpp)

 private:
  HostRun() = default;

  const TriggerAction* action_ = nullptr;
  const WorkflowContext* workflow_ = nullptr;
  const HostServices* services_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  std::stop_token cancel_;  // the run's: ends http_request and chain_rpc waits
  HostLimits limits_;
  eth::EventId trigger_event_id_;
  std::string service_info_json_;  // built on the first service_info call

  std::vector<Response> responses_;
  std::size_t total_payload_ = 0;
  std::vector<LogLine> logs_;
  std::optional<Bytes> pending_;
  std::string last_error_;
  std::uint32_t outbound_calls_ = 0;
  std::uint32_t calls_ = 0;
};

}  // namespace wavs::component
