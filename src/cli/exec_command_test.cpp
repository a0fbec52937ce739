#include "cli/exec_command.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/test_support.hpp"
#include "cli/run_command.hpp"
#include "component/trigger.hpp"
#include "wasi/test_support.hpp"

namespace wavs::cli {
namespace {

using test::Outcome;

// Components written in WAT: they exercise the command's plumbing; the examples in
// tests/component exercise real compiled components.
class ExecCommandTest : public ::testing::Test {
 protected:
  std::string module(const std::string& name, std::string_view wat_text) {
    return test::write_module(dir_, name, wat_text);
  }
  Outcome invoke(const std::vector<std::string>& args) { return test::invoke_wavs({"exec"}, args); }
  static nlohmann::json parse(const Outcome& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }
  wasi::test::TempDir dir_;
};

// Responds "hello", logs at info, writes to stdout, and exits with the code stored at 200
// (0 unless the data segment says otherwise).
std::string responder(int exit_code) {
  return R"((module
  (import "wavs_v1" "respond" (func $respond (param i32 i32 i64 i32 i32 i32) (result i32)))
  (import "wavs_v1" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "said hello")
  (data (i32.const 48) "noise\n")
  (func (export "_start")
    (drop (call $respond (i32.const 16) (i32.const 5) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $log (i32.const 2) (i32.const 32) (i32.const 10)))
    (i32.store (i32.const 0) (i32.const 48))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const )" + std::to_string(exit_code) + R"())))
)";
}

constexpr const char* kLoop = R"((module
  (import "wavs_v1" "log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))
)";

TEST_F(ExecCommandTest, PrintsResponsesLogsAndStatsAsJson) {
  auto path = module("hello.wasm", responder(0));
  auto r = invoke({"--component", path, "--input-raw", "0x07", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto j = parse(r);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["outcome"], "success");
  ASSERT_EQ(j["responses"].size(), 1u);
  EXPECT_EQ(j["responses"][0]["payload"], "0x68656c6c6f");
  EXPECT_EQ(j["responses"][0]["text"], "hello");
  EXPECT_TRUE(j["responses"][0]["ordering"].is_null());
  auto id = component::event_id(Hash256{}, "default", component::Raw{{0x07}});
  ASSERT_TRUE(id);
  EXPECT_EQ(j["responses"][0]["event_id"], id->hex());
  ASSERT_EQ(j["logs"].size(), 1u);
  EXPECT_EQ(j["logs"][0]["level"], "info");
  EXPECT_EQ(j["logs"][0]["message"], "said hello");
  EXPECT_EQ(j["stdout"], "noise\n");
  // The log line is part of the captured stderr, in order with the guest's own writes.
  EXPECT_EQ(j["stderr"], "[info] said hello\nnoise\n");
  EXPECT_GT(j["fuel_consumed"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(j["host_calls"], 2);
}

TEST_F(ExecCommandTest, HumanListingShowsPayloadAndText) {
  auto path = module("hello.wasm", responder(0));
  auto r = invoke({"--component", path});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("0x68656c6c6f"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("text: hello"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outcome: success"), std::string::npos) << r.out;
}

TEST_F(ExecCommandTest, NonZeroExitIsFailureWithoutResponses) {
  auto path = module("fail.wasm", responder(3));
  auto r = invoke({"--component", path, "--json"});
  EXPECT_EQ(r.code, kExitFailure);
  auto j = parse(r);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["outcome"], "exit");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["responses"].size(), 0u);
  EXPECT_EQ(j["error"], "exit 3: [info] said hello\nnoise");
}

TEST_F(ExecCommandTest, LimitsHaveTheirExitCodes) {
  auto path = module("loop.wasm", kLoop);
  EXPECT_EQ(invoke({"--component", path, "--fuel-limit", "10000"}).code, kExitRunFuel);
  auto r = invoke({"--component", path, "--time-limit", "0.2", "--json"});
  EXPECT_EQ(r.code, kExitRunTime);
  EXPECT_EQ(parse(r)["outcome"], "time_limit");
}

TEST_F(ExecCommandTest, TrapHasItsExitCode) {
  auto path = module("trap.wasm", R"((module (memory (export "memory") 1)
    (func (export "_start") unreachable)))");
  auto r = invoke({"--component", path, "--json"});
  EXPECT_EQ(r.code, kExitRunTrap);
  EXPECT_EQ(parse(r)["error"].get<std::string>().rfind("trap: ", 0), 0u);
}

TEST_F(ExecCommandTest, UnknownImportIsALoadErrorNamingIt) {
  auto path = module("nope.wasm", R"((module
    (import "wavs_v1" "nope" (func (param i32) (result i32)))
    (memory (export "memory") 1) (func (export "_start"))))");
  auto r = invoke({"--component", path});
  EXPECT_EQ(r.code, kExitRunLoad);
  EXPECT_NE(r.err.find("wavs_v1.nope"), std::string::npos) << r.err;
}

TEST_F(ExecCommandTest, WrongImportSignatureIsALoadError) {
  auto path = module("sig.wasm", R"((module
    (import "wavs_v1" "log" (func (param i32 i32) (result i32)))
    (memory (export "memory") 1) (func (export "_start"))))");
  auto r = invoke({"--component", path});
  EXPECT_EQ(r.code, kExitRunLoad);
  EXPECT_NE(r.err.find("wavs_v1.log"), std::string::npos) << r.err;
}

TEST_F(ExecCommandTest, MissingMemoryExportIsALoadError) {
  auto path = module("nomem.wasm", R"((module (func (export "_start"))))");
  auto r = invoke({"--component", path});
  EXPECT_EQ(r.code, kExitRunLoad);
  EXPECT_NE(r.err.find("memory"), std::string::npos) << r.err;
}

TEST_F(ExecCommandTest, MemoryOverCapHasItsExitCode) {
  auto path = module("big.wasm", R"((module (memory (export "memory") 100) (func (export "_start"))))");
  EXPECT_EQ(invoke({"--component", path, "--max-memory", "65536"}).code, kExitRunMemoryLimit);
}

TEST_F(ExecCommandTest, KeyValueFlagsShareOneErrorText) {
  auto path = module("hello.wasm", responder(0));
  EXPECT_EQ(invoke({"--component", path, "--config", "novalue"}).err,
            "wavs exec: --config expects KEY=VALUE, got 'novalue'\n");
  EXPECT_EQ(invoke({"--component", path, "--chain", "=http://127.0.0.1:1"}).err,
            "wavs exec: --chain expects KEY=VALUE, got '=http://127.0.0.1:1'\n");
}

TEST_F(ExecCommandTest, BadUsageAndInputExitTwo) {
  auto path = module("hello.wasm", responder(0));
  EXPECT_EQ(invoke({"--component", path, "--input", "{not json"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--input-raw", "0xabc"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--input", "@/nonexistent/file.json"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--config", "novalue"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--env-key", "HOME"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--chain", "evm:x=http://127.0.0.1:1"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--workflow-id", "X"}).code, kExitUsage);
  EXPECT_EQ(invoke({"--component", path, "--service-id", "0x12"}).code, kExitUsage);
  auto r = invoke({"--component", (dir_.path() / "missing.wasm").string()});
  EXPECT_EQ(r.code, kExitRunLoad);
  EXPECT_NE(r.err.find("missing.wasm"), std::string::npos);
}

TEST_F(ExecCommandTest, ServiceManifestGivesIdsAndWorkflow) {
  auto path = module("hello.wasm", responder(0));
  const std::string manifest = dir_.write("service.json", R"({"name":"t","status":"active",
    "manager":{"evm":{"chain":"evm:31337","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
    "workflows":{"my-flow":{"trigger":"manual","component":{"config":{"a":"b"},"fuel_limit":1000000,
      "source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})").string();
  auto r = invoke({"--component", path, "--service", manifest, "--workflow-id", "my-flow", "--input-raw", "0x07", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto id = component::event_id(
      *Hash256::from_hex("76d41ff256803de151fce2ed99d145cf985af50e6def0809072e9f68932f5d11"), "my-flow",
      component::Raw{{0x07}});
  ASSERT_TRUE(id);
  EXPECT_EQ(parse(r)["responses"][0]["event_id"], id->hex());
  // A workflow the manifest does not have, and a broken manifest, are usage errors.
  auto missing = invoke({"--component", path, "--service", manifest});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("no workflow \"default\""), std::string::npos) << missing.err;
  const std::string broken = dir_.write("broken.json", "{\"manager\":").string();
  EXPECT_EQ(invoke({"--component", path, "--service", broken}).code, kExitUsage);
}

}  // namespace
}  // namespace wavs::cli
