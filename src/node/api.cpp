#include "node/api.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "chain/error.hpp"
#include "component/error.hpp"
#include "component/trigger.hpp"
#include "node/error.hpp"
#include "node/fetch.hpp"
#include "node/metrics.hpp"
#include "node/node.hpp"
#include "node/state.hpp"
#include "service/error.hpp"

#ifndef WAVS_VERSION
#define WAVS_VERSION "dev"
#endif

namespace wavs::node {
namespace {

using chain::ChainErrc;
using component::ComponentErrc;
using httpd::Method;
using httpd::Request;
using httpd::Response;
using Json = nlohmann::ordered_json;
using service::ServiceErrc;

constexpr std::chrono::milliseconds kHealthTimeout{3'000};

// --- request bodies ---

Result<nlohmann::json> parse_body_text(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return Error(ServiceErrc::kBadJson, "request body: not JSON");
  if (!doc.is_object()) return Error(ServiceErrc::kBadJson, "request body: expected a JSON object");
  return doc;
}

Result<nlohmann::json> parse_body(const Request& r) { return parse_body_text(r.body); }

// {"evm": {"chain": "evm:31337", "address": "0x…"}} at `path`.
Result<service::Manager> parse_manager(const nlohmann::json& v, const std::string& path) {
  if (!v.is_object() || v.size() != 1 || !v.contains("evm") || !v["evm"].is_object()) {
    return Error(ServiceErrc::kBadManifest, path + ": expected {\"evm\": {\"chain\", \"address\"}}");
  }
  const auto& evm = v["evm"];
  if (!evm.contains("chain") || !evm["chain"].is_string()) {
    return Error(ServiceErrc::kBadManifest, path + ".evm.chain: expected a chain key like \"evm:31337\"");
  }
  auto chain = service::parse_chain_key(evm["chain"].get<std::string>());
  if (!chain) return chain.error().with_context(path + ".evm.chain");
  if (!evm.contains("address") || !evm["address"].is_string()) {
    return Error(ServiceErrc::kBadManifest, path + ".evm.address: expected a 0x-hex address");
  }
  auto address = service::Address::from_hex(evm["address"].get<std::string>());
  if (!address) return Error(ServiceErrc::kBadManifest, path + ".evm.address: expected 20 bytes of 0x-hex");
  return service::Manager{*chain, *address};
}

Result<service::Manager> manager_member(const nlohmann::json& body, const std::string& name) {
  if (!body.contains(name)) return Error(ServiceErrc::kBadManifest, name + ": missing");
  return parse_manager(body[name], name);
}

// A body whose `service_manager` names the service (POST /services, /services/signer,
// /services/reload, /dev/triggers); `body` receives the parsed document when given.
Result<service::Manager> body_manager(const Request& r, nlohmann::json* body = nullptr) {
  auto doc = parse_body(r);
  if (!doc) return doc.error();
  auto manager = manager_member(*doc, "service_manager");
  if (manager && body != nullptr) *body = std::move(*doc);
  return manager;
}

// The {chain}/{address} of a route.
Result<service::Manager> manager_from_path(const Request& r) {
  auto chain = service::parse_chain_key(r.param("chain"));
  if (!chain) return chain.error().with_context("path {chain}");
  auto address = service::Address::from_hex(r.param("address"));
  if (!address) return Error(ServiceErrc::kBadManifest, "path {address}: expected 20 bytes of 0x-hex");
  return service::Manager{*chain, *address};
}

// --- response bodies ---

Json manager_json(const service::Manager& m) {
  return Json{{"evm", Json{{"chain", m.chain.str()}, {"address", m.address.hex()}}}};
}

Json view_json(const ServiceView& v) {
  Json o;
  o["id"] = v.record.id.hex(HexPrefix::kNone);
  o["name"] = v.name;
  o["manager"] = manager_json(v.record.manager);
  o["status"] = std::string(to_string(v.record.status));
  o["hd_index"] = v.record.hd_index;
  o["signing_address"] = v.signing_address.to_checksum();
  o["manifest_hash"] = v.record.manifest_hash.hex(HexPrefix::kNone);
  o["last_load_error"] = v.record.last_load_error ? Json(*v.record.last_load_error) : Json(nullptr);
  Json digests = Json::array();
  for (const auto& d : v.component_digests) digests.push_back(d.hex(HexPrefix::kNone));
  o["component_digests"] = std::move(digests);
  o["manifest"] = Json::parse(v.record.manifest_json, nullptr, false);
  return o;
}

Json result_json(const ResultRecord& r) {
  Json o;
  o["seq"] = r.seq;
  o["event_id"] = r.event_id.hex();
  o["workflow_id"] = r.workflow_id;
  o["status"] = std::string(to_string(r.run.status));
  o["fuel"] = r.run.fuel;
  o["duration_us"] = r.run.duration.count();
  o["error"] = r.run.error.empty() ? Json(nullptr) : Json(r.run.error);
  o["tier"] = r.run.tier.empty() ? Json(nullptr) : Json(r.run.tier);
  o["finished_at_ms"] = r.finished_at_ms;
  return o;
}

Response ok(const Json& body, unsigned status = 200) { return Response::json(status, body.dump()); }

// --- OpenAPI schemas (kept small: what a client needs to call the route) ---

constexpr const char* kManagerSchema =
    R"({"type":"object","required":["evm"],"properties":{"evm":{"type":"object","required":["chain","address"],)"
    R"("properties":{"chain":{"type":"string","example":"evm:31337"},"address":{"type":"string"}}}}})";

std::string with_manager(std::string_view member) {
  return std::string(R"({"type":"object","required":[")") + std::string(member) + R"("],"properties":{")" +
         std::string(member) + R"(":)" + kManagerSchema + "}}";
}

constexpr const char* kServiceSchema =
    R"({"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"manager":{"type":"object"},)"
    R"("status":{"type":"string","enum":["active","paused"]},"hd_index":{"type":"integer"},)"
    R"("signing_address":{"type":"string"},"manifest_hash":{"type":"string"},"last_load_error":{"type":"string","nullable":true},)"
    R"("component_digests":{"type":"array","items":{"type":"string"}},"manifest":{"type":"object"}}})";

}  // namespace

Response error_response(const Error& e) {
  const std::string msg = e.message();
  auto is_any = [&](auto... codes) { return (e.is(codes) || ...); };
  if (is_any(StateErrc::kAlreadyExists)) return Response::error(409, httpd::kConflict, msg);
  if (is_any(StateErrc::kNotFound, NodeErrc::kUnknownService))
    return Response::error(404, httpd::kNotFound, msg);
  if (is_any(StateErrc::kInvalid)) return Response::error(409, httpd::kConflict, msg);
  if (is_any(NodeErrc::kTooLarge, ComponentErrc::kLimit))
    return Response::error(413, httpd::kPayloadTooLarge, msg);
  if (is_any(NodeErrc::kTimeout, ChainErrc::kTimeout)) return Response::error(504, httpd::kTimeout, msg);
  if (is_any(NodeErrc::kTransport, NodeErrc::kHttpStatus, NodeErrc::kStopped, ChainErrc::kTransport,
             ChainErrc::kHttpStatus, ChainErrc::kNoEndpoint, ChainErrc::kStopped, ChainErrc::kBadResponse,
             StateErrc::kConflict, StateErrc::kStorage)) {
    return Response::error(503, httpd::kUnavailable, msg);
  }
  if (is_any(ServiceErrc::kBadJson, ServiceErrc::kBadManifest, ServiceErrc::kBadChainKey, NodeErrc::kBadUri,
             NodeErrc::kWrongManager, NodeErrc::kDigestMismatch, NodeErrc::kUnsupported, NodeErrc::kNotFound,
             NodeErrc::kBadTrigger, NodeErrc::kStore, ComponentErrc::kInvalid, ComponentErrc::kBadTrigger,
             ComponentErrc::kBadContext, ComponentErrc::kNotFound, ChainErrc::kRpc, ChainErrc::kReverted,
             CommonErrc::kParse, CommonErrc::kHexBadDigit, CommonErrc::kHexOddLength,
             CommonErrc::kWrongLength) ||
      e.code().category().name() == std::string_view("wasm") ||
      e.code().category().name() == std::string_view("wasi")) {
    return Response::error(400, httpd::kBadRequest, msg);
  }
  spdlog::error("node api: {}", msg);
  return Response::error(500, httpd::kInternal, "internal error (see the node's log)");
}

Result<service::Manager> parse_service_manager_body(std::string_view body) {
  auto doc = parse_body_text(body);
  if (!doc) return doc.error();
  return manager_member(*doc, "service_manager");
}

Status add_routes(httpd::Router& router, Node& node) {
  auto add = [&](httpd::Route route) { return router.add(std::move(route)); };
  auto fail = [](const Error& e) { return error_response(e); };

  std::vector<httpd::Route> routes;

  routes.push_back(
      {.method = Method::kGet,
       .path = "/health",
       .handler =
           [&node](const Request&) {
             Json chains = Json::object();
             bool healthy = true;
             for (const auto& c : node.health(kHealthTimeout)) {
               Json o;
               o["ok"] = c.ok;
               o["head"] = c.head ? Json(*c.head) : Json(nullptr);
               o["cursor_block"] = c.cursor_block ? Json(*c.cursor_block) : Json(nullptr);
               o["error"] = c.ok ? Json(nullptr) : Json(c.error);
               healthy = healthy && c.ok;
               chains[c.chain] = std::move(o);
             }
             return ok(Json{{"healthy", healthy}, {"chains", std::move(chains)}}, healthy ? 200 : 503);
           },
       .blocking = true,
       .summary = "Per-chain RPC health (503 when a chain is unreachable)",
       .doc = {.response = "Health of every configured chain"}});

  routes.push_back({.method = Method::kGet,
                    .path = "/info",
                    .handler =
                        [&node](const Request&) {
                          auto c = node.counts();
                          Json o;
                          o["version"] = WAVS_VERSION;
                          o["operator"] = node.operator_address().to_checksum();
                          o["services"] = c.services;
                          o["pending_work"] = c.pending_work;
                          o["outbox"] = c.outbox;
                          return ok(o);
                        },
                    .blocking = true,  // counts() reads the state store: never on an I/O thread
                    .summary = "Version, operator address and queue sizes",
                    .doc = {.response = "Node information"}});

  routes.push_back({.method = Method::kGet,
                    .path = "/config",
                    .handler =
                        [&node](const Request&) {
                          const Settings& s = node.settings();
                          Json o;
                          o["host"] = s.api.host;
                          o["port"] = s.api.port;
                          o["data"] = s.shared.data;
                          o["log_level"] = std::string(to_string(s.shared.log.level));
                          o["log_format"] = s.shared.log.format == LogFormat::kJson ? "json" : "text";
                          o["max_wasm_fuel"] = s.max_wasm_fuel;
                          o["max_execution_seconds"] = s.max_execution_seconds;
                          o["max_memory_bytes"] = s.max_memory_bytes;
                          o["ipfs_gateway"] = uri_for_errors(s.ipfs_gateway);
                          o["dev_endpoints_enabled"] = s.dev_endpoints_enabled;
                          o["signing_mnemonic"] =
                              s.signing_mnemonic.empty() ? Json(nullptr) : Json("<redacted>");
                          o["bearer_token"] = s.bearer_token.empty() ? Json(nullptr) : Json("<redacted>");
                          // Endpoint URLs often carry API keys in their path or query:
                          // only the chain keys are shown.
                          Json chains = Json::array();
                          auto table = nlohmann::json::parse(
                              s.shared.chains_json.empty() ? "{}" : s.shared.chains_json, nullptr, false);
                          if (table.is_object()) {
                            for (const auto& [ns, ids] : table.items()) {
                              if (!ids.is_object()) continue;
                              for (const auto& [id, entry] : ids.items()) chains.push_back(ns + ":" + id);
                            }
                          }
                          o["chains"] = std::move(chains);
                          return ok(o);
                        },
                    .summary = "The node's settings, secrets and endpoint URLs redacted",
                    .doc = {.response = "Settings"}});

  routes.push_back({.method = Method::kGet,
                    .path = "/metrics",
                    .handler =
                        [&node](const Request&) {
                          return Response::text(200, node.metrics().render(), Metrics::kContentType);
                        },
                    .summary = "Prometheus metrics",
                    .doc = {.response = "Text exposition format 0.0.4",
                            .response_type = std::string(Metrics::kContentType)}});

  routes.push_back({.method = Method::kGet,
                    .path = "/api-docs/openapi.json",
                    .handler =
                        [&router](const Request&) {
                          return Response::json(200, router.openapi_json("WAVS node", WAVS_VERSION));
                        },
                    .summary = "This API as an OpenAPI 3 document",
                    .doc = {.response = "OpenAPI 3.0 document"}});

  routes.push_back(
      {.method = Method::kGet,
       .path = "/services",
       .handler =
           [&node, fail](const Request&) {
             auto list = node.services();
             if (!list) return fail(list.error());
             Json services = Json::array(), ids = Json::array(), digests = Json::array(),
                  details = Json::array();
             std::vector<std::string> seen;
             for (const auto& v : *list) {
               services.push_back(Json::parse(v.record.manifest_json, nullptr, false));
               ids.push_back(v.record.id.hex(HexPrefix::kNone));
               for (const auto& d : v.component_digests) {
                 std::string h = d.hex(HexPrefix::kNone);
                 if (std::find(seen.begin(), seen.end(), h) == seen.end()) {
                   seen.push_back(h);
                   digests.push_back(h);
                 }
               }
               details.push_back(view_json(v));
             }
             return ok(Json{{"services", std::move(services)},
                            {"service_ids", std::move(ids)},
                            {"component_digests", std::move(digests)},
                            {"registrations", std::move(details)}});
           },
       .summary = "Every registered service",
       .doc = {.response = "services (manifests), service_ids, component_digests, registrations"}});

  routes.push_back({.method = Method::kPost,
                    .path = "/services",
                    .handler =
                        [&node, fail](const Request& r) {
                          auto manager = body_manager(r);
                          if (!manager) return fail(manager.error());
                          auto added = node.add_service(*manager, r.cancel);
                          if (!added) return fail(added.error());
                          return ok(view_json(*added));
                        },
                    .write = true,
                    .blocking = true,
                    .summary = "Register a service: read its URI from the manager, fetch, verify, persist",
                    .doc = {.request = "The service's manager",
                            .request_schema = with_manager("service_manager"),
                            .response = "The registered service",
                            .response_schema = kServiceSchema}});

  routes.push_back(
      {.method = Method::kDelete,
       .path = "/services",
       .handler =
           [&node, fail](const Request& r) {
             auto body = parse_body(r);
             if (!body) return fail(body.error());
             if (!body->contains("service_managers") || !(*body)["service_managers"].is_array()) {
               return fail(Error(ServiceErrc::kBadManifest, "service_managers: expected a list"));
             }
             std::vector<service::Manager> managers;
             const auto& list = (*body)["service_managers"];
             for (std::size_t i = 0; i < list.size(); ++i) {
               auto m = parse_manager(list[i], "service_managers[" + std::to_string(i) + "]");
               if (!m) return fail(m.error());
               managers.push_back(*m);
             }
             Json removed = Json::array(), missing = Json::array();
             for (const auto& m : managers) {
               auto r2 = node.remove_service(m);
               if (r2) {
                 removed.push_back(r2->record.id.hex(HexPrefix::kNone));
               } else if (r2.error().is(StateErrc::kNotFound)) {
                 missing.push_back(manager_json(m));
               } else {
                 return fail(r2.error());
               }
             }
             if (removed.empty() && !missing.empty()) {
               return fail(Error(StateErrc::kNotFound, "none of the service managers is registered"));
             }
             return ok(Json{{"removed", std::move(removed)}, {"not_found", std::move(missing)}});
           },
       .write = true,
       .summary = "Remove services (their queued packets are still delivered)",
       .doc = {.request = "The managers of the services to remove",
               .request_schema = R"({"type":"object","required":["service_managers"],"properties":{)"
                                 R"("service_managers":{"type":"array","items":)" +
                                 std::string(kManagerSchema) + "}}}",
               .response = "removed (service ids) and not_found (managers)"}});

  routes.push_back({.method = Method::kGet,
                    .path = "/services/{chain}/{address}",
                    .handler =
                        [&node, fail](const Request& r) {
                          auto m = manager_from_path(r);
                          if (!m) return fail(m.error());
                          auto v = node.service(*m);
                          if (!v) return fail(v.error());
                          return ok(view_json(*v));
                        },
                    .summary = "One service, by its manager",
                    .doc = {.response = "The service", .response_schema = kServiceSchema}});

  routes.push_back({.method = Method::kGet,
                    .path = "/services/{chain}/{address}/results",
                    .handler =
                        [&node, fail](const Request& r) {
                          auto m = manager_from_path(r);
                          if (!m) return fail(m.error());
                          auto results = node.results(*m);
                          if (!results) return fail(results.error());
                          Json list = Json::array();
                          for (const auto& rr : *results) list.push_back(result_json(rr));
                          return ok(Json{{"results", std::move(list)}});
                        },
                    .blocking = true,
                    .summary = "A service's recent runs, newest first",
                    .doc = {.response = "results: event_id, workflow_id, status, fuel, duration_us, error, tier"}});

  routes.push_back(
      {.method = Method::kPost,
       .path = "/services/signer",
       .handler =
           [&node, fail](const Request& r) {
             auto manager = body_manager(r);
             if (!manager) return fail(manager.error());
             auto key = node.signer_of(*manager);
             if (!key) return fail(key.error());
             return ok(Json{{"hd_index", key->first}, {"evm_address", key->second.to_checksum()}});
           },
       .summary = "The signing key of a service: HD index and address",
       .doc = {.request = "The service's manager",
               .request_schema = with_manager("service_manager"),
               .response = "hd_index and evm_address"}});

  routes.push_back({.method = Method::kPost,
                    .path = "/services/reload",
                    .handler =
                        [&node, fail](const Request& r) {
                          auto manager = body_manager(r);
                          if (!manager) return fail(manager.error());
                          auto v = node.reload_service(*manager, r.cancel);
                          if (!v) return fail(v.error());
                          return ok(view_json(*v));
                        },
                    .write = true,
                    .blocking = true,
                    .summary = "Read the manager's service URI again and swap in a changed manifest",
                    .doc = {.request = "The service's manager",
                            .request_schema = with_manager("service_manager"),
                            .response = "The service after the reload",
                            .response_schema = kServiceSchema}});

  if (node.settings().dev_endpoints_enabled) {
    routes.push_back({.method = Method::kPost,
                      .path = "/dev/components",
                      .handler =
                          [&node, fail](const Request& r) {
                            auto digest = node.put_component(as_bytes(r.body));
                            if (!digest) return fail(digest.error());
                            return ok(Json{{"digest", digest->hex(HexPrefix::kNone)}});
                          },
                      .write = true,
                      .blocking = true,
                      .summary = "Upload a component (raw wasm); it must load",
                      .doc = {.request = "The component's WebAssembly binary",
                              .request_type = "application/wasm",
                              .response = "Its sha256 digest"}});
    routes.push_back(
        {.method = Method::kPost,
         .path = "/dev/services",
         .handler =
             [&node, fail](const Request& r) {
               auto hash = node.put_dev_manifest(r.body);
               if (!hash) return fail(hash.error());
               const std::string h = hash->hex(HexPrefix::kNone);
               const auto& s = node.settings();
               return ok(Json{{"hash", h},
                              {"uri", "http://" + s.api.host + ":" + std::to_string(node.api_port()) +
                                          "/dev/services/" + h}});
             },
         .write = true,
         .summary = "Store a manifest to be served at /dev/services/{hash}",
         .doc = {.request = "A service manifest", .response = "hash and the URI to set on the manager"}});
    routes.push_back({.method = Method::kGet,
                      .path = "/dev/services/{hash}",
                      .handler =
                          [&node, fail](const Request& r) {
                            auto hash = Hash256::from_hex(r.param("hash"));
                            if (!hash)
                              return fail(
                                  Error(NodeErrc::kNotFound, "path {hash}: expected 32 bytes of hex"));
                            auto m = node.dev_manifest(*hash);
                            if (!m) return Response::error(404, httpd::kNotFound, m.error().message());
                            return Response::json(200, std::move(*m));
                          },
                      .summary = "A manifest stored with POST /dev/services, as posted",
                      .doc = {.response = "The manifest"}});
    routes.push_back(
        {.method = Method::kPost,
         .path = "/dev/triggers",
         .handler =
             [&node, fail](const Request& r) {
               nlohmann::json body;
               auto manager = body_manager(r, &body);
               if (!manager) return fail(manager.error());
               std::string workflow = "default";
               if (body.contains("workflow_id")) {
                 if (!body["workflow_id"].is_string()) {
                   return fail(Error(ServiceErrc::kBadManifest, "workflow_id: expected a string"));
                 }
                 workflow = body["workflow_id"].get<std::string>();
               }
               if (!body.contains("data")) return fail(Error(ServiceErrc::kBadManifest, "data: missing"));
               auto data = component::parse_trigger_data(body["data"].dump());
               if (!data) return fail(data.error());
               auto work = node.fire(*manager, workflow, std::move(*data));
               if (!work) return fail(work.error());
               Json ids = Json::array();
               for (const auto& w : *work) ids.push_back(w.event_id.hex());
               return ok(Json{{"event_ids", std::move(ids)}});
             },
         .write = true,
         .blocking = true,
         .summary = "Fire a workflow by hand with the given trigger data",
         .doc = {.request = "service_manager, workflow_id (default \"default\"), data ({\"raw\": \"0x…\"} …)",
                 .response = "The event ids enqueued (none when seen before)"}});
  }

  for (auto& route : routes) {
    if (auto st = add(std::move(route)); !st) return st;
  }
  return Status{};
}

}  // namespace wavs::node
