#pragma once
// The roles that read wavs.toml, as `wavs` selects them: the node ("wavs"), the
// aggregator ("aggregator") and the CLI itself ("cli"). The node's and the aggregator's
// schemas belong to their libraries (node/config.hpp, aggregator/config.hpp); this file
// holds the CLI's own and joins the three, since a key any role knows is valid in the
// shared [default] table.

#include <string_view>
#include <vector>

#include "common/config.hpp"

namespace wavs::cli {

enum class Role { kNode, kAggregator, kCli };

[[nodiscard]] std::string_view section_name(Role role);  // "wavs", "aggregator", "cli"
[[nodiscard]] std::string_view env_prefix(Role role);    // "WAVS_", "WAVS_AGGREGATOR_", "WAVS_CLI_"
// The role's schema, tolerating the other roles' keys in [default].
[[nodiscard]] ConfigSchema schema_for(Role role);

}  // namespace wavs::cli
