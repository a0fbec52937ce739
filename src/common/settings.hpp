#pragma once
// From a loaded Config to a role's typed settings. Each role library (node, aggregator,
// cli) declares its schema and a Settings struct; load_config has already checked each
// value's type per layer, the reads here add the ranges and forms a role needs, and every
// error names the key and the layer its value came from, so the user knows what to fix
// and where. Secret values never appear in errors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/secret.hpp"

namespace wavs {

// The keys every role reads, declared once so [default] means the same to all of them:
// log_level, log_format, data, chains.
void add_shared_keys(ConfigSchema& schema);

// The address a role's HTTP API binds: `host` and `port` (the node's default port is 8000,
// the aggregator's 8001).
void add_api_address_keys(ConfigSchema& schema, std::int64_t default_port);

// Reads keys one by one; the first failure is kept (later reads return fallbacks) and
// status() reports it, so a from_config reads straight through and returns status().
// Errors read "key 'port' (env WAVS_PORT) must be from 0 to 65535, got 70000"; the
// origin is "(default)", "(file wavs.toml:12)", "(env WAVS_PORT)" or "(flag --port)".
class SettingsReader {
 public:
  explicit SettingsReader(const Config& config) : config_(config) {}

  // Required and non-empty.
  [[nodiscard]] std::string text(std::string_view key);
  // Required, within [min, max].
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
  // Required, finite and greater than zero.
  [[nodiscard]] double positive_number(std::string_view key);
  [[nodiscard]] bool boolean(std::string_view key);
  // Optional; when set it must not be empty (an empty token must not pass for none).
  [[nodiscard]] Secret secret(std::string_view key);
  // Optional table as JSON text; "" when unset.
  [[nodiscard]] std::string table_json(std::string_view key);

  // Records a failure of a check the caller made on `key`'s value: "<key and origin> <problem>".
  void fail(std::string_view key, ConfigErrc code, std::string_view problem);

  [[nodiscard]] Status status() const;

 private:
  const ConfigEntry* required(std::string_view key);
  template <class T>
  const T* typed(std::string_view key, const ConfigEntry* entry, std::string_view phrase);

  const Config& config_;
  std::optional<Error> error_;
};

// The values of add_shared_keys.
struct SharedSettings {
  LogSettings log;
  std::string data;         // directory for databases and components
  std::string chains_json;  // the `chains` table as JSON ("" when unset); component::Chains reads it

  [[nodiscard]] static SharedSettings read(SettingsReader& reader);
};

// The values of add_api_address_keys.
struct ApiAddress {
  std::string host;
  std::uint16_t port = 0;  // 0 picks a free port

  [[nodiscard]] static ApiAddress read(SettingsReader& reader);
};

}  // namespace wavs
