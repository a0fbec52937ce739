#include "component/manifest.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace wavs::component {
namespace {

std::string example(const std::string& name) {
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  std::ifstream f(std::string(src ? src : ".") + "/examples/services/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Manifest, ReadsTheExampleWorkflow) {
  const std::string text = example("http-fetch.json");
  ASSERT_FALSE(text.empty());
  auto wf = workflow_from_manifest(text, "default");
  ASSERT_TRUE(wf) << wf.error().message();
  const auto& w = wf->context;
  EXPECT_EQ(w.workflow_id, "default");
  EXPECT_EQ(w.http.mode, HttpPolicy::Mode::kOnly);
  ASSERT_EQ(w.http.hosts.size(), 1u);
  EXPECT_EQ(w.http.hosts[0], "api.coingecko.com");
  EXPECT_FALSE(w.file_system);
  EXPECT_EQ(w.config.at("json_path"), "ethereum.usd");
  EXPECT_EQ(w.env_keys, std::vector<std::string>{"WAVS_ENV_API_KEY"});
  EXPECT_EQ(w.fuel_limit, 100000000u);
  EXPECT_EQ(w.time_limit_seconds, 20.0);
  EXPECT_EQ(wf->trigger_json, R"({"cron":{"schedule":"0 */5 * * * *"}})");
}

TEST(Manifest, ServiceIdIsSha256OfChainAndManager) {
  // sha256("evm" ‖ "evm:31337" ‖ 0x5fbdb2315678afecb367f032d93f642f64180aa3), computed
  // independently with Python hashlib.
  auto id = service_id_of_manifest(example("echo.json"));
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(id->hex(HexPrefix::kNone), "76d41ff256803de151fce2ed99d145cf985af50e6def0809072e9f68932f5d11");
}

TEST(Manifest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {"[]", "object"},
      {R"({"name":"x","workflows":{}})", "manager"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x12"}},"workflows":{}})", "manager.evm.address"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
          "workflows":{"other":{"component":{"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})",
       "no workflow"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
          "workflows":{"default":{"component":{"fuel_limit":-1,"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})",
       "workflows.default.component.fuel_limit"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
          "workflows":{"default":{"component":{"config":{"a":1},"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})",
       "workflows.default.component.config.a"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
          "workflows":{"default":{"component":{"env_keys":["HOME"],"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})",
       "WAVS_ENV_"},
      {R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
          "workflows":{"default":{"component":{"permissions":{"allowed_http_hosts":{"only":["a:99999"]}},"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})",
       "allowed_http_hosts"},
  };
  for (const auto& c : cases) {
    auto r = workflow_from_manifest(c.json, "default");
    ASSERT_FALSE(r) << c.json;
    EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext));
    EXPECT_NE(r.error().message().find(c.field), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace wavs::component
