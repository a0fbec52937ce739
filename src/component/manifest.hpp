#pragma once
// From a parsed service manifest (src/service) to what one component run needs. The
// manifest is parsed once, by service::parse_manifest; this takes its typed values.
//
//   auto manifest = service::parse_manifest(text);
//   auto workflow = component::workflow_context(*manifest, "default");
//   auto result = component::execute(program, workflow->action(data), *workflow, services);

#include <string_view>

#include "common/error.hpp"
#include "component/runner.hpp"
#include "service/manifest.hpp"

namespace wavs::component {

// Workflow `workflow_id` of `manifest`: ServiceId, the workflow's trigger and component,
// and the manifest's canonical JSON for service_info. kBadContext when there is no such
// workflow, or an allowed_http_hosts entry is not one the HTTP client accepts (naming it:
// "workflows.default.component.permissions.allowed_http_hosts: only[0]: ...").
[[nodiscard]] Result<WorkflowContext> workflow_context(const service::Manifest& manifest,
                                                       std::string_view workflow_id);

}  // namespace wavs::component
