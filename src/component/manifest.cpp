#include "component/manifest.hpp"

#include <string>

#include "component/outbound_http.hpp"

namespace wavs::component {

Result<WorkflowContext> workflow_context(const service::Manifest& manifest, std::string_view workflow_id) {
  auto it = manifest.workflows.find(std::string(workflow_id));
  if (it == manifest.workflows.end()) {
    return Error(ComponentErrc::kBadContext, "workflows: no workflow \"" + std::string(workflow_id) + "\"");
  }
  const service::Workflow& workflow = it->second;
  // The entries' own syntax (ports, wildcards, IP literals) is the HTTP client's to judge.
  if (auto ok = check_http_hosts(workflow.component.allowed_http_hosts); !ok) {
    return ok.error().with_context("workflows." + it->first + ".component.permissions.allowed_http_hosts");
  }
  WorkflowContext context;
  context.service_id = service::service_id(manifest.manager);
  context.workflow_id = it->first;
  context.service_json = service::to_json(manifest);
  context.trigger = workflow.trigger;
  context.component = workflow.component;
  return context;
}

}  // namespace wavs::component
