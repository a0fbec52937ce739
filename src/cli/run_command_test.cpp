#include "cli/run_command.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <sstream>

#include "cli/app.hpp"
#include "cli/test_support.hpp"
#include "wasi/test_support.hpp"

namespace wavs::cli {
namespace {

using test::Outcome;

class RunCommandTest : public ::testing::Test {
 protected:
  std::string module(const std::string& name, std::string_view wat_text) {
    return test::write_module(dir_, name, wat_text);
  }
  Outcome invoke(const std::vector<std::string>& args) { return test::invoke_wavs({"run"}, args); }
  wasi::test::TempDir dir_;
};

constexpr const char* kEcho = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $sizes (i32.const 100) (i32.const 104)))
    (call $exit (i32.load (i32.const 100)))))
)";

TEST_F(RunCommandTest, GuestExitCodeAndOutputPassThrough) {
  auto path = module("echo.wasm", kEcho);
  auto r = invoke({path, "a", "--not-ours", "c"});
  EXPECT_EQ(r.code, 4) << r.err;  // argc, program name included
  EXPECT_EQ(r.out, "out\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(RunCommandTest, StatsLineIsJson) {
  auto path = module("echo.wasm", kEcho);
  auto r = invoke({"--tier", "interp", "--stats", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("{\"exit_code\":1,\"tier\":\"interp\",\"trap\":null,\"fuel_consumed\":"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("\"peak_memory_bytes\":65536}"), std::string::npos) << r.err;
}

// The native tier gives the same exit and fuel; its cache lives where --aot-cache says.
TEST_F(RunCommandTest, TheNativeTierRunsTheSameAndSaysSo) {
  auto path = module("echo.wasm", kEcho);
  const auto cache = std::filesystem::path(path).parent_path() / "aot-cache";
  auto a = invoke({"--tier", "interp", "--stats", path, "x"});
  auto b = invoke({"--tier", "aot", "--aot-cache", cache.string(), "--stats", path, "x"});
  EXPECT_EQ(a.code, b.code) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(b.err.find("\"tier\":\"aot\""), std::string::npos) << b.err;
  auto fuel = [](const std::string& err) { return err.substr(err.find("\"fuel_consumed\":"), 30); };
  EXPECT_EQ(fuel(a.err).substr(0, fuel(a.err).find(',')), fuel(b.err).substr(0, fuel(b.err).find(','))) << a.err << b.err;
  EXPECT_TRUE(std::filesystem::exists(cache / "key"));
  // auto then finds it in the cache.
  auto c = invoke({"--tier", "auto", "--aot-cache", cache.string(), "--stats", path, "x"});
  EXPECT_NE(c.err.find("\"tier\":\"aot\""), std::string::npos) << c.err;
  auto bad = invoke({"--tier", "jit", path});
  EXPECT_NE(bad.code, 0);
}

TEST_F(RunCommandTest, TrapAndLimitsHaveTheirOwnCodes) {
  auto trap = module("trap.wasm", R"((module (memory (export "memory") 1)
    (func (export "_start") (drop (i32.div_s (i32.const 1) (i32.const 0))))))");
  auto r = invoke({trap});
  EXPECT_EQ(r.code, kExitRunTrap);
  EXPECT_EQ(r.err, "wavs run: trap: integer divide by zero\n");

  auto spin = module("spin.wasm", R"((module (memory (export "memory") 1) (func (export "_start") (loop br 0))))");
  r = invoke({"--fuel-limit", "1000", spin});
  EXPECT_EQ(r.code, kExitRunFuel);
  EXPECT_NE(r.err.find("fuel exhausted"), std::string::npos);
  r = invoke({"--time-limit", "0.05", "--stats", spin});
  EXPECT_EQ(r.code, kExitRunTime);
  EXPECT_NE(r.err.find("\"trap\":\"time limit\""), std::string::npos) << r.err;

  auto big = module("big.wasm", R"((module (memory (export "memory") 64) (func (export "_start"))))");
  r = invoke({"--max-memory", "65536", big});
  EXPECT_EQ(r.code, kExitRunMemoryLimit) << r.err;

  r = invoke({dir_.path().string() + "/missing.wasm"});
  EXPECT_EQ(r.code, kExitRunLoad);
  auto bad = dir_.write("bad.wasm", "not wasm").string();
  r = invoke({bad});
  EXPECT_EQ(r.code, kExitRunLoad);
  EXPECT_NE(r.err.find("bad.wasm"), std::string::npos);
}

TEST_F(RunCommandTest, DirAndEnvAreGranted) {
  // Exits with fd_prestat_get(3)'s errno plus 10 * environ count.
  auto path = module("grant.wasm", R"((module
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $pre (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $env (i32.const 0) (i32.const 4)))
      (call $exit (i32.add (call $pre (i32.const 3) (i32.const 8))
                           (i32.mul (i32.load (i32.const 0)) (i32.const 10)))))))");
  auto r = invoke({path});
  EXPECT_EQ(r.code, 8);  // EBADF, no env
  r = invoke({"--dir", dir_.path().string() + "::/data", "--env", "A=1", "--env", "B=2", path});
  EXPECT_EQ(r.code, 20) << r.err;
  r = invoke({"--env", "novalue", path});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "wavs run: --env expects KEY=VALUE, got 'novalue'\n");
}

// Regression: stdout and stderr were character devices to the guest (isatty() true) even
// when they were not terminals. Exits with 10 * stdout's file type + stderr's.
TEST_F(RunCommandTest, CapturedStdioIsNotATerminal) {
  auto path = module("isatty.wasm", R"((module
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $stat (i32.const 1) (i32.const 0)))
      (drop (call $stat (i32.const 2) (i32.const 24)))
      (call $exit (i32.add (i32.mul (i32.load8_u (i32.const 0)) (i32.const 10))
                           (i32.load8_u (i32.const 24)))))))");
  auto r = invoke({path});
  EXPECT_EQ(r.code, 0) << "file types 0 (unknown), not 2 (character device)\n" << r.err;
}

TEST_F(RunCommandTest, NoModuleIsUsage) { EXPECT_EQ(invoke({}).code, kExitUsage); }

}  // namespace
}  // namespace wavs::cli
