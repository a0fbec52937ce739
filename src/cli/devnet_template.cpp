#include "cli/devnet_template.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/devnet_command.hpp"
#include "contracts/events.hpp"
#include "crypto/hash.hpp"
#include "service/manifest.hpp"

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxTemplateBytes = 1 << 20;
constexpr std::uintmax_t kMaxComponentBytes = 64u << 20;

Error bad(const ServiceTemplate& tpl, const std::string& where, const std::string& what) {
  return Error(DevnetErrc::kBadInput, tpl.origin + ": " + (where.empty() ? "" : where + ": ") + what);
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// ${name} replaced in one string; `path` names it in errors.
Result<std::string> substitute(const ServiceTemplate& tpl, const std::string& text, const std::string& path,
                               const std::map<std::string, std::string, std::less<>>& values) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string::npos) {
      return bad(tpl, path, "unterminated placeholder in \"" + text + "\" (write $${ for a literal ${)");
    }
    const std::string name = text.substr(i + 2, close - i - 2);
    auto found = values.find(name);
    if (found == values.end()) {
      return bad(
          tpl, path,
          "unknown placeholder ${" + name +
              "} (known: ${service_manager}, ${trigger}, ${submit}, ${chain}, ${chain_id}, ${examples})");
    }
    out += found->second;
    i = close + 1;
  }
  return out;
}

Status substitute_all(const ServiceTemplate& tpl, json& node, const std::string& path,
                      const std::map<std::string, std::string, std::less<>>& values) {
  if (node.is_string()) {
    auto s = substitute(tpl, node.get<std::string>(), path, values);
    if (!s) return s.error();
    node = std::move(*s);
  } else if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (auto st = substitute_all(tpl, value, child_path(path, key), values); !st) return st;
    }
  } else if (node.is_array()) {
    for (std::size_t k = 0; k < node.size(); ++k) {
      if (auto st = substitute_all(tpl, node[k], path + "[" + std::to_string(k) + "]", values); !st)
        return st;
    }
  }
  return {};
}

Result<Bytes> read_component(const ServiceTemplate& tpl, const std::string& where, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Error(DevnetErrc::kMissing, tpl.origin + ": " + where + ": " + file.string() + " does not exist");
  }
  if (fs::file_size(file, ec) > kMaxComponentBytes) {
    return bad(tpl, where, file.string() + " is larger than 64 MiB");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) return bad(tpl, where, "cannot read " + file.string());
  const std::string text = s.str();
  return Bytes(text.begin(), text.end());
}

// Every {"file": PATH} that is the value of a `source` member, replaced by its digest.
Status replace_file_sources(const ServiceTemplate& tpl, json& node, const std::string& path,
                            std::vector<ComponentFile>& files) {
  if (node.is_array()) {
    for (std::size_t k = 0; k < node.size(); ++k) {
      if (auto st = replace_file_sources(tpl, node[k], path + "[" + std::to_string(k) + "]", files); !st)
        return st;
    }
    return {};
  }
  if (!node.is_object()) return {};
  for (auto& [key, value] : node.items()) {
    const std::string here = child_path(path, key);
    if (key == "source" && value.is_object() && value.contains("file")) {
      const std::string where = here + ".file";
      if (value.size() != 1) return bad(tpl, here, "a file source has no other members than \"file\"");
      if (!value["file"].is_string() || value["file"].get<std::string>().empty()) {
        return bad(tpl, where, "expected the path of a .wasm file");
      }
      fs::path file = value["file"].get<std::string>();
      if (file.is_relative()) file = tpl.base_dir / file;
      file = file.lexically_normal();
      std::string digest;
      for (const auto& known : files) {
        if (known.file == file) digest = known.digest;
      }
      if (digest.empty()) {
        auto wasm = read_component(tpl, where, file);
        if (!wasm) return wasm.error();
        digest = crypto::sha256(*wasm).hex(HexPrefix::kNone);
        files.push_back({file, std::move(*wasm), digest});
      }
      value = json{{"digest", digest}};
      continue;
    }
    if (auto st = replace_file_sources(tpl, value, here, files); !st) return st;
  }
  return {};
}

}  // namespace

Result<ServiceTemplate> read_service_template(const fs::path& file) {
  ServiceTemplate tpl;
  tpl.origin = "--service " + file.string();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return Error(DevnetErrc::kBadInput, tpl.origin + ": no such file");
  if (fs::file_size(file, ec) > kMaxTemplateBytes) {
    return Error(DevnetErrc::kBadInput, tpl.origin + ": larger than 1 MiB");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) return Error(DevnetErrc::kBadInput, tpl.origin + ": cannot be read");
  tpl.text = s.str();
  tpl.base_dir = fs::absolute(file, ec).parent_path();
  try {
    const json parsed = json::parse(tpl.text);
    (void)parsed;
  } catch (const json::parse_error& e) {
    return Error(DevnetErrc::kBadInput, tpl.origin + ": not JSON (byte " + std::to_string(e.byte) + ")");
  }
  return tpl;
}

ServiceTemplate default_service_template() {
  const json doc = {
      {"name", "devnet-square"},
      {"workflows",
       {{"default",
         {{"trigger",
           {{"evm_contract_event",
             {{"address", "${trigger}"},
              {"chain", "${chain}"},
              {"event_hash", contracts::event_topic<contracts::NewTrigger>().hex()}}}}},
          {"component",
           {{"source", {{"file", "${examples}/square-c.wasm"}}},
            {"permissions", {{"allowed_http_hosts", "none"}, {"file_system", false}}},
            {"fuel_limit", 100000000},
            {"time_limit_seconds", 10},
            {"config", json::object()},
            {"env_keys", json::array()}}},
          {"submit",
           {{"aggregator", {{"evm_contracts", {{{"chain", "${chain}"}, {"address", "${submit}"}}}}}}}}}}}},
      {"status", "active"}};
  ServiceTemplate tpl;
  tpl.origin = "the default service (square)";
  tpl.text = doc.dump(2);
  return tpl;
}

Result<FilledService> fill_service_template(const ServiceTemplate& tpl, const TemplateValues& v) {
  json doc = json::parse(tpl.text, nullptr, false);
  if (doc.is_discarded()) return bad(tpl, "", "not JSON");
  if (!doc.is_object()) return bad(tpl, "", "expected a JSON object (a service manifest)");
  const std::string chain = "evm:" + std::to_string(v.chain_id);
  const std::map<std::string, std::string, std::less<>> values = {{"service_manager", v.service_manager},
                                                                  {"trigger", v.trigger},
                                                                  {"submit", v.submit},
                                                                  {"chain", chain},
                                                                  {"chain_id", std::to_string(v.chain_id)},
                                                                  {"examples", v.examples.string()}};
  if (auto st = substitute_all(tpl, doc, "", values); !st) return st.error();

  FilledService out;
  if (auto st = replace_file_sources(tpl, doc, "", out.components); !st) return st.error();

  doc["manager"] = {{"evm", {{"chain", chain}, {"address", v.service_manager}}}};
  if (doc.contains("workflows") && doc["workflows"].is_object()) {
    for (auto& [id, workflow] : doc["workflows"].items()) {
      if (!workflow.is_object() || !workflow.contains("submit") || !workflow["submit"].is_object()) continue;
      auto& submit = workflow["submit"];
      if (!submit.contains("aggregator") || !submit["aggregator"].is_object()) continue;
      auto& aggregator = submit["aggregator"];
      if (aggregator.contains("component")) continue;  // the 2.0 shape names no URL
      if (v.aggregator_urls.size() == 1) {
        aggregator["url"] = v.aggregator_urls.front();
      } else {
        aggregator.erase("url");
      }
    }
  }
  out.manifest = doc.dump();
  auto parsed = service::parse_manifest(out.manifest);
  if (!parsed) return bad(tpl, "", parsed.error().detail());
  out.unknown_fields = parsed->unknown_fields;
  return out;
}

}  // namespace wavs::cli
