#pragma once
// Parsers for flag values that several subcommands share, so each form has one meaning
// and one error text wherever it is accepted.

#include <string>
#include <string_view>
#include <utility>

#include "common/error.hpp"

namespace wavs::cli {

// A repeatable KEY=VALUE flag (`wavs config --set`, `wavs run --env`, `wavs exec --config`
// and `--chain`): split at the first '=', so the value may hold '=' itself; the key must
// not be empty, the value may be. On failure (CommonErrc::kParse) the detail names the
// flag and what was given: "--set expects KEY=VALUE, got 'port'".
[[nodiscard]] Result<std::pair<std::string, std::string>> split_key_value(std::string_view text,
                                                                          std::string_view flag);

}  // namespace wavs::cli
