#include "service/manifest.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace wavs::service {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::filesystem::path source_dir() {
  const char* s = std::getenv("WAVS_SOURCE_DIR");
  return s ? s : ".";
}

constexpr const char* kMinimal = R"({"name":"min","workflows":{"default":{"component":{"source":{"digest":
  "0000000000000000000000000000000000000000000000000000000000000001"}}}},
  "manager":{"evm":{"chain":"evm:31337","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}}})";

TEST(Manifest, EveryExampleParsesAndRoundTrips) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() / "examples/services")) {
    const std::string text = read(e.path());
    auto m = parse_manifest(text);
    ASSERT_TRUE(m) << e.path() << ": " << m.error().message();
    EXPECT_TRUE(m->unknown_fields.empty()) << e.path() << ": " << m->unknown_fields.front();
    auto again = parse_manifest(to_json(*m));
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, *m) << e.path();
    EXPECT_EQ(to_json(*again), to_json(*m));
    ++n;
  }
  EXPECT_GE(n, 5);
}

TEST(Manifest, ReadsTheFieldsOfAWorkflow) {
  auto m = parse_manifest(read(source_dir() / "examples/services/http-fetch.json"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->name, "http-fetch");
  EXPECT_TRUE(m->active);
  const Workflow& w = m->workflows.at("default");
  ASSERT_TRUE(std::holds_alternative<CronTrigger>(w.trigger));
  EXPECT_EQ(std::get<CronTrigger>(w.trigger).schedule, "0 */5 * * * *");
  EXPECT_EQ(w.component.allowed_http_hosts.mode, HttpHosts::Mode::kOnly);
  EXPECT_EQ(w.component.allowed_http_hosts.hosts, std::vector<std::string>{"api.coingecko.com"});
  EXPECT_EQ(w.component.fuel_limit, 100000000u);
  EXPECT_EQ(w.component.time_limit_seconds, 20.0);
  EXPECT_EQ(w.component.env_keys, std::vector<std::string>{"WAVS_ENV_API_KEY"});
  EXPECT_EQ(w.submit.kind, Submit::Kind::kAggregator);
  ASSERT_EQ(w.submit.evm_contracts.size(), 1u);
  EXPECT_EQ(w.submit.evm_contracts[0].chain.str(), "evm:31337");
  EXPECT_EQ(trigger_to_json(w.trigger), R"({"cron":{"schedule":"0 */5 * * * *"}})");
}

TEST(Manifest, ServiceIdMatchesUpstreamDerivation) {
  // sha256("evm" ‖ "evm:31337" ‖ address bytes), computed independently with Python.
  auto m = parse_manifest(kMinimal);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(service_id(m->manager).hex(HexPrefix::kNone),
            "76d41ff256803de151fce2ed99d145cf985af50e6def0809072e9f68932f5d11");
  EXPECT_EQ(manifest_hash("{}").hex(HexPrefix::kNone),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(Manifest, DefaultsOfAMinimalManifest) {
  auto m = parse_manifest(kMinimal);
  ASSERT_TRUE(m);
  const Workflow& w = m->workflows.at("default");
  EXPECT_TRUE(std::holds_alternative<ManualTrigger>(w.trigger));
  EXPECT_EQ(w.component.allowed_http_hosts.mode, HttpHosts::Mode::kNone);
  EXPECT_FALSE(w.component.file_system);
  EXPECT_FALSE(w.component.fuel_limit);
  EXPECT_EQ(w.submit.kind, Submit::Kind::kNone);
}

TEST(Manifest, UnknownMembersAreListedNotFatal) {
  std::string text = kMinimal;
  text.insert(text.find("\"source\""), R"("fuel_limt": 5, )");
  auto m = parse_manifest(text);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->unknown_fields.size(), 1u);
  EXPECT_EQ(m->unknown_fields[0], "workflows.default.component.fuel_limt");
}

TEST(Manifest, ErrorsNameThePath) {
  const std::string mgr = R"("manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}})";
  const std::string src = R"("source":{"digest":"0000000000000000000000000000000000000000000000000000000000000001"})";
  auto wf = [&](const std::string& component_extra, const std::string& workflow_extra = "") {
    return R"({"name":"x",)" + mgr + R"(,"workflows":{"default":{"component":{)" + src + component_extra + "}" +
           workflow_extra + "}}}";
  };
  struct Case {
    std::string json;
    const char* needle;
  } cases[] = {
      {"[1]", "expected a JSON object"},
      {"{\"name\":", "byte offset"},
      {R"({"workflows":{}})", "name: missing"},
      {R"({"name":"x","workflows":{"default":{}}})", "manager: missing"},
      {R"({"name":"x",)" + mgr + R"(,"workflows":{}})", "workflows: expected at least one"},
      {R"({"name":"x",)" + mgr + R"(,"workflows":{"Bad Id":{}}})", "workflows.Bad Id"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:one","address":"0x00"}},"workflows":{}})", "manager.evm.chain"},
      {wf(R"(,"fuel_limit":0)"), "workflows.default.component.fuel_limit"},
      {wf(R"(,"time_limit_seconds":-1)"), "workflows.default.component.time_limit_seconds"},
      {wf(R"(,"env_keys":["HOME"])"), "workflows.default.component.env_keys[0]"},
      {wf(R"(,"config":{"a":1})"), "workflows.default.component.config.a"},
      {wf(R"(,"permissions":{"allowed_http_hosts":"some"})"), "permissions.allowed_http_hosts"},
      {wf(R"(,"permissions":{"allowed_http_hosts":{"only":[""]}})"), "allowed_http_hosts.only[0]"},
      {wf("", R"(,"trigger":{"cron":{"schedule":"*/5 * * * *"}})"), "6 or 7 fields"},
      {wf("", R"(,"trigger":{"block_interval":{"chain":"evm:1","n_blocks":0}})"), "trigger.block_interval.n_blocks"},
      {wf("", R"(,"trigger":{"evm_contract_event":{"chain":"evm:1","address":"0x01","event_hash":"0x00"}})"),
       "trigger.evm_contract_event.address"},
      {wf("", R"(,"trigger":"sometimes")"), "unknown trigger"},
      {wf("", R"(,"submit":{"aggregator":{"url":"ftp://x","evm_contracts":[]}})"), "submit.aggregator.url"},
      {wf("", R"(,"submit":{"aggregator":{"url":"http://x","evm_contracts":[]}})"), "submit.aggregator.evm_contracts"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper"},
  };
  for (const auto& c : cases) {
    auto m = parse_manifest(c.json);
    ASSERT_FALSE(m) << c.json;
    EXPECT_NE(m.error().message().find(c.needle), std::string::npos) << c.json << "\n  " << m.error().message();
  }
}

TEST(Triggers, ParseIsTheInverseOfTheCanonicalForm) {
  const Trigger triggers[] = {
      ManualTrigger{},
      EvmContractEventTrigger{
          *parse_chain_key("evm:31337"), *Address::from_hex("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
          *Hash256::from_hex("0x86d6ee6e8e7da2e1bb2fd4d06e1e8af1d1cb3f6ea6d7d40de5d5bb02c67b5a6e")},
      BlockIntervalTrigger{*parse_chain_key("cosmos:neutron-1"), 10, 5, 500},
      CronTrigger{"0 */5 * * * *", std::nullopt, 1764086400000000000ull},
  };
  for (const auto& t : triggers) {
    const std::string json = trigger_to_json(t);
    auto back = parse_trigger(json);
    ASSERT_TRUE(back) << json << ": " << back.error().message();
    EXPECT_EQ(*back, t) << json;
    EXPECT_EQ(trigger_to_json(*back), json);
  }
  // Any member order and spacing reads the same; unknown members are dropped.
  auto spaced = parse_trigger(R"( {"block_interval": {"n_blocks": 10, "note": "x", "chain": "evm:31337"}} )");
  ASSERT_TRUE(spaced) << spaced.error().message();
  EXPECT_EQ(trigger_to_json(*spaced), R"({"block_interval":{"chain":"evm:31337","n_blocks":10}})");
}

TEST(Triggers, ParseErrorsNameThePathGiven) {
  struct Case {
    const char* json;
    const char* detail_start;
  } cases[] = {
      {R"("sometimes")", "config.trigger: unknown trigger"},
      {R"({"cron":{"schedule":"*/5 * * * *"}})", "config.trigger.cron.schedule: "},
      {R"({"block_interval":{"chain":"evm:x","n_blocks":1}})", "config.trigger.block_interval.chain: "},
      {R"({"k":{}})", "config.trigger: unknown trigger kind"},
      {"[1,", "config.trigger: invalid JSON"},
  };
  for (const auto& c : cases) {
    auto t = parse_trigger(c.json, "config.trigger");
    ASSERT_FALSE(t) << c.json;
    EXPECT_EQ(t.error().detail().rfind(c.detail_start, 0), 0u) << c.json << "\n  " << t.error().detail();
  }
  auto deep = parse_trigger(std::string(40, '[') + std::string(40, ']'));
  ASSERT_FALSE(deep);
  EXPECT_TRUE(deep.error().is(ServiceErrc::kBadJson));
}

TEST(ChainKeys, Rules) {
  EXPECT_EQ(parse_chain_key("evm:31337")->str(), "evm:31337");
  EXPECT_TRUE(parse_chain_key("cosmos:neutron-1"));
  for (auto bad : {"evm", ":1", "evm:", "EVM:1", "evm:0x1", "cosmos:a b"}) {
    auto r = parse_chain_key(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is(ServiceErrc::kBadChainKey));
  }
}

TEST(WorkflowIds, UpstreamRule) {
  EXPECT_TRUE(valid_workflow_id("default"));
  EXPECT_TRUE(valid_workflow_id("a-b_c"));
  EXPECT_FALSE(valid_workflow_id("ab"));
  EXPECT_FALSE(valid_workflow_id(std::string(37, 'a')));
  EXPECT_FALSE(valid_workflow_id("Upper"));
}

}  // namespace
}  // namespace wavs::service

namespace wavs::service {
namespace {

// 2.0 manifests name an aggregator component instead of a URL; both shapes parse and
// round-trip through the canonical form.
TEST(Manifest, SubmitAggregatorComponentShapeOf20) {
  std::string text = kMinimal;
  const std::string submit =
      R"("submit":{"aggregator":{"component":{"source":{"digest":"00000000000000000000000000000000000000000000000000000000000000aa"},"config":{"k":"v"}},"signature_kind":{"algorithm":"secp256k1","prefix":"eip191"}}}, )";
  text.insert(text.find("\"component\""), submit);
  auto m = parse_manifest(text);
  ASSERT_TRUE(m) << m.error().message();
  const Workflow& w = m->workflows.at("default");
  EXPECT_EQ(w.submit.kind, Submit::Kind::kAggregator);
  EXPECT_TRUE(w.submit.url.empty());
  ASSERT_TRUE(w.submit.component);
  EXPECT_EQ(w.submit.component->config.at("k"), "v");
  EXPECT_EQ(w.submit.signature_kind_json, R"({"algorithm":"secp256k1","prefix":"eip191"})");
  EXPECT_TRUE(m->unknown_fields.empty());
  auto again = parse_manifest(to_json(*m));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *m);
}

// A 1.x submit without `url`: the node sends to its configured aggregator_urls (several
// aggregators for one workflow); the document round-trips without inventing a url.
TEST(Manifest, AggregatorSubmitMayLeaveTheUrlToTheNode) {
  const std::string text =
      R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x0000000000000000000000000000000000000001"}},)"
      R"("workflows":{"default":{"component":{"source":{"digest":")" + std::string(64, 'a') + R"("}},)"
      R"("submit":{"aggregator":{"evm_contracts":[{"chain":"evm:1","address":"0x0000000000000000000000000000000000000002"}]}}}}})";
  auto m = parse_manifest(text);
  ASSERT_TRUE(m) << m.error().message();
  const auto& submit = m->workflows.at("default").submit;
  EXPECT_EQ(submit.kind, Submit::Kind::kAggregator);
  EXPECT_TRUE(submit.url.empty());
  ASSERT_EQ(submit.evm_contracts.size(), 1u);
  const std::string out = to_json(*m);
  EXPECT_EQ(out.find("\"url\""), std::string::npos) << out;
  auto again = parse_manifest(out);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, *m);
}

}  // namespace
}  // namespace wavs::service
