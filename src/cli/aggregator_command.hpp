#pragma once
// `wavs aggregator`: runs an aggregator (aggregator::Aggregator behind its HTTP API) until
// SIGINT or SIGTERM. Settings come from the [aggregator] table of wavs.toml and
// WAVS_AGGREGATOR_* variables (chains from [default.chains.evm.<id>]); the flags below
// override single keys.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stop_token>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregator/aggregator.hpp"
#include "aggregator/config.hpp"
#include "common/error.hpp"

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

// The aggregator of `settings` on `data_dir` (created) with the chains of `chains_json`
// (the [default.chains] table), cancelled by `cancel`: what `wavs aggregator` runs, and
// `wavs node --with-aggregator` beside its node. Errors name the setting.
[[nodiscard]] Result<std::unique_ptr<aggregator::Aggregator>> open_aggregator(const aggregator::Settings& settings,
                                                                            const std::string& data_dir,
                                                                            std::stop_token cancel);

// Exit codes: 0 after a clean shutdown, 1 when it failed at start (data directory, port,
// database) or its shutdown overran; 2 bad settings (a chain table, the credential).
int run_aggregator(const AggregatorCommand& options, const aggregator::Settings& settings, std::ostream& out,
                   std::ostream& err);

}  // namespace wavs::cli
