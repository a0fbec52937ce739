#include "cli/child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <stop_token>

#include "common/test_support.hpp"

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Real processes: /bin/sh scripts stand in for the daemons.
class ChildProcessTest : public ::testing::Test {
 protected:
  ChildSpec sh(const std::string& script) const {
    return {.argv = {"/bin/sh", "-c", script}, .log = dir_.path() / "child.log", .env = std::nullopt};
  }
  static bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }
  test::TempDir dir_{"wavs-child"};
};

TEST_F(ChildProcessTest, LogsItsOutputAndStopsOnSigterm) {
  auto child = ChildProcess::spawn(sh("echo 'Listening on 127.0.0.1:4321'; exec sleep 30"));
  ASSERT_TRUE(child) << child.error().message();
  auto rest = child->wait_for_log_line("Listening on 127.0.0.1:", 10s, {});
  ASSERT_TRUE(rest) << rest.error().message();
  EXPECT_EQ(*rest, "4321");
  const pid_t pid = child->pid();
  EXPECT_EQ(child->stop(10s), StopOutcome::kExited);
  EXPECT_EQ(child->exit_code(), 128 + SIGTERM);
  EXPECT_TRUE(gone(pid));
  EXPECT_FALSE(child->running());
}

TEST_F(ChildProcessTest, OneThatIgnoresSigtermIsKilledAfterTheGrace) {
  auto child = ChildProcess::spawn(sh("trap '' TERM; echo ready; while :; do sleep 1; done"));
  ASSERT_TRUE(child);
  ASSERT_TRUE(child->wait_for_log_line("read", 10s, {}));
  const pid_t pid = child->pid();
  EXPECT_EQ(child->stop(200ms), StopOutcome::kKilled);
  EXPECT_EQ(child->exit_code(), 128 + SIGKILL);
  EXPECT_TRUE(gone(pid));
}

TEST_F(ChildProcessTest, ReadsThePortFile) {
  const fs::path file = dir_.path() / "port";
  auto child = ChildProcess::spawn(sh("echo 4242 > " + file.string() + ".tmp; mv " + file.string() + ".tmp " +
                                      file.string() + "; exec sleep 30"));
  ASSERT_TRUE(child);
  auto port = child->wait_for_port_file(file, 10s, {});
  ASSERT_TRUE(port) << port.error().message();
  EXPECT_EQ(*port, 4242);
}

TEST_F(ChildProcessTest, AChildThatExitsBeforeItsPortIsReportedWithItsStatus) {
  auto child = ChildProcess::spawn(sh("echo 'bad config' >&2; exit 3"));
  ASSERT_TRUE(child);
  auto port = child->wait_for_port_file(dir_.path() / "port", 10s, {});
  ASSERT_FALSE(port);
  EXPECT_TRUE(port.error().is(ProcessErrc::kExited)) << port.error().message();
  EXPECT_NE(port.error().detail().find("status 3"), std::string::npos) << port.error().detail();
  EXPECT_EQ(child->exit_code(), 3);
  EXPECT_NE(child->log_tail().find("bad config"), std::string::npos);
  EXPECT_EQ(child->stop(1s), StopOutcome::kAlreadyGone);
}

TEST_F(ChildProcessTest, WaitsAreBoundedAndCancellable) {
  auto child = ChildProcess::spawn(sh("exec sleep 30"));
  ASSERT_TRUE(child);
  auto late = child->wait_for_port_file(dir_.path() / "port", 100ms, {});
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(ProcessErrc::kTimeout));
  std::stop_source stop;
  stop.request_stop();
  auto cancelled = child->wait_for_log_line("never", 30s, stop.get_token());
  ASSERT_FALSE(cancelled);
  EXPECT_TRUE(cancelled.error().is(ProcessErrc::kStopped));
}

TEST_F(ChildProcessTest, StopAllStopsEveryChild) {
  std::vector<ChildProcess> children;
  for (int i = 0; i < 3; ++i) {
    auto c = ChildProcess::spawn(
        {.argv = {"/bin/sleep", "30"}, .log = dir_.path() / ("c" + std::to_string(i)), .env = std::nullopt});
    ASSERT_TRUE(c);
    children.push_back(std::move(*c));
  }
  std::vector<pid_t> pids;
  std::vector<ChildProcess*> list;
  for (auto& c : children) {
    pids.push_back(c.pid());
    list.push_back(&c);
  }
  const auto outcomes = stop_all(list, 10s);
  ASSERT_EQ(outcomes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(outcomes[i], StopOutcome::kExited);
    EXPECT_TRUE(gone(pids[i]));
  }
}

TEST_F(ChildProcessTest, TheDestructorKillsAChildStillRunning) {
  pid_t pid = -1;
  {
    auto child = ChildProcess::spawn(sh("exec sleep 30"));
    ASSERT_TRUE(child);
    pid = child->pid();
  }
  EXPECT_TRUE(gone(pid));
}

TEST_F(ChildProcessTest, AProgramThatIsNotThereIsRefusedAtSpawn) {
  auto child = ChildProcess::spawn(
      {.argv = {(dir_.path() / "nope").string()}, .log = dir_.path() / "log", .env = std::nullopt});
  ASSERT_FALSE(child);
  EXPECT_TRUE(child.error().is(ProcessErrc::kSpawn));
  EXPECT_NE(child.error().detail().find("nope"), std::string::npos);
}

TEST_F(ChildProcessTest, TheChildEnvironmentDropsRoleSettingsButKeepsComponentGrants) {
  ::setenv("WAVS_PORT", "1", 1);
  ::setenv("WAVS_AGGREGATOR_PORT", "2", 1);
  ::setenv("WAVS_ENV_DEVNET_TEST", "granted", 1);
  ::setenv("DEVNET_TEST_OTHER", "kept", 1);
  const auto env = environment_without_wavs_settings();
  ::unsetenv("WAVS_PORT");
  ::unsetenv("WAVS_AGGREGATOR_PORT");
  ::unsetenv("WAVS_ENV_DEVNET_TEST");
  ::unsetenv("DEVNET_TEST_OTHER");
  auto has = [&](const std::string& e) { return std::find(env.begin(), env.end(), e) != env.end(); };
  EXPECT_FALSE(has("WAVS_PORT=1"));
  EXPECT_FALSE(has("WAVS_AGGREGATOR_PORT=2"));
  EXPECT_TRUE(has("WAVS_ENV_DEVNET_TEST=granted"));
  EXPECT_TRUE(has("DEVNET_TEST_OTHER=kept"));

  auto spec = sh("echo \"[$WAVS_PORT][$WAVS_ENV_DEVNET_TEST][$DEVNET_TEST_OTHER]\"; exec sleep 30");
  spec.env = env;
  auto child = ChildProcess::spawn(spec);
  ASSERT_TRUE(child);
  auto line = child->wait_for_log_line("[", 10s, {});
  ASSERT_TRUE(line) << line.error().message();
  EXPECT_EQ(*line, "][granted][kept]");
}

}  // namespace
}  // namespace wavs::cli
