#include "httpd/message.hpp"

#include <array>

#include "common/json_text.hpp"
#include "httpd/uri.hpp"

namespace wavs::httpd {

namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods{{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kDelete, "DELETE"},
    {Method::kPatch, "PATCH"},
    {Method::kOptions, "OPTIONS"},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string_view to_string(Method method) {
  for (const auto& [m, name] : kMethods) {
    if (m == method) return name;
  }
  return "OTHER";
}

Method parse_method(std::string_view text) {
  for (const auto& [m, name] : kMethods) {
    if (name == text) return m;
  }
  return Method::kOther;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) { fields_.emplace_back(name, value); }

std::string_view Request::param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string{};
    auto value = percent_decode(pair.substr(eq + 1), true);
    if (!value) return std::nullopt;
    return std::move(*value);
  }
  return std::nullopt;
}

Response Response::json(unsigned status, std::string json) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(json);
  return r;
}

Response Response::text(unsigned status, std::string text, std::string_view content_type) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", content_type);
  r.body = std::move(text);
  return r;
}

Response Response::error(unsigned status, std::string_view code, std::string_view message) {
  return json(status,
              "{\"error\":{\"code\":" + json_quote(code) + ",\"message\":" + json_quote(message) + "}}");
}

}  // namespace wavs::httpd
