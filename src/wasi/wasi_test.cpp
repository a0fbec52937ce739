#include "wasi/wasi.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "wasi/abi.hpp"
#include "wasi/error.hpp"
#include "wasi/test_support.hpp"

namespace wavs::wasi {
namespace {

using test::Harness;
using test::i32;
using test::i64;
using test::TempDir;

constexpr int kFault = abi::kFault;
constexpr int kBadf = abi::kBadf;

TEST(OutputSink, KeepsUpToCapThenOneMarker) {
  OutputSink s(10);
  s.write("12345");
  s.write("67890abc");
  s.write("more");
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.captured(), "1234567890" + OutputSink::marker(10));
  EXPECT_EQ(s.total_bytes(), 17u);
}

TEST(OutputSink, ExactlyCapIsNotTruncated) {
  OutputSink s(4);
  s.write("abcd");
  EXPECT_FALSE(s.truncated());
  EXPECT_EQ(s.captured(), "abcd");
}

TEST(OutputSink, PassthroughSeesTheSameBytes) {
  std::string seen;
  OutputSink s(3, [&](std::string_view v) { seen += v; });
  s.write("abcdef");
  EXPECT_EQ(seen, "abc" + OutputSink::marker(3));
  EXPECT_TRUE(s.captured().empty());
}

TEST(Preview1, HasAllFortySixFunctionsOnce) {
  std::set<std::string_view> names;
  for (const auto& f : preview1_functions()) names.insert(f.name);
  EXPECT_EQ(names.size(), 46u);
  for (auto n : {"args_get", "fd_readdir", "path_open", "poll_oneoff", "proc_exit", "sock_shutdown", "random_get"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

TEST(WasiContext, RejectsEnvNameWithEquals) {
  WasiConfig c;
  c.env = {{"A=B", "x"}};
  auto ctx = WasiContext::create(std::move(c));
  ASSERT_FALSE(ctx);
  EXPECT_TRUE(ctx.error().is(WasiErrc::kBadOption));
}

TEST(WasiContext, MissingPreopenIsAnError) {
  WasiConfig c;
  c.preopens = {{"/nonexistent/wavs-test-dir", "/data"}};
  auto ctx = WasiContext::create(std::move(c));
  ASSERT_FALSE(ctx);
  EXPECT_TRUE(ctx.error().is(WasiErrc::kPreopen));
}

TEST(Args, SizesAndStrings) {
  WasiConfig c;
  c.args = {"prog", "hello", ""};
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.call("args_sizes_get", {i32(0), i32(4)}), 0);
  EXPECT_EQ(h.get_u32(0), 3u);
  EXPECT_EQ(h.get_u32(4), 5u + 6u + 1u);
  ASSERT_EQ(h.call("args_get", {i32(100), i32(200)}), 0);
  EXPECT_EQ(h.get_u32(100), 200u);
  EXPECT_EQ(h.get_str(200, 12), std::string("prog\0hello\0\0", 12));
}

TEST(Args, PointersOutsideMemoryAreEfault) {
  WasiConfig c;
  c.args = {"prog"};
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  auto end = static_cast<std::int64_t>(h.mem_size());
  EXPECT_EQ(h.call("args_sizes_get", {i32(end - 2), i32(0)}), kFault);
  EXPECT_EQ(h.call("args_get", {i32(0), i32(end - 2)}), kFault);
  EXPECT_EQ(h.call("args_get", {i32(-4), i32(0)}), kFault);
}

TEST(Environ, OnlyWhatIsGranted) {
  WasiConfig c;
  c.env = {{"WAVS_ENV_A", "1"}};
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.call("environ_sizes_get", {i32(0), i32(4)}), 0);
  EXPECT_EQ(h.get_u32(0), 1u);
  EXPECT_EQ(h.get_u32(4), 13u);
  ASSERT_EQ(h.call("environ_get", {i32(100), i32(200)}), 0);
  EXPECT_EQ(h.get_str(200, 13), std::string("WAVS_ENV_A=1\0", 13));
}

TEST(FdWrite, CapturesStdoutAndStderr) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  h.put_str(100, "hello");
  h.put_u32(0, 100);
  h.put_u32(4, 5);
  ASSERT_EQ(h.call("fd_write", {i32(1), i32(0), i32(1), i32(16)}), 0);
  EXPECT_EQ(h.get_u32(16), 5u);
  ASSERT_EQ(h.call("fd_write", {i32(2), i32(0), i32(1), i32(16)}), 0);
  EXPECT_EQ(h.ctx().stdout_sink().captured(), "hello");
  EXPECT_EQ(h.ctx().stderr_sink().captured(), "hello");
}

TEST(FdWrite, HostileIovecsAreEfault) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  auto size = static_cast<std::uint32_t>(h.mem_size());
  h.put_u32(0, size - 2);  // buffer runs off the end
  h.put_u32(4, 16);
  EXPECT_EQ(h.call("fd_write", {i32(1), i32(0), i32(1), i32(16)}), kFault);
  h.put_u32(0, 0xfffffff0u);  // wraps in 32 bits
  h.put_u32(4, 0x20);
  EXPECT_EQ(h.call("fd_write", {i32(1), i32(0), i32(1), i32(16)}), kFault);
  EXPECT_EQ(h.call("fd_write", {i32(1), i32(size - 4), i32(1), i32(16)}), kFault);   // iovec array
  EXPECT_EQ(h.call("fd_write", {i32(1), i32(0), i32(0x7fffffff), i32(16)}), kFault);  // count * 8
  h.put_u32(0, 100);
  h.put_u32(4, 1);
  EXPECT_EQ(h.call("fd_write", {i32(1), i32(0), i32(1), i32(size)}), kFault);  // nwritten
  EXPECT_TRUE(h.ctx().stdout_sink().captured().empty());
}

TEST(FdRead, StdinFromBuffer) {
  WasiConfig c;
  c.stdin_bytes = Bytes{'a', 'b', 'c'};
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  h.put_u32(0, 100);
  h.put_u32(4, 2);
  ASSERT_EQ(h.call("fd_read", {i32(0), i32(0), i32(1), i32(16)}), 0);
  EXPECT_EQ(h.get_u32(16), 2u);
  ASSERT_EQ(h.call("fd_read", {i32(0), i32(0), i32(1), i32(16)}), 0);
  EXPECT_EQ(h.get_u32(16), 1u);
  EXPECT_EQ(h.get_str(100, 1), "c");
  ASSERT_EQ(h.call("fd_read", {i32(0), i32(0), i32(1), i32(16)}), 0);
  EXPECT_EQ(h.get_u32(16), 0u);
}

TEST(Fds, UnknownDescriptorsAreEbadf) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.call("fd_close", {i32(99)}), kBadf);
  EXPECT_EQ(h.call("fd_fdstat_get", {i32(-1), i32(0)}), kBadf);
  EXPECT_EQ(h.call("fd_prestat_get", {i32(3), i32(0)}), kBadf);
  EXPECT_EQ(h.call("fd_write", {i32(7), i32(0), i32(0), i32(0)}), kBadf);
  EXPECT_EQ(h.call("fd_seek", {i32(1), i64(0), i32(0), i32(0)}), abi::kSpipe);
  EXPECT_EQ(h.call("fd_renumber", {i32(1), i32(50)}), kBadf);
}

// wasi-libc's isatty(): a character device without seek and tell rights.
bool looks_like_terminal(Harness& h, int fd) {
  EXPECT_EQ(h.call("fd_fdstat_get", {i32(fd), i32(0)}), 0);
  const std::uint64_t seek_rights = abi::kRightFdSeek | abi::kRightFdTell;
  const bool terminal = h.mem()[0] == abi::kFileCharDevice && (h.get_u64(8) & seek_rights) == 0;
  // fd_filestat_get says the same.
  EXPECT_EQ(h.call("fd_filestat_get", {i32(fd), i32(100)}), 0);
  EXPECT_EQ(h.mem()[100 + 16], h.mem()[0]);
  return terminal;
}

// Regression: captured stdio was reported as a character device, so guests took it for
// a terminal and refused binary output.
TEST(Fds, CapturedStdioIsNotATerminal) {
  WasiConfig c;
  c.stdin_bytes = Bytes{'x'};
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  for (int fd : {0, 1, 2}) {
    EXPECT_FALSE(looks_like_terminal(h, fd)) << "fd " << fd;
    EXPECT_EQ(h.mem()[0], abi::kFileUnknown) << "fd " << fd;
  }
  // Still a stream: no seeking.
  EXPECT_EQ(h.call("fd_seek", {i32(0), i64(0), i32(0), i32(200)}), abi::kSpipe);
}

TEST(Fds, PassedThroughStdioIsWhatTheHostFdIs) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  WasiConfig c;
  c.stdin_host_fd = p[0];
  c.stdout_host_fd = p[1];
  c.stderr_host_fd = p[1];
  Harness pipes(std::move(c));
  ASSERT_TRUE(pipes.ok()) << pipes.error;
  for (int fd : {0, 1, 2}) EXPECT_FALSE(looks_like_terminal(pipes, fd)) << "fd " << fd;
  close(p[0]);
  close(p[1]);

  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminals here";
  const char* name = grantpt(master) == 0 && unlockpt(master) == 0 ? ptsname(master) : nullptr;
  int slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
  ASSERT_GE(slave, 0);
  WasiConfig t;
  t.stdin_host_fd = slave;
  t.stderr_host_fd = slave;  // stdout stays captured
  Harness tty(std::move(t));
  ASSERT_TRUE(tty.ok()) << tty.error;
  EXPECT_TRUE(looks_like_terminal(tty, 0));
  EXPECT_FALSE(looks_like_terminal(tty, 1));
  EXPECT_TRUE(looks_like_terminal(tty, 2));
  close(slave);
  close(master);
}

TEST(Unsupported, SocketsAndRaiseAreEnosys) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.call("sock_accept", {i32(1), i32(0), i32(0)}), abi::kNoSys);
  EXPECT_EQ(h.call("sock_recv", {i32(1), i32(0), i32(0), i32(0), i32(0), i32(0)}), abi::kNoSys);
  EXPECT_EQ(h.call("sock_send", {i32(1), i32(0), i32(0), i32(0), i32(0)}), abi::kNoSys);
  EXPECT_EQ(h.call("sock_shutdown", {i32(1), i32(0)}), abi::kNoSys);
  EXPECT_EQ(h.call("sock_shutdown", {i32(77), i32(0)}), kBadf);
  EXPECT_EQ(h.call("proc_raise", {i32(9)}), abi::kNoSys);
  EXPECT_EQ(h.call("fd_allocate", {i32(1), i64(0), i64(10)}), abi::kNotSup);
  EXPECT_EQ(h.call("sched_yield", {}), 0);
}

TEST(Proc, ExitIsATrapCarryingTheCode) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.call("proc_exit", {i32(42)}), -1);
  EXPECT_EQ(h.last_trap.kind, wasm::TrapKind::kExit);
  EXPECT_EQ(h.last_trap.exit_code, 42);
  // The context is still usable afterwards.
  EXPECT_EQ(h.call("sched_yield", {}), 0);
}

TEST(Clock, TimesAndResolution) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.call("clock_time_get", {i32(abi::kClockMonotonic), i64(1), i32(0)}), 0);
  std::uint64_t a = h.get_u64(0);
  ASSERT_EQ(h.call("clock_time_get", {i32(abi::kClockMonotonic), i64(1), i32(0)}), 0);
  EXPECT_GE(h.get_u64(0), a);
  ASSERT_EQ(h.call("clock_time_get", {i32(abi::kClockRealtime), i64(1), i32(0)}), 0);
  EXPECT_GT(h.get_u64(0), 1'577'836'800ull * 1'000'000'000ull);
  EXPECT_EQ(h.call("clock_res_get", {i32(abi::kClockMonotonic), i32(8)}), 0);
  EXPECT_GT(h.get_u64(8), 0u);
  EXPECT_EQ(h.call("clock_time_get", {i32(9), i64(1), i32(0)}), abi::kInval);
  EXPECT_EQ(h.call("clock_time_get", {i32(0), i64(1), i32(-1)}), kFault);
}

TEST(Random, FillsAndChecksBounds) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.call("random_get", {i32(0), i32(64)}), 0);
  bool nonzero = false;
  for (int i = 0; i < 64; ++i) nonzero |= h.mem()[i] != 0;
  EXPECT_TRUE(nonzero);
  EXPECT_EQ(h.call("random_get", {i32(static_cast<std::int64_t>(h.mem_size()) - 8), i32(9)}), kFault);
}

// Writes one clock subscription at `at`.
void put_clock_sub(Harness& h, std::uint32_t at, std::uint64_t userdata, std::uint64_t timeout_ns) {
  std::memset(h.mem() + at, 0, abi::kSubscriptionSize);
  std::memcpy(h.mem() + at, &userdata, 8);
  h.mem()[at + 8] = abi::kEventClock;
  h.put_u32(at + 16, abi::kClockMonotonic);
  std::memcpy(h.mem() + at + 24, &timeout_ns, 8);
}

TEST(Poll, ClockSubscriptionSleeps) {
  Harness h(WasiConfig{});
  ASSERT_TRUE(h.ok()) << h.error;
  put_clock_sub(h, 0, 77, 20'000'000);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(h.call("poll_oneoff", {i32(0), i32(1000), i32(1), i32(2000)}), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(20));
  EXPECT_EQ(h.get_u32(2000), 1u);
  EXPECT_EQ(h.get_u64(1000), 77u);
  EXPECT_EQ(h.call("poll_oneoff", {i32(0), i32(1000), i32(0), i32(2000)}), abi::kInval);
  EXPECT_EQ(h.call("poll_oneoff", {i32(0), i32(static_cast<std::int64_t>(h.mem_size()) - 8), i32(1), i32(2000)}),
            kFault);
}

TEST(Poll, InterruptWakesALongSleep) {
  std::atomic<bool> stop{false};
  WasiConfig c;
  c.interrupt = &stop;
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  put_clock_sub(h, 0, 1, 60'000'000'000ull);
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    stop = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(h.call("poll_oneoff", {i32(0), i32(1000), i32(1), i32(2000)}), -1);
  t.join();
  EXPECT_EQ(h.last_trap.kind, wasm::TrapKind::kInterrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("a.txt", "alpha");
    dir_.write("sub/b.txt", "beta");
    ASSERT_EQ(symlink("/etc", (dir_.path() / "etc-link").c_str()), 0);
    ASSERT_EQ(symlink("../..", (dir_.path() / "sub/up2").c_str()), 0);
    ASSERT_EQ(symlink("a.txt", (dir_.path() / "a-link").c_str()), 0);
    WasiConfig c;
    c.preopens = {{dir_.path().string(), "/data"}};
    h_ = std::make_unique<Harness>(std::move(c));
    ASSERT_TRUE(h_->ok()) << h_->error;
  }
  // path_open of `path` beneath fd 3 for reading; returns errno, the new fd at 60.
  int open(std::string_view path, std::uint32_t lookup = 1, std::uint32_t oflags = 0,
           std::uint64_t rights = abi::kRightFdRead | abi::kRightFdSeek) {
    h_->put_str(1000, path);
    return h_->call("path_open", {i32(3), i32(lookup), i32(1000), i32(static_cast<std::int64_t>(path.size())),
                                  i32(oflags), i64(static_cast<std::int64_t>(rights)), i64(0), i32(0), i32(60)});
  }
  std::string read_fd(std::uint32_t fd) {
    h_->put_u32(0, 2000);
    h_->put_u32(4, 100);
    if (h_->call("fd_read", {i32(fd), i32(0), i32(1), i32(16)}) != 0) return "<error>";
    return h_->get_str(2000, h_->get_u32(16));
  }

  TempDir dir_;
  std::unique_ptr<Harness> h_;
};

TEST_F(Files, PrestatNamesThePreopen) {
  ASSERT_EQ(h_->call("fd_prestat_get", {i32(3), i32(0)}), 0);
  EXPECT_EQ(h_->mem()[0], 0);
  EXPECT_EQ(h_->get_u32(4), 5u);
  ASSERT_EQ(h_->call("fd_prestat_dir_name", {i32(3), i32(100), i32(5)}), 0);
  EXPECT_EQ(h_->get_str(100, 5), "/data");
  EXPECT_EQ(h_->call("fd_prestat_dir_name", {i32(3), i32(100), i32(2)}), abi::kNameTooLong);
  EXPECT_EQ(h_->call("fd_prestat_get", {i32(4), i32(0)}), kBadf);
}

TEST_F(Files, OpenAndReadInside) {
  ASSERT_EQ(open("sub/b.txt"), 0);
  EXPECT_EQ(read_fd(h_->get_u32(60)), "beta");
  ASSERT_EQ(open("sub/../a.txt"), 0);
  EXPECT_EQ(read_fd(h_->get_u32(60)), "alpha");
  ASSERT_EQ(open("a-link"), 0);
  EXPECT_EQ(read_fd(h_->get_u32(60)), "alpha");
}

TEST_F(Files, EscapesAreRefused) {
  EXPECT_EQ(open("../../etc/passwd"), abi::kNotCapable);
  EXPECT_EQ(open("sub/../../x"), abi::kNotCapable);
  EXPECT_EQ(open("/etc/passwd"), abi::kNotCapable);
  EXPECT_EQ(open("etc-link/passwd"), abi::kNotCapable);
  EXPECT_EQ(open("sub/up2/etc/passwd"), abi::kNotCapable);
  EXPECT_EQ(open("etc-link", 1), abi::kNotCapable);
  // Not following the final link opens nothing either.
  EXPECT_EQ(open("etc-link", 0), abi::kLoop);
}

TEST_F(Files, CreateWriteStatRenameUnlink) {
  ASSERT_EQ(open("new.txt", 0, abi::kOCreat | abi::kOExcl, abi::kRightFdWrite | abi::kRightFdRead), 0);
  std::uint32_t fd = h_->get_u32(60);
  h_->put_str(2000, "xyz");
  h_->put_u32(0, 2000);
  h_->put_u32(4, 3);
  ASSERT_EQ(h_->call("fd_write", {i32(fd), i32(0), i32(1), i32(16)}), 0);
  ASSERT_EQ(h_->call("fd_filestat_get", {i32(fd), i32(100)}), 0);
  EXPECT_EQ(h_->mem()[116], abi::kFileRegular);
  EXPECT_EQ(h_->get_u64(132), 3u);
  ASSERT_EQ(h_->call("fd_close", {i32(fd)}), 0);
  EXPECT_EQ(open("new.txt", 0, abi::kOCreat | abi::kOExcl), abi::kExist);

  h_->put_str(1000, "new.txt");
  h_->put_str(1100, "renamed.txt");
  ASSERT_EQ(h_->call("path_rename", {i32(3), i32(1000), i32(7), i32(3), i32(1100), i32(11)}), 0);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "renamed.txt"));
  ASSERT_EQ(h_->call("path_unlink_file", {i32(3), i32(1100), i32(11)}), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "renamed.txt"));
}

TEST_F(Files, DirectoriesAndReaddirSorted) {
  h_->put_str(1000, "zdir");
  ASSERT_EQ(h_->call("path_create_directory", {i32(3), i32(1000), i32(4)}), 0);
  ASSERT_EQ(h_->call("fd_readdir", {i32(3), i32(4000), i32(4096), i64(0), i32(16)}), 0);
  std::uint32_t used = h_->get_u32(16);
  std::vector<std::string> names;
  for (std::uint32_t at = 4000; at < 4000 + used;) {
    std::uint32_t len = h_->get_u32(at + 16);
    names.push_back(h_->get_str(at + 24, len));
    at += 24 + len;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a-link", "a.txt", "etc-link", "sub", "zdir"}));
  // A small buffer is filled completely so the guest knows to retry with a larger one.
  ASSERT_EQ(h_->call("fd_readdir", {i32(3), i32(4000), i32(30), i64(0), i32(16)}), 0);
  EXPECT_EQ(h_->get_u32(16), 30u);
  ASSERT_EQ(h_->call("path_remove_directory", {i32(3), i32(1000), i32(4)}), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "zdir"));
  h_->put_str(1000, "..");
  EXPECT_EQ(h_->call("path_remove_directory", {i32(3), i32(1000), i32(2)}), abi::kNotCapable);
}

TEST_F(Files, SymlinksMayNotPointOutside) {
  h_->put_str(1000, "/etc/passwd");
  h_->put_str(1100, "l1");
  EXPECT_EQ(h_->call("path_symlink", {i32(1000), i32(11), i32(3), i32(1100), i32(2)}), abi::kNotCapable);
  h_->put_str(1000, "../x");
  EXPECT_EQ(h_->call("path_symlink", {i32(1000), i32(4), i32(3), i32(1100), i32(2)}), abi::kNotCapable);
  h_->put_str(1000, "a.txt");
  ASSERT_EQ(h_->call("path_symlink", {i32(1000), i32(5), i32(3), i32(1100), i32(2)}), 0);
  ASSERT_EQ(h_->call("path_readlink", {i32(3), i32(1100), i32(2), i32(2000), i32(100), i32(16)}), 0);
  EXPECT_EQ(h_->get_str(2000, h_->get_u32(16)), "a.txt");
}

TEST_F(Files, PathFilestatFollowsOnlyWhenAsked) {
  h_->put_str(1000, "a-link");
  ASSERT_EQ(h_->call("path_filestat_get", {i32(3), i32(0), i32(1000), i32(6), i32(100)}), 0);
  EXPECT_EQ(h_->mem()[116], abi::kFileSymlink);
  ASSERT_EQ(h_->call("path_filestat_get", {i32(3), i32(1), i32(1000), i32(6), i32(100)}), 0);
  EXPECT_EQ(h_->mem()[116], abi::kFileRegular);
  EXPECT_EQ(h_->get_u64(132), 5u);
}

TEST_F(Files, FileDescriptorsOfDirectoriesAreConfinedToo) {
  ASSERT_EQ(open("sub", 1, abi::kODirectory), 0);
  std::uint32_t sub = h_->get_u32(60);
  h_->put_str(1000, "../a.txt");
  ASSERT_EQ(h_->call("path_open", {i32(sub), i32(1), i32(1000), i32(8), i32(0), i64(abi::kRightFdRead), i64(0),
                                   i32(0), i32(60)}),
            0);
  EXPECT_EQ(read_fd(h_->get_u32(60)), "alpha");
  h_->put_str(1000, "../../a.txt");
  EXPECT_EQ(h_->call("path_open", {i32(sub), i32(1), i32(1000), i32(11), i32(0), i64(abi::kRightFdRead), i64(0),
                                   i32(0), i32(60)}),
            abi::kNotCapable);
}

TEST_F(Files, RightsCanOnlyShrink) {
  ASSERT_EQ(open("a.txt"), 0);
  std::uint32_t fd = h_->get_u32(60);
  EXPECT_EQ(h_->call("fd_fdstat_set_rights", {i32(fd), i64(abi::kRightFdRead | abi::kRightFdWrite), i64(0)}),
            abi::kNotCapable);
  ASSERT_EQ(h_->call("fd_fdstat_set_rights", {i32(fd), i64(0), i64(0)}), 0);
  h_->put_u32(0, 2000);
  h_->put_u32(4, 10);
  EXPECT_EQ(h_->call("fd_read", {i32(fd), i32(0), i32(1), i32(16)}), abi::kNotCapable);
}

}  // namespace
}  // namespace wavs::wasi

namespace wavs::wasi {
namespace {

// Every function, called thousands of times with hostile arguments over memory full of
// random bytes (so iovecs, subscriptions and paths point anywhere): each call returns
// an errno or a trap, never crashes, and nothing leaves the preopen. Run under ASan in
// the sanitize build.
TEST(Sweep, HostileArgumentsNeverCrash) {
  test::TempDir dir;
  dir.write("root/f.txt", "data");
  std::atomic<bool> stop{true};  // sleeps in poll_oneoff end at once
  WasiConfig c;
  c.args = {"p", "x"};
  c.env = {{"A", "1"}};
  c.stdin_bytes = Bytes(100, 'x');
  c.preopens = {{(dir.path() / "root").string(), "/d"}};
  c.interrupt = &stop;
  c.max_stdout_bytes = 1 << 16;
  Harness h(std::move(c));
  ASSERT_TRUE(h.ok()) << h.error;
  const auto size = static_cast<std::uint32_t>(h.mem_size());
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::uint32_t k32[] = {0, 1, 3, 4, 8, 16, 100, size - 1, size - 4, size - 8, size, 0x7fffffffu, 0xffffffffu};
  auto arg32 = [&] {
    std::uint64_t r = next();
    if (r % 3 == 0) return static_cast<std::int64_t>(static_cast<std::int32_t>(k32[(r >> 8) % std::size(k32)]));
    if (r % 3 == 1) return static_cast<std::int64_t>((r >> 16) % size);
    return static_cast<std::int64_t>(static_cast<std::int32_t>(r >> 32));
  };
  auto arg64 = [&] {
    std::uint64_t r = next();
    const std::int64_t k[] = {0, 1, -1, INT64_MAX, INT64_MIN, 4096};
    return r % 2 ? k[(r >> 8) % std::size(k)] : static_cast<std::int64_t>(r >> 20);
  };
  int calls = 0;
  constexpr int kRounds = 1000;
  for (int round = 0; round < kRounds; ++round) {
    // Fresh random memory, with some plausible small structures at low addresses.
    for (std::uint32_t i = 0; i < size; i += 8) {
      std::uint64_t r = next();
      std::memcpy(h.mem() + i, &r, 8);
    }
    for (std::uint32_t i = 0; i < 64; i += 4) h.put_u32(i, static_cast<std::uint32_t>(next() % 64));
    for (const auto& f : preview1_functions()) {
      if (f.name == "proc_exit") continue;
      std::vector<wasm::Value> args;
      for (auto t : f.type.params) {
        args.push_back(t == wasm::ValType::kI64 ? i64(arg64()) : i32(arg32()));
      }
      auto r = h.instance().call(f.name, std::span<const wasm::Value>(args));
      if (r) {
        ASSERT_EQ(r->size(), 1u);
        std::int32_t e = (*r)[0].i32();
        ASSERT_GE(e, 0) << f.name;
        ASSERT_LE(e, abi::kNotCapable) << f.name;
      } else {
        ASSERT_EQ(r.error().kind, wasm::TrapKind::kInterrupted) << f.name << ": " << r.error().message;
      }
      ++calls;
    }
  }
  EXPECT_EQ(calls, kRounds * 45);
  // Whatever the calls created stayed inside the preopen: its parent holds only it.
  std::vector<std::string> beside;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) beside.push_back(e.path().filename().string());
  EXPECT_EQ(beside, std::vector<std::string>{"root"});
}

}  // namespace
}  // namespace wavs::wasi
