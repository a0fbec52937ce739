#include "common/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "common/json_text.hpp"

extern char** environ;  // NOLINT: POSIX

WAVS_ERROR_TABLE(wavs, ConfigErrc, "config",
                 "configuration syntax error",
                 "unknown configuration key",
                 "configuration value has the wrong type",
                 "invalid configuration value",
                 "configuration file not found")

namespace wavs {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

std::string expected_phrase(ConfigType type) {
  switch (type) {
    case ConfigType::kString: return "a string";
    case ConfigType::kInt: return "an integer";
    case ConfigType::kBool: return "a boolean";
    case ConfigType::kDouble: return "a number";
    case ConfigType::kStringList: return "an array of strings";
    case ConfigType::kTable: return "a table";
  }
  return "a value";
}

std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

Result<ConfigValue> from_toml(const ConfigKey& key, const toml::node& node) {
  switch (key.type) {
    case ConfigType::kString:
      if (auto v = node.value_exact<std::string>()) return ConfigValue(*v);
      break;
    case ConfigType::kInt:
      if (auto v = node.value_exact<std::int64_t>()) return ConfigValue(*v);
      break;
    case ConfigType::kBool:
      if (auto v = node.value_exact<bool>()) return ConfigValue(*v);
      break;
    case ConfigType::kDouble:
      if (node.is_integer() || node.is_floating_point()) return ConfigValue(*node.value<double>());
      break;
    case ConfigType::kStringList:
      if (const auto* arr = node.as_array()) {
        std::vector<std::string> out;
        for (const auto& item : *arr) {
          auto s = item.value_exact<std::string>();
          if (!s) return Error(ConfigErrc::kWrongType, "every element must be a string, got " + describe(item));
          out.push_back(*s);
        }
        return ConfigValue(std::move(out));
      }
      break;
    case ConfigType::kTable:
      if (const auto* tbl = node.as_table()) {
        std::ostringstream os;
        os << toml::json_formatter{*tbl};
        // Normalize through nlohmann so consumers get compact, canonical JSON.
        return ConfigValue(nlohmann::json::parse(os.str()).dump());
      }
      break;
  }
  return Error(ConfigErrc::kWrongType, "must be " + expected_phrase(key.type) + ", got " + describe(node));
}

std::string render(const ConfigValue& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "(unset)"; }
    std::string operator()(const std::string& s) const { return json_quote(s); }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(double d) const { return nlohmann::json(d).dump(); }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out = "[";
      for (const auto& s : l) out += (out.size() > 1 ? "," : "") + json_quote(s);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

// Applies one table of the file ([default] or the role's own) onto `config`.
Status apply_table(const ConfigSchema& schema, const toml::table& table, const std::string& table_name,
                   const std::string& file, bool is_own_section, Config& config) {
  for (const auto& [k, node] : table) {
    std::string name(k.str());
    const ConfigKey* key = schema.find(name);
    if (!key) {
      if (!is_own_section && schema.tolerated(name)) continue;
      return Error(ConfigErrc::kUnknownKey, where(file, k.source()) + ": unknown key '" + name +
                                                "' in [" + table_name + "]");
    }
    auto value = from_toml(*key, node);
    if (!value) {
      return Error(value.error().code(), where(file, node.source()) + ": key '" + name + "' in [" +
                                             table_name + "] " + value.error().detail());
    }
    config.entries[name] = ConfigEntry{std::move(*value), ConfigSource::kFile,
                                       file + ":" + std::to_string(node.source().begin.line)};
  }
  return {};
}

Status apply_file(const ConfigSchema& schema, const ConfigInputs& inputs, Config& config) {
  const auto& path = *inputs.file;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (inputs.file_required) return Error(ConfigErrc::kFileNotFound, path.string());
    return {};
  }
  auto file = path.string();
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    return Error(ConfigErrc::kSyntax, where(file, e.source()) + ": " + std::string(e.description()));
  }
  for (const auto& [k, node] : root) {
    std::string name(k.str());
    if (!inputs.known_sections.count(name)) {
      return Error(ConfigErrc::kUnknownKey,
                   where(file, k.source()) + ": unknown section or top-level key '" + name + "'");
    }
    if (!node.is_table()) {
      return Error(ConfigErrc::kWrongType,
                   where(file, node.source()) + ": '" + name + "' must be a table, got " + describe(node));
    }
  }
  if (const auto* def = root["default"].as_table()) {
    if (auto s = apply_table(schema, *def, "default", file, false, config); !s) return s;
  }
  if (inputs.section != "default") {
    if (const auto* own = root[inputs.section].as_table()) {
      if (auto s = apply_table(schema, *own, inputs.section, file, true, config); !s) return s;
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(ConfigType type) {
  switch (type) {
    case ConfigType::kString: return "string";
    case ConfigType::kInt: return "int";
    case ConfigType::kBool: return "bool";
    case ConfigType::kDouble: return "double";
    case ConfigType::kStringList: return "list";
    case ConfigType::kTable: return "table";
  }
  return "?";
}

std::string_view to_string(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDefault: return "default";
    case ConfigSource::kFile: return "file";
    case ConfigSource::kEnv: return "env";
    case ConfigSource::kFlag: return "flag";
  }
  return "?";
}

ConfigSchema& ConfigSchema::add(ConfigKey key) {
  keys_.push_back(std::move(key));
  return *this;
}

ConfigSchema& ConfigSchema::tolerate(std::string name) {
  tolerated_.insert(std::move(name));
  return *this;
}

const ConfigKey* ConfigSchema::find(std::string_view name) const {
  for (const auto& k : keys_) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Result<ConfigValue> parse_config_text(ConfigType type, std::string_view text) {
  auto bad = [&](const std::string& what) {
    return Error(ConfigErrc::kWrongType, "'" + std::string(text) + "' is not " + what);
  };
  switch (type) {
    case ConfigType::kString:
      return ConfigValue(std::string(text));
    case ConfigType::kInt: {
      std::int64_t v = 0;
      std::string_view digits = text;
      int base = 10;
      if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
        base = 16;
      }
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) return bad("an integer");
      return ConfigValue(v);
    }
    case ConfigType::kBool: {
      auto t = lower(text);
      if (t == "true" || t == "1" || t == "yes" || t == "on") return ConfigValue(true);
      if (t == "false" || t == "0" || t == "no" || t == "off") return ConfigValue(false);
      return bad("a boolean (true/false)");
    }
    case ConfigType::kDouble: {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_number()) return bad("a number");
      return ConfigValue(j.get<double>());
    }
    case ConfigType::kStringList: {
      if (!text.empty() && text.front() == '[') {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_array()) return bad("a JSON array of strings");
        std::vector<std::string> out;
        for (const auto& e : j) {
          if (!e.is_string()) return bad("a JSON array of strings");
          out.push_back(e.get<std::string>());
        }
        return ConfigValue(std::move(out));
      }
      std::vector<std::string> out;
      std::size_t start = 0;
      while (start <= text.size() && !text.empty()) {
        auto comma = text.find(',', start);
        auto part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return ConfigValue(std::move(out));
    }
    case ConfigType::kTable: {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return bad("a JSON object");
      return ConfigValue(j.dump());
    }
  }
  return bad("valid");
}

Result<Config> load_config(const ConfigSchema& schema, const ConfigInputs& inputs) {
  Config config;
  for (const auto& key : schema.keys()) {
    if (!std::holds_alternative<std::monostate>(key.default_value)) {
      config.entries[key.name] = ConfigEntry{key.default_value, ConfigSource::kDefault, "default"};
    }
  }
  if (inputs.file) {
    if (auto s = apply_file(schema, inputs, config); !s) return s.error();
  }
  // Environment: only keys the schema declares are looked up, so unrelated WAVS_*
  // variables (other roles, WAVS_ENV_* for components) are never an error.
  for (const auto& key : schema.keys()) {
    auto var = inputs.env_prefix + upper(key.name);
    auto it = inputs.env.find(var);
    if (it == inputs.env.end()) continue;
    auto value = parse_config_text(key.type, it->second);
    if (!value) {
      return Error(value.error().code(), "environment variable " + var + " (key '" + key.name +
                                             "'): " + (key.secret ? "value is not valid" : value.error().detail()));
    }
    config.entries[key.name] = ConfigEntry{std::move(*value), ConfigSource::kEnv, var};
  }
  for (const auto& [name, text] : inputs.flags) {
    const ConfigKey* key = schema.find(name);
    if (!key) return Error(ConfigErrc::kUnknownKey, "flag --" + name + ": unknown key '" + name + "'");
    auto value = parse_config_text(key->type, text);
    if (!value) {
      return Error(value.error().code(),
                   "flag --" + name + ": " + (key->secret ? "value is not valid" : value.error().detail()));
    }
    config.entries[name] = ConfigEntry{std::move(*value), ConfigSource::kFlag, "--" + name};
  }
  return config;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

bool Config::has(std::string_view key) const { return entry(key) != nullptr; }

const ConfigEntry* Config::entry(std::string_view key) const {
  auto it = entries.find(key);
  if (it == entries.end() || std::holds_alternative<std::monostate>(it->second.value)) return nullptr;
  return &it->second;
}

std::string Config::get_string(std::string_view key, std::string fallback) const {
  const auto* e = entry(key);
  if (const auto* v = e ? std::get_if<std::string>(&e->value) : nullptr) return *v;
  return fallback;
}

std::int64_t Config::get_int(std::string_view key, std::int64_t fallback) const {
  const auto* e = entry(key);
  if (const auto* v = e ? std::get_if<std::int64_t>(&e->value) : nullptr) return *v;
  return fallback;
}

bool Config::get_bool(std::string_view key, bool fallback) const {
  const auto* e = entry(key);
  if (const auto* v = e ? std::get_if<bool>(&e->value) : nullptr) return *v;
  return fallback;
}

double Config::get_double(std::string_view key, double fallback) const {
  const auto* e = entry(key);
  if (const auto* v = e ? std::get_if<double>(&e->value) : nullptr) return *v;
  return fallback;
}

std::vector<std::string> Config::get_list(std::string_view key) const {
  const auto* e = entry(key);
  if (const auto* v = e ? std::get_if<std::vector<std::string>>(&e->value) : nullptr) return *v;
  return {};
}

std::string Config::dump(const ConfigSchema& schema) const {
  std::string out;
  for (const auto& key : schema.keys()) {
    const auto* e = entry(key.name);
    out += key.name + " = ";
    if (!e) {
      out += "(unset)\n";
      continue;
    }
    out += key.secret ? std::string("\"<redacted>\"") : render(e->value);
    out += "  # " + std::string(to_string(e->source));
    if (e->source != ConfigSource::kDefault) out += " (" + e->origin + ")";
    out += "\n";
  }
  return out;
}

}  // namespace wavs
