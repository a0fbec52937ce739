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

service::Manifest parsed(const std::string& text) {
  auto m = service::parse_manifest(text);
  EXPECT_TRUE(m) << m.error().message();
  return m ? std::move(*m) : service::Manifest{};
}

TEST(Manifest, ReadsTheExampleWorkflow) {
  const std::string text = example("http-fetch.json");
  ASSERT_FALSE(text.empty());
  const service::Manifest m = parsed(text);
  auto wf = workflow_context(m, "default");
  ASSERT_TRUE(wf) << wf.error().message();
  EXPECT_EQ(wf->workflow_id, "default");
  // The typed values are the manifest's own, not a copy re-read from text.
  EXPECT_EQ(wf->component, m.workflows.at("default").component);
  EXPECT_EQ(wf->trigger, m.workflows.at("default").trigger);
  const service::Component& c = wf->component;
  EXPECT_EQ(c.allowed_http_hosts, service::HttpHosts::only({"api.coingecko.com"}));
  EXPECT_FALSE(c.file_system);
  EXPECT_EQ(c.config.at("json_path"), "ethereum.usd");
  EXPECT_EQ(c.env_keys, std::vector<std::string>{"WAVS_ENV_API_KEY"});
  EXPECT_EQ(c.fuel_limit, 100000000u);
  EXPECT_EQ(c.time_limit_seconds, 20.0);
  EXPECT_EQ(service::trigger_to_json(wf->trigger), R"({"cron":{"schedule":"0 */5 * * * *"}})");
  EXPECT_EQ(wf->service_json, service::to_json(m));
}

TEST(Manifest, ServiceIdIsSha256OfChainAndManager) {
  // sha256("evm" ‖ "evm:31337" ‖ 0x5fbdb2315678afecb367f032d93f642f64180aa3), computed
  // independently with Python hashlib.
  auto wf = workflow_context(parsed(example("echo.json")), "default");
  ASSERT_TRUE(wf) << wf.error().message();
  EXPECT_EQ(wf->service_id.hex(HexPrefix::kNone),
            "76d41ff256803de151fce2ed99d145cf985af50e6def0809072e9f68932f5d11");
}

TEST(Manifest, ActionCarriesTheWorkflowsIdsAndTrigger) {
  auto wf = workflow_context(parsed(example("http-fetch.json")), "default");
  ASSERT_TRUE(wf) << wf.error().message();
  const TriggerAction action = wf->action(Cron{5});
  EXPECT_EQ(action.service_id, wf->service_id);
  EXPECT_EQ(action.workflow_id, "default");
  EXPECT_EQ(action.trigger, wf->trigger);
  EXPECT_EQ(action.data, TriggerData(Cron{5}));
  // The guest's config.trigger is the manifest's canonical form.
  EXPECT_NE(to_json(action).find(R"("trigger":{"cron":{"schedule":"0 */5 * * * *"}})"), std::string::npos)
      << to_json(action);
}

TEST(Manifest, ErrorsNameTheField) {
  const std::string head =
      R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},)";
  const std::string digest =
      R"("source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"})";
  struct Case {
    std::string json;
    const char* field;
  } cases[] = {
      {head + R"("workflows":{"other":{"component":{)" + digest + "}}}}",
       "workflows: no workflow \"default\""},
      {head +
           R"("workflows":{"default":{"component":{"permissions":{"allowed_http_hosts":{"only":["a:99999"]}},)" +
           digest + "}}}}",
       "workflows.default.component.permissions.allowed_http_hosts: only[0]"},
  };
  for (const auto& c : cases) {
    auto r = workflow_context(parsed(c.json), "default");
    ASSERT_FALSE(r) << c.json;
    EXPECT_TRUE(r.error().is(ComponentErrc::kBadContext));
    EXPECT_NE(r.error().message().find(c.field), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace wavs::component
