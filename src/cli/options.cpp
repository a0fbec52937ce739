#include "cli/options.hpp"

#include "common/bytes.hpp"

namespace wavs::cli {

Result<std::pair<std::string, std::string>> split_key_value(std::string_view text, std::string_view flag) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error(CommonErrc::kParse,
                 std::string(flag) + " expects KEY=VALUE, got '" + std::string(text) + "'");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace wavs::cli
