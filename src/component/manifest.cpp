#include "component/manifest.hpp"

#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"

namespace wavs::component {
namespace {

using Json = nlohmann::ordered_json;

Error bad(const std::string& where, const std::string& what) { return Error(ComponentErrc::kBadContext, where + ": " + what); }

Result<Json> parse(std::string_view text) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Error(ComponentErrc::kBadContext, "the service manifest is not valid JSON");
  if (!doc.is_object()) return Error(ComponentErrc::kBadContext, "the service manifest must be a JSON object");
  return doc;
}

}  // namespace

Result<Hash256> service_id_of_manifest(std::string_view manifest_json) {
  auto doc = parse(manifest_json);
  if (!doc) return doc.error();
  auto manager = doc->find("manager");
  if (manager == doc->end() || !manager->is_object()) return bad("manager", "missing or not an object");
  auto evm = manager->find("evm");
  if (evm == manager->end() || !evm->is_object()) return bad("manager", "only an \"evm\" manager is supported");
  auto chain = evm->find("chain");
  auto address = evm->find("address");
  if (chain == evm->end() || !chain->is_string()) return bad("manager.evm.chain", "expected a chain key string");
  if (address == evm->end() || !address->is_string()) return bad("manager.evm.address", "expected a 0x address");
  auto addr = FixedBytes<20>::from_hex(address->get<std::string>());
  if (!addr) return bad("manager.evm.address", addr.error().message());
  const std::string key = chain->get<std::string>();
  Bytes pre = {'e', 'v', 'm'};
  pre.insert(pre.end(), key.begin(), key.end());
  pre.insert(pre.end(), addr->data.begin(), addr->data.end());
  return crypto::sha256(pre);
}

Result<ManifestWorkflow> workflow_from_manifest(std::string_view manifest_json, std::string_view workflow_id) {
  auto doc = parse(manifest_json);
  if (!doc) return doc.error();
  ManifestWorkflow out;
  WorkflowContext& w = out.context;
  auto id = service_id_of_manifest(manifest_json);
  if (!id) return id.error();
  w.service_id = *id;
  w.workflow_id = std::string(workflow_id);
  w.service_json = doc->dump();

  auto workflows = doc->find("workflows");
  if (workflows == doc->end() || !workflows->is_object()) return bad("workflows", "missing or not an object");
  auto wf = workflows->find(std::string(workflow_id));
  if (wf == workflows->end()) return bad("workflows", "no workflow \"" + std::string(workflow_id) + "\"");
  const std::string at = "workflows." + std::string(workflow_id);
  if (!wf->is_object()) return bad(at, "expected an object");
  if (auto t = wf->find("trigger"); t != wf->end()) out.trigger_json = t->dump();
  else out.trigger_json = "\"manual\"";

  auto comp = wf->find("component");
  if (comp == wf->end() || !comp->is_object()) return bad(at + ".component", "missing or not an object");
  const std::string cat = at + ".component";

  if (auto c = comp->find("config"); c != comp->end()) {
    if (!c->is_object()) return bad(cat + ".config", "expected an object of strings");
    for (const auto& [k, v] : c->items()) {
      if (!v.is_string()) return bad(cat + ".config." + k, "expected a string");
      w.config[k] = v.get<std::string>();
    }
  }
  if (auto p = comp->find("permissions"); p != comp->end()) {
    if (!p->is_object()) return bad(cat + ".permissions", "expected an object");
    if (auto h = p->find("allowed_http_hosts"); h != p->end()) {
      auto policy = HttpPolicy::from_json(h->dump());
      if (!policy) return policy.error().with_context(cat + ".permissions.allowed_http_hosts");
      w.http = std::move(*policy);
    }
    if (auto fs = p->find("file_system"); fs != p->end()) {
      if (!fs->is_boolean()) return bad(cat + ".permissions.file_system", "expected true or false");
      w.file_system = fs->get<bool>();
    }
  }
  if (auto e = comp->find("env_keys"); e != comp->end()) {
    if (!e->is_array()) return bad(cat + ".env_keys", "expected a list of names");
    for (const auto& k : *e) {
      if (!k.is_string()) return bad(cat + ".env_keys", "expected strings");
      const auto name = k.get<std::string>();
      if (name.rfind(wasi::kComponentEnvPrefix, 0) != 0) {
        return bad(cat + ".env_keys", "'" + name + "' does not start with " + std::string(wasi::kComponentEnvPrefix));
      }
      w.env_keys.push_back(name);
    }
  }
  if (auto f = comp->find("fuel_limit"); f != comp->end() && !f->is_null()) {
    if (!f->is_number_unsigned() || f->get<std::uint64_t>() == 0) {
      return bad(cat + ".fuel_limit", "expected a positive integer");
    }
    w.fuel_limit = f->get<std::uint64_t>();
  }
  if (auto t = comp->find("time_limit_seconds"); t != comp->end() && !t->is_null()) {
    if (!t->is_number() || !(t->get<double>() > 0)) return bad(cat + ".time_limit_seconds", "expected a positive number");
    w.time_limit_seconds = t->get<double>();
  }
  return out;
}

}  // namespace wavs::component
