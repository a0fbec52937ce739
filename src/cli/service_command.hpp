#pragma once
// `wavs service validate FILE…`: checks service manifests the way a node reads them and
// prints each one's ServiceId, hash and workflows, or what is wrong and where.

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace wavs::cli {

struct ServiceCommand {
  std::vector<std::string> files;
  bool json = false;
};

// Adds `validate` under `service`.
CLI::App* add_service_options(CLI::App& service, ServiceCommand& options);

// Exit codes: 0 every manifest is valid, 2 one is not (or cannot be read).
int validate_services(const ServiceCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
