// The example components, the SDK tests and hostile guests run through the real
// `wavs exec --json` binary: responses, outcomes and exit codes as docs/component-abi.md
// and sdk/tests/run_examples.sh expect them, against loopback HTTP/JSON-RPC servers and
// a real anvil.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anvil.hpp"
#include "chain/rpc_client.hpp"
#include "common/bytes.hpp"
#include "evm.hpp"
#include "net_helpers.hpp"

extern char** environ;

namespace wavs::component {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::steady_clock;

fs::path example(const std::string& name) { return fs::path(WAVS_EXAMPLES_DIR) / (name + ".wasm"); }
fs::path guest(const std::string& name) { return fs::path(WAVS_GUESTS_DIR) / (name + ".wasm"); }
std::string trigger_file(const std::string& name) {
  return "@" + (fs::path(WAVS_TRIGGERS_DIR) / (name + ".json")).string();
}

#define REQUIRE_WASM(path)                                                                       \
  do {                                                                                           \
    if (!fs::exists(path)) GTEST_SKIP() << (path) << " was not built (its toolchain is missing)"; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wavs-exec-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// One finished `wavs exec` process.
struct Exec {
  int code = -1;  // exit status; -1 when it had to be killed
  bool timed_out = false;
  std::string out, err;
  json doc = json::object();  // stdout as a JSON object (else empty)
  bool is_json_object = false;
  std::chrono::milliseconds wall{0};

  [[nodiscard]] std::string describe() const {
    return "exit status " + std::to_string(code) + (timed_out ? " (killed: no exit in time)" : "") +
           "\nstdout: " + out.substr(0, 4000) + "\nstderr: " + err.substr(0, 4000);
  }
  [[nodiscard]] std::vector<std::string> payloads() const {
    std::vector<std::string> p;
    if (doc.is_object() && doc.contains("responses") && doc["responses"].is_array()) {
      for (const auto& r : doc["responses"]) p.push_back(r.value("payload", std::string("<no payload>")));
    }
    return p;
  }
  [[nodiscard]] std::string str(const char* key) const {
    if (!doc.is_object() || !doc.contains(key) || !doc[key].is_string()) return "<missing " + std::string(key) + ">";
    return doc[key].get<std::string>();
  }
};

// Runs argv with the test's environment plus `env`, stdout and stderr to files (no pipe
// to fill up), killing it after `timeout`.
Exec run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 std::chrono::seconds timeout) {
  TempDir io;
  Exec r;
  std::string out_path = (io.path() / "out").string();
  std::string err_path = (io.path() / "err").string();

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  auto start = steady_clock::now();
  int rc = posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.err = std::string("posix_spawn failed: ") + std::strerror(rc);
    return r;
  }
  int status = 0;
  while (true) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (steady_clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.wall = std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
  if (!r.timed_out && WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  // Anything else stays an empty object, so lookups in a failing test do not throw.
  r.is_json_object = doc.is_object();
  r.doc = r.is_json_object ? std::move(doc) : json::object();
  return r;
}

// `wavs exec --json <args>`.
Exec exec(std::vector<std::string> args, const std::map<std::string, std::string>& env = {},
          std::chrono::seconds timeout = std::chrono::seconds(60)) {
  args.insert(args.begin(), {WAVS_EXE, "exec", "--json"});
  return run_process(args, env, timeout);
}

Exec exec_wasm(const fs::path& wasm, std::vector<std::string> args,
               const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), {"--component", wasm.string()});
  return exec(std::move(args), env);
}

// The JSON document a completed run must print, whatever the outcome.
void expect_well_formed(const Exec& r) {
  ASSERT_TRUE(r.is_json_object) << "stdout is not one JSON object\n" << r.describe();
  for (const char* key : {"ok", "outcome", "exit_code", "error", "responses", "logs", "stdout", "stderr",
                          "fuel_consumed", "elapsed_us", "peak_memory_bytes", "host_calls"}) {
    EXPECT_TRUE(r.doc.contains(key)) << "no \"" << key << "\"\n" << r.describe();
  }
  EXPECT_TRUE(r.doc.value("responses", json()).is_array()) << r.describe();
  EXPECT_TRUE(r.doc.value("logs", json()).is_array()) << r.describe();
}

void expect_success(const Exec& r, const std::vector<std::string>& payloads) {
  EXPECT_EQ(r.code, 0) << r.describe();
  expect_well_formed(r);
  EXPECT_EQ(r.doc.value("ok", false), true) << r.describe();
  EXPECT_EQ(r.str("outcome"), "success") << r.describe();
  EXPECT_TRUE(r.doc.contains("error") && r.doc.value("error", json("missing")).is_null()) << r.describe();
  EXPECT_EQ(r.payloads(), payloads) << r.describe();
}

// A failed run: exit status `code`, outcome, an error starting with `error_prefix`, and
// no responses whatever `respond` accepted before.
void expect_failure(const Exec& r, int code, const std::string& outcome, const std::string& error_prefix) {
  EXPECT_EQ(r.code, code) << r.describe();
  expect_well_formed(r);
  EXPECT_EQ(r.doc.value("ok", true), false) << r.describe();
  EXPECT_EQ(r.str("outcome"), outcome) << r.describe();
  EXPECT_EQ(r.str("error").rfind(error_prefix, 0), 0u) << "error should start with \"" << error_prefix << "\"\n"
                                                       << r.describe();
  EXPECT_TRUE(r.payloads().empty()) << r.describe();
}

// After a hostile component, an ordinary one still runs normally.
void expect_runner_still_works() {
  if (!fs::exists(example("echo-c"))) return;
  Exec r = exec_wasm(example("echo-c"), {"--input-raw", "0xc0ffee"});
  expect_success(r, {"0xc0ffee"});
}

constexpr const char* kSeven = "0x0000000000000000000000000000000000000000000000000000000000000007";
constexpr const char* kFortyNine = "0x0000000000000000000000000000000000000000000000000000000000000031";
constexpr const char* kU64Max = "0x000000000000000000000000000000000000000000000000ffffffffffffffff";
constexpr const char* kU64MaxSquared = "0x00000000000000000000000000000000fffffffffffffffe0000000000000001";
constexpr const char* kLogData42 = "0x000000000000000000000000000000000000000000000000000000000000002a";
constexpr const char* kOne = "0x0000000000000000000000000000000000000000000000000000000000000001";
constexpr const char* kTwo = "0x0000000000000000000000000000000000000000000000000000000000000002";
constexpr const char* kThree = "0x0000000000000000000000000000000000000000000000000000000000000003";
// Event ids of docs/component-abi.md, "Test vectors".
constexpr const char* kRawEventId = "0xd17981ed622b790410a5aebab3330d55caf53321";
constexpr const char* kEvmEventId = "0xbff52377f6efb0df504c8c4e8d8a6f95b150f841";
constexpr const char* kSaltAEventId = "0x304cecd4c80df16998d6a1cf7bb851211daefa30";

// ---- the example components ----------------------------------------------------------

class EchoRaw : public ::testing::TestWithParam<std::string> {};

TEST_P(EchoRaw, RespondsWithTheRawBytes) {
  REQUIRE_WASM(example(GetParam()));
  Exec r = exec_wasm(example(GetParam()), {"--input-raw", "0xdeadbeef"});
  expect_success(r, {"0xdeadbeef"});
  if (r.payloads().size() == 1) {
    const json& resp = r.doc["responses"][0];
    EXPECT_TRUE(resp["text"].is_null()) << "0xdeadbeef is not UTF-8 text\n" << r.describe();
    EXPECT_TRUE(resp["ordering"].is_null()) << r.describe();
    EXPECT_TRUE(resp["salt"].is_null()) << r.describe();
    EXPECT_EQ(resp.value("event_id", std::string()).size(), 42u) << r.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, EchoRaw, ::testing::Values("echo-c", "echo-rust", "echo-as", "doc-echo"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(Examples, EchoGivesTheDocumentedEventIds) {
  REQUIRE_WASM(example("echo-c"));
  Exec raw = exec_wasm(example("echo-c"), {"--input", trigger_file("raw")});
  expect_success(raw, {kSeven});
  if (raw.payloads().size() == 1) {
    EXPECT_EQ(raw.doc["responses"][0].value("event_id", ""), kRawEventId);
  }
  Exec evm = exec_wasm(example("echo-c"), {"--input", trigger_file("evm_contract_event")});
  expect_success(evm, {kLogData42});
  if (evm.payloads().size() == 1) {
    EXPECT_EQ(evm.doc["responses"][0].value("event_id", ""), kEvmEventId);
  }
}

// --service-id and --workflow-id override a TriggerAction document's own, and take part
// in the event id.
TEST(Examples, ServiceAndWorkflowIdsReachTheComponent) {
  REQUIRE_WASM(example("echo-c"));
  Exec r = exec_wasm(example("echo-c"), {"--input", trigger_file("raw"), "--workflow-id", "prices-7"});
  expect_success(r, {kSeven});
  ASSERT_EQ(r.payloads().size(), 1u);
  EXPECT_NE(r.doc["responses"][0].value("event_id", ""), kRawEventId);
  EXPECT_NE(r.str("stderr").find("from workflow prices-7"), std::string::npos) << r.describe();

  Exec other = exec_wasm(example("echo-c"), {"--input", trigger_file("raw"), "--service-id", std::string(64, 'c')});
  expect_success(other, {kSeven});
  ASSERT_EQ(other.payloads().size(), 1u);
  const std::string id = other.doc["responses"][0].value("event_id", "");
  EXPECT_NE(id, kRawEventId);
  EXPECT_NE(id, r.doc["responses"][0].value("event_id", ""));
}

TEST(Examples, EchoTextPayloadIsShownAsText) {
  REQUIRE_WASM(example("echo-c"));
  Exec r = exec_wasm(example("echo-c"), {"--input-raw", hex("hello\tworld\n")});
  expect_success(r, {hex("hello\tworld\n")});
  if (r.payloads().size() == 1) {
    EXPECT_EQ(r.doc["responses"][0].value("text", ""), "hello\tworld\n");
  }
  Exec ctl = exec_wasm(example("echo-c"), {"--input-raw", hex("bell\a")});
  expect_success(ctl, {hex("bell\a")});
  if (ctl.payloads().size() == 1) {
    EXPECT_TRUE(ctl.doc["responses"][0]["text"].is_null()) << ctl.describe();
  }
}

// The C component printed in docs/component-abi.md (built from the document itself)
// uses only the documented imports and answers non-raw triggers with the whole JSON.
TEST(Examples, DocumentExampleRespondsWithTheTriggerJson) {
  REQUIRE_WASM(example("doc-echo"));
  Exec r = exec_wasm(example("doc-echo"), {"--input", trigger_file("block_interval")});
  ASSERT_EQ(r.payloads().size(), 1u) << r.describe();
  const auto text = r.doc["responses"][0].value("text", std::string());
  EXPECT_NE(text.find("\"block_interval\""), std::string::npos) << r.describe();
  ASSERT_EQ(r.doc["logs"].size(), 1u) << r.describe();
  EXPECT_EQ(r.doc["logs"][0].value("message", ""), "echo: other trigger");
}

TEST(Examples, EchoBlockIntervalGivesNoResponse) {
  REQUIRE_WASM(example("echo-c"));
  expect_success(exec_wasm(example("echo-c"), {"--input", trigger_file("block_interval")}), {});
}

TEST(Examples, EchoAsCronGivesNoResponse) {
  REQUIRE_WASM(example("echo-as"));
  expect_success(exec_wasm(example("echo-as"), {"--input", trigger_file("cron")}), {});
}

TEST(Examples, EchoRustEvmLog) {
  REQUIRE_WASM(example("echo-rust"));
  Exec r = exec_wasm(example("echo-rust"), {"--input", trigger_file("evm_contract_event")});
  expect_success(r, {kLogData42});
  if (r.payloads().size() == 1) {
    EXPECT_EQ(r.doc["responses"][0].value("event_id", ""), kEvmEventId);
  }
}

TEST(Examples, EchoTakesTriggerDataJsonInline) {
  REQUIRE_WASM(example("echo-c"));
  expect_success(exec_wasm(example("echo-c"), {"--input", R"({"raw":"0x0102"})"}), {"0x0102"});
}

// The same inputs through the C and the Rust echo: byte-identical responses.
TEST(Examples, EchoCAndRustAgreeByteForByte) {
  REQUIRE_WASM(example("echo-c"));
  REQUIRE_WASM(example("echo-rust"));
  std::string four_k;
  for (int i = 0; i < 4096; ++i) four_k += static_cast<char>((i * 7 + 3) & 0xff);
  std::vector<std::vector<std::string>> inputs = {
      {"--input-raw", "0x"},
      {"--input-raw", "0x00"},
      {"--input-raw", hex(four_k)},
      {"--input", trigger_file("evm_contract_event")},
  };
  for (const auto& input : inputs) {
    Exec c = exec_wasm(example("echo-c"), input);
    Exec rust = exec_wasm(example("echo-rust"), input);
    EXPECT_EQ(c.code, 0) << c.describe();
    EXPECT_EQ(rust.code, 0) << rust.describe();
    ASSERT_TRUE(c.is_json_object && rust.is_json_object) << c.describe() << "\n" << rust.describe();
    EXPECT_EQ(c.payloads().size(), 1u) << c.describe();
    EXPECT_EQ(c.doc["responses"], rust.doc["responses"]) << "input " << input[1].substr(0, 80);
  }
  Exec big = exec_wasm(example("echo-rust"), {"--input-raw", hex(four_k)});
  expect_success(big, {hex(four_k)});
}

class Square : public ::testing::TestWithParam<std::string> {};

TEST_P(Square, SquaresTheInputWord) {
  REQUIRE_WASM(example(GetParam()));
  expect_success(exec_wasm(example(GetParam()), {"--input-raw", kSeven}), {kFortyNine});
  expect_success(exec_wasm(example(GetParam()), {"--input-raw", kU64Max}), {kU64MaxSquared});
  expect_success(exec_wasm(example(GetParam()), {"--input", trigger_file("new_trigger")}), {kFortyNine});
}

INSTANTIATE_TEST_SUITE_P(Examples, Square, ::testing::Values("square-c", "square-rust"), [](const auto& info) {
  std::string n = info.param;
  for (auto& c : n) c = c == '-' ? '_' : c;
  return n;
});

TEST(Examples, SquareBadInputFails) {
  REQUIRE_WASM(example("square-c"));
  Exec r = exec_wasm(example("square-c"), {"--input-raw", "0x01"});
  expect_failure(r, 1, "exit", "exit 1");
  EXPECT_EQ(r.doc.value("exit_code", 0), 1) << r.describe();
}

TEST(Examples, KvCounterCountsInOneStore) {
  REQUIRE_WASM(example("kv-counter-c"));
  TempDir dir;
  std::string kv = (dir.path() / "kv.sqlite").string();
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--input-raw", "0x"}), {kOne});
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--input-raw", "0x"}), {kTwo});
  EXPECT_TRUE(fs::exists(kv));
}

TEST(Examples, KvCounterRustCountsInOneStore) {
  REQUIRE_WASM(example("kv-counter-rust"));
  TempDir dir;
  std::string kv = (dir.path() / "kv.sqlite").string();
  // abi.encode(uint64 total, string kind) with kind "raw".
  auto expected = [](const char* total) {
    return std::string(total) + "0000000000000000000000000000000000000000000000000000000000000040" +
           "0000000000000000000000000000000000000000000000000000000000000003" +
           "7261770000000000000000000000000000000000000000000000000000000000";
  };
  expect_success(exec_wasm(example("kv-counter-rust"), {"--kv", kv, "--input-raw", "0x"}), {expected(kOne)});
  expect_success(exec_wasm(example("kv-counter-rust"), {"--kv", kv, "--input-raw", "0x"}), {expected(kTwo)});
}

// Several `wavs exec` processes counting in one SQLite file at once: every increment
// lands exactly once.
TEST(Examples, KvCounterConcurrentProcessesShareOneStore) {
  REQUIRE_WASM(example("kv-counter-c"));
  TempDir dir;
  std::string kv = (dir.path() / "kv.sqlite").string();
  constexpr int kProcesses = 6;
  std::vector<Exec> runs(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] { runs[i] = exec_wasm(example("kv-counter-c"), {"--kv", kv}); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> counts;
  for (const auto& r : runs) {
    EXPECT_EQ(r.code, 0) << r.describe();
    for (const auto& p : r.payloads()) counts.insert(p);
  }
  std::set<std::string> expected;
  for (int i = 1; i <= kProcesses; ++i) {
    std::string word(64, '0');
    word[62] = "0123456789abcdef"[i / 16];
    word[63] = "0123456789abcdef"[i % 16];
    expected.insert("0x" + word);
  }
  EXPECT_EQ(counts, expected);
  std::string next(64, '0');
  next[63] = static_cast<char>('0' + kProcesses + 1);
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv}), {"0x" + next});
}

TEST(Examples, KvCounterFailsWithoutStore) {
  REQUIRE_WASM(example("kv-counter-c"));
  expect_failure(exec_wasm(example("kv-counter-c"), {"--input-raw", "0x"}), 1, "exit", "exit 1");
}

// ---- permissions -----------------------------------------------------------------------

TEST(Permissions, KvStoreOfOneServiceIsInvisibleToAnother) {
  REQUIRE_WASM(example("kv-counter-c"));
  TempDir dir;
  std::string kv = (dir.path() / "kv.sqlite").string();
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--service-id", a}), {kOne});
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--service-id", a}), {kTwo});
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--service-id", b}), {kOne});
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv, "--service-id", a}), {kThree});
  // The default service id (64 zeros) is a service of its own too.
  expect_success(exec_wasm(example("kv-counter-c"), {"--kv", kv}), {kOne});
}

TEST(Permissions, OnlyListedAndSetEnvKeysAreVisible) {
  REQUIRE_WASM(guest("env_reader"));
  std::map<std::string, std::string> env = {{"WAVS_ENV_LISTED", "visible"}, {"WAVS_ENV_HIDDEN", "s3cr3t-value"}};
  Exec r = exec_wasm(guest("env_reader"), {"--env-key", "WAVS_ENV_LISTED", "--env-key", "WAVS_ENV_NOT_SET"}, env);
  expect_success(r, {hex("WAVS_ENV_LISTED=visible")});
  EXPECT_NE(r.str("stderr").find("WAVS_ENV_HIDDEN is invisible"), std::string::npos) << r.describe();
  EXPECT_EQ(r.out.find("s3cr3t-value"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find("s3cr3t-value"), std::string::npos) << r.describe();

  Exec none = exec_wasm(guest("env_reader"), {}, env);
  expect_success(none, {"0x"});
}

TEST(Permissions, EnvKeysWithoutThePrefixAreNeverPassed) {
  REQUIRE_WASM(guest("env_reader"));
  Exec r = exec_wasm(guest("env_reader"), {"--env-key", "HOME", "--env-key", "WAVS_ENV_LISTED"},
                     {{"WAVS_ENV_LISTED", "yes"}, {"HOME", "/root-of-secrets"}});
  // Refusing the flag as a usage error would do too; passing HOME would not.
  if (r.code == 2) {
    EXPECT_NE(r.err.find("wavs exec:"), std::string::npos) << r.describe();
  } else {
    expect_success(r, {hex("WAVS_ENV_LISTED=yes")});
  }
  EXPECT_EQ(r.out.find("/root-of-secrets"), std::string::npos) << r.describe();
}

// ---- HTTP and chains on loopback ---------------------------------------------------------

TEST(Http, FetchFromLoopbackServer) {
  REQUIRE_WASM(example("http-fetch-c"));
  chain::testing::ScriptedServer server([](const std::string&) {
    return chain::testing::Reply::json(R"({"eth":{"usd":65.50}})");
  });
  ASSERT_NE(server.port(), 0);
  std::string host = "127.0.0.1:" + std::to_string(server.port());
  Exec r = exec_wasm(example("http-fetch-c"), {"--allow-http", host, "--config", "url=" + server.url() + "/price",
                                               "--config", "json_path=eth.usd", "--input-raw", "0x"});
  expect_success(r, {"0x0000000000000000000000000000000000000000000000000000000000000020"
                     "0000000000000000000000000000000000000000000000000000000000000005"
                     "36352e3530000000000000000000000000000000000000000000000000000000"});
  EXPECT_EQ(server.requests(), 1);
}

TEST(Http, FetchWithoutPermissionFailsAndSendsNothing) {
  REQUIRE_WASM(example("http-fetch-c"));
  chain::testing::ScriptedServer server([](const std::string&) {
    return chain::testing::Reply::json(R"({"eth":{"usd":65.50}})");
  });
  ASSERT_NE(server.port(), 0);
  Exec r = exec_wasm(example("http-fetch-c"),
                     {"--config", "url=" + server.url() + "/price", "--config", "json_path=eth.usd"});
  expect_failure(r, 1, "exit", "exit 1");
  // A wildcard or "all" never grants a loopback destination.
  Exec all = exec_wasm(example("http-fetch-c"),
                       {"--allow-http-all", "--config", "url=" + server.url() + "/price"});
  expect_failure(all, 1, "exit", "exit 1");
  EXPECT_EQ(server.requests(), 0);
}

// The Anvil helper finds anvil through WAVS_SOURCE_DIR, which ctest sets; set it too
// when the binary is run by hand.
bool anvil_installed() {
  ::setenv("WAVS_SOURCE_DIR", WAVS_SOURCE_ROOT, /*overwrite=*/0);
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  return ::access((fs::path(src) / "node_modules/.bin/anvil").c_str(), X_OK) == 0;
}

TEST(Chain, ChainReadFromAnvil) {
  REQUIRE_WASM(example("chain-read-c"));
  if (!anvil_installed()) GTEST_SKIP() << "anvil is not installed under node_modules/.bin";
  auto anvil = chain::testing::Anvil::start();
  ASSERT_TRUE(anvil) << anvil.error().message();
  chain::RpcConfig config;
  config.http_endpoints = {(*anvil)->http_url()};
  config.request_timeout = std::chrono::milliseconds(5000);
  chain::RpcClient rpc(config);
  // Runtime: PUSH2 0x03e8, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN — 1000 as a word
  // for any call.
  const Bytes runtime = {0x61, 0x03, 0xe8, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
  auto address = chain::testing::deploy(rpc, runtime);
  ASSERT_TRUE(address) << address.error().message();

  Exec r = exec_wasm(example("chain-read-c"), {"--chain", "evm:31337=" + (*anvil)->http_url(), "--config",
                                               "contract=" + address->hex(), "--input-raw", "0x"});
  expect_success(r, {"0x00000000000000000000000000000000000000000000000000000000000003e8"});

  // The component names a chain the run does not have.
  Exec other = exec_wasm(example("chain-read-c"), {"--chain", "evm:31337=" + (*anvil)->http_url(), "--config",
                                                   "contract=" + address->hex(), "--config", "chain=evm:1"});
  expect_failure(other, 1, "exit", "exit 1");
}

TEST(Chain, ChainReadWithUnreachableNodeFails) {
  REQUIRE_WASM(example("chain-read-c"));
  Exec r = exec_wasm(example("chain-read-c"), {"--chain", "evm:31337=http://127.0.0.1:1", "--config",
                                               "contract=0x5fbdb2315678afecb367f032d93f642f64180aa3"});
  expect_failure(r, 1, "exit", "exit 1");
}

// ---- the SDK tests of all fifteen imports ------------------------------------------------

// The SDK tests call https://api.example.com/x, which a loopback server cannot answer.
// Each test gets a copy of its module with that URL replaced, in place and at the same
// length, by one naming the local server (Rust and AssemblyScript store string lengths
// next to the code, so the length must not change; AssemblyScript strings are UTF-16).
std::optional<std::string> point_at_local_server(std::string wasm, std::uint16_t port, bool utf16) {
  const std::string original = "https://api.example.com/x";
  std::string local = "http://127.0.0.1:" + std::to_string(port) + "/";
  local.resize(original.size(), 'x');
  auto encode = [utf16](const std::string& s) {
    if (!utf16) return s;
    std::string o;
    for (char c : s) {
      o += c;
      o += '\0';
    }
    return o;
  };
  std::string from = encode(original), to = encode(local);
  auto at = wasm.find(from);
  if (at == std::string::npos || wasm.find(from, at + 1) != std::string::npos) return std::nullopt;
  wasm.replace(at, from.size(), to);
  return wasm;
}

// JSON-RPC on loopback: the chain answers eth_chainId and eth_blockNumber (0x2a).
chain::testing::Reply json_rpc(const std::string& body) {
  json req = json::parse(body, nullptr, false);
  auto answer = [](const json& one) {
    json resp = {{"jsonrpc", "2.0"}, {"id", one.value("id", json())}};
    std::string method = one.value("method", "");
    if (method == "eth_chainId") {
      resp["result"] = "0x7a69";
    } else if (method == "eth_blockNumber") {
      resp["result"] = "0x2a";
    } else {
      resp["error"] = {{"code", -32601}, {"message", "method not found: " + method}};
    }
    return resp;
  };
  if (req.is_array()) {
    json all = json::array();
    for (const auto& one : req) all.push_back(answer(one));
    return chain::testing::Reply::json(all.dump());
  }
  if (!req.is_object()) return chain::testing::Reply::status_code(400, "bad request");
  return chain::testing::Reply::json(answer(req).dump());
}

class SdkTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SdkTest, EveryImportBehavesAsDocumented) {
  const std::string& name = GetParam();
  REQUIRE_WASM(example(name));
  chain::testing::ScriptedServer http([](const std::string& body) {
    return chain::testing::Reply::status_code(body == "hi" ? 201 : 400, body == "hi" ? "created" : "bad body");
  });
  chain::testing::ScriptedServer rpc(json_rpc);
  ASSERT_NE(http.port(), 0);
  ASSERT_NE(rpc.port(), 0);
  TempDir dir;
  auto patched = point_at_local_server(slurp(example(name)), http.port(), name == "all_as");
  ASSERT_TRUE(patched) << name << " does not hold the URL https://api.example.com/x exactly once";
  fs::path wasm = dir.path() / (name + ".wasm");
  std::ofstream(wasm, std::ios::binary) << *patched;

  Exec r = exec_wasm(wasm, {"--kv", (dir.path() / "kv.sqlite").string(), "--config", "greeting=hello", "--config",
                            "big=" + std::string(3000, 'x'), "--chain", "evm:31337=" + rpc.url(), "--allow-http",
                            "127.0.0.1:" + std::to_string(http.port()), "--input", trigger_file("evm_contract_event")});
  EXPECT_EQ(r.code, 0) << r.describe();
  expect_well_formed(r);
  EXPECT_EQ(r.doc.value("ok", false), true) << r.describe();
  EXPECT_TRUE(r.doc.contains("error") && r.doc.value("error", json("missing")).is_null()) << r.describe();
  EXPECT_EQ(http.requests(), 1);
  EXPECT_GE(r.doc.value("host_calls", 0), 15) << r.describe();
  // Each test ends with two salted responses, the first with ordering 5.
  ASSERT_EQ(r.payloads().size(), 2u) << r.describe();
  const json& first = r.doc["responses"][0];
  const json& second = r.doc["responses"][1];
  EXPECT_EQ(first.value("ordering", ""), "5") << r.describe();
  EXPECT_FALSE(first["salt"].is_null()) << r.describe();
  EXPECT_FALSE(second["salt"].is_null()) << r.describe();
  EXPECT_NE(first.value("event_id", ""), second.value("event_id", "")) << r.describe();
  if (name == "all_imports" || name == "all_imports_cxx") {
    // (ABI tuple, ordering 5, salt "a"), then ("x", salt "b").
    EXPECT_EQ(first.value("salt", ""), "0x61");
    EXPECT_EQ(first.value("event_id", ""), kSaltAEventId);
    EXPECT_EQ(second.value("payload", ""), "0x78");
    EXPECT_EQ(second.value("text", ""), "x");
    EXPECT_TRUE(second["ordering"].is_null());
    EXPECT_EQ(second.value("salt", ""), "0x62");
  }
  bool info_logged = false;
  for (const auto& line : r.doc["logs"]) {
    if (line.value("level", "") == "info" && line.value("message", "").find("all") != std::string::npos) {
      info_logged = true;
    }
  }
  EXPECT_TRUE(info_logged) << r.describe();
}

// The native tier runs every import the same way: the same responses, logs, host calls
// and fuel, to the unit, as the interpreter (the C SDK, C++ and Rust components).
TEST_P(SdkTest, TheNativeTierBehavesTheSame) {
  const std::string& name = GetParam();
  REQUIRE_WASM(example(name));
  chain::testing::ScriptedServer http([](const std::string& body) {
    return chain::testing::Reply::status_code(body == "hi" ? 201 : 400, body == "hi" ? "created" : "bad body");
  });
  chain::testing::ScriptedServer rpc(json_rpc);
  TempDir dir;
  auto patched = point_at_local_server(slurp(example(name)), http.port(), name == "all_as");
  ASSERT_TRUE(patched);
  fs::path wasm = dir.path() / (name + ".wasm");
  std::ofstream(wasm, std::ios::binary) << *patched;
  auto run = [&](const std::string& tier, const std::string& kv) {
    return exec_wasm(wasm, {"--tier", tier, "--aot-cache", WAVS_AOT_CACHE_DIR,
                            "--kv", (dir.path() / kv).string(), "--config", "greeting=hello", "--config",
                            "big=" + std::string(3000, 'x'), "--chain", "evm:31337=" + rpc.url(), "--allow-http",
                            "127.0.0.1:" + std::to_string(http.port()), "--input", trigger_file("evm_contract_event")});
  };
  Exec a = run("interp", "a.sqlite");
  Exec b = run("aot", "b.sqlite");
  EXPECT_EQ(a.code, 0) << a.describe();
  EXPECT_EQ(b.code, 0) << b.describe();
  EXPECT_EQ(b.err.find("native code unavailable"), std::string::npos) << b.describe();
  for (const char* key : {"ok", "outcome", "exit_code", "responses", "logs", "stdout", "fuel_consumed", "host_calls"}) {
    EXPECT_EQ(a.doc.value(key, json()), b.doc.value(key, json())) << key << "\n" << a.describe() << b.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Sdk, SdkTest, ::testing::Values("all_imports", "all_imports_cxx", "all_rust", "all_as"));

// ---- hostile components ------------------------------------------------------------------

TEST(BadComponents, GarbageOnStdoutIsOnlyALog) {
  REQUIRE_WASM(guest("garbage_stdout"));
  Exec r = exec_wasm(guest("garbage_stdout"), {});
  expect_success(r, {hex("the real payload")});
  if (r.payloads().size() == 1) {
    EXPECT_EQ(r.doc["responses"][0].value("text", ""), "the real payload");
  }
  // The guest's fake result is in the captured stdout, as text, not in the result.
  EXPECT_NE(r.str("stdout").find("0xbad0bad0"), std::string::npos) << r.describe();
  EXPECT_NE(r.str("stdout").find("0xbad1"), std::string::npos) << r.describe();
  expect_runner_still_works();
}

// Regression: captured stdio was reported as a terminal, so programs refused to write
// binary data to it.
TEST(BadComponents, CapturedStdioIsNotATerminal) {
  REQUIRE_WASM(guest("stdio_isatty"));
  Exec r = exec_wasm(guest("stdio_isatty"), {"--input-raw", "0x01"});
  expect_success(r, {hex("isatty stdin=0 stdout=0 stderr=0")});
}

TEST(BadComponents, NoResponseIsASuccess) {
  REQUIRE_WASM(guest("no_respond"));
  Exec r = exec_wasm(guest("no_respond"), {"--input-raw", "0x0102"});
  expect_success(r, {});
  ASSERT_TRUE(r.doc.is_object());
  ASSERT_EQ(r.doc["logs"].size(), 1u) << r.describe();
  EXPECT_EQ(r.doc["logs"][0].value("level", ""), "info");
  EXPECT_EQ(r.doc["logs"][0].value("message", ""), "no_respond: nothing to say");
  expect_runner_still_works();
}

TEST(BadComponents, SecondUnsaltedResponseIsRefused) {
  REQUIRE_WASM(guest("respond_twice"));
  Exec r = exec_wasm(guest("respond_twice"), {});
  expect_success(r, {hex("first")});
  EXPECT_NE(r.str("stderr").find("first=0 second=-1"), std::string::npos) << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, NonZeroExitSubmitsNothing) {
  REQUIRE_WASM(guest("exit3"));
  Exec r = exec_wasm(guest("exit3"), {});
  expect_failure(r, 1, "exit", "exit 3");
  EXPECT_EQ(r.doc.value("exit_code", 0), 3) << r.describe();
  EXPECT_NE(r.str("error").find("boom"), std::string::npos) << r.describe();
  EXPECT_NE(r.str("stderr").find("respond=0"), std::string::npos) << "respond had accepted\n" << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, TrapSubmitsNothing) {
  REQUIRE_WASM(guest("trap_after_respond"));
  Exec r = exec_wasm(guest("trap_after_respond"), {});
  expect_failure(r, 134, "trap", "trap: ");
  EXPECT_NE(r.str("error").find("now trapping"), std::string::npos) << "the stderr tail\n" << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, InfiniteLoopStoppedByTimeLimit) {
  REQUIRE_WASM(guest("infinite_loop"));
  Exec r = exec_wasm(guest("infinite_loop"), {"--time-limit", "1"});
  expect_failure(r, 124, "time_limit", "time limit");
  EXPECT_LT(r.wall, std::chrono::seconds(10)) << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, InfiniteLoopStoppedByFuel) {
  REQUIRE_WASM(guest("infinite_loop"));
  Exec r = exec_wasm(guest("infinite_loop"), {"--fuel-limit", "1000000"});
  expect_failure(r, 123, "fuel_exhausted", "fuel exhausted");
  EXPECT_GE(r.doc.value("fuel_consumed", std::uint64_t{0}), 900'000u) << r.describe();
  EXPECT_LE(r.doc.value("fuel_consumed", ~std::uint64_t{0}), 1'100'000u) << r.describe();
  EXPECT_LT(r.wall, std::chrono::seconds(10)) << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, UnknownImportIsALoadError) {
  REQUIRE_WASM(guest("unknown_import"));
  Exec r = exec_wasm(guest("unknown_import"), {});
  EXPECT_EQ(r.code, 121) << r.describe();
  EXPECT_NE(r.err.find("wavs exec:"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("wavs_v1.nope"), std::string::npos) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, OutOfBoundsPointersAreFaultsNotTraps) {
  REQUIRE_WASM(guest("bad_pointers"));
  TempDir dir;
  Exec r = exec_wasm(guest("bad_pointers"), {"--config", "k=v", "--kv", (dir.path() / "kv.sqlite").string()});
  expect_success(r, {});
  EXPECT_NE(r.str("stdout").find("failures=0"), std::string::npos) << r.describe();
  expect_runner_still_works();
}

TEST(BadComponents, OutputOverTheCapsIsCut) {
  REQUIRE_WASM(guest("flood_output"));
  Exec r = exec_wasm(guest("flood_output"), {});
  expect_success(r, {hex("done")});
  constexpr std::size_t kCap = 1 << 20;
  EXPECT_GE(r.str("stdout").size(), kCap / 2) << "stdout kept: " << r.str("stdout").size();
  // The host may append a short note that the stream was cut.
  constexpr std::size_t kNote = 128;
  EXPECT_LE(r.str("stdout").size(), kCap + kNote) << "stdout kept: " << r.str("stdout").size();
  EXPECT_LE(r.str("stderr").size(), kCap + kNote) << "stderr kept: " << r.str("stderr").size();
  EXPECT_EQ(r.str("stderr").find("end of stderr"), std::string::npos) << "written past the cap";
  EXPECT_LT(r.out.size(), 3 * kCap);

  Exec failed = exec_wasm(guest("flood_output"), {"--config", "exit=4"});
  expect_failure(failed, 1, "exit", "exit 4");
  // The error carries only the stderr tail (1 KiB), not the whole stream.
  EXPECT_LE(failed.str("error").size(), 1100u) << failed.str("error").substr(0, 200);
  expect_runner_still_works();
}

TEST(BadComponents, ResponseSizeLimits) {
  REQUIRE_WASM(guest("respond_limits"));
  Exec r = exec_wasm(guest("respond_limits"), {"--config", "mode=size"});
  EXPECT_EQ(r.code, 0) << r.describe().substr(0, 2000);
  EXPECT_NE(r.str("stdout").find("failures=0"), std::string::npos) << r.str("stdout");
  auto payloads = r.payloads();
  ASSERT_EQ(payloads.size(), 8u);
  for (const auto& p : payloads) EXPECT_EQ(p.size(), 2u + 2u * (1u << 20));
  expect_runner_still_works();
}

TEST(BadComponents, ResponseCountLimit) {
  REQUIRE_WASM(guest("respond_limits"));
  Exec r = exec_wasm(guest("respond_limits"), {"--config", "mode=count"});
  expect_success(r, std::vector<std::string>(64, "0x72"));
  EXPECT_NE(r.str("stdout").find("failures=0"), std::string::npos) << r.describe();
  std::set<std::string> ids;
  for (const auto& resp : r.doc.value("responses", json::array())) ids.insert(resp.value("event_id", ""));
  EXPECT_EQ(ids.size(), 64u) << "salted responses must have distinct event ids";
  expect_runner_still_works();
}

// ---- waits end with the run ----------------------------------------------------------------

TEST(Timeouts, HangingHttpServerEndsWithTheRun) {
  REQUIRE_WASM(example("http-fetch-c"));
  chain::testing::ScriptedServer server([](const std::string&) { return chain::testing::Reply::hang(); });
  ASSERT_NE(server.port(), 0);
  Exec r = exec_wasm(example("http-fetch-c"), {"--allow-http", "127.0.0.1:" + std::to_string(server.port()),
                                               "--config", "url=" + server.url() + "/price", "--time-limit", "2"});
  // The request's 5 s timeout is cut to the run's remaining time; whether the guest
  // still gets to exit 1 or the run ends on its limit, it fails, well before 5 s.
  EXPECT_TRUE(r.code == 1 || r.code == 124) << r.describe();
  expect_well_formed(r);
  EXPECT_EQ(r.doc.value("ok", true), false) << r.describe();
  EXPECT_TRUE(r.payloads().empty()) << r.describe();
  EXPECT_LT(r.wall, std::chrono::milliseconds(4500)) << r.describe();
  EXPECT_EQ(server.requests(), 1);
}

TEST(Timeouts, HangingChainNodeEndsWithTheRun) {
  REQUIRE_WASM(example("chain-read-c"));
  chain::testing::ScriptedServer node([](const std::string&) { return chain::testing::Reply::hang(); });
  ASSERT_NE(node.port(), 0);
  Exec r = exec_wasm(example("chain-read-c"), {"--chain", "evm:31337=" + node.url(), "--config",
                                               "contract=0x5fbdb2315678afecb367f032d93f642f64180aa3",
                                               "--time-limit", "2"});
  EXPECT_TRUE(r.code == 1 || r.code == 124) << r.describe();
  expect_well_formed(r);
  EXPECT_EQ(r.doc.value("ok", true), false) << r.describe();
  EXPECT_TRUE(r.payloads().empty()) << r.describe();
  EXPECT_LT(r.wall, std::chrono::milliseconds(4500)) << r.describe();
}

// ---- the command line --------------------------------------------------------------------

TEST(Cli, BadInputIsAUsageError) {
  REQUIRE_WASM(example("echo-c"));
  TempDir dir;
  std::vector<std::vector<std::string>> cases = {
      {"--input", "{not json"},
      {"--input", "@" + (dir.path() / "missing.json").string()},
      {"--input-raw", "0xzz"},
      {"--chain", "evm:31337"},
      {"--service-id", "1234"},
      {"--input", R"({"raw":"0x00"})", "--input-raw", "0x00"},
      {"--kv", (dir.path() / "no-such-dir" / "kv.sqlite").string()},
      {"--allow-http", "example.com", "--allow-http-all"},
  };
  for (const auto& args : cases) {
    Exec r = exec_wasm(example("echo-c"), args);
    EXPECT_EQ(r.code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << "\n" << r.describe();
    EXPECT_EQ(r.err.rfind("wavs exec: ", 0), 0u) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
  }
}

TEST(Cli, UnknownFlagIsAUsageError) {
  REQUIRE_WASM(example("echo-c"));
  Exec r = exec_wasm(example("echo-c"), {"--no-such-flag"});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
}

TEST(Cli, UnloadableComponentIsALoadError) {
  TempDir dir;
  std::ofstream(dir.path() / "junk.wasm", std::ios::binary) << std::string("\0asm not really", 15);
  for (const fs::path& wasm : {dir.path() / "missing.wasm", dir.path() / "junk.wasm"}) {
    Exec r = exec({"--component", wasm.string()});
    EXPECT_EQ(r.code, 121) << r.describe();
    EXPECT_EQ(r.err.rfind("wavs exec: ", 0), 0u) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
  }
}

TEST(Cli, MemoryCapBelowTheDeclaredMemoryIsRefused) {
  REQUIRE_WASM(example("echo-c"));
  Exec r = exec_wasm(example("echo-c"), {"--max-memory", "65536"});
  EXPECT_EQ(r.code, 122) << r.describe();
  EXPECT_EQ(r.err.rfind("wavs exec: ", 0), 0u) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
}

TEST(Cli, HumanReadableOutputShowsTheResponse) {
  REQUIRE_WASM(example("echo-c"));
  Exec r = run_process({WAVS_EXE, "exec", "--component", example("echo-c").string(), "--input-raw", "0xdeadbeef"}, {},
                       std::chrono::seconds(60));
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_NE(r.out.find("0xdeadbeef"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace wavs::component
