#include "component/runner.hpp"

#include <gtest/gtest.h>

#include "component/kv_store.hpp"
#include "wasi/error.hpp"
#include "wasi/test_support.hpp"
#include "wasm/types.hpp"

namespace wavs::component {
namespace {

using wasi::test::TempDir;

Bytes wat(std::string_view text) {
  Bytes b = wasi::test::wat(text);
  EXPECT_FALSE(b.empty()) << "wat2wasm failed";
  return b;
}

// Reads its stdin (the TriggerAction JSON) and responds with it, then exits with the
// code given as the first byte of the config variable "exit" (absent: 0).
constexpr const char* kEchoStdin = R"((module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
  (import "wavs_v1" "config_var" (func $config_var (param i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 8) "exit")
  (func (export "_start") (local $n i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 60000))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (drop (call $respond (i32.const 1024) (i32.load (i32.const 16)) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
    (if (i64.eq (call $config_var (i32.const 8) (i32.const 4) (i32.const 20) (i32.const 1)) (i64.const 1))
      (then (call $exit (i32.sub (i32.load8_u (i32.const 20)) (i32.const 48)))))))
)";

class RunnerTest : public ::testing::Test {
 protected:
  Result<ExecResult> exec(std::string_view wat_text) {
    auto program = load(engine_, wat(wat_text));
    if (!program) return program.error();
    return execute(*program, action_, workflow_, services_);
  }
  wasm::Engine engine_;
  TriggerAction action_;
  WorkflowContext workflow_;
  HostServices services_;
};

TEST(StderrTail, KeepsTheLastKibibyteAtACharacterBoundary) {
  EXPECT_EQ(stderr_tail("boom\n\n  "), "boom");
  EXPECT_EQ(stderr_tail(""), "");
  const std::string long_text = std::string(2000, 'a') + "\xe2\x82\xac" + std::string(1021, 'b') + "\n";
  const std::string tail = stderr_tail(long_text);
  EXPECT_EQ(tail, std::string(1021, 'b'));  // the euro sign straddled the cut: dropped whole
  EXPECT_EQ(stderr_tail("x\xff"), "x\xef\xbf\xbd");
}

TEST(LogLevels, AbiLevelsMapToTheProcessLevels) {
  // The ABI's wire values are fixed (0 error .. 4 trace); the names are the process's.
  const std::pair<LogLevel, std::string_view> cases[] = {{LogLevel::kError, "error"},
                                                         {LogLevel::kWarn, "warn"},
                                                         {LogLevel::kInfo, "info"},
                                                         {LogLevel::kDebug, "debug"},
                                                         {LogLevel::kTrace, "trace"}};
  std::uint8_t wire = 0;
  for (const auto& [level, name] : cases) {
    EXPECT_EQ(static_cast<std::uint8_t>(level), wire++);
    EXPECT_EQ(wavs::to_string(to_log_level(level)), name);
  }
}

TEST_F(RunnerTest, SuccessReturnsResponsesAndTheGuestSawTheTrigger) {
  action_.data = Raw{{0x01, 0x02}};
  auto r = exec(kEchoStdin);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->ok()) << r->error;
  ASSERT_EQ(r->responses.size(), 1u);
  const std::string seen(r->responses[0].payload.begin(), r->responses[0].payload.end());
  EXPECT_EQ(seen, to_json(action_));
  EXPECT_NE(seen.find("\"raw\":\"0x0102\""), std::string::npos) << seen;
  EXPECT_GT(r->fuel_consumed, 0u);
  EXPECT_EQ(r->host_calls, 2u);
}

TEST_F(RunnerTest, NonZeroExitDropsResponses) {
  workflow_.component.config["exit"] = "3";
  auto r = exec(kEchoStdin);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ExecOutcome::kExit);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->error, "exit 3");
  EXPECT_TRUE(r->responses.empty());
}

TEST_F(RunnerTest, ExplicitExitZeroIsSuccess) {
  workflow_.component.config["exit"] = "0";
  auto r = exec(kEchoStdin);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->responses.size(), 1u);
}

TEST_F(RunnerTest, TrapAfterRespondIsAFailureWithoutResponses) {
  auto r = exec(R"((module
    (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $respond (i32.const 0) (i32.const 4) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
      (drop (i32.div_u (i32.const 1) (i32.const 0))))))");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ExecOutcome::kTrap);
  EXPECT_EQ(r->error.rfind("trap: ", 0), 0u) << r->error;
  EXPECT_TRUE(r->responses.empty());
}

TEST_F(RunnerTest, WorkflowLimitsAndNodeCapsApply) {
  constexpr const char* kLoop = R"((module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l)))))";
  workflow_.component.fuel_limit = 5000;
  auto r = exec(kLoop);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ExecOutcome::kFuelExhausted);
  EXPECT_EQ(r->error, "fuel exhausted after 5000 units");
  // The node cap is tighter than the workflow's own limit: the cap wins.
  workflow_.component.fuel_limit = 1'000'000'000;
  services_.caps.fuel = 7000;
  r = exec(kLoop);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "fuel exhausted after 7000 units");
  services_.caps.fuel.reset();
  workflow_.component.fuel_limit.reset();
  workflow_.component.time_limit_seconds = 0.2;
  r = exec(kLoop);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ExecOutcome::kTimeLimit);
  EXPECT_EQ(r->error, "time limit of 0.2 s exceeded");
}

TEST_F(RunnerTest, MemoryCapRefusesTheModuleBeforeItRuns) {
  services_.caps.max_memory_bytes = 2 * 65536;
  auto r = exec(R"((module (memory (export "memory") 3) (func (export "_start"))))");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(wasi::WasiErrc::kMemoryLimit)) << r.error().message();
}

TEST_F(RunnerTest, GrowRefusedByTheCapIsReported) {
  constexpr const char* kGrow = R"((module (memory (export "memory") 1)
    (func (export "_start") (drop (memory.grow (i32.const 10))))))";
  auto r = exec(kGrow);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_FALSE(r->memory_cap_hit);
  services_.caps.max_memory_bytes = 2 * 65536;
  r = exec(kGrow);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());  // the guest saw -1 and carried on
  EXPECT_TRUE(r->memory_cap_hit);
}

TEST_F(RunnerTest, LoadRefusesWhatTheHostDoesNotOffer) {
  struct Case {
    const char* wat;
    const char* needle;
  } cases[] = {
      {R"((module (import "env" "f" (func)) (memory (export "memory") 1) (func (export "_start"))))", "env.f"},
      {R"((module (import "wavs_v1" "kv_gett" (func)) (memory (export "memory") 1) (func (export "_start"))))",
       "unknown import wavs_v1.kv_gett"},
      {R"((module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
          (memory (export "memory") 1) (func (export "_start"))))",
       "wasi_snapshot_preview1.fd_write"},
      {R"((module (import "wavs_v1" "memory" (memory 1)) (func (export "_start"))))", "must be a function"},
      {R"((module (memory (export "memory") 1)))", "_start"},
      {R"((module (memory (export "memory") 1) (func (export "_start") (param i32))))", "_start"},
      {R"((module (memory (export "mem") 1) (func (export "_start"))))", "memory"},
  };
  for (const auto& c : cases) {
    auto p = load(engine_, wat(c.wat));
    ASSERT_FALSE(p) << c.wat;
    EXPECT_NE(p.error().message().find(c.needle), std::string::npos) << p.error().message();
  }
  const Bytes garbage = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00};
  auto p = load(engine_, garbage);
  ASSERT_FALSE(p);
  EXPECT_TRUE(p.error().is(wasm::WasmErrc::kMalformed));
}

TEST_F(RunnerTest, MismatchedTriggerAndWorkflowIsRefused) {
  action_.workflow_id = "other";
  auto r = exec(kEchoStdin);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext));
}

// Counts the environment variables the guest sees and responds with the count as a byte.
constexpr const char* kEnvCount = R"((module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $respond (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))
)";

TEST_F(RunnerTest, OnlyListedPrefixedEnvKeysAreVisible) {
  services_.host_env = {{"WAVS_ENV_A", "1"}, {"WAVS_ENV_B", "2"}, {"HOME", "/root"}, {"WAVS_SECRET", "x"}};
  workflow_.component.env_keys = {"WAVS_ENV_A", "HOME", "WAVS_SECRET", "WAVS_ENV_MISSING"};
  auto r = exec(kEnvCount);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->responses.size(), 1u);
  EXPECT_EQ(r->responses[0].payload[0], 1);  // WAVS_ENV_A only
}

// Responds with fd_prestat_get(3)'s errno: 0 when /data is preopened, 8 (EBADF) when not.
constexpr const char* kPrestat = R"((module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 100) (call $prestat (i32.const 3) (i32.const 0)))
    (drop (call $respond (i32.const 100) (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))
)";

TEST_F(RunnerTest, FileSystemOnlyWhenGranted) {
  auto r = exec(kPrestat);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->responses[0].payload[0], 8);
  workflow_.component.file_system = true;
  auto refused = exec(kPrestat);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(ComponentErrc::kUnavailable));
  TempDir dir;
  services_.data_root = dir.path();
  r = exec(kPrestat);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->responses[0].payload[0], 0);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / workflow_.service_id.hex(HexPrefix::kNone)));
}

TEST_F(RunnerTest, ManyRunsOfOneProgramShareNothing) {
  auto program = load(engine_, wat(kEchoStdin));
  ASSERT_TRUE(program);
  for (int i = 0; i < 50; ++i) {
    action_.data = Raw{{static_cast<std::uint8_t>(i)}};
    auto r = execute(*program, action_, workflow_, services_);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->responses.size(), 1u);
    const std::string seen(r->responses[0].payload.begin(), r->responses[0].payload.end());
    EXPECT_EQ(seen, to_json(action_));
  }
}

}  // namespace
}  // namespace wavs::component
