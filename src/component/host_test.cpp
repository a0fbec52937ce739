#include "component/host.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "component/chains.hpp"
#include "component/kv_store.hpp"
#include "wasi/test_support.hpp"

namespace wavs::component {
namespace {

using wasi::test::TempDir;
using wasm::Value;

// Every wavs_v1 import, wrapped so a test can call it with any arguments.
std::string all_imports_wat() { return wasi::test::wrapper_module_wat(kImportModule, wavs_v1_functions(), 1); }

Value i32(std::int64_t v) { return Value::i32(static_cast<std::int32_t>(v)); }
Value i64(std::int64_t v) { return Value::i64(v); }

constexpr std::int64_t kInvalid = -1, kFault = -2, kNotFound = -3, kDenied = -4, kLimit = -5, kType = -9,
                       kUnavailable = -10;
constexpr std::uint32_t kPage = 65536;

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    action_.data = Raw{{0x07}};
    workflow_.component.config = {{"greeting", "hello"}, {"big", std::string(3000, 'x')}};
    workflow_.service_json = R"({"name":"test","workflows":{}})";
  }

  // (Re)creates the host run and instance; call after changing services_/workflow_.
  void start(HostLimits limits = {}) {
    auto run = HostRun::create(action_, workflow_, services_, std::chrono::steady_clock::now() + std::chrono::seconds(30),
                               limits);
    ASSERT_TRUE(run) << run.error().message();
    run_.emplace(std::move(*run));
    linker_ = wasm::Linker();
    run_->link(linker_);
    static const Bytes kWasm = wasi::test::wat(all_imports_wat());
    ASSERT_FALSE(kWasm.empty());
    static const auto kModule = *wasm::Engine().compile(kWasm);
    auto inst = linker_.instantiate(*kModule);
    ASSERT_TRUE(inst) << inst.error().message();
    instance_ = std::move(*inst);
  }

  std::int64_t call(std::string_view name, std::initializer_list<Value> args) {
    auto r = instance_->call(name, args);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return INT64_MIN;
    return (*r)[0].type() == wasm::ValType::kI64 ? (*r)[0].i64() : (*r)[0].i32();
  }
  std::uint8_t* mem() { return instance_->memory()->data(); }
  void put(std::uint32_t at, std::string_view s) { std::memcpy(mem() + at, s.data(), s.size()); }
  std::string get(std::uint32_t at, std::size_t n) { return {reinterpret_cast<char*>(mem() + at), n}; }
  std::string last_error() {
    auto n = call("last_error", {i32(60000), i32(5000)});
    return n >= 0 ? get(60000, static_cast<std::size_t>(n)) : "<fault>";
  }
  // Puts `s` at `at` and returns (ptr, len) values.
  std::pair<Value, Value> str(std::uint32_t at, std::string_view s) {
    put(at, s);
    return {i32(at), i32(static_cast<std::int64_t>(s.size()))};
  }

  TriggerAction action_;
  WorkflowContext workflow_;
  HostServices services_;
  std::optional<HostRun> run_;
  wasm::Linker linker_;
  std::shared_ptr<wasm::Instance> instance_;
};

TEST_F(HostTest, SignaturesMatchTheDocumentedTable) {
  // docs/component-abi.md, "Imports of wavs_v1", row by row.
  const std::pair<std::string_view, std::string_view> documented[] = {
      {"respond", "(i32 i32 i64 i32 i32 i32) -> (i32)"},
      {"log", "(i32 i32 i32) -> (i32)"},
      {"config_var", "(i32 i32 i32 i32) -> (i64)"},
      {"service_info", "(i32 i32) -> (i64)"},
      {"chain_config", "(i32 i32 i32 i32) -> (i64)"},
      {"event_id", "(i32 i32 i32 i32) -> (i32)"},
      {"http_request", "(i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) -> (i64)"},
      {"chain_rpc", "(i32 i32 i32 i32 i32 i32 i32 i32) -> (i64)"},
      {"kv_get", "(i32 i32 i32 i32 i32 i32) -> (i64)"},
      {"kv_set", "(i32 i32 i32 i32 i32 i32) -> (i32)"},
      {"kv_delete", "(i32 i32 i32 i32) -> (i32)"},
      {"kv_increment", "(i32 i32 i32 i32 i64 i32) -> (i32)"},
      {"kv_list", "(i32 i32 i32 i32 i32 i32 i32) -> (i64)"},
      {"result_take", "(i32 i32) -> (i64)"},
      {"last_error", "(i32 i32) -> (i64)"},
  };
  const auto table = wavs_v1_functions();
  ASSERT_EQ(table.size(), std::size(documented));
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i].name, documented[i].first) << i;
    EXPECT_EQ(wasm::to_string(table[i].type), documented[i].second) << table[i].name;
  }
}

TEST_F(HostTest, RespondRecordsOneResponseWithTheTriggerEventId) {
  start();
  auto [p, n] = str(100, "payload");
  EXPECT_EQ(call("respond", {p, n, i64(0), i32(0), i32(0), i32(0)}), 0);
  ASSERT_EQ(run_->responses().size(), 1u);
  const auto& r = run_->responses()[0];
  EXPECT_EQ(std::string(r.payload.begin(), r.payload.end()), "payload");
  EXPECT_FALSE(r.ordering);
  EXPECT_FALSE(r.salt);
  EXPECT_EQ(r.event_id, *event_id(workflow_.service_id, "default", action_.data));
}

TEST_F(HostTest, OrderingIsUnsigned) {
  start();
  EXPECT_EQ(call("respond", {i32(0), i32(0), i64(-1), i32(1), i32(0), i32(0)}), 0);
  EXPECT_EQ(run_->responses()[0].ordering, UINT64_MAX);
}

TEST_F(HostTest, SecondResponseNeedsSaltsOnBoth) {
  start();
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(0), i32(0), i32(0)}), 0);
  put(200, "a");
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(200), i32(1)}), kInvalid);
  EXPECT_NE(last_error().find("salt"), std::string::npos);
  EXPECT_EQ(run_->responses().size(), 1u);
}

TEST_F(HostTest, SaltedResponsesNeedDistinctSalts) {
  start();
  put(200, "ab");
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(200), i32(1)}), 0);
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(201), i32(1)}), 0);
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(200), i32(1)}), kInvalid);
  ASSERT_EQ(run_->responses().size(), 2u);
  EXPECT_EQ(run_->responses()[0].event_id, *event_id_salted(workflow_.service_id, "default", Bytes{'a'}));
  EXPECT_NE(run_->responses()[0].event_id, run_->responses()[1].event_id);
  // A response without salt after salted ones is refused too.
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(0), i32(0), i32(0)}), kInvalid);
}

TEST_F(HostTest, RespondRejectsBadFlagsSaltsAndRanges) {
  start();
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(4), i32(0), i32(0)}), kInvalid);
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(0), i32(0)}), kInvalid);   // empty salt
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(0), i32(65)}), kInvalid);  // salt over 64
  EXPECT_EQ(call("respond", {i32(kPage - 1), i32(2), i64(0), i32(0), i32(0), i32(0)}), kFault);
  EXPECT_EQ(call("respond", {i32(-1), i32(-1), i64(0), i32(0), i32(0), i32(0)}), kFault);  // 64-bit checked
  EXPECT_EQ(call("respond", {i32(0), i32(1), i64(0), i32(2), i32(kPage), i32(1)}), kFault);
  EXPECT_TRUE(run_->responses().empty());
}

TEST_F(HostTest, RespondLimits) {
  HostLimits limits;
  limits.max_payload_bytes = 100;
  limits.max_responses = 3;
  limits.max_total_payload_bytes = 250;
  start(limits);
  EXPECT_EQ(call("respond", {i32(0), i32(101), i64(0), i32(0), i32(0), i32(0)}), kLimit);
  put(300, "abcd");
  EXPECT_EQ(call("respond", {i32(0), i32(100), i64(0), i32(2), i32(300), i32(1)}), 0);
  EXPECT_EQ(call("respond", {i32(0), i32(100), i64(0), i32(2), i32(301), i32(1)}), 0);
  EXPECT_EQ(call("respond", {i32(0), i32(100), i64(0), i32(2), i32(302), i32(1)}), kLimit);  // total 300 > 250
  EXPECT_EQ(call("respond", {i32(0), i32(50), i64(0), i32(2), i32(302), i32(1)}), 0);
  EXPECT_EQ(call("respond", {i32(0), i32(0), i64(0), i32(2), i32(303), i32(1)}), kLimit);  // a 4th response
}

TEST_F(HostTest, BufferConventionWritesOrKeepsPending) {
  start();
  auto [kp, kn] = str(100, "big");
  // Too small: nothing written, size returned, kept pending.
  std::memset(mem() + 1000, 0xAA, 16);
  EXPECT_EQ(call("config_var", {kp, kn, i32(1000), i32(16)}), 3000);
  EXPECT_EQ(static_cast<std::uint8_t>(mem()[1000]), 0xAA);
  EXPECT_EQ(call("result_take", {i32(2000), i32(10)}), 3000);  // still too small; still pending
  EXPECT_EQ(call("result_take", {i32(2000), i32(3000)}), 3000);
  EXPECT_EQ(get(2000, 3000), std::string(3000, 'x'));
  EXPECT_EQ(call("result_take", {i32(6000), i32(3000)}), 3000);  // not consumed
  // Any other call ends the pending result.
  auto [gp, gn] = str(100, "greeting");
  EXPECT_EQ(call("config_var", {gp, gn, i32(1000), i32(16)}), 5);
  EXPECT_EQ(get(1000, 5), "hello");
  EXPECT_EQ(call("result_take", {i32(2000), i32(3000)}), kNotFound);
}

TEST_F(HostTest, SizeOnlyQueryWithZeroCapacity) {
  start();
  auto [kp, kn] = str(100, "greeting");
  EXPECT_EQ(call("config_var", {kp, kn, i32(0), i32(0)}), 5);
  EXPECT_EQ(call("result_take", {i32(500), i32(5)}), 5);
  EXPECT_EQ(get(500, 5), "hello");
}

TEST_F(HostTest, LastErrorKeepsTheMessageUntilTheNextFailure) {
  start();
  EXPECT_EQ(call("last_error", {i32(0), i32(0)}), 0);  // nothing failed yet
  auto [kp, kn] = str(100, "nope");
  EXPECT_EQ(call("config_var", {kp, kn, i32(1000), i32(16)}), kNotFound);
  const std::string msg = last_error();
  EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
  // Too small a buffer: nothing written and nothing pending; the message stays.
  EXPECT_EQ(call("last_error", {i32(1000), i32(2)}), static_cast<std::int64_t>(msg.size()));
  EXPECT_EQ(call("result_take", {i32(0), i32(0)}), kNotFound);
  // result_take's own failure replaced it; successful calls never clear it.
  EXPECT_NE(last_error().find("pending"), std::string::npos);
  auto [gp, gn] = str(100, "greeting");
  EXPECT_EQ(call("config_var", {gp, gn, i32(1000), i32(16)}), 5);
  EXPECT_NE(last_error().find("pending"), std::string::npos);
  // A bad buffer is a fault and does not replace the message.
  EXPECT_EQ(call("last_error", {i32(kPage), i32(10)}), kFault);
  EXPECT_NE(last_error().find("pending"), std::string::npos);
}

TEST_F(HostTest, LogValidatesLevelAndRecordsSanitisedText) {
  start();
  auto [p, n] = str(100, "caf\xc3\xa9 \xff!");
  EXPECT_EQ(call("log", {i32(2), p, n}), 0);
  EXPECT_EQ(call("log", {i32(5), p, n}), kInvalid);
  EXPECT_EQ(call("log", {i32(-1), p, n}), kInvalid);
  EXPECT_EQ(call("log", {i32(0), i32(kPage), i32(1)}), kFault);
  ASSERT_EQ(run_->logs().size(), 1u);
  EXPECT_EQ(run_->logs()[0].level, LogLevel::kInfo);
  EXPECT_EQ(run_->logs()[0].message, "caf\xc3\xa9 \xef\xbf\xbd!");
}

TEST_F(HostTest, LogMessagesAreCut) {
  HostLimits limits;
  limits.max_log_message_bytes = 10;
  start(limits);
  auto [p, n] = str(100, std::string(50, 'y'));
  EXPECT_EQ(call("log", {i32(3), p, n}), 0);
  EXPECT_EQ(run_->logs()[0].message, std::string(10, 'y'));
}

TEST_F(HostTest, ServiceInfoHoldsIdsAndManifest) {
  workflow_.service_id[0] = 0xab;
  action_.service_id = workflow_.service_id;
  start();
  auto n = call("service_info", {i32(1000), i32(4000)});
  ASSERT_GT(n, 0);
  const std::string json = get(1000, static_cast<std::size_t>(n));
  EXPECT_EQ(json, "{\"service_id\":\"ab" + std::string(62, '0') +
                      "\",\"workflow_id\":\"default\",\"service\":{\"name\":\"test\",\"workflows\":{}}}");
}

TEST_F(HostTest, EventIdWithAndWithoutSalt) {
  start();
  EXPECT_EQ(call("event_id", {i32(0), i32(0), i32(0), i32(1000)}), 0);
  EXPECT_EQ(get(1000, 20), std::string(reinterpret_cast<const char*>(event_id(workflow_.service_id, "default",
                                                                                action_.data)->data.data()),
                                        20));
  put(200, "a");
  EXPECT_EQ(call("event_id", {i32(2), i32(200), i32(1), i32(1000)}), 0);
  auto salted = *event_id_salted(workflow_.service_id, "default", Bytes{'a'});
  EXPECT_EQ(get(1000, 20), std::string(reinterpret_cast<const char*>(salted.data.data()), 20));
  EXPECT_EQ(call("event_id", {i32(1), i32(0), i32(0), i32(1000)}), kInvalid);
  EXPECT_EQ(call("event_id", {i32(2), i32(200), i32(0), i32(1000)}), kInvalid);
  EXPECT_EQ(call("event_id", {i32(0), i32(0), i32(0), i32(kPage - 19)}), kFault);
  EXPECT_TRUE(run_->responses().empty());  // records nothing
}

TEST_F(HostTest, ServicesAbsentAreUnavailable) {
  start();
  auto [bp, bn] = str(100, "bucket");
  auto [kp, kn] = str(200, "key");
  EXPECT_EQ(call("kv_get", {bp, bn, kp, kn, i32(1000), i32(10)}), kUnavailable);
  EXPECT_EQ(call("kv_set", {bp, bn, kp, kn, i32(0), i32(1)}), kUnavailable);
  EXPECT_EQ(call("kv_delete", {bp, bn, kp, kn}), kUnavailable);
  EXPECT_EQ(call("kv_increment", {bp, bn, kp, kn, i64(1), i32(1000)}), kUnavailable);
  EXPECT_EQ(call("kv_list", {bp, bn, i32(0), i32(0), i32(0), i32(1000), i32(10)}), kUnavailable);
  auto [cp, cn] = str(300, "evm:1");
  auto [mp, mn] = str(400, "eth_blockNumber");
  EXPECT_EQ(call("chain_rpc", {cp, cn, mp, mn, i32(0), i32(0), i32(1000), i32(10)}), kUnavailable);
  EXPECT_EQ(call("chain_config", {cp, cn, i32(1000), i32(10)}), kUnavailable);
  auto [up, un] = str(500, "https://example.com/");
  EXPECT_EQ(call("http_request", {i32(0), i32(0), up, un, i32(0), i32(0), i32(0), i32(0), i32(0), i32(1000), i32(10)}),
            kUnavailable);
}

TEST_F(HostTest, FaultsComeBeforeAvailability) {
  start();
  EXPECT_EQ(call("kv_get", {i32(kPage), i32(1), i32(0), i32(1), i32(1000), i32(10)}), kFault);
  EXPECT_EQ(call("kv_increment", {i32(0), i32(1), i32(0), i32(1), i64(1), i32(kPage - 7)}), kFault);
}

TEST_F(HostTest, KvThroughTheImports) {
  TempDir dir;
  auto store = KvStore::open(dir.path() / "kv.sqlite");
  ASSERT_TRUE(store) << store.error().message();
  services_.kv = store->get();
  start();
  auto [bp, bn] = str(100, "counts");
  auto [kp, kn] = str(200, "k1");
  auto [vp, vn] = str(300, "value-1");
  EXPECT_EQ(call("kv_get", {bp, bn, kp, kn, i32(1000), i32(100)}), kNotFound);
  EXPECT_EQ(call("kv_set", {bp, bn, kp, kn, vp, vn}), 0);
  EXPECT_EQ(call("kv_get", {bp, bn, kp, kn, i32(1000), i32(100)}), 7);
  EXPECT_EQ(get(1000, 7), "value-1");
  EXPECT_EQ(call("kv_increment", {bp, bn, kp, kn, i64(1), i32(1000)}), kType);
  auto [cp, cn] = str(400, "c");
  EXPECT_EQ(call("kv_increment", {bp, bn, cp, cn, i64(-5), i32(1000)}), 0);
  std::int64_t v = 0;
  std::memcpy(&v, mem() + 1000, 8);
  EXPECT_EQ(v, -5);
  EXPECT_EQ(call("kv_get", {bp, bn, cp, cn, i32(1000), i32(100)}), 2);
  EXPECT_EQ(get(1000, 2), "-5");
  // list: u32le length ‖ key, ascending.
  auto n = call("kv_list", {bp, bn, i32(0), i32(0), i32(0), i32(2000), i32(100)});
  ASSERT_EQ(n, 4 + 1 + 4 + 2);
  EXPECT_EQ(get(2000, 11), std::string("\x01\x00\x00\x00" "c" "\x02\x00\x00\x00" "k1", 11));
  EXPECT_EQ(call("kv_list", {bp, bn, cp, cn, i32(0), i32(2000), i32(100)}), 6);  // after "c"
  EXPECT_EQ(call("kv_delete", {bp, bn, kp, kn}), 1);
  EXPECT_EQ(call("kv_delete", {bp, bn, kp, kn}), 0);
  auto [badp, badn] = str(500, "Bad Bucket");
  EXPECT_EQ(call("kv_set", {badp, badn, kp, kn, vp, vn}), kInvalid);
}

TEST_F(HostTest, KvOfOneServiceIsInvisibleToAnother) {
  TempDir dir;
  auto store = KvStore::open(dir.path() / "kv.sqlite");
  ASSERT_TRUE(store);
  services_.kv = store->get();
  start();
  auto [bp, bn] = str(100, "b");
  auto [kp, kn] = str(200, "k");
  auto [vp, vn] = str(300, "secret");
  EXPECT_EQ(call("kv_set", {bp, bn, kp, kn, vp, vn}), 0);
  workflow_.service_id[31] = 1;
  action_.service_id = workflow_.service_id;
  start();
  str(100, "b");
  str(200, "k");
  EXPECT_EQ(call("kv_get", {bp, bn, kp, kn, i32(1000), i32(100)}), kNotFound);
  EXPECT_EQ(call("kv_list", {bp, bn, i32(0), i32(0), i32(0), i32(2000), i32(100)}), 0);
}

TEST_F(HostTest, ChainRpcChecksMethodParamsAndChain) {
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {"http://127.0.0.1:1"}));
  services_.chains = &chains;
  start();
  auto [cp, cn] = str(100, "evm:31337");
  auto [mp, mn] = str(200, "eth_sendRawTransaction");
  EXPECT_EQ(call("chain_rpc", {cp, cn, mp, mn, i32(0), i32(0), i32(1000), i32(10)}), kDenied);
  auto [m2p, m2n] = str(200, "eth_blockNumber");
  auto [pp, pn] = str(300, "{\"not\":\"an array\"}");
  EXPECT_EQ(call("chain_rpc", {cp, cn, m2p, m2n, pp, pn, i32(1000), i32(10)}), kInvalid);
  auto [xp, xn] = str(100, "evm:1");
  EXPECT_EQ(call("chain_rpc", {xp, xn, m2p, m2n, i32(0), i32(0), i32(1000), i32(10)}), kNotFound);
  auto [c2p, c2n] = str(100, "evm:31337");
  const std::string want = R"({"chain":"evm:31337","namespace":"evm","chain_id":"31337"})";
  EXPECT_EQ(call("chain_config", {c2p, c2n, i32(1000), i32(200)}), static_cast<std::int64_t>(want.size()));
  EXPECT_EQ(get(1000, want.size()), want);
}

TEST_F(HostTest, OutboundCallsShareOneBudget) {
  Chains chains;
  ASSERT_TRUE(chains.add("evm:31337", {"http://127.0.0.1:1"}));
  services_.chains = &chains;
  HostLimits limits;
  limits.max_outbound_calls = 2;
  start(limits);
  auto [cp, cn] = str(100, "evm:31337");
  auto [mp, mn] = str(200, "eth_blockNumber");
  // Port 1 refuses at once: network errors, but they count.
  EXPECT_EQ(call("chain_rpc", {cp, cn, mp, mn, i32(0), i32(0), i32(1000), i32(10)}), -7);
  EXPECT_EQ(call("chain_rpc", {cp, cn, mp, mn, i32(0), i32(0), i32(1000), i32(10)}), -7);
  EXPECT_EQ(call("chain_rpc", {cp, cn, mp, mn, i32(0), i32(0), i32(1000), i32(10)}), kLimit);
}

TEST_F(HostTest, HttpDeniedByDefaultPolicy) {
  OutboundHttp http;
  services_.http = &http;
  start();
  auto [up, un] = str(100, "https://example.com/");
  EXPECT_EQ(call("http_request", {i32(0), i32(0), up, un, i32(0), i32(0), i32(0), i32(0), i32(0), i32(1000), i32(10)}),
            kDenied);
  auto [hp, hn] = str(300, "Host: evil\r\n");
  EXPECT_EQ(call("http_request", {i32(0), i32(0), up, un, hp, hn, i32(0), i32(0), i32(0), i32(1000), i32(10)}), kInvalid);
  EXPECT_EQ(call("http_request", {i32(0), i32(0), up, un, i32(0), i32(0), i32(0), i32(0), i32(0), i32(kPage), i32(1)}),
            kFault);
  auto [bad, badn] = str(400, "\xff\xfe");
  EXPECT_EQ(call("http_request", {i32(0), i32(0), bad, badn, i32(0), i32(0), i32(0), i32(0), i32(0), i32(1000), i32(10)}),
            kInvalid);
}

}  // namespace
}  // namespace wavs::component
