#pragma once
// The service `wavs devnet` registers, from a manifest template: a service.json (the shape
// of examples/services/) whose strings may name what exists only once the devnet runs,
// and whose component sources may be local files, uploaded to every node.
//
// In any string value of the template:
//   ${service_manager} ${trigger} ${submit}   the deployed contracts (0x, lower case)
//   ${chain}                                  the chain key, "evm:<chain id>"
//   ${chain_id}                               the chain id, decimal
//   ${examples}                               the build's example components directory
//   $${                                       a literal "${"
// Any other ${…} is an error naming its JSON path. A component source {"file": PATH}
// (PATH after the placeholders; relative to the template's directory) is replaced by
// {"digest": sha256 of the file}, and the devnet uploads the file to every node. Two
// members are the devnet's own whatever the template says: `manager` (the deployed
// manager) and, in each workflow whose submit is the 1.x aggregator shape
// ({"aggregator": {"evm_contracts": […]}}), `url`: the aggregator's with one aggregator,
// none with several (each node then sends to all of them, from its aggregator_urls).
//
//   auto tpl = read_service_template("my-service.json");       // or default_service_template()
//   Result<FilledService> s = fill_service_template(*tpl, values);
//   // s->manifest: ready for POST /dev/services; s->components: what to upload first

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace wavs::cli {

struct ServiceTemplate {
  std::string origin;              // for messages: "--service my.json" or "the default service"
  std::string text;                // the template's JSON
  std::filesystem::path base_dir;  // relative file sources resolve here
};

struct TemplateValues {
  std::uint64_t chain_id = 0;
  std::string service_manager;  // 0x + 40 hex
  std::string trigger;
  std::string submit;
  std::filesystem::path examples;
  std::vector<std::string> aggregator_urls;  // one or more
};

struct ComponentFile {
  std::filesystem::path file;
  Bytes wasm;
  std::string digest;  // sha256, 64 hex digits (what the node's /dev/components answers)
};

struct FilledService {
  std::string manifest;                     // compact JSON, checked with service::parse_manifest
  std::vector<ComponentFile> components;    // distinct files, in document order
  std::vector<std::string> unknown_fields;  // JSON paths the manifest parser ignored (typos?)
};

// DevnetErrc::kBadInput naming the file when it cannot be read or is not JSON.
[[nodiscard]] Result<ServiceTemplate> read_service_template(const std::filesystem::path& file);

// The square example: SimpleTrigger's NewTrigger event runs ${examples}/square-c.wasm,
// whose result goes to SimpleSubmit.
[[nodiscard]] ServiceTemplate default_service_template();

// kBadInput for an unknown placeholder, a bad file source or a manifest that does not
// validate (each naming the JSON path); kMissing when a component file does not exist.
[[nodiscard]] Result<FilledService> fill_service_template(const ServiceTemplate& tpl,
                                                          const TemplateValues& values);

}  // namespace wavs::cli
