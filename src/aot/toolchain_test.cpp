#include "aot/toolchain.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "aot/error.hpp"
#include "aot/library.hpp"
#include "common/test_support.hpp"

namespace wavs::aot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Points TMPDIR at a directory of the test's own, so the test sees what a compile leaves.
class TmpdirOverride {
 public:
  explicit TmpdirOverride(const fs::path& dir) {
    if (const char* old = ::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TmpdirOverride() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  TmpdirOverride(const TmpdirOverride&) = delete;
  TmpdirOverride& operator=(const TmpdirOverride&) = delete;

 private:
  std::optional<std::string> old_;
};

bool is_empty_dir(const fs::path& dir) { return fs::is_empty(dir); }

// A stand-in compiler: a shell script the test writes, run exactly as cc would be.
fs::path write_script(const test::TempDir& dir, const std::string& name, const std::string& body) {
  auto path = dir.write(name, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Running, not a zombie, not gone.
bool process_alive(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

class ToolchainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    ASSERT_FALSE(tmp_.path().empty());
  }
  test::TempDir scratch_{"aot-scratch"};
  test::TempDir tmp_{"aot-tmp"};
  TmpdirOverride tmpdir_{tmp_.path()};
};

TEST_F(ToolchainTest, CompilesAFunctionThatLoadsAndRuns) {
  ToolchainConfig tc;
  auto so = compile_shared_object(tc, "int wavs_test_add(int a, int b) { return a + b; }\n");
  ASSERT_TRUE(so) << so.error().message();
  ASSERT_GT(so->size(), 4u);
  EXPECT_EQ((*so)[0], 0x7f);  // an ELF file
  EXPECT_EQ((*so)[1], 'E');
  EXPECT_TRUE(is_empty_dir(tmp_.path()));

  auto lib = Library::load(*so);
  ASSERT_TRUE(lib) << lib.error().message();
  auto* add = reinterpret_cast<int (*)(int, int)>((*lib)->symbol("wavs_test_add"));
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add(2, 40), 42);
  EXPECT_EQ((*lib)->symbol("wavs_test_absent"), nullptr);
}

TEST_F(ToolchainTest, HeadersAreIncludable) {
  ToolchainConfig tc;
  auto so =
      compile_shared_object(tc, "#include \"defs.h\"\nint wavs_test_seven(void) { return WAVS_SEVEN; }\n",
                            {{"defs.h", "#define WAVS_SEVEN (3 + 4)\n"}});
  ASSERT_TRUE(so) << so.error().message();
  auto lib = Library::load(*so);
  ASSERT_TRUE(lib) << lib.error().message();
  auto* seven = reinterpret_cast<int (*)()>((*lib)->symbol("wavs_test_seven"));
  ASSERT_NE(seven, nullptr);
  EXPECT_EQ(seven(), 7);
  EXPECT_TRUE(is_empty_dir(tmp_.path()));
}

TEST_F(ToolchainTest, HeaderNamesMustBePlainFileNames) {
  ToolchainConfig tc;
  for (const char* name : {"../escape.h", "sub/dir.h", "", "..", "module.c", "module.so"}) {
    auto so = compile_shared_object(tc, "int x;\n", {{name, "#define X 1\n"}});
    ASSERT_FALSE(so) << name;
    EXPECT_TRUE(so.error().is(AotErrc::kBadInput)) << so.error().message();
  }
  auto twice = compile_shared_object(tc, "int x;\n", {{"a.h", ""}, {"a.h", ""}});
  ASSERT_FALSE(twice);
  EXPECT_TRUE(twice.error().is(AotErrc::kBadInput));
  EXPECT_FALSE(fs::exists(tmp_.path().parent_path() / "escape.h"));
}

TEST_F(ToolchainTest, SyntaxErrorIsCompileFailedWithTheDiagnostic) {
  ToolchainConfig tc;
  auto so = compile_shared_object(tc, "int wavs_broken(void) { return 1 }\n");
  ASSERT_FALSE(so);
  EXPECT_TRUE(so.error().is(AotErrc::kCompileFailed)) << so.error().message();
  const std::string msg = so.error().message();
  EXPECT_NE(msg.find("exited with status"), std::string::npos) << msg;
  EXPECT_NE(msg.find("module.c:1:"), std::string::npos) << msg;  // where, as the compiler says it
  EXPECT_NE(msg.find("error"), std::string::npos) << msg;
  EXPECT_TRUE(is_empty_dir(tmp_.path()));
}

TEST_F(ToolchainTest, MissingCompilerIsNamed) {
  ToolchainConfig on_path;
  on_path.cc = "wavs-no-such-compiler";
  auto so = compile_shared_object(on_path, "int x;\n");
  ASSERT_FALSE(so);
  EXPECT_TRUE(so.error().is(AotErrc::kCompilerMissing));
  EXPECT_NE(so.error().message().find("wavs-no-such-compiler"), std::string::npos) << so.error().message();

  ToolchainConfig by_path;
  by_path.cc = (scratch_.path() / "absent-cc").string();
  auto id = compiler_identity(by_path);
  ASSERT_FALSE(id);
  EXPECT_TRUE(id.error().is(AotErrc::kCompilerMissing));
  EXPECT_NE(id.error().message().find("absent-cc"), std::string::npos) << id.error().message();

  // A file that is there but cannot be run.
  ToolchainConfig not_executable;
  not_executable.cc = scratch_.write("plain-file", "not a program\n").string();
  auto so2 = compile_shared_object(not_executable, "int x;\n");
  ASSERT_FALSE(so2);
  EXPECT_TRUE(so2.error().is(AotErrc::kCompilerMissing)) << so2.error().message();
}

TEST_F(ToolchainTest, TimeoutKillsTheCompilerAndWhatItStarted) {
  const fs::path pid_file = scratch_.path() / "child.pid";
  ToolchainConfig tc;
  // The sleep is the script's child, as cc1 is the driver's: the kill must reach it too.
  tc.cc =
      write_script(scratch_, "slow-cc", "sleep 60 &\necho $! > '" + pid_file.string() + "'\nwait\n").string();
  tc.timeout = 1s;
  const auto start = std::chrono::steady_clock::now();
  auto so = compile_shared_object(tc, "int x;\n");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(so);
  EXPECT_TRUE(so.error().is(AotErrc::kTimeout)) << so.error().message();
  EXPECT_NE(so.error().message().find("1 s"), std::string::npos) << so.error().message();
  EXPECT_LT(took, 5s);
  EXPECT_GE(took, 900ms);
  EXPECT_TRUE(is_empty_dir(tmp_.path()));

  const std::string pid_text = read_text(pid_file);
  ASSERT_FALSE(pid_text.empty());
  const pid_t sleeper = static_cast<pid_t>(std::stol(pid_text));
  // Reparented to init once killed, which may take a moment to reap it.
  for (int i = 0; i < 100 && process_alive(sleeper); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(process_alive(sleeper));
}

TEST_F(ToolchainTest, OutputIsBoundedAndShowsTheFirstLines) {
  ToolchainConfig tc;
  tc.cc = write_script(scratch_, "noisy-cc", "seq 1 200000 >&2\nexit 3\n").string();
  auto so = compile_shared_object(tc, "int x;\n");
  ASSERT_FALSE(so);
  EXPECT_TRUE(so.error().is(AotErrc::kCompileFailed));
  const std::string msg = so.error().message();
  EXPECT_NE(msg.find("exited with status 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\n1\n2\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\n20\n"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("\n21\n"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 1000u);
}

TEST_F(ToolchainTest, CompilerGetsDevNullAndNoOtherDescriptors) {
  // A descriptor this process leaves inheritable, at a number nothing else uses.
  const int leaked = ::open("/dev/null", O_RDONLY);  // NOLINT(android-cloexec-open): the point of the test
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(::dup2(leaked, 57), 57);
  ::close(leaked);
  ToolchainConfig tc;
  tc.cc = write_script(scratch_, "fd-cc",
                       "echo \"stdin=$(readlink /proc/self/fd/0)\"\n"
                       "for f in /proc/$$/fd/*; do echo \"fd=${f##*/}\"; done\n"
                       "exit 1\n")
              .string();
  auto so = compile_shared_object(tc, "int x;\n");
  ::close(57);
  ASSERT_FALSE(so);
  const std::string msg = so.error().message();
  EXPECT_NE(msg.find("stdin=/dev/null"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fd=2\n"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("fd=57"), std::string::npos) << msg;
}

TEST_F(ToolchainTest, IdentityNamesPathVersionAndFlags) {
  ToolchainConfig tc;
  auto id = compiler_identity(tc);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_NE(id->find("cc="), std::string::npos);
  EXPECT_NE(id->find(":/"), std::string::npos) << *id;  // an absolute path
  EXPECT_NE(id->find("-ffp-contract=off"), std::string::npos) << *id;
  auto again = compiler_identity(tc);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *id);

  ToolchainConfig other_flags = tc;
  other_flags.flags.push_back("-DWAVS_X=1");
  auto other = compiler_identity(other_flags);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *id);
}

TEST_F(ToolchainTest, IdentityHoldsTheVersionLineOfAScriptCompiler) {
  ToolchainConfig tc;
  tc.cc = write_script(scratch_, "fake-cc", "echo 'fakecc 9.9.9 (test build)'\necho second line\n").string();
  auto id = compiler_identity(tc);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_NE(id->find("fakecc 9.9.9 (test build)"), std::string::npos) << *id;
  EXPECT_EQ(id->find("second line"), std::string::npos) << *id;
  EXPECT_NE(id->find(fs::canonical(tc.cc).string()), std::string::npos) << *id;

  ToolchainConfig failing;
  failing.cc = write_script(scratch_, "broken-cc", "echo 'no such option' >&2\nexit 2\n").string();
  auto bad = compiler_identity(failing);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(AotErrc::kCompilerMissing));
  EXPECT_NE(bad.error().message().find("status 2"), std::string::npos) << bad.error().message();
}

TEST_F(ToolchainTest, CompilesRunInParallel) {
  ToolchainConfig tc;
  std::vector<std::thread> threads;
  threads.reserve(3);
  std::vector<int> results(3, -1);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      const std::string src = "int wavs_test_value(void) { return " + std::to_string(100 + i) + "; }\n";
      auto so = compile_shared_object(tc, src);
      if (!so) return;
      auto lib = Library::load(*so);
      if (!lib) return;
      auto* fn = reinterpret_cast<int (*)()>((*lib)->symbol("wavs_test_value"));
      if (fn != nullptr) results[static_cast<std::size_t>(i)] = fn();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(results, (std::vector<int>{100, 101, 102}));
  EXPECT_TRUE(is_empty_dir(tmp_.path()));
}

}  // namespace
}  // namespace wavs::aot
