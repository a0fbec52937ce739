// Any bytes as one HTTP request: handle_raw_request never crashes or hangs, answers with
// a status from 200 to 599, and every error answer is the JSON error shape with a code.
// The router has literal, parameter, write and blocking routes, so parsing, limits,
// percent-decoding, matching, 404/405 and the bearer check are all reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "httpd/server.hpp"

namespace {

using namespace wavs::httpd;

const Router& router() {
  static const Router kRouter = [] {
    Router r;
    const auto echo = [](const Request& req) {
      return Response::json(200, nlohmann::json{{"params", req.params},
                                                {"q", req.query_param("q").value_or("")},
                                                {"body", req.body.size()}}
                                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    };
    const auto add = [&](Method m, const char* path, bool write, bool blocking) {
      if (!r.add({.method = m, .path = path, .handler = echo, .write = write, .blocking = blocking}))
        std::abort();
    };
    add(Method::kGet, "/services", false, false);
    add(Method::kPost, "/services", true, true);
    add(Method::kGet, "/services/{chain}/{address}", false, false);
    add(Method::kPost, "/services/signer", true, false);
    add(Method::kDelete, "/services", true, false);
    add(Method::kGet, "/dev/services/{hash}", false, true);
    return r;
  }();
  return kRouter;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ServerConfig kConfig = [] {
    ServerConfig c;
    c.bearer_token = wavs::Secret("fuzz-token");
    c.max_body_bytes = 4096;
    c.max_header_bytes = 2048;
    return c;
  }();
  const Response r =
      handle_raw_request(std::string_view(reinterpret_cast<const char*>(data), size), router(), kConfig);
  if (r.status < 200 || r.status > 599) std::abort();
  if (r.status >= 400) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j["error"]["code"].is_string() || !j["error"]["message"].is_string())
      std::abort();
    // The token must never come from the server's side; a request that spells it in
    // its own path may see it quoted back (regression: seed echo_of_own_path).
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (r.body.find("fuzz-token") != std::string::npos && input.find("fuzz-token") == std::string_view::npos)
      std::abort();
  }
  return 0;
}
