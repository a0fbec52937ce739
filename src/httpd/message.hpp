#pragma once
// The values a route handler sees and returns: httpd::Request and httpd::Response.
// They are plain values (strings and small vectors) so handlers, tests and the fuzz
// seam never touch Beast; the server converts at its edge.
//
// Errors a handler reports go out as JSON, always in one shape:
//   {"error":{"code":"<stable code>","message":"<what was wrong, for a human>"}}
// The code is stable and meant for programs (see kNotFound… below and docs/http-api.md);
// the message may change. Messages must never carry secrets or internals (paths of
// the host, stack traces, SQL): Response::error escapes whatever it is given, but what
// goes in is the caller's responsibility.

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wavs::httpd {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

// "GET", "POST"…; "OTHER" for kOther.
[[nodiscard]] std::string_view to_string(Method method);
// Exact, upper-case method names (RFC 9110 method names are case-sensitive).
[[nodiscard]] Method parse_method(std::string_view text);

// Header fields in arrival order. Lookup ignores ASCII case, as HTTP field names do.
class Headers {
 public:
  // The first field named `name`, or nullopt.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  // Replaces every field named `name` with one field.
  void set(std::string_view name, std::string_view value);
  // Appends a field, keeping earlier ones of the same name.
  void add(std::string_view name, std::string_view value);
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// ASCII case-insensitive equality (field names, auth schemes, tokens like "close").
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

struct Request {
  Method method = Method::kGet;
  std::string method_text;  // as sent, e.g. "GET" (kOther keeps the real name here)
  std::string target;       // as sent: "/services/evm%3A1/0xab?x=1"
  std::string path;         // the target's path, still percent-encoded: "/services/evm%3A1/0xab"
  std::string query;        // after '?', still encoded; "" when absent
  Headers headers;
  std::string body;
  // The route's {name} parameters, percent-decoded, in pattern order.
  std::vector<std::pair<std::string, std::string>> params;
  // Requested when the request's deadline passed or the server is shutting down. A
  // blocking handler passes it to every wait it makes (RpcConfig::cancel, a component
  // run…); for handlers on the I/O thread it is never requested.
  std::stop_token cancel;

  // The path parameter `name`; "" when the route has none of that name.
  [[nodiscard]] std::string_view param(std::string_view name) const;
  // The first query parameter `name`, decoded ('+' is a space); nullopt when absent or
  // not validly encoded.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

// Stable error codes of the JSON error body (docs/http-api.md lists them with their statuses).
inline constexpr std::string_view kBadRequest = "bad_request";               // 400
inline constexpr std::string_view kUnauthorized = "unauthorized";            // 401
inline constexpr std::string_view kNotFound = "not_found";                   // 404
inline constexpr std::string_view kMethodNotAllowed = "method_not_allowed";  // 405
inline constexpr std::string_view kConflict = "conflict";                    // 409
inline constexpr std::string_view kPayloadTooLarge = "payload_too_large";    // 413
inline constexpr std::string_view kHeaderTooLarge = "header_too_large";      // 431
inline constexpr std::string_view kInternal = "internal";                    // 500
inline constexpr std::string_view kUnavailable = "unavailable";              // 503
inline constexpr std::string_view kTimeout = "timeout";                      // 504

struct Response {
  unsigned status = 200;
  Headers headers;  // Content-Length, Connection and Server are set by the server
  std::string body;

  // `json` is sent as is with Content-Type: application/json.
  [[nodiscard]] static Response json(unsigned status, std::string json);
  [[nodiscard]] static Response text(unsigned status, std::string text,
                                     std::string_view content_type = "text/plain; charset=utf-8");
  // The error shape above; code and message are JSON-escaped.
  [[nodiscard]] static Response error(unsigned status, std::string_view code, std::string_view message);
};

}  // namespace wavs::httpd
