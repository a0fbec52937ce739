#include "common/settings.hpp"

#include <cmath>
#include <variant>

namespace wavs {
namespace {

std::string describe(std::string_view key, const ConfigEntry* entry) {
  std::string out = "key '" + std::string(key) + "'";
  if (!entry) return out;
  if (entry->source == ConfigSource::kDefault) return out + " (default)";
  return out + " (" + std::string(to_string(entry->source)) + " " + entry->origin + ")";
}

}  // namespace

void add_shared_keys(ConfigSchema& s) {
  s.add({"log_level", ConfigType::kString, std::string("info"), "trace, debug, info, warn, error or off"})
      .add({"log_format", ConfigType::kString, std::string("text"), "text or json (one object per line)"})
      .add(
          {"data", ConfigType::kString, std::string("./wavs-data"), "directory for databases and components"})
      .add({"chains", ConfigType::kTable, {}, "chains by namespace and id: [default.chains.evm.<id>]"});
}

void add_api_address_keys(ConfigSchema& s, std::int64_t default_port) {
  s.add({"host", ConfigType::kString, std::string("127.0.0.1"), "HTTP API bind address"})
      .add({"port", ConfigType::kInt, default_port, "HTTP API port"});
}

void SettingsReader::fail(std::string_view key, ConfigErrc code, std::string_view problem) {
  if (error_) return;
  error_ = Error(code, describe(key, config_.entry(key)) + " " + std::string(problem));
}

Status SettingsReader::status() const {
  if (error_) return *error_;
  return {};
}

const ConfigEntry* SettingsReader::required(std::string_view key) {
  const auto* entry = config_.entry(key);
  if (!entry) fail(key, ConfigErrc::kBadValue, "is not set");
  return entry;
}

template <class T>
const T* SettingsReader::typed(std::string_view key, const ConfigEntry* entry, std::string_view phrase) {
  if (!entry) return nullptr;
  const auto* value = std::get_if<T>(&entry->value);
  if (!value) fail(key, ConfigErrc::kWrongType, "must be " + std::string(phrase));
  return value;
}

std::string SettingsReader::text(std::string_view key) {
  const auto* v = typed<std::string>(key, required(key), "a string");
  if (!v) return {};
  if (v->empty()) fail(key, ConfigErrc::kBadValue, "must not be empty");
  return *v;
}

std::int64_t SettingsReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* v = typed<std::int64_t>(key, required(key), "an integer");
  if (!v) return min;
  if (*v < min || *v > max) {
    fail(
        key, ConfigErrc::kBadValue,
        "must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + std::to_string(*v));
    return min;
  }
  return *v;
}

double SettingsReader::positive_number(std::string_view key) {
  const auto* v = typed<double>(key, required(key), "a number");
  if (!v) return 1;
  if (!std::isfinite(*v) || *v <= 0) {
    fail(key, ConfigErrc::kBadValue, "must be a finite number greater than 0");
    return 1;
  }
  return *v;
}

bool SettingsReader::boolean(std::string_view key) {
  const auto* v = typed<bool>(key, required(key), "a boolean");
  return v && *v;
}

Secret SettingsReader::secret(std::string_view key) {
  const auto* entry = config_.entry(key);
  if (!entry) return {};
  const auto* v = typed<std::string>(key, entry, "a string");
  if (!v) return {};
  if (v->empty()) {
    fail(key, ConfigErrc::kBadValue, "is set but empty (leave it unset instead)");
    return {};
  }
  return Secret(*v);
}

std::string SettingsReader::table_json(std::string_view key) {
  const auto* entry = config_.entry(key);
  if (!entry) return {};
  const auto* v = typed<std::string>(key, entry, "a table");
  return v ? *v : std::string();
}

SharedSettings SharedSettings::read(SettingsReader& reader) {
  SharedSettings s;
  if (auto level = parse_log_level(reader.text("log_level")); level) {
    s.log.level = *level;
  } else if (reader.status()) {
    reader.fail("log_level", ConfigErrc::kBadValue, "is invalid: " + level.error().detail());
  }
  if (auto format = parse_log_format(reader.text("log_format")); format) {
    s.log.format = *format;
  } else if (reader.status()) {
    reader.fail("log_format", ConfigErrc::kBadValue, "is invalid: " + format.error().detail());
  }
  s.data = reader.text("data");
  s.chains_json = reader.table_json("chains");
  return s;
}

ApiAddress ApiAddress::read(SettingsReader& reader) {
  ApiAddress a;
  a.host = reader.text("host");
  a.port = static_cast<std::uint16_t>(reader.integer("port", 0, 65535));
  return a;
}

}  // namespace wavs
