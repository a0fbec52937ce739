#include "httpd/router.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wavs::httpd {
namespace {

Handler ok() {
  return [](const Request&) { return Response::json(200, "{}"); };
}

Route route(Method m, std::string path) {
  return Route{.method = m, .path = std::move(path), .handler = ok()};
}

TEST(Router, RejectsMalformedPatterns) {
  Router r;
  for (const char* bad :
       {"", "services", "/a//b", "/a/", "/{}", "/{a", "/a{b}", "/{a-b}", "/{x}/{x}", "/a?b", "/a%20"}) {
    auto st = r.add(route(Method::kGet, bad));
    ASSERT_FALSE(st) << bad;
    EXPECT_TRUE(st.error().is(HttpdErrc::kBadRoute)) << bad;
  }
  EXPECT_FALSE(r.add(Route{.method = Method::kGet, .path = "/a"}));  // no handler
  EXPECT_FALSE(r.add(route(Method::kOther, "/a")));
  auto bad_schema = route(Method::kGet, "/a");
  bad_schema.doc.response_schema = "{not json";
  EXPECT_FALSE(r.add(bad_schema));
  EXPECT_TRUE(r.routes().empty());
}

TEST(Router, RejectsDuplicatesOfTheSameShape) {
  Router r;
  ASSERT_TRUE(r.add(route(Method::kGet, "/services/{chain}")));
  auto st = r.add(route(Method::kGet, "/services/{id}"));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("/services/{chain}"), std::string::npos);
  EXPECT_TRUE(r.add(route(Method::kPost, "/services/{id}")));   // another method
  EXPECT_TRUE(r.add(route(Method::kGet, "/services/signer")));  // a literal is another shape
}

TEST(Router, MatchesParametersDecoded) {
  Router r;
  ASSERT_TRUE(r.add(route(Method::kGet, "/services/{chain}/{address}")));
  auto m = r.match(Method::kGet, "/services/evm%3A31337/0xAb%2Fcd");
  ASSERT_TRUE(m);
  ASSERT_NE(m->route, nullptr);
  ASSERT_EQ(m->params.size(), 2u);
  EXPECT_EQ(m->params[0], (std::pair<std::string, std::string>{"chain", "evm:31337"}));
  EXPECT_EQ(m->params[1],
            (std::pair<std::string, std::string>{"address", "0xAb/cd"}));  // %2F stays in its segment

  for (const char* miss :
       {"/services/evm:1", "/services/evm:1/0x/extra", "/services//0x", "/services/evm:1/", "/"}) {
    auto none = r.match(Method::kGet, miss);
    ASSERT_TRUE(none) << miss;
    EXPECT_EQ(none->route, nullptr) << miss;
    EXPECT_TRUE(none->allowed.empty()) << miss;
  }
}

TEST(Router, BadPercentEncodingIsABadRequest) {
  Router r;
  ASSERT_TRUE(r.add(route(Method::kGet, "/a/{b}")));
  for (const char* bad : {"/a/%zz", "/a/%4", "/a/%", "a/b"}) {
    auto m = r.match(Method::kGet, bad);
    ASSERT_FALSE(m) << bad;
    EXPECT_TRUE(m.error().is(HttpdErrc::kBadRequest));
  }
}

TEST(Router, LiteralBeatsParameterWhereTheyFirstDiffer) {
  Router r;
  ASSERT_TRUE(r.add(route(Method::kPost, "/services/{chain}")));
  ASSERT_TRUE(r.add(route(Method::kPost, "/services/signer")));
  ASSERT_TRUE(r.add(route(Method::kGet, "/{x}/literal")));
  ASSERT_TRUE(r.add(route(Method::kGet, "/fixed/{y}")));

  auto m = r.match(Method::kPost, "/services/signer");
  ASSERT_TRUE(m && m->route);
  EXPECT_EQ(m->route->path, "/services/signer");
  m = r.match(Method::kPost, "/services/evm:1");
  ASSERT_TRUE(m && m->route);
  EXPECT_EQ(m->route->path, "/services/{chain}");
  m = r.match(Method::kGet, "/fixed/literal");
  ASSERT_TRUE(m && m->route);
  EXPECT_EQ(m->route->path, "/fixed/{y}");
}

TEST(Router, OtherMethodsOfAPathAreListed) {
  Router r;
  ASSERT_TRUE(r.add(route(Method::kGet, "/services")));
  ASSERT_TRUE(r.add(route(Method::kPost, "/services")));
  ASSERT_TRUE(r.add(route(Method::kDelete, "/services")));
  auto m = r.match(Method::kPut, "/services");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route, nullptr);
  EXPECT_EQ(m->allowed, (std::vector<Method>{Method::kGet, Method::kPost, Method::kDelete}));
}

TEST(Router, OpenApiListsEveryRouteWithItsMethodAndParameters) {
  Router r;
  ASSERT_TRUE(
      r.add(Route{.method = Method::kGet, .path = "/services", .handler = ok(), .summary = "All services"}));
  ASSERT_TRUE(r.add(Route{.method = Method::kPost,
                          .path = "/services",
                          .handler = ok(),
                          .write = true,
                          .summary = "Add a service",
                          .doc = {.request = "The service manager",
                                  .request_schema = R"({"type":"object","required":["service_manager"]})",
                                  .response = "Added",
                                  .success_status = 201}}));
  ASSERT_TRUE(r.add(Route{.method = Method::kGet,
                          .path = "/services/{chain}/{address}",
                          .handler = ok(),
                          .summary = "One service"}));
  ASSERT_TRUE(r.add(Route{.method = Method::kGet,
                          .path = "/metrics",
                          .handler = ok(),
                          .summary = "Prometheus metrics",
                          .doc = {.response_type = "text/plain; version=0.0.4"}}));

  const auto doc = nlohmann::json::parse(r.openapi_json("WAVS node", "1.2.3"));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["title"], "WAVS node");
  EXPECT_EQ(doc["info"]["version"], "1.2.3");

  std::size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) operations += item.size();
  EXPECT_EQ(operations, r.routes().size());

  for (const auto& route : r.routes()) {
    std::string method(to_string(route->method));
    for (auto& c : method) c = static_cast<char>(std::tolower(c));
    ASSERT_TRUE(doc["paths"].contains(route->path)) << route->path;
    ASSERT_TRUE(doc["paths"][route->path].contains(method)) << method << " " << route->path;
    const auto& op = doc["paths"][route->path][method];
    EXPECT_EQ(op["summary"], route->summary);
    EXPECT_TRUE(op["responses"].contains("default"));
    EXPECT_EQ(op.contains("security"), route->write);
  }

  const auto& one = doc["paths"]["/services/{chain}/{address}"]["get"];
  ASSERT_EQ(one["parameters"].size(), 2u);
  EXPECT_EQ(one["parameters"][0]["name"], "chain");
  EXPECT_EQ(one["parameters"][0]["in"], "path");
  EXPECT_EQ(one["parameters"][0]["required"], true);
  EXPECT_EQ(one["parameters"][1]["name"], "address");

  const auto& add = doc["paths"]["/services"]["post"];
  EXPECT_EQ(add["requestBody"]["content"]["application/json"]["schema"]["required"][0], "service_manager");
  EXPECT_TRUE(add["responses"].contains("201"));
  EXPECT_TRUE(add["responses"].contains("401"));
  EXPECT_FALSE(doc["paths"]["/services"]["get"].contains("requestBody"));
  EXPECT_TRUE(
      doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"].contains("text/plain; version=0.0.4"));
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
  EXPECT_TRUE(doc["components"]["schemas"]["Error"]["properties"].contains("error"));
}

}  // namespace
}  // namespace wavs::httpd
