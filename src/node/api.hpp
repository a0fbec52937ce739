#pragma once
// The node's HTTP API: the routes of docs/http-api.md ("Node") on an httpd::Router,
// answered by a node::Node. Upstream's routes and shapes (GET/POST/DELETE /services,
// /services/signer, /health, /info, /config, the dev routes) plus results, reload,
// /metrics and the OpenAPI document.
//
//   httpd::Router router;
//   if (auto st = node::add_routes(router, *node); !st) return st;
//   httpd::Server server(config, router, daemon.io(), &daemon.workers());
//
// Routes that call the chain, fetch or compile are blocking (they run on the daemon's
// workers with the server's handler deadline); write routes need the bearer token when
// one is configured; the dev routes exist only with dev_endpoints_enabled. Errors keep
// one shape, {"error":{"code","message"}}, with the status map of error_response().
//
// Contract: the routes borrow `node`, which must outlive the server and its workers.

#include <string_view>

#include "common/error.hpp"
#include "httpd/message.hpp"
#include "httpd/router.hpp"
#include "service/manifest.hpp"

namespace wavs::node {

class Node;

// Adds every node route to `router` (dev routes only when the node's settings enable
// them). kBadRoute as Router::add.
[[nodiscard]] Status add_routes(httpd::Router& router, Node& node);

// The HTTP answer for an error of the node's libraries: 400 bad input (JSON, manifest,
// URI, trigger, a chain that is not configured), 404 not found, 409 already registered or
// paused, 413 over a size cap, 503 the chain or a fetched server is unreachable, 504 a
// timeout, 500 anything else (its text is logged, not sent).
[[nodiscard]] httpd::Response error_response(const Error& error);

// The `service_manager` member of a request body, {"service_manager": {"evm": {"chain",
// "address"}}}: what POST /services takes here and on the aggregator. Errors are
// kBadJson / kBadManifest naming the member ("service_manager.evm.address: ...").
[[nodiscard]] Result<service::Manager> parse_service_manager_body(std::string_view body);

}  // namespace wavs::node
