#include "node/fetch.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "chain/http.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"

namespace wavs::node {
namespace {

constexpr std::string_view kDevServicesPath = "/dev/services/";
constexpr std::size_t kMaxShownUri = 256;
constexpr std::size_t kMaxCidLength = 128;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// The scheme, lower-cased, or empty when `uri` has none.
std::string scheme_of(std::string_view uri) {
  auto sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string_view scheme = uri.substr(0, sep);
  if (!std::all_of(scheme.begin(), scheme.end(),
                   [](char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; })) {
    return {};
  }
  return lower(scheme);
}

// "scheme://host:port" (lower-case, userinfo dropped) and the path, for matching the
// node's own dev route.
struct UriParts {
  std::string origin;
  std::string path;
};

UriParts split_uri(std::string_view uri) {
  UriParts parts;
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) return parts;
  std::string_view rest = uri.substr(sep + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  parts.origin = lower(uri.substr(0, sep)) + "://" + lower(authority);
  if (authority_end != std::string_view::npos) {
    std::string_view path = rest.substr(authority_end);
    parts.path = std::string(path.substr(0, path.find_first_of("?#")));
  }
  return parts;
}

std::string normalise_origin(std::string_view origin) {
  std::string out = lower(origin);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};

struct Sink {
  std::size_t max_bytes = 0;
  std::string body;
  bool overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  if (sink->body.size() + n > sink->max_bytes) {
    sink->overflow = true;
    return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

long clamp_ms(std::chrono::milliseconds ms) {
  return static_cast<long>(std::clamp<std::int64_t>(ms.count(), 1, std::int64_t{1} << 30));
}

// One GET of an http(s) URL. `shown` is what errors call it.
Result<std::string> http_get(const std::string& url, const std::string& shown, std::size_t max_bytes,
                             const FetchLimits& limits, std::chrono::milliseconds timeout,
                             const std::stop_token& cancel) {
  if (url.find('\0') != std::string::npos) return Error(NodeErrc::kBadUri, shown + ": contains NUL");
  chain::ensure_curl();
  std::unique_ptr<CURL, CurlDeleter> easy(curl_easy_init());
  if (!easy) return Error(NodeErrc::kTransport, shown + ": cannot allocate an HTTP handle");
  CURL* h = easy.get();
  Sink sink;
  sink.max_bytes = max_bytes;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(FetchLimits::kMaxRedirects));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, clamp_ms(limits.connect_timeout));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, clamp_ms(timeout));
  // Refused early when the server announces the length; the write callback bounds the
  // rest (chunked or close-delimited bodies, and decompressed bytes).
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "wavs-node");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);

  auto rc = static_cast<CURLcode>(chain::perform_transfer(h, nullptr, cancel));
  if (rc != CURLE_OK && cancel.stop_requested()) return Error(NodeErrc::kStopped, shown);
  switch (rc) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      return Error(NodeErrc::kTimeout,
                   shown + ": no complete answer within " + std::to_string(clamp_ms(timeout)) + " ms");
    case CURLE_FILESIZE_EXCEEDED:
      return Error(NodeErrc::kTooLarge, shown + ": over the cap of " + std::to_string(max_bytes) + " bytes");
    case CURLE_WRITE_ERROR:
      if (sink.overflow) {
        return Error(NodeErrc::kTooLarge,
                     shown + ": over the cap of " + std::to_string(max_bytes) + " bytes");
      }
      return Error(NodeErrc::kTransport, shown + ": " + curl_easy_strerror(rc));
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(NodeErrc::kBadUri, shown + ": redirected to a scheme other than http or https");
    case CURLE_TOO_MANY_REDIRECTS:
      return Error(NodeErrc::kTransport,
                   shown + ": more than " + std::to_string(FetchLimits::kMaxRedirects) + " redirects");
    default:
      return Error(NodeErrc::kTransport, shown + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return Error(NodeErrc::kHttpStatus, shown + ": HTTP " + std::to_string(status));
  return std::move(sink.body);
}

std::string describe(const service::Manager& manager) {
  return manager.chain.str() + " " + crypto::Address(manager.address).to_checksum();
}

}  // namespace

struct Fetcher::DevSource {
  DevLookup lookup;
  std::vector<std::string> origins;  // normalised
};

Fetcher::Fetcher(FetcherConfig config) : config_(std::move(config)) { chain::ensure_curl(); }
Fetcher::~Fetcher() = default;

void Fetcher::set_dev_source(DevLookup lookup, std::vector<std::string> origins) {
  auto dev = std::make_unique<DevSource>();
  dev->lookup = std::move(lookup);
  for (const auto& o : origins) dev->origins.push_back(normalise_origin(o));
  dev_ = std::move(dev);
}

Result<std::string> Fetcher::fetch_bytes(std::string_view uri, std::size_t max_bytes,
                                         std::chrono::milliseconds timeout,
                                         const std::stop_token& cancel) const {
  const std::string shown = uri_for_errors(uri);
  if (cancel.stop_requested()) return Error(NodeErrc::kStopped, shown);
  const std::string scheme = scheme_of(uri);
  if (scheme == "ipfs") {
    auto url = ipfs_gateway_url(config_.ipfs_gateway, uri);
    if (!url) return url.error();
    return http_get(*url, shown + " (via " + uri_for_errors(*url) + ")", max_bytes, config_.limits, timeout,
                    cancel);
  }
  if (scheme != "http" && scheme != "https") {
    return Error(NodeErrc::kBadUri, shown + ": not an http://, https:// or ipfs:// URI");
  }
  if (dev_) {
    UriParts parts = split_uri(uri);
    bool local = std::find(dev_->origins.begin(), dev_->origins.end(), parts.origin) != dev_->origins.end();
    if (local && parts.path.rfind(kDevServicesPath, 0) == 0) {
      auto hash = Hash256::from_hex(std::string_view(parts.path).substr(kDevServicesPath.size()));
      if (!hash)
        return Error(NodeErrc::kBadUri, shown + ": the dev route takes a 64-hex-digit manifest hash");
      auto found = dev_->lookup(*hash);
      if (!found) return Error(NodeErrc::kNotFound, shown + ": no dev manifest with this hash");
      if (found->size() > max_bytes) {
        return Error(NodeErrc::kTooLarge,
                     shown + ": over the cap of " + std::to_string(max_bytes) + " bytes");
      }
      if (service::manifest_hash(*found) != *hash) {
        return Error(NodeErrc::kDigestMismatch, shown + ": the stored manifest does not hash to its name");
      }
      return std::move(*found);
    }
  }
  return http_get(std::string(uri), shown, max_bytes, config_.limits, timeout, cancel);
}

Result<FetchedManifest> Fetcher::fetch_manifest(std::string_view uri, const service::Manager& expected,
                                                const std::stop_token& cancel) const {
  auto bytes = fetch_bytes(uri, config_.limits.max_manifest_bytes, config_.limits.manifest_timeout, cancel);
  if (!bytes) return bytes.error();
  const std::string shown = uri_for_errors(uri);
  auto manifest = service::parse_manifest(*bytes);
  if (!manifest) return manifest.error().with_context(shown);
  if (!(manifest->manager == expected)) {
    return Error(NodeErrc::kWrongManager, shown + ": the manifest names service manager " +
                                              describe(manifest->manager) + ", not " + describe(expected) +
                                              " whose service URI it is");
  }
  FetchedManifest out;
  out.hash = service::manifest_hash(*bytes);
  out.manifest = std::move(*manifest);
  out.json = std::move(*bytes);
  return out;
}

Result<Hash256> Fetcher::fetch_component(const service::ComponentSource& source,
                                         component::ComponentStore& store,
                                         const std::stop_token& cancel) const {
  using Kind = service::ComponentSource::Kind;
  const std::string digest = source.digest.hex(HexPrefix::kNone);
  if (store.contains(source.digest)) return source.digest;
  switch (source.kind) {
    case Kind::kDigest:
      return Error(NodeErrc::kNotFound,
                   "component " + digest +
                       " is not in the component store (a digest source must be uploaded "
                       "first, e.g. with POST /dev/components)");
    case Kind::kRegistry:
      return Error(NodeErrc::kUnsupported, "component " + digest + ": registry sources (package \"" +
                                               source.package +
                                               "\") are not fetched by this node; use a "
                                               "download source or upload the component");
    case Kind::kDownload:
      break;
  }
  auto bytes =
      fetch_bytes(source.uri, config_.limits.max_component_bytes, config_.limits.component_timeout, cancel);
  if (!bytes) return bytes.error();
  const std::string shown = uri_for_errors(source.uri);
  Hash256 got = crypto::sha256(as_bytes(*bytes));
  if (got != source.digest) {
    return Error(NodeErrc::kDigestMismatch, shown + ": the bytes hash to " + got.hex(HexPrefix::kNone) +
                                                ", the manifest's digest is " + digest);
  }
  auto stored = store.put(as_bytes(*bytes));
  if (!stored) return Error(NodeErrc::kStore, shown + ": " + stored.error().message());
  if (*stored != source.digest) {
    return Error(NodeErrc::kStore, shown + ": the store filed the bytes under another digest");
  }
  return *stored;
}

Result<std::vector<Hash256>> Fetcher::fetch_components(const service::Manifest& manifest,
                                                       component::ComponentStore& store,
                                                       const std::stop_token& cancel) const {
  std::vector<Hash256> out;
  std::set<Hash256> seen;
  for (const auto& [id, workflow] : manifest.workflows) {
    auto digest = fetch_component(workflow.component.source, store, cancel);
    if (!digest) return digest.error().with_context("workflows." + id + ".component.source");
    if (seen.insert(*digest).second) out.push_back(*digest);
  }
  return out;
}

Result<std::string> ipfs_gateway_url(std::string_view gateway, std::string_view ipfs_uri) {
  const std::string shown = uri_for_errors(ipfs_uri);
  std::string g = scheme_of(gateway);
  if (g != "http" && g != "https") {
    return Error(NodeErrc::kBadUri, shown + ": ipfs_gateway is not an http:// or https:// URL");
  }
  if (scheme_of(ipfs_uri) != "ipfs") return Error(NodeErrc::kBadUri, shown + ": not an ipfs:// URI");
  std::string_view rest = ipfs_uri.substr(ipfs_uri.find("://") + 3);
  if (rest.rfind("ipfs/", 0) == 0) rest.remove_prefix(5);
  auto slash = rest.find('/');
  std::string_view cid = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (cid.empty() || cid.size() > kMaxCidLength || !std::all_of(cid.begin(), cid.end(), is_alnum)) {
    return Error(NodeErrc::kBadUri,
                 shown + ": the CID must be 1-" + std::to_string(kMaxCidLength) + " letters and digits");
  }
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '\\') {
      return Error(NodeErrc::kBadUri, shown + ": the path may hold only printable ASCII, without ?, # or \\");
    }
  }
  for (std::size_t at = 0; at < path.size();) {
    auto next = path.find('/', at + 1);
    std::string_view segment = path.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
    if (segment == ".." || segment == ".") {
      return Error(NodeErrc::kBadUri, shown + ": the path may not contain . or .. segments");
    }
    if (next == std::string_view::npos) break;
    at = next;
  }
  std::string url(gateway);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += '/';
  url += cid;
  url += path;
  return url;
}

std::string uri_for_errors(std::string_view uri) {
  std::string out;
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) {
    std::string_view head = uri.substr(0, uri.find_first_of("?#"));
    // Without a scheme there is no telling userinfo from a path; keep what follows an @.
    if (auto at = head.find('@'); at != std::string_view::npos) head.remove_prefix(at + 1);
    out = std::string(head);
  } else {
    std::string_view rest = uri.substr(sep + 3);
    auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    out = lower(uri.substr(0, sep)) + "://" + std::string(authority);
    if (authority_end != std::string_view::npos) {
      std::string_view path = rest.substr(authority_end);
      out += path.substr(0, path.find_first_of("?#"));
    }
  }
  for (auto& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  if (out.size() > kMaxShownUri) {
    out.resize(kMaxShownUri);
    out += "...";
  }
  return out;
}

}  // namespace wavs::node
