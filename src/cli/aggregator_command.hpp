#pragma once
// `wavs aggregator`: runs an aggregator (aggregator::Aggregator behind its HTTP API) until
// SIGINT or SIGTERM. Settings come from the [aggregator] table of wavs.toml and
// WAVS_AGGREGATOR_* variables (chains from [default.chains.evm.<id>]); the flags below
// override single keys.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/config.hpp"

namespace CLI {
class App;
}

namespace wavs::cli {

struct AggregatorCommand {
  std::optional<std::string> host;    // --host
  std::optional<std::uint16_t> port;  // --port (0: any free port; see --port-file)
  std::optional<std::string> data;    // --data
  std::string port_file;              // --port-file
};

void add_aggregator_options(CLI::App& cmd, AggregatorCommand& options);
[[nodiscard]] std::vector<std::pair<std::string, std::string>> aggregator_flags(const AggregatorCommand& options);

// Exit codes: 0 after a clean shutdown, 1 when it failed at start (data directory, port,
// database) or its shutdown overran; 2 bad settings (a chain table, the credential).
int run_aggregator(const AggregatorCommand& options, const aggregator::Settings& settings, std::ostream& out,
                   std::ostream& err);

}  // namespace wavs::cli
