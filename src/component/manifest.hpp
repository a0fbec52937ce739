#pragma once
// From a service manifest (src/service) to what one component run needs: ids, the
// workflow's trigger, config, permissions and limits.

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "component/runner.hpp"

namespace wavs::component {

struct ManifestWorkflow {
  WorkflowContext context;   // service_json is the whole manifest
  std::string trigger_json;  // the workflow's trigger, verbatim ("\"manual\"" when absent)
};

// ServiceId = sha256("evm" ‖ chain key ‖ 20-byte manager address) from `manager.evm`.
// kBadContext naming the field when the manager is missing or malformed.
[[nodiscard]] Result<Hash256> service_id_of_manifest(std::string_view manifest_json);

// Reads workflow `workflow_id` of the manifest. Errors are kBadContext naming the field
// ("workflows.default.component.fuel_limit: expected a positive integer").
[[nodiscard]] Result<ManifestWorkflow> workflow_from_manifest(std::string_view manifest_json,
                                                              std::string_view workflow_id);

}  // namespace wavs::component
