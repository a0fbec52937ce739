#pragma once
// Outbound HTTP(S) for components (the http_request import), through libcurl, under the
// workflow's `allowed_http_hosts` permission (docs/component-abi.md, "Permissions"). The
// permission is the manifest's value, service::HttpHosts; this module owns the rules of
// its entries (check_http_hosts) and enforces it.
//
//   auto hosts = service::HttpHosts::only({"api.example.com"});   // or the workflow's
//   component::OutboundHttp http;                                   // shared, thread-safe
//   auto resp = http.send(request, hosts, deadline);
//
// The permission is checked on the URL's host, then on every address curl is about to
// connect to (so a name resolving to a private address is refused, and DNS cannot change
// between check and use), and again on every redirect target, which is followed by hand
// (at most 5). Proxies from the environment are never used; only http and https.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "component/error.hpp"
#include "service/manifest.hpp"

namespace wavs::component {

// The entries of a kOnly list: "api.example.com", "*.example.com", "localhost:8545",
// "10.0.0.5", "[::1]:80" (a host, an IP literal, an optional port 1-65535, or a
// *.domain wildcard). kBadContext naming "only[i]" for the first entry that is not one;
// check_host never matches such an entry anyway.
[[nodiscard]] Status check_http_hosts(const service::HttpHosts& hosts);

// What the permission says of a URL's host (lower-cased, IPv6 in brackets) and port.
struct HostDecision {
  bool allowed = false;          // the host may be contacted at all
  bool private_allowed = false;  // it may resolve to a private/loopback address
};
[[nodiscard]] HostDecision check_host(const service::HttpHosts& hosts, std::string_view host,
                                      std::uint16_t port);

// True for the private destinations of docs/component-abi.md (loopback, RFC 1918,
// link-local, CGNAT, 0/8, multicast and reserved, ::, ::1, fc00::/7, fe80::/10, IPv4-mapped
// forms). `ip` is a numeric IPv4 or IPv6 address (no brackets); non-numeric text is
// treated as private (refused).
[[nodiscard]] bool is_private_address(std::string_view ip);

struct OutboundRequest {
  std::string method = "GET";  // an HTTP token
  std::string url;             // absolute http:// or https://, no userinfo
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
  std::chrono::milliseconds timeout{10'000};  // shortened to the deadline given to send()
};

struct OutboundResponse {
  std::uint32_t status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // the final response's; names lower-case
  Bytes body;                                                // after Content-Encoding (gzip) decoding
};

struct OutboundLimits {
  std::size_t max_request_body = 1 << 20;
  std::size_t max_response_body = 4 << 20;
  int max_redirects = 5;
  std::chrono::milliseconds connect_timeout{5'000};
};

// Parses the guest's header block ("Name: value\r\n" lines, the last CRLF optional).
// kInvalid for a name that is not a token, a value with CR/LF, or a header the host sets
// itself (Host, Content-Length, Transfer-Encoding, Connection).
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> parse_header_block(std::string_view block);

class OutboundHttp {
 public:
  explicit OutboundHttp(OutboundLimits limits = {});
  ~OutboundHttp();
  OutboundHttp(const OutboundHttp&) = delete;
  OutboundHttp& operator=(const OutboundHttp&) = delete;

  // Errors: kInvalid (method, URL, scheme, userinfo, headers), kLimit (request or response
  // body), kDenied (host not allowed, or every address private and not granted — the
  // message names the host, never the full URL's query), kTimeout (request timeout or
  // deadline), kNetwork (DNS, connect, TLS, protocol, too many redirects). Any HTTP
  // status is a success. kUnavailable when `cancel` is requested (at once, whatever the
  // exchange is waiting on).
  [[nodiscard]] Result<OutboundResponse> send(const OutboundRequest& request, const service::HttpHosts& hosts,
                                              std::chrono::steady_clock::time_point deadline,
                                              std::stop_token cancel = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  OutboundLimits limits_;
};

}  // namespace wavs::component
