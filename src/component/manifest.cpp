#include "component/manifest.hpp"

#include "service/manifest.hpp"

namespace wavs::component {
namespace {

Error context_error(const Error& e) { return Error(ComponentErrc::kBadContext, e.message()); }

Result<HttpPolicy> policy_of(const service::HttpHosts& hosts, const std::string& where) {
  switch (hosts.mode) {
    case service::HttpHosts::Mode::kNone: return HttpPolicy::none();
    case service::HttpHosts::Mode::kAll: return HttpPolicy::all();
    case service::HttpHosts::Mode::kOnly: break;
  }
  // The entries' own syntax (ports, wildcards, IP literals) is the HTTP client's to judge.
  auto checked = HttpPolicy::checked_only(hosts.only);
  if (!checked) return checked.error().with_context(where);
  return checked;
}

}  // namespace

Result<Hash256> service_id_of_manifest(std::string_view manifest_json) {
  auto m = service::parse_manifest(manifest_json);
  if (!m) return context_error(m.error());
  return service::service_id(m->manager);
}

Result<ManifestWorkflow> workflow_from_manifest(std::string_view manifest_json, std::string_view workflow_id) {
  auto m = service::parse_manifest(manifest_json);
  if (!m) return context_error(m.error());
  auto it = m->workflows.find(std::string(workflow_id));
  if (it == m->workflows.end()) {
    return Error(ComponentErrc::kBadContext, "workflows: no workflow \"" + std::string(workflow_id) + "\"");
  }
  const service::Component& c = it->second.component;
  ManifestWorkflow out;
  WorkflowContext& w = out.context;
  w.service_id = service::service_id(m->manager);
  w.workflow_id = it->first;
  w.service_json = service::to_json(*m);
  w.config.insert(c.config.begin(), c.config.end());
  auto policy = policy_of(c.allowed_http_hosts, "workflows." + it->first + ".component.permissions.allowed_http_hosts");
  if (!policy) return policy.error();
  w.http = std::move(*policy);
  w.file_system = c.file_system;
  w.env_keys = c.env_keys;
  w.fuel_limit = c.fuel_limit;
  w.time_limit_seconds = c.time_limit_seconds;
  out.trigger_json = service::trigger_to_json(it->second.trigger);
  return out;
}

}  // namespace wavs::component
