#include "httpd/message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wavs::httpd {
namespace {

TEST(Headers, LookupIgnoresCase) {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("X-Twice", "1");
  h.add("x-twice", "2");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(h.get("X-TWICE"), "1");
  EXPECT_FALSE(h.get("Content-Length"));
  h.set("X-Twice", "3");
  EXPECT_EQ(h.get("x-twice"), "3");
  EXPECT_EQ(h.fields().size(), 2u);
}

TEST(Methods, ParseIsExactAndRoundTrips) {
  for (const Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kDelete,
                         Method::kPatch, Method::kOptions}) {
    EXPECT_EQ(parse_method(to_string(m)), m);
  }
  EXPECT_EQ(parse_method("get"), Method::kOther);
  EXPECT_EQ(parse_method("BREW"), Method::kOther);
}

TEST(Request, ParamsAndQuery) {
  Request r;
  r.params = {{"chain", "evm:1"}};
  r.query = "a=1&b=two+words&c=%41%42&flag&bad=%zz&a=again";
  EXPECT_EQ(r.param("chain"), "evm:1");
  EXPECT_EQ(r.param("nope"), "");
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("b"), "two words");
  EXPECT_EQ(r.query_param("c"), "AB");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("bad"));
  EXPECT_FALSE(r.query_param("missing"));
}

TEST(Response, ErrorShapeIsEscapedJson) {
  auto r = Response::error(400, kBadRequest, "a \"quoted\"\n line \xff");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "bad_request");
  EXPECT_EQ(j["error"]["message"], "a \"quoted\"\n line \xef\xbf\xbd");
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j["error"].size(), 2u);
}

}  // namespace
}  // namespace wavs::httpd
