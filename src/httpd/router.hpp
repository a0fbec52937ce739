#pragma once
// Router: the table of an HTTP API. A route is a method, a path pattern whose segments
// are literals or {parameters} ("/services/{chain}/{address}"), a handler, two flags
// (write: needs the bearer token when the server has one; blocking: runs on the
// daemon's WorkerPool, not on an I/O thread) and the documentation from which
// openapi_json() writes the API's OpenAPI 3 document, so the document cannot drift
// from the routes.
//
//   httpd::Router router;
//   auto st = router.add({.method = httpd::Method::kGet, .path = "/services/{chain}/{address}",
//                         .handler = [&](const httpd::Request& r) { return show(r.param("chain"), …); },
//                         .summary = "One service", .doc = {.response = "The service"}});
//
// Matching: a path matches a pattern with as many segments whose literals are equal and
// whose parameters are non-empty; parameters are percent-decoded after the split, so
// "%2F" stays inside one parameter. When several patterns match, the one with a literal
// at the first segment where they differ wins ("/services/signer" over
// "/services/{chain}"). A path that matches with another method only is a 405.
//
// Contract:
//   owns      the routes and their handlers (copies of what add() was given).
//   threads   add() before the Server starts, never after: the server reads the table
//             from several threads without a lock. match() and openapi_json() are const
//             and thread-safe.
//   handlers  non-blocking handlers run on an I/O thread and must return quickly (no
//             libcurl, no SQLite waits); blocking ones run on a worker and honour
//             Request::cancel. A handler may throw: the client gets a 500 `internal`
//             without the exception's text (which is logged).
//   lifetime  the Router outlives the Server and every worker task it submitted (keep it
//             alive until the WorkerPool has joined).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "httpd/error.hpp"
#include "httpd/message.hpp"

namespace wavs::httpd {

using Handler = std::function<Response(const Request&)>;

// What the OpenAPI document says about a route besides its method, path and parameters.
// Schemas are JSON Schema text (OpenAPI 3.0 dialect), embedded as given; add() checks
// they parse. An empty `request` means the route takes no body.
struct RouteDoc {
  std::string request{};                           // description of the body
  std::string request_schema{};                    // JSON text, optional
  std::string request_type = "application/json";   // e.g. "application/wasm"
  std::string response = "OK";                     // description of the success response
  std::string response_schema{};                   // JSON text, optional
  std::string response_type = "application/json";  // e.g. "text/plain; version=0.0.4"
  unsigned success_status = 200;
};

struct Route {
  Method method = Method::kGet;
  std::string path{};  // pattern: "/a/{b}/c"
  Handler handler{};
  bool write = false;     // requires `Authorization: Bearer <token>` when one is configured
  bool blocking = false;  // runs on the WorkerPool with a deadline (ServerConfig::handler_deadline)
  std::string summary{};  // one line
  RouteDoc doc{};
};

class Router {
 public:
  struct Match {
    const Route* route = nullptr;                             // null: no route for this method
    std::vector<std::pair<std::string, std::string>> params;  // decoded
    std::vector<Method> allowed;                              // methods whose pattern matches the path
  };

  // kBadRoute when the pattern is not "/"-separated non-empty segments (a parameter is a
  // whole segment "{name}", names unique within the pattern), when the same method and
  // pattern shape is already routed, when the handler is empty, kOther is used, or a
  // schema is not JSON.
  [[nodiscard]] Status add(Route route);

  // `path` as sent (percent-encoded, no query). kBadRequest when a segment is not
  // validly percent-encoded. A path no route matches gives an empty `allowed`.
  [[nodiscard]] Result<Match> match(Method method, std::string_view path) const;

  [[nodiscard]] const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  // The OpenAPI 3.0 document of every route, in the order they were added: summary,
  // path parameters, request body, success response, the shared error response and, for
  // write routes, the bearer security requirement.
  [[nodiscard]] std::string openapi_json(std::string_view title, std::string_view version) const;

 private:
  std::vector<std::unique_ptr<Route>> routes_;  // unique_ptr: Match::route stays valid as the table grows
};

}  // namespace wavs::httpd
