#pragma once
// Layered configuration: defaults < config file (wavs.toml) < environment < flags.
//
// A role (the node "wavs", "aggregator", "cli") declares its keys in a ConfigSchema.
// The file may hold a shared [default] table and one table per role; a role reads
// [default] first, then its own table. Environment variables are the prefix plus the
// key in upper case (WAVS_PORT, WAVS_AGGREGATOR_PORT). Every value is type-checked; an
// unknown key or a wrongly typed value is an error naming the file, line and key.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs, ConfigErrc,
                kSyntax,       // the file is not valid TOML
                kUnknownKey,   // a key no schema declares
                kWrongType,    // a value of the wrong type
                kBadValue,     // right type, but not an allowed value
                kFileNotFound) // an explicitly named config file is missing

namespace wavs {

enum class ConfigType { kString, kInt, kBool, kDouble, kStringList, kTable };
enum class ConfigSource { kDefault, kFile, kEnv, kFlag };

[[nodiscard]] std::string_view to_string(ConfigType type);
[[nodiscard]] std::string_view to_string(ConfigSource source);

// A table-typed key (e.g. `chains`) holds its subtree as JSON text for the consumer
// to interpret; the other types hold native values.
using ConfigValue = std::variant<std::monostate, std::string, std::int64_t, bool, double,
                                 std::vector<std::string>>;

struct ConfigKey {
  std::string name;
  ConfigType type = ConfigType::kString;
  ConfigValue default_value;  // std::monostate: no default (unset unless given)
  std::string help;
  bool secret = false;        // shown as <redacted> by Config::dump
};

class ConfigSchema {
 public:
  ConfigSchema& add(ConfigKey key);
  // A key other roles use: accepted in [default] but not read by this role.
  ConfigSchema& tolerate(std::string name);

  [[nodiscard]] const ConfigKey* find(std::string_view name) const;
  [[nodiscard]] bool tolerated(std::string_view name) const { return tolerated_.count(std::string(name)) > 0; }
  [[nodiscard]] const std::vector<ConfigKey>& keys() const { return keys_; }

 private:
  std::vector<ConfigKey> keys_;
  std::set<std::string, std::less<>> tolerated_;
};

struct ConfigInputs {
  std::string section = "wavs";                   // this role's table in the file
  std::set<std::string> known_sections = {"default", "wavs", "aggregator", "cli"};
  std::optional<std::filesystem::path> file;      // no file: defaults, env and flags only
  bool file_required = false;                     // true when the user named the file
  std::string env_prefix = "WAVS_";
  std::map<std::string, std::string> env;         // usually the process environment
  std::vector<std::pair<std::string, std::string>> flags;  // key → text, from the CLI
};

struct ConfigEntry {
  ConfigValue value;
  ConfigSource source = ConfigSource::kDefault;
  std::string origin;  // "wavs.toml:12", "WAVS_PORT", "--port", "default"
};

class Config {
 public:
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const ConfigEntry* entry(std::string_view key) const;

  // Typed access; an unknown or unset key, or a type mismatch, is a programming error
  // in the caller's schema and yields the fallback.
  [[nodiscard]] std::string get_string(std::string_view key, std::string fallback = {}) const;
  [[nodiscard]] std::int64_t get_int(std::string_view key, std::int64_t fallback = 0) const;
  [[nodiscard]] bool get_bool(std::string_view key, bool fallback = false) const;
  [[nodiscard]] double get_double(std::string_view key, double fallback = 0) const;
  [[nodiscard]] std::vector<std::string> get_list(std::string_view key) const;

  // One line per key: `key = value  # source (origin)`, secrets redacted.
  [[nodiscard]] std::string dump(const ConfigSchema& schema) const;

  std::map<std::string, ConfigEntry, std::less<>> entries;
};

// Applies the layers in order. Errors say which file/line, env var or flag and which key.
[[nodiscard]] Result<Config> load_config(const ConfigSchema& schema, const ConfigInputs& inputs);

// The process environment as a map (for ConfigInputs::env).
[[nodiscard]] std::map<std::string, std::string> process_environment();

// Converts text (from env or a flag) to `type`: ints in decimal or 0x hex, bools as
// true/false/1/0/yes/no, lists as comma-separated or a JSON array, tables as JSON.
[[nodiscard]] Result<ConfigValue> parse_config_text(ConfigType type, std::string_view text);

}  // namespace wavs
