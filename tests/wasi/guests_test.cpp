// Guests built from C, C++ and Rust: the same output under `wavs run` as under node's
// node:wasi, and the sandbox's limits on real compiled code.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "wasi/error.hpp"
#include "wasi/run.hpp"
#include "wasi/test_support.hpp"

namespace wavs::wasi {
namespace {

namespace fs = std::filesystem;

fs::path binary_dir() {
  const char* d = std::getenv("WAVS_BINARY_DIR");
  return d ? fs::path(d) : fs::current_path();
}
fs::path source_dir() {
  const char* d = std::getenv("WAVS_SOURCE_DIR");
  return d ? fs::path(d) : fs::current_path();
}
fs::path guest(const std::string& name) { return binary_dir() / "tests/wasi/guests" / (name + ".wasm"); }

std::string quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Proc {
  int code = -1;
  std::string out, err;
};

Proc run_process(const std::vector<std::string>& argv, const std::string& stdin_data) {
  test::TempDir io;
  auto in = io.write("stdin", stdin_data);
  std::string cmd;
  for (const auto& a : argv) cmd += quote(a) + " ";
  cmd += "<" + quote(in.string()) + " >" + quote((io.path() / "out").string()) + " 2>" +
         quote((io.path() / "err").string());
  int status = std::system(cmd.c_str());
  Proc p;
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  p.out = slurp(io.path() / "out");
  p.err = slurp(io.path() / "err");
  return p;
}

// A fresh copy of the directory fixture the files guest expects.
void make_fixture(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "input.txt") << "first line\nsecond line\n";
  fs::create_symlink("/etc", dir / "outside");
  fs::create_symlink("input.txt", dir / "inner-link");
}

struct Case {
  std::string name;
  std::string wasm;
  std::vector<std::string> flags;  // --env K=V…
  std::vector<std::string> args;
  std::string stdin_data;
  bool with_dir = false;
};

class NodeComparison : public ::testing::TestWithParam<Case> {};

TEST_P(NodeComparison, SameOutputAndExitCode) {
  const Case& c = GetParam();
  fs::path wasm = guest(c.wasm);
  if (!fs::exists(wasm)) GTEST_SKIP() << "guest not built: " << wasm;
  if (std::system("node --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "node not installed";

  auto invoke = [&](std::vector<std::string> prefix) {
    test::TempDir sandbox;
    std::vector<std::string> argv = std::move(prefix);
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    if (c.with_dir) {
      make_fixture(sandbox.path() / "d");
      argv.push_back("--dir");
      argv.push_back((sandbox.path() / "d").string() + "::/sandbox");
    }
    argv.push_back(wasm.string());
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    return run_process(argv, c.stdin_data);
  };
  Proc ours = invoke({(binary_dir() / "apps/wavs/wavs").string(), "run"});
  Proc node = invoke({"node", "--no-warnings", (source_dir() / "tests/wasi/node_wasi_run.mjs").string()});
  EXPECT_EQ(ours.code, node.code) << "ours stderr: " << ours.err << "\nnode stderr: " << node.err;
  EXPECT_EQ(ours.out, node.out);
  EXPECT_EQ(ours.err, node.err);
  EXPECT_FALSE(ours.out.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Guests, NodeComparison,
    ::testing::Values(
        Case{"c_hello", "c_hello", {}, {"alpha", "beta gamma", "exit=5"}, "", false},
        Case{"c_hello_zero", "c_hello", {}, {}, "", false},
        Case{"c_env", "c_env", {"--env", "WAVS_ENV_COLOR=blue", "--env", "WAVS_ENV_EMPTY="}, {}, "", false},
        Case{"c_env_none", "c_env", {}, {}, "", false},
        Case{"c_files", "c_files", {}, {"/sandbox"}, "", true},
        Case{"c_clock_random", "c_clock_random", {}, {}, "", false},
        Case{"c_stdin", "c_stdin_echo", {}, {}, "hello stdin\nline two\n", false},
        Case{"cpp_hello", "cpp_hello", {"--env", "WAVS_ENV_COLOR=green"}, {"zeta", "alpha"}, "b a c\na b\n", false},
        Case{"cpp_exit", "cpp_hello", {}, {}, "", false},
        Case{"rust_hello", "rust_hello", {"--env", "WAVS_ENV_X=1"}, {"/sandbox", "exit=3"}, "some input", true},
        Case{"rust_plain", "rust_hello", {}, {}, "", false},
        // With an empty environment node's environ_get fails (EINVAL) under the
        // AssemblyScript shim; ours returns success, so that case is not compared.
        Case{"as_hello", "as_hello", {"--env", "WAVS_ENV_COLOR=teal"}, {"one", "exit=4"}, "", false},
        Case{"as_noexit", "as_hello", {"--env", "WAVS_ENV_A=1"}, {}, "", false}),
    [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// ---- the sandbox on real compiled guests, in-process ----

Result<RunResult> run_guest(const std::string& name, RunOptions opts) {
  Bytes bytes = test::read_file(guest(name));
  if (bytes.empty()) return Error(WasiErrc::kNoEntry, "guest not built");
  auto program = prepare(wasm::Engine(), bytes);
  if (!program) return program.error();
  return run(*program, opts);
}

TEST(CompiledGuests, EscapesFromThePreopenAreRefused) {
  if (!fs::exists(guest("c_files"))) GTEST_SKIP();
  test::TempDir sandbox;
  make_fixture(sandbox.path() / "d");
  RunOptions o;
  o.args = {"files", "/sandbox", "escapes"};
  o.preopens = {{(sandbox.path() / "d").string(), "/sandbox"}};
  auto r = run_guest("c_files", o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;
  for (auto line : {"dotdot escape: refused", "absolute: refused", "symlink escape: refused",
                    "symlink dir escape: refused", "inner symlink: opened"}) {
    EXPECT_NE(r->stdout_data.find(line), std::string::npos) << line << "\n" << r->stdout_data;
  }
}

TEST(CompiledGuests, MemoryBombStopsAtTheCap) {
  if (!fs::exists(guest("c_memory_bomb"))) GTEST_SKIP();
  RunOptions o;
  o.limits.max_memory_bytes = 16 << 20;
  auto r = run_guest("c_memory_bomb", o);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kExited);
  EXPECT_LE(r->peak_memory_bytes, 16u << 20);
  EXPECT_TRUE(r->memory_cap_hit);  // malloc failed because of the cap, and the run says so
  int mib = -1;
  ASSERT_EQ(std::sscanf(r->stdout_data.c_str(), "allocated %d MiB", &mib), 1) << r->stdout_data;
  EXPECT_GE(mib, 10);
  EXPECT_LT(mib, 16);
}

TEST(CompiledGuests, UnboundedRecursionTraps) {
  if (!fs::exists(guest("c_recurse"))) GTEST_SKIP();
  auto r = run_guest("c_recurse", RunOptions{});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->stop, StopReason::kTrap);
  // clang's shadow stack (1 MiB by default, in linear memory) or the engine's call
  // depth: whichever runs out first, the guest is stopped and the host lives on.
  ASSERT_TRUE(r->trap);
  EXPECT_TRUE(r->trap->kind == wasm::TrapKind::kCallStackExhausted ||
              r->trap->kind == wasm::TrapKind::kMemoryOutOfBounds)
      << r->trap->message;
}

TEST(CompiledGuests, FuelIsTheSameOnEveryRun) {
  if (!fs::exists(guest("cpp_hello"))) GTEST_SKIP();
  RunOptions o;
  o.args = {"hello", "b", "a"};
  o.stdin_bytes = Bytes{'x', ' ', 'y', '\n'};
  auto first = run_guest("cpp_hello", o);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_GT(first->fuel_consumed, 1000u);
  for (int i = 0; i < 20; ++i) {
    auto r = run_guest("cpp_hello", o);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fuel_consumed, first->fuel_consumed);
    EXPECT_EQ(r->stdout_data, first->stdout_data);
  }
  o.limits.fuel = first->fuel_consumed / 2;
  auto limited = run_guest("cpp_hello", o);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->stop, StopReason::kFuelExhausted);
}

}  // namespace
}  // namespace wavs::wasi
