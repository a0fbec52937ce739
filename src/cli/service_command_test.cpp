#include "cli/service_command.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/app.hpp"
#include "cli/test_support.hpp"
#include "wasi/test_support.hpp"

namespace wavs::cli {
namespace {

using test::Outcome;

Outcome invoke(const std::vector<std::string>& args) { return test::invoke_wavs({"service", "validate"}, args); }

std::string example(const char* name) {
  const char* src = std::getenv("WAVS_SOURCE_DIR");
  return std::string(src ? src : ".") + "/examples/services/" + name;
}

TEST(ServiceValidate, ExamplesAreValidWithTheirIds) {
  auto r = invoke({example("echo.json"), example("http-fetch.json")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("service id 76d41ff256803de151fce2ed99d145cf985af50e6def0809072e9f68932f5d11"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("workflow default: cron"), std::string::npos) << r.out;
}

TEST(ServiceValidate, JsonOutput) {
  auto r = invoke({"--json", example("square.json")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find(R"("workflows":{"default":"evm_contract_event"})"), std::string::npos) << r.out;
}

TEST(ServiceValidate, InvalidManifestsNameTheProblem) {
  wasi::test::TempDir dir;
  const auto bad = dir.write("bad.json", R"({"name":"x","workflows":{}})").string();
  auto r = invoke({bad});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("bad.json: "), std::string::npos) << r.err;
  const auto port = dir.write("port.json", R"({"name":"x",
    "manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
    "workflows":{"default":{"component":{"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"},
      "permissions":{"allowed_http_hosts":{"only":["api.example.com:99999"]}}}}}})").string();
  r = invoke({port});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("allowed_http_hosts"), std::string::npos) << r.err;
  EXPECT_EQ(invoke({(dir.path() / "missing.json").string()}).code, kExitUsage);
}

TEST(ServiceValidate, UnknownFieldsAreWarnings) {
  wasi::test::TempDir dir;
  const auto f = dir.write("typo.json", R"({"name":"x","statsu":"active",
    "manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},
    "workflows":{"default":{"component":{"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000000"}}}}})").string();
  auto r = invoke({f});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("warning: unknown field statsu"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace wavs::cli
