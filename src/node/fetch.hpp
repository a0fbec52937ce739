#pragma once
// Fetching what a service is made of: its manifest, from the URI its Service Manager
// publishes (getServiceURI()), and the components the manifest names.
//
//   node::Fetcher fetcher({.ipfs_gateway = settings.ipfs_gateway});
//   auto got = fetcher.fetch_manifest(uri, manager, stop);      // parsed, checked
//   auto digests = fetcher.fetch_components(got->manifest, *store, stop);
//
// Where a manifest comes from:
//   http(s)://…             libcurl, redirects only to http(s) (at most kMaxRedirects)
//   ipfs://<cid>[/path]     through the configured gateway: <gateway>/<cid>[/path]
//   <local origin>/dev/services/<hash>
//                           the node's own dev route, answered by the lookup the caller
//                           registers (set_dev_source) instead of an HTTP call to itself
// Every fetch has a connect timeout, a total timeout and a size cap, and ends at once
// (kStopped) when its stop token is requested. Errors name the URI as uri_for_errors
// shows it: scheme, host, port and path, never userinfo, query or fragment.
//
// Components: a source whose digest is already in the store is used as is (the store is
// content-addressed and checks every read); a `download` source is fetched (cap 64 MiB,
// like the store), its sha256 checked against the digest, then stored; a `digest`
// source that is not in the store is kNotFound; `registry` sources are kUnsupported.
//
// Contract: a Fetcher is immutable after set_dev_source and thread-safe; the calls block
// the calling thread (run them on a worker, never on an I/O context) for at most their
// timeout. The dev lookup is called on the fetching thread and must not block for long.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/store.hpp"
#include "node/error.hpp"
#include "service/manifest.hpp"

namespace wavs::node {

struct FetchLimits {
  static constexpr int kMaxRedirects = 5;
  std::size_t max_manifest_bytes = 1 << 20;
  std::size_t max_component_bytes = component::ComponentStore::kMaxComponentBytes;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds manifest_timeout{30'000};
  std::chrono::milliseconds component_timeout{300'000};
};

struct FetcherConfig {
  std::string ipfs_gateway;  // node::Settings::ipfs_gateway; empty: ipfs:// is kBadUri
  FetchLimits limits;
};

// A manifest as fetched: the parsed document, its bytes as published and their hash
// (service::manifest_hash; a new hash means an update).
struct FetchedManifest {
  service::Manifest manifest;
  std::string json;
  Hash256 hash;
};

class Fetcher {
 public:
  // The node's dev manifests by hash; nullopt when there is none.
  using DevLookup = std::function<std::optional<std::string>(const Hash256& manifest_hash)>;

  explicit Fetcher(FetcherConfig config);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // URIs "<origin>/dev/services/<64 hex>" whose origin ("http://127.0.0.1:8000") is one
  // of `origins` are answered by `lookup`; the bytes must hash to the URI's hash.
  void set_dev_source(DevLookup lookup, std::vector<std::string> origins);

  // The bytes at `uri`, at most `max_bytes` (kTooLarge beyond). kBadUri for a scheme
  // other than http, https or ipfs; kHttpStatus for a final status other than 200.
  [[nodiscard]] Result<std::string> fetch_bytes(std::string_view uri, std::size_t max_bytes,
                                                std::chrono::milliseconds timeout,
                                                const std::stop_token& cancel = {}) const;

  // Fetches (max_manifest_bytes, manifest_timeout), parses (service::parse_manifest: its
  // kBadJson / kBadManifest errors name the JSON path, prefixed with the URI) and checks
  // that the manifest's manager is `expected` (kWrongManager).
  [[nodiscard]] Result<FetchedManifest> fetch_manifest(std::string_view uri, const service::Manager& expected,
                                                       const std::stop_token& cancel = {}) const;

  // Makes `source`'s component available in `store` and returns its digest.
  [[nodiscard]] Result<Hash256> fetch_component(const service::ComponentSource& source,
                                                component::ComponentStore& store,
                                                const std::stop_token& cancel = {}) const;
  // Every workflow's component, in workflow order, each digest once. The first failure
  // is returned with the workflow it belongs to ("workflows.<id>.component.source: …").
  [[nodiscard]] Result<std::vector<Hash256>> fetch_components(const service::Manifest& manifest,
                                                              component::ComponentStore& store,
                                                              const std::stop_token& cancel = {}) const;

  [[nodiscard]] const FetcherConfig& config() const { return config_; }

 private:
  struct DevSource;
  FetcherConfig config_;
  std::unique_ptr<DevSource> dev_;
};

// ipfs://<cid>[/path] (or ipfs://ipfs/<cid>[/path]) → <gateway>/<cid>[/path], with one
// slash between gateway and cid. kBadUri when the gateway is not http(s), the cid is not
// 1–128 of [A-Za-z0-9], or the path has "..", a query, a fragment or bytes outside
// printable ASCII.
[[nodiscard]] Result<std::string> ipfs_gateway_url(std::string_view gateway, std::string_view ipfs_uri);

// "https://user:pw@host:8443/a/b?key=1#f" → "https://host:8443/a/b": what errors and logs
// may show of a URI.
[[nodiscard]] std::string uri_for_errors(std::string_view uri);

}  // namespace wavs::node
