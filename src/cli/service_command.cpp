#include "cli/service_command.hpp"

#include <fstream>
#include <iterator>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "component/manifest.hpp"
#include "service/manifest.hpp"

namespace wavs::cli {
namespace {

std::string_view trigger_kind(const service::Trigger& t) {
  switch (t.index()) {
    case 0: return "evm_contract_event";
    case 1: return "block_interval";
    case 2: return "cron";
    default: return "manual";
  }
}

}  // namespace

CLI::App* add_service_options(CLI::App& service, ServiceCommand& o) {
  service.require_subcommand(1);
  auto* validate = service.add_subcommand("validate", "check service manifests (service.json) and print their ids");
  validate->add_option("files", o.files, "manifest files")->required();
  validate->add_flag("--json", o.json, "one JSON object per file");
  validate->footer("Exit code: 0 all valid, 2 one is invalid or unreadable.");
  return validate;
}

int validate_services(const ServiceCommand& o, std::ostream& out, std::ostream& err) {
  int rc = kExitOk;
  for (const auto& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "wavs service validate: cannot read " << file << "\n";
      rc = kExitUsage;
      continue;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto m = service::parse_manifest(text);
    if (!m) {
      err << file << ": " << m.error().message() << "\n";
      rc = kExitUsage;
      continue;
    }
    // What a run would refuse (HTTP host entries) is checked by the component layer.
    bool ok = true;
    for (const auto& [id, wf] : m->workflows) {
      auto w = component::workflow_context(*m, id);
      if (!w) {
        err << file << ": " << w.error().detail() << "\n";
        ok = false;
      }
    }
    if (!ok) {
      rc = kExitUsage;
      continue;
    }
    const auto sid = service::service_id(m->manager).hex(HexPrefix::kNone);
    const auto hash = service::manifest_hash(text).hex(HexPrefix::kNone);
    if (o.json) {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      j["file"] = file;
      j["name"] = m->name;
      j["service_id"] = sid;
      j["hash"] = hash;
      j["status"] = m->active ? "active" : "paused";
      nlohmann::ordered_json wfs = nlohmann::ordered_json::object();
      for (const auto& [id, wf] : m->workflows) wfs[id] = std::string(trigger_kind(wf.trigger));
      j["workflows"] = wfs;
      j["unknown_fields"] = m->unknown_fields;
      out << j.dump() << "\n";
    } else {
      out << file << ": ok: service \"" << m->name << "\" (" << (m->active ? "active" : "paused") << ")\n"
          << "  service id " << sid << "\n  hash       " << hash << "\n";
      for (const auto& [id, wf] : m->workflows) out << "  workflow " << id << ": " << trigger_kind(wf.trigger) << "\n";
      for (const auto& u : m->unknown_fields) out << "  warning: unknown field " << u << " (ignored)\n";
    }
  }
  return rc;
}

}  // namespace wavs::cli
