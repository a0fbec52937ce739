#pragma once
// The aggregator's HTTP API: the routes of docs/http-api.md ("Aggregator routes") on an
// httpd::Router, answered by an aggregator::Aggregator — POST /packets (the nodes' signed
// results; the signature is the packet's authentication, so the route needs no bearer
// token), POST/DELETE/GET /services, /health, /info and the OpenAPI document.
//
//   httpd::Router router;
//   if (auto st = aggregator::add_routes(router, *agg); !st) return st;
//
// Every route that touches the chain or the database is blocking (it runs on the
// daemon's workers). Errors keep the shape {"error":{"code","message"}} with the status
// map of error_response(), chosen so a node's outbox retries what may succeed later (5xx)
// and drops what never will (4xx).
//
// Contract: the routes borrow `aggregator`, which must outlive the server and its workers.

#include <string_view>

#include "aggregator/aggregator.hpp"
#include "common/error.hpp"
#include "httpd/message.hpp"
#include "httpd/router.hpp"

namespace wavs::aggregator {

// kBadRoute as Router::add. `prefix` ("/aggregator") mounts the routes under it, for an
// aggregator hosted in a node's process beside the node's own routes (its packets URL is
// then "<node url>/aggregator"); the OpenAPI route is added only without a prefix.
[[nodiscard]] Status add_routes(httpd::Router& router, Aggregator& aggregator, std::string_view prefix = {});

// 400 malformed packet or bad signature, 403 unknown signer or weightless operator,
// 404 unknown service or workflow, 409 service registered already, 422 no destination or
// rejected by the contracts, 503 chain, storage, credential or chain configuration
// trouble (retry later); the node library's errors (fetching a manifest) as
// node::error_response maps them.
[[nodiscard]] httpd::Response error_response(const Error& error);

// The JSON body of a packet's answer (docs/http-api.md).
[[nodiscard]] std::string to_json(const PacketOutcome& outcome);

}  // namespace wavs::aggregator
