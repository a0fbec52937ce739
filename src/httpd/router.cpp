#include "httpd/router.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "httpd/uri.hpp"

namespace wavs::httpd {

namespace {

struct Segment {
  bool param = false;
  std::string text;  // the literal, or the parameter's name
};

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "/a/{b}" → [a, {b}]; "/" → []. Empty segments stay (they never match a pattern).
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path == "/") return out;
  std::string_view rest = path.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

Result<std::vector<Segment>> parse_pattern(std::string_view pattern) {
  const auto bad = [&](std::string_view why) {
    return Error(HttpdErrc::kBadRoute, "pattern '" + std::string(pattern) + "': " + std::string(why));
  };
  if (pattern.empty() || pattern[0] != '/') return bad("must begin with '/'");
  std::vector<Segment> out;
  for (const auto s : split(pattern)) {
    if (s.empty()) return bad("empty segment");
    if (s.front() == '{') {
      if (s.size() < 3 || s.back() != '}') return bad("a parameter is a whole segment \"{name}\"");
      const auto name = s.substr(1, s.size() - 2);
      if (!std::all_of(name.begin(), name.end(), name_char)) return bad("parameter names are [A-Za-z0-9_]");
      for (const auto& seg : out) {
        if (seg.param && seg.text == name) return bad("parameter '" + std::string(name) + "' appears twice");
      }
      out.push_back({true, std::string(name)});
    } else {
      if (s.find_first_of("{}?#%") != std::string_view::npos)
        return bad("literal segments hold no '{', '}', '?', '#' or '%'");
      out.push_back({false, std::string(s)});
    }
  }
  return out;
}

// Literals are matched against decoded segments, so "/servic%65s" reaches "/services".
bool matches(const std::vector<Segment>& pattern, const std::vector<std::string>& segments,
             std::vector<std::pair<std::string, std::string>>* params) {
  if (pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].param ? segments[i].empty() : pattern[i].text != segments[i]) return false;
  }
  if (params) {
    params->clear();
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i].param) params->emplace_back(pattern[i].text, segments[i]);
    }
  }
  return true;
}

// Literal-at-the-first-difference wins: compare literal flags lexicographically.
bool more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].param != b[i].param) return !a[i].param;
  }
  return false;
}

bool same_shape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].param != b[i].param || (!a[i].param && a[i].text != b[i].text)) return false;
  }
  return true;
}

std::vector<Segment> segments_of(const Route& r) {
  auto p = parse_pattern(r.path);  // checked by add()
  return p ? std::move(*p) : std::vector<Segment>{};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

nlohmann::ordered_json schema_or_empty(const std::string& text) {
  if (text.empty()) return nlohmann::ordered_json::object();
  return nlohmann::ordered_json::parse(text, nullptr, false);
}

}  // namespace

Status Router::add(Route route) {
  auto pattern = parse_pattern(route.path);
  if (!pattern) return pattern.error();
  const std::string where = std::string(to_string(route.method)) + " " + route.path;
  if (route.method == Method::kOther)
    return Error(HttpdErrc::kBadRoute, where + ": a route needs a named method");
  if (!route.handler) return Error(HttpdErrc::kBadRoute, where + ": no handler");
  for (const auto* schema : {&route.doc.request_schema, &route.doc.response_schema}) {
    if (!schema->empty() && nlohmann::json::parse(*schema, nullptr, false).is_discarded()) {
      return Error(HttpdErrc::kBadRoute, where + ": a schema is not valid JSON");
    }
  }
  for (const auto& r : routes_) {
    if (r->method == route.method && same_shape(segments_of(*r), *pattern)) {
      return Error(HttpdErrc::kBadRoute, where + ": already routed as " + r->path);
    }
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  return {};
}

Result<Router::Match> Router::match(Method method, std::string_view path) const {
  if (path.empty() || path[0] != '/') return Error(HttpdErrc::kBadRequest, "the path must begin with '/'");
  std::vector<std::string> segments;
  std::size_t offset = 1;
  for (const auto s : split(path)) {
    auto decoded = percent_decode(s, false);
    if (!decoded) {
      return Error(HttpdErrc::kBadRequest,
                   "bad percent-encoding in the path segment at byte " + std::to_string(offset));
    }
    segments.push_back(std::move(*decoded));
    offset += s.size() + 1;
  }

  Match out;
  std::optional<std::vector<Segment>> best;
  for (const auto& r : routes_) {
    auto pattern = segments_of(*r);
    if (r->method == method) {
      std::vector<std::pair<std::string, std::string>> params;
      if (matches(pattern, segments, &params) && (!best || more_specific(pattern, *best))) {
        out.route = r.get();
        out.params = std::move(params);
        best = std::move(pattern);
      }
    } else if (matches(pattern, segments, nullptr)) {
      if (std::find(out.allowed.begin(), out.allowed.end(), r->method) == out.allowed.end())
        out.allowed.push_back(r->method);
    }
  }
  if (out.route) out.allowed.insert(out.allowed.begin(), method);
  return out;
}

std::string Router::openapi_json(std::string_view title, std::string_view version) const {
  using Json = nlohmann::ordered_json;
  Json doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", title}, {"version", version}};
  Json paths = Json::object();
  bool any_write = false;
  for (const auto& r : routes_) {
    Json op;
    op["summary"] = r->summary;
    Json params = Json::array();
    for (const auto& seg : segments_of(*r)) {
      if (!seg.param) continue;
      params.push_back(
          {{"name", seg.text}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r->doc.request.empty()) {
      op["requestBody"] = {
          {"required", true},
          {"description", r->doc.request},
          {"content", {{r->doc.request_type, {{"schema", schema_or_empty(r->doc.request_schema)}}}}}};
    }
    Json ok = {{"description", r->doc.response}};
    if (!r->doc.response_type.empty()) {
      ok["content"] = {{r->doc.response_type, {{"schema", schema_or_empty(r->doc.response_schema)}}}};
    }
    Json responses;
    responses[std::to_string(r->doc.success_status)] = std::move(ok);
    if (r->write) responses["401"] = {{"$ref", "#/components/responses/Error"}};
    responses["default"] = {{"$ref", "#/components/responses/Error"}};
    op["responses"] = std::move(responses);
    if (r->write) {
      op["security"] = Json::array({{{"bearerAuth", Json::array()}}});
      any_write = true;
    }
    paths[r->path][lower(to_string(r->method))] = std::move(op);
  }
  doc["paths"] = std::move(paths);

  Json error_schema = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message"}},
          {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}};
  Json components;
  components["schemas"] = {{"Error", std::move(error_schema)}};
  components["responses"] = {
      {"Error",
       {{"description", "An error: a stable code and a message"},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
  if (any_write) components["securitySchemes"] = {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}};
  doc["components"] = std::move(components);
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace wavs::httpd
