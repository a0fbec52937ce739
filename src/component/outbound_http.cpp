#include "component/outbound_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "chain/http.hpp"
#include "common/utf8.hpp"

namespace wavs::component {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kDefaultTimeout{10'000};
// How early curl may report its whole-transfer timeout, for telling it from the connect one.
constexpr milliseconds kTimeoutSlack{50};
// The header block is copied into the guest's result next to the body; curl bounds each
// line, this bounds their sum so a server cannot grow it without limit.
constexpr std::size_t kMaxResponseHeaderBytes = 256 << 10;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Guest text quoted in an error: control bytes escaped and long text cut, so a message
// stays one readable log line whatever the guest sent.
std::string shown(std::string_view s) { return quoted_excerpt(s, 64); }

// Names the host sets itself: letting a guest set them would desynchronise framing
// (Content-Length, Transfer-Encoding, Connection) or misdirect virtual hosting (Host).
bool is_host_managed_header(std::string_view name) {
  return iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

// Why a header is refused, or empty when it is acceptable.
std::string header_problem(std::string_view name, std::string_view value) {
  if (!is_token(name)) return "name " + shown(name) + " is not an HTTP token";
  if (is_host_managed_header(name)) return shown(name) + " is set by the host";
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return "value of " + shown(name) + " contains CR, LF or NUL";
    }
  }
  return {};
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "[<canonical IPv6>]" for IPv6 text with or without brackets, nullopt if not IPv6.
std::optional<std::string> canonical_ipv6(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string z(text);
  in6_addr addr{};
  if (inet_pton(AF_INET6, z.c_str(), &addr) != 1) return std::nullopt;
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(AF_INET6, &addr, buf.data(), buf.size()) == nullptr) return std::nullopt;
  return "[" + std::string(buf.data()) + "]";
}

bool is_ipv4_literal(std::string_view text) {
  if (text.empty() || text.size() >= INET_ADDRSTRLEN) return false;
  std::string z(text);
  in_addr addr{};
  return inet_pton(AF_INET, z.c_str(), &addr) == 1;
}

// One `only` entry, lower-cased. A wildcard keeps its leading dot in `host`
// (".example.com") so that matching is a suffix test.
struct HostEntry {
  std::string host;
  std::optional<std::uint16_t> port;
  bool wildcard = false;
};

std::optional<HostEntry> parse_entry(std::string_view text) {
  HostEntry entry;
  std::string e = lower(text);
  std::string_view view = e;
  std::string_view host = view;
  std::string_view port_text;
  bool has_port = false;
  if (!view.empty() && view.front() == '[') {
    auto close = view.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = view.substr(0, close + 1);
    std::string_view rest = view.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      has_port = true;
    }
    auto v6 = canonical_ipv6(host);
    if (!v6) return std::nullopt;
    entry.host = *v6;
  } else if (std::count(view.begin(), view.end(), ':') > 1) {
    // A bare IPv6 literal ("::1"); it cannot carry a port without brackets.
    auto v6 = canonical_ipv6(view);
    if (!v6) return std::nullopt;
    entry.host = *v6;
  } else {
    if (auto colon = view.find(':'); colon != std::string_view::npos) {
      host = view.substr(0, colon);
      port_text = view.substr(colon + 1);
      has_port = true;
    }
    if (host.size() > 2 && host.substr(0, 2) == "*.") {
      entry.wildcard = true;
      host.remove_prefix(1);
    }
    if (host.empty() || host == ".") return std::nullopt;
    for (char c : host) {
      auto u = static_cast<unsigned char>(c);
      // Anything that could never be a URL host (or would smuggle a path, userinfo or a
      // second wildcard) makes the entry invalid rather than silently unmatched.
      if (u <= 0x20 || u == 0x7f || std::strchr("*/?#@[]\\%", c) != nullptr) return std::nullopt;
    }
    if (entry.wildcard && host.size() < 2) return std::nullopt;
    entry.host = std::string(host);
  }
  if (has_port) {
    entry.port = parse_port(port_text);
    if (!entry.port) return std::nullopt;
  }
  return entry;
}

bool private_v4(const std::uint8_t* a) {
  std::uint8_t b0 = a[0];
  std::uint8_t b1 = a[1];
  if (b0 == 0 || b0 == 10 || b0 == 127) return true;
  if (b0 == 169 && b1 == 254) return true;
  if (b0 == 172 && (b1 & 0xf0) == 16) return true;
  if (b0 == 192 && b1 == 168) return true;
  if (b0 == 100 && (b1 & 0xc0) == 64) return true;
  return b0 >= 224;  // multicast 224/4, reserved 240/4 and broadcast
}

bool all_zero(const std::uint8_t* p, std::size_t n) {
  return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

bool private_v6(const std::uint8_t* a) {
  if (all_zero(a, 16)) return true;                        // ::
  if (all_zero(a, 15) && a[15] == 1) return true;          // ::1
  if ((a[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return true;  // fec0::/10 old site-local
  if (a[0] == 0xff) return true;                           // ff00::/8 multicast
  // Forms that carry an IPv4 address and reach it: mapped ::ffff:0:0/96, compatible
  // ::/96, translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 6to4 2002::/16.
  if (all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff) return private_v4(a + 12);
  if (all_zero(a, 12)) return private_v4(a + 12);
  if (all_zero(a, 8) && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0) return private_v4(a + 12);
  static constexpr std::uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(a, kNat64, 12) == 0) return private_v4(a + 12);
  if (a[0] == 0x20 && a[1] == 0x02) return private_v4(a + 2);
  return false;
}

// RAII for the libcurl handles and lists used by one request.
struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
using EasyPtr = std::unique_ptr<CURL, CurlDeleter>;
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using CurlString = std::unique_ptr<char, CurlFree>;

// A URL part, or nullopt when it is absent (or curl cannot give it).
std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
  CurlString owned(raw);
  return std::string(owned.get());
}

// The parts of an http(s) URL the permission check and the error messages need.
struct Target {
  std::string url;     // full, normalised: what curl is given
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case, IPv6 in brackets
  std::uint16_t port = 0;
  std::string path;
  std::string query;  // only to keep it out of error messages

  // For messages: never the query, which may hold API keys.
  [[nodiscard]] std::string where() const {
    bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    std::string out = scheme + "://" + host;
    if (!default_port) out += ":" + std::to_string(port);
    return out + path;
  }
};

// Checks that `u` is an absolute http(s) URL without userinfo and extracts the parts.
// On failure, the detail (without the URL itself) is returned as the error string.
tl::expected<Target, std::string> inspect_url(CURLU* u) {
  Target t;
  auto scheme = url_part(u, CURLUPART_SCHEME);
  if (!scheme) return tl::unexpected<std::string>("no scheme");
  t.scheme = lower(*scheme);
  if (t.scheme != "http" && t.scheme != "https") {
    return tl::unexpected<std::string>("scheme " + shown(t.scheme) + " is not http or https");
  }
  if (url_part(u, CURLUPART_USER) || url_part(u, CURLUPART_PASSWORD) || url_part(u, CURLUPART_OPTIONS)) {
    return tl::unexpected<std::string>("userinfo (user:password@) is not allowed");
  }
  if (url_part(u, CURLUPART_ZONEID)) return tl::unexpected<std::string>("an IPv6 zone id is not allowed");
  auto host = url_part(u, CURLUPART_HOST);
  if (!host || host->empty() || *host == "[]") return tl::unexpected<std::string>("no host");
  t.host = lower(*host);
  if (t.host.front() == '[') {
    auto v6 = canonical_ipv6(t.host);
    if (!v6) return tl::unexpected<std::string>("host " + t.host + " is not an IPv6 address");
    t.host = *v6;
  }
  auto port = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  auto port_number = port ? parse_port(*port) : std::nullopt;
  if (!port_number) return tl::unexpected<std::string>("bad port");
  t.port = *port_number;
  t.path = url_part(u, CURLUPART_PATH).value_or("/");
  t.query = url_part(u, CURLUPART_QUERY).value_or("");
  auto full = url_part(u, CURLUPART_URL);
  if (!full) return tl::unexpected<std::string>("cannot be rebuilt");
  t.url = std::move(*full);
  return t;
}

// curl, like browsers, reads "http:///x" or "http:/x" as host "x"; a guest's URL must
// spell its authority out, so that what the permission check sees is what was written.
std::string authority_problem(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return "not an absolute http:// or https:// URL";
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return "no host";
  return {};
}

// kDenied when the policy refuses the host by name (or as a private IP literal); the
// decision otherwise, for the per-address check at connect time.
Result<HostDecision> authorize(const service::HttpHosts& policy, const Target& t) {
  HostDecision d = check_host(policy, t.host, t.port);
  if (!d.allowed) {
    if (policy.mode == service::HttpHosts::Mode::kNone) {
      return Error(ComponentErrc::kDenied,
                   "HTTP requests are not permitted (allowed_http_hosts is \"none\")");
    }
    return Error(ComponentErrc::kDenied,
                 "host " + t.host + " (port " + std::to_string(t.port) + ") is not in allowed_http_hosts");
  }
  if (!d.private_allowed) {
    std::string ip = t.host;
    if (ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
    if ((ip != t.host || is_ipv4_literal(ip)) && is_private_address(ip)) {
      return Error(ComponentErrc::kDenied, t.host + " is a private address (" + ip +
                                               "), which allowed_http_hosts grants only when listed by name");
    }
  }
  return d;
}

// The connect-time half of the permission: curl calls this for every address it is
// about to connect to, so the check covers the exact address used (no DNS rebinding).
struct SocketGate {
  bool private_allowed = false;
  std::string refused;  // the first address refused
  int opened = 0;
};

curl_socket_t open_socket(void* user, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* gate = static_cast<SocketGate*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  std::array<char, INET6_ADDRSTRLEN> text{};
  const void* raw = nullptr;
  if (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) {
    raw = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
  } else if (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6)) {
    raw = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
  }
  if (raw == nullptr || inet_ntop(address->family, raw, text.data(), text.size()) == nullptr) {
    if (gate->refused.empty()) gate->refused = "non-IP address";
    return CURL_SOCKET_BAD;
  }
  if (!gate->private_allowed && is_private_address(text.data())) {
    if (gate->refused.empty()) gate->refused = text.data();
    return CURL_SOCKET_BAD;
  }
  int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  ++gate->opened;
  return fd;
}

// What one hop (one request/response exchange) collects.
struct HopSink {
  std::size_t max_body = 0;
  Bytes body;
  bool body_overflow = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t header_bytes = 0;
  bool header_overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<HopSink*>(user);
  std::size_t n = size * count;
  if (sink->body.size() + n > sink->max_body) {
    sink->body_overflow = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body.insert(sink->body.end(), data, data + n);
  return n;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<HopSink*>(user);
  std::size_t n = size * count;
  std::string_view line(data, n);
  // A new status line starts another response (after 100 Continue, or a 1xx): only the
  // last one's headers are kept.
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    sink->headers.clear();
    sink->header_bytes = 0;
    return n;
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) return n;
  sink->header_bytes += line.size() + 2;
  if (sink->header_bytes > kMaxResponseHeaderBytes) {
    sink->header_overflow = true;
    return 0;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !sink->headers.empty()) {
    // Obsolete line folding: the line continues the previous value.
    auto& value = sink->headers.back().second;
    value += ' ';
    value += trim_spaces(line);
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // not a header; ignore
  sink->headers.emplace_back(lower(trim_spaces(line.substr(0, colon))),
                             std::string(trim_spaces(line.substr(colon + 1))));
  return n;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

long clamp_ms(milliseconds ms) {
  return static_cast<long>(std::clamp<std::int64_t>(ms.count(), 1, 1L << 30));
}

}  // namespace

// Details name the offending entry relative to the value ("only[2]"); callers prefix
// where the value sits in the manifest.
Status check_http_hosts(const service::HttpHosts& hosts) {
  if (hosts.mode != service::HttpHosts::Mode::kOnly) return {};
  for (std::size_t i = 0; i < hosts.hosts.size(); ++i) {
    if (!parse_entry(hosts.hosts[i])) {
      return Error(ComponentErrc::kBadContext, "only[" + std::to_string(i) + "]: \"" + hosts.hosts[i] +
                                                   "\" is not a host, an IP literal ([::1] for IPv6), " +
                                                   "an optional :port (1-65535) or a *.domain wildcard");
    }
  }
  return {};
}

HostDecision check_host(const service::HttpHosts& policy, std::string_view host, std::uint16_t port) {
  switch (policy.mode) {
    case service::HttpHosts::Mode::kNone:
      return {};
    case service::HttpHosts::Mode::kAll:
      return {true, false};
    case service::HttpHosts::Mode::kOnly:
      break;
  }
  std::string h = lower(host);
  if (!h.empty() && h.front() == '[') {
    auto v6 = canonical_ipv6(h);
    if (!v6) return {};
    h = *v6;
  }
  bool literal = h.empty() || h.front() == '[' || is_ipv4_literal(h);
  HostDecision decision;
  for (const auto& text : policy.hosts) {
    auto entry = parse_entry(text);
    if (!entry || (entry->port && *entry->port != port)) continue;
    if (entry->wildcard) {
      // Never an IP literal: "*.0.0.1" must not match 127.0.0.1.
      if (!literal && h.size() > entry->host.size() && h.ends_with(entry->host)) decision.allowed = true;
    } else if (h == entry->host) {
      return {true, true};
    }
  }
  return decision;
}

bool is_private_address(std::string_view ip) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return true;
  std::string z(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, z.c_str(), &v4) == 1) return private_v4(reinterpret_cast<const std::uint8_t*>(&v4));
  in6_addr v6{};
  if (inet_pton(AF_INET6, z.c_str(), &v6) == 1) return private_v6(v6.s6_addr);
  return true;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_header_block(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t offset = 0;
  std::size_t line_no = 0;
  while (offset < block.size()) {
    ++line_no;
    std::size_t end = block.find("\r\n", offset);
    std::size_t next = end == std::string_view::npos ? block.size() : end + 2;
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(offset, end - offset);
    std::string where =
        "headers line " + std::to_string(line_no) + " (offset " + std::to_string(offset) + ")";
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Error(ComponentErrc::kInvalid, where + ": no ':' between name and value");
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_spaces(line.substr(colon + 1));
    if (auto problem = header_problem(name, value); !problem.empty()) {
      return Error(ComponentErrc::kInvalid, where + ": " + problem);
    }
    out.emplace_back(std::string(name), std::string(value));
    offset = next;
  }
  return out;
}

// Nothing is shared between calls: a connection opened under one policy must never be
// reused under another (a reused connection skips the connect-time address check).
struct OutboundHttp::Impl {};

OutboundHttp::OutboundHttp(OutboundLimits limits) : impl_(std::make_unique<Impl>()), limits_(limits) {
  chain::ensure_curl();
}
OutboundHttp::~OutboundHttp() = default;

Result<OutboundResponse> OutboundHttp::send(const OutboundRequest& request, const service::HttpHosts& policy,
                                            std::chrono::steady_clock::time_point deadline, std::stop_token cancel) {
  auto start = Clock::now();
  if (deadline <= start) {
    return Error(ComponentErrc::kTimeout, "no time left before the request could be sent");
  }
  std::string method = request.method.empty() ? "GET" : request.method;
  if (!is_token(method)) {
    return Error(ComponentErrc::kInvalid, "method: " + shown(method) + " is not an HTTP token");
  }
  for (std::size_t i = 0; i < request.headers.size(); ++i) {
    const auto& [name, value] = request.headers[i];
    if (auto problem = header_problem(name, value); !problem.empty()) {
      return Error(ComponentErrc::kInvalid, "headers[" + std::to_string(i) + "]: " + problem);
    }
  }
  if (request.body.size() > limits_.max_request_body) {
    return Error(ComponentErrc::kLimit, "request body of " + std::to_string(request.body.size()) +
                                            " bytes, over " + std::to_string(limits_.max_request_body));
  }
  if (method == "HEAD" && !request.body.empty()) {
    return Error(ComponentErrc::kInvalid, "a HEAD request cannot carry a body");
  }
  if (request.url.find('\0') != std::string::npos) return Error(ComponentErrc::kInvalid, "url: contains NUL");

  if (auto problem = authority_problem(request.url); !problem.empty()) {
    return Error(ComponentErrc::kInvalid, "url: " + problem);
  }
  UrlPtr url(curl_url());
  if (!url) return Error(ComponentErrc::kInternal, "cannot allocate a URL handle");
  if (CURLUcode uc = curl_url_set(url.get(), CURLUPART_URL, request.url.c_str(), 0); uc != CURLUE_OK) {
    return Error(ComponentErrc::kInvalid, std::string("url: ") + curl_url_strerror(uc));
  }
  auto first = inspect_url(url.get());
  if (!first) return Error(ComponentErrc::kInvalid, "url: " + first.error());
  Target target = std::move(*first);

  milliseconds timeout = request.timeout.count() <= 0 ? kDefaultTimeout : request.timeout;
  auto end = std::min(deadline, start + timeout);
  auto budget_ms = std::chrono::duration_cast<milliseconds>(end - start).count();

  EasyPtr easy(curl_easy_init());
  if (!easy) return Error(ComponentErrc::kInternal, "cannot allocate an HTTP handle");
  CURL* h = easy.get();

  auto headers = request.headers;
  Bytes body = request.body;
  // Methods defined with a body get one (Content-Length: 0 when empty); others only
  // when the guest gave one.
  bool send_body = method == "POST" || method == "PUT" || method == "PATCH" || !body.empty();

  for (int hop = 0;; ++hop) {
    auto decision = authorize(policy, target);
    if (!decision) {
      return hop == 0 ? decision.error() : decision.error().with_context("redirect to " + target.where());
    }
    auto now = Clock::now();
    if (now >= end) {
      return Error(ComponentErrc::kTimeout,
                   target.where() + ": no response within " + std::to_string(budget_ms) + " ms");
    }
    auto remaining = std::chrono::duration_cast<milliseconds>(end - now);

    SlistPtr list;
    auto append = [&list](const std::string& line) {
      curl_slist* grown = curl_slist_append(list.get(), line.c_str());
      if (grown == nullptr) return false;
      (void)list.release();
      list.reset(grown);
      return true;
    };
    bool appended = true;
    for (const auto& [name, value] : headers) {
      // "Name:" alone would tell curl to drop the header; "Name;" sends it empty.
      appended = appended && append(value.empty() ? name + ";" : name + ": " + value);
    }
    // curl would otherwise invent these: a form Content-Type the guest never asked for,
    // and an Expect: 100-continue round trip that some servers stall on.
    if (send_body && !has_header(headers, "content-type")) appended = appended && append("Content-Type:");
    if (!has_header(headers, "expect")) appended = appended && append("Expect:");
    if (!appended) return Error(ComponentErrc::kInternal, "cannot build the header list");

    HopSink sink;
    sink.max_body = limits_.max_response_body;
    SocketGate gate;
    gate.private_allowed = decision->private_allowed;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};

    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, target.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    // An explicit empty proxy overrides http_proxy / ALL_PROXY from the environment,
    // which would otherwise route around the address check.
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &gate);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, clamp_ms(remaining));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, clamp_ms(std::min(remaining, limits_.connect_timeout)));
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data());
    if (method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (send_body) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body.data()));
      if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    } else if (method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    }

    // A fresh connection per request anyway (policy checks per connection), so a
    // temporary multi handle costs nothing that a pooled one would save.
    auto rc = static_cast<CURLcode>(chain::perform_transfer(h, nullptr, cancel));
    if (rc != CURLE_OK) {
      std::string where = target.where();
      if (rc == CURLE_ABORTED_BY_CALLBACK) {
        return Error(ComponentErrc::kUnavailable, where + ": cancelled (the node is stopping or the run was cancelled)");
      }
      if (!gate.refused.empty() && gate.opened == 0) {
        std::string detail = target.host + " resolves to a private address (" + gate.refused +
                             "), which allowed_http_hosts grants only when the host is listed by name";
        return hop == 0 ? Error(ComponentErrc::kDenied, detail)
                        : Error(ComponentErrc::kDenied, "redirect to " + where + ": " + detail);
      }
      if (rc == CURLE_OPERATION_TIMEDOUT) {
        // The connect phase (TLS handshake included) has its own, shorter limit.
        if (Clock::now() + kTimeoutSlack < end) {
          return Error(ComponentErrc::kTimeout, where + ": no connection within " +
                                                    std::to_string(limits_.connect_timeout.count()) + " ms");
        }
        return Error(ComponentErrc::kTimeout,
                     where + ": no response within " + std::to_string(budget_ms) + " ms");
      }
      if (sink.body_overflow) {
        return Error(ComponentErrc::kLimit,
                     where + ": response body over " + std::to_string(limits_.max_response_body) + " bytes");
      }
      if (sink.header_overflow) {
        return Error(ComponentErrc::kLimit,
                     where + ": response headers over " + std::to_string(kMaxResponseHeaderBytes) + " bytes");
      }
      std::string detail =
          error_buffer[0] != '\0' ? std::string(error_buffer.data()) : curl_easy_strerror(rc);
      if (!target.query.empty() && detail.find(target.query) != std::string::npos)
        detail = curl_easy_strerror(rc);
      return Error(ComponentErrc::kNetwork, where + ": " + detail);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);

    const std::string* location = nullptr;
    for (const auto& [name, value] : sink.headers) {
      if (name == "location") location = &value;
    }
    if (!is_redirect(status) || location == nullptr || location->empty()) {
      OutboundResponse response;
      response.status = static_cast<std::uint32_t>(status);
      response.headers = std::move(sink.headers);
      response.body = std::move(sink.body);
      return response;
    }

    if (hop >= limits_.max_redirects) {
      return Error(ComponentErrc::kNetwork, target.where() + ": too many redirects (more than " +
                                                std::to_string(limits_.max_redirects) + ")");
    }
    if (location->find('\0') != std::string::npos) {
      return Error(ComponentErrc::kNetwork, target.where() + ": redirect Location contains NUL");
    }
    // Resolved against the current URL, the way curl itself follows Location.
    if (CURLUcode uc =
            curl_url_set(url.get(), CURLUPART_URL, location->c_str(), CURLU_URLENCODE | CURLU_ALLOW_SPACE);
        uc != CURLUE_OK) {
      return Error(ComponentErrc::kNetwork,
                   target.where() + ": redirect to an unusable Location (" + curl_url_strerror(uc) + ")");
    }
    auto next = inspect_url(url.get());
    if (!next) {
      return Error(ComponentErrc::kNetwork, target.where() + ": redirect to a URL with " + next.error());
    }

    if (status == 303 || ((status == 301 || status == 302) && method == "POST")) {
      if (method != "HEAD") method = "GET";
      send_body = false;
      body.clear();
      std::erase_if(headers, [](const auto& hd) { return iequals(hd.first, "content-type"); });
    }
    // As curl does when it follows a redirect itself: credentials meant for one origin
    // are not handed to another.
    if (next->scheme != target.scheme || next->host != target.host || next->port != target.port) {
      std::erase_if(headers, [](const auto& hd) {
        return iequals(hd.first, "authorization") || iequals(hd.first, "cookie") ||
               iequals(hd.first, "proxy-authorization");
      });
    }
    target = std::move(*next);
  }
}

}  // namespace wavs::component
