#pragma once
// For the fuzz targets that drive a daemon's real routes (node_inputs_fuzz,
// aggregator_inputs_fuzz): what every answer to any request must satisfy. Aborts (the
// fuzzer's crash) when one does not. Header-only; nothing else includes it.

#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "httpd/message.hpp"

namespace wavs::httpd::fuzz {

// A status in 200..599 other than 500; errors in the {"error":{"code","message"}} shape;
// `secret` (a bearer token) never in the body unless the request spelt it itself (a 404
// names the path, an error may quote its input): the server must never volunteer it.
inline void check_answer(const Response& r, std::string_view raw_request, std::string_view secret) {
  if (r.status < 200 || r.status > 599 || r.status == 500) std::abort();
  if (r.body.find(secret) != std::string::npos && raw_request.find(secret) == std::string_view::npos) std::abort();
  if (r.status >= 400) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j["error"]["code"].is_string() || !j["error"]["message"].is_string()) std::abort();
  }
}

}  // namespace wavs::httpd::fuzz
