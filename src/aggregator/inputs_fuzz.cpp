// What the aggregator parses from outside, fed any bytes. The first byte picks the input:
//   0  an aggregator component's responses (aggregator::parse_component_actions), one per
//      line: never crashes; a success has a destination per submit action and a delay
//      within the documented bound;
//   1+ an HTTP request to the aggregator's real routes (aggregator::add_routes on an
//      Aggregator opened once on a temporary directory, no chain configured, no
//      credential): never a 500 or a status outside 200..599, every error is the JSON
//      error shape, and no answer carries the bearer token unless the request did.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/aggregator.hpp"
#include "aggregator/api.hpp"
#include "httpd/fuzz_support.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"

namespace {

using namespace wavs;

constexpr const char* kToken = "fuzz-aggregator-token";

struct Api {
  std::unique_ptr<aggregator::Aggregator> agg;
  httpd::Router router;
  httpd::ServerConfig config;
};

Api& api() {
  static Api* a = [] {
    auto* out = new Api;
    char tmpl[] = "/tmp/wavs-agg-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    aggregator::AggregatorConfig c;
    c.data_dir = tmpl;
    auto opened = aggregator::Aggregator::open(std::move(c));
    if (!opened) std::abort();
    out->agg = std::move(*opened);
    if (!aggregator::add_routes(out->router, *out->agg)) std::abort();
    out->config.bearer_token = Secret(kToken);
    return out;
  }();
  return *a;
}

void actions(std::string_view text) {
  std::vector<Bytes> payloads;
  std::size_t start = 0;
  while (start <= text.size() && payloads.size() < 16) {
    const auto end = text.find('\n', start);
    const auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    payloads.emplace_back(line.begin(), line.end());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  auto r = aggregator::parse_component_actions(payloads);
  if (!r) return;
  if (r->destinations.size() > payloads.size()) std::abort();
  if (r->delay.count() < 0 || r->delay.count() > 3'600'000LL * 16) std::abort();
}

void request(std::string_view raw) {
  auto& a = api();
  httpd::fuzz::check_answer(httpd::handle_raw_request(raw, a.router, a.config), raw, kToken);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 0) {
    actions(rest);
  } else {
    request(rest);
  }
  return 0;
}
