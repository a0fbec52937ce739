#pragma once
// Process-wide logging on spdlog: a level and a format (human text or one JSON object
// per line for log shippers). Modules log through spdlog's default logger.

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace wavs {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

struct LogSettings {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  // Logs go to stderr so stdout stays clean for command output.
};

// "trace", "debug", "info", "warn"/"warning", "error", "off" (any case).
[[nodiscard]] Result<LogLevel> parse_log_level(std::string_view text);
// "text" or "json".
[[nodiscard]] Result<LogFormat> parse_log_format(std::string_view text);
[[nodiscard]] std::string_view to_string(LogLevel level);

// Installs the default logger on stderr. Safe to call more than once (the last wins).
void init_logging(const LogSettings& settings);

}  // namespace wavs
