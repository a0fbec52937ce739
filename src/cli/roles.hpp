#pragma once
// The configuration schema of each role that reads wavs.toml: the node ("wavs"),
// the aggregator ("aggregator") and the CLI ("cli"). Keys and names follow upstream
// WAVS so an existing wavs.toml keeps working.

#include <string_view>
#include <vector>

#include "common/config.hpp"

namespace wavs::cli {

enum class Role { kNode, kAggregator, kCli };

[[nodiscard]] std::string_view section_name(Role role);   // "wavs", "aggregator", "cli"
[[nodiscard]] std::string_view env_prefix(Role role);     // "WAVS_", "WAVS_AGGREGATOR_", "WAVS_CLI_"
[[nodiscard]] ConfigSchema schema_for(Role role);

}  // namespace wavs::cli
