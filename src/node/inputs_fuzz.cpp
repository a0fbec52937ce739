// What the node parses from outside, fed any bytes. The first byte picks the parser:
//   0  a packet (node::parse_packet): never crashes; what parses writes back (to_json) to
//      the same packet;
//   1  a chains table (node::parse_chain_endpoints): never crashes, errors name a key;
//   2+ an HTTP request to the node's real routes (node::add_routes on a Node opened once
//      on a temporary directory, no chain configured, dev routes off): never a 500 or a
//      status outside 200..599, every error is the JSON error shape, and no answer
//      carries the operator's mnemonic or the bearer token.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "httpd/fuzz_support.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "node/api.hpp"
#include "node/chain_config.hpp"
#include "node/node.hpp"
#include "node/signer.hpp"
#include "runtime/daemon.hpp"

namespace {

using namespace wavs;

constexpr const char* kMnemonic =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
constexpr const char* kToken = "fuzz-bearer-token";

struct Api {
  std::unique_ptr<runtime::Daemon> daemon;
  std::unique_ptr<node::Node> node;
  httpd::Router router;
  httpd::ServerConfig config;
};

Api& api() {
  static Api* instance = [] {
    auto* a = new Api;
    char dir[] = "/tmp/wavs-node-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    node::Settings s;
    s.shared.data = dir;
    s.api.host = "127.0.0.1";
    s.signing_mnemonic = Secret(kMnemonic);
    s.bearer_token = Secret(kToken);
    s.max_wasm_fuel = 1'000'000;
    s.max_execution_seconds = 1;
    s.max_memory_bytes = 1 << 20;
    s.ipfs_gateway = "https://ipfs.invalid/ipfs/";
    runtime::DaemonConfig dc;
    dc.handle_signals = false;
    dc.workers.threads = 1;
    a->daemon = std::make_unique<runtime::Daemon>(dc);
    auto n = node::Node::open(s, *a->daemon);
    if (!n) std::abort();
    a->node = std::move(*n);
    if (!node::add_routes(a->router, *a->node)) std::abort();
    a->config.bearer_token = Secret(kToken);
    a->config.max_body_bytes = 8192;
    return a;
  }();
  return *instance;
}

void packet(std::string_view text) {
  auto p = node::parse_packet(text);
  if (!p) {
    if (p.error().message().empty()) std::abort();
    return;
  }
  auto again = node::parse_packet(node::to_json(*p));
  if (!again || !(*again == *p)) std::abort();
}

void chains(std::string_view text) {
  auto c = node::parse_chain_endpoints(text);
  if (!c && c.error().message().empty()) std::abort();
}

void request(std::string_view raw) {
  Api& a = api();
  const httpd::Response r = httpd::handle_raw_request(raw, a.router, a.config);
  if (r.body.find("abandon abandon") != std::string::npos) std::abort();
  httpd::fuzz::check_answer(r, raw, kToken);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 0:
      packet(rest);
      break;
    case 1:
      chains(rest);
      break;
    default:
      request(rest);
      break;
  }
  return 0;
}
