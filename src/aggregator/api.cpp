#include "aggregator/api.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "eth/uint256.hpp"
#include "node/api.hpp"
#include "node/signer.hpp"

#ifndef WAVS_VERSION
#define WAVS_VERSION "dev"
#endif

namespace wavs::aggregator {
namespace {

using httpd::Method;
using httpd::Request;
using httpd::Response;
using Json = nlohmann::ordered_json;

Response ok(const Json& body, unsigned status = 200) { return Response::json(status, body.dump()); }

Json manager_json(const service::Manager& m) {
  return Json{{"evm", Json{{"chain", m.chain.str()}, {"address", m.address.hex()}}}};
}

Json service_json(const ServiceView& v) {
  Json o;
  o["id"] = v.record.service_id.hex(HexPrefix::kNone);
  o["name"] = v.manifest.name;
  o["manager"] = manager_json(v.record.manager);
  o["manifest_hash"] = v.record.manifest_hash.hex(HexPrefix::kNone);
  Json workflows = Json::object();
  for (const auto& [id, wf] : v.manifest.workflows) {
    Json dests = Json::array();
    for (const auto& d : wf.submit.evm_contracts) dests.push_back({{"chain", d.chain.str()}, {"address", d.address.hex()}});
    workflows[id] = Json{{"evm_contracts", std::move(dests)}};
  }
  o["workflows"] = std::move(workflows);
  return o;
}

constexpr const char* kManagerBodySchema =
    R"({"type":"object","required":["service_manager"],"properties":{"service_manager":{"type":"object",)"
    R"("properties":{"evm":{"type":"object","properties":{"chain":{"type":"string"},"address":{"type":"string"}}}}}}})";

constexpr const char* kPacketSchema =
    R"({"type":"object","required":["service_id","service_manager","workflow_id","envelope","signature","signer"],)"
    R"("properties":{"service_id":{"type":"string"},"service_manager":{"type":"object"},"workflow_id":{"type":"string"},)"
    R"("envelope":{"type":"object","properties":{"event_id":{"type":"string"},"ordering":{"type":"string"},)"
    R"("payload":{"type":"string"}}},"signature":{"type":"string"},"signer":{"type":"string"},"origin":{"type":"object"}}})";

constexpr const char* kOutcomeSchema =
    R"({"type":"object","properties":{"status":{"type":"string","enum":["sent","aggregated","burned"]},)"
    R"("tx_hash":{"type":"string","nullable":true},"queue_id":{"type":"integer"},"count":{"type":"integer"},)"
    R"("signed_weight":{"type":"string"},"threshold_weight":{"type":"string"},"total_weight":{"type":"string"},)"
    R"("submitting":{"type":"boolean"}}})";

}  // namespace

std::string to_json(const PacketOutcome& o) {
  Json j;
  j["status"] = std::string(to_string(o.kind));
  j["tx_hash"] = o.tx_hash ? Json(o.tx_hash->hex()) : Json(nullptr);
  j["queue_id"] = o.queue_id;
  j["count"] = o.count;
  j["signed_weight"] = eth::to_decimal(o.signed_weight);
  if (o.kind == PacketOutcome::Kind::kAggregated) {
    j["threshold_weight"] = eth::to_decimal(o.threshold_weight);
    j["total_weight"] = eth::to_decimal(o.total_weight);
    j["submitting"] = o.submitting;
  }
  return j.dump();
}

Response error_response(const Error& e) {
  const std::string msg = e.message();
  if (e.code().category() != AggregatorErrc_category()) return node::error_response(e);
  switch (static_cast<AggregatorErrc>(e.code().value() - 1)) {
    case AggregatorErrc::kBadPacket:
      return Response::error(400, httpd::kBadRequest, msg);
    case AggregatorErrc::kBadSignature:
      return Response::error(400, "bad_signature", msg);
    case AggregatorErrc::kUnknownSigner:
      return Response::error(403, "unknown_signer", msg);
    case AggregatorErrc::kNoWeight:
      return Response::error(403, "no_weight", msg);
    case AggregatorErrc::kUnknownService:
    case AggregatorErrc::kUnknownWorkflow:
      return Response::error(404, httpd::kNotFound, msg);
    case AggregatorErrc::kServiceExists:
      return Response::error(409, httpd::kConflict, msg);
    case AggregatorErrc::kNoDestination:
      return Response::error(422, "no_destination", msg);
    case AggregatorErrc::kRejected:
      return Response::error(422, "rejected", msg);
    case AggregatorErrc::kNoChain:
    case AggregatorErrc::kNoCredential:
    case AggregatorErrc::kChain:
    case AggregatorErrc::kStorage:
    case AggregatorErrc::kStopped:
      spdlog::warn("aggregator api: {}", msg);
      return Response::error(503, httpd::kUnavailable, msg);
  }
  spdlog::error("aggregator api: {}", msg);
  return Response::error(500, httpd::kInternal, "internal error (see the aggregator's log)");
}

Status add_routes(httpd::Router& router, Aggregator& agg, std::string_view prefix) {
  const std::string at(prefix);
  std::vector<httpd::Route> routes;

  routes.push_back({.method = Method::kPost,
                    .path = at + "/packets",
                    .handler =
                        [&agg](const Request& r) {
                          auto packet = node::parse_packet(r.body);
                          if (!packet) {
                            return error_response(Error(AggregatorErrc::kBadPacket, packet.error().message()));
                          }
                          auto out = agg.submit_packet(*packet);
                          if (!out) return error_response(out.error());
                          return Response::json(200, to_json(*out));
                        },
                    .blocking = true,
                    .summary = "One operator's signed result: sent, aggregated or burned",
                    .doc = {.request = "A signed packet (docs/http-api.md, Packets)",
                            .request_schema = kPacketSchema,
                            .response = "What became of the packet's event",
                            .response_schema = kOutcomeSchema}});

  routes.push_back({.method = Method::kPost,
                    .path = at + "/services",
                    .handler =
                        [&agg](const Request& r) {
                          auto manager = node::parse_service_manager_body(r.body);
                          if (!manager) return error_response(manager.error());
                          auto added = agg.add_service(*manager);
                          if (!added) return error_response(added.error());
                          return ok(service_json(*added));
                        },
                    .write = true,
                    .blocking = true,
                    .summary = "Aggregate for a service: reads its manager's URI and manifest",
                    .doc = {.request = "The service's manager",
                            .request_schema = kManagerBodySchema,
                            .response = "The service as registered"}});

  routes.push_back({.method = Method::kDelete,
                    .path = at + "/services",
                    .handler =
                        [&agg](const Request& r) {
                          auto manager = node::parse_service_manager_body(r.body);
                          if (!manager) return error_response(manager.error());
                          auto removed = agg.remove_service(*manager);
                          if (!removed) return error_response(removed.error());
                          if (!*removed) {
                            return Response::error(404, httpd::kNotFound, "no such service is registered");
                          }
                          return ok(Json{{"removed", service::service_id(*manager).hex(HexPrefix::kNone)}});
                        },
                    .write = true,
                    .blocking = true,
                    .summary = "Stop aggregating for a service",
                    .doc = {.request = "The service's manager", .request_schema = kManagerBodySchema}});

  routes.push_back({.method = Method::kGet,
                    .path = at + "/services",
                    .handler =
                        [&agg](const Request&) {
                          Json list = Json::array();
                          for (const auto& s : agg.services()) list.push_back(service_json(s));
                          return ok(Json{{"services", std::move(list)}});
                        },
                    .summary = "The services this aggregator lands results for",
                    .doc = {.response = "Registered services"}});

  routes.push_back({.method = Method::kGet,
                    .path = at + "/health",
                    .handler =
                        [&agg](const Request&) {
                          Json chains = Json::object();
                          bool healthy = true;
                          for (const auto& c : agg.health()) {
                            chains[c.chain] = Json{{"ok", c.ok},
                                                   {"head", c.ok ? Json(c.block) : Json(nullptr)},
                                                   {"error", c.ok ? Json(nullptr) : Json(c.error)}};
                            healthy = healthy && c.ok;
                          }
                          return ok(Json{{"healthy", healthy}, {"chains", std::move(chains)}}, healthy ? 200 : 503);
                        },
                    .blocking = true,
                    .summary = "Per-chain RPC health (503 when a chain is unreachable)",
                    .doc = {.response = "Health of every configured chain"}});

  routes.push_back({.method = Method::kGet,
                    .path = at + "/info",
                    .handler =
                        [&agg](const Request&) {
                          auto s = agg.stats();
                          if (!s) return error_response(s.error());
                          auto submitter = agg.submitter();
                          Json o;
                          o["version"] = WAVS_VERSION;
                          o["submitter"] = submitter ? Json(submitter->to_checksum()) : Json(nullptr);
                          o["services"] = s->state.services;
                          o["queues"] = Json{{"pending", s->state.pending},
                                             {"submitting", s->state.submitting},
                                             {"submitted", s->state.submitted}};
                          o["packets"] = s->packets;
                          o["refused"] = s->refused;
                          o["sent"] = s->sent;
                          o["send_failures"] = s->send_failures;
                          return ok(o);
                        },
                    .blocking = true,
                    .summary = "Version, submitter address, queue and packet counts",
                    .doc = {.response = "Aggregator information"}});

  routes.push_back({.method = Method::kGet,
                    .path = at + "/metrics",
                    .handler =
                        [&agg](const Request&) {
                          return Response::text(200, agg.render_metrics(), std::string(Metrics::kContentType));
                        },
                    .blocking = true,  // the queue gauges come from SQLite
                    .summary = "Prometheus metrics",
                    .doc = {.response = "Metrics in the text exposition format",
                            .response_type = "text/plain; version=0.0.4"}});

  for (auto& r : routes) {
    if (auto st = router.add(std::move(r)); !st) return st;
  }
  // Inside a node the node's own document covers these routes too.
  if (!prefix.empty()) return {};
  return router.add({.method = Method::kGet,
                     .path = "/api-docs/openapi.json",
                     .handler =
                         [&router](const Request&) {
                           return Response::json(200, router.openapi_json("WAVS aggregator", WAVS_VERSION));
                         },
                     .summary = "This document",
                     .doc = {.response = "OpenAPI 3 document"}});
}

}  // namespace wavs::aggregator
