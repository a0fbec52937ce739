#pragma once
// The aggregator's configuration: the keys it reads from wavs.toml's [aggregator] table
// (after [default]) and WAVS_AGGREGATOR_<KEY> variables, and the typed Settings a running
// aggregator works from. Keys and defaults follow upstream WAVS; docs/configuration.md
// lists them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/secret.hpp"
#include "common/settings.hpp"

namespace wavs::aggregator {

inline constexpr std::string_view kSection = "aggregator";
inline constexpr std::string_view kEnvPrefix = "WAVS_AGGREGATOR_";

// The shared keys (log_level, log_format, data, chains), host and port, then the aggregator's own.
[[nodiscard]] ConfigSchema config_schema();

struct Settings {
  SharedSettings shared;
  ApiAddress api;                    // host, port (default 8001)
  Secret aggregator_evm_credential;  // 0x private key or mnemonic; empty when unset
  Secret bearer_token;               // required by write routes when set
  // Every aggregator that lands this deployment's results, by submitter address (this one
  // included): each event gets a primary among them, the others take over only after
  // takeover_ms per rank. Empty: this aggregator submits everything at once.
  std::vector<std::string> aggregator_set;
  std::int64_t takeover_ms = 5'000;

  // From a Config loaded with config_schema(); a value out of range is an error naming
  // the key and the layer it came from (ConfigErrc::kBadValue / kWrongType).
  [[nodiscard]] static Result<Settings> from_config(const Config& config);
};

}  // namespace wavs::aggregator
