#include "cli/devnet_template.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/devnet_command.hpp"
#include "common/test_support.hpp"
#include "contracts/events.hpp"
#include "crypto/hash.hpp"
#include "service/manifest.hpp"

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kManager = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
constexpr const char* kTrigger = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
constexpr const char* kSubmit = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";

class DevnetTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    // Any bytes do: the template code only reads and hashes the file.
    wasm_ = dir_.write("examples/square-c.wasm", std::string("\0asm\1\0\0\0", 8));
    values_.chain_id = 31337;
    values_.service_manager = kManager;
    values_.trigger = kTrigger;
    values_.submit = kSubmit;
    values_.examples = dir_.path() / "examples";
    values_.aggregator_urls = {"http://127.0.0.1:8001"};
  }

  // A template around one workflow's members.
  ServiceTemplate with_workflow(const json& workflow) const {
    json doc = {{"name", "t"}, {"workflows", {{"default", workflow}}}, {"status", "active"}};
    return {"--service t.json", doc.dump(), dir_.path()};
  }

  static json square_workflow() {
    return json::parse(default_service_template().text).at("workflows").at("default");
  }

  test::TempDir dir_{"wavs-devnet-template"};
  fs::path wasm_;
  TemplateValues values_;
};

TEST_F(DevnetTemplateTest, TheDefaultIsTheSquareServiceOnTheDeployedContracts) {
  auto filled = fill_service_template(default_service_template(), values_);
  ASSERT_TRUE(filled) << filled.error().message();
  auto m = service::parse_manifest(filled->manifest);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->manager.chain.str(), "evm:31337");
  EXPECT_EQ(m->manager.address.hex(), kManager);
  const auto& wf = m->workflows.at("default");
  const auto& trigger = std::get<service::EvmContractEventTrigger>(wf.trigger);
  EXPECT_EQ(trigger.address.hex(), kTrigger);
  EXPECT_EQ(trigger.event_hash, contracts::event_topic<contracts::NewTrigger>());
  ASSERT_EQ(filled->components.size(), 1u);
  EXPECT_EQ(filled->components[0].file, wasm_);
  const std::string digest = crypto::sha256(filled->components[0].wasm).hex(HexPrefix::kNone);
  EXPECT_EQ(filled->components[0].digest, digest);
  EXPECT_EQ(wf.component.source.digest.hex(HexPrefix::kNone), digest);
  EXPECT_EQ(wf.submit.url, "http://127.0.0.1:8001");
  ASSERT_EQ(wf.submit.evm_contracts.size(), 1u);
  EXPECT_EQ(wf.submit.evm_contracts[0].address.hex(), kSubmit);
  EXPECT_TRUE(filled->unknown_fields.empty());
}

TEST_F(DevnetTemplateTest, SeveralAggregatorsLeaveTheUrlOut) {
  values_.aggregator_urls = {"http://127.0.0.1:8001", "http://127.0.0.1:8002"};
  auto wf = square_workflow();
  wf["submit"]["aggregator"]["url"] = "http://somewhere.else:1";  // the devnet's own member
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_TRUE(filled) << filled.error().message();
  EXPECT_FALSE(json::parse(filled->manifest)["workflows"]["default"]["submit"]["aggregator"].contains("url"));
}

TEST_F(DevnetTemplateTest, TheManagerIsAlwaysTheDeployedOne) {
  json doc = json::parse(default_service_template().text);
  doc["manager"] = {{"evm", {{"chain", "evm:1"}, {"address", kTrigger}}}};
  auto filled = fill_service_template({"t", doc.dump(), dir_.path()}, values_);
  ASSERT_TRUE(filled);
  EXPECT_EQ(json::parse(filled->manifest)["manager"]["evm"]["address"], kManager);
  EXPECT_EQ(json::parse(filled->manifest)["manager"]["evm"]["chain"], "evm:31337");
}

TEST_F(DevnetTemplateTest, PlaceholdersWorkInsideStringsAndDollarDollarIsLiteral) {
  auto wf = square_workflow();
  wf["component"]["config"] = {{"where", "chain ${chain_id} at ${submit}"}, {"literal", "$${trigger}"}};
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_TRUE(filled) << filled.error().message();
  const auto config = json::parse(filled->manifest)["workflows"]["default"]["component"]["config"];
  EXPECT_EQ(config["where"], std::string("chain 31337 at ") + kSubmit);
  EXPECT_EQ(config["literal"], "${trigger}");
}

TEST_F(DevnetTemplateTest, AnUnknownPlaceholderIsNamedWithItsPath) {
  auto wf = square_workflow();
  wf["component"]["config"] = {{"x", "${tigger}"}};
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_FALSE(filled);
  EXPECT_TRUE(filled.error().is(DevnetErrc::kBadInput));
  EXPECT_NE(filled.error().detail().find("--service t.json: workflows.default.component.config.x: unknown "
                                         "placeholder ${tigger}"),
            std::string::npos)
      << filled.error().detail();
}

TEST_F(DevnetTemplateTest, AnUnterminatedPlaceholderIsAnError) {
  auto wf = square_workflow();
  wf["component"]["config"] = {{"x", "${trigger"}};
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_FALSE(filled);
  EXPECT_NE(filled.error().detail().find("unterminated"), std::string::npos);
}

TEST_F(DevnetTemplateTest, RelativeFilesResolveAgainstTheTemplateAndRepeatsUploadOnce) {
  json wf = square_workflow();
  wf["component"]["source"] = {{"file", "examples/square-c.wasm"}};
  json doc = {{"name", "t"}, {"workflows", {{"default", wf}, {"second", wf}}}, {"status", "active"}};
  const fs::path file = dir_.write("service.json", doc.dump());
  auto tpl = read_service_template(file);
  ASSERT_TRUE(tpl) << tpl.error().message();
  auto filled = fill_service_template(*tpl, values_);
  ASSERT_TRUE(filled) << filled.error().message();
  ASSERT_EQ(filled->components.size(), 1u);
  EXPECT_EQ(filled->components[0].file, wasm_);
}

TEST_F(DevnetTemplateTest, AMissingComponentFileIsNamed) {
  auto wf = square_workflow();
  wf["component"]["source"] = {{"file", "${examples}/nope.wasm"}};
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_FALSE(filled);
  EXPECT_TRUE(filled.error().is(DevnetErrc::kMissing));
  EXPECT_NE(filled.error().detail().find("workflows.default.component.source.file"), std::string::npos);
  EXPECT_NE(filled.error().detail().find("nope.wasm does not exist"), std::string::npos);
}

TEST_F(DevnetTemplateTest, AFileSourceHasOnlyAPath) {
  auto wf = square_workflow();
  wf["component"]["source"]["digest"] = std::string(64, '0');
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_FALSE(filled);
  EXPECT_NE(filled.error().detail().find("workflows.default.component.source"), std::string::npos);
}

TEST_F(DevnetTemplateTest, AManifestThatDoesNotValidateIsReportedWithItsPath) {
  auto wf = square_workflow();
  wf["component"]["fuel_limit"] = -1;
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_FALSE(filled);
  EXPECT_TRUE(filled.error().is(DevnetErrc::kBadInput));
  EXPECT_NE(filled.error().detail().find("workflows.default.component.fuel_limit"), std::string::npos)
      << filled.error().detail();
}

TEST_F(DevnetTemplateTest, ATemplateFileThatIsNotJsonOrMissingIsRefused) {
  auto broken = read_service_template(dir_.write("broken.json", "{\"name\": "));
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().is(DevnetErrc::kBadInput));
  EXPECT_NE(broken.error().detail().find("broken.json: not JSON"), std::string::npos)
      << broken.error().detail();
  auto missing = read_service_template(dir_.path() / "missing.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail().find("missing.json: no such file"), std::string::npos);
}

TEST_F(DevnetTemplateTest, UnknownMembersAreListedNotFatal) {
  auto wf = square_workflow();
  wf["trigerr"] = 1;
  auto filled = fill_service_template(with_workflow(wf), values_);
  ASSERT_TRUE(filled) << filled.error().message();
  ASSERT_EQ(filled->unknown_fields.size(), 1u);
  EXPECT_NE(filled->unknown_fields[0].find("trigerr"), std::string::npos);
}

}  // namespace
}  // namespace wavs::cli
